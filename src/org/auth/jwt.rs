//! JWTs: reading and judging a JWT bearer assertion (RFC 7523), and signing ID tokens.
//!
//! Only RS256 is accepted: `alg: none`, HS256 (the "public key as HMAC secret" substitution)
//! and every other algorithm are refused before any key is touched (RFC 8725 §2.1, §3.1).
//!
//! Time rules, in seconds on the wall clock of the machine (the learner's code signs with
//! that clock, so its assertions are judged by it, not by the org's advanceable clock):
//! - skew: 300 s either way, the value the OpenID conformance suite uses;
//! - `exp` is required, must not have passed (beyond the skew), and may lie at most
//!   3 minutes + skew ahead (Salesforce asks for "within 3 minutes");
//! - an `exp` above 10^11 is read as milliseconds: the sf CLI sends `Date.now() + 300`;
//!   read as seconds it would lie 50 000 years ahead, so no honest seconds value is that big;
//! - `exp` may be a numeric string (simple-salesforce sends `str(...)`);
//! - `nbf` and `iat` must not lie in the future beyond the skew;
//! - `jti`, when present, may be used once (replays are refused until the assertion expires).
//!
//! A header with `crit` is refused: it names extensions the receiver must understand, and the
//! org understands none (RFC 7515 §4.1.11: such a JWS is invalid). The grant answers
//! `invalid_grant` "invalid assertion"; the exact text a real org sends is not verified.

use super::keys::{verify_rs256, OrgKeys};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rsa::RsaPublicKey;
use serde_json::Value;

pub const SKEW_SECS: i64 = 300;
pub const MAX_LIFETIME_SECS: i64 = 180;
const MS_THRESHOLD: i64 = 100_000_000_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("the assertion is not a JWT (three base64url parts with JSON header and claims)")]
    Malformed,
    #[error("the JWT is signed with '{0}'; only RS256 is accepted")]
    Algorithm(String),
    #[error("the JWT signature does not verify against the app's certificate")]
    BadSignature,
    #[error("the JWT has no '{0}' claim")]
    MissingClaim(&'static str),
    #[error("the JWT's '{0}' claim is not a number of seconds")]
    BadTime(&'static str),
    #[error("the JWT expired {0} seconds ago")]
    Expired(i64),
    #[error("the JWT expires {0} seconds from now; keep exp within 3 minutes")]
    TooFarAhead(i64),
    #[error("the JWT's '{0}' lies in the future")]
    NotYetValid(&'static str),
    #[error("the JWT's aud {0} is not this org's login URL")]
    Audience(String),
    #[error(
        "the JWT header's crit lists {0} as extensions the org must understand, and it understands none; leave crit out of the header"
    )]
    CriticalExtension(String),
}

/// A JWT split into parts, signature not yet checked.
#[derive(Debug, Clone)]
pub struct Unverified {
    pub header: Value,
    pub claims: Value,
    signing_input: String,
    signature: Vec<u8>,
}

/// The claims of an assertion that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssertionClaims {
    pub issuer: String,
    /// `prn` when present (the legacy claim wins), else `sub`.
    pub subject: String,
    /// Seconds since the epoch (converted when it was sent in milliseconds).
    pub expires: i64,
    pub exp_was_millis: bool,
    pub jti: Option<String>,
}

pub fn decode(token: &str) -> Result<Unverified, JwtError> {
    let mut parts = token.trim().split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };
    let json = |p: &str| -> Result<Value, JwtError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(p.trim_end_matches('='))
            .map_err(|_| JwtError::Malformed)?;
        let v: Value = serde_json::from_slice(&bytes).map_err(|_| JwtError::Malformed)?;
        v.is_object().then_some(v).ok_or(JwtError::Malformed)
    };
    Ok(Unverified {
        header: json(h)?,
        claims: json(c)?,
        signing_input: format!("{h}.{c}"),
        signature: URL_SAFE_NO_PAD
            .decode(s.trim_end_matches('='))
            .map_err(|_| JwtError::Malformed)?,
    })
}

impl Unverified {
    pub fn issuer(&self) -> Option<&str> {
        self.claims.get("iss").and_then(Value::as_str)
    }

    pub fn algorithm(&self) -> &str {
        self.header
            .get("alg")
            .and_then(Value::as_str)
            .unwrap_or("(none given)")
    }

