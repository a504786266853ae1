//! How sflab's HTTP clients reach a real org: through the proxy the environment names
//! (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`, as curl reads them) but never for loopback
//! addresses, and trusting, beside the built-in roots, the certificates in `SSL_CERT_FILE`
//! (an org behind a TLS-inspecting corporate proxy, or a test org with its own CA).
//!
//! A proxy URL is never shown with its password ([`shown_proxy`]), and an org that cannot be
//! reached through a proxy names it ([`proxy_for`]).
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
                "{var}={} is not a proxy URL ({e}); it is not used",
                shown_proxy(&url)
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

/// What stands in for a proxy password wherever a proxy URL is shown.
pub const HIDDEN: &str = "‹hidden›";

/// The password of a proxy URL's userinfo (`http://user:PASSWORD@host:port`), if it has one;
/// read by hand, as a URL that cannot be parsed (a bad port) is shown too.
fn proxy_password(url: &str) -> Option<&str> {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[after_scheme..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let userinfo = &authority[..authority.rfind('@')?];
    let password = &userinfo[userinfo.find(':')? + 1..];
    (!password.is_empty()).then_some(password)
}

/// A proxy URL as sflab shows it: its password masked (`http://user:‹hidden›@proxy:3128`).
pub fn shown_proxy(url: &str) -> String {
    match proxy_password(url) {
        Some(password) => url.replacen(&format!(":{password}@"), &format!(":{HIDDEN}@"), 1),
        None => url.to_string(),
    }
}

/// `text` with the password of every proxy the environment names masked, for an error
/// that may quote a proxy URL.
pub fn without_proxy_passwords(text: &str) -> String {
    let mut out = text.to_string();
    for var in ["HTTPS_PROXY", "HTTP_PROXY"] {
        if let Some(password) = env_either(var).as_deref().and_then(proxy_password) {
            out = out.replace(password, HIDDEN);
        }
    }
    out
}

/// The proxy sflab's clients go through to reach `url`, shown with its password masked and
/// the variable that names it (`http://user:‹hidden›@proxy.corp:3128 (HTTPS_PROXY)`); `None`
/// when none is used for it (none set, or a loopback or `NO_PROXY` host).
pub fn proxy_for(url: &str) -> Option<String> {
    proxy_for_in(url, &env_either)
}

/// [`proxy_for`] with the settings read by `setting` (`HTTPS_PROXY` → its value).
fn proxy_for_in(url: &str, setting: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let parsed = reqwest::Url::parse(url).ok()?;
    let var = match parsed.scheme() {
        "https" => "HTTPS_PROXY",
        _ => "HTTP_PROXY",
    };
    let proxy = setting(var)?;
    let host = parsed.host_str()?.trim_matches(['[', ']']);
    let bypass = setting("NO_PROXY").unwrap_or_default();
    let bypassed = LOOPBACK.split(',').chain(bypass.split(',')).any(|b| {
        let b = b.trim().trim_start_matches('.');
        !b.is_empty() && (b == "*" || host == b || host.ends_with(&format!(".{b}")))
    });
    (!bypassed).then(|| format!("{} ({var})", shown_proxy(&proxy)))
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

    #[test]
    fn a_proxy_password_is_masked_wherever_the_proxy_is_shown() {
        assert_eq!(
            shown_proxy("http://user:hunter2@proxy.corp:99999"),
            format!("http://user:{HIDDEN}@proxy.corp:99999")
        );
        assert_eq!(
            shown_proxy("http://us:er:p@ss@proxy.corp:3128/x"),
            format!("http://us:{HIDDEN}@proxy.corp:3128/x")
        );
        assert_eq!(
            shown_proxy("http://proxy.corp:3128"),
            "http://proxy.corp:3128"
        );
        assert_eq!(
            shown_proxy("http://user@proxy.corp"),
            "http://user@proxy.corp"
        );
    }

    #[test]
    fn the_proxy_an_org_is_reached_through_is_named_without_its_password() {
        let env = |var: &str| match var {
            "HTTPS_PROXY" => Some("http://user:hunter2@proxy.corp:3128".to_string()),
            "NO_PROXY" => Some(".internal.example".to_string()),
            _ => None,
        };
        let named = proxy_for_in("https://acme.my.salesforce.com/services", &env).expect("named");
        assert_eq!(
            named,
            format!("http://user:{HIDDEN}@proxy.corp:3128 (HTTPS_PROXY)")
        );
        assert_eq!(proxy_for_in("https://127.0.0.1:7442/", &env), None);
        assert_eq!(proxy_for_in("https://org.internal.example/", &env), None);
        assert_eq!(proxy_for_in("http://acme.example/", &env), None);
    }

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
