//! The authorization-code grant (with PKCE) and the refresh-token grant (with rotation and
//! reuse detection).

use super::client_auth::{authenticate, presented, SecretRule};
use super::config::Flow;
use super::decision::Draft;
use super::error::OAuthError;
use super::grants::{digest, RefreshStatus};
use super::pkce;
use super::server::{AuthServer, RefreshIssue, TokenRequest};
use super::token::{require_active, require_flow, require_ip, scope_name, TokenCtx};
use serde_json::Value;

pub fn authorization_code(
    auth: &AuthServer,
    ctx: &TokenCtx,
    draft: &mut Draft,
) -> Result<Value, OAuthError> {
    let p = presented(&ctx.headers, &ctx.params)?;
    draft.client_id = p.client_id.clone();
    let app = auth.with_config(|c| authenticate(c, &p, SecretRule::Required))?;
    require_flow(&app, Flow::AuthorizationCode)?;
    require_ip(&app, ctx)?;
    let code = ctx.params.require("code")?;
    let now = auth.clock().now();
    let lifetime = auth.with_config(|c| c.settings.code_lifetime);
    let mut grants = auth.grants();
    let Some(grant) = grants.codes.get_mut(&digest(code)) else {
        return Err(OAuthError::invalid_grant(
            "invalid authorization code",
            "this code was never issued by this org (copy the whole code from the redirect, URL-decoded)",
        ));
    };
    draft.pkce_method = grant
        .challenge
        .as_ref()
        .map(|c| c.method.as_str().to_string());
    if grant.used {
        let Some(family) = grant.family.clone() else {
            // The first presentation was refused (a redirect_uri, verifier or client that did
            // not match), so it gave no tokens; it used the code up all the same.
            return Err(OAuthError::invalid_grant(
                "invalid authorization code",
                "this code was used up by an earlier attempt to exchange it that was refused; \
                 a code works for one exchange, even one that fails, so fix that request and \
                 start the sign-in again for a new code",
            ));
        };
        grants.revoke_family(&family);
        let revoked = auth.sessions().revoke_family(&family);
        return Err(OAuthError::invalid_grant(
            "invalid authorization code",
            format!(
                "this code was already exchanged; a code works once, and presenting it again revoked \
                 the tokens it gave ({revoked} access token(s))"
            ),
        ));
    }
    grant.used = true;
    let grant = grant.clone();
    drop(grants);
    if now - grant.issued > lifetime.chrono() {
        return Err(OAuthError::invalid_grant(
            "expired authorization code",
            format!(
                "codes expire {} seconds after they are issued; exchange it at once",
                lifetime.0.as_secs()
            ),
        ));
    }
    if grant.client_id != app.consumer_key {
        return Err(OAuthError::invalid_grant(
            "invalid authorization code",
            format!("the code was issued to another app, not to '{}'", app.name),
        ));
    }
    if ctx.params.get("redirect_uri") != Some(grant.redirect_uri.as_str()) {
        // The token endpoint's wording, as the wire contract records it; the authorize page
        // says "redirect_uri must match configuration" (see `authorize`).
        return Err(OAuthError::invalid_grant(
            "redirect uri does not match configuration",
            "send the same redirect_uri as in the authorization request",
        ));
    }
    let verifier = ctx.params.get("code_verifier");
    let checked = pkce::verify(grant.challenge.as_ref(), verifier);
    if grant.challenge.is_some() || verifier.is_some() {
        draft.verifier_matched = Some(checked.is_ok());
    }
    if let Err(e) = checked {
        return Err(OAuthError::invalid_grant(
            "invalid code verifier",
            e.to_string(),
        ));
    }
    let user = auth
        .with_config(|c| c.users.by_id(&grant.user_id).cloned())
        .ok_or_else(|| {
            OAuthError::invalid_grant(
                "authentication failure",
                "the user who approved no longer exists",
            )
        })?;
    draft.username = Some(user.username.clone());
    require_active(&user)?;
    let with_refresh = grant.scopes.iter().any(|s| s == "refresh_token");
    let issued = auth.issue(TokenRequest {
        base_url: &ctx.base_url,
        app: &app,
        user: &user,
        scopes: grant.scopes.clone(),
        refresh: if with_refresh {
            RefreshIssue::NewFamily
        } else {
            RefreshIssue::None
        },
        nonce: grant.nonce.clone(),
        interactive: true,
    });
    if let Some(g) = auth.grants().codes.get_mut(&digest(code)) {
        g.family = Some(issued.family.clone());
    }
    Ok(issued.body)
}