    /// Checks the algorithm allow-list and that no extension is marked critical, then the
    /// signature.
    pub fn verify(&self, key: &RsaPublicKey) -> Result<(), JwtError> {
        if self.algorithm() != "RS256" {
            return Err(JwtError::Algorithm(self.algorithm().to_string()));
        }
        if let Some(crit) = self.header.get("crit") {
            return Err(JwtError::CriticalExtension(crit.to_string()));
        }
        if verify_rs256(key, self.signing_input.as_bytes(), &self.signature) {
            Ok(())
        } else {
            Err(JwtError::BadSignature)
        }
    }

    /// Checks the claims of a verified assertion at `now` (epoch seconds).
    pub fn check_claims(
        &self,
        now: i64,
        audiences: &[String],
    ) -> Result<AssertionClaims, JwtError> {
        let c = &self.claims;
        let issuer = c
            .get("iss")
            .and_then(Value::as_str)
            .ok_or(JwtError::MissingClaim("iss"))?;
        let subject = c
            .get("prn")
            .and_then(Value::as_str)
            .or_else(|| c.get("sub").and_then(Value::as_str))
            .ok_or(JwtError::MissingClaim("sub"))?;
        let raw_exp = time_claim(c, "exp")?.ok_or(JwtError::MissingClaim("exp"))?;
        let exp_was_millis = raw_exp > MS_THRESHOLD;
        let expires = if exp_was_millis {
            raw_exp / 1000
        } else {
            raw_exp
        };
        if expires.saturating_add(SKEW_SECS) < now {
            return Err(JwtError::Expired(now.saturating_sub(expires)));
        }
        if expires > now + MAX_LIFETIME_SECS + SKEW_SECS {
            return Err(JwtError::TooFarAhead(expires.saturating_sub(now)));
        }
        for name in ["nbf", "iat"] {
            if let Some(t) = time_claim(c, name)? {
                let t = if t > MS_THRESHOLD { t / 1000 } else { t };
                if t > now + SKEW_SECS {
                    return Err(JwtError::NotYetValid(name));
                }
            }
        }
        let aud: Vec<&str> = match c.get("aud") {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => return Err(JwtError::MissingClaim("aud")),
        };
        if !aud.iter().any(|a| audience_matches(a, audiences)) {
            return Err(JwtError::Audience(format!("{aud:?}")));
        }
        Ok(AssertionClaims {
            issuer: issuer.to_string(),
            subject: subject.to_string(),
            expires,
            exp_was_millis,
            jti: c.get("jti").and_then(Value::as_str).map(str::to_string),
        })
    }
}

/// Compares audiences ignoring a trailing slash and letter case.
pub fn audience_matches(aud: &str, accepted: &[String]) -> bool {
    let norm = |s: &str| s.trim().trim_end_matches('/').to_ascii_lowercase();
    let aud = norm(aud);
    accepted.iter().any(|a| norm(a) == aud)
}

fn time_claim(claims: &Value, name: &'static str) -> Result<Option<i64>, JwtError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .map(Some)
            .ok_or(JwtError::BadTime(name)),
        Some(Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .map(|f| Some(f as i64))
            .map_err(|_| JwtError::BadTime(name)),
        Some(_) => Err(JwtError::BadTime(name)),
    }
}

/// Signs `claims` as an RS256 JWT with the org's key.
pub fn sign(keys: &OrgKeys, claims: &Value) -> String {
    let header = serde_json::json!({"alg": "RS256", "kid": keys.kid, "typ": "JWT"});
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let sig = keys.sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
}

