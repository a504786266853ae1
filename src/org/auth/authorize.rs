//! `/services/oauth2/authorize`: the authorization-code flow's front half.
//!
//! Order of checks: parameters read (no repeats) → client known → redirect_uri registered
//! (exactly, or the same loopback URL on another port). Until both hold, errors show a page
//! and never redirect (RFC 6749 §4.1.2.1). After that, errors redirect with `error`,
//! `error_description` and the `state` echoed. Scripted runs get an immediate 302 when the
//! app auto-approves; a browser gets the login and consent page. `response_type=token` (the
//! user-agent flow) is answered in the redirect's fragment instead, see [`super::user_agent`].

use super::browser_session;
use super::config::{ExternalClientApp, Flow, PermittedUsers};
use super::decision::{Draft, Outcome};
use super::error::OAuthError;
use super::form::Params;
use super::grants::{digest, CodeGrant};
use super::lockout::lockout_reason;
use super::pages;
use super::pkce::{self, constant_time_eq, Challenge};
use super::server::{random_token, AuthServer};
use super::sign_in::Origin;
use super::token::granted_scopes;
use super::user_agent::{self, redirect_with, Approved, ResponseKind};
use super::users::{License, User};
use crate::org::rest::InstanceUrl;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};

const FORWARDED: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "scope",
    "prompt",
    "login_hint",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "display",
];

