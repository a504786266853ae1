//! HTTPS for the mock org: a local certificate authority generated once into the workspace,
//! a server certificate for the loopback names signed by it, and the rustls configuration.
//!
//! The CA lives in `<workspace>/.sflab/ca/`: `ca.pem` (what learners point curl, Python and
//! Node at) and `ca-key.pem` (mode 0600, never shown). The server certificate is minted fresh
//! on every start and kept only in memory.
//!
//! Implementation notes: rcgen cannot parse an existing certificate without an extra crate,
//! so the CA is rebuilt from its stored key and the fixed subject below each time; issuer
//! name and key identifier (a digest of the key) come out identical, which is all a chain
//! check compares.

use crate::fsutil::{create_private_dir, write_private_atomic};
use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, SanType, PKCS_ECDSA_P256_SHA256,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const CA_COMMON_NAME: &str = "sflab local mock org CA";

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("could not read or write the local certificate authority in {path}: {source}. Check that the workspace folder is writable.")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the local CA key in {path} is not a usable key ({reason}). Delete the folder {path} to generate a new CA, then trust the new ca.pem.")]
    BadKey { path: PathBuf, reason: String },
    #[error("could not create a certificate: {0}")]
    Certificate(String),
    #[error("could not set up TLS: {0}")]
    Rustls(String),
}

/// The workspace's certificate authority.
pub struct LocalCa {
    /// `<ws>/.sflab/ca/ca.pem`
    pub cert_path: PathBuf,
    cert: Certificate,
    key: KeyPair,
}

impl std::fmt::Debug for LocalCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalCa")
            .field("cert_path", &self.cert_path)
            .finish_non_exhaustive()
    }
}

/// What the HTTPS listener needs: the rustls config and where the CA bundle is.
#[derive(Clone)]
pub struct TlsConfig {
    pub server: Arc<rustls::ServerConfig>,
    pub ca_bundle: PathBuf,
}

impl std::fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsConfig")
            .field("ca_bundle", &self.ca_bundle)
            .finish_non_exhaustive()
    }
}

fn cert_err(e: rcgen::Error) -> TlsError {
    TlsError::Certificate(e.to_string())
}

fn validity(params: &mut CertificateParams, days: i64) {
    // Backdated a day so a clock a little behind still accepts the certificate.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let start = chrono::DateTime::from_timestamp(now - 86_400, 0).unwrap_or_default();
    let end = chrono::DateTime::from_timestamp(now + days * 86_400, 0).unwrap_or_default();
    use chrono::Datelike;
    params.not_before = rcgen::date_time_ymd(start.year(), start.month() as u8, start.day() as u8);
    params.not_after = rcgen::date_time_ymd(end.year(), end.month() as u8, end.day() as u8);
}

fn ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, CA_COMMON_NAME);
    dn.push(DnType::OrganizationName, "sflab");
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    validity(&mut params, 3650);
    params
}

/// Whether the file at `path` holds a certificate for `key` (its public key inside the
/// certificate's DER).
fn certifies(path: &Path, key: &KeyPair) -> bool {
    let Ok(pem) = std::fs::read(path) else {
        return false;
    };
    let public = key.public_key_der();
    let certs: Vec<_> = rustls_pemfile::certs(&mut pem.as_slice())
        .collect::<Result<_, _>>()
        .unwrap_or_default();
    certs.len() == 1
        && certs[0]
            .as_ref()
            .windows(public.len())
            .any(|w| w == public.as_slice())
}

impl LocalCa {
    /// The CA folder of a workspace.
    pub fn dir_in(workspace: &Path) -> PathBuf {
        workspace.join(".sflab").join("ca")
    }

