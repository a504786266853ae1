//! Who a token belongs to: the identity URL `/id/{org}/{user}`, OpenID discovery and the
//! JWKS at `/id/keys`. (`/services/oauth2/userinfo` is served by the REST layer, from the
//! User record in the store; the identity URL reads the same record's names, time zone and
//! locale through [`UserProfiles`].)
//!
//! A missing or dead token gets 403 with the plain-text body orgs send (`Missing_OAuth_Token`,
//! `Bad_OAuth_Token`), not the REST API's 401 array: `/id` sits outside `/services/data`.

use super::profile::{utc_offset_ms, UserNames, UserProfiles};
use super::server::AuthServer;
use super::users::User;
use crate::org::rest::gateway::OwnErrorBody;
use crate::org::rest::InstanceUrl;
use crate::org::Session;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde_json::{json, Value};
use std::collections::HashMap;

const API_VERSION_PLACEHOLDER: &str = "{version}";

fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut r = (
        status,
        [(header::CONTENT_TYPE, "text/plain;charset=UTF-8")],
        text,
    )
        .into_response();
    r.extensions_mut().insert(OwnErrorBody);
    r
}

fn json(status: StatusCode, v: &Value) -> Response {
    let mut r = (status, v.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    r
}

/// The bearer token from `Authorization: Bearer|OAuth …` or an `oauth_token` query parameter.
pub fn bearer(headers: &HeaderMap, query: &HashMap<String, String>) -> Option<String> {
    let from_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| {
            let (scheme, token) = h.trim().split_once(' ')?;
            (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth"))
                .then(|| token.trim().to_string())
        });
    from_header
        .or_else(|| query.get("oauth_token").cloned())
        .filter(|t| !t.is_empty())
}

/// The caller's session and user, or the plain-text body of the 403 to send.
fn session(
    auth: &AuthServer,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
) -> Result<(Session, User), &'static str> {
    let token = bearer(headers, query).ok_or("Missing_OAuth_Token")?;
    let s = auth
        .sessions()
        .validate(&token, auth.clock().now())
        .map_err(|_| "Bad_OAuth_Token")?;
    let user = auth
        .with_config(|c| c.users.by_id(&s.user_id).cloned())
        .ok_or("Bad_OAuth_Token")?;
    Ok((Session::clone(&s), user))
}

/// The `urls` of the identity URL and of userinfo (with a literal `{version}` unless given).
pub fn urls(base: &str, org_id: &str, user_id: &str, version: &str) -> Value {
    let org15 = &org_id[..15.min(org_id.len())];
    json!({
        "enterprise": format!("{base}/services/Soap/c/{version}/{org15}"),
        "metadata": format!("{base}/services/Soap/m/{version}/{org15}"),
        "partner": format!("{base}/services/Soap/u/{version}/{org15}"),
        "rest": format!("{base}/services/data/v{version}/"),
        "sobjects": format!("{base}/services/data/v{version}/sobjects/"),
        "search": format!("{base}/services/data/v{version}/search/"),
        "query": format!("{base}/services/data/v{version}/query/"),
        "recent": format!("{base}/services/data/v{version}/recent/"),
        "tooling_soap": format!("{base}/services/Soap/T/{version}/{org15}"),
        "tooling_rest": format!("{base}/services/data/v{version}/tooling/"),
        "profile": format!("{base}/{user_id}"),
        "feeds": format!("{base}/services/data/v{version}/chatter/feeds"),
        "groups": format!("{base}/services/data/v{version}/chatter/groups"),
        "users": format!("{base}/services/data/v{version}/chatter/users"),
        "feed_items": format!("{base}/services/data/v{version}/chatter/feed-items"),
        "feed_elements": format!("{base}/services/data/v{version}/chatter/feed-elements"),
        "custom_domain": base,
    })
}

