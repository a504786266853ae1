//! The SAML 2.0 bearer assertion grant (RFC 7522): signature, issuer, subject, audience,
//! recipient and time checks on a signed `<Assertion>`.
//!
//! Implementation notes — a documented subset of XML-DSig:
//! - the assertion must carry an enveloped `<ds:Signature>` with RSA-SHA256, a SHA-256
//!   digest, exclusive canonicalisation, and a `Reference URI="#<the Assertion's ID>"`;
//! - the Assertion minus its Signature element, and the SignedInfo, are put in exclusive
//!   canonical form (`c14n`) before they are digested and verified, as real verifiers do: an
//!   assertion written with `<x/>` for empty elements, single quotes or attributes in another
//!   order (lxml, signxml, xmlsec) verifies; a re-indented one fails, as whitespace is content;
//! - against signature wrapping: a document with more than one Assertion is refused, and every
//!   statement (issuer, subject, conditions) is read from the digested text alone — the
//!   canonical Assertion minus its Signature, comments removed — so nothing slipped into the
//!   Signature (a `ds:Object` carrying another Subject, say) or hidden in a comment is ever
//!   read.
//!
//! Time is judged on the wall clock with the same 300 s skew as JWT assertions. Like a JWT's
//! `exp`, a `NotOnOrAfter` may lie only so far ahead: [`MAX_LIFETIME_SECS`] plus the skew.
//! Salesforce does not document a bound for the bearer grant [U]; five minutes follows the
//! lessons' "keep its life to minutes" and what SAML SSO assertions get, and a bound keeps
//! one stolen assertion from working for days (RFC 7522 §3 lets a server refuse one
//! "unreasonably far in the future").

use super::c14n;
use super::jwt::{audience_matches, SKEW_SECS};
use super::keys::{verify_rs256, OrgKeys};
use super::xmlscan::{self as xml, escape};
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use chrono::{DateTime, Utc};
use rsa::RsaPublicKey;
use sha2::{Digest, Sha256};

/// The longest life an assertion may claim, before the skew is added.
pub const MAX_LIFETIME_SECS: i64 = 300;

