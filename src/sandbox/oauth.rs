//! The OAuth 2.0 token requests sflab makes for itself: client credentials, JWT bearer,
//! authorization code (with the PKCE verifier), refresh, and revocation; and the pure parts of
//! each (PKCE pair, authorize URL, signed JWT assertion, token response).
//!
//! Implementation notes: the JWT audience is the login URL's origin — real Salesforce accepts
//! `https://login.salesforce.com`, `https://test.salesforce.com` (sandboxes) or the org's My
//! Domain URL there.

use super::error::SandboxError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::RsaPrivateKey;
use sha2::{Digest, Sha256};

/// What a successful token request gave.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenGrant {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub instance_url: String,
    /// The identity URL (`…/id/<orgId>/<userId>`).
    pub id: Option<String>,
}

impl std::fmt::Debug for TokenGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenGrant")
            .field("instance_url", &self.instance_url)
            .finish_non_exhaustive()
    }
}

impl TokenGrant {
    /// The org id from the identity URL.
    pub fn org_id(&self) -> Option<String> {
        let id = self.id.as_deref()?;
        let mut parts = id.trim_end_matches('/').rsplit('/');
        let _user = parts.next()?;
        parts.next().map(str::to_string)
    }
}

/// A PKCE verifier and its S256 challenge.
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

/// A fresh random verifier (64 URL-safe characters) and its challenge.
pub fn pkce_pair() -> Pkce {
    let bytes: [u8; 32] = rand::random();
    let more: [u8; 16] = rand::random();
    let bytes = [&bytes[..], &more[..]].concat();
    let verifier = URL_SAFE_NO_PAD.encode(bytes);
    Pkce {
        challenge: s256(&verifier),
        verifier,
    }
}

pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The `/services/oauth2/authorize` URL the learner's browser opens.
pub fn authorize_url(
    login_url: &str,
    client_id: &str,
    redirect_uri: &str,
    challenge: &str,
    state: &str,
) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", "api refresh_token")
        .append_pair("state", state)
        .append_pair("code_challenge", challenge)
        .append_pair("code_challenge_method", "S256")
        .finish();
    format!(
        "{}/services/oauth2/authorize?{query}",
        login_url.trim_end_matches('/')
    )
}

/// The origin of a URL (`https://host[:port]`), the JWT audience.
pub fn origin(url: &str) -> Result<String, SandboxError> {
    let parsed = url::Url::parse(url)
        .map_err(|e| SandboxError::Input(format!("{url:?} is not a URL: {e}")))?;
    Ok(parsed.origin().ascii_serialization())
}

/// A JWT bearer assertion signed with RS256 by the PEM key (PKCS#8 or PKCS#1).
pub fn jwt_assertion(
    key_pem: &str,
    client_id: &str,
    username: &str,
    audience: &str,
    now: i64,
) -> Result<String, SandboxError> {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use rsa::pkcs8::DecodePrivateKey;
    let key = RsaPrivateKey::from_pkcs8_pem(key_pem)
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(key_pem))
        .map_err(|_| {
            SandboxError::Input(
                "the JWT key file is not an RSA private key in PEM form (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY)".into(),
            )
        })?;
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
    let claims = serde_json::json!({
        "iss": client_id, "sub": username, "aud": audience, "exp": now + 180,
    });
    let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{claims}");
    let signature = SigningKey::<Sha256>::new(key).sign(signing_input.as_bytes());
    Ok(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature.to_bytes())
    ))
}

/// The HTTP client sflab uses for its own calls to an org: the environment's proxy and extra
/// trusted roots (see [`super::net`]), no redirects followed. A setting that cannot be used is
/// reported on stderr and left out; the others still apply.
pub fn http_client() -> reqwest::Client {
    let builder = reqwest::Client::builder()
        .use_rustls_tls()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(60));
    let (builder, problems) = super::net::with_environment(builder);
    for p in problems {
        eprintln!("sflab: {p}");
    }
    builder.build().unwrap_or_default()
}

/// Reads a token endpoint answer: the grant, or the org's refusal.
pub fn parse_token_response(status: u16, body: &str) -> Result<TokenGrant, SandboxError> {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or(serde_json::Value::Null);
    let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
    if status == 200 {
        if let (Some(access_token), Some(instance_url)) =
            (text("access_token"), text("instance_url"))
        {
            return Ok(TokenGrant {
                access_token,
                refresh_token: text("refresh_token"),
                instance_url,
                id: text("id"),
            });
        }
    }
    Err(SandboxError::LoginRefused {
        error: text("error").unwrap_or_else(|| format!("HTTP {status}")),
        description: text("error_description")
            .unwrap_or_else(|| "the answer was not a token response".into()),
    })
}

/// POSTs a form to `<base>/services/oauth2/token`.
pub async fn token_request(
    http: &reqwest::Client,
    base: &str,
    form: &[(&str, &str)],
) -> Result<TokenGrant, SandboxError> {
    let url = format!("{}/services/oauth2/token", base.trim_end_matches('/'));
    let resp = http
        .post(&url)
        .form(form)
        .send()
        .await
        .map_err(|e| SandboxError::unreachable(base, e))?;
    let status = resp.status().as_u16();
    let body = resp.text().await.unwrap_or_default();
    parse_token_response(status, &body)
}

/// Revokes a token (a refresh token revokes its access tokens too).
pub async fn revoke(http: &reqwest::Client, base: &str, token: &str) -> Result<(), SandboxError> {
    let url = format!("{}/services/oauth2/revoke", base.trim_end_matches('/'));
    let resp = http
        .post(&url)
        .form(&[("token", token)])
        .send()
        .await
        .map_err(|e| SandboxError::unreachable(base, e))?;
    let status = resp.status().as_u16();
    // An already revoked or expired token answers 400 invalid_token: it is gone either way.
    if status == 200 || status == 400 {
        Ok(())
    } else {
        Err(SandboxError::Unexpected {
            what: "the revocation".into(),
            status,
            detail: resp.text().await.unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_the_rfc_7636_example() {
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let p = pkce_pair();
        assert_eq!(p.verifier.len(), 64);
        assert_eq!(s256(&p.verifier), p.challenge);
    }

    #[test]
    fn authorize_url_asks_for_s256_and_echoes_state() {
        let u = authorize_url(
            "https://falcon.my.salesforce.com/",
            "3MVG",
            "http://localhost:1717/OauthRedirect",
            "abc",
            "st8",
        );
        assert!(u.starts_with("https://falcon.my.salesforce.com/services/oauth2/authorize?"));
        assert!(u.contains("code_challenge_method=S256") && u.contains("state=st8"));
        assert!(u.contains("redirect_uri=http%3A%2F%2Flocalhost%3A1717%2FOauthRedirect"));
    }

    #[test]
    fn token_refusal_carries_the_orgs_words() {
        let e = parse_token_response(
            400,
            r#"{"error":"invalid_grant","error_description":"user hasn't approved this consumer"}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("user hasn't approved"), "{e}");
        let ok = parse_token_response(
            200,
            r#"{"access_token":"t","instance_url":"https://x","id":"https://x/id/00Dorg/005user"}"#,
        )
        .unwrap();
        assert_eq!(ok.org_id().as_deref(), Some("00Dorg"));
    }

    #[test]
    fn bad_key_file_is_a_clear_error() {
        let e = jwt_assertion("not a key", "c", "u", "https://test.salesforce.com", 0).unwrap_err();
        assert!(e.to_string().contains("RSA private key"), "{e}");
    }
}
