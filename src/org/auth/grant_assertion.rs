//! Bearer-assertion grants: JWT bearer (RFC 7523) and SAML 2.0 bearer (RFC 7522), both
//! signed with the key of the certificate uploaded to the app.
//!
//! Error texts: "invalid assertion", "audience is invalid" and "user hasn't approved this
//! consumer" are the ones clients report from real orgs; "expired authorization code" for a
//! JWT whose `exp` has passed is reported by users but not verified here; nor is what a real
//! org answers to a JWT whose header marks an extension critical (`crit`): it is refused here
//! as "invalid assertion" (RFC 7515 §4.1.11, see `jwt`).

use super::client_auth::{authenticate, presented, SecretRule};
use super::config::{ExternalClientApp, Flow, PermittedUsers};
use super::decision::Draft;
use super::error::OAuthError;
use super::jwt::{self, JwtError};
use super::keys::public_key_from_pem;
use super::saml::{self, SamlError};
use super::server::{AuthServer, RefreshIssue, TokenRequest};
use super::token::{require_active, require_flow, require_ip, without_refresh, TokenCtx};
use super::users::User;
use rsa::RsaPublicKey;
use serde_json::Value;

fn invalid_assertion(reason: impl Into<String>) -> OAuthError {
    OAuthError::invalid_grant("invalid assertion", reason)
}

fn app_key(app: &ExternalClientApp) -> Result<RsaPublicKey, OAuthError> {
    let pem = app.certificate.as_deref().unwrap_or("");
    public_key_from_pem(pem).map_err(|e| {
        invalid_assertion(format!(
            "app '{}' has an unusable certificate: {e}",
            app.name
        ))
    })
}

/// Has the user approved the app, or has an admin pre-authorized them?
fn require_approval(
    auth: &AuthServer,
    app: &ExternalClientApp,
    user: &User,
) -> Result<(), OAuthError> {
    let approved = app.pre_authorizes(user)
        || (app.permitted_users == PermittedUsers::AllUsers
            && auth
                .grants()
                .consents
                .contains(&(user.id.clone(), app.consumer_key.clone())));
    if approved {
        return Ok(());
    }
    let how = match app.permitted_users {
        PermittedUsers::AdminApproved => {
            "pre-authorize the user's profile or a permission set of theirs on the app"
        }
        PermittedUsers::AllUsers => {
            "have the user approve the app once through the web flow, or pre-authorize them"
        }
    };
    Err(OAuthError::not_approved(
        "user hasn't approved this consumer",
        format!(
            "{} is not approved for app '{}': {how}",
            user.username, app.name
        ),
    ))
}

fn find_user(auth: &AuthServer, username: &str) -> Result<User, OAuthError> {
    auth.with_config(|c| c.users.by_username(username).cloned())
        .ok_or_else(|| {
            OAuthError::invalid_grant(
                "user hasn't approved this consumer",
                format!("no user has the username '{username}' in this org"),
            )
        })
}

