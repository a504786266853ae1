//! Sign-in attempts, as Login History shows them: one [`SignIn`] per attempt by a known user
//! to get a session (an OAuth token grant, the login page, a SOAP `login`), successful or not.
//!
//! [`super::AuthServer`] hands each attempt to the sink the org installed
//! ([`super::AuthServer::on_sign_in`]), which writes it as a LoginHistory record. Attempts that
//! name no user of the org (a wrong consumer key, an unknown username) are not sign-ins of
//! anyone and leave no row, as on a real org.
//!
//! Implementation notes: the Status texts "Success", "Invalid Password", "Password Lockout",
//! "User is Inactive", "User Is Frozen" and "Failed: Not approved for access" are ones real
//! orgs show; Salesforce publishes no full list. For other refusals the mock writes
//! "Failed: " and the auth log's reason for the learner (real orgs use their own short texts
//! there, not known here [U]). LoginType "Remote Access 2.0" is what real orgs record for
//! OAuth; "Other Apex API" for a SOAP `login` without a client name is believed right [U].

use super::decision::{AuthDecision, Outcome};
use super::users::{User, UserStatus};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// Login History's Status for a successful sign-in.
pub const SUCCESS: &str = "Success";
/// Login History's Status for a wrong password.
pub const INVALID_PASSWORD: &str = "Invalid Password";
/// Login History's Status for an API login that sent the right password without the user's
/// security token.
pub const TOKEN_MISSING: &str = "Failed: API security token required";
/// The auth log's reason for an API login's wrong username or password.
pub const WRONG_PASSWORD_REASON: &str = "the username, password or security token is wrong (a user seeded with a security_token sends it appended to the password; one without, the password alone)";
/// The auth log's reason for an API login's right password sent without the security token.
pub const TOKEN_MISSING_REASON: &str = "the password is right but the user's security token is missing: send it appended to the password";
/// Login History's Status for a user the app is not approved (or pre-authorized) for.
pub const NOT_APPROVED: &str = "Failed: Not approved for access";
/// The longest Status the LoginHistory field holds.
pub const STATUS_LENGTH: usize = 128;

/// One sign-in attempt by a user of the org.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    pub user_id: String,
    pub at: DateTime<Utc>,
    /// `Remote Access 2.0` (OAuth) or `Other Apex API` (SOAP `login`).
    pub login_type: &'static str,
    /// `Success`, or why the attempt failed.
    pub status: String,
    /// The connected app's name (OAuth), or `N/A`.
    pub application: String,
    /// Where the request came from, when known.
    pub source_ip: Option<String>,
    /// The caller's `User-Agent`, when it sent one.
    pub browser: Option<String>,
    /// The host the client signed in at.
    pub login_url: Option<String>,
    /// `SOAP Partner` for a SOAP `login`.
    pub api_type: Option<&'static str>,
    /// The API version of a SOAP `login`.
    pub api_version: Option<String>,
}

/// Where sign-ins go (the org writes them as LoginHistory records).
pub type SignInSink = Arc<dyn Fn(&SignIn) + Send + Sync>;

/// Where a request came from, as the token endpoint or login page saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub source_ip: Option<String>,
    pub browser: Option<String>,
    pub login_url: Option<String>,
}

/// The host part of the org's URL, as Login History's Login URL shows it.
pub fn login_host(base_url: &str) -> String {
    let host = base_url.split_once("://").map_or(base_url, |(_, h)| h);
    host.trim_end_matches('/').to_string()
}

/// Is a logged decision of this grant someone's attempt to sign in? Code issuing at
/// `authorize` is not (the token exchange that follows is), but a failed login there is.
fn is_sign_in(grant: &str, outcome: Outcome) -> bool {
    match grant {
        "authorization_code" | "refresh_token" | "client_credentials" | "password" | "device"
        | "jwt_bearer" | "saml_bearer" | "user_agent" => {
            matches!(outcome, Outcome::Issued | Outcome::Refused)
        }
        // A failed login on the login page, or on the device flow's verification page.
        "authorize" | "device_login" => outcome == Outcome::Refused,
        _ => false,
    }
}

