//! Static access tokens: sessions that never expire, for `sflab org serve` and for labs that
//! are not about authentication.
//!
//! Tokens look like real ones, `<15-char org id>!<opaque>`, because the sf CLI only accepts
//! access tokens matching `(00D\w{12,15})![.\w]*`.

use crate::org::Org;
use rand::Rng;

/// A token and who it logs in as.
#[derive(Clone, PartialEq, Eq)]
pub struct StaticLogin {
    pub token: String,
    pub username: String,
    pub user_id: String,
    pub org_id: String,
}

impl std::fmt::Debug for StaticLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticLogin")
            .field("token", &"<redacted>")
            .field("username", &self.username)
            .field("user_id", &self.user_id)
            .finish()
    }
}

/// A fresh opaque token for the org with 18-char id `org_id`.
pub fn new_token(org_id: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";
    let mut rng = rand::thread_rng();
    let opaque: String = (0..96)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    let prefix: String = org_id.chars().take(15).collect();
    format!("{prefix}!AQ{opaque}")
}

/// Issues a never-expiring token for `username` (a seeded user's username or `ref:` name),
/// or for the org's first user when `None`. `None` if there is no such user.
pub fn issue_static_token(org: &Org, username: Option<&str>) -> Option<StaticLogin> {
    let user = match username {
        Some(name) => org.user(name)?,
        None => org.users.first()?,
    };
    let org_id = org.id.as_str().to_string();
    let token = org.mint_static_token(user, &["api", "web", "full"]);
    Some(StaticLogin {
        token,
        username: user.username.clone(),
        user_id: user.id.as_str().to_string(),
        org_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_the_sf_cli_pattern() {
        let t = new_token("00D5g000004ABCDEAW");
        let (org, rest) = t.split_once('!').unwrap();
        assert_eq!(org, "00D5g000004ABCD");
        assert!(rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_'));
        assert_ne!(t, new_token("00D5g000004ABCDEAW"));
    }

    #[test]
    fn a_static_token_validates_and_never_expires() {
        let org = Org::default_org();
        let login = issue_static_token(&org, None).unwrap();
        org.clock
            .advance(std::time::Duration::from_secs(365 * 86_400));
        let s = org
            .sessions
            .validate(&login.token, org.clock.now())
            .unwrap();
        assert_eq!(s.username, login.username);
        assert!(login.token.starts_with("00D"));
    }
}