pub fn jwt_bearer(
    auth: &AuthServer,
    ctx: &TokenCtx,
    draft: &mut Draft,
) -> Result<Value, OAuthError> {
    let assertion = ctx.params.require("assertion")?;
    let unverified = jwt::decode(assertion).map_err(|e| invalid_assertion(e.to_string()))?;
    let issuer = unverified
        .issuer()
        .ok_or_else(|| invalid_assertion(JwtError::MissingClaim("iss").to_string()))?;
    draft.client_id = Some(issuer.to_string());
    // A refused assertion still counts against the user it names (Login History shows it).
    draft.username = unverified
        .claims
        .get("sub")
        .and_then(Value::as_str)
        .map(str::to_string);
    let app = auth
        .with_config(|c| c.app_by_key(issuer).cloned())
        .ok_or_else(|| {
            OAuthError::unknown_client("the JWT's iss is not the consumer key of any app")
        })?;
    let p = presented(&ctx.headers, &ctx.params)?;
    if p.client_id.is_some() {
        let sent = auth.with_config(|c| authenticate(c, &p, SecretRule::IfPresent))?;
        if sent.consumer_key != app.consumer_key {
            return Err(OAuthError::invalid_client(
                "the client_id sent differs from the JWT's iss",
            ));
        }
    }
    require_flow(&app, Flow::JwtBearer)?;
    require_ip(&app, ctx)?;
    unverified
        .verify(&app_key(&app)?)
        .map_err(|e| invalid_assertion(e.to_string()))?;
    let now = chrono::Utc::now().timestamp();
    let claims = unverified
        .check_claims(now, &auth.audiences(&ctx.base_url, &app))
        .map_err(|e| match e {
            JwtError::Audience(_) => {
                OAuthError::invalid_grant("audience is invalid", e.to_string())
            }
            JwtError::Expired(_) => {
                OAuthError::invalid_grant("expired authorization code", e.to_string())
            }
            other => invalid_assertion(other.to_string()),
        })?;
    draft.username = Some(claims.subject.clone());
    if let Some(jti) = &claims.jti {
        if !auth
            .grants()
            .remember_jti(&claims.issuer, jti, claims.expires, now)
        {
            return Err(invalid_assertion(format!(
                "the JWT id (jti) '{jti}' was already used; sign a fresh assertion for every token request"
            )));
        }
    }
    let user = find_user(auth, &claims.subject)?;
    require_active(&user)?;
    require_approval(auth, &app, &user)?;
    let issued = auth.issue(TokenRequest {
        base_url: &ctx.base_url,
        app: &app,
        user: &user,
        scopes: without_refresh(app.scopes.clone()),
        refresh: RefreshIssue::None,
        nonce: None,
        interactive: false,
    });
    Ok(issued.body)
}

pub fn saml_bearer(
    auth: &AuthServer,
    ctx: &TokenCtx,
    draft: &mut Draft,
) -> Result<Value, OAuthError> {
    let param = ctx.params.require("assertion")?;
    let doc = saml::decode_param(param).map_err(|e| invalid_assertion(e.to_string()))?;
    let issuer = saml::issuer_of(&doc)
        .ok_or_else(|| invalid_assertion(SamlError::Missing("Issuer").to_string()))?;
    let app = auth
        .with_config(|c| {
            c.apps
                .iter()
                .find(|a| {
                    a.saml_issuer.as_deref() == Some(issuer.as_str()) || a.consumer_key == issuer
                })
                .cloned()
        })
        .ok_or_else(|| {
            OAuthError::unknown_client(format!(
                "the assertion's Issuer '{issuer}' is not any app's consumer key or SAML issuer"
            ))
        })?;
    draft.client_id = Some(app.consumer_key.clone());
    require_flow(&app, Flow::SamlBearer)?;
    require_ip(&app, ctx)?;
    let assertion =
        saml::verify(&doc, &app_key(&app)?).map_err(|e| invalid_assertion(e.to_string()))?;
    draft.username = Some(assertion.subject.clone());
    let recipients: Vec<String> = auth
        .audiences(&ctx.base_url, &app)
        .iter()
        .map(|a| format!("{}/services/oauth2/token", a.trim_end_matches('/')))
        .collect();
    assertion
        .check(
            chrono::Utc::now(),
            &auth.audiences(&ctx.base_url, &app),
            &recipients,
        )
        .map_err(|e| match e {
            SamlError::Audience(_) => {
                OAuthError::invalid_grant("Audience validation failed", e.to_string())
            }
            other => invalid_assertion(other.to_string()),
        })?;
    // An assertion is accepted once, like a JWT with a `jti` (held until it expires).
    let now = chrono::Utc::now().timestamp();
    let expires = assertion
        .not_on_or_after
        .or(assertion.conditions_not_on_or_after)
        .map_or(now + 300, |t| t.timestamp());
    let replay_key = format!("saml:{}", assertion.id);
    if !auth
        .grants()
        .remember_jti(&assertion.issuer, &replay_key, expires, now)
    {
        return Err(invalid_assertion(format!(
            "the assertion ID '{}' was already used; sign a fresh assertion for every token request",
            assertion.id
        )));
    }
    let user = find_user(auth, &assertion.subject)?;
    require_active(&user)?;
    require_approval(auth, &app, &user)?;
    let issued = auth.issue(TokenRequest {
        base_url: &ctx.base_url,
        app: &app,
        user: &user,
        scopes: without_refresh(app.scopes.clone()),
        refresh: RefreshIssue::None,
        nonce: None,
        interactive: false,
    });
    Ok(issued.body)
}
