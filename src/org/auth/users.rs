//! The users who can log in to the mock org: who they are, their profile and permission sets,
//! their licence and whether they may log in at all (active, locked, frozen).
//!
//! Users come from a seed's or lab's `users:` section. Fields the data core keeps on the `User`
//! record (title, phone…) may sit beside these and are ignored here.

use serde::Deserialize;

/// Whether a user may log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    #[default]
    Active,
    /// `IsActive = false`.
    Inactive,
    /// Locked out after failed logins.
    Locked,
    /// Frozen by an admin: cannot log in, but still exists.
    Frozen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum License {
    #[default]
    Salesforce,
    /// The "Salesforce Integration" licence: API only, no UI login.
    SalesforceIntegration,
}

/// One user of the org.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct User {
    /// 18-character id; assigned (`005…`) when the seed gives none.
    #[serde(default)]
    pub id: String,
    pub username: String,
    /// The user's Alias field.
    #[serde(default)]
    pub alias: Option<String>,
    /// The seed's `ref:` name, which labs use to refer to the user (`run_as: integration`).
    #[serde(default, rename = "ref")]
    pub reference: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// Only for the username-password lesson; never shown or logged.
    #[serde(default)]
    pub password: Option<String>,
    /// The seed's `security_token:`: an API login (SOAP `login`, the OAuth username-password
    /// flow) then sends it appended to the password, as from outside a real org's trusted IP
    /// ranges. Without one, the password alone signs in. Never shown or logged.
    #[serde(default)]
    pub security_token: Option<String>,
    #[serde(default = "default_profile")]
    pub profile: String,
    #[serde(default)]
    pub permission_sets: Vec<String>,
    #[serde(default)]
    pub license: License,
    #[serde(default)]
    pub status: UserStatus,
}

fn default_profile() -> String {
    "Standard User".to_string()
}

impl User {
    pub fn display_name(&self) -> String {
        match (&self.first_name, &self.last_name) {
            (Some(f), Some(l)) => format!("{f} {l}"),
            (None, Some(l)) => l.clone(),
            (Some(f), None) => f.clone(),
            (None, None) => self.alias.clone().unwrap_or_else(|| self.username.clone()),
        }
    }

    pub fn email(&self) -> String {
        self.email.clone().unwrap_or_else(|| self.username.clone())
    }

    /// Does `reference` (a username, a `ref:` name, an alias, or the part of the username
    /// before `@`) name this user?
    pub fn answers_to(&self, reference: &str) -> bool {
        self.username.eq_ignore_ascii_case(reference)
            || self.reference.as_deref() == Some(reference)
            || self.alias.as_deref() == Some(reference)
            || self.username.split('@').next() == Some(reference)
    }

    /// How `given`, the password an API login sent, compares with this user's password and
    /// security token (compared in constant time).
    pub fn api_password(&self, given: &str) -> ApiPassword {
        let Some(password) = self.password.as_deref() else {
            return ApiPassword::Wrong;
        };
        let same = |expected: &[&str]| {
            let expected = expected.concat();
            expected.len() == given.len()
                && expected
                    .bytes()
                    .zip(given.bytes())
                    .fold(0u8, |acc, (x, y)| acc | (x ^ y))
                    == 0
        };
        match self.security_token.as_deref() {
            None if same(&[password]) => ApiPassword::Right,
            Some(token) if same(&[password, token]) => ApiPassword::Right,
            Some(_) if same(&[password]) => ApiPassword::TokenMissing,
            _ => ApiPassword::Wrong,
        }
    }

    /// Why this user may not log in now, as the reason shown to the learner.
    pub fn login_blocked(&self) -> Option<&'static str> {
        match self.status {
            UserStatus::Active => None,
            UserStatus::Inactive => Some("the user is inactive"),
            UserStatus::Locked => Some("the user is locked out"),
            UserStatus::Frozen => Some("the user is frozen"),
        }
    }
}

/// What the password of an API login was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiPassword {
    /// The password, followed by the security token when the user has one.
    Right,
    /// The right password, without the security token the user has.
    TokenMissing,
    Wrong,
}

/// The org's users, looked up by id, username or alias.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Directory {
    users: Vec<User>,
}

