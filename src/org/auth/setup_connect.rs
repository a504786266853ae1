//! `/setup/connect`: the device flow's verification page, where a user types the code their
//! device shows, logs in, and connects (or denies) it.
//!
//! The login is the org's own login form: a wrong password counts towards lockout and leaves
//! a Login History row, as on the authorize endpoint's login page.

use super::authorize::check_login;
use super::decision::{Draft, Outcome};
use super::device::DeviceApprovalError;
use super::form::Params;
use super::pages::device_page;
use super::server::AuthServer;
use super::sign_in::{login_host, Origin};
use crate::org::rest::InstanceUrl;
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

pub async fn submit(
    State(auth): State<AuthServer>,
    reached: InstanceUrl,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
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
    // A refused login, as Login History shows it (a username of no user leaves no row).
    let refuse = |why: &str| {
        let mut d = Draft::new("device_login");
        d.username = params.get("username").map(str::to_string);
        d.client_id = auth
            .grants()
            .device_by_user_code(code)
            .map(|g| g.client_id.clone());
        d.origin = Origin {
            source_ip: None,
            browser: super::token::user_agent(&headers),
            login_url: Some(login_host(&auth.base_url(&reached))),
        };
        auth.record(
            d,
            Outcome::Refused,
            None,
            format!("verification page: {why}"),
        );
        device_page(code, None, Some(why))
    };
    let user = match check_login(&auth, &params) {
        Ok(u) => u,
        Err(msg) => return refuse(&msg),
    };
    let allow = params.get("action") != Some("deny");
    match auth.decide_device(code, &user.username, allow) {
        Ok(()) if allow => device_page(
            "",
            Some("Your device is connected. You can close this page."),
            None,
        ),
        Ok(()) => device_page("", Some("The device was denied access."), None),
        Err(e @ DeviceApprovalError::Blocked(..)) => refuse(&e.to_string()),
        Err(e) => device_page(code, None, Some(&e.to_string())),
    }
}
