//! The secret values sflab itself keeps or hands out, gathered for `sflab report` so that each
//! is masked wherever it appears in the copy of the lab folders, even written bare (a client
//! secret alone on a line of `notes.txt`, `KEY = "…"` in `settings.py`) where neither a
//! secret key name nor a token's shape gives it away:
//!
//! - the values sflab hands the runs of the track's labs (the lab's secret environment, the
//!   client secrets of its org's apps; [`crate::runner::handed_secrets`]);
//! - every stored org login (`orgs/<alias>.json` under the config folder, or the OS keyring
//!   it points to): its access and refresh tokens and its app's client secret;
//! - the workspace's own private keys: the JWT bearer key (`.sflab/keys/jwt-private.pem`) and
//!   the local CA's key (`.sflab/ca/ca-key.pem`).
//!
//! A login whose secrets cannot be read (a keyring that is locked or gone, a damaged file) is
//! named in [`KnownSecrets::unread`], so the learner is told what could not be masked.

use super::spec::Track;
use crate::curriculum::Curriculum;
use crate::sandbox::LoginStore;
use crate::workspace::Workspace;

/// The secrets to mask, by kind, and what could not be read.
#[derive(Debug, Default)]
pub struct KnownSecrets {
    pub values: Vec<(&'static str, String)>,
    /// One sentence per login whose secrets could not be read.
    pub unread: Vec<String>,
}

/// Every secret sflab knows for the report of `track` in `ws`; `logins` is the store of org
/// logins (`None` when there is no config folder, so no login can be stored).
pub fn known(
    ws: &Workspace,
    track: &Track,
    curriculum: &Curriculum,
    logins: Option<&LoginStore>,
) -> KnownSecrets {
    let mut known = KnownSecrets {
        values: super::handed_secrets(track, curriculum),
        unread: Vec::new(),
    };
    for alias in logins.map(LoginStore::aliases).unwrap_or_default() {
        match logins.map(|store| store.load(&alias)) {
            Some(Ok(login)) => known.values.extend(login.secrets()),
            Some(Err(e)) => known.unread.push(format!(
                "the secrets of the org login {alias:?} could not be read, so they are not masked if a copied file holds them: {e}"
            )),
            None => {}
        }
    }
    known.values.extend(workspace_keys(ws));
    known
}

/// The workspace's private keys, as PEM text.
fn workspace_keys(ws: &Workspace) -> Vec<(&'static str, String)> {
    [
        ws.root.join(crate::org::auth::defaults::JWT_KEY_FILE),
        crate::org::tls::LocalCa::dir_in(&ws.root).join("ca-key.pem"),
    ]
    .iter()
    .filter_map(|path| std::fs::read_to_string(path).ok())
    .filter(|pem| !pem.trim().is_empty())
    .map(|pem| ("private_key", pem))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::{Grant, OrgLogin};

    fn login(alias: &str, secret: &str) -> OrgLogin {
        OrgLogin {
            alias: alias.into(),
            instance_url: "https://falcon--dev.sandbox.my.salesforce.com".into(),
            login_url: "https://test.salesforce.com".into(),
            grant: Grant::ClientCredentials,
            access_token: format!("00D5g0000000001!AQ{alias}AccessTokenValue0123456789"),
            refresh_token: None,
            client_id: Some("3MVG9publicClientId".into()),
            client_secret: Some(secret.into()),
            jwt_key_file: None,
            sf_alias: None,
            username: None,
            org_id: None,
            is_sandbox: Some(true),
        }
    }

    fn track() -> Track {
        Track {
            name: "T".into(),
            description: String::new(),
            backend: crate::lab::Backend::Sandbox,
            pass_threshold: 100,
            labs: Vec::new(),
            left_out: Vec::new(),
        }
    }

    #[test]
    fn every_stored_logins_tokens_and_client_secret_and_the_workspace_keys_are_known() {
        let t = tempfile::tempdir().unwrap();
        let store = LoginStore::at(&t.path().join("config"));
        store.save(&login("sb", "72B9160E25FE9019")).unwrap();
        store.save(&login("other", "A1B2C3D4E5F60718")).unwrap();
        let ws = Workspace::at(&t.path().join("ws")).unwrap();
        let key = ws.root.join(crate::org::auth::defaults::JWT_KEY_FILE);
        std::fs::create_dir_all(key.parent().unwrap()).unwrap();
        std::fs::write(
            &key,
            "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\n",
        )
        .unwrap();
        let curriculum = Curriculum::embedded().unwrap();
        let known = known(&ws, &track(), &curriculum, Some(&store));
        let has = |kind: &str, value: &str| {
            known
                .values
                .iter()
                .any(|(k, v)| *k == kind && v.contains(value))
        };
        assert!(
            has("client_secret", "72B9160E25FE9019"),
            "{:?}",
            known.values.len()
        );
        assert!(has("client_secret", "A1B2C3D4E5F60718"));
        assert!(has("access_token", "AQsbAccessTokenValue"));
        assert!(has("private_key", "MIIEvQIBADANBg"));
        assert!(known.unread.is_empty());
    }

    #[test]
    fn a_login_secret_written_bare_in_a_lab_file_is_masked_in_the_report_and_the_file_named() {
        let t = tempfile::tempdir().unwrap();
        let store = LoginStore::at(&t.path().join("config"));
        let secret = "72B9160E25FE901941411FFF4C08792E9ADB38DABE1E070981A9B404B7677B85";
        store.save(&login("sb", secret)).unwrap();
        let ws = Workspace::at(&t.path().join("ws")).unwrap();
        let lab = ws.lab_dir("rest-first-call");
        std::fs::create_dir_all(&lab).unwrap();
        std::fs::write(
            lab.join("notes.txt"),
            format!("app for the nightly job\n{secret}\n"),
        )
        .unwrap();
        std::fs::write(lab.join("settings.py"), format!("KEY = \"{secret}\"\n")).unwrap();
        std::fs::write(lab.join("run"), "#!/bin/sh\n").unwrap();
        let curriculum = Curriculum::embedded().unwrap();
        let track = super::super::spec::parse(
            "t.yaml",
            "track: SB\nlabs:\n  - { lab: rest-first-call, due: 2999-01-01 }\n",
            &curriculum,
        )
        .unwrap();
        let known = known(&ws, &track, &curriculum, Some(&store));
        let progress = Default::default();
        let now = chrono::Utc::now();
        let rows = super::super::assigned_view_model(&track, &curriculum, &progress, now);
        let out = t.path().join("report");
        let summary =
            super::super::write_report(&ws, &track, &rows, &progress, &known.values, &out, now)
                .unwrap();
        for file in ["notes.txt", "settings.py"] {
            let copied =
                std::fs::read_to_string(out.join("labs/rest-first-call").join(file)).unwrap();
            assert!(
                !copied.contains(secret) && !copied.contains(&secret[..20]),
                "{file}: {copied}"
            );
            assert!(
                copied.contains("‹redacted:client_secret#"),
                "{file}: {copied}"
            );
        }
        assert_eq!(
            summary.masked,
            ["rest-first-call/notes.txt", "rest-first-call/settings.py"]
        );
        assert!(std::fs::read_to_string(out.join("progress.md"))
            .unwrap()
            .contains("secrets masked in notes.txt, settings.py"));
    }

    #[test]
    fn a_login_that_cannot_be_read_is_named_as_not_masked() {
        let t = tempfile::tempdir().unwrap();
        let store = LoginStore::at(t.path());
        std::fs::create_dir_all(store.dir()).unwrap();
        std::fs::write(store.dir().join("broken.json"), "{ not json").unwrap();
        let ws = Workspace::at(&t.path().join("ws")).unwrap();
        let curriculum = Curriculum::embedded().unwrap();
        let known = known(&ws, &track(), &curriculum, Some(&store));
        assert_eq!(known.unread.len(), 1);
        assert!(
            known.unread[0].starts_with(
                "the secrets of the org login \"broken\" could not be read, so they are not masked"
            ),
            "{}",
            known.unread[0]
        );
    }
}
