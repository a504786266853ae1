//! Where a login's secrets live: the OS keyring when one is reachable through the platform's
//! own command-line tool — `secret-tool` (libsecret) on Linux with a session bus, `security`
//! (the login keychain) on macOS — and otherwise inside the login's 0600 file.
//!
//! No native library is linked: a [`SecretVault`] runs the tool through a [`ToolRunner`], so
//! tests drive a fake. The secret never appears on a command line (other users can read
//! those): `secret-tool` reads it from standard input, and `security` runs in its interactive
//! mode (`security -i`) with the command written to its standard input. Secrets are stored
//! base64-encoded so no quoting rule of either tool can mangle them.
//!
//! [`from_env`] picks the vault. It stays off when `SFLAB_KEYRING=off`, and when
//! `SFLAB_CONFIG_DIR` points the logins elsewhere (tests and throw-away setups) unless
//! `SFLAB_KEYRING=on` asks for it.

use base64::Engine;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The service name every sflab secret is filed under.
pub const SERVICE: &str = "sflab";

/// How long a keyring tool may take (an unlock prompt that nobody answers must not hang).
const TOOL_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    #[error("the keyring tool {tool} could not be started: {reason}")]
    Start { tool: String, reason: String },
    #[error("the keyring tool {tool} failed ({status}): {message}")]
    Failed {
        tool: String,
        status: String,
        message: String,
    },
    #[error(
        "the keyring holds an unreadable entry for {0:?}; log in again with `sflab org login`"
    )]
    Garbled(String),
}

/// What a tool run gave back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolOutput {
    /// The exit code (`None` when killed).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs a program with arguments and standard input.
pub trait ToolRunner: Send + Sync + std::fmt::Debug {
    fn run(&self, program: &str, args: &[&str], stdin: &str) -> Result<ToolOutput, VaultError>;
}

/// The real runner: a child process, killed after [`TOOL_TIMEOUT`].
#[derive(Debug, Default)]
pub struct ProcessRunner;

impl ToolRunner for ProcessRunner {
    fn run(&self, program: &str, args: &[&str], stdin: &str) -> Result<ToolOutput, VaultError> {
        let start = |reason: String| VaultError::Start {
            tool: program.to_string(),
            reason,
        };
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| start(e.to_string()))?;
        if let Some(mut input) = child.stdin.take() {
            input
                .write_all(stdin.as_bytes())
                .map_err(|e| start(e.to_string()))?;
        }
        let deadline = Instant::now() + TOOL_TIMEOUT;
        loop {
            match child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Ok(None) => {
                    let _ = child.kill();
                    break;
                }
                Err(e) => return Err(start(e.to_string())),
            }
        }
        let out = child.wait_with_output().map_err(|e| start(e.to_string()))?;
        Ok(ToolOutput {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).to_string(),
        })
    }
}

/// The keyring tools sflab knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// libsecret's `secret-tool` (GNOME Keyring, KWallet's Secret Service).
    SecretTool,
    /// macOS `security` and the login keychain.
    Keychain,
}

impl Platform {
    /// The platform's keyring: `os` as in `std::env::consts::OS`, `on_path` says whether a
    /// program can be found, `var` reads the environment.
    pub fn detect(
        os: &str,
        on_path: &dyn Fn(&str) -> bool,
        var: &dyn Fn(&str) -> Option<String>,
    ) -> Option<Platform> {
        let wanted = var("SFLAB_KEYRING")
            .unwrap_or_default()
            .to_ascii_lowercase();
        if matches!(wanted.as_str(), "off" | "no" | "files" | "0") {
            return None;
        }
        if var("SFLAB_CONFIG_DIR").is_some_and(|d| !d.is_empty()) && wanted != "on" {
            return None;
        }
        match os {
            "macos" if on_path("security") => Some(Platform::Keychain),
            "linux" | "freebsd" | "openbsd" | "netbsd"
                if on_path("secret-tool")
                    && var("DBUS_SESSION_BUS_ADDRESS").is_some_and(|a| !a.is_empty()) =>
            {
                Some(Platform::SecretTool)
            }
            _ => None,
        }
    }
}

/// A place for one secret per alias.
pub trait SecretVault: Send + Sync + std::fmt::Debug {
    /// How the learner hears of it ("the Secret Service keyring").
    fn name(&self) -> &'static str;
    fn put(&self, alias: &str, secret: &str) -> Result<(), VaultError>;
    /// `Ok(None)` when nothing is stored for `alias`.
    fn get(&self, alias: &str) -> Result<Option<String>, VaultError>;
    fn delete(&self, alias: &str) -> Result<(), VaultError>;
}