const DS_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SamlError {
    #[error("the assertion is not base64 of an XML document with one saml:Assertion")]
    Malformed,
    #[error("the assertion is not signed (no ds:Signature inside the Assertion)")]
    Unsigned,
    #[error("the signature uses {0}; this org accepts RSA-SHA256 with exclusive c14n and SHA-256 digests")]
    Algorithm(String),
    #[error("the signature's Reference does not point at the Assertion's ID")]
    Reference,
    #[error("the Assertion was changed after it was signed (digest mismatch)")]
    Digest,
    #[error("the signature does not verify against the app's certificate")]
    BadSignature,
    #[error("the assertion has no {0}")]
    Missing(&'static str),
    #[error("the assertion's {0} time has passed")]
    Expired(&'static str),
    #[error("the assertion is not valid before {0}")]
    NotYetValid(String),
    #[error("the assertion's {0} lies {1} s ahead; keep an assertion's life to a few minutes")]
    TooLong(&'static str, i64),
    #[error("the Audience {0:?} is not this org's login URL")]
    Audience(Vec<String>),
    #[error("the Recipient '{0}' is not this org's token endpoint")]
    Recipient(String),
}

/// What a verified assertion says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlAssertion {
    /// The Assertion's `ID`: an assertion is accepted once.
    pub id: String,
    pub issuer: String,
    pub subject: String,
    pub audiences: Vec<String>,
    pub recipient: Option<String>,
    pub not_on_or_after: Option<DateTime<Utc>>,
    pub conditions_not_before: Option<DateTime<Utc>>,
    pub conditions_not_on_or_after: Option<DateTime<Utc>>,
}

/// Decodes the `assertion` parameter (base64url as RFC 7522 asks, or plain base64).
pub fn decode_param(param: &str) -> Result<String, SamlError> {
    let p = param.trim();
    let bytes = URL_SAFE_NO_PAD
        .decode(p.trim_end_matches('='))
        .or_else(|_| URL_SAFE.decode(p))
        .or_else(|_| STANDARD.decode(p))
        .map_err(|_| SamlError::Malformed)?;
    String::from_utf8(bytes).map_err(|_| SamlError::Malformed)
}

/// The Issuer of the (not yet verified) assertion, to find the app whose key to use.
pub fn issuer_of(doc: &str) -> Option<String> {
    let a = only_assertion(doc).ok()?;
    let signed = match xml::find(doc, "Signature", Some(a)) {
        Some(sig) => signed_part(doc, a, sig),
        None => doc[a.start..a.end].to_string(),
    };
    let a = only_assertion(&signed).ok()?;
    xml::find(&signed, "Issuer", Some(a)).map(|i| xml::text(&signed, i))
}

/// The Assertion `a` as its digest covers it: its bytes without the Signature element `sig`.
fn signed_part(doc: &str, a: xml::Span, sig: xml::Span) -> String {
    format!("{}{}", &doc[a.start..sig.start], &doc[sig.end..a.end])
}

fn only_assertion(doc: &str) -> Result<xml::Span, SamlError> {
    let all = xml::find_all(doc, "Assertion", 0, doc.len());
    match all.as_slice() {
        [one] => Ok(*one),
        _ => Err(SamlError::Malformed),
    }
}

/// Checks the signature of the one Assertion in `doc` and reads its statements.
pub fn verify(doc: &str, key: &RsaPublicKey) -> Result<SamlAssertion, SamlError> {
    let a = only_assertion(doc)?;
    let sig = xml::find(doc, "Signature", Some(a)).ok_or(SamlError::Unsigned)?;
    let signed_info = xml::find(doc, "SignedInfo", Some(sig)).ok_or(SamlError::Unsigned)?;
    let algorithm = |name: &'static str| {
        xml::find(doc, name, Some(signed_info)).and_then(|s| xml::attr(doc, s, "Algorithm"))
    };
    for (name, want) in [
        ("CanonicalizationMethod", EXC_C14N),
        ("SignatureMethod", RSA_SHA256),
        ("DigestMethod", SHA256),
    ] {
        let got = algorithm(name).unwrap_or_default();
        if got != want {
            return Err(SamlError::Algorithm(format!("{name} '{got}'")));
        }
    }
    let reference = xml::find(doc, "Reference", Some(signed_info)).ok_or(SamlError::Reference)?;
    let id = xml::attr(doc, a, "ID").ok_or(SamlError::Missing("ID attribute"))?;
    if xml::attr(doc, reference, "URI").as_deref() != Some(format!("#{id}").as_str()) {
        return Err(SamlError::Reference);
    }
    let digest_value = xml::find(doc, "DigestValue", Some(reference))
        .map(|d| xml::text(doc, d))
        .ok_or(SamlError::Digest)?;
    // What the Reference covers: the Assertion without its Signature (the enveloped-signature
    // transform), in exclusive canonical form, however the signer serialised it.
    let unsigned = c14n::canonicalise(doc, a.start, Some((sig.start, sig.end)))
        .map_err(|_| SamlError::Malformed)?;
    if STANDARD.encode(Sha256::digest(unsigned.as_bytes()))
        != digest_value.replace(char::is_whitespace, "")
    {
        return Err(SamlError::Digest);
    }
    let sig_value = xml::find(doc, "SignatureValue", Some(sig))
        .map(|s| xml::text(doc, s).replace(char::is_whitespace, ""))
        .ok_or(SamlError::BadSignature)?;
    let sig_bytes = STANDARD
        .decode(sig_value)
        .map_err(|_| SamlError::BadSignature)?;
    let canonical =
        c14n::canonicalise(doc, signed_info.start, None).map_err(|_| SamlError::Malformed)?;
    if !verify_rs256(key, canonical.as_bytes(), &sig_bytes) {
        return Err(SamlError::BadSignature);
    }
    // Only what the digest covered is read.
    let signed = only_assertion(&unsigned)?;
    read_statements(&unsigned, signed)
}

fn time_attr(doc: &str, span: Option<xml::Span>, name: &str) -> Option<DateTime<Utc>> {
    let v = xml::attr(doc, span?, name)?;
    DateTime::parse_from_rfc3339(&v)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn read_statements(doc: &str, a: xml::Span) -> Result<SamlAssertion, SamlError> {
    let issuer = xml::find(doc, "Issuer", Some(a))
        .map(|s| xml::text(doc, s))
        .ok_or(SamlError::Missing("Issuer"))?;
    let subject_el = xml::find(doc, "Subject", Some(a)).ok_or(SamlError::Missing("Subject"))?;
    let subject = xml::find(doc, "NameID", Some(subject_el))
        .map(|s| xml::text(doc, s))
        .ok_or(SamlError::Missing("Subject NameID"))?;
    let confirmation = xml::find_all(
        doc,
        "SubjectConfirmation",
        subject_el.content_start,
        subject_el.content_end,
    )
    .into_iter()
    .find(|c| xml::attr(doc, *c, "Method").as_deref() == Some(BEARER))
    .ok_or(SamlError::Missing("bearer SubjectConfirmation"))?;
    let data = xml::find(doc, "SubjectConfirmationData", Some(confirmation));
    let conditions = xml::find(doc, "Conditions", Some(a));
    let audiences = conditions
        .map(|c| {
            xml::find_all(doc, "Audience", c.content_start, c.content_end)
                .into_iter()
                .map(|s| xml::text(doc, s))
                .collect()
        })
        .unwrap_or_default();
    Ok(SamlAssertion {
        id: xml::attr(doc, a, "ID").unwrap_or_default(),
        issuer,
        subject,
        audiences,
        recipient: data.and_then(|d| xml::attr(doc, d, "Recipient")),
        not_on_or_after: time_attr(doc, data, "NotOnOrAfter"),
        conditions_not_before: time_attr(doc, conditions, "NotBefore"),
        conditions_not_on_or_after: time_attr(doc, conditions, "NotOnOrAfter"),
    })
}

impl SamlAssertion {
    /// Audience, recipient and time checks at `now`.
    pub fn check(
        &self,
        now: DateTime<Utc>,
        audiences: &[String],
        recipients: &[String],
    ) -> Result<(), SamlError> {
        let skew = chrono::Duration::seconds(SKEW_SECS);
        let noa = self
            .not_on_or_after
            .ok_or(SamlError::Missing("SubjectConfirmationData NotOnOrAfter"))?;
        if noa + skew <= now {
            return Err(SamlError::Expired("SubjectConfirmationData NotOnOrAfter"));
        }
        if let Some(t) = self.conditions_not_on_or_after {
            if t + skew <= now {
                return Err(SamlError::Expired("Conditions NotOnOrAfter"));
            }
        }
        let latest = now + chrono::Duration::seconds(MAX_LIFETIME_SECS) + skew;
        let ends = [
            ("SubjectConfirmationData NotOnOrAfter", Some(noa)),
            ("Conditions NotOnOrAfter", self.conditions_not_on_or_after),
        ];
        for (what, t) in ends {
            if let Some(t) = t.filter(|t| *t > latest) {
                return Err(SamlError::TooLong(what, (t - now).num_seconds()));
            }
        }
        if let Some(t) = self.conditions_not_before {
            if t > now + skew {
                return Err(SamlError::NotYetValid(t.to_rfc3339()));
            }
        }
        if !self
            .audiences
            .iter()
            .any(|a| audience_matches(a, audiences))
        {
            return Err(SamlError::Audience(self.audiences.clone()));
        }
        let recipient = self
            .recipient
            .clone()
            .ok_or(SamlError::Missing("Recipient"))?;
        if !audience_matches(&recipient, recipients) {
            return Err(SamlError::Recipient(recipient));
        }
        Ok(())
    }
}

/// What to put in an assertion made by [`sign_assertion`].
pub struct AssertionSpec<'a> {
    pub id: &'a str,
    pub issuer: &'a str,
    pub subject: &'a str,
    pub audience: &'a str,
    pub recipient: &'a str,
    pub issued: DateTime<Utc>,
    pub not_on_or_after: DateTime<Utc>,
}

/// Builds and signs an assertion in the canonical form [`verify`] accepts (for tests, lab
/// fixtures and learners who want a known-good example).
pub fn sign_assertion(spec: &AssertionSpec<'_>, key: &OrgKeys) -> String {
    let t = |d: DateTime<Utc>| d.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let issuer = format!("<saml:Issuer>{}</saml:Issuer>", escape(spec.issuer));
    let rest = format!(
        "<saml:Subject><saml:NameID Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified\">{subject}</saml:NameID>\
<saml:SubjectConfirmation Method=\"{BEARER}\"><saml:SubjectConfirmationData NotOnOrAfter=\"{noa}\" Recipient=\"{recipient}\"></saml:SubjectConfirmationData></saml:SubjectConfirmation></saml:Subject>\
<saml:Conditions NotBefore=\"{issued}\" NotOnOrAfter=\"{noa}\"><saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>\
<saml:AuthnStatement AuthnInstant=\"{issued}\"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>",
        subject = escape(spec.subject),
        noa = t(spec.not_on_or_after),
        recipient = escape(spec.recipient),
        issued = t(spec.issued),
        audience = escape(spec.audience),
    );
    let open = format!(
        "<saml:Assertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"{}\" IssueInstant=\"{}\" Version=\"2.0\">",
        escape(spec.id),
        t(spec.issued)
    );
    let close = "</saml:Assertion>";
    let digest = STANDARD.encode(Sha256::digest(
        format!("{open}{issuer}{rest}{close}").as_bytes(),
    ));
    let signed_info = format!(
        "<ds:SignedInfo xmlns:ds=\"{DS_NS}\"><ds:CanonicalizationMethod Algorithm=\"{EXC_C14N}\"></ds:CanonicalizationMethod>\
<ds:SignatureMethod Algorithm=\"{RSA_SHA256}\"></ds:SignatureMethod><ds:Reference URI=\"#{id}\"><ds:Transforms>\
<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"></ds:Transform>\
<ds:Transform Algorithm=\"{EXC_C14N}\"></ds:Transform></ds:Transforms><ds:DigestMethod Algorithm=\"{SHA256}\"></ds:DigestMethod>\
<ds:DigestValue>{digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>",
        id = escape(spec.id)
    );
    let signature = STANDARD.encode(key.sign(signed_info.as_bytes()));
    let sig_el = format!(
        "<ds:Signature xmlns:ds=\"{DS_NS}\">{signed_info}<ds:SignatureValue>{signature}</ds:SignatureValue></ds:Signature>"
    );
    format!("{open}{issuer}{sig_el}{rest}{close}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::auth::keys::tests::test_key;

    fn keys() -> OrgKeys {
        OrgKeys::from_private(test_key().clone())
    }

    fn spec(now: DateTime<Utc>) -> AssertionSpec<'static> {
        AssertionSpec {
            id: "_a1",
            issuer: "3MVG9x",
            subject: "a@x.dev",
            audience: "https://login.salesforce.com",
            recipient: "http://127.0.0.1:8080/services/oauth2/token",
            issued: now,
            not_on_or_after: now + chrono::Duration::minutes(5),
        }
    }

    fn lists() -> (Vec<String>, Vec<String>) {
        (
            vec!["https://login.salesforce.com".into()],
            vec!["http://127.0.0.1:8080/services/oauth2/token".into()],
        )
    }

    #[test]
    fn a_signed_assertion_verifies_and_passes_its_checks() {
        let now = Utc::now();
        let doc = sign_assertion(&spec(now), &keys());
        let a = verify(&doc, &keys().public()).unwrap();
        assert_eq!(a.subject, "a@x.dev");
        assert_eq!(issuer_of(&doc).as_deref(), Some("3MVG9x"));
        let (aud, rec) = lists();
        a.check(now, &aud, &rec).unwrap();
    }

    /// Writes `<x …></x>` as `<x …/>`, as lxml (and so signxml) serialises empty elements.
    fn self_closing(doc: &str) -> String {
        let mut out = doc.to_string();
        let mut from = 0;
        while let Some(i) = out[from..].find("></") {
            let close = from + i;
            let open = out[..close].rfind('<').unwrap();
            let name = out[open + 1..close].split(' ').next().unwrap().to_string();
            let end_tag = format!("</{name}>");
            if out[close + 1..].starts_with(&end_tag) && !name.starts_with('/') {
                out.replace_range(close..close + 1 + end_tag.len(), "/>");
            }
            from = close + 1;
        }
        out
    }

    #[test]
    fn an_assertion_with_self_closing_empty_elements_verifies_as_its_canonical_form() {
        let now = Utc::now();
        let canonical = sign_assertion(&spec(now), &keys());
        let doc = self_closing(&canonical);
        assert!(doc.contains(
            "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>"
        ));
        assert!(doc.contains("Recipient=\"http://127.0.0.1:8080/services/oauth2/token\"/>"));
        let a = verify(&doc, &keys().public()).unwrap();
        assert_eq!(a.subject, "a@x.dev");
        let (aud, rec) = lists();
        a.check(now, &aud, &rec).unwrap();
    }

    #[test]
    fn single_quotes_reordered_attributes_and_a_comment_do_not_change_what_is_signed() {
        let canonical = sign_assertion(&spec(Utc::now()), &keys());
        let doc = canonical
            .replace(
                "ID=\"_a1\" IssueInstant=",
                "Version='2.0' ID='_a1' IssueInstant=",
            )
            .replace(" Version=\"2.0\">", ">")
            .replace("<saml:Issuer>", "<!-- from the IdP --><saml:Issuer>");
        assert_ne!(doc, canonical);
        assert_eq!(verify(&doc, &keys().public()).unwrap().id, "_a1");
    }

    #[test]
    fn a_comment_inside_the_name_id_is_read_as_the_signed_text_without_it() {
        let doc = sign_assertion(&spec(Utc::now()), &keys())
            .replace(">a@x.dev<", ">a@x.dev<!---->.evil<");
        // The signed subject was a@x.dev; the comment splits a different one, which fails.
        assert_eq!(verify(&doc, &keys().public()), Err(SamlError::Digest));
    }

    #[test]
    fn a_tampered_subject_breaks_the_digest() {
        let doc = sign_assertion(&spec(Utc::now()), &keys()).replace("a@x.dev", "admin@x.dev");
        assert_eq!(verify(&doc, &keys().public()), Err(SamlError::Digest));
    }

    #[test]
    fn an_unsigned_assertion_is_refused() {
        let doc = sign_assertion(&spec(Utc::now()), &keys());
        let s = doc.find("<ds:Signature").unwrap();
        let e = doc.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
        let unsigned = format!("{}{}", &doc[..s], &doc[e..]);
        assert_eq!(
            verify(&unsigned, &keys().public()),
            Err(SamlError::Unsigned)
        );
    }

    #[test]
    fn a_forged_signature_value_is_refused() {
        let doc = sign_assertion(&spec(Utc::now()), &keys());
        let s = doc.find("<ds:SignatureValue>").unwrap() + "<ds:SignatureValue>".len();
        let forged = format!("{}AAAA{}", &doc[..s], &doc[s + 4..]);
        assert_eq!(
            verify(&forged, &keys().public()),
            Err(SamlError::BadSignature)
        );
    }

    #[test]
    fn an_assertion_valid_for_hours_is_refused_and_one_for_minutes_is_not() {
        let (aud, rec) = lists();
        let now = Utc::now();
        let day = AssertionSpec {
            not_on_or_after: now + chrono::Duration::hours(24),
            ..spec(now)
        };
        let a = verify(&sign_assertion(&day, &keys()), &keys().public()).unwrap();
        let refused = a.check(now, &aud, &rec).unwrap_err();
        assert!(
            matches!(refused, SamlError::TooLong(_, s) if s >= 86_000),
            "{refused}"
        );
        assert!(refused.to_string().contains("a few minutes"));
        let ten = AssertionSpec {
            not_on_or_after: now + chrono::Duration::minutes(10),
            ..spec(now)
        };
        let a = verify(&sign_assertion(&ten, &keys()), &keys().public()).unwrap();
        a.check(now, &aud, &rec).unwrap();
    }

    #[test]
    fn expired_wrong_audience_and_wrong_recipient_are_refused() {
        let (aud, rec) = lists();
        let now = Utc::now();
        let doc = sign_assertion(&spec(now), &keys());
        let a = verify(&doc, &keys().public()).unwrap();
        assert!(matches!(
            a.check(now + chrono::Duration::minutes(20), &aud, &rec),
            Err(SamlError::Expired(_))
        ));
        assert!(matches!(
            a.check(now, &["https://other".into()], &rec),
            Err(SamlError::Audience(_))
        ));
        assert!(matches!(
            a.check(now, &aud, &["https://other/token".into()]),
            Err(SamlError::Recipient(_))
        ));
    }

    #[test]
    fn two_assertions_are_refused_against_signature_wrapping() {
        let doc = sign_assertion(&spec(Utc::now()), &keys());
        let wrapped = format!("<r>{doc}{doc}</r>");
        assert_eq!(
            verify(&wrapped, &keys().public()),
            Err(SamlError::Malformed)
        );
    }

    #[test]
    fn statements_slipped_into_the_signature_are_never_read() {
        let now = Utc::now();
        let doc = sign_assertion(&spec(now), &keys());
        // A wrapping attack: the digest skips the Signature, so an Object inside it is not
        // covered; its Subject, Issuer and Conditions come first in document order.
        let injected = "<ds:Object><saml:Issuer>other-app</saml:Issuer><saml:Subject><saml:NameID>admin@x.dev</saml:NameID>\
<saml:SubjectConfirmation Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\"><saml:SubjectConfirmationData Recipient=\"https://evil\"/></saml:SubjectConfirmation></saml:Subject>\
<saml:Conditions><saml:AudienceRestriction><saml:Audience>https://evil</saml:Audience></saml:AudienceRestriction></saml:Conditions></ds:Object>";
        let sig_at = doc.find("<ds:Signature").unwrap();
        let wrapped = doc.replacen("</ds:Signature>", &format!("{injected}</ds:Signature>"), 1);
        let wrapped = {
            // The Signature moved before the Issuer: the digest does not change.
            let s = wrapped.find("<ds:Signature").unwrap();
            let e = wrapped.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
            let sig = &wrapped[s..e];
            let rest = format!("{}{}", &wrapped[..s], &wrapped[e..]);
            let open_end = rest.find('>').unwrap() + 1;
            format!("{}{sig}{}", &rest[..open_end], &rest[open_end..])
        };
        assert!(sig_at > 0 && wrapped.contains("admin@x.dev"));
        let a = verify(&wrapped, &keys().public()).expect("the signed part still verifies");
        assert_eq!(
            a.subject, "a@x.dev",
            "the signed subject, not the injected one"
        );
        assert_eq!(a.issuer, "3MVG9x");
        assert_eq!(
            a.audiences,
            vec!["https://login.salesforce.com".to_string()]
        );
        assert_eq!(
            a.recipient.as_deref(),
            Some("http://127.0.0.1:8080/services/oauth2/token")
        );
        assert_eq!(issuer_of(&wrapped).as_deref(), Some("3MVG9x"));
    }

    #[test]
    fn the_parameter_may_be_base64url_or_base64() {
        let doc = "<x>é?</x>";
        assert_eq!(decode_param(&URL_SAFE_NO_PAD.encode(doc)).unwrap(), doc);
        assert_eq!(decode_param(&STANDARD.encode(doc)).unwrap(), doc);
    }
}
