//! Stored org logins: one JSON file per alias in the user's config directory
//! (`<config>/sflab/orgs/<alias>.json`, or `$SFLAB_CONFIG_DIR/orgs/` for tests), mode 0600,
//! written atomically, plus the alias in use (`<config>/sflab/orgs/.current`). Where the OS
//! keyring is reachable (see `keyring`), the secrets go there and the file keeps the rest.
//!
//! Implementation notes: a [`OrgLogin`]'s `Debug` never prints a token or secret, so a stray
//! `{:?}` in a log cannot leak one.

use super::keyring::SecretVault;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How a login was obtained (and so how it can be renewed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    WebServer,
    JwtBearer,
    ClientCredentials,
    SfCli,
}

impl Grant {
    pub fn label(self) -> &'static str {
        match self {
            Grant::WebServer => "web server + PKCE",
            Grant::JwtBearer => "JWT bearer",
            Grant::ClientCredentials => "client credentials",
            Grant::SfCli => "sf CLI login",
        }
    }
}

/// One connected org, as stored.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgLogin {
    pub alias: String,
    pub instance_url: String,
    /// Where tokens are requested and revoked (login/test.salesforce.com or a My Domain).
    pub login_url: String,
    pub grant: Grant,
    pub access_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// The JWT bearer key file, to sign a fresh assertion when the token dies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt_key_file: Option<PathBuf>,
    /// The `sf` CLI alias a `--from-sf` login reads its token from again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sf_alias: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    /// `Organization.IsSandbox` as read at login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_sandbox: Option<bool>,
}

impl std::fmt::Debug for OrgLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrgLogin")
            .field("alias", &self.alias)
            .field("instance_url", &self.instance_url)
            .field("login_url", &self.login_url)
            .field("grant", &self.grant)
            .field("username", &self.username)
            .field("is_sandbox", &self.is_sandbox)
            .finish_non_exhaustive()
    }
}

/// What a stored login says of its org, read without its secrets (nor the keyring they may
/// be kept in): enough to list logins, tell production from sandbox, and lock the org.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LoginFacts {
    pub alias: String,
    pub instance_url: String,
    pub grant: Grant,
    #[serde(default)]
    pub org_id: Option<String>,
    /// `Organization.IsSandbox` as read at login.
    #[serde(default)]
    pub is_sandbox: Option<bool>,
}

impl OrgLogin {
    /// Every secret this login holds, for the redactor.
    pub fn secrets(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![("access_token", self.access_token.clone())];
        if let Some(r) = &self.refresh_token {
            out.push(("refresh_token", r.clone()));
        }
        if let Some(s) = &self.client_secret {
            out.push(("client_secret", s.clone()));
        }
        out
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("there is no config directory on this system; set SFLAB_CONFIG_DIR to a folder sflab may write to")]
    NoConfigDir,
    #[error("{0:?} is not a usable alias: use letters, digits, '-', '_' or '.' (at most 64, not starting with '.')")]
    BadAlias(String),
    #[error("no org is logged in as {0:?}. `sflab org list` shows your logins; `sflab org login --alias {0}` adds one.")]
    UnknownAlias(String),
    #[error("no org is selected. Log in with `sflab org login`, or pick one with `sflab org use <alias>`.")]
    NoneSelected,
    #[error(
        "the stored login {path} could not be read ({reason}); log in again with `sflab org login`"
    )]
    Corrupt { path: PathBuf, reason: String },
    #[error("the tokens of {alias:?} are kept in the OS keyring, but {reason}; log in again with `sflab org login --alias {alias}`")]
    Keyring { alias: String, reason: String },
    #[error("could not write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A login file that is not a login.
