//! How sflab's HTTP clients reach a real org: through the proxy the environment names
//! (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`, as curl reads them) but never for loopback
//! addresses, and trusting, beside the built-in roots, the certificates in `SSL_CERT_FILE`
//! (an org behind a TLS-inspecting corporate proxy, or a test org with its own CA).
//!
//! One policy for sflab's own calls (login, seeding, cleanup) and for the learner's traffic the
//! recording proxy forwards, so neither reaches an org the other cannot.

/// Hosts no proxy is used for, whatever `NO_PROXY` says.
const LOOPBACK: &str = "127.0.0.1,localhost,::1";

/// The environment variable a setting is read from, in either case (`HTTPS_PROXY`,
/// `https_proxy`); empty values count as unset.
fn env_either(name: &str) -> Option<String> {
    [name.to_string(), name.to_ascii_lowercase()]
        .iter()
        .filter_map(|n| std::env::var(n).ok())
        .find(|v| !v.trim().is_empty())
}

/// `builder` with the environment's proxies (loopback excluded) and extra trusted roots, and
/// a sentence for each setting that could not be used (it is left out; the others still
/// apply).
pub fn with_environment(builder: reqwest::ClientBuilder) -> (reqwest::ClientBuilder, Vec<String>) {
    let mut builder = builder.no_proxy();
    let mut problems = Vec::new();
    let bypass = match env_either("NO_PROXY") {
        Some(more) => format!("{LOOPBACK},{more}"),
        None => LOOPBACK.to_string(),
    };
    for (scheme, var) in [("https", "HTTPS_PROXY"), ("http", "HTTP_PROXY")] {
        let Some(url) = env_either(var) else {
            continue;
        };
        let proxy = match scheme {
            "https" => reqwest::Proxy::https(&url),
            _ => reqwest::Proxy::http(&url),
        };
        match proxy {
            Ok(p) => {
                builder = builder.proxy(p.no_proxy(reqwest::NoProxy::from_string(&bypass)));
            }
            Err(e) => problems.push(format!(
                "{var}={url} is not a proxy URL ({e}); it is not used"
            )),
        }
    }
    if let Some(path) = env_either("SSL_CERT_FILE") {
        match std::fs::read(&path).map(|pem| reqwest::Certificate::from_pem_bundle(&pem)) {
            Err(e) => problems.push(format!(
                "SSL_CERT_FILE={path} could not be read ({e}); its certificates are not trusted"
            )),
            Ok(Err(e)) => problems.push(format!(
                "SSL_CERT_FILE={path} is not a PEM certificate file ({e}); it is not used"
            )),
            Ok(Ok(certs)) if certs.is_empty() => problems.push(format!(
                "SSL_CERT_FILE={path} holds no PEM certificate; it is not used"
            )),
            Ok(Ok(certs)) => {
                for cert in certs {
                    builder = builder.add_root_certificate(cert);
                }
            }
        }
    }
    (builder, problems)
}

/// An error and its causes, joined: `error sending request: client error (Connect): invalid
/// peer certificate: UnknownIssuer`, where the error alone says only the first part.
pub fn with_causes(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let said = s.to_string();
        if !out.contains(&said) {
            out.push_str(": ");
            out.push_str(&said);
        }
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::SandboxError;

    #[tokio::test]
    async fn a_refused_connection_keeps_its_cause() {
        let http = reqwest::Client::builder().use_rustls_tls().build().unwrap();
        // Nothing listens on port 9 of loopback: the cause is the refused connection.
        let e = http.get("https://127.0.0.1:9/").send().await.unwrap_err();
        let said = with_causes(&e);
        assert!(said.len() > e.to_string().len(), "{said}");
        assert!(said.to_lowercase().contains("connect"), "{said}");
    }

    #[tokio::test]
    async fn a_certificate_from_an_unknown_authority_is_named_and_the_way_to_trust_it_given() {
        let dir = tempfile::tempdir().unwrap();
        let ca = crate::org::tls::LocalCa::load_or_create(dir.path()).unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(ca.server_config().unwrap().server);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "https://127.0.0.1:{}/",
            listener.local_addr().unwrap().port()
        );
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let _ = acceptor.accept(tcp).await;
            }
        });
        let http = reqwest::Client::builder().use_rustls_tls().build().unwrap();
        let e = http.get(&url).send().await.unwrap_err();
        let said = SandboxError::unreachable(&url, e).to_string();
        assert!(said.contains("does not trust"), "{said}");
        assert!(said.contains("SSL_CERT_FILE"), "{said}");
        assert!(!said.contains("network connection"), "{said}");
    }
}