/// Is `given` the registered callback, allowing only the port of a loopback URL to differ
/// (RFC 8252 §7.3)?
pub fn redirect_matches(registered: &str, given: &str) -> bool {
    if registered == given {
        return true;
    }
    let (Ok(r), Ok(mut g)) = (url::Url::parse(registered), url::Url::parse(given)) else {
        return false;
    };
    // The given URI must already be in normal form: no dot segments, no case games.
    if g.as_str() != given || g.fragment().is_some() {
        return false;
    }
    let loopback = matches!(g.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    if !loopback || g.scheme() != "http" {
        return false;
    }
    if g.set_port(r.port()).is_err() {
        return false;
    }
    g.as_str() == r.as_str()
}

fn redirect(location: &str) -> Response {
    let mut r = StatusCode::FOUND.into_response();
    if let Ok(v) = header::HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    r
}

struct Checked {
    app: ExternalClientApp,
    redirect_uri: String,
    state: Option<String>,
    scopes: Vec<String>,
    challenge: Option<Challenge>,
    kind: ResponseKind,
}

pub async fn authorize(
    State(auth): State<AuthServer>,
    reached: InstanceUrl,
    request: Request<Body>,
) -> Response {
    let (parts, body) = request.into_parts();
    let mut draft = Draft::new("authorize");
    draft.origin = Origin {
        source_ip: None,
        browser: super::token::user_agent(&parts.headers),
        login_url: Some(super::sign_in::login_host(&auth.base_url(&reached))),
    };
    let parsed = match parts.method {
        Method::GET => Params::from_urlencoded(parts.uri.query().unwrap_or("").as_bytes()),
        Method::POST => match axum::body::to_bytes(body, 64 * 1024).await {
            Ok(b) => Params::from_body(
                parts
                    .headers
                    .get(header::CONTENT_TYPE)
                    .and_then(|h| h.to_str().ok()),
                &b,
            ),
            Err(_) => Err(OAuthError::invalid_request(
                "request body too large",
                "the login form body is over 64 KB",
            )),
        },
        _ => {
            return pages::error_page(
                StatusCode::METHOD_NOT_ALLOWED,
                "invalid_request",
                "use GET",
                "open this URL in a browser",
            )
        }
    };
    let params = match parsed {
        Ok(p) => p,
        Err(e) => {
            auth.record(draft, Outcome::Refused, Some(e.code), e.reason.clone());
            return pages::error_page(StatusCode::BAD_REQUEST, e.code, &e.description, &e.reason);
        }
    };
    draft.client_id = params.get("client_id").map(str::to_string);
    let checked = match check_request(&auth, &params) {
        Ok(c) => c,
        Err(page) => return page(&auth, draft),
    };
    let state = checked.state.clone();
    let in_fragment = checked.kind.in_fragment();
    if in_fragment {
        draft.grant = "user_agent".into();
    }
    let fail = |auth: &AuthServer, draft: Draft, error: &str, description: &str, reason: String| {
        auth.record(draft, Outcome::Refused, Some(error), reason);
        let mut pairs = vec![("error", error), ("error_description", description)];
        if let Some(s) = state.as_deref() {
            pairs.push(("state", s));
        }
        redirect(&redirect_with(&checked.redirect_uri, &pairs, in_fragment))
    };
    draft.pkce_method = checked
        .challenge
        .as_ref()
        .map(|c| c.method.as_str().to_string());
    let prompt = params.get("prompt");
    let logged_in_here = parts.method == Method::POST;
    let user = if parts.method == Method::POST {
        match params.get("action") {
            Some("deny") => {
                return fail(
                    &auth,
                    draft,
                    "access_denied",
                    "end-user denied authorization",
                    "the user pressed Deny".into(),
                );
            }
            _ => match check_login(&auth, &params) {
                Ok(u) => u,
                Err(msg) => {
                    // A failed sign-in of a user of the org shows in Login History.
                    draft.username = params.get("username").map(str::to_string);
                    let hidden: Vec<(String, String)> = FORWARDED
                        .iter()
                        .filter_map(|k| params.get(k).map(|v| (k.to_string(), v.to_string())))
                        .collect();
                    auth.record(draft, Outcome::Refused, None, format!("login page: {msg}"));
                    return pages::login_page(
                        &checked.app.name,
                        &checked.scopes,
                        &hidden,
                        params.get("username"),
                        Some(&msg),
                    );
                }
            },
        }
    } else if checked.app.auto_approve {
        match auto_user(&auth, &checked.app, params.get("login_hint")) {
            Some(u) => u,
            None => {
                return fail(&auth, draft, "login_required", "no user to auto-approve as", "the app auto-approves, but no active user was named by login_hint, auto_approve_as or the org's default_user".into());
            }
        }
    } else if let Some(u) = silent_user(&auth, &checked.app, &parts.headers, prompt) {
        u
    } else if browser_session::prompt_has(prompt, "none") {
        return fail(
            &auth,
            draft,
            "login_required",
            "login required",
            "prompt=none, but the browser has no session that approved this app, and the app does not auto-approve".into(),
        );
    } else {
        let hidden: Vec<(String, String)> = FORWARDED
            .iter()
            .filter_map(|k| params.get(k).map(|v| (k.to_string(), v.to_string())))
            .collect();
        return pages::login_page(
            &checked.app.name,
            &checked.scopes,
            &hidden,
            params.get("login_hint"),
            None,
        );
    };
    draft.username = Some(user.username.clone());
    if let Some(why) = user.login_blocked() {
        return fail(
            &auth,
            draft,
            "access_denied",
            "user may not log in",
            format!("{}: {why}", user.username),
        );
    }
    if user.license == License::SalesforceIntegration {
        return fail(
            &auth,
            draft,
            "access_denied",
            "API-only user",
            format!(
                "{} has the Salesforce Integration licence: API only, no interactive login",
                user.username
            ),
        );
    }
    if checked.app.permitted_users == PermittedUsers::AdminApproved
        && !checked.app.pre_authorizes(&user)
    {
        draft.sign_in_status = Some(super::sign_in::NOT_APPROVED);
        return fail(
            &auth,
            draft,
            "OAUTH_APP_ACCESS_DENIED",
            "user is not admin approved to access this app",
            format!(
                "{} is not pre-authorized for app '{}'",
                user.username, checked.app.name
            ),
        );
    }
    if in_fragment {
        let location = user_agent::issue_in_fragment(
            &auth,
            Approved {
                base_url: &auth.base_url(&reached),
                app: &checked.app,
                user: &user,
                scopes: checked.scopes.clone(),
                nonce: params.get("nonce").map(str::to_string),
                redirect_uri: &checked.redirect_uri,
                state: state.as_deref(),
            },
        );
        auth.grants()
            .consents
            .insert((user.id.clone(), checked.app.consumer_key.clone()));
        auth.record(
            draft,
            Outcome::Issued,
            None,
            format!(
                "user-agent flow: tokens for {} sent in the redirect's fragment",
                user.username
            ),
        );
        return with_session_cookie(&auth, &reached, redirect(&location), logged_in_here, &user);
    }
    let code = format!("aPrx{}", random_token(64));
    let now = auth.clock().now();
    {
        let mut grants = auth.grants();
        grants.codes.insert(
            digest(&code),
            CodeGrant {
                client_id: checked.app.consumer_key.clone(),
                redirect_uri: checked.redirect_uri.clone(),
                user_id: user.id.clone(),
                scopes: checked.scopes.clone(),
                challenge: checked.challenge.clone(),
                nonce: params.get("nonce").map(str::to_string),
                issued: now,
                used: false,
                family: None,
            },
        );
        grants
            .consents
            .insert((user.id.clone(), checked.app.consumer_key.clone()));
    }
    let pkce_note = match &checked.challenge {
        Some(c) if c.method_defaulted => "with PKCE (no method sent: S256 assumed)",
        Some(_) => "with PKCE",
        None => "without PKCE",
    };
    auth.record(
        draft,
        Outcome::Issued,
        None,
        format!("authorization code issued to {} {pkce_note}", user.username),
    );
    let mut pairs = vec![("code", code.as_str())];
    if let Some(s) = state.as_deref() {
        pairs.push(("state", s));
    }
    let response = redirect(&redirect_with(&checked.redirect_uri, &pairs, false));
    with_session_cookie(&auth, &reached, response, logged_in_here, &user)
}

/// Starts the browser session when the user logged in on this request.
fn with_session_cookie(
    auth: &AuthServer,
    reached: &InstanceUrl,
    mut response: Response,
    logged_in_here: bool,
    user: &User,
) -> Response {
    if logged_in_here {
        if let Some(cookie) = browser_session::start(auth, user, &auth.base_url(reached)) {
            response.headers_mut().insert(header::SET_COOKIE, cookie);
        }
    }
    response
}

/// The browser's logged-in user, when it may skip the page: it approved this app before (or
/// is pre-authorized) and `prompt` asks for neither a new login nor a new consent.
fn silent_user(
    auth: &AuthServer,
    app: &ExternalClientApp,
    headers: &axum::http::HeaderMap,
    prompt: Option<&str>,
) -> Option<User> {
    if browser_session::prompt_has(prompt, "login")
        || browser_session::prompt_has(prompt, "consent")
    {
        return None;
    }
    let user = browser_session::user(auth, headers)?;
    let approved = app.pre_authorizes(&user)
        || auth
            .grants()
            .consents
            .contains(&(user.id.clone(), app.consumer_key.clone()));
    approved.then_some(user)
}

type PageFn = Box<dyn FnOnce(&AuthServer, Draft) -> Response>;

fn page_error(
    status: StatusCode,
    error: &'static str,
    description: &'static str,
    reason: String,
) -> PageFn {
    Box::new(move |auth: &AuthServer, draft: Draft| {
        auth.record(draft, Outcome::Refused, Some(error), reason.clone());
        pages::error_page(status, error, description, &reason)
    })
}

/// Where an error after the redirect URI was checked goes: the registered URI, with the
/// `state` echoed, in the query or (user-agent flow) the fragment.
struct ErrorTarget {
    uri: String,
    state: Option<String>,
    fragment: bool,
}

impl ErrorTarget {
    fn error(&self, error: &'static str, description: &'static str, reason: String) -> PageFn {
        let (uri, state, fragment) = (self.uri.clone(), self.state.clone(), self.fragment);
        Box::new(move |auth: &AuthServer, mut draft: Draft| {
            if fragment {
                draft.grant = "user_agent".into();
            }
            auth.record(draft, Outcome::Refused, Some(error), reason);
            let mut pairs = vec![("error", error), ("error_description", description)];
            if let Some(s) = state.as_deref() {
                pairs.push(("state", s));
            }
            redirect(&redirect_with(&uri, &pairs, fragment))
        })
    }
}

fn check_request(auth: &AuthServer, params: &Params) -> Result<Checked, PageFn> {
    let client_id = params.get("client_id").unwrap_or("");
    let Some(app) = auth.with_config(|c| c.app_by_key(client_id).cloned()) else {
        return Err(page_error(
            StatusCode::BAD_REQUEST,
            "invalid_client_id",
            "client identifier invalid",
            "no app has this consumer key; nothing was redirected".into(),
        ));
    };
    let given = params.get("redirect_uri").unwrap_or("");
    if given.is_empty() {
        // A real org's page for a missing redirect_uri is believed to be the mismatch one; its
        // exact text there is not known.
        return Err(page_error(
            StatusCode::BAD_REQUEST,
            "redirect_uri_mismatch",
            "redirect_uri must match configuration",
            format!(
                "redirect_uri is missing: send one of the callback URLs of app '{}'; nothing was redirected",
                app.name
            ),
        ));
    }
    if !app.callback_urls.iter().any(|r| redirect_matches(r, given)) {
        return Err(page_error(
            StatusCode::BAD_REQUEST,
            "redirect_uri_mismatch",
            "redirect_uri must match configuration",
            format!("'{given}' is not a callback URL of app '{}' (only a loopback port may differ); nothing was redirected", app.name),
        ));
    }
    let uri = given.to_string();
    let state = params.get("state").map(str::to_string);
    let kind = ResponseKind::parse(params.get("response_type"));
    let target = ErrorTarget {
        uri: uri.clone(),
        state: state.clone(),
        fragment: kind.is_some_and(ResponseKind::in_fragment),
    };
    let Some(kind) = kind else {
        return Err(target.error(
            "unsupported_response_type",
            "response type not supported",
            "use response_type=code (web server flow) or token / token id_token (user-agent flow)"
                .into(),
        ));
    };
    let (flow, flow_name) = match kind {
        ResponseKind::Code => (Flow::AuthorizationCode, "the authorization code flow"),
        ResponseKind::Token { .. } => (Flow::UserAgent, "the user-agent flow"),
    };
    if !app.allows(flow) {
        return Err(target.error(
            "unauthorized_client",
            "this client is not allowed to use this response type",
            format!("app '{}' is not enabled for {flow_name}", app.name),
        ));
    }
    let scopes = match granted_scopes(&app, params.get("scope")) {
        Ok(s) => s,
        Err(e) => {
            return Err(target.error(
                "invalid_scope",
                "the requested scope is not allowed",
                e.reason,
            ))
        }
    };
    if let ResponseKind::Token { id_token } = kind {
        if id_token && params.get("nonce").is_none_or(str::is_empty) {
            return Err(target.error(
                "invalid_request",
                "nonce is required",
                "response_type=token id_token returns an ID token in the browser: send a fresh \
                 nonce and check that the ID token echoes it"
                    .into(),
            ));
        }
        return Ok(Checked {
            app,
            redirect_uri: uri,
            state,
            scopes,
            challenge: None,
            kind,
        });
    }
    let challenge = match pkce::parse_challenge(
        params.get("code_challenge"),
        params.get("code_challenge_method"),
        app.requires_pkce(),
    ) {
        Ok(c) => c,
        Err(e) => {
            // A method the server does not take is named as such (RFC 7636 §4.4.1: "transform
            // algorithm not supported"), not as a bad challenge: the challenge itself may be
            // fine. Salesforce's own wording for either is not known.
            let description = match e {
                pkce::PkceError::UnknownMethod(_) | pkce::PkceError::PlainRefused => {
                    "unsupported code challenge method"
                }
                _ => "invalid code challenge",
            };
            return Err(target.error("invalid_request", description, e.to_string()));
        }
    };
    if challenge.is_none() && app.requires_pkce() {
        return Err(target.error(
            "invalid_request",
            "missing required code challenge",
            format!(
                "app '{}' requires PKCE: send code_challenge (S256)",
                app.name
            ),
        ));
    }
    Ok(Checked {
        app,
        redirect_uri: uri,
        state,
        scopes,
        challenge,
        kind,
    })
}

/// The login form's `username` and `password` checked, counted towards lockout (see
/// [`super::lockout`]); the message the page shows when they do not sign the user in. The
/// device flow's verification page signs in with the same form.
pub(super) fn check_login(auth: &AuthServer, params: &Params) -> Result<User, String> {
    let failed = "Please check your username and password. If you still can't log in, contact your Salesforce administrator.";
    let username = params.get("username").unwrap_or("");
    let password = params.get("password").unwrap_or("");
    let user = auth
        .with_config(|c| c.users.by_username(username).cloned())
        .ok_or(failed.to_string())?;
    let Some(expected) = user.password.as_deref() else {
        return Err(failed.to_string());
    };
    let ok = constant_time_eq(expected.as_bytes(), password.as_bytes());
    if auth.count_password(&user.id, ok) {
        // The page a real org shows at lockout is not known word for word.
        return Err(format!(
            "Your account is locked: too many failed login attempts. Contact your Salesforce \
             administrator. ({})",
            lockout_reason()
        ));
    }
    if ok {
        Ok(user)
    } else {
        Err(failed.to_string())
    }
}

fn auto_user(auth: &AuthServer, app: &ExternalClientApp, hint: Option<&str>) -> Option<User> {
    auth.with_config(|c| {
        let named = hint
            .or(app.auto_approve_as.as_deref())
            .or(c.settings.default_user.as_deref());
        match named {
            Some(n) => c.users.find(n).cloned(),
            None => c
                .users
                .all()
                .iter()
                .find(|u| u.login_blocked().is_none() && u.license == License::Salesforce)
                .cloned(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_redirects_may_change_only_the_port() {
        let reg = "http://localhost:1717/OauthRedirect";
        assert!(redirect_matches(reg, "http://localhost:1717/OauthRedirect"));
        assert!(redirect_matches(
            reg,
            "http://localhost:52001/OauthRedirect"
        ));
        assert!(!redirect_matches(
            reg,
            "http://localhost:52001/OauthRedirect?x=1"
        ));
        assert!(!redirect_matches(
            reg,
            "http://localhost:1717/oauthredirect"
        ));
        assert!(!redirect_matches(
            reg,
            "http://localhost:1717/a/../OauthRedirect"
        ));
        assert!(!redirect_matches(
            reg,
            "http://evil.example:1717/OauthRedirect"
        ));
    }

    #[test]
    fn non_loopback_redirects_must_match_exactly() {
        let reg = "https://app.example.com/cb";
        assert!(redirect_matches(reg, "https://app.example.com/cb"));
        assert!(!redirect_matches(reg, "https://app.example.com:8443/cb"));
        assert!(!redirect_matches(reg, "https://app.example.com/cb?extra=1"));
    }

    #[test]
    fn query_is_appended_with_the_right_separator() {
        assert_eq!(
            redirect_with("http://x/cb", &[("code", "a b")], false),
            "http://x/cb?code=a+b"
        );
        assert_eq!(
            redirect_with("http://x/cb?k=1", &[("state", "s")], false),
            "http://x/cb?k=1&state=s"
        );
    }
}
