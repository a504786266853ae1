//! Tests of the keyring: which tool is chosen, what each tool is asked (never a secret on a
//! command line), and a login store that keeps secrets in a vault or falls back to its files.

use super::*;
use crate::sandbox::profile::tests::login;
use crate::sandbox::profile::{LoginStore, ProfileError};
use parking_lot::Mutex;
use std::collections::HashMap;

/// A keyring tool that keeps entries in memory and records every call.
#[derive(Debug, Default)]
pub struct FakeTool {
    pub calls: Mutex<Vec<(String, Vec<String>, String)>>,
    entries: Mutex<HashMap<String, String>>,
    /// Every `store` fails, like a locked keyring.
    pub refuse: bool,
}

fn arg_after<'a>(args: &'a [&str], key: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| *a == key)
        .and_then(|i| args.get(i + 1))
        .copied()
}

impl ToolRunner for FakeTool {
    fn run(&self, program: &str, args: &[&str], stdin: &str) -> Result<ToolOutput, VaultError> {
        self.calls.lock().push((
            program.into(),
            args.iter().map(|a| a.to_string()).collect(),
            stdin.into(),
        ));
        let ok = |stdout: String| ToolOutput {
            code: Some(0),
            stdout,
            stderr: String::new(),
        };
        let code = |c: i32| ToolOutput {
            code: Some(c),
            stdout: String::new(),
            stderr: "locked".into(),
        };
        let mut entries = self.entries.lock();
        Ok(match (program, args.first().copied()) {
            ("secret-tool", Some("store")) if self.refuse => code(1),
            ("secret-tool", Some("store")) => {
                let account = arg_after(args, "account").unwrap_or_default();
                entries.insert(account.into(), stdin.into());
                ok(String::new())
            }
            ("secret-tool", Some("lookup")) => {
                match entries.get(arg_after(args, "account").unwrap_or_default()) {
                    Some(s) => ok(s.clone()),
                    None => code(1),
                }
            }
            ("secret-tool", Some("clear")) => {
                entries.remove(arg_after(args, "account").unwrap_or_default());
                ok(String::new())
            }
            ("security", Some("-i")) => {
                let words: Vec<&str> = stdin.split_whitespace().collect();
                let account = arg_after(&words, "-a").unwrap_or_default();
                let secret = arg_after(&words, "-w").unwrap_or_default();
                entries.insert(account.into(), secret.into());
                ok(String::new())
            }
            ("security", Some("find-generic-password")) => {
                match entries.get(arg_after(args, "-a").unwrap_or_default()) {
                    Some(s) => ok(format!("{s}\n")),
                    None => code(44),
                }
            }
            ("security", Some("delete-generic-password")) => {
                match entries.remove(arg_after(args, "-a").unwrap_or_default()) {
                    Some(_) => ok(String::new()),
                    None => code(44),
                }
            }
            _ => code(2),
        })
    }
}

fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

#[test]
fn the_platform_tool_is_chosen_only_where_it_can_work() {
    let all = |_: &str| true;
    let none = |_: &str| false;
    let bus = vars(&[("DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/user/1000/bus")]);
    assert_eq!(
        Platform::detect("linux", &all, &bus),
        Some(Platform::SecretTool)
    );
    assert_eq!(
        Platform::detect("linux", &all, &vars(&[])),
        None,
        "no session bus, no Secret Service"
    );
    assert_eq!(
        Platform::detect("linux", &none, &bus),
        None,
        "no secret-tool"
    );
    assert_eq!(
        Platform::detect("macos", &all, &vars(&[])),
        Some(Platform::Keychain)
    );
    assert_eq!(Platform::detect("windows", &all, &bus), None);
    let off = vars(&[
        ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/x"),
        ("SFLAB_KEYRING", "off"),
    ]);
    assert_eq!(Platform::detect("linux", &all, &off), None, "opted out");
    let elsewhere = vars(&[("SFLAB_CONFIG_DIR", "/tmp/x")]);
    assert_eq!(Platform::detect("macos", &all, &elsewhere), None);
    let asked = vars(&[("SFLAB_CONFIG_DIR", "/tmp/x"), ("SFLAB_KEYRING", "on")]);
    assert_eq!(
        Platform::detect("macos", &all, &asked),
        Some(Platform::Keychain)
    );
}

