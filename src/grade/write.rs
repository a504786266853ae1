//! Writing a gradebook to the output folder in the formats asked for: `gradebook.csv`,
//! `grades.json`, `junit.xml` and `feedback/<submission>.md` (named per shard with `--shard`;
//! see [`super::output_folder`]).
//!
//! The set is written whole or not at all: every file goes first into a staging folder inside
//! the output folder (`.sflab-writing-<pid>/`), and only when all are written are they moved
//! into place (renames, which need no more space), feedback first and the CSV that points at it
//! last. When a write fails (a full disk), nothing is moved in place; the staging folder is
//! renamed `unwritten-<UTC time>/` and kept, with the grades JSON in it (or, when even that does
//! not fit, in the system's temporary folder), and the error says where — so the batch need not
//! be graded again. A staging folder whose process is gone (killed) is removed by the next run.

use super::grader::Gradebook;
use super::output_folder::Layout;
use super::submission::unique_file_stems;
use std::path::{Path, PathBuf};

/// An output format of `sflab grade --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    Csv,
    Json,
    Junit,
    Md,
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("unknown format {0:?}: use a comma-separated list of csv, json, junit and md")]
    UnknownFormat(String),
    #[error("could not write {path}: {message}. Check that the output folder is writable.")]
    Write { path: PathBuf, message: String },
    #[error("cannot write the gradebook in {path}: {message}. Nothing was graded; choose an --out folder you can write to.")]
    Unwritable { path: PathBuf, message: String },
    #[error("{path} is a file, but sflab needs a folder there for {needed}. Nothing was graded; move or rename that file, or choose another --out folder.")]
    NotAFolder { path: PathBuf, needed: &'static str },
    #[error("could not write the gradebook in {out}: {cause} Nothing new was put there. {kept}")]
    Unfinished {
        out: PathBuf,
        cause: Box<WriteError>,
        kept: String,
    },
}

impl Format {
    /// Parses `csv,json,junit,md` (any order, any subset; `markdown` and `xml` are accepted).
    pub fn parse_list(text: &str) -> Result<Vec<Format>, WriteError> {
        let mut out = Vec::new();
        for word in text.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            let f = match word.to_ascii_lowercase().as_str() {
                "csv" => Format::Csv,
                "json" => Format::Json,
                "junit" | "xml" => Format::Junit,
                "md" | "markdown" => Format::Md,
                _ => return Err(WriteError::UnknownFormat(word.to_string())),
            };
            if !out.contains(&f) {
                out.push(f);
            }
        }
        if out.is_empty() {
            return Err(WriteError::UnknownFormat(text.to_string()));
        }
        out.sort();
        Ok(out)
    }
}

fn put(path: &Path, text: &str) -> Result<(), WriteError> {
    let err = |e: std::io::Error| WriteError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    if let Some(dir) = path.parent() {
        crate::fsutil::create_private_dir(dir).map_err(err)?;
    }
    crate::fsutil::write_private_atomic(path, text.as_bytes()).map_err(err)
}

/// The staging folders of `out` (`.sflab-writing-<pid>`) whose process is gone.
fn stale_staging(out: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(out) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .strip_prefix(".sflab-writing-")
                .and_then(|pid| pid.parse::<i32>().ok())
                .is_some_and(|pid| !crate::fsutil::process_alive(pid))
        })
        .map(|e| e.path())
        .collect()
}

/// Writes every format asked for under `out`, named by `layout`, whole or not at all (see the
/// module header); returns the files written.
pub fn write_outputs(
    book: &Gradebook,
    out: &Path,
    layout: &Layout,
    formats: &[Format],
) -> Result<Vec<PathBuf>, WriteError> {
    write_outputs_with(book, out, layout, formats, &mut put)
}

