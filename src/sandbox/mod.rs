//! The sandbox backend: the same labs against a real Salesforce org, safely.
//!
//! - `profile`: stored logins (0600 files in the config directory) and the alias in use;
//!   `keyring`: their secrets in the OS keyring (`secret-tool`, `security`) where one exists;
//! - `oauth`, `callback`, `connect`: the login flows (web server + PKCE through a loopback
//!   callback, JWT bearer, client credentials, reuse of an `sf` CLI login) and renewal;
//! - `client`: sflab's own REST calls, renewed once on a 401; `net`: proxies and trusted roots;
//! - `safety`: production and API-allocation refusals, the call cap;
//! - `journal`, `seeding`, `run_lock`: records created for a lab, journaled, deleted exactly,
//!   one run per org at a time;
//! - `backend`: the runner parts; `choice`: the backend switch the CLI and TUI call.

pub mod backend;
pub mod callback;
pub mod choice;
pub mod client;
pub mod connect;
pub mod error;
pub mod journal;
pub mod keyring;
pub mod net;
pub mod oauth;
pub mod profile;
pub mod run_lock;
pub mod safety;
pub mod seeding;

pub use backend::{
    available_backends, parts_for, switch_backend, BackendChoice, Notes, SandboxOrgProvider,
    SandboxSettings,
};
pub use client::OrgClient;
pub use error::SandboxError;
pub use profile::{Grant, LoginFacts, LoginStore, OrgLogin};
