//! The device flow in Salesforce's form: `response_type=device_code` starts it at the token
//! endpoint, `grant_type=device&code=…` polls (RFC 8628's `device_code` names are accepted
//! too), and the user approves on `/setup/connect` or a lab calls [`AuthServer::approve_device`].
//!
//! Polling faster than `interval` answers `slow_down` and adds 5 s to the interval (RFC 8628
//! §3.5); wrong user codes are rate-limited to 5 a minute (§5.1). A seed can make the server
//! "busy" (`auth: { device_busy_polls: n }`): the first n well-paced polls of a login are
//! answered `slow_down` too, as the RFC lets a server do at any time. Whether real orgs send
//! `slow_down` is not verified; the RFC's behaviour is followed. The interval a login starts
//! with is 5 s unless the seed says otherwise (`auth: { device_interval: 7s }`).

use super::client_auth::{authenticate, presented, SecretRule};
use super::config::Flow;
use super::decision::{Draft, Outcome};
use super::error::OAuthError;
use super::grants::{digest, normalise_user_code, DeviceGrant, DeviceStatus};
use super::server::{random_token, AuthServer, RefreshIssue, TokenRequest};
use super::token::{granted_scopes, require_active, require_flow, TokenCtx};
use serde_json::{json, Value};

/// The interval a device login starts with unless the seed names another.
pub const INTERVAL_SECS: i64 = 5;
pub const LIFETIME_SECS: i64 = 600;
const MAX_FAILURES_PER_MINUTE: usize = 5;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceApprovalError {
    #[error("no pending device login has the code '{0}'; check the code shown by the device")]
    UnknownCode(String),
    #[error("the device login with this code expired; start it again on the device")]
    Expired,
    #[error("no user has the username '{0}'")]
    UnknownUser(String),
    #[error("{0} may not log in: {1}")]
    Blocked(String, &'static str),
    #[error("too many wrong codes; wait a minute and try again")]
    TooManyAttempts,
}

pub fn start(auth: &AuthServer, ctx: &TokenCtx, draft: &mut Draft) -> Result<Value, OAuthError> {
    let p = presented(&ctx.headers, &ctx.params)?;
    draft.client_id = p.client_id.clone();
    let app = auth.with_config(|c| authenticate(c, &p, SecretRule::IfPresent))?;
    require_flow(&app, Flow::Device)?;
    let scopes = granted_scopes(&app, ctx.params.get("scope"))?;
    let device_code = random_token(64);
    let user_code = {
        use rand::Rng;
        const LETTERS: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ23456789";
        let mut rng = rand::rngs::OsRng;
        (0..8)
            .map(|_| LETTERS[rng.gen_range(0..LETTERS.len())] as char)
            .collect::<String>()
    };
    let now = auth.clock().now();
    let (busy_polls, interval_secs) = auth.with_config(|c| {
        let interval = c.settings.device_interval.0.as_secs().max(1);
        (
            c.settings.device_busy_polls,
            i64::try_from(interval).unwrap_or(INTERVAL_SECS),
        )
    });
    auth.grants().devices.push(DeviceGrant {
        code: digest(&device_code),
        user_code: user_code.clone(),
        client_id: app.consumer_key.clone(),
        scopes,
        expires: now + chrono::Duration::seconds(LIFETIME_SECS),
        interval_secs,
        last_poll: None,
        busy_polls,
        status: DeviceStatus::Pending,
    });
    Ok(json!({
        "device_code": device_code,
        "user_code": user_code,
        "verification_uri": format!("{}/setup/connect", ctx.base_url),
        "interval": interval_secs,
        "expires_in": LIFETIME_SECS,
    }))
}

pub fn poll(auth: &AuthServer, ctx: &TokenCtx, draft: &mut Draft) -> Result<Value, OAuthError> {
    draft.grant = "device".into();
    let p = presented(&ctx.headers, &ctx.params)?;
    draft.client_id = p.client_id.clone();
    let app = auth.with_config(|c| authenticate(c, &p, SecretRule::IfPresent))?;
    require_flow(&app, Flow::Device)?;
    let code = match ctx.params.get("code").or(ctx.params.get("device_code")) {
        Some(c) if !c.is_empty() => c.to_string(),
        _ => {
            return Err(OAuthError::invalid_request(
                "missing required parameter: code",
                "send the device_code as 'code'",
            ))
        }
    };
    let now = auth.clock().now();
    let mut grants = auth.grants();
    let Some(g) = grants.device_by_code(&code) else {
        return Err(OAuthError::invalid_grant(
            "invalid device code",
            "this device code was never issued by this org",
        ));
    };
    if g.client_id != app.consumer_key {
        return Err(OAuthError::invalid_grant(
            "invalid device code",
            format!(
                "this device code belongs to another app, not to '{}'",
                app.name
            ),
        ));
    }
    if g.status == DeviceStatus::Used {
        return Err(OAuthError::invalid_grant(
            "invalid device code",
            "this device code already gave its tokens; start a new device login",
        ));
    }
    if g.expires <= now {
        return Err(OAuthError::new(
            "expired_token",
            "expired device code",
            "the user did not approve in time; start again",
        ));
    }
    if g.status == DeviceStatus::Denied {
        return Err(OAuthError::new(
            "access_denied",
            "end-user denied authorization",
            "the user denied the device login",
        ));
    }
    if let Some(last) = g.last_poll {
        if now - last < chrono::Duration::seconds(g.interval_secs) {
            g.interval_secs += 5;
            g.last_poll = Some(now);
            return Err(OAuthError::new(
                "slow_down",
                "polling too frequently",
                format!(
                    "polled {} ms after the previous poll; wait at least the interval, now {} s",
                    (now - last).num_milliseconds(),
                    g.interval_secs
                ),
            ));
        }
    }
    g.last_poll = Some(now);
    if g.busy_polls > 0 {
        g.busy_polls -= 1;
        g.interval_secs += 5;
        return Err(OAuthError::new(
            "slow_down",
            "server busy, poll less often",
            format!(
                "the server is busy: add 5 s to the interval, now {} s, before the next poll",
                g.interval_secs
            ),
        ));
    }
    let DeviceStatus::Approved { user_id } = g.status.clone() else {
        return Err(OAuthError::new(
            "authorization_pending",
            "authorization pending",
            "the user has not approved the device yet; keep polling at the interval",
        ));
    };
    g.status = DeviceStatus::Used;
    let scopes = g.scopes.clone();
    drop(grants);
    let user = auth
        .with_config(|c| c.users.by_id(&user_id).cloned())
        .ok_or_else(|| {
            OAuthError::invalid_grant(
                "authentication failure",
                "the approving user no longer exists",
            )
        })?;
    draft.username = Some(user.username.clone());
    require_active(&user)?;
    let with_refresh = scopes.iter().any(|s| s == "refresh_token");
    let issued = auth.issue(TokenRequest {
        base_url: &ctx.base_url,
        app: &app,
        user: &user,
        scopes,
        refresh: if with_refresh {
            RefreshIssue::NewFamily
        } else {
            RefreshIssue::None
        },
        nonce: None,
        interactive: true,
    });
    Ok(issued.body)
}

impl AuthServer {
    /// Approves (or, with `allow = false`, denies) a pending device login as `username`, as
    /// the verification page does after the user logs in.
    pub fn decide_device(
        &self,
        user_code: &str,
        username: &str,
        allow: bool,
    ) -> Result<(), DeviceApprovalError> {
        let now = self.clock().now();
        let user = self.with_config(|c| c.users.find(username).cloned());
        let mut grants = self.grants();
        grants
            .user_code_failures
            .retain(|t| now - *t < chrono::Duration::seconds(60));
        if grants.user_code_failures.len() >= MAX_FAILURES_PER_MINUTE {
            return Err(DeviceApprovalError::TooManyAttempts);
        }
        let pending = grants
            .device_by_user_code(user_code)
            .filter(|g| g.status == DeviceStatus::Pending)
            .map(|g| g.expires);
        let Some(expires) = pending else {
            grants.user_code_failures.push(now);
            return Err(DeviceApprovalError::UnknownCode(normalise_user_code(
                user_code,
            )));
        };
        if expires <= now {
            return Err(DeviceApprovalError::Expired);
        }
        let user = user.ok_or_else(|| DeviceApprovalError::UnknownUser(username.to_string()))?;
        if let Some(why) = user.login_blocked() {
            return Err(DeviceApprovalError::Blocked(user.username.clone(), why));
        }
        let g = grants
            .device_by_user_code(user_code)
            .ok_or(DeviceApprovalError::Expired)?;
        g.status = if allow {
            DeviceStatus::Approved {
                user_id: user.id.clone(),
            }
        } else {
            DeviceStatus::Denied
        };
        let client = g.client_id.clone();
        if allow {
            grants.consents.insert((user.id.clone(), client.clone()));
        }
        drop(grants);
        let mut d = Draft::new("device_approval");
        d.client_id = Some(client);
        d.username = Some(user.username.clone());
        let (outcome, what) = if allow {
            (Outcome::Issued, "approved")
        } else {
            (Outcome::Refused, "denied")
        };
        self.record(
            d,
            outcome,
            (!allow).then_some("access_denied"),
            format!("{} {what} the device login", user.username),
        );
        Ok(())
    }

    /// The user codes of device logins still waiting for a person, started at least
    /// `min_age` ago on the org clock (a lab approves them after a pause, like a person would).
    pub fn pending_device_codes(&self, min_age: chrono::Duration) -> Vec<String> {
        let now = self.clock().now();
        let lifetime = chrono::Duration::seconds(LIFETIME_SECS);
        self.grants()
            .devices
            .iter()
            .filter(|g| g.status == DeviceStatus::Pending && g.expires > now)
            .filter(|g| now - (g.expires - lifetime) >= min_age)
            .map(|g| g.user_code.clone())
            .collect()
    }

    /// Approves a pending device login as `username` (a lab action).
    pub fn approve_device(
        &self,
        user_code: &str,
        username: &str,
    ) -> Result<(), DeviceApprovalError> {
        self.decide_device(user_code, username, true)
    }
}
