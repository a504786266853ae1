//! The report's copy of lab folders: secrets masked by key, by shape and by the values sflab
//! hands the run; only regular files read; written fresh; deletions seen.

use super::*;
use std::time::{Duration, SystemTime};

fn redactor() -> Redactor {
    Redactor::new(&[3; 32])
}

fn lab_folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = t.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    t
}

fn copy(r: &Redactor, dir: &Path, out: &Path) -> FolderCopy {
    let folders = vec![("lab-a".to_string(), dir.to_path_buf())];
    copy_labs(r, &folders, out)
        .unwrap()
        .remove("lab-a")
        .unwrap()
}

fn copied(out: &Path, name: &str) -> String {
    std::fs::read_to_string(out.join("labs/lab-a").join(name)).unwrap()
}

#[test]
fn secrets_in_env_yaml_and_scripts_are_masked_and_every_masked_file_is_listed() {
    let dir = lab_folder(&[
        (
            ".env",
            "SF_CLIENT_ID=3MVG9lab\nSF_CLIENT_SECRET=9F3A2B1C0D9E8F7A\nSF_REFRESH_TOKEN=r-token-value-1\nSF_PASSWORD=hunter2-pw\n",
        ),
        ("creds.yaml", "client_id: 3MVG9lab\nclient_secret: yaml-secret-77\n"),
        (
            "run",
            "#!/bin/sh\ncurl -u \"3MVG9lab:handed-secret-2f8c\" -d x=1 \"$SF_INSTANCE_URL\"\necho 9F3A2B1C0D9E8F7A\n",
        ),
        ("notes.md", "nothing secret here\n"),
    ]);
    let r = redactor();
    r.add_secret("client_secret", "handed-secret-2f8c");
    let out = tempfile::tempdir().unwrap();
    let c = copy(&r, dir.path(), out.path());
    assert_eq!(c.masked, [".env", "creds.yaml", "run"]);
    assert_eq!(c.copied, [".env", "creds.yaml", "notes.md", "run"]);
    let env = copied(out.path(), ".env");
    for secret in ["9F3A2B1C0D9E8F7A", "r-token-value-1", "hunter2-pw"] {
        assert!(!env.contains(secret), "{env}");
    }
    assert!(
        env.starts_with("SF_CLIENT_ID=3MVG9lab\nSF_CLIENT_SECRET=‹redacted:"),
        "{env}"
    );
    assert!(!copied(out.path(), "creds.yaml").contains("yaml-secret-77"));
    let run = copied(out.path(), "run");
    assert!(
        !run.contains("handed-secret-2f8c") && !run.contains("9F3A2B1C0D9E8F7A"),
        "the handed value and a value the .env assigned are masked in run too: {run}"
    );
    assert_eq!(copied(out.path(), "notes.md"), "nothing secret here\n");
    assert!(
        std::fs::read_to_string(dir.path().join(".env"))
            .unwrap()
            .contains("9F3A2B1C0D9E8F7A"),
        "the learner's own file is untouched"
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_is_left_out_instead_of_waited_on() {
    let dir = lab_folder(&[("run", "#!/bin/sh\n")]);
    let fifo = std::ffi::CString::new(dir.path().join("pipe").to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a valid, NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    let out = tempfile::tempdir().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let (from, to) = (dir.path().to_path_buf(), out.path().to_path_buf());
    std::thread::spawn(move || {
        let _ = tx.send(copy(&redactor(), &from, &to));
    });
    let c = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("copying a folder holding a FIFO must not hang");
    assert_eq!(c.copied, ["run"]);
    assert_eq!(c.skipped, ["pipe"]);
}

#[test]
fn a_second_copy_is_fresh_so_deleted_files_are_gone() {
    let dir = lab_folder(&[("run", "#!/bin/sh\n"), ("old.py", "print(1)\n")]);
    let out = tempfile::tempdir().unwrap();
    copy(&redactor(), dir.path(), out.path());
    assert!(out.path().join("labs/lab-a/old.py").is_file());
    std::fs::remove_file(dir.path().join("old.py")).unwrap();
    let c = copy(&redactor(), dir.path(), out.path());
    assert_eq!(c.copied, ["run"]);
    assert!(!out.path().join("labs/lab-a/old.py").exists());
    let leftovers: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers, ["labs"], "no staging folder is left behind");
}

#[test]
fn a_second_copy_keeps_files_the_user_added_and_edited_copies_as_bak() {
    let dir = lab_folder(&[("run", "#!/bin/sh\n"), ("lib/util.sh", "x=1\n")]);
    let out = tempfile::tempdir().unwrap();
    let folders = vec![("lab-a".to_string(), dir.path().to_path_buf())];
    copy_labs_keeping(&redactor(), &folders, out.path()).unwrap();
    let copy = out.path().join("labs/lab-a");
    std::fs::write(copy.join("review.md"), "looks good\n").unwrap();
    std::fs::write(copy.join("run"), "#!/bin/sh\n# lead's remark\n").unwrap();
    let (_, kept) = copy_labs_keeping(&redactor(), &folders, out.path()).unwrap();
    assert_eq!(kept.len(), 2, "{kept:?}");
    // The lead's own file stays where it was; the edited copy is kept beside the new one.
    assert_eq!(
        std::fs::read_to_string(copy.join("review.md")).unwrap(),
        "looks good\n"
    );
    assert_eq!(copied(out.path(), "run"), "#!/bin/sh\n");
    let edited = kept.iter().find(|k| k.edited).expect("the edited run");
    assert_eq!(edited.was, "labs/lab-a/run");
    assert!(edited.now.to_string_lossy().ends_with(".bak"), "{edited:?}");
    assert_eq!(
        std::fs::read_to_string(&edited.now).unwrap(),
        "#!/bin/sh\n# lead's remark\n"
    );
    let added = kept.iter().find(|k| !k.edited).expect("the added review");
    assert_eq!(added.now, copy.join("review.md"));
    // Untouched, a third copy keeps nothing new and leaves both where they are.
    let (_, again) = copy_labs_keeping(&redactor(), &folders, out.path()).unwrap();
    assert!(again.iter().all(|k| !k.edited), "{again:?}");
    assert!(edited.now.is_file() && copy.join("review.md").is_file());
}

fn set_mtime(path: &Path, at: SystemTime) {
    std::fs::File::open(path).unwrap().set_modified(at).unwrap();
}

#[test]
fn deleting_a_file_makes_the_folder_newer() {
    let dir = lab_folder(&[("run", "#!/bin/sh\n"), ("lib/util.sh", "x=1\n")]);
    let hours_ago = SystemTime::now() - Duration::from_secs(2 * 3600);
    for p in ["run", "lib/util.sh", "lib", ""] {
        set_mtime(&dir.path().join(p), hours_ago);
    }
    let out = tempfile::tempdir().unwrap();
    let before = copy(&redactor(), dir.path(), out.path()).newest.unwrap();
    assert_eq!(before, hours_ago);
    std::fs::remove_file(dir.path().join("lib/util.sh")).unwrap();
    let after = copy(&redactor(), dir.path(), out.path()).newest.unwrap();
    assert!(
        after > hours_ago + Duration::from_secs(3600),
        "the deletion shows in the folder's time"
    );
}

#[test]
fn a_password_with_the_security_token_appended_is_masked_whole_in_the_copy() {
    // The token is assigned in `.env` (read first, so learnt before the script), and the
    // script logs in with the password and the token glued together, as Salesforce's
    // username-password flow wants them; another value shares a run with the access token.
    let dir = lab_folder(&[
        (".env", "SF_SECURITY_TOKEN=XyZ123abcDEF456ghiJKL\n"),
        (
            "login.sh",
            "curl -d grant_type=password -d username=a@b.c -d \"password=Kestrel!Hunter2XyZ123abcDEF456ghiJKL\" https://login.salesforce.com/services/oauth2/token\nSF_CLIENT_SECRET=3MVG9abcSUPERSECRETvalue1234567890\n",
        ),
    ]);
    let r = redactor();
    r.add_secret(
        "access_token",
        "00Dxx0000001gPL!AQvalue1234567890abcdefghij",
    );
    let out = tempfile::tempdir().unwrap();
    copy(&r, dir.path(), out.path());
    let login = copied(out.path(), "login.sh");
    for leaked in ["Kestrel", "Hunter2", "XyZ123", "SUPERSECRET", "3MVG9abc"] {
        assert!(!login.contains(leaked), "{leaked} in {login}");
    }
    assert!(
        login.contains("\"password=‹redacted:password#")
            && login.contains("\nSF_CLIENT_SECRET=‹redacted:sf_client_secret#"),
        "each value masked whole under its own key: {login}"
    );
}

#[test]
fn an_earlier_report_inside_a_lab_folder_is_left_out_of_the_copy() {
    let dir = lab_folder(&[
        ("run", "#!/bin/sh\n"),
        ("report/progress.json", "{}"),
        ("report/labs/lab-a/run", "#!/bin/sh\n"),
        ("notes/progress.json", "not a report: no labs/ beside it"),
    ]);
    let out = tempfile::tempdir().unwrap();
    let c = copy(&redactor(), dir.path(), out.path());
    assert_eq!(c.copied, ["notes/progress.json", "run"]);
    assert_eq!(c.skipped, ["report/"]);
    assert!(!out.path().join("labs/lab-a/report").exists());
}

/// A rotation job's store of `{origin, refresh_token}` as a program may write it encoded.
fn encoded_stores(token: &str) -> Vec<(&'static str, String)> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use base64::Engine;
    let json = format!(r#"{{"origin":"e3b0c442","refresh_token":"{token}"}}"#);
    let percent: String = token.bytes().map(|b| format!("%{b:02x}")).collect();
    vec![
        (".rt-state.json", STANDARD.encode(&json)),
        ("state/rt.b64url", URL_SAFE_NO_PAD.encode(&json)),
        ("state/rt.hex", hex::encode(&json)),
        ("state/rt.env", format!("RT={percent}\n")),
        (
            "state/rt.wrapped",
            STANDARD
                .encode(json.repeat(3))
                .as_bytes()
                .chunks(76)
                .map(|l| format!("{}\n", std::str::from_utf8(l).unwrap()))
                .collect(),
        ),
    ]
}

#[test]
fn a_token_store_written_encoded_is_masked_in_the_copy_and_listed() {
    // The report's redactor never saw this token: the run that was answered with it is over.
    let token = "5Aep861IKW6x1gBZq2ZpLmR8u7aTfXcVb9yHs0dE.QwErTy_uIoP";
    let stores = encoded_stores(token);
    let files: Vec<(&str, &str)> = stores.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let dir = lab_folder(&files);
    let r = redactor();
    let out = tempfile::tempdir().unwrap();
    let c = copy(&r, dir.path(), out.path());
    let marker = r.marker("refresh_token", token);
    for (path, original) in &stores {
        assert!(c.masked.iter().any(|m| m == path), "{path}: {:?}", c.masked);
        let copy = copied(out.path(), path);
        assert!(copy.contains(&marker), "{path}: {copy}");
        let first = original.trim_start_matches("RT=");
        assert!(!copy.contains(&first[..16]), "{path}: {copy}");
    }
}

#[test]
fn a_binary_token_store_is_left_out_of_the_copy_and_listed() {
    let dir = lab_folder(&[("run", "#!/bin/sh\n")]);
    let mut db = b"SQLite format 3\0\x10\x00\x01\x01\xff\xfe".to_vec();
    db.extend_from_slice(b"\x81\x23e3b0c4425Aep861IKW6x1gBZq2ZpLmR8u7aTfXcVb9yHs0dE");
    std::fs::write(dir.path().join("tokens.db"), db).unwrap();
    let out = tempfile::tempdir().unwrap();
    let c = copy(&redactor(), dir.path(), out.path());
    assert_eq!(c.copied, ["run"]);
    assert_eq!(c.skipped, ["tokens.db"]);
    assert!(!out.path().join("labs/lab-a/tokens.db").exists());
}

#[cfg(unix)]
#[test]
fn each_copied_file_keeps_the_learners_permission_bits_and_stays_masked() {
    use std::os::unix::fs::PermissionsExt;
    let dir = lab_folder(&[
        (
            "token.cache",
            "{\"access_token\": \"00Dxx0000001gPL!AR8AQJXg5oj8jXSgxJfA0lBog.3\"}\n",
        ),
        (
            "secret.json",
            "{\"access_token\": \"00Dxx0000001gPL!AR8AQJXg5oj8jXSgxJfA0lBog.4\"}\n",
        ),
        ("run", "#!/bin/sh\n"),
    ]);
    let set = |name: &str, mode: u32| {
        std::fs::set_permissions(dir.path().join(name), std::fs::Permissions::from_mode(mode))
            .unwrap()
    };
    set("token.cache", 0o644);
    set("secret.json", 0o600);
    set("run", 0o755);
    let out = tempfile::tempdir().unwrap();
    let c = copy(&redactor(), dir.path(), out.path());
    assert_eq!(c.masked, ["secret.json", "token.cache"]);
    let mode = |name: &str| {
        std::fs::metadata(out.path().join("labs/lab-a").join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(
        mode("token.cache"),
        0o644,
        "readable by others, as the learner left it"
    );
    assert_eq!(mode("secret.json"), 0o600);
    assert_eq!(mode("run"), 0o755);
    assert!(!copied(out.path(), "token.cache").contains("AR8AQJXg5oj8"));
    let folder = std::fs::metadata(out.path().join("labs/lab-a")).unwrap();
    assert_eq!(
        folder.permissions().mode() & 0o077,
        0,
        "the copy's folder is the lead's alone"
    );
}

#[test]
fn a_token_used_as_a_file_name_is_masked_in_the_copy_and_its_listing() {
    let token = "00D5g000004XyZ1!AQAn05hZSwOJwoEOhiIc8pSJcp.hn1kfiVBiN90sW5";
    let dir = lab_folder(&[
        (&format!("cache/{token}.json"), "{\"records\": []}\n"),
        ("run", "#!/bin/sh\n"),
    ]);
    let r = redactor();
    r.add_secret("access_token", token);
    let out = tempfile::tempdir().unwrap();
    let c = copy(&r, dir.path(), out.path());
    let name = format!("cache/{}.json", r.marker("access_token", token));
    assert_eq!(c.copied, [name.clone(), "run".to_string()]);
    assert_eq!(c.masked, std::slice::from_ref(&name));
    assert_eq!(copied(out.path(), &name), "{\"records\": []}\n");
    let listing = format!("{c:?}");
    assert!(!listing.contains("AQAn05hZ"), "{listing}");
    assert!(!out
        .path()
        .join("labs/lab-a/cache")
        .join(format!("{token}.json"))
        .exists());
}