pub fn refresh(auth: &AuthServer, ctx: &TokenCtx, draft: &mut Draft) -> Result<Value, OAuthError> {
    let p = presented(&ctx.headers, &ctx.params)?;
    draft.client_id = p.client_id.clone();
    let app = auth.with_config(|c| authenticate(c, &p, SecretRule::Required))?;
    require_ip(&app, ctx)?;
    let token = ctx.params.require("refresh_token")?;
    let now = auth.clock().now();
    let mut grants = auth.grants();
    let Some(record) = grants.refresh.get(&digest(token)).cloned() else {
        return Err(OAuthError::bad_refresh(
            "this refresh token was never issued by this org",
        ));
    };
    if record.client_id != app.consumer_key {
        return Err(OAuthError::bad_refresh(format!(
            "this refresh token belongs to another app, not to '{}'",
            app.name
        )));
    }
    // The user first: a deactivated user's tokens were revoked with the deactivation, and
    // `inactive_user` says why better than "revoked" does.
    let user = auth
        .with_config(|c| c.users.by_id(&record.user_id).cloned())
        .ok_or_else(|| OAuthError::bad_refresh("the token's user no longer exists"))?;
    draft.username = Some(user.username.clone());
    require_active(&user)?;
    match record.status {
        RefreshStatus::Revoked => {
            return Err(OAuthError::bad_refresh("this refresh token was revoked"))
        }
        RefreshStatus::Rotated => {
            grants.revoke_family(&record.family);
            let n = auth.sessions().revoke_family(&record.family);
            return Err(OAuthError::bad_refresh(format!(
                "this refresh token was already used and replaced (rotation); using it again looks \
                 like theft, so its whole family was revoked ({n} access token(s)); log in again"
            )));
        }
        RefreshStatus::Active => {}
    }
    if grants.revoked_families.contains(&record.family) {
        return Err(OAuthError::bad_refresh(
            "this refresh token's family was revoked",
        ));
    }
    if record.expires.is_some_and(|t| t <= now) {
        return Err(OAuthError::bad_refresh(
            "this refresh token expired under the app's refresh token policy",
        ));
    }
    let scopes = match ctx.params.get("scope").filter(|s| !s.trim().is_empty()) {
        None => record.scopes.clone(),
        Some(req) => {
            let mut wanted: Vec<String> = Vec::new();
            for s in req.split_whitespace().map(scope_name) {
                if !wanted.iter().any(|w| w == s) {
                    wanted.push(s.to_string());
                }
            }
            if let Some(extra) = wanted.iter().find(|s| !record.scopes.contains(s)) {
                return Err(OAuthError::new(
                    "invalid_scope",
                    "the requested scope is not allowed",
                    format!("'{extra}' was not granted with the original token; a refresh may narrow scopes, never widen them"),
                ));
            }
            wanted
        }
    };
    let rotate = app.refresh.rotate;
    if rotate {
        if let Some(r) = grants.refresh.get_mut(&digest(token)) {
            r.status = RefreshStatus::Rotated;
        }
    }
    drop(grants);
    let issued = auth.issue(TokenRequest {
        base_url: &ctx.base_url,
        app: &app,
        user: &user,
        scopes,
        refresh: RefreshIssue::Existing {
            family: record.family,
            rotate,
            auth_time: record.auth_time,
        },
        nonce: None,
        interactive: true,
    });
    Ok(issued.body)
}
