//! The files `sflab report` writes beside `labs/` — the marker (`.sflab-report`),
//! `progress.json` and `progress.md` — and how a report tells its own from a learner's.
//!
//! - A file there that sflab did not write (notes of the learner's own called progress.md, a
//!   progress.json of another tool) is never replaced: the report is refused before anything
//!   is written, naming the file ([`refuse_foreign`]). sflab's own is known by its content
//!   (progress.json: an object with `track`, `generated_at` and `labs`; progress.md: its
//!   `# Progress on “…”` title; the marker: its first words), so a report of an older sflab
//!   is still replaced.
//! - Each file carries a digest of what sflab wrote (progress.json: `_digest`, the SHA-256 of
//!   the document without it as compact JSON; progress.md: a last HTML comment, hidden when
//!   the Markdown is shown). One edited since (a line added to progress.md) is kept as
//!   `<file>.<time>.bak` before it is replaced ([`crate::fsutil::replace_keeping_edits`]), and
//!   the command says where. A report without a digest (an older sflab) is kept aside too: its
//!   edits cannot be told.

use super::report::ReportError;
use std::path::{Path, PathBuf};

/// The file that marks a folder as `sflab report`'s output, written before anything else.
pub const REPORT_MARKER: &str = ".sflab-report";
pub(super) const REPORT_MARKER_TEXT: &str =
    "This folder is written by `sflab report`; running it again replaces its labs/ folder.\n";

/// The field of progress.json holding its digest.
const JSON_DIGEST: &str = "_digest";
/// progress.md's title starts so.
const MD_TITLE: &str = "# Progress on “";
/// progress.md's last line, before the digest of the lines above it.
const MD_DIGEST: &str = "<!-- sflab digest (an edited copy is kept aside when replaced): ";

/// Whether `bytes` is a progress.json `sflab report` wrote.
fn is_report_json(bytes: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(bytes).is_ok_and(|doc| {
        doc.get("track").is_some_and(|t| t.is_string())
            && doc.get("generated_at").is_some_and(|t| t.is_string())
            && doc.get("labs").is_some_and(|l| l.is_array())
    })
}

/// Whether `bytes` is a progress.md `sflab report` wrote.
fn is_report_md(bytes: &[u8]) -> bool {
    bytes.starts_with(MD_TITLE.as_bytes())
}

/// Whether `bytes` is the marker `sflab report` wrote.
fn is_marker(bytes: &[u8]) -> bool {
    bytes.starts_with(b"This folder is written by `sflab report`")
}

/// A file a report replaces: its name, whether some content is sflab's, and how that is told.
type OwnFile = (&'static str, fn(&[u8]) -> bool, &'static str);

/// Each file a report replaces, with how sflab's own is known.
fn own_files() -> [OwnFile; 3] {
    [
        (
            REPORT_MARKER,
            is_marker,
            "sflab's marker starts \"This folder is written by `sflab report`\"",
        ),
        (
            "progress.json",
            is_report_json,
            "sflab's progress.json is an object with track, generated_at and labs",
        ),
        (
            "progress.md",
            is_report_md,
            "sflab's progress.md starts with \"# Progress on “\"",
        ),
    ]
}

/// Refuses an `--out` folder holding a file the report would replace that sflab did not
/// write (see the module notes). Nothing has been written when this is called.
pub(super) fn refuse_foreign(out: &Path) -> Result<(), ReportError> {
    for (name, ours, how) in own_files() {
        let path = out.join(name);
        // A folder of that name is not replaced either: writing the file fails, saying so.
        if !path.is_dir() && !crate::fsutil::replaceable(&path, ours) {
            return Err(ReportError::NotOurs {
                path,
                out: out.to_path_buf(),
                how,
            });
        }
    }
    Ok(())
}

