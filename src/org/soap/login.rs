//! The partner API's `login` call (username and password — taught to show why integrations
//! should not use it) and the `userInfo` block it shares with `getUserInfo`.
//!
//! A successful login opens a two-hour session in the org's session table, with a token in the
//! `00D…!…` shape; the same token works as a REST bearer token, as a real session id does.
//! Locked, frozen and inactive users get the same INVALID_LOGIN fault as a wrong password (a
//! real org does not say which it was); Login History records the attempt with the reason
//! (Invalid Password, User is Inactive…). `userInfo` reports the user's own ProfileId.
//! A user seeded with a `security_token:` sends it appended to the password (simple-salesforce's
//! `security_token`, jsforce's `password + token`); the right password without it is the
//! LOGIN_MUST_USE_SECURITY_TOKEN fault. A user without one signs in with the password alone.
//! [U] The Login History status for a missing token ("Failed: API security token required")
//! is remembered from real orgs, not captured.
//!
//! Implementation notes: SOAP `login()` is being retired in API 65.0 and later (clients already
//! warn about it). The exact fault a real org returns for a login at those versions is not
//! verified [U]; the mock answers UNSUPPORTED_API_VERSION with a message naming OAuth instead.

use super::envelope::SoapFault;
use super::xml::{escape, text_element, Element};
use crate::org::auth::sign_in::{self, SignIn};
use crate::org::auth::users::ApiPassword;
use crate::org::auth::User;
use crate::org::{Org, Session};
use chrono::Duration;

/// How long a SOAP session lasts (the org default session timeout).
pub const SESSION_SECONDS: i64 = 7200;
/// The first API version where `login()` is retired.
pub const LOGIN_RETIRED_FROM: u32 = 65;

/// The `userInfo` children, in the WSDL's order (some clients read them by position).
pub fn user_info(org: &Org, user: &User, session_seconds: i64) -> String {
    let org_name = org
        .seed
        .org
        .name
        .clone()
        .unwrap_or_else(|| "sflab Mock Org".to_string());
    let t = text_element;
    [
        t("accessibilityMode", "false"),
        t("chatterExternal", "false"),
        t("currencySymbol", "$"),
        t("orgAttachmentFileSizeLimit", "5242880"),
        t("orgDefaultCurrencyIsoCode", "USD"),
        t("orgDefaultCurrencyLocale", "en_US"),
        t("orgDisallowHtmlAttachments", "false"),
        t("orgHasPersonAccounts", "false"),
        t("organizationId", org.id.as_str()),
        t("organizationMultiCurrency", "false"),
        t("organizationName", &org_name),
        match profile_id(org, &user.id) {
            Some(id) => t("profileId", &id),
            None => r#"<profileId xsi:nil="true"/>"#.to_string(),
        },
        r#"<roleId xsi:nil="true"/>"#.to_string(),
        t("sessionSecondsValid", &session_seconds.to_string()),
        t("userDefaultCurrencyIsoCode", "USD"),
        t("userEmail", &user.email()),
        t("userFullName", &user.display_name()),
        t("userId", &user.id),
        t("userLanguage", "en_US"),
        t("userLocale", "en_US"),
        t("userName", &user.username),
        t("userTimeZone", "America/Los_Angeles"),
        t("userType", "Standard"),
        t("userUiSkin", "Theme3"),
    ]
    .concat()
}

/// The user's ProfileId, as their User record holds it.
fn profile_id(org: &Org, user_id: &str) -> Option<String> {
    let store = org.store.read();
    let user = store
        .retrieve("User", user_id, Some(&["ProfileId"]), "62.0")
        .ok()?;
    user.get("ProfileId")?.as_str().map(str::to_string)
}

/// The fault for the right password sent without the user's security token, as real orgs
/// answer a login from outside the trusted IP ranges.
fn token_missing() -> SoapFault {
    SoapFault::new(
        "LOGIN_MUST_USE_SECURITY_TOKEN",
        "Invalid username, password, security token; or user locked out. Are you at a new location? When accessing Salesforce--either via a desktop client or the API--from outside of your company's trusted networks, you must add a security token to your password to log in.",
    )
}

/// Checks the credentials and the user's state; the user on success. The password is the
/// user's, followed by their security token when the seed gives them one.
/// A password check counts towards the user's lockout, as at the token endpoint (see
/// `crate::org::auth::lockout`): the flag says this attempt locked the user out.
pub fn authenticate(org: &Org, username: &str, password: &str) -> (Result<User, SoapFault>, bool) {
    let user = org.auth.config().users.by_username(username).cloned();
    let check = user
        .as_ref()
        .map_or(ApiPassword::Wrong, |u| u.api_password(password));
    let ok = check == ApiPassword::Right;
    let locked_now = user
        .as_ref()
        .filter(|u| u.password.is_some())
        .is_some_and(|u| org.auth.count_password(&u.id, ok));
    let result = match user {
        Some(u) if ok && u.login_blocked().is_none() => Ok(u),
        Some(u) if check == ApiPassword::TokenMissing && u.login_blocked().is_none() => {
            Err(token_missing())
        }
        _ => Err(SoapFault::invalid_login()),
    };
    (result, locked_now)
}

