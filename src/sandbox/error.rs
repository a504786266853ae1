//! What can go wrong connecting or using a real org, in sentences a learner can act on.

use super::profile::ProfileError;

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error("could not reach {url}: {reason}. Check the URL and your network connection.")]
    Unreachable { url: String, reason: String },
    #[error("the org refused the login ({error}: {description}). Check the client id, user and app settings in Setup.")]
    LoginRefused { error: String, description: String },
    #[error("the org answered {status} to {what}: {detail}")]
    Unexpected {
        what: String,
        status: u16,
        detail: String,
    },
    #[error("the session has expired and could not be renewed ({0}). Log in again with `sflab org login`.")]
    SessionDead(String),
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Input(String),
    #[error("the seed journal {path} could not be used: {reason}")]
    Journal {
        path: std::path::PathBuf,
        reason: String,
    },
}

impl SandboxError {
    pub(crate) fn unreachable(url: &str, e: impl std::fmt::Display) -> SandboxError {
        SandboxError::Unreachable {
            url: url.to_string(),
            reason: e.to_string(),
        }
    }
}