#[test]
fn secrets_round_trip_through_each_tool_and_never_ride_on_a_command_line() {
    for platform in [Platform::SecretTool, Platform::Keychain] {
        let tool = Arc::new(FakeTool::default());
        let vault = ToolVault::new(platform, tool.clone());
        let secret = r#"{"access_token":"00D!x y\"z"}"#;
        vault.put("dev", secret).unwrap();
        assert_eq!(vault.get("dev").unwrap().as_deref(), Some(secret));
        assert_eq!(vault.get("qa").unwrap(), None, "{platform:?}");
        vault.delete("dev").unwrap();
        assert_eq!(vault.get("dev").unwrap(), None);
        for (_, args, stdin) in tool.calls.lock().iter() {
            assert!(
                !args
                    .iter()
                    .any(|a| a.contains("00D") || a.contains(&encode(secret))),
                "{platform:?}: {args:?}"
            );
            assert!(!stdin.contains("00D"), "stored encoded: {stdin}");
        }
    }
}

#[test]
fn a_store_with_a_vault_keeps_no_secret_in_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let tool = Arc::new(FakeTool::default());
    let vault: Arc<dyn SecretVault> = Arc::new(ToolVault::new(Platform::SecretTool, tool));
    let store = LoginStore::at(dir.path()).with_vault(Some(vault.clone()));
    let path = store.save(&login("dev")).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    for (_, secret) in login("dev").secrets() {
        assert!(!text.contains(&secret), "{text}");
    }
    assert!(text.contains("\"secrets\": \"keyring\""), "{text}");
    assert_eq!(
        store.secrets_kept_in("dev"),
        Some("the Secret Service keyring")
    );
    assert_eq!(store.load("dev").unwrap(), login("dev"));

    // Without the keyring the login cannot be used, and the message says what to do.
    let blind = LoginStore::at(dir.path());
    let e = blind.load("dev").unwrap_err();
    assert!(matches!(e, ProfileError::Keyring { .. }), "{e}");
    assert!(e.to_string().contains("sflab org login --alias dev"), "{e}");

    store.remove("dev").unwrap();
    assert_eq!(vault.get("dev").unwrap(), None, "logout clears the keyring");
}

#[test]
fn a_refusing_keyring_falls_back_to_the_private_file() {
    let dir = tempfile::tempdir().unwrap();
    let tool = Arc::new(FakeTool {
        refuse: true,
        ..FakeTool::default()
    });
    let vault: Arc<dyn SecretVault> = Arc::new(ToolVault::new(Platform::SecretTool, tool));
    let store = LoginStore::at(dir.path()).with_vault(Some(vault));
    let path = store.save(&login("dev")).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("00Dxx!secret-access"), "kept in the file");
    assert!(!text.contains("\"secrets\""), "{text}");
    assert_eq!(store.secrets_kept_in("dev"), None);
    assert_eq!(store.load("dev").unwrap(), login("dev"));
    assert_eq!(
        LoginStore::at(dir.path()).load("dev").unwrap(),
        login("dev")
    );
}

/// Against the real tool: run with `SFLAB_KEYRING_LIVE=1` inside a session that has a Secret
/// Service (e.g. `dbus-run-session` with `gnome-keyring-daemon --unlock`) or on macOS.
#[test]
#[ignore = "needs a real OS keyring; set SFLAB_KEYRING_LIVE=1"]
fn live_keyring_round_trip() {
    if std::env::var("SFLAB_KEYRING_LIVE").as_deref() != Ok("1") {
        return;
    }
    let platform = Platform::detect(std::env::consts::OS, &on_path, &|k| {
        if k == "SFLAB_CONFIG_DIR" {
            None
        } else {
            std::env::var(k).ok()
        }
    })
    .expect("a keyring tool and, on Linux, a session bus");
    let vault: Arc<dyn SecretVault> = Arc::new(ToolVault::new(platform, Arc::new(ProcessRunner)));
    let alias = "sflab-live-test";
    let dir = tempfile::tempdir().unwrap();
    let store = LoginStore::at(dir.path()).with_vault(Some(vault.clone()));
    let mut l = login(alias);
    l.alias = alias.into();
    let path = store.save(&l).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    assert!(!text.contains("secret-access"), "{text}");
    assert_eq!(store.secrets_kept_in(alias), Some(vault.name()));
    assert_eq!(store.load(alias).unwrap(), l);
    store.remove(alias).unwrap();
    assert_eq!(vault.get(alias).unwrap(), None);
    vault.delete(alias).unwrap();
}