    /// Loads the workspace's CA, generating it the first time.
    pub fn load_or_create(workspace: &Path) -> Result<LocalCa, TlsError> {
        let dir = LocalCa::dir_in(workspace);
        let cert_path = dir.join("ca.pem");
        let key_path = dir.join("ca-key.pem");
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| TlsError::Io { path, source }
        };
        // The key is the CA: while it is there, a missing or damaged ca.pem is written again
        // from it (clients that trusted the old file still do).
        if key_path.exists() {
            let pem = std::fs::read_to_string(&key_path).map_err(io(&key_path))?;
            let key = KeyPair::from_pem(&pem).map_err(|e| TlsError::BadKey {
                path: dir.clone(),
                reason: e.to_string(),
            })?;
            let cert = ca_params().self_signed(&key).map_err(cert_err)?;
            if !certifies(&cert_path, &key) {
                // A truncated or foreign ca.pem would make every client refuse the proxy (and
                // every check fail on the learner's side): written again from the key, it is
                // the same CA to any client that trusted the original.
                std::fs::write(&cert_path, cert.pem()).map_err(io(&cert_path))?;
                let what = if cert_path.exists() {
                    "was damaged or belonged to another CA"
                } else {
                    "was missing"
                };
                eprintln!(
                    "sflab: {} {what}; it was written again from the workspace's CA key (clients that trusted it still do).",
                    cert_path.display()
                );
            }
            return Ok(LocalCa {
                cert_path,
                cert,
                key,
            });
        }
        create_private_dir(&dir).map_err(io(&dir))?;
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(cert_err)?;
        let cert = ca_params().self_signed(&key).map_err(cert_err)?;
        write_private_atomic(&key_path, key.serialize_pem().as_bytes()).map_err(io(&key_path))?;
        std::fs::write(&cert_path, cert.pem()).map_err(io(&cert_path))?;
        Ok(LocalCa {
            cert_path,
            cert,
            key,
        })
    }

    /// A fresh server certificate for localhost, 127.0.0.1 and ::1, and its rustls config.
    pub fn server_config(&self) -> Result<TlsConfig, TlsError> {
        let mut params = CertificateParams::new(vec!["localhost".to_string()]).map_err(cert_err)?;
        params
            .subject_alt_names
            .push(SanType::IpAddress(std::net::IpAddr::from([127, 0, 0, 1])));
        params
            .subject_alt_names
            .push(SanType::IpAddress(std::net::Ipv6Addr::LOCALHOST.into()));
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "localhost");
        params.distinguished_name = dn;
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        validity(&mut params, 365);
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(cert_err)?;
        let cert = params
            .signed_by(&key, &self.cert, &self.key)
            .map_err(cert_err)?;
        let chain: Vec<CertificateDer<'static>> = vec![cert.der().clone()];
        let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut server = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Rustls(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(chain, private)
            .map_err(|e| TlsError::Rustls(e.to_string()))?;
        // HTTP/1.0 too, as nginx offers it: `curl --http1.0` offers only that.
        server.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec(), b"http/1.0".to_vec()];
        Ok(TlsConfig {
            server: Arc::new(server),
            ca_bundle: self.cert_path.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ca_is_generated_once_and_its_key_is_private() {
        let ws = tempfile::tempdir().unwrap();
        let first = LocalCa::load_or_create(ws.path()).unwrap();
        let pem = std::fs::read_to_string(&first.cert_path).unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
        let again = LocalCa::load_or_create(ws.path()).unwrap();
        assert_eq!(std::fs::read_to_string(&again.cert_path).unwrap(), pem);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let key = LocalCa::dir_in(ws.path()).join("ca-key.pem");
            let mode = std::fs::metadata(key).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn a_server_config_can_be_built_from_a_reloaded_ca() {
        let ws = tempfile::tempdir().unwrap();
        LocalCa::load_or_create(ws.path()).unwrap();
        let ca = LocalCa::load_or_create(ws.path()).unwrap();
        let cfg = ca.server_config().unwrap();
        assert!(cfg.server.alpn_protocols.contains(&b"http/1.1".to_vec()));
        assert!(
            cfg.server.alpn_protocols.contains(&b"http/1.0".to_vec()),
            "an HTTP/1.0-only client is served"
        );
    }

    #[test]
    fn a_damaged_or_foreign_certificate_is_written_again_from_the_key() {
        let ws = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        let ca = LocalCa::load_or_create(ws.path()).unwrap();
        let good = std::fs::read_to_string(&ca.cert_path).unwrap();
        assert!(certifies(&ca.cert_path, &ca.key));
        let foreign = LocalCa::load_or_create(other.path()).unwrap();
        let foreign_pem = std::fs::read_to_string(&foreign.cert_path).unwrap();
        for damage in [&good[..good.len() / 2], "garbage\n", foreign_pem.as_str()] {
            std::fs::write(&ca.cert_path, damage).unwrap();
            let again = LocalCa::load_or_create(ws.path()).unwrap();
            assert!(certifies(&again.cert_path, &again.key), "{damage}");
            let key_again = std::fs::read_to_string(LocalCa::dir_in(ws.path()).join("ca-key.pem"));
            assert!(key_again.is_ok());
        }
        // A deleted certificate comes back from the same key.
        let key_before = std::fs::read(LocalCa::dir_in(ws.path()).join("ca-key.pem")).unwrap();
        std::fs::remove_file(&ca.cert_path).unwrap();
        let again = LocalCa::load_or_create(ws.path()).unwrap();
        assert!(certifies(&again.cert_path, &again.key));
        assert_eq!(
            std::fs::read(LocalCa::dir_in(ws.path()).join("ca-key.pem")).unwrap(),
            key_before
        );
        // A sound certificate is left as it is.
        let kept = std::fs::read_to_string(&ca.cert_path).unwrap();
        LocalCa::load_or_create(ws.path()).unwrap();
        assert_eq!(std::fs::read_to_string(&ca.cert_path).unwrap(), kept);
    }

    #[test]
    fn a_corrupt_key_is_reported_with_what_to_do() {
        let ws = tempfile::tempdir().unwrap();
        LocalCa::load_or_create(ws.path()).unwrap();
        std::fs::write(LocalCa::dir_in(ws.path()).join("ca-key.pem"), "garbage").unwrap();
        let err = LocalCa::load_or_create(ws.path()).unwrap_err().to_string();
        assert!(err.contains("Delete the folder"), "{err}");
    }
}
