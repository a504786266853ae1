//! The browser's login session at the mock org: after a login on the authorize page the
//! browser holds an `sid` cookie, so a later authorize request for an app the user already
//! approved completes without the page (and `prompt=none` works, as OpenID Connect's silent
//! login expects). Sessions live two hours on the org clock and are stored as digests.

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

/// Starts a session for `user`; the value is the `Set-Cookie` header to send.
pub fn start(auth: &AuthServer, user: &User) -> Option<HeaderValue> {
    let sid = random_token(48);
    let expires = auth.clock().now() + chrono::Duration::seconds(LIFETIME_SECS);
    auth.grants()
        .browser_sessions
        .insert(digest(&sid), (user.id.clone(), expires));
    let cookie = format!("{COOKIE}={sid}; Path=/; HttpOnly; SameSite=Lax; Max-Age={LIFETIME_SECS}");
    HeaderValue::from_str(&cookie).ok()
}

/// Is `value` among the space-separated values of `prompt`?
pub fn prompt_has(prompt: Option<&str>, value: &str) -> bool {
    prompt.is_some_and(|p| p.split_whitespace().any(|v| v == value))
}