/// Reports a `login` by a user of the org to Login History: Success, or why it failed
/// (the fault itself stays the same INVALID_LOGIN whatever the reason).
fn record_sign_in(
    org: &Org,
    username: &str,
    password: &str,
    attempt: &Result<User, SoapFault>,
    locked_now: bool,
    version: u32,
    base_url: &str,
) {
    let Some(user) = org.auth.config().users.by_username(username).cloned() else {
        return;
    };
    let check = user.api_password(password);
    let password_ok = check == ApiPassword::Right;
    let status = match (attempt, password_ok, user.login_blocked()) {
        (Ok(_), ..) => sign_in::SUCCESS.to_string(),
        (Err(_), false, None) if check == ApiPassword::TokenMissing => {
            sign_in::TOKEN_MISSING.to_string()
        }
        // The right password of a blocked user, or the wrong one that has just locked it.
        (Err(_), true, Some(blocked)) => sign_in::failure_status(&user, blocked),
        (Err(_), false, Some(blocked)) if locked_now => sign_in::failure_status(&user, blocked),
        (Err(_), ..) => sign_in::INVALID_PASSWORD.to_string(),
    };
    org.auth.signed_in(&SignIn {
        user_id: user.id.clone(),
        at: org.clock.now(),
        login_type: "Other Apex API",
        status,
        application: "N/A".to_string(),
        source_ip: None,
        browser: None,
        login_url: Some(sign_in::login_host(base_url)),
        api_type: Some("SOAP Partner"),
        api_version: Some(format!("{version}.0")),
    });
}

/// The `login` call; `base_url` is where the client reached the org.
pub fn login(org: &Org, call: &Element, version: u32, base_url: &str) -> Result<String, SoapFault> {
    if version >= LOGIN_RETIRED_FROM {
        return Err(SoapFault::new(
            "UNSUPPORTED_API_VERSION",
            format!(
                "login() is not available in API version {version}.0 and later. Use an OAuth 2.0 flow (client credentials or JWT bearer) and send the access token in the SessionHeader."
            ),
        ));
    }
    let username = call.child_text("username").unwrap_or("");
    let password = call.child_text("password").unwrap_or("");
    let (attempt, locked_now) = authenticate(org, username, password);
    record_sign_in(
        org, username, password, &attempt, locked_now, version, base_url,
    );
    let user = attempt?;
    let now = org.clock.now();
    let token = format!(
        "{}!{}",
        org.id.short(),
        crate::org::auth::config::random_hex(48)
    );
    org.sessions.insert(
        &token,
        Session {
            user_id: user.id.clone(),
            org_id: org.id.to_string(),
            username: user.username.clone(),
            client_id: None,
            scopes: vec!["api".into(), "web".into()],
            issued_at: now,
            expires_at: Some(now + Duration::seconds(SESSION_SECONDS)),
            family: None,
            // A username and password sent by a program: no person signed in.
            interactive: false,
        },
    );
    let org15 = org.id.short();
    let server_url = format!("{base_url}/services/Soap/u/{version}.0/{org15}");
    let metadata_url = format!("{base_url}/services/Soap/m/{version}.0/{org15}");
    let sandbox = org.seed.org.sandbox();
    Ok(format!(
        "<loginResponse><result>{}{}{}{}{}{}<userInfo>{}</userInfo></result></loginResponse>",
        text_element("metadataServerUrl", &metadata_url),
        text_element("passwordExpired", "false"),
        text_element("sandbox", &sandbox.to_string()),
        text_element("serverUrl", &server_url),
        format_args!("<sessionId>{}</sessionId>", escape(&token)),
        text_element("userId", &user.id),
        user_info(org, &user, SESSION_SECONDS),
    ))
}

#[cfg(test)]
mod tests {
    use crate::org::rest::router;
    use crate::org::soap::tests::{envelope, post};
    use crate::org::Org;

    fn child(text: &str, name: &str) -> Option<String> {
        let open = format!("<{name}>");
        let start = text.find(&open)? + open.len();
        let end = start + text[start..].find(&format!("</{name}>"))?;
        Some(text[start..end].to_string())
    }

    #[tokio::test]
    async fn get_user_info_reports_the_profile_id_on_the_users_record() {
        let org = Org::default_org();
        let app = router(org.clone());
        let integration = org.user("integration").unwrap().clone();
        let t = org.mint_static_token(&integration, &["api"]);
        let r = post(
            &app,
            "/services/Soap/u/59.0",
            envelope(Some(&t), "", "<getUserInfo/>"),
        )
        .await;
        let reported = child(&r.text, "profileId").expect("a profileId");
        let store = org.store.read();
        let user = store
            .retrieve(
                "User",
                integration.id.as_str(),
                Some(&["ProfileId"]),
                "62.0",
            )
            .unwrap();
        assert_eq!(user["ProfileId"], reported.as_str());
        let profile = store
            .retrieve("Profile", &reported, Some(&["Name"]), "62.0")
            .unwrap();
        assert_eq!(profile["Name"], "Integration User");
    }
}