/// [`write_outputs`] with the file writer given (a test stands in a full disk).
fn write_outputs_with(
    book: &Gradebook,
    out: &Path,
    layout: &Layout,
    formats: &[Format],
    put: &mut dyn FnMut(&Path, &str) -> Result<(), WriteError>,
) -> Result<Vec<PathBuf>, WriteError> {
    for stale in stale_staging(out) {
        let _ = std::fs::remove_dir_all(stale);
    }
    let staging = out.join(format!(".sflab-writing-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    let written = write_set(book, &staging, layout, formats, put)
        .and_then(|written| move_in_place(&staging, out, layout, formats).map(|()| written));
    match written {
        Ok(written) => {
            let _ = std::fs::remove_dir_all(&staging);
            Ok(written.into_iter().map(|rel| out.join(rel)).collect())
        }
        Err(cause) => Err(WriteError::Unfinished {
            out: out.to_path_buf(),
            kept: keep_unwritten(book, &staging, out, layout, formats),
            cause: Box::new(cause),
        }),
    }
}

/// Writes the set into `dir`; returns the files written, relative to it.
fn write_set(
    book: &Gradebook,
    dir: &Path,
    layout: &Layout,
    formats: &[Format],
    put: &mut dyn FnMut(&Path, &str) -> Result<(), WriteError>,
) -> Result<Vec<PathBuf>, WriteError> {
    let mut written = Vec::new();
    let feedback = feedback_files(book, layout, formats);
    let mut put_rel = |rel: PathBuf, text: &str| -> Result<(), WriteError> {
        put(&dir.join(&rel), text)?;
        written.push(rel);
        Ok(())
    };
    // Feedback first: the CSV and JSON point at its files.
    if formats.contains(&Format::Md) {
        for (g, rel) in book.grades.iter().zip(&feedback) {
            if let Some(rel) = rel {
                put_rel(
                    PathBuf::from(rel),
                    &super::feedback::to_markdown(g, &book.rubric),
                )?;
            }
        }
    }
    for f in formats {
        match f {
            Format::Csv => {
                let text =
                    super::export::to_csv(book, &feedback).map_err(|e| WriteError::Write {
                        path: dir.join(layout.csv()),
                        message: e.to_string(),
                    })?;
                put_rel(layout.csv().into(), &text)?;
            }
            Format::Json => put_rel(layout.json().into(), &json_text(book, layout, formats))?,
            Format::Junit => put_rel(layout.junit().into(), &super::junit::to_junit(book))?,
            Format::Md => {}
        }
    }
    Ok(written)
}

fn json_text(book: &Gradebook, layout: &Layout, formats: &[Format]) -> String {
    let feedback = feedback_files(book, layout, formats);
    serde_json::to_string_pretty(&super::export::to_json(book, &feedback))
        .unwrap_or_else(|_| "{}".into())
}

/// Moves the complete set from `staging` into `out`: feedback, JUnit, JSON, then the CSV.
fn move_in_place(
    staging: &Path,
    out: &Path,
    layout: &Layout,
    formats: &[Format],
) -> Result<(), WriteError> {
    let mut order = Vec::new();
    if formats.contains(&Format::Md) {
        order.push(layout.feedback());
    }
    for (format, name) in [
        (Format::Junit, layout.junit()),
        (Format::Json, layout.json()),
        (Format::Csv, layout.csv()),
    ] {
        if formats.contains(&format) {
            order.push(name.into());
        }
    }
    for rel in order {
        let (from, to) = (staging.join(&rel), out.join(&rel));
        if !from.exists() {
            continue;
        }
        let err = |e: std::io::Error| WriteError::Write {
            path: to.clone(),
            message: e.to_string(),
        };
        if let Some(parent) = to.parent() {
            crate::fsutil::create_private_dir(parent).map_err(err)?;
        }
        std::fs::rename(&from, &to).map_err(err)?;
    }
    Ok(())
}

/// After a failed write: keeps what `staging` holds as `out/unwritten-<stamp>/` with the
/// grades JSON in it, else the JSON in the temporary folder; the sentence saying where.
fn keep_unwritten(
    book: &Gradebook,
    staging: &Path,
    out: &Path,
    layout: &Layout,
    formats: &[Format],
) -> String {
    let stamp = chrono::Utc::now().format("%Y-%m-%dT%H-%M-%SZ").to_string();
    let kept = out.join(format!("unwritten-{stamp}"));
    let folder = if staging.is_dir() && std::fs::rename(staging, &kept).is_ok() {
        kept
    } else {
        let _ = std::fs::remove_dir_all(staging);
        std::env::temp_dir().join(format!("sflab-grades-{}-{stamp}", std::process::id()))
    };
    let json = folder.join(layout.json());
    let text = json_text(book, layout, formats);
    let saved = json.is_file() || put(&json, &text).is_ok();
    let fallback =
        std::env::temp_dir().join(format!("sflab-grades-{}-{stamp}.json", std::process::id()));
    if saved {
        format!(
            "The graded results are kept in {} (with whatever else was written, in {}); free some space, then grade again or use that file, rather than losing the grading.",
            json.display(),
            folder.display()
        )
    } else if crate::fsutil::write_private_atomic(&fallback, text.as_bytes()).is_ok() {
        format!(
            "The graded results are kept in {}; free some space, then grade again or use that file.",
            fallback.display()
        )
    } else {
        "The graded results could not be kept anywhere (the output folder and the temporary folder refused them); free some space and grade again.".to_string()
    }
}

/// Each submission's feedback file relative to the output folder, `/`-separated, or nothing
/// when Markdown feedback was not asked for (see [`unique_file_stems`] for the names).
pub fn feedback_files(
    book: &Gradebook,
    layout: &Layout,
    formats: &[Format],
) -> Vec<Option<String>> {
    if !formats.contains(&Format::Md) {
        return vec![None; book.grades.len()];
    }
    let folder = layout.feedback().to_string_lossy().replace('\\', "/");
    unique_file_stems(book.grades.iter().map(|g| g.name.as_str()))
        .into_iter()
        .map(|stem| Some(format!("{folder}/{stem}.md")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book() -> Gradebook {
        Gradebook {
            rubric: super::super::Rubric {
                lab: "rest-basics".into(),
                title: "REST basics".into(),
                items: Vec::new(),
            },
            grades: vec![
                super::super::archive::not_graded("alice.zip", Path::new("/h/alice.zip")),
                super::super::archive::not_graded("bob.zip", Path::new("/h/bob.zip")),
            ],
        }
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut n: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    }

    #[test]
    fn a_complete_gradebook_is_moved_in_place_and_no_staging_is_left() {
        let out = tempfile::tempdir().unwrap();
        let all = Format::parse_list("csv,json,junit,md").unwrap();
        let written = write_outputs(&book(), out.path(), &Layout::default(), &all).unwrap();
        assert_eq!(
            names(out.path()),
            ["feedback", "gradebook.csv", "grades.json", "junit.xml"]
        );
        assert_eq!(names(&out.path().join("feedback")).len(), 2);
        assert!(written.iter().all(|p| p.exists()), "{written:?}");
    }

    #[test]
    fn a_write_that_fails_part_way_puts_nothing_in_place_and_keeps_the_grades() {
        let out = tempfile::tempdir().unwrap();
        let all = Format::parse_list("csv,json,junit,md").unwrap();
        let mut full_disk = |p: &Path, text: &str| {
            if p.ends_with("grades.json") {
                return Err(WriteError::Write {
                    path: p.to_path_buf(),
                    message: "No space left on device (os error 28)".into(),
                });
            }
            put(p, text)
        };
        let e = write_outputs_with(
            &book(),
            out.path(),
            &Layout::default(),
            &all,
            &mut full_disk,
        )
        .unwrap_err()
        .to_string();
        let left = names(out.path());
        assert_eq!(left.len(), 1, "only the kept folder: {left:?}");
        assert!(left[0].starts_with("unwritten-"), "{left:?}");
        let kept = out.path().join(&left[0]).join("grades.json");
        assert!(kept.is_file(), "the grades survive the failed write");
        assert!(
            e.contains("No space left") && e.contains(&kept.display().to_string()),
            "{e}"
        );
    }

    #[test]
    fn a_staging_folder_left_by_a_killed_grader_is_removed_by_the_next_run() {
        let out = tempfile::tempdir().unwrap();
        let stale = out.path().join(format!(".sflab-writing-{}", i32::MAX - 1));
        std::fs::create_dir_all(stale.join("feedback")).unwrap();
        write_outputs(&book(), out.path(), &Layout::default(), &[Format::Csv]).unwrap();
        assert_eq!(names(out.path()), ["gradebook.csv"]);
    }

    #[test]
    fn formats_parse_in_any_order_and_unknown_ones_are_refused() {
        assert_eq!(
            Format::parse_list("md, csv,json,junit,csv").unwrap(),
            vec![Format::Csv, Format::Json, Format::Junit, Format::Md]
        );
        let e = Format::parse_list("csv,pdf").unwrap_err();
        assert!(e.to_string().contains("\"pdf\""), "{e}");
        assert!(Format::parse_list("").is_err());
    }
}
