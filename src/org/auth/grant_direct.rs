//! Grants without a user at the keyboard: client credentials (acting as the app's run-as
//! user) and the username-password flow (blocked unless the org and a legacy connected app
//! allow it, as in the migration lab).

use super::client_auth::{authenticate, presented, SecretRule};
use super::config::Flow;
use super::decision::Draft;
use super::error::OAuthError;
use super::lockout::lockout_reason;
use super::server::{AuthServer, RefreshIssue, TokenRequest};
use super::sign_in::{TOKEN_MISSING_REASON, WRONG_PASSWORD_REASON};
use super::token::{
    granted_scopes, require_active, require_flow, require_ip, without_refresh, TokenCtx,
};
use super::users::ApiPassword;
use serde_json::Value;

pub fn client_credentials(
    auth: &AuthServer,
    ctx: &TokenCtx,
    draft: &mut Draft,
) -> Result<Value, OAuthError> {
    let p = presented(&ctx.headers, &ctx.params)?;
    draft.client_id = p.client_id.clone();
    let app = auth.with_config(|c| authenticate(c, &p, SecretRule::Required))?;
    require_flow(&app, Flow::ClientCredentials)?;
    require_ip(&app, ctx)?;
    let Some(run_as) = app.run_as.clone() else {
        return Err(OAuthError::invalid_grant(
            "no client credentials user enabled",
            format!(
                "app '{}' has no run-as user; set one for the client credentials flow",
                app.name
            ),
        ));
    };
    let user = auth
        .with_config(|c| c.users.find(&run_as).cloned())
        .ok_or_else(|| {
            OAuthError::invalid_grant(
                "no client credentials user enabled",
                format!("run-as user '{run_as}' does not exist"),
            )
        })?;
    draft.username = Some(user.username.clone());
    require_active(&user)?;
    let scopes = without_refresh(granted_scopes(&app, ctx.params.get("scope"))?);
    let issued = auth.issue(TokenRequest {
        base_url: &ctx.base_url,
        app: &app,
        user: &user,
        scopes,
        refresh: RefreshIssue::None,
        nonce: None,
        interactive: false,
    });
    Ok(issued.body)
}

pub fn password(auth: &AuthServer, ctx: &TokenCtx, draft: &mut Draft) -> Result<Value, OAuthError> {
    if !auth.with_config(|c| c.settings.allow_password_flow) {
        return Err(OAuthError::unsupported_grant(
            "the username-password flow is blocked in this org (\"Allow OAuth Username-Password Flows\" \
             is off); use the client credentials or JWT bearer flow instead",
        ));
    }
    let p = presented(&ctx.headers, &ctx.params)?;
    draft.client_id = p.client_id.clone();
    let app = auth.with_config(|c| authenticate(c, &p, SecretRule::Required))?;
    if !app.legacy_connected_app {
        return Err(OAuthError::unsupported_grant(format!(
            "app '{}' is an External Client App, and those do not support the username-password flow",
            app.name
        )));
    }
    require_flow(&app, Flow::Password)?;
    require_ip(&app, ctx)?;
    let username = ctx.params.require("username")?;
    let given = ctx.params.require("password")?;
    draft.username = Some(username.to_string());
    let user = auth.with_config(|c| c.users.by_username(username).cloned());
    let check = user
        .as_ref()
        .map_or(ApiPassword::Wrong, |u| u.api_password(given));
    let ok = check == ApiPassword::Right;
    let locked_out = match &user {
        Some(u) if u.password.is_some() => auth.count_password(&u.id, ok),
        _ => false,
    };
    let Some(user) = user.filter(|_| ok) else {
        let wrong = if check == ApiPassword::TokenMissing {
            TOKEN_MISSING_REASON
        } else {
            WRONG_PASSWORD_REASON
        };
        return Err(OAuthError::invalid_grant(
            "authentication failure",
            if locked_out {
                format!("{wrong}, {}", lockout_reason())
            } else {
                wrong.to_string()
            },
        ));
    };
    require_active(&user)?;
    let scopes = without_refresh(granted_scopes(&app, ctx.params.get("scope"))?);
    let issued = auth.issue(TokenRequest {
        base_url: &ctx.base_url,
        app: &app,
        user: &user,
        scopes,
        refresh: RefreshIssue::None,
        nonce: None,
        interactive: false,
    });
    Ok(issued.body)
}
