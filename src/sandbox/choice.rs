//! Which backend a lab runs on: [`BackendChoice`] (`mock`, `sandbox`, `sandbox:<alias>`),
//! the sandbox's [`SandboxSettings`], and [`parts_for`] / [`switch_backend`], the switch the
//! CLI (`sflab check --backend`) and the TUI call.

use super::backend::{SandboxGatewayProvider, SandboxOrgProvider};
use super::error::SandboxError;
use super::profile::LoginStore;
use super::safety;
use crate::runner::parts::Parts;
use parking_lot::Mutex;
use std::sync::Arc;

/// Which org a lab runs against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendChoice {
    Mock,
    /// A connected org: the alias, or the one in use.
    Sandbox(Option<String>),
}

impl BackendChoice {
    /// `mock`, `sandbox` or `sandbox:<alias>`.
    pub fn parse(text: &str) -> Result<BackendChoice, SandboxError> {
        match text.split_once(':') {
            None if text == "mock" => Ok(BackendChoice::Mock),
            None if text == "sandbox" => Ok(BackendChoice::Sandbox(None)),
            Some(("sandbox", alias)) => {
                super::profile::valid_alias(alias)?;
                Ok(BackendChoice::Sandbox(Some(alias.to_string())))
            }
            _ => Err(SandboxError::Input(format!(
                "--backend {text:?} is not a backend: use mock, sandbox or sandbox:<alias>"
            ))),
        }
    }

    pub fn label(&self) -> String {
        match self {
            BackendChoice::Mock => "mock".into(),
            BackendChoice::Sandbox(None) => "sandbox".into(),
            BackendChoice::Sandbox(Some(a)) => format!("sandbox:{a}"),
        }
    }
}

/// How the sandbox backend may use the org.
#[derive(Debug, Clone)]
pub struct SandboxSettings {
    pub store: LoginStore,
    pub alias: Option<String>,
    pub allow_production: bool,
    /// The phrase the learner typed (see [`safety::production_phrase`]).
    pub production_confirmation: Option<String>,
    pub call_cap: u64,
}

impl SandboxSettings {
    pub fn new(store: LoginStore, alias: Option<String>) -> SandboxSettings {
        SandboxSettings {
            store,
            alias,
            allow_production: false,
            production_confirmation: None,
            call_cap: safety::DEFAULT_CALL_CAP,
        }
    }
}

/// Messages for the learner about what the backend did (cleanups, leftovers).
pub type Notes = Arc<Mutex<Vec<String>>>;

/// The parts of an attempt on `choice`; `notes` collects what the sandbox backend did.
pub fn parts_for(choice: &BackendChoice, settings: Option<SandboxSettings>) -> (Parts, Notes) {
    let notes: Notes = Arc::default();
    match (choice, settings) {
        (BackendChoice::Sandbox(alias), Some(mut s)) => {
            s.alias = alias.clone().or(s.alias);
            let cap = s.call_cap;
            let provider = SandboxOrgProvider::new(s, notes.clone());
            let parts = Parts {
                org: Arc::new(provider),
                gateway: Arc::new(SandboxGatewayProvider { call_cap: cap }),
                judge: Arc::new(crate::runner::judge::CatalogueJudge),
            };
            (parts, notes)
        }
        _ => (crate::runner::wiring::mock_parts(), notes),
    }
}

/// The backend switch for the TUI: the parts for `choice`, with the logins in the user's
/// config directory (a sandbox needs a stored login; production is always refused here,
/// because the TUI cannot take the typed confirmation).
pub fn switch_backend(choice: &BackendChoice) -> Result<(Parts, Notes), SandboxError> {
    match choice {
        BackendChoice::Mock => Ok(parts_for(choice, None)),
        BackendChoice::Sandbox(alias) => {
            let store = LoginStore::from_env()?;
            store.resolve(alias.as_deref())?;
            Ok(parts_for(
                choice,
                Some(SandboxSettings::new(store, alias.clone())),
            ))
        }
    }
}

/// Every backend the learner can switch to: the mock org, then each stored login.
pub fn available_backends() -> Vec<BackendChoice> {
    let mut out = vec![BackendChoice::Mock];
    if let Ok(store) = LoginStore::from_env() {
        out.extend(
            store
                .aliases()
                .into_iter()
                .map(|a| BackendChoice::Sandbox(Some(a))),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_names_parse_and_bad_ones_say_what_works() {
        assert_eq!(BackendChoice::parse("mock").unwrap(), BackendChoice::Mock);
        assert_eq!(
            BackendChoice::parse("sandbox").unwrap(),
            BackendChoice::Sandbox(None)
        );
        assert_eq!(
            BackendChoice::parse("sandbox:dev").unwrap(),
            BackendChoice::Sandbox(Some("dev".into()))
        );
        let e = BackendChoice::parse("prod").unwrap_err().to_string();
        assert!(e.contains("mock, sandbox or sandbox:<alias>"), "{e}");
        assert!(BackendChoice::parse("sandbox:../x").is_err());
    }
}