/// The Status a refused attempt by `user` shows, from the auth log's reason.
pub fn failure_status(user: &User, reason: &str) -> String {
    if let Some(blocked) = user.login_blocked() {
        if reason.contains(blocked) {
            return match user.status {
                UserStatus::Inactive => "User is Inactive",
                UserStatus::Locked => "Password Lockout",
                UserStatus::Frozen => "User Is Frozen",
                UserStatus::Active => unreachable!("an active user is not blocked"),
            }
            .to_string();
        }
    }
    let login_form = ["login page:", "verification page:"]
        .iter()
        .any(|page| reason.starts_with(page));
    if reason.starts_with(TOKEN_MISSING_REASON) {
        return TOKEN_MISSING.to_string();
    }
    if reason.starts_with(WRONG_PASSWORD_REASON) || login_form {
        return INVALID_PASSWORD.to_string();
    }
    let mut status = format!("Failed: {reason}");
    if status.len() > STATUS_LENGTH {
        let mut end = STATUS_LENGTH - 1;
        while !status.is_char_boundary(end) {
            end -= 1;
        }
        status.truncate(end);
        status.push('…');
    }
    status
}

/// The sign-in a logged decision stands for, if it is one and names a user of the org.
/// `user` is the decision's username looked up; `app_name` the name of the app it names;
/// `known_status` the Status the refusing check named, if it named one.
pub fn from_decision(
    d: &AuthDecision,
    user: Option<&User>,
    app_name: Option<&str>,
    origin: &Origin,
    known_status: Option<&str>,
) -> Option<SignIn> {
    if !is_sign_in(&d.grant, d.outcome) {
        return None;
    }
    let user = user?;
    let status = match (d.outcome, known_status) {
        (Outcome::Issued, _) => SUCCESS.to_string(),
        (_, Some(known)) => known.to_string(),
        _ => failure_status(user, &d.reason),
    };
    Some(SignIn {
        user_id: user.id.clone(),
        at: d.at,
        login_type: "Remote Access 2.0",
        status,
        application: app_name.unwrap_or("N/A").to_string(),
        source_ip: origin.source_ip.clone(),
        browser: origin.browser.clone(),
        login_url: origin.login_url.clone(),
        api_type: None,
        api_version: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::auth::decision::Draft;

    fn user(status: UserStatus) -> User {
        User {
            id: "005000000000100AAA".into(),
            username: "int@x.dev".into(),
            alias: None,
            reference: None,
            first_name: None,
            last_name: None,
            email: None,
            password: None,
            security_token: None,
            profile: "Standard User".into(),
            permission_sets: vec![],
            license: Default::default(),
            status,
        }
    }

    fn decision(grant: &str, outcome: Outcome, reason: &str) -> AuthDecision {
        let mut d = Draft::new(grant);
        d.username = Some("int@x.dev".into());
        d.finish(Utc::now(), outcome, None, reason.into())
    }

    #[test]
    fn a_refused_password_grant_is_an_invalid_password_sign_in() {
        let u = user(UserStatus::Active);
        let d = decision("password", Outcome::Refused, WRONG_PASSWORD_REASON);
        let s = from_decision(&d, Some(&u), Some("Sync"), &Origin::default(), None).unwrap();
        assert_eq!(s.status, INVALID_PASSWORD);
        let d = decision("password", Outcome::Refused, TOKEN_MISSING_REASON);
        let s = from_decision(&d, Some(&u), Some("Sync"), &Origin::default(), None).unwrap();
        assert_eq!(s.status, TOKEN_MISSING);
        assert_eq!(s.application, "Sync");
        assert_eq!(s.login_type, "Remote Access 2.0");
    }

    #[test]
    fn blocked_users_get_the_status_real_orgs_show() {
        for (status, shown) in [
            (UserStatus::Inactive, "User is Inactive"),
            (UserStatus::Locked, "Password Lockout"),
            (UserStatus::Frozen, "User Is Frozen"),
        ] {
            let u = user(status);
            let reason = format!("int@x.dev ({})", u.login_blocked().unwrap());
            assert_eq!(failure_status(&u, &reason), shown);
        }
    }

    #[test]
    fn other_refusals_name_the_reason_within_the_field_length() {
        let u = user(UserStatus::Active);
        let long = "audience is invalid: ".repeat(20);
        let s = failure_status(&u, &long);
        assert!(s.starts_with("Failed: audience is invalid"));
        assert!(s.chars().count() <= STATUS_LENGTH);
    }

    #[test]
    fn code_issuing_revokes_and_unknown_users_are_not_sign_ins() {
        let u = user(UserStatus::Active);
        let o = Origin::default();
        let code = decision("authorize", Outcome::Issued, "code issued");
        assert!(from_decision(&code, Some(&u), None, &o, None).is_none());
        let revoke = decision("revoke", Outcome::Revoked, "revoked");
        assert!(from_decision(&revoke, Some(&u), None, &o, None).is_none());
        let jwt = decision("jwt_bearer", Outcome::Issued, "tokens issued");
        assert!(from_decision(&jwt, None, None, &o, None).is_none());
        assert_eq!(
            from_decision(&jwt, Some(&u), None, &o, None)
                .unwrap()
                .status,
            SUCCESS
        );
    }
}
