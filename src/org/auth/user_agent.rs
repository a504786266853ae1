//! The user-agent flow's half of `/services/oauth2/authorize`: `response_type=token` (or
//! `token id_token`) answers with the tokens in the redirect URI's **fragment**, never in a
//! query, so they stay in the browser and out of server logs.
//!
//! What the fragment holds follows Salesforce's documented user-agent response: `access_token`,
//! `refresh_token` (see [`hands_out_refresh`]), `instance_url`, `id`, `issued_at`, `signature`,
//! `scope`, `token_type`, `id_token` (with the `openid` scope) and the echoed `state`. Errors
//! are redirected as `#error=…` too.
//!
//! A refresh token comes in the fragment only when the `refresh_token` scope is granted **and**
//! the redirect is Salesforce's own success page (`…/services/oauth2/success`) or a custom
//! scheme (`myapp://callback`), as Salesforce documents for this flow: a web page's URL never
//! carries one (RFC 6749 §4.2.2 forbids it outright). With `response_type=token id_token` a
//! `nonce` is required, as OpenID Connect Core §3.2.2.1 demands for every implicit request
//! that returns an ID token.

use super::config::ExternalClientApp;
use super::server::{AuthServer, RefreshIssue, TokenRequest};
use super::users::User;
use serde_json::Value;

/// What the authorize request asks to get back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseKind {
    /// `code`: the web server flow.
    Code,
    /// `token` / `token id_token`: the user-agent flow.
    Token { id_token: bool },
}

impl ResponseKind {
    /// Reads `response_type` (space-separated, any order); `None` when unsupported.
    pub fn parse(value: Option<&str>) -> Option<ResponseKind> {
        let mut parts: Vec<&str> = value?.split_whitespace().collect();
        parts.sort_unstable();
        parts.dedup();
        match parts.as_slice() {
            ["code"] => Some(ResponseKind::Code),
            ["token"] => Some(ResponseKind::Token { id_token: false }),
            ["id_token", "token"] => Some(ResponseKind::Token { id_token: true }),
            _ => None,
        }
    }

    /// Whether results and errors travel in the fragment.
    pub fn in_fragment(self) -> bool {
        matches!(self, ResponseKind::Token { .. })
    }
}

/// `base` with `pairs` form-encoded into its query (`?`) or its fragment (`#`).
pub fn redirect_with(base: &str, pairs: &[(&str, &str)], fragment: bool) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    if fragment {
        let base = base.split('#').next().unwrap_or(base);
        return format!("{base}#{}", s.finish());
    }
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}{}", s.finish())
}

/// Everything the user-agent response needs.
pub struct Approved<'a> {
    pub base_url: &'a str,
    pub app: &'a ExternalClientApp,
    pub user: &'a User,
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    pub redirect_uri: &'a str,
    pub state: Option<&'a str>,
}

/// Whether the fragment may carry a refresh token: the scope is granted and the redirect is
/// the success page or a custom scheme (a native app), never an `http(s)` web page.
pub fn hands_out_refresh(scopes: &[String], redirect_uri: &str) -> bool {
    let scheme = redirect_uri
        .split_once("://")
        .map(|(s, _)| s.to_ascii_lowercase())
        .unwrap_or_default();
    let web = scheme == "http" || scheme == "https";
    let success_page = redirect_uri
        .split(['?', '#'])
        .next()
        .is_some_and(|u| u.ends_with("/services/oauth2/success"));
    scopes.iter().any(|s| s == "refresh_token") && (!web || success_page)
}

/// Mints the tokens and returns the redirect location carrying them in its fragment.
pub fn issue_in_fragment(auth: &AuthServer, a: Approved<'_>) -> String {
    let with_refresh = hands_out_refresh(&a.scopes, a.redirect_uri);
    let issued = auth.issue(TokenRequest {
        base_url: a.base_url,
        app: a.app,
        user: a.user,
        scopes: a.scopes,
        refresh: if with_refresh {
            RefreshIssue::NewFamily
        } else {
            RefreshIssue::None
        },
        nonce: a.nonce,
        interactive: true,
    });
    let mut pairs: Vec<(String, String)> = Vec::new();
    if let Value::Object(body) = &issued.body {
        for (k, v) in body {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            pairs.push((k.clone(), text));
        }
    }
    if let Some(s) = a.state {
        pairs.push(("state".into(), s.to_string()));
    }
    let borrowed: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    redirect_with(a.redirect_uri, &borrowed, true)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_refresh_token_goes_only_to_the_success_page_or_a_custom_scheme() {
        let asked = vec!["api".to_string(), "refresh_token".to_string()];
        let hands = |uri: &str| super::hands_out_refresh(&asked, uri);
        assert!(!hands("http://localhost:8080/callback"));
        assert!(!hands("https://app.example.com/cb"));
        assert!(hands(
            "https://login.salesforce.com/services/oauth2/success"
        ));
        assert!(hands("myapp://oauth/callback"));
        assert!(!super::hands_out_refresh(
            &["api".to_string()],
            "myapp://oauth/callback"
        ));
    }

    use super::*;

    #[test]
    fn response_types_are_read_in_any_order() {
        assert_eq!(ResponseKind::parse(Some("code")), Some(ResponseKind::Code));
        assert_eq!(
            ResponseKind::parse(Some("id_token token")),
            Some(ResponseKind::Token { id_token: true })
        );
        assert_eq!(
            ResponseKind::parse(Some("token")),
            Some(ResponseKind::Token { id_token: false })
        );
        assert_eq!(ResponseKind::parse(Some("code token")), None);
        assert_eq!(ResponseKind::parse(Some("id_token")), None);
        assert_eq!(ResponseKind::parse(None), None);
    }

    #[test]
    fn fragment_redirects_replace_any_fragment_and_keep_the_query() {
        assert_eq!(
            redirect_with("https://a.example/cb?x=1#old", &[("error", "a b")], true),
            "https://a.example/cb?x=1#error=a+b"
        );
        assert_eq!(
            redirect_with("https://a.example/cb?x=1", &[("code", "c")], false),
            "https://a.example/cb?x=1&code=c"
        );
    }
}
