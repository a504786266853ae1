//! The browser's login session at the mock org: after a login on the authorize page the
//! browser holds an `sid` cookie, so a later authorize request for an app the user already
//! approved completes without the page (and `prompt=none` works, as OpenID Connect's silent
//! login expects). Sessions live two hours on the org clock and are stored as digests. On an
//! org reached over HTTPS the cookie is `Secure`, so a browser never sends it over plain HTTP.

use super::grants::digest;
use super::server::{random_token, AuthServer};
use super::users::User;
use axum::http::{header, HeaderMap, HeaderValue};

const COOKIE: &str = "sid";
const LIFETIME_SECS: i64 = 2 * 3600;

/// The logged-in user of the browser that sent `headers`, if its session is alive.
pub fn user(auth: &AuthServer, headers: &HeaderMap) -> Option<User> {
    let now = auth.clock().now();
    let sid = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == COOKIE).then(|| v.to_string())
        })?;
    let user_id = {
        let grants = auth.grants();
        let (user_id, expires) = grants.browser_sessions.get(&digest(&sid))?;
        (*expires > now).then(|| user_id.clone())?
    };
    auth.with_config(|c| c.users.by_id(&user_id).cloned())
        .filter(|u| u.login_blocked().is_none())
}

/// Starts a session for `user`; the value is the `Set-Cookie` header to send to a browser
/// that reached the org at `base_url` (its scheme decides `Secure`).
pub fn start(auth: &AuthServer, user: &User, base_url: &str) -> Option<HeaderValue> {
    let sid = random_token(48);
    let expires = auth.clock().now() + chrono::Duration::seconds(LIFETIME_SECS);
    auth.grants()
        .browser_sessions
        .insert(digest(&sid), (user.id.clone(), expires));
    HeaderValue::from_str(&cookie_text(&sid, base_url)).ok()
}

fn cookie_text(sid: &str, base_url: &str) -> String {
    let secure = if base_url.to_ascii_lowercase().starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    format!("{COOKIE}={sid}; Path=/; HttpOnly{secure}; SameSite=Lax; Max-Age={LIFETIME_SECS}")
}

/// Is `value` among the space-separated values of `prompt`?
pub fn prompt_has(prompt: Option<&str>, value: &str) -> bool {
    prompt.is_some_and(|p| p.split_whitespace().any(|v| v == value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_secure_on_https_only() {
        assert_eq!(
            cookie_text("abc", "https://127.0.0.1:7443"),
            "sid=abc; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=7200"
        );
        assert_eq!(
            cookie_text("abc", "http://127.0.0.1:8080"),
            "sid=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=7200"
        );
    }
}
