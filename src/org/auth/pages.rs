//! The few HTML pages a browser sees: login + consent for `/authorize`, the device
//! verification page, and the error page shown instead of redirecting to an unverified URI.
//! Plain HTML with a little inline CSS; every interpolated value is escaped.

use super::xmlscan::escape;
use crate::org::rest::gateway::OwnErrorBody;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

fn frame(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t} | sflab mock org</title>\
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#181818}}\
h1{{font-size:1.3rem}}label{{display:block;margin:.6rem 0 .2rem}}input[type=text],input[type=password]{{width:100%;padding:.4rem}}\
button{{margin:.8rem .5rem 0 0;padding:.4rem 1rem}}.error{{color:#b00020}}.scopes li{{margin:.2rem 0}}</style></head>\
<body><h1>{t}</h1>{body}</body></html>",
        t = escape(title)
    )
}

pub fn html(status: StatusCode, text: String) -> Response {
    let mut r = (status, text).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r.extensions_mut().insert(OwnErrorBody);
    r
}

/// The error page for a request that must not be redirected (unknown client, bad redirect_uri).
pub fn error_page(status: StatusCode, error: &str, description: &str, hint: &str) -> Response {
    let body = format!(
        "<p class=\"error\">error={}&amp;error_description={}</p><p>{}</p>",
        escape(error),
        escape(description),
        escape(hint)
    );
    html(status, frame("Remote Access error", &body))
}

/// Login and consent in one form; `hidden` are the authorization request's parameters.
pub fn login_page(
    app_name: &str,
    scopes: &[String],
    hidden: &[(String, String)],
    login_hint: Option<&str>,
    error: Option<&str>,
) -> Response {
    let fields: String = hidden
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(k),
                escape(v)
            )
        })
        .collect();
    let scope_items: String = scopes
        .iter()
        .map(|s| format!("<li>{}</li>", escape(s)))
        .collect();
    let err = error
        .map(|e| format!("<p class=\"error\">{}</p>", escape(e)))
        .unwrap_or_default();
    let body = format!(
        "{err}<p><strong>{app}</strong> asks to access your org with these scopes:</p><ul class=\"scopes\">{scope_items}</ul>\
<form method=\"post\" action=\"/services/oauth2/authorize\">{fields}\
<label for=\"username\">Username</label><input type=\"text\" id=\"username\" name=\"username\" value=\"{hint}\" autocomplete=\"username\">\
<label for=\"password\">Password</label><input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\">\
<button type=\"submit\" name=\"action\" value=\"allow\">Log in and allow</button>\
<button type=\"submit\" name=\"action\" value=\"deny\">Deny</button></form>",
        app = escape(app_name),
        hint = escape(login_hint.unwrap_or("")),
    );
    html(StatusCode::OK, frame("Log in to the sflab mock org", &body))
}

/// The device verification page (`/setup/connect`).
pub fn device_page(user_code: &str, message: Option<&str>, error: Option<&str>) -> Response {
    let msg = message
        .map(|m| format!("<p>{}</p>", escape(m)))
        .unwrap_or_default();
    let err = error
        .map(|e| format!("<p class=\"error\">{}</p>", escape(e)))
        .unwrap_or_default();
    let body = format!(
        "{err}{msg}<p>Enter the code your device shows, then log in to connect it.</p>\
<form method=\"post\" action=\"/setup/connect\">\
<label for=\"user_code\">Code</label><input type=\"text\" id=\"user_code\" name=\"user_code\" value=\"{code}\">\
<label for=\"username\">Username</label><input type=\"text\" id=\"username\" name=\"username\">\
<label for=\"password\">Password</label><input type=\"password\" id=\"password\" name=\"password\">\
<button type=\"submit\" name=\"action\" value=\"allow\">Connect</button>\
<button type=\"submit\" name=\"action\" value=\"deny\">Deny</button></form>",
        code = escape(user_code)
    );
    html(StatusCode::OK, frame("Connect your device", &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolated_values_are_escaped() {
        let r = login_page(
            "<script>",
            &["api".into()],
            &[("state".into(), "\"><x".into())],
            None,
            None,
        );
        let bytes =
            futures::executor::block_on(axum::body::to_bytes(r.into_body(), usize::MAX)).unwrap();
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        assert!(!text.contains("<script>"));
        assert!(text.contains("&lt;script&gt;"));
        assert!(text.contains("value=\"&quot;&gt;&lt;x\""));
    }
}
