//! A fresh value, for each attempt, of every secret a lab hands its run through `run.env`
//! (`ERP_CLIENT_SECRET`, `INVENTORY_API_KEY`, `OLD_JOB_PASSWORD`…): the mock org and its
//! services accept only this attempt's value, so a program that saved the secret somewhere
//! (`/tmp/mysecret`, `~/secret.txt`) and reads it from there instead of the variable is
//! refused — the ERP answers `invalid_client`, the learner's own service answers the org's
//! callout 401 — as a rotated secret refuses a copy kept past its rotation.
//!
//! Pure: the lab is read and a changed copy returned; the caller draws the values.
//!
//! Implementation notes: the value the lab writes is replaced wherever the lab's `org:` seed
//! gives it as a whole string (a user's `password`, an app's `consumer_secret`); a value that
//! is one of the built-in services' documented defaults ([`ServiceConfig::default`]) the
//! seed's `mock_services:` does not set is set there, so the service expects the new one. The
//! lab's own value stays a known secret of the attempt (see `attempt`), so one typed into a
//! file is still named as a secret written down. Only the mock org is changed: a sandbox
//! cannot be told a new secret.

use crate::lab::spec::LabSpec;
use crate::org::external::ServiceConfig;
use serde_yaml::Value;

/// `lab` with each secret of its `run.env` replaced by the value `draw` gives, in the
/// environment and in the seed; None when the lab hands no secret that way.
pub fn with_fresh_secrets(lab: &LabSpec, mut draw: impl FnMut() -> String) -> Option<LabSpec> {
    let secrets: Vec<(String, String)> = lab
        .run
        .env
        .iter()
        .filter(|(name, value)| crate::redact::names_a_secret(name) && !value.is_empty())
        .map(|(name, _)| name.clone())
        .map(|name| (name, draw()))
        .collect();
    if secrets.is_empty() {
        return None;
    }
    let mut fresh = lab.clone();
    let defaults = ServiceConfig::default();
    let service_fields = [
        ("weather_api_key", defaults.weather_api_key.as_str()),
        ("erp_client_secret", defaults.erp_client_secret.as_str()),
        ("courier_password", defaults.courier_password.as_str()),
    ];
    for (name, new) in secrets {
        let old = lab.run.env[&name].clone();
        fresh.run.env.insert(name, new.clone());
        replace_strings(&mut fresh.org, &old, &new);
        for (field, default) in service_fields {
            if default != old {
                continue;
            }
            if fresh.org.is_null() {
                fresh.org = Value::Mapping(Default::default());
            }
            let Some(org) = fresh.org.as_mapping_mut() else {
                continue;
            };
            let services = org
                .entry(Value::from("mock_services"))
                .or_insert_with(|| Value::Mapping(Default::default()));
            if services.is_null() {
                *services = Value::Mapping(Default::default());
            }
            if let Some(services) = services.as_mapping_mut() {
                services
                    .entry(Value::from(field))
                    .or_insert_with(|| Value::from(new.clone()));
            }
        }
    }
    Some(fresh)
}

/// Replaces every string in `v` that is `old` (the whole string) with `new`.
fn replace_strings(v: &mut Value, old: &str, new: &str) {
    match v {
        Value::String(s) if s == old => *s = new.to_string(),
        Value::Sequence(items) => items.iter_mut().for_each(|i| replace_strings(i, old, new)),
        Value::Mapping(m) => m.iter_mut().for_each(|(_, i)| replace_strings(i, old, new)),
        Value::Tagged(t) => replace_strings(&mut t.value, old, new),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab(yaml: &str) -> LabSpec {
        crate::lab::spec::parse("lab.yaml", yaml).unwrap()
    }

    const HEAD: &str = "id: x\ntitle: X\nlevel: L2\nlesson: L2-authentication/client-credentials\ngoal: g\nchecks:\n  - { rule: process.exit_ok, points: 1 }\n";

    fn drawn() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("fresh-{n}")
        }
    }

    #[test]
    fn a_saved_erp_secret_no_longer_opens_the_erp_the_attempts_value_does() {
        let l = lab(&format!(
            "{HEAD}run: {{ env: {{ ERP_CLIENT_ID: sflab-erp, ERP_CLIENT_SECRET: erp-demo-secret }} }}\n"
        ));
        let f = with_fresh_secrets(&l, drawn()).unwrap();
        assert_eq!(f.run.env["ERP_CLIENT_SECRET"], "fresh-1");
        assert_eq!(f.run.env["ERP_CLIENT_ID"], "sflab-erp", "not a secret");
        let services = ServiceConfig::from_section(f.org.get("mock_services")).unwrap();
        assert_eq!(services.erp_client_secret, "fresh-1");
        assert_eq!(services.weather_api_key, "wx-demo-key");
    }

    #[test]
    fn the_seed_takes_the_new_value_where_it_gave_the_old_and_keeps_its_own_settings() {
        let l = lab(&format!(
            "{HEAD}org:\n  users:\n    - {{ username: a@lab.example, first_name: A, last_name: B, profile: System Administrator, ref: a, password: Winter-2019! }}\n  mock_services:\n    courier_password: own-pass\nrun: {{ env: {{ OLD_JOB_PASSWORD: Winter-2019!, COURIER_PASSWORD: courier-demo-pass }} }}\n"
        ));
        let f = with_fresh_secrets(&l, drawn()).unwrap();
        let user = &f.org["users"][0];
        assert_eq!(
            user["password"],
            Value::from(f.run.env["OLD_JOB_PASSWORD"].clone())
        );
        assert_ne!(f.run.env["OLD_JOB_PASSWORD"], "Winter-2019!");
        // The seed set the courier's password itself: the lab's own choice is kept.
        assert_eq!(
            f.org["mock_services"]["courier_password"],
            Value::from("own-pass")
        );
    }

    #[test]
    fn a_lab_without_secrets_in_its_environment_is_left_alone() {
        let l = lab(&format!(
            "{HEAD}run: {{ env: {{ SERVICE_PORT: \"8080\" }} }}\n"
        ));
        assert!(with_fresh_secrets(&l, drawn()).is_none());
    }
}