/// The OS keyring through its command-line tool.
#[derive(Debug, Clone)]
pub struct ToolVault {
    pub platform: Platform,
    runner: Arc<dyn ToolRunner>,
}

fn encode(secret: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(secret.as_bytes())
}

fn decode(alias: &str, stored: &str) -> Result<String, VaultError> {
    base64::engine::general_purpose::STANDARD
        .decode(stored.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| VaultError::Garbled(alias.to_string()))
}

fn failed(tool: &str, out: &ToolOutput) -> VaultError {
    VaultError::Failed {
        tool: tool.to_string(),
        status: out.code.map_or("stopped after the time limit".into(), |c| {
            format!("exit {c}")
        }),
        message: out.stderr.trim().chars().take(300).collect(),
    }
}

impl ToolVault {
    pub fn new(platform: Platform, runner: Arc<dyn ToolRunner>) -> ToolVault {
        ToolVault { platform, runner }
    }

    fn program(&self) -> &'static str {
        match self.platform {
            Platform::SecretTool => "secret-tool",
            Platform::Keychain => "security",
        }
    }
}

impl SecretVault for ToolVault {
    fn name(&self) -> &'static str {
        match self.platform {
            Platform::SecretTool => "the Secret Service keyring",
            Platform::Keychain => "the macOS keychain",
        }
    }

    fn put(&self, alias: &str, secret: &str) -> Result<(), VaultError> {
        let tool = self.program();
        let out = match self.platform {
            Platform::SecretTool => {
                let label = format!("sflab login {alias}");
                self.runner.run(
                    tool,
                    &[
                        "store", "--label", &label, "service", SERVICE, "account", alias,
                    ],
                    &encode(secret),
                )?
            }
            Platform::Keychain => {
                // `-U` replaces an existing entry. The alias is a safe file name and the
                // base64 text has no character `security -i` would treat specially.
                let command = format!(
                    "add-generic-password -U -s {SERVICE} -a {alias} -w {}\n",
                    encode(secret)
                );
                self.runner.run(tool, &["-i"], &command)?
            }
        };
        match out.code {
            Some(0) if self.platform != Platform::Keychain || out.stderr.trim().is_empty() => {
                Ok(())
            }
            _ => Err(failed(tool, &out)),
        }
    }

    fn get(&self, alias: &str) -> Result<Option<String>, VaultError> {
        let tool = self.program();
        let out = match self.platform {
            Platform::SecretTool => {
                self.runner
                    .run(tool, &["lookup", "service", SERVICE, "account", alias], "")?
            }
            Platform::Keychain => self.runner.run(
                tool,
                &["find-generic-password", "-s", SERVICE, "-a", alias, "-w"],
                "",
            )?,
        };
        match out.code {
            Some(0) if !out.stdout.trim().is_empty() => decode(alias, &out.stdout).map(Some),
            // secret-tool exits 1 with no output, security 44, when nothing is stored.
            Some(0) | Some(1) if self.platform == Platform::SecretTool => Ok(None),
            Some(44) if self.platform == Platform::Keychain => Ok(None),
            _ => Err(failed(tool, &out)),
        }
    }

    fn delete(&self, alias: &str) -> Result<(), VaultError> {
        let tool = self.program();
        let out = match self.platform {
            Platform::SecretTool => {
                self.runner
                    .run(tool, &["clear", "service", SERVICE, "account", alias], "")?
            }
            Platform::Keychain => self.runner.run(
                tool,
                &["delete-generic-password", "-s", SERVICE, "-a", alias],
                "",
            )?,
        };
        // Nothing to delete is no failure: secret-tool says so with exit 1, security with 44.
        match (self.platform, out.code) {
            (_, Some(0)) | (Platform::SecretTool, Some(1)) | (Platform::Keychain, Some(44)) => {
                Ok(())
            }
            _ => Err(failed(tool, &out)),
        }
    }
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// The vault this system offers, if any (see the module notes for how it is chosen).
pub fn from_env() -> Option<Arc<dyn SecretVault>> {
    let platform = Platform::detect(std::env::consts::OS, &on_path, &|k| std::env::var(k).ok())?;
    Some(Arc::new(ToolVault::new(platform, Arc::new(ProcessRunner))))
}

#[cfg(test)]
#[path = "keyring_tests.rs"]
pub(crate) mod tests;