pub async fn identity(
    State(auth): State<AuthServer>,
    profiles: Option<Extension<UserProfiles>>,
    reached: InstanceUrl,
    Path((org_id, user_id)): Path<(String, String)>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (s, _) = match session(&auth, &headers, &q) {
        Ok(x) => x,
        Err(body) => return plain(StatusCode::FORBIDDEN, body),
    };
    if org_id.get(..15) != s.org_id.get(..15) {
        return plain(StatusCode::FORBIDDEN, "Bad_Id");
    }
    let Some(u) = auth.with_config(|c| c.users.by_id(&user_id).cloned()) else {
        return plain(StatusCode::NOT_FOUND, "Bad_Id");
    };
    let profile = profiles
        .and_then(|Extension(p)| (p.0)(&u.id))
        .unwrap_or_default();
    let utc_offset = utc_offset_ms(&profile.time_zone, auth.clock().now());
    // The User record's names; the auth server's own account of the user only when the
    // record cannot be read (no store installed, as in the auth server's own tests).
    let names = profile.names.clone().unwrap_or_else(|| UserNames {
        first_name: u.first_name.clone(),
        last_name: u.last_name.clone().unwrap_or_else(|| u.display_name()),
        name: u.display_name(),
        alias: Some(
            u.alias
                .clone()
                .unwrap_or_else(|| u.username.split('@').next().unwrap_or("").to_string()),
        ),
        email: Some(u.email()),
    });
    let base = auth.base_url(&reached);
    let version = q
        .get("version")
        .map(String::as_str)
        .unwrap_or(API_VERSION_PLACEHOLDER);
    let body = json!({
        "id": auth.identity_url(&base, &u),
        "asserted_user": u.id == s.user_id,
        "user_id": u.id,
        "organization_id": s.org_id,
        "username": u.username,
        "nick_name": names.alias,
        "display_name": names.name,
        "email": names.email,
        "email_verified": true,
        "first_name": names.first_name,
        "last_name": names.last_name,
        "timezone": profile.time_zone,
        "photos": {"picture": format!("{base}/img/userprofile/default_profile_200_v2.png"), "thumbnail": format!("{base}/img/userprofile/default_profile_45_v2.png")},
        "addr_street": null, "addr_city": null, "addr_state": null, "addr_country": null, "addr_zip": null,
        "mobile_phone": null,
        "mobile_phone_verified": false,
        "is_lightning_login_user": false,
        "status": {"created_date": null, "body": null},
        "urls": urls(&base, &s.org_id, &u.id, version),
        "active": u.login_blocked().is_none(),
        "user_type": "STANDARD",
        "language": profile.language,
        "locale": profile.locale,
        "utcOffset": utc_offset,
        // When the User record cannot be read (the auth server's own tests), a fixed date.
        "last_modified_date": profile.last_modified.as_deref().unwrap_or("2026-01-01T00:00:00.000+0000"),
        "is_app_installed": true,
    });
    let wants_xml = q.get("format").map(String::as_str) == Some("xml")
        || (!q.contains_key("format")
            && headers
                .get(header::ACCEPT)
                .and_then(|h| h.to_str().ok())
                .is_some_and(|a| a.contains("xml") && !a.contains("json")));
    if wants_xml {
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><user>{}</user>",
            to_xml(&body)
        );
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/xml;charset=UTF-8")],
            xml,
        )
            .into_response();
    }
    json(StatusCode::OK, &body)
}

fn to_xml(v: &Value) -> String {
    match v {
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| match v {
                Value::Null => format!("<{k} xsi:nil=\"true\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"/>"),
                _ => format!("<{k}>{}</{k}>", to_xml(v)),
            })
            .collect(),
        Value::String(s) => super::xmlscan::escape(s),
        other => other.to_string(),
    }
}

pub async fn discovery(State(auth): State<AuthServer>, reached: InstanceUrl) -> Response {
    let b = auth.base_url(&reached);
    json(
        StatusCode::OK,
        &json!({
            "issuer": b,
            "authorization_endpoint": format!("{b}/services/oauth2/authorize"),
            "token_endpoint": format!("{b}/services/oauth2/token"),
            "revocation_endpoint": format!("{b}/services/oauth2/revoke"),
            "introspection_endpoint": format!("{b}/services/oauth2/introspect"),
            "userinfo_endpoint": format!("{b}/services/oauth2/userinfo"),
            "jwks_uri": format!("{b}/id/keys"),
            "scopes_supported": ["id", "api", "web", "full", "chatter_api", "visualforce", "refresh_token", "openid", "profile", "email", "address", "phone", "offline_access", "custom_permissions", "wave_api", "eclair_api"],
            "response_types_supported": ["code", "token", "token id_token"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:jwt-bearer", "urn:ietf:params:oauth:grant-type:saml2-bearer", "device"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "display_values_supported": ["page", "popup", "touch"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256", "plain"],
            "claims_supported": ["active", "address", "email", "email_verified", "family_name", "given_name", "is_app_installed", "language", "locale", "name", "nickname", "organization_id", "phone_number", "phone_number_verified", "photos", "picture", "preferred_username", "profile", "sub", "updated_at", "urls", "user_id", "user_type", "zoneinfo"],
        }),
    )
}

pub async fn jwks(State(auth): State<AuthServer>) -> Response {
    json(StatusCode::OK, &auth.keys().jwks())
}