impl Directory {
    /// Builds the directory, assigning ids to users that have none.
    pub fn new(mut users: Vec<User>) -> Directory {
        for (i, u) in users.iter_mut().enumerate() {
            if u.id.is_empty() {
                u.id = id18(&format!("005{:012}", 100 + i));
            }
        }
        Directory { users }
    }

    pub fn all(&self) -> &[User] {
        &self.users
    }

    pub fn by_id(&self, id: &str) -> Option<&User> {
        let id15 = id.get(..15)?;
        self.users.iter().find(|u| u.id.get(..15) == Some(id15))
    }

    pub fn by_id_mut(&mut self, id: &str) -> Option<&mut User> {
        let id15 = id.get(..15)?;
        self.users.iter_mut().find(|u| u.id.get(..15) == Some(id15))
    }

    pub fn by_username(&self, username: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.username.eq_ignore_ascii_case(username))
    }

    /// A user named by username, `ref:` or alias (as `run_as:` and `login_hint` do).
    pub fn find(&self, reference: &str) -> Option<&User> {
        self.by_username(reference)
            .or_else(|| {
                self.users
                    .iter()
                    .find(|u| u.reference.as_deref() == Some(reference))
            })
            .or_else(|| self.users.iter().find(|u| u.answers_to(reference)))
    }
}

/// The 18-character, case-insensitive form of a 15-character Salesforce id.
pub fn id18(id15: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    let bytes = id15.as_bytes();
    let mut suffix = String::with_capacity(3);
    for chunk in bytes.chunks(5).take(3) {
        let mut bits = 0usize;
        for (i, b) in chunk.iter().enumerate() {
            if b.is_ascii_uppercase() {
                bits |= 1 << i;
            }
        }
        suffix.push(ALPHABET[bits] as char);
    }
    format!("{id15}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str) -> User {
        serde_yaml::from_str(&format!("username: {name}")).unwrap()
    }

    #[test]
    fn an_api_password_carries_the_security_token_when_the_user_has_one() {
        let plain: User = serde_yaml::from_str("{ username: a@x.dev, password: Pw-1 }").unwrap();
        assert_eq!(plain.api_password("Pw-1"), ApiPassword::Right);
        assert_eq!(plain.api_password("Pw-1XYZ"), ApiPassword::Wrong);
        let tokened: User =
            serde_yaml::from_str("{ username: a@x.dev, password: Pw-1, security_token: XyZ123 }")
                .unwrap();
        assert_eq!(tokened.api_password("Pw-1XyZ123"), ApiPassword::Right);
        assert_eq!(tokened.api_password("Pw-1"), ApiPassword::TokenMissing);
        assert_eq!(tokened.api_password("Pw-1xyz123"), ApiPassword::Wrong);
        assert_eq!(tokened.api_password("XyZ123"), ApiPassword::Wrong);
        assert_eq!(user("b@x.dev").api_password(""), ApiPassword::Wrong);
    }

    #[test]
    fn id18_matches_known_salesforce_ids() {
        assert_eq!(id18("001D000000IqhSL"), "001D000000IqhSLIAZ");
        assert_eq!(id18("00D000000000001"), "00D000000000001EAA");
    }

    #[test]
    fn users_without_ids_get_distinct_user_ids() {
        let d = Directory::new(vec![user("a@x.dev"), user("b@x.dev")]);
        let ids: Vec<&str> = d.all().iter().map(|u| u.id.as_str()).collect();
        assert!(ids.iter().all(|i| i.starts_with("005") && i.len() == 18));
        assert_ne!(ids[0], ids[1]);
        assert_eq!(d.by_id(ids[1]).unwrap().username, "b@x.dev");
        assert_eq!(d.by_id(&ids[1][..15]).unwrap().username, "b@x.dev");
    }

    #[test]
    fn users_are_found_by_alias_or_local_part() {
        let mut u = user("integration@sflab.dev");
        u.alias = Some("integ".into());
        let d = Directory::new(vec![u]);
        assert!(d.find("integ").is_some());
        assert!(d.find("integration").is_some());
        assert!(d.find("INTEGRATION@sflab.dev").is_some());
        assert!(d.find("nobody").is_none());
    }

    #[test]
    fn only_active_users_may_log_in() {
        let mut u = user("a@x.dev");
        assert_eq!(u.login_blocked(), None);
        u.status = UserStatus::Frozen;
        assert_eq!(u.login_blocked(), Some("the user is frozen"));
    }
}
