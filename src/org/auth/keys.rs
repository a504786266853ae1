//! RSA keys: the org's ID-token signing key (published at `/id/keys`), the public keys of
//! apps' certificates (for JWT and SAML bearer), and the JWT key pair written into a
//! learner's workspace.
//!
//! Implementation notes: a certificate's public key is found with a small DER walk
//! (Certificate → tbsCertificate → subjectPublicKeyInfo) rather than a full X.509 parser; the
//! certificate's own signature and validity dates are not checked, as Salesforce does not
//! check them for an uploaded JWT certificate either (self-signed ones are the norm).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePublicKey, EncodePrivateKey, LineEnding};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the certificate is not PEM text with a CERTIFICATE or PUBLIC KEY block")]
    NotPem,
    #[error("the certificate's DER structure could not be read: {0}")]
    BadDer(&'static str),
    #[error("the certificate does not hold an RSA public key: {0}")]
    NotRsa(String),
    #[error("could not generate an RSA key: {0}")]
    Generate(String),
    #[error("could not make a certificate: {0}")]
    Certificate(String),
}

/// The org's signing key for ID tokens.
#[derive(Clone)]
pub struct OrgKeys {
    private: RsaPrivateKey,
    pub kid: String,
}

impl std::fmt::Debug for OrgKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrgKeys")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl OrgKeys {
    /// A fresh 2048-bit key (slow in unoptimised builds: share one per test binary).
    pub fn generate() -> Result<OrgKeys, KeyError> {
        Ok(OrgKeys::from_private(generate_rsa()?))
    }

    /// One key per process, generated on first use and shared by every org in it (as one
    /// login server signs for many orgs). Keeps building an org cheap.
    pub fn shared() -> Result<OrgKeys, KeyError> {
        static SHARED: std::sync::OnceLock<OrgKeys> = std::sync::OnceLock::new();
        if let Some(k) = SHARED.get() {
            return Ok(k.clone());
        }
        let k = OrgKeys::generate()?;
        Ok(SHARED.get_or_init(|| k).clone())
    }

    pub fn from_private(private: RsaPrivateKey) -> OrgKeys {
        let n = private.to_public_key().n().to_bytes_be();
        let kid = hex::encode(&Sha256::digest(&n)[..6]);
        OrgKeys { private, kid }
    }

    /// RS256 signature over `message`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let key = SigningKey::<Sha256>::new(self.private.clone());
        key.sign(message).to_vec()
    }

    pub fn public(&self) -> RsaPublicKey {
        self.private.to_public_key()
    }

    /// The JWKS document (`/id/keys`).
    pub fn jwks(&self) -> serde_json::Value {
        let public = self.public();
        serde_json::json!({"keys": [{
            "kty": "RSA",
            "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
            "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
            "alg": "RS256",
            "use": "sig",
            "kid": self.kid,
        }]})
    }
}

pub fn generate_rsa() -> Result<RsaPrivateKey, KeyError> {
    RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).map_err(|e| KeyError::Generate(e.to_string()))
}

/// Verifies an RS256 (PKCS#1 v1.5, SHA-256) signature.
pub fn verify_rs256(key: &RsaPublicKey, message: &[u8], signature: &[u8]) -> bool {
    let Ok(sig) = Signature::try_from(signature) else {
        return false;
    };
    VerifyingKey::<Sha256>::new(key.clone())
        .verify(message, &sig)
        .is_ok()
}

/// The RSA public key in a PEM certificate (or a PEM `PUBLIC KEY` block).
pub fn public_key_from_pem(pem: &str) -> Result<RsaPublicKey, KeyError> {
    if pem.contains("-----BEGIN PUBLIC KEY-----") {
        return RsaPublicKey::from_public_key_pem(pem.trim())
            .map_err(|e| KeyError::NotRsa(e.to_string()));
    }
    let der = rustls_pemfile::certs(&mut pem.as_bytes())
        .next()
        .ok_or(KeyError::NotPem)?
        .map_err(|_| KeyError::NotPem)?;
    let spki = spki_of_certificate(der.as_ref())?;
    RsaPublicKey::from_public_key_der(spki).map_err(|e| KeyError::NotRsa(e.to_string()))
}