fn corrupt(path: &Path, e: serde_json::Error) -> ProfileError {
    ProfileError::Corrupt {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// Checks an alias is a safe file name.
pub fn valid_alias(alias: &str) -> Result<(), ProfileError> {
    let ok = !alias.is_empty()
        && alias.len() <= 64
        && !alias.starts_with('.')
        && alias
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(ProfileError::BadAlias(alias.to_string()))
    }
}

/// The folder of stored logins, and the OS keyring their secrets go to when there is one.
#[derive(Debug, Clone)]
pub struct LoginStore {
    dir: PathBuf,
    vault: Option<Arc<dyn SecretVault>>,
}

/// The marker a login file carries when its secrets are in the keyring.
const IN_KEYRING: &str = "keyring";
const SECRET_FIELDS: [&str; 3] = ["access_token", "refresh_token", "client_secret"];

/// sflab's own configuration folder, which keeps the saved logins: `$SFLAB_CONFIG_DIR`, else
/// `<config dir>/sflab`; `None` on a system with no configuration folder.
pub fn config_base() -> Option<PathBuf> {
    match std::env::var_os("SFLAB_CONFIG_DIR") {
        Some(d) if !d.is_empty() => Some(PathBuf::from(d)),
        _ => dirs::config_dir().map(|d| d.join("sflab")),
    }
}

impl LoginStore {
    /// `$SFLAB_CONFIG_DIR/orgs`, else `<config dir>/sflab/orgs`.
    pub fn from_env() -> Result<LoginStore, ProfileError> {
        let base = config_base().ok_or(ProfileError::NoConfigDir)?;
        Ok(LoginStore::at(&base).with_vault(super::keyring::from_env()))
    }

    /// Logins under `base/orgs`, secrets in the files.
    pub fn at(base: &Path) -> LoginStore {
        LoginStore {
            dir: base.join("orgs"),
            vault: None,
        }
    }

    /// The same store with secrets kept in `vault` (when it takes them).
    pub fn with_vault(mut self, vault: Option<Arc<dyn SecretVault>>) -> LoginStore {
        self.vault = vault;
        self
    }

    /// Where the secrets of `alias` are: the keyring's name, or `None` for its 0600 file.
    pub fn secrets_kept_in(&self, alias: &str) -> Option<&'static str> {
        let text = std::fs::read(self.file(alias)).ok()?;
        let value: serde_json::Value = serde_json::from_slice(&text).ok()?;
        (value.get("secrets").and_then(|v| v.as_str()) == Some(IN_KEYRING))
            .then(|| self.vault_name().unwrap_or("the OS keyring"))
    }

    /// Where new secrets go: the keyring's name, or `None` for the 0600 files.
    pub fn vault_name(&self) -> Option<&'static str> {
        self.vault.as_ref().map(|v| v.name())
    }

    /// The login as written to its file: the secrets moved to the keyring when it takes
    /// them, else kept in the (0600) file.
    fn on_disk(&self, login: &OrgLogin, path: &Path) -> Result<serde_json::Value, ProfileError> {
        let mut value = serde_json::to_value(login).map_err(|e| ProfileError::Corrupt {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let Some(vault) = &self.vault else {
            return Ok(value);
        };
        let Some(map) = value.as_object_mut() else {
            return Ok(value);
        };
        let secrets: serde_json::Map<String, serde_json::Value> = SECRET_FIELDS
            .iter()
            .filter_map(|k| map.get(*k).map(|v| (k.to_string(), v.clone())))
            .collect();
        // A keyring that refuses (locked, no Secret Service on the bus) leaves the secrets in
        // the private file, as on a system without a keyring.
        if vault
            .put(
                &login.alias,
                &serde_json::Value::Object(secrets).to_string(),
            )
            .is_ok()
        {
            for k in SECRET_FIELDS {
                map.remove(k);
            }
            map.insert("access_token".into(), "".into());
            map.insert("secrets".into(), IN_KEYRING.into());
        }
        Ok(value)
    }

    /// Puts the secrets back into a login file that says they are in the keyring.
    fn secrets_restored(
        &self,
        alias: &str,
        mut value: serde_json::Value,
    ) -> Result<serde_json::Value, ProfileError> {
        let Some(map) = value.as_object_mut() else {
            return Ok(value);
        };
        if map
            .remove("secrets")
            .and_then(|v| v.as_str().map(str::to_string))
            .as_deref()
            != Some(IN_KEYRING)
        {
            return Ok(value);
        }
        let keyring = |reason: String| ProfileError::Keyring {
            alias: alias.to_string(),
            reason,
        };
        let vault = self.vault.as_ref().ok_or_else(|| {
            keyring(
                "no keyring is reachable now (is SFLAB_KEYRING=off, or the session bus gone?)"
                    .into(),
            )
        })?;
        let stored = vault
            .get(alias)
            .map_err(|e| keyring(e.to_string()))?
            .ok_or_else(|| keyring(format!("{} holds nothing for it", vault.name())))?;
        let secrets: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&stored)
            .map_err(|_| keyring(format!("{} holds an unreadable entry", vault.name())))?;
        for (k, v) in secrets {
            if SECRET_FIELDS.contains(&k.as_str()) {
                map.insert(k, v);
            }
        }
        Ok(value)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn file(&self, alias: &str) -> PathBuf {
        self.dir.join(format!("{alias}.json"))
    }

    /// Makes the logins folder, or makes it private (0700) where it is open to others — and
    /// sflab's config folder above it too.
    fn ensure_dir(&self) -> Result<(), ProfileError> {
        let err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| ProfileError::Write { path, source }
        };
        crate::fsutil::create_secret_dir(&self.dir).map_err(err(&self.dir))?;
        if let Some(config) = self
            .dir
            .parent()
            .filter(|p| p.file_name().is_some_and(|n| n == "sflab"))
        {
            crate::fsutil::make_private(config).map_err(err(config))?;
        }
        Ok(())
    }

    /// Stores (or replaces) a login; the first one stored becomes the one in use.
    pub fn save(&self, login: &OrgLogin) -> Result<PathBuf, ProfileError> {
        valid_alias(&login.alias)?;
        self.ensure_dir()?;
        let path = self.file(&login.alias);
        let value = self.on_disk(login, &path)?;
        let text = serde_json::to_vec_pretty(&value).map_err(|e| ProfileError::Corrupt {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        crate::fsutil::write_private_atomic(&path, &text).map_err(|source| {
            ProfileError::Write {
                path: path.clone(),
                source,
            }
        })?;
        if self.current().is_none() {
            self.select(&login.alias)?;
        }
        Ok(path)
    }

    pub fn load(&self, alias: &str) -> Result<OrgLogin, ProfileError> {
        let (path, value) = self.stored(alias)?;
        let value = self.secrets_restored(alias, value)?;
        serde_json::from_value(value).map_err(|e| corrupt(&path, e))
    }

    /// What the login `alias` says of its org, without reading its secrets: a login whose
    /// secrets are in the keyring is not looked up there.
    pub fn facts(&self, alias: &str) -> Result<LoginFacts, ProfileError> {
        let (path, value) = self.stored(alias)?;
        serde_json::from_value(value).map_err(|e| corrupt(&path, e))
    }

    /// The login file of `alias` as JSON, and its path.
    fn stored(&self, alias: &str) -> Result<(PathBuf, serde_json::Value), ProfileError> {
        valid_alias(alias)?;
        let path = self.file(alias);
        let text = match std::fs::read(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ProfileError::UnknownAlias(alias.to_string()))
            }
            Err(e) => {
                return Err(ProfileError::Corrupt {
                    path,
                    reason: e.to_string(),
                })
            }
        };
        let value = serde_json::from_slice(&text).map_err(|e| corrupt(&path, e))?;
        Ok((path, value))
    }

    /// The login `alias`, or the one in use when `None`.
    pub fn resolve(&self, alias: Option<&str>) -> Result<OrgLogin, ProfileError> {
        match alias {
            Some(a) => self.load(a),
            None => self.load(&self.current().ok_or(ProfileError::NoneSelected)?),
        }
    }

    /// Every stored alias, sorted.
    pub fn aliases(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut out: Vec<String> = entries
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().to_string();
                name.strip_suffix(".json").map(str::to_string)
            })
            .filter(|a| valid_alias(a).is_ok())
            .collect();
        out.sort();
        out
    }

    /// The alias in use, if it is still stored.
    pub fn current(&self) -> Option<String> {
        let text = std::fs::read_to_string(self.dir.join(".current")).ok()?;
        let alias = text.trim().to_string();
        (valid_alias(&alias).is_ok() && self.file(&alias).is_file()).then_some(alias)
    }

    pub fn select(&self, alias: &str) -> Result<(), ProfileError> {
        valid_alias(alias)?;
        if !self.file(alias).is_file() {
            return Err(ProfileError::UnknownAlias(alias.to_string()));
        }
        self.ensure_dir()?;
        let path = self.dir.join(".current");
        crate::fsutil::write_private_atomic(&path, alias.as_bytes())
            .map_err(|source| ProfileError::Write { path, source })
    }

    /// Deletes the stored login (the token should be revoked first).
    pub fn remove(&self, alias: &str) -> Result<(), ProfileError> {
        valid_alias(alias)?;
        let path = self.file(alias);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ProfileError::UnknownAlias(alias.to_string()))
            }
            Err(source) => return Err(ProfileError::Write { path, source }),
        }
        if let Some(vault) = &self.vault {
            // Nothing stored there (a file-only login) is not an error.
            let _ = vault.delete(alias);
        }
        if std::fs::read_to_string(self.dir.join(".current")).is_ok_and(|c| c.trim() == alias) {
            let _ = std::fs::remove_file(self.dir.join(".current"));
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn login(alias: &str) -> OrgLogin {
        OrgLogin {
            alias: alias.into(),
            instance_url: "https://falcon--dev.sandbox.my.salesforce.com".into(),
            login_url: "https://test.salesforce.com".into(),
            grant: Grant::ClientCredentials,
            access_token: "00Dxx!secret-access".into(),
            refresh_token: Some("5Aep-secret-refresh".into()),
            client_id: Some("3MVGclient".into()),
            client_secret: Some("very-secret".into()),
            jwt_key_file: None,
            sf_alias: None,
            username: Some("me@falcon.example".into()),
            org_id: None,
            is_sandbox: Some(true),
        }
    }

    #[test]
    fn saved_login_is_private_and_first_one_is_selected() {
        let dir = tempfile::tempdir().unwrap();
        let store = LoginStore::at(dir.path());
        let path = store.save(&login("dev")).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        store.save(&login("qa")).unwrap();
        assert_eq!(store.current().as_deref(), Some("dev"));
        assert_eq!(store.aliases(), vec!["dev", "qa"]);
        assert_eq!(store.resolve(None).unwrap(), login("dev"));
        store.select("qa").unwrap();
        store.remove("qa").unwrap();
        assert_eq!(store.current(), None);
        assert!(matches!(
            store.load("qa"),
            Err(ProfileError::UnknownAlias(_))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn login_folders_left_open_to_others_are_made_private_on_save() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("sflab");
        std::fs::create_dir_all(config.join("orgs")).unwrap();
        for d in [&config, &config.join("orgs")] {
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o777)).unwrap();
        }
        LoginStore::at(&config).save(&login("dev")).unwrap();
        for d in [&config, &config.join("orgs")] {
            let mode = std::fs::metadata(d).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700, "{}", d.display());
        }
    }

    /// A vault that refuses every read: what is read through it fails.
    #[derive(Debug)]
    struct SealedVault;

    impl SecretVault for SealedVault {
        fn name(&self) -> &'static str {
            "a sealed keyring"
        }
        fn put(&self, _: &str, _: &str) -> Result<(), super::super::keyring::VaultError> {
            Ok(())
        }
        fn get(&self, alias: &str) -> Result<Option<String>, super::super::keyring::VaultError> {
            panic!("the secrets of {alias} were read")
        }
        fn delete(&self, _: &str) -> Result<(), super::super::keyring::VaultError> {
            Ok(())
        }
    }

    #[test]
    fn a_logins_facts_are_read_without_its_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let store = LoginStore::at(dir.path()).with_vault(Some(Arc::new(SealedVault)));
        let mut prod = login("prod");
        prod.is_sandbox = Some(false);
        prod.org_id = Some("00D000000000001EAA".into());
        let path = store.save(&prod).unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        assert!(!text.contains("secret-access"), "kept in the vault: {text}");
        let facts = store.facts("prod").unwrap();
        assert_eq!(facts.is_sandbox, Some(false));
        assert_eq!(facts.org_id.as_deref(), Some("00D000000000001EAA"));
        assert_eq!(facts.grant, Grant::ClientCredentials);
        assert_eq!(facts.instance_url, prod.instance_url);
        assert!(matches!(
            store.facts("gone"),
            Err(ProfileError::UnknownAlias(_))
        ));
    }

    #[test]
    fn aliases_that_escape_the_folder_are_refused() {
        for bad in ["../x", "a/b", ".current", ""] {
            assert!(valid_alias(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_output_holds_no_secret() {
        let text = format!("{:?}", login("dev"));
        assert!(!text.contains("secret"), "{text}");
    }
}