/// progress.json's text: `doc` with its digest.
pub(super) fn json_text(mut doc: serde_json::Value) -> String {
    let sum = crate::fsutil::digest(doc.to_string().as_bytes());
    if let Some(fields) = doc.as_object_mut() {
        fields.insert(JSON_DIGEST.into(), serde_json::Value::String(sum));
    }
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// Whether `bytes` is a progress.json as sflab wrote it: its digest matches the rest of it.
fn json_as_written(bytes: &[u8]) -> bool {
    let Ok(mut doc) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return false;
    };
    let Some(serde_json::Value::String(sum)) = doc
        .as_object_mut()
        .and_then(|fields| fields.shift_remove(JSON_DIGEST))
    else {
        return false;
    };
    crate::fsutil::digest(doc.to_string().as_bytes()) == sum
}

/// progress.md's text: `md` with its digest as a last HTML comment.
pub(super) fn md_text(md: &str) -> String {
    format!(
        "{md}{MD_DIGEST}{} -->\n",
        crate::fsutil::digest(md.as_bytes())
    )
}

/// Whether `bytes` is a progress.md as sflab wrote it: its last line is the digest of the
/// lines above it.
fn md_as_written(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    text.rfind(MD_DIGEST).is_some_and(|at| {
        let (md, last) = text.split_at(at);
        last == format!("{MD_DIGEST}{} -->\n", crate::fsutil::digest(md.as_bytes()))
    })
}

/// Writes progress.json (`json`) or progress.md (`md`) as `name` under `out`, keeping the
/// file there first when it was edited since sflab wrote it; returns where that copy is.
pub(super) fn replace(out: &Path, name: &str, text: &str) -> Result<Option<PathBuf>, ReportError> {
    let path = out.join(name);
    let as_written = if name.ends_with(".json") {
        json_as_written
    } else {
        md_as_written
    };
    crate::fsutil::replace_keeping_edits(&path, text.as_bytes(), as_written).map_err(|source| {
        ReportError::Write {
            path: path.clone(),
            source,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_of_the_learners_own_in_the_out_folder_refuse_the_report_naming_the_file() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("mine3");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("progress.md"), "my own notes\n").unwrap();
        let e = refuse_foreign(&out).unwrap_err().to_string();
        assert!(
            e.contains("progress.md")
                && e.contains("is not a file `sflab report` wrote")
                && e.contains("Move"),
            "{e}"
        );
        std::fs::write(out.join("progress.md"), md_text("# Progress on “T”\n")).unwrap();
        std::fs::write(out.join("progress.json"), r#"{"name": "another tool"}"#).unwrap();
        let e = refuse_foreign(&out).unwrap_err().to_string();
        assert!(e.contains("progress.json"), "{e}");
        std::fs::write(
            out.join("progress.json"),
            json_text(serde_json::json!({"track": "T", "generated_at": "now", "labs": []})),
        )
        .unwrap();
        refuse_foreign(&out).expect("sflab's own report is replaced");
    }

    #[test]
    fn a_report_file_edited_since_sflab_wrote_it_is_kept_aside_when_replaced() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path();
        let md = md_text("# Progress on “T”\n\n1 of 1 passed.\n");
        assert!(md_as_written(md.as_bytes()));
        assert_eq!(replace(out, "progress.md", &md).unwrap(), None);
        assert_eq!(
            replace(out, "progress.md", &md).unwrap(),
            None,
            "as written"
        );
        let edited = md.replace("1 of 1 passed.", "1 of 1 passed. My note for the lead.");
        std::fs::write(out.join("progress.md"), &edited).unwrap();
        let kept = replace(out, "progress.md", &md).unwrap().expect("kept");
        assert_eq!(std::fs::read_to_string(kept).unwrap(), edited);

        let json = json_text(serde_json::json!({"track": "T", "generated_at": "x", "labs": []}));
        assert!(json_as_written(json.as_bytes()) && is_report_json(json.as_bytes()));
        let reindented =
            serde_json::to_string(&serde_json::from_str::<serde_json::Value>(&json).unwrap())
                .unwrap();
        assert!(json_as_written(reindented.as_bytes()), "layout is no edit");
        assert!(!json_as_written(json.replace("\"T\"", "\"U\"").as_bytes()));
    }
}
