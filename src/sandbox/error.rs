//! What can go wrong connecting or using a real org, in sentences a learner can act on.

use super::profile::ProfileError;

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error("could not reach {url}: {reason}. Check the URL and your network connection.")]
    Unreachable { url: String, reason: String },
    #[error("{url} answered with a certificate sflab does not trust ({reason}). If the org sits behind a TLS-inspecting proxy or has its own certificate authority, name that authority's certificate file in SSL_CERT_FILE.")]
    Untrusted { url: String, reason: String },
    #[error("{url} took the connection but sent no answer in time ({reason}). The server is slow or stuck; try again later, or check that the URL names a Salesforce org.")]
    NoAnswer { url: String, reason: String },
    #[error("the org refused the login ({error}: {description}). Check the client id, user and app settings in Setup.")]
    LoginRefused { error: String, description: String },
    #[error("the org answered {status} to {what}: {detail}")]
    Unexpected {
        what: String,
        status: u16,
        detail: String,
    },
    #[error("the session has expired and could not be renewed ({0}). Log in again with `sflab org login`.")]
    SessionDead(String),
    /// A login reused from the sf CLI whose own login is over: sf hands back the same dead
    /// token.
    #[error("the sf CLI's login {sf:?} has expired: log in again with `sf org login web --alias {sf}`, then run `sflab org login --alias {alias} --from-sf {sf}`.")]
    SfLoginExpired { sf: String, alias: String },
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Input(String),
    #[error("the seed journal {path} could not be used: {reason}")]
    Journal {
        path: std::path::PathBuf,
        reason: String,
    },
}

impl SandboxError {
    /// A request that got no answer: unreachable, or reached but silent until the timeout.
    pub(crate) fn unreachable(url: &str, e: reqwest::Error) -> SandboxError {
        // A proxy in the way is named (its password masked): "tunnel error" alone does not
        // say which server refused.
        let mut reason = super::net::without_proxy_passwords(&super::net::with_causes(&e));
        if let Some(proxy) = super::net::proxy_for(url) {
            reason.push_str(&format!(
                "; sflab went through the proxy {proxy}: check that it is up and lets sflab through, or unset it"
            ));
        }
        if e.is_timeout() {
            SandboxError::NoAnswer {
                url: url.to_string(),
                reason,
            }
        } else {
            if reason.to_lowercase().contains("certificate") {
                SandboxError::Untrusted {
                    url: url.to_string(),
                    reason,
                }
            } else {
                SandboxError::Unreachable {
                    url: url.to_string(),
                    reason,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SandboxError;
    use std::time::Duration;

    #[tokio::test]
    async fn a_server_that_accepts_but_never_answers_is_not_called_unreachable() {
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", silent.local_addr().unwrap());
        let _held = tokio::spawn(async move {
            let mut open = Vec::new();
            while let Ok((s, _)) = silent.accept().await {
                open.push(s);
            }
        });
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(200))
            .build()
            .unwrap();
        let e = http.get(&url).send().await.unwrap_err();
        let said = SandboxError::unreachable(&url, e).to_string();
        assert!(said.contains("sent no answer in time"), "{said}");
        assert!(!said.contains("could not reach"), "{said}");
    }
}
