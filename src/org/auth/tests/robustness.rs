//! No input from the network panics the parsers: form and multipart bodies, JWTs, SAML
//! documents (random and mutated), certificates.

use super::*;
use crate::org::auth::form::Params;
use crate::org::auth::keys::public_key_from_pem;
use crate::org::auth::saml::{self, sign_assertion, AssertionSpec};
use crate::org::auth::{jwt, pkce};
use base64::Engine;
use proptest::prelude::*;

fn signed_assertion() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        let now = chrono::Utc::now();
        sign_assertion(
            &AssertionSpec {
                id: "_p1",
                issuer: "saml-key",
                subject: "a@x.dev",
                audience: "https://login.salesforce.com",
                recipient: "https://127.0.0.1:8080/services/oauth2/token",
                issued: now,
                not_on_or_after: now + chrono::Duration::minutes(5),
            },
            &client_keys(),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn bodies_of_any_shape_are_read_or_refused(ct in "(multipart/form-data; boundary=[a-z]{0,4}|application/x-www-form-urlencoded|[ -~]{0,20})", body in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = Params::from_body(Some(&ct), &body);
    }

    #[test]
    fn any_string_as_a_jwt_is_judged_without_panic(s in "[A-Za-z0-9_.=-]{0,120}", exp in any::<i64>()) {
        if let Ok(u) = jwt::decode(&s) {
            let _ = u.verify(&client_keys().public());
            let _ = u.check_claims(exp, &[]);
        }
        let head = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256"}"#);
        let body = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(r#"{{"iss":"x","sub":"y","aud":"z","exp":{exp},"nbf":"{s}"}}"#));
        if let Ok(u) = jwt::decode(&format!("{head}.{body}.")) {
            let _ = u.check_claims(1_800_000_000, &["z".into()]);
        }
    }

    #[test]
    fn xml_like_text_is_judged_without_panic(s in "[<>/a-zA-Z:=\" 'é#_]{0,300}") {
        let _ = saml::issuer_of(&s);
        let _ = saml::verify(&s, &client_keys().public());
    }

    #[test]
    fn a_mutated_assertion_never_verifies_as_something_else(at in 0usize..4000, insert in "[<>/a-z\"=é ]{0,3}", cut in 0usize..4) {
        let doc = signed_assertion();
        let mut at = at.min(doc.len());
        while !doc.is_char_boundary(at) { at -= 1; }
        let mut end = (at + cut).min(doc.len());
        while !doc.is_char_boundary(end) { end -= 1; }
        let mutated = format!("{}{}{}", &doc[..at], insert, &doc[end..]);
        if let Ok(a) = saml::verify(&mutated, &client_keys().public()) {
            // Only changes outside the signed Assertion (none exist here) or no-op edits pass.
            prop_assert_eq!(a.subject, "a@x.dev");
        }
    }

    #[test]
    fn random_certificates_are_refused_without_panic(der in proptest::collection::vec(any::<u8>(), 0..300)) {
        let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
        let pem = format!("-----BEGIN CERTIFICATE-----\n{b64}\n-----END CERTIFICATE-----\n");
        let _ = public_key_from_pem(&pem);
    }

    #[test]
    fn verifiers_of_any_shape_are_judged_without_panic(v in "\\PC{0,300}") {
        let c = pkce::parse_challenge(Some(CHALLENGE), None, true).unwrap();
        let _ = pkce::verify(c.as_ref(), Some(&v));
    }
}
