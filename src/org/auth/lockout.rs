//! Password lockout: a user who sends a wrong password too many times in a row is locked out,
//! as an org's password policy "Maximum invalid login attempts" does (default 10).
//!
//! [`FailedLogins`] is the pure count; [`super::AuthServer::count_password`] applies it to the
//! directory (the user's status becomes [`super::UserStatus::Locked`]), so the password flow,
//! the login page and the device flow's verification page refuse the user from then on with
//! the errors a locked user gets.
//!
//! Implementation notes: the count is per user and consecutive; a right password clears it.
//! The attempt that reaches the limit is itself refused as a wrong password, and Login History
//! shows it as "Password Lockout". A lockout lasts until the org is reseeded: the mock has no
//! lockout period and no unlock button (real orgs default to 15 minutes, or until an admin
//! unlocks). The SOAP `login` and the verification page's login count towards it too.

use std::collections::HashMap;

/// The default "Maximum invalid login attempts" of an org's password policy.
pub const MAX_INVALID_LOGIN_ATTEMPTS: u32 = 10;

/// Why the attempt that reached the limit was refused, for the auth log. It names the
/// user's blocked state ([`super::User::login_blocked`]), so Login History shows the attempt as
/// "Password Lockout".
pub fn lockout_reason() -> String {
    format!(
        "and that was the {MAX_INVALID_LOGIN_ATTEMPTS}th wrong password in a row, so the user \
         is locked out: every later sign-in is refused until the org is reseeded"
    )
}

/// What one password check did to the user's count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordCount {
    /// The password was right: the count starts again.
    Cleared,
    /// A wrong password, the `n`th in a row, below the limit.
    Wrong(u32),
    /// A wrong password that reached the limit: lock the user out.
    LockedOut,
}

/// Consecutive wrong passwords per user id.
#[derive(Debug, Default)]
pub struct FailedLogins {
    by_user: HashMap<String, u32>,
}

impl FailedLogins {
    /// Counts one password check of `user_id`.
    pub fn record(&mut self, user_id: &str, correct: bool) -> PasswordCount {
        if correct {
            self.by_user.remove(user_id);
            return PasswordCount::Cleared;
        }
        let n = self.by_user.entry(user_id.to_string()).or_default();
        *n += 1;
        if *n >= MAX_INVALID_LOGIN_ATTEMPTS {
            self.by_user.remove(user_id);
            PasswordCount::LockedOut
        } else {
            PasswordCount::Wrong(*n)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tenth_wrong_password_in_a_row_locks_out() {
        let mut f = FailedLogins::default();
        for n in 1..MAX_INVALID_LOGIN_ATTEMPTS {
            assert_eq!(f.record("005A", false), PasswordCount::Wrong(n));
        }
        assert_eq!(f.record("005A", false), PasswordCount::LockedOut);
    }

    #[test]
    fn a_right_password_starts_the_count_again_and_users_count_apart() {
        let mut f = FailedLogins::default();
        for _ in 1..MAX_INVALID_LOGIN_ATTEMPTS {
            f.record("005A", false);
        }
        assert_eq!(f.record("005B", false), PasswordCount::Wrong(1));
        assert_eq!(f.record("005A", true), PasswordCount::Cleared);
        assert_eq!(f.record("005A", false), PasswordCount::Wrong(1));
    }
}