/// One DER element: (tag, header+content bytes, content bytes).
fn der_element(input: &[u8]) -> Result<(u8, &[u8], &[u8]), KeyError> {
    let tag = *input.first().ok_or(KeyError::BadDer("unexpected end"))?;
    let first = *input.get(1).ok_or(KeyError::BadDer("unexpected end"))?;
    let (len, header) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 {
            return Err(KeyError::BadDer("unsupported length"));
        }
        let bytes = input
            .get(2..2 + n)
            .ok_or(KeyError::BadDer("unexpected end"))?;
        (
            bytes.iter().fold(0usize, |acc, b| (acc << 8) | *b as usize),
            2 + n,
        )
    };
    let end = header
        .checked_add(len)
        .ok_or(KeyError::BadDer("length overflow"))?;
    let whole = input
        .get(..end)
        .ok_or(KeyError::BadDer("element runs past the end"))?;
    Ok((tag, whole, &whole[header..]))
}

fn spki_of_certificate(der: &[u8]) -> Result<&[u8], KeyError> {
    let (tag, _, cert) = der_element(der)?;
    if tag != 0x30 {
        return Err(KeyError::BadDer("a certificate starts with a SEQUENCE"));
    }
    let (tag, _, mut tbs) = der_element(cert)?;
    if tag != 0x30 {
        return Err(KeyError::BadDer("tbsCertificate is a SEQUENCE"));
    }
    // [0] version (optional), serial, signature alg, issuer, validity, subject, SPKI.
    let mut index = 0;
    loop {
        let (tag, whole, _) = der_element(tbs)?;
        if tag == 0xa0 && index == 0 {
            tbs = &tbs[whole.len()..];
            continue;
        }
        if index == 5 {
            return Ok(whole);
        }
        index += 1;
        tbs = &tbs[whole.len()..];
    }
}

/// A key pair for the JWT bearer flow: private key (PKCS#8 PEM) and self-signed certificate.
pub struct JwtKeyPair {
    pub private_key_pem: String,
    pub certificate_pem: String,
}

/// Makes a self-signed certificate for `private` (PKCS#8 PEM in the result).
pub fn self_signed(private: &RsaPrivateKey, common_name: &str) -> Result<JwtKeyPair, KeyError> {
    let pem = private
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| KeyError::Certificate(e.to_string()))?
        .to_string();
    let key_pair = rcgen::KeyPair::from_pem_and_sign_algo(&pem, &rcgen::PKCS_RSA_SHA256)
        .map_err(|e| KeyError::Certificate(e.to_string()))?;
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new())
        .map_err(|e| KeyError::Certificate(e.to_string()))?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, common_name);
    let cert = params
        .self_signed(&key_pair)
        .map_err(|e| KeyError::Certificate(e.to_string()))?;
    Ok(JwtKeyPair {
        private_key_pem: pem,
        certificate_pem: cert.pem(),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::OnceLock;

    /// One RSA key per test binary (key generation is the slow part of these tests).
    pub(crate) fn test_key() -> &'static RsaPrivateKey {
        static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
        KEY.get_or_init(|| generate_rsa().expect("key generation"))
    }

    #[test]
    fn a_certificate_yields_the_public_key_it_was_made_for() {
        let pair = self_signed(test_key(), "sflab test").unwrap();
        let public = public_key_from_pem(&pair.certificate_pem).unwrap();
        assert_eq!(public, test_key().to_public_key());
    }

    #[test]
    fn signatures_verify_only_for_the_signed_message() {
        let keys = OrgKeys::from_private(test_key().clone());
        let sig = keys.sign(b"header.payload");
        assert!(verify_rs256(&keys.public(), b"header.payload", &sig));
        assert!(!verify_rs256(&keys.public(), b"header.payl0ad", &sig));
        assert!(!verify_rs256(&keys.public(), b"header.payload", b"short"));
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        assert!(public_key_from_pem("hello").is_err());
        let broken = "-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n";
        assert!(public_key_from_pem(broken).is_err());
    }

    #[test]
    fn jwks_publishes_the_key_id() {
        let keys = OrgKeys::from_private(test_key().clone());
        let jwks = keys.jwks();
        assert_eq!(jwks["keys"][0]["kid"], keys.kid.as_str());
        assert_eq!(jwks["keys"][0]["e"], "AQAB");
    }
}
