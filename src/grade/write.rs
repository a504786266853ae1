//! Writing a gradebook to the output folder in the formats asked for: `gradebook.csv`,
//! `grades.json`, `junit.xml` and `feedback/<submission>.md` (named per shard with `--shard`;
//! see [`super::output_folder`]).

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

fn put(path: &Path, text: &str) -> Result<PathBuf, WriteError> {
    let err = |e: std::io::Error| WriteError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    if let Some(dir) = path.parent() {
        crate::fsutil::create_private_dir(dir).map_err(err)?;
    }
    crate::fsutil::write_private_atomic(path, text.as_bytes()).map_err(err)?;
    Ok(path.to_path_buf())
}

/// Writes every format asked for under `out`, named by `layout`; returns the files written.
pub fn write_outputs(
    book: &Gradebook,
    out: &Path,
    layout: &Layout,
    formats: &[Format],
) -> Result<Vec<PathBuf>, WriteError> {
    let mut written = Vec::new();
    let feedback = feedback_files(book, layout, formats);
    for f in formats {
        match f {
            Format::Csv => {
                let path = out.join(layout.csv());
                let text =
                    super::export::to_csv(book, &feedback).map_err(|e| WriteError::Write {
                        path: path.clone(),
                        message: e.to_string(),
                    })?;
                written.push(put(&path, &text)?);
            }
            Format::Json => {
                let text = serde_json::to_string_pretty(&super::export::to_json(book, &feedback))
                    .unwrap_or_else(|_| "{}".into());
                written.push(put(&out.join(layout.json()), &text)?);
            }
            Format::Junit => {
                written.push(put(
                    &out.join(layout.junit()),
                    &super::junit::to_junit(book),
                )?);
            }
            Format::Md => {
                for (g, rel) in book.grades.iter().zip(&feedback) {
                    let Some(rel) = rel else { continue };
                    let path = out.join(rel);
                    written.push(put(&path, &super::feedback::to_markdown(g, &book.rubric))?);
                }
            }
        }
    }
    Ok(written)
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