/// OIDC `at_hash`: base64url of the left half of SHA-256 of the access token.
pub fn at_hash(access_token: &str) -> String {
    use sha2::{Digest, Sha256};
    URL_SAFE_NO_PAD.encode(&Sha256::digest(access_token.as_bytes())[..16])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::auth::keys::tests::test_key;
    use serde_json::json;

    fn keys() -> OrgKeys {
        OrgKeys::from_private(test_key().clone())
    }

    fn aud() -> Vec<String> {
        vec![
            "https://login.salesforce.com".into(),
            "http://127.0.0.1:8080".into(),
        ]
    }

    const NOW: i64 = 1_800_000_000;

    fn claims(exp: Value) -> Value {
        json!({"iss": "3MVG9x", "sub": "a@x.dev", "aud": "https://login.salesforce.com", "exp": exp})
    }

    #[test]
    fn a_signed_assertion_with_good_claims_passes() {
        let t = sign(&keys(), &claims(json!(NOW + 120)));
        let u = decode(&t).unwrap();
        u.verify(&keys().public()).unwrap();
        let c = u.check_claims(NOW, &aud()).unwrap();
        assert_eq!(c.subject, "a@x.dev");
        assert!(!c.exp_was_millis);
    }

    #[test]
    fn sf_cli_millisecond_exp_and_trailing_slash_aud_are_accepted() {
        let mut c = claims(json!(NOW * 1000 + 300));
        c["aud"] = json!("http://127.0.0.1:8080/");
        let u = decode(&sign(&keys(), &c)).unwrap();
        let got = u.check_claims(NOW, &aud()).unwrap();
        assert!(got.exp_was_millis);
        assert_eq!(got.expires, NOW);
    }

    #[test]
    fn simple_salesforce_string_exp_is_accepted() {
        let u = decode(&sign(&keys(), &claims(json!((NOW + 180).to_string())))).unwrap();
        assert!(u.check_claims(NOW, &aud()).is_ok());
    }

    #[test]
    fn expired_and_far_future_exp_are_refused() {
        let old = decode(&sign(&keys(), &claims(json!(NOW - 400)))).unwrap();
        assert_eq!(old.check_claims(NOW, &aud()), Err(JwtError::Expired(400)));
        let far = decode(&sign(&keys(), &claims(json!(NOW + 3600)))).unwrap();
        assert_eq!(
            far.check_claims(NOW, &aud()),
            Err(JwtError::TooFarAhead(3600))
        );
        let none = decode(&sign(
            &keys(),
            &json!({"iss": "x", "sub": "y", "aud": "https://login.salesforce.com"}),
        ))
        .unwrap();
        assert_eq!(
            none.check_claims(NOW, &aud()),
            Err(JwtError::MissingClaim("exp"))
        );
    }

    #[test]
    fn extreme_exp_values_are_refused_without_overflow() {
        for exp in [
            json!(i64::MIN),
            json!(i64::MAX),
            json!(-1e300),
            json!(1e300),
            json!("-9223372036854775808"),
        ] {
            let u = decode(&sign(&keys(), &claims(exp.clone()))).unwrap();
            assert!(u.check_claims(NOW, &aud()).is_err(), "{exp}");
        }
    }

    #[test]
    fn prn_wins_over_sub() {
        let mut c = claims(json!(NOW + 60));
        c["prn"] = json!("legacy@x.dev");
        let u = decode(&sign(&keys(), &c)).unwrap();
        assert_eq!(u.check_claims(NOW, &aud()).unwrap().subject, "legacy@x.dev");
    }

    #[test]
    fn a_foreign_audience_is_refused() {
        let mut c = claims(json!(NOW + 60));
        c["aud"] = json!("https://evil.example.com");
        let u = decode(&sign(&keys(), &c)).unwrap();
        assert!(matches!(
            u.check_claims(NOW, &aud()),
            Err(JwtError::Audience(_))
        ));
    }

    #[test]
    fn alg_none_and_hs256_are_refused_before_the_signature() {
        let body = URL_SAFE_NO_PAD.encode(claims(json!(NOW + 60)).to_string());
        for alg in ["none", "HS256"] {
            let head = URL_SAFE_NO_PAD.encode(json!({"alg": alg}).to_string());
            let u = decode(&format!("{head}.{body}.")).unwrap();
            assert_eq!(
                u.verify(&keys().public()),
                Err(JwtError::Algorithm(alg.into()))
            );
        }
    }

    #[test]
    fn a_tampered_payload_fails_the_signature() {
        let t = sign(&keys(), &claims(json!(NOW + 60)));
        let parts: Vec<&str> = t.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(
            claims(json!(NOW + 60))
                .to_string()
                .replace("a@x.dev", "admin@x.dev"),
        );
        let u = decode(&format!("{}.{}.{}", parts[0], forged, parts[2])).unwrap();
        assert_eq!(u.verify(&keys().public()), Err(JwtError::BadSignature));
    }

    #[test]
    fn a_header_with_crit_is_refused_even_when_the_signature_verifies() {
        for crit in [json!(["exp2"]), json!([]), json!("exp2")] {
            let head = URL_SAFE_NO_PAD
                .encode(json!({"alg": "RS256", "crit": crit, "exp2": 1}).to_string());
            let body = URL_SAFE_NO_PAD.encode(claims(json!(NOW + 60)).to_string());
            let input = format!("{head}.{body}");
            let sig = URL_SAFE_NO_PAD.encode(keys().sign(input.as_bytes()));
            let u = decode(&format!("{input}.{sig}")).unwrap();
            assert_eq!(
                u.verify(&keys().public()),
                Err(JwtError::CriticalExtension(crit.to_string()))
            );
        }
    }

    #[test]
    fn garbage_is_malformed() {
        assert!(matches!(decode("a.b"), Err(JwtError::Malformed)));
        assert!(matches!(decode("!!.??.x"), Err(JwtError::Malformed)));
    }
}
