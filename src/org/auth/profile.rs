//! A user's names, time zone, locale and language as the identity URL shows them, read from
//! the org's User record (the same record `/services/oauth2/userinfo` and SOQL read), and the
//! zone's offset from UTC at a given moment.

use chrono::{DateTime, Offset, TimeZone, Utc};
use std::sync::Arc;

/// What the identity URL says about where and how a user works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// `TimeZoneSidKey`, e.g. `America/Los_Angeles`.
    pub time_zone: String,
    /// `LocaleSidKey`, e.g. `en_US`.
    pub locale: String,
    /// `LanguageLocaleKey`, e.g. `en_US`.
    pub language: String,
    /// The User record's names, when the record was found.
    pub names: Option<UserNames>,
    /// The User record's `LastModifiedDate` as the REST API writes it, when the record was
    /// found.
    pub last_modified: Option<String>,
}

/// The names on a User record, as the identity URL shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserNames {
    /// `FirstName` (null when the record has none).
    pub first_name: Option<String>,
    /// `LastName`.
    pub last_name: String,
    /// `Name`: the full name, the identity URL's `display_name`.
    pub name: String,
    /// `Alias`: the identity URL's `nick_name`.
    pub alias: Option<String>,
    /// `Email`.
    pub email: Option<String>,
}

impl Default for Profile {
    /// A new user's defaults in the mock org (the User object's field defaults).
    fn default() -> Profile {
        Profile {
            time_zone: "America/Los_Angeles".into(),
            locale: "en_US".into(),
            language: "en_US".into(),
            names: None,
            last_modified: None,
        }
    }
}

/// A user id → [`Profile`] lookup.
pub type ProfileLookup = dyn Fn(&str) -> Option<Profile> + Send + Sync;

/// Looks a user's [`Profile`] up by user id; installed by the org on the auth routes so the
/// identity URL reads the User record without the auth server holding the store.
#[derive(Clone)]
pub struct UserProfiles(pub Arc<ProfileLookup>);

/// Milliseconds `zone` is ahead of UTC at `at` (negative west of Greenwich), as the identity
/// URL's `utcOffset` gives it; 0 for a zone name the tz database does not know.
pub fn utc_offset_ms(zone: &str, at: DateTime<Utc>) -> i64 {
    match zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => {
            let seconds = tz.offset_from_utc_datetime(&at.naive_utc()).fix();
            i64::from(seconds.local_minus_utc()) * 1000
        }
        Err(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_follow_the_zone_and_its_daylight_saving() {
        let winter = "2026-11-29T12:00:00Z".parse().unwrap();
        let summer = "2026-07-01T12:00:00Z".parse().unwrap();
        assert_eq!(utc_offset_ms("America/Los_Angeles", winter), -28_800_000);
        assert_eq!(utc_offset_ms("America/Los_Angeles", summer), -25_200_000);
        assert_eq!(utc_offset_ms("Europe/Paris", winter), 3_600_000);
        assert_eq!(utc_offset_ms("Asia/Kolkata", winter), 19_800_000);
        assert_eq!(utc_offset_ms("GMT", winter), 0);
        assert_eq!(utc_offset_ms("Mars/Olympus_Mons", winter), 0);
    }
}
