//! `/setup/connect`: the device flow's verification page, where a user types the code their
//! device shows, logs in, and connects (or denies) it.

use super::form::Params;
use super::pages::device_page;
use super::pkce::constant_time_eq;
use super::server::AuthServer;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::Response;
use std::collections::HashMap;

pub async fn show(Query(q): Query<HashMap<String, String>>) -> Response {
    device_page(
        q.get("user_code").map(String::as_str).unwrap_or(""),
        None,
        None,
    )
}

pub async fn submit(State(auth): State<AuthServer>, headers: HeaderMap, body: Bytes) -> Response {
    let params = match Params::from_body(
        headers
            .get(header::CONTENT_TYPE)
            .and_then(|h| h.to_str().ok()),
        &body,
    ) {
        Ok(p) => p,
        Err(e) => return device_page("", None, Some(&e.reason)),
    };
    let code = params.get("user_code").unwrap_or("");
    let username = params.get("username").unwrap_or("");
    let password = params.get("password").unwrap_or("");
    let user = auth.with_config(|c| c.users.by_username(username).cloned());
    let ok = user
        .as_ref()
        .and_then(|u| u.password.as_deref())
        .is_some_and(|p| constant_time_eq(p.as_bytes(), password.as_bytes()));
    if !ok {
        return device_page(code, None, Some("Please check your username and password."));
    }
    let allow = params.get("action") != Some("deny");
    match auth.decide_device(code, username, allow) {
        Ok(()) if allow => device_page(
            "",
            Some("Your device is connected. You can close this page."),
            None,
        ),
        Ok(()) => device_page("", Some("The device was denied access."), None),
        Err(e) => device_page(code, None, Some(&e.to_string())),
    }
}
