//! The mock org's OAuth 2.0 authorization server: every flow the curriculum teaches, as strict
//! as a well-configured org, with an auth decision log the rules can judge.
//!
//! Layout:
//! - configuration: `config` (apps, settings), `users` (the login directory), `access`
//!   (permission sets and the [`Access`] query the REST layer calls), `span` (YAML values),
//!   `defaults` (the default org's apps, users and workspace JWT key);
//! - checks: `pkce`, `jwt`, `saml` (+ `xmlscan`, `c14n`), `keys`, `client_auth`, `form`, `lockout`;
//! - state: `server` ([`AuthServer`], token minting), `activation` (User.IsActive),
//!   `grants`, `decision` (the log), `log_text` (client text made safe to log);
//! - endpoints: `token` (dispatch) with `grant_code`, `grant_direct`, `grant_assertion`,
//!   `device`; `authorize` + `pages`; `setup_connect`; `revoke`; `introspect`; `identity`.
//!
//! [`router`] serves `/services/oauth2/{authorize,token,revoke,introspect}`, `/id/{org}/{user}`,
//! `/id/keys`, `/.well-known/openid-configuration` and `/setup/connect`.

pub mod access;
mod activation;
mod authorize;
mod browser_session;
mod c14n;
pub(crate) mod client_auth;
pub mod config;
pub mod decision;
pub mod defaults;
mod device;
pub mod error;
pub(crate) mod form;
mod grant_assertion;
mod grant_code;
mod grant_direct;
mod grants;
pub mod identity;
mod introspect;
pub mod jwt;
pub mod keys;
pub mod lockout;
pub mod log_text;
mod pages;
pub mod pkce;
pub mod profile;
mod revoke;
pub mod saml;
mod seeding;
mod server;
mod setup_connect;
pub mod sign_in;
pub mod span;
mod token;
mod user_agent;
pub mod users;
mod xmlscan;

#[cfg(test)]
mod tests;

pub use access::{Access, Op, PermissionSet, Refusal};
pub use config::{
    AuthConfig, AuthSettings, ConfigError, ExternalClientApp, Flow, PermittedUsers, RefreshPolicy,
};
pub use decision::{AuthDecision, Outcome};
pub use defaults::{
    app_env, default_apps, env_lines, flow_app_env, install_for_workspace, seeded_apps_env,
    serve_client, workspace_jwt_key, FLOW_APPS,
};
pub use device::DeviceApprovalError;
pub use keys::{JwtKeyPair, OrgKeys};
pub use server::{AuthServer, RefreshIssue, TokenRequest};
pub use users::{Directory, License, User, UserStatus};

use axum::routing::{any, get};
use axum::Router;

/// The authorization server's routes, to be merged into the org's router.
pub fn router(auth: AuthServer) -> Router {
    Router::new()
        .route(
            "/services/oauth2/authorize",
            get(authorize::authorize).post(authorize::authorize),
        )
        .route("/services/oauth2/token", any(token::token_endpoint))
        .route("/services/oauth2/revoke", any(revoke::revoke))
        .route("/services/oauth2/introspect", any(introspect::introspect))
        .route("/id/keys", get(identity::jwks))
        .route(
            "/id/{org}/{user}",
            get(identity::identity).post(identity::identity),
        )
        .route(
            "/.well-known/openid-configuration",
            get(identity::discovery),
        )
        .route(
            "/setup/connect",
            get(setup_connect::show).post(setup_connect::submit),
        )
        .with_state(auth)
}
