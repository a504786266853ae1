//! PKCE (RFC 7636): challenge checks at the authorize step, verifier checks at the token step.
//!
//! Salesforce treats a challenge sent without `code_challenge_method` as S256 (the sf CLI
//! relies on this), unlike RFC 7636 §4.3 where a missing method means `plain`. Apps that
//! require PKCE refuse `plain` outright, which blocks the downgrade.
//!
//! Verifier length: RFC 7636 §4.1 allows 43–128 characters, but jsforce and the sf CLI send
//! base64url of 128 random bytes (171 characters) and real orgs accept them, so verifiers
//! up to [`MAX_VERIFIER_LEN`] pass; the charset and the minimum stay strict.

use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PkceMethod {
    S256,
    Plain,
}

impl PkceMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            PkceMethod::S256 => "S256",
            PkceMethod::Plain => "plain",
        }
    }
}

/// A challenge recorded with an authorization code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub value: String,
    pub method: PkceMethod,
    /// True when the client sent no method and S256 was assumed.
    pub method_defaulted: bool,
}

/// Why a challenge or verifier was refused (the learner-facing reason).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PkceError {
    #[error("code_challenge_method '{0}' is not supported; use S256")]
    UnknownMethod(String),
    #[error("this app requires PKCE with S256; the plain method is refused")]
    PlainRefused,
    #[error(
        "code_challenge must be 43-128 characters of A-Z a-z 0-9 - . _ ~ (got {0} characters)"
    )]
    BadChallenge(usize),
    /// The limit named is the one enforced: RFC 7636's 43–128, widened to
    /// [`MAX_VERIFIER_LEN`] as real orgs do (see the module notes).
    #[error(
        "code_verifier must be 43-{max} characters of A-Z a-z 0-9 - . _ ~ (got {0} characters)",
        max = MAX_VERIFIER_LEN
    )]
    BadVerifier(usize),
    #[error("no code_verifier was sent, but the authorization request carried a code_challenge")]
    MissingVerifier,
    #[error("a code_verifier was sent, but the authorization request carried no code_challenge")]
    UnexpectedVerifier,
    #[error(
        "the code_verifier does not hash to the code_challenge sent with the authorization request"
    )]
    Mismatch,
}

/// The longest verifier accepted (see the module notes).
pub const MAX_VERIFIER_LEN: usize = 256;

fn well_formed(s: &str, max: usize) -> bool {
    (43..=max).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Checks the challenge parameters of an authorization request.
pub fn parse_challenge(
    challenge: Option<&str>,
    method: Option<&str>,
    s256_only: bool,
) -> Result<Option<Challenge>, PkceError> {
    let Some(value) = challenge.filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let (method, defaulted) = match method {
        None | Some("") => (PkceMethod::S256, true),
        Some("S256") => (PkceMethod::S256, false),
        Some("plain") if s256_only => return Err(PkceError::PlainRefused),
        Some("plain") => (PkceMethod::Plain, false),
        Some(other) => return Err(PkceError::UnknownMethod(other.to_string())),
    };
    if !well_formed(value, 128) {
        return Err(PkceError::BadChallenge(value.chars().count()));
    }
    Ok(Some(Challenge {
        value: value.to_string(),
        method,
        method_defaulted: defaulted,
    }))
}

/// BASE64URL(SHA-256(verifier)) without padding.
pub fn s256(verifier: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Checks a verifier from the token request against what the authorization request recorded.
pub fn verify(recorded: Option<&Challenge>, verifier: Option<&str>) -> Result<(), PkceError> {
    let verifier = verifier.filter(|v| !v.is_empty());
    match (recorded, verifier) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(PkceError::UnexpectedVerifier),
        (Some(_), None) => Err(PkceError::MissingVerifier),
        (Some(c), Some(v)) => {
            if !well_formed(v, MAX_VERIFIER_LEN) {
                return Err(PkceError::BadVerifier(v.chars().count()));
            }
            let computed = match c.method {
                PkceMethod::S256 => s256(v),
                PkceMethod::Plain => v.to_string(),
            };
            if constant_time_eq(computed.as_bytes(), c.value.as_bytes()) {
                Ok(())
            } else {
                Err(PkceError::Mismatch)
            }
        }
    }
}

/// Compares two byte strings without an early exit.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn rfc7636_appendix_b_example_hashes_correctly() {
        assert_eq!(s256(VERIFIER), CHALLENGE);
    }

    #[test]
    fn missing_method_defaults_to_s256() {
        let c = parse_challenge(Some(CHALLENGE), None, true)
            .unwrap()
            .unwrap();
        assert_eq!(c.method, PkceMethod::S256);
        assert!(c.method_defaulted);
        assert_eq!(verify(Some(&c), Some(VERIFIER)), Ok(()));
    }

    #[test]
    fn plain_is_refused_when_s256_is_required_and_allowed_otherwise() {
        assert_eq!(
            parse_challenge(Some(VERIFIER), Some("plain"), true),
            Err(PkceError::PlainRefused)
        );
        let c = parse_challenge(Some(VERIFIER), Some("plain"), false)
            .unwrap()
            .unwrap();
        assert_eq!(verify(Some(&c), Some(VERIFIER)), Ok(()));
    }

    #[test]
    fn unknown_methods_and_short_challenges_are_refused() {
        assert!(matches!(
            parse_challenge(Some(CHALLENGE), Some("S512"), false),
            Err(PkceError::UnknownMethod(_))
        ));
        assert_eq!(
            parse_challenge(Some("short"), None, false),
            Err(PkceError::BadChallenge(5))
        );
    }

    #[test]
    fn verifier_charset_length_and_value_are_checked() {
        let c = parse_challenge(Some(CHALLENGE), Some("S256"), true).unwrap();
        let c = c.as_ref();
        assert_eq!(verify(c, Some("tooshort")), Err(PkceError::BadVerifier(8)));
        let bad_chars = "!".repeat(50);
        assert_eq!(verify(c, Some(&bad_chars)), Err(PkceError::BadVerifier(50)));
        let other = "a".repeat(43);
        assert_eq!(verify(c, Some(&other)), Err(PkceError::Mismatch));
        assert_eq!(verify(c, None), Err(PkceError::MissingVerifier));
    }

    #[test]
    fn jsforce_171_character_verifiers_pass_and_longer_than_256_fail() {
        let long = "A".repeat(171);
        let c = parse_challenge(Some(&s256(&long)), None, true).unwrap();
        assert_eq!(verify(c.as_ref(), Some(&long)), Ok(()));
        let too_long = "A".repeat(257);
        let c = parse_challenge(Some(&s256(&too_long)), None, true).unwrap();
        assert_eq!(
            verify(c.as_ref(), Some(&too_long)),
            Err(PkceError::BadVerifier(257))
        );
    }

    #[test]
    fn the_refused_verifier_message_names_the_limit_enforced() {
        let too_long = "A".repeat(MAX_VERIFIER_LEN + 1);
        let c = parse_challenge(Some(&s256(&too_long)), None, true).unwrap();
        let refused = verify(c.as_ref(), Some(&too_long)).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "code_verifier must be 43-256 characters of A-Z a-z 0-9 - . _ ~ (got 257 characters)"
        );
    }

    #[test]
    fn a_verifier_without_a_recorded_challenge_is_a_downgrade() {
        assert_eq!(
            verify(None, Some(VERIFIER)),
            Err(PkceError::UnexpectedVerifier)
        );
        assert_eq!(verify(None, None), Ok(()));
    }
}
