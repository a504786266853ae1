//! The file `sflab transcript --har FILE` writes: a HAR 1.2 document of the last attempt
//! (`--har -` prints the same document to standard output instead).
//!
//! - An existing file is replaced only when it is a HAR sflab wrote (`log.creator.name` is
//!   "sflab"), so a mistyped name never replaces a learner's program or a browser's HAR.
//! - sflab's HAR carries a digest of itself (`log._digest`, an sflab field as the format
//!   allows: the SHA-256 of the document without it, as compact JSON). One the learner edited
//!   since (a comment added to an entry) no longer matches it, and is kept as
//!   `<file>.<time>.bak` before it is replaced; the command says where.
//!
//! Implementation notes: the digest is over the parsed document re-written compactly (keys in
//! the file's order), so re-indenting the file in an editor is not taken for an edit.

use crate::cli::Failure;
use crate::evidence::Exchange;
use std::path::{Path, PathBuf};

/// The field of `log` holding the digest.
const DIGEST: &str = "_digest";

/// Whether `bytes` is a HAR sflab wrote (its `log.creator.name` is "sflab").
fn is_sflab_har(bytes: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(bytes)
        .is_ok_and(|har| har["log"]["creator"]["name"] == "sflab")
}

/// The file `--har` writes, once it is known not to be someone else's: an existing file is
/// replaced only when it is a HAR sflab wrote. It holds the requests' headers and bodies, so a
/// symbolic link there (dangling or not) is refused, not followed.
pub(super) fn har_target(path: &Path) -> Result<PathBuf, Failure> {
    if let Err(leads_to) = crate::fsutil::refuse_link(path) {
        return Err(Failure::usage(format!(
            "--har {} is a symbolic link (to {}); a HAR holds the requests' headers and bodies, so sflab writes it only as a file of its own, never through a link. Name a plain file, or remove the link first.",
            path.display(),
            leads_to.display()
        )));
    }
    let target = path.to_path_buf();
    if crate::fsutil::replaceable(&target, is_sflab_har) {
        return Ok(target);
    }
    Err(Failure::usage(format!(
        "--har {} already exists and is not a HAR sflab wrote, so it is left as it is. Name a new file (for example transcript.har), or move that one aside first if it may be replaced.",
        path.display()
    )))
}

/// The HAR text of `exchanges`, with its digest.
pub(super) fn har_text(exchanges: &[Exchange]) -> String {
    let mut har = crate::har::to_har(exchanges);
    let sum = crate::fsutil::digest(har.to_string().as_bytes());
    har["log"][DIGEST] = serde_json::Value::String(sum);
    serde_json::to_string_pretty(&har).unwrap_or_else(|_| "{}".to_string())
}

/// Whether `bytes` is a HAR as sflab wrote it: its digest matches the rest of it.
fn har_as_written(bytes: &[u8]) -> bool {
    let Ok(mut har) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return false;
    };
    let Some(log) = har.get_mut("log").and_then(|l| l.as_object_mut()) else {
        return false;
    };
    let Some(serde_json::Value::String(sum)) = log.shift_remove(DIGEST) else {
        return false;
    };
    crate::fsutil::digest(har.to_string().as_bytes()) == sum
}

/// Writes the HAR of `exchanges` to `target` (named `given` on the command line), keeping a
/// copy of the file there first when the learner edited it; returns a line saying where.
pub(super) fn write_har(
    given: &Path,
    target: &Path,
    exchanges: &[Exchange],
) -> Result<Option<String>, Failure> {
    let kept = crate::fsutil::replace_keeping_edits(
        target,
        har_text(exchanges).as_bytes(),
        har_as_written,
    )
    .map_err(|e| Failure::usage(format!("could not write {}: {e}", given.display())))?;
    Ok(kept.map(|b| {
        format!(
            "{} had been edited since sflab wrote it; that version is kept in {}.",
            given.display(),
            b.display()
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{Body, RecordedRequest};

    fn exchange() -> Exchange {
        let t = chrono::DateTime::<chrono::Utc>::default();
        Exchange {
            seq: 1,
            run_index: 1,
            started_at: t,
            finished_at: t,
            request: RecordedRequest {
                method: "GET".into(),
                url: "https://127.0.0.1:1/services/data/v62.0/limits".into(),
                path: "/services/data/v62.0/limits".into(),
                query: None,
                headers: Vec::new(),
                body: Body::text(""),
                http_version: None,
            },
            response: None,
            fault: None,
            error: None,
            client_processes: Vec::new(),
        }
    }

    #[test]
    fn a_har_replaces_only_a_har_sflab_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("run");
        std::fs::write(&run, "#!/bin/sh\nnode main.js\n").unwrap();
        let e = har_target(&run).unwrap_err().message;
        assert!(e.contains("is not a HAR sflab wrote"), "{e}");
        let own = dir.path().join("t.har");
        std::fs::write(&own, crate::har::to_har_string(&[])).unwrap();
        assert_eq!(har_target(&own).unwrap(), own);
        let browsers = dir.path().join("chrome.har");
        std::fs::write(&browsers, r#"{"log":{"creator":{"name":"WebInspector"}}}"#).unwrap();
        assert!(har_target(&browsers).is_err(), "a browser's HAR is kept");
    }

    #[cfg(unix)]
    #[test]
    fn a_har_path_that_is_a_link_is_refused_and_nothing_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("gone.har");
        let link = dir.path().join("link.har");
        std::os::unix::fs::symlink(&gone, &link).unwrap();
        let e = har_target(&link).unwrap_err().message;
        assert!(e.contains("link.har") && e.contains("symbolic link"), "{e}");
        assert!(!gone.exists(), "the link's target is not created");
    }

    #[test]
    fn a_har_edited_since_sflab_wrote_it_is_kept_aside_when_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.har");
        let exchanges = vec![exchange()];
        assert_eq!(write_har(&file, &file, &exchanges).unwrap(), None);
        let text = std::fs::read(&file).unwrap();
        assert!(har_as_written(&text));
        assert_eq!(
            write_har(&file, &file, &exchanges).unwrap(),
            None,
            "its own HAR is replaced without a copy"
        );
        // Re-indented by an editor: the same document, not an edit.
        let value: serde_json::Value = serde_json::from_slice(&text).unwrap();
        std::fs::write(&file, value.to_string()).unwrap();
        assert_eq!(write_har(&file, &file, &exchanges).unwrap(), None);
        // A note added to an entry is an edit.
        let mut edited = value.clone();
        edited["log"]["entries"][0]["comment"] = "the 401 here".into();
        let edited = serde_json::to_string_pretty(&edited).unwrap();
        std::fs::write(&file, &edited).unwrap();
        let line = write_har(&file, &file, &exchanges)
            .unwrap()
            .expect("a notice");
        let backup: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().ends_with(".bak"))
            .collect();
        assert_eq!(backup.len(), 1, "{backup:?}");
        assert_eq!(std::fs::read_to_string(&backup[0]).unwrap(), edited);
        assert!(line.contains(&backup[0].display().to_string()), "{line}");
    }
}
