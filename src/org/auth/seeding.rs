//! Reading an org seed into the auth configuration: `apps:`, `permission_sets:` and `auth:`
//! from the sections the data core keeps for other parts, and the users the data core created
//! (with their record ids) plus the keys only the auth server reads (`password`,
//! `security_token`, `permission_sets`, `license`, `status`).

use super::config::{section, AuthConfig, AuthSettings, ConfigError, ExternalClientApp};
use super::users::{License, User, UserStatus};
use crate::org::{OrgSeed, OrgUser};
use serde::Deserialize;

/// The per-user keys the auth server reads.
#[derive(Debug, Default, Deserialize)]
struct UserExtras {
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    security_token: Option<String>,
    #[serde(default)]
    permission_sets: Vec<String>,
    #[serde(default)]
    license: License,
    #[serde(default)]
    status: UserStatus,
}

impl AuthConfig {
    /// The auth configuration of an org built from `seed`, whose users the data core created
    /// as `users` (ids included).
    pub fn for_seed(seed: &OrgSeed, users: &[OrgUser]) -> Result<AuthConfig, ConfigError> {
        let mut directory = Vec::with_capacity(users.len());
        // A seed without users has the default admin, whose password is the auth server's too.
        let default_admin = [crate::org::build::default_admin()];
        let seeded = crate::org::build::seeded_users(seed, &default_admin);
        for ou in users {
            let from_seed = seeded
                .iter()
                .find(|s| s.username.eq_ignore_ascii_case(&ou.username));
            let extras: UserExtras = match from_seed {
                Some(s) if !s.extra.is_empty() => {
                    let map: serde_yaml::Mapping = s
                        .extra
                        .iter()
                        .map(|(k, v)| (serde_yaml::Value::String(k.clone()), v.clone()))
                        .collect();
                    serde_yaml::from_value(serde_yaml::Value::Mapping(map)).map_err(|e| {
                        ConfigError::User {
                            user: ou.username.clone(),
                            problem: e.to_string(),
                        }
                    })?
                }
                _ => UserExtras::default(),
            };
            directory.push(User {
                id: ou.id.to_string(),
                username: ou.username.clone(),
                alias: from_seed.and_then(|s| s.alias.clone()),
                reference: ou.reference.clone(),
                first_name: from_seed.and_then(|s| s.first_name.clone()),
                last_name: from_seed.map(|s| s.last_name.clone()),
                email: from_seed.and_then(|s| s.email.clone()),
                password: extras.password,
                security_token: extras.security_token,
                profile: ou.profile.clone().unwrap_or_else(|| "Standard User".into()),
                permission_sets: extras.permission_sets,
                license: extras.license,
                status: extras.status,
            });
        }
        let apps: Vec<ExternalClientApp> = section("apps", seed.other.get("apps"))?;
        let permission_sets = section("permission_sets", seed.other.get("permission_sets"))?;
        let settings = match seed.other.get("auth") {
            None | Some(serde_yaml::Value::Null) => AuthSettings::default(),
            Some(v) => {
                serde_yaml::from_value(v.clone()).map_err(|source| ConfigError::Section {
                    section: "auth",
                    source,
                })?
            }
        };
        AuthConfig::build(apps, directory, permission_sets, settings)
    }
}
