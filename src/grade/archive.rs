//! Submissions handed in as archives: `grace.zip` or `heidi.tar.gz` beside the submission
//! folders. sflab does not unpack them (what an archive holds — links out of the folder,
//! absolute paths, a few gigabytes — is for the lead to look at first), but a learner who
//! handed one in must not silently lack a grade: each archive is a gradebook entry of its own,
//! not graded ([`GradeError::Archive`]), with the command that unpacks it. It shows in every
//! output (CSV row, grades.json entry, a JUnit suite of errors, a feedback file, the summary).

use super::grader::{GradeError, Gradebook, SubmissionGrade};
use super::submission::CopyNotes;
use std::path::Path;
use std::time::Duration;

/// File name endings of archives, and how each is unpacked into a folder `{dir}`.
const UNPACK: &[(&str, &str)] = &[
    (".zip", "unzip {file} -d {dir}"),
    (".tar.gz", "mkdir {dir} && tar -xzf {file} -C {dir}"),
    (".tgz", "mkdir {dir} && tar -xzf {file} -C {dir}"),
    (".tar.bz2", "mkdir {dir} && tar -xjf {file} -C {dir}"),
    (".tar.xz", "mkdir {dir} && tar -xJf {file} -C {dir}"),
    (".tar", "mkdir {dir} && tar -xf {file} -C {dir}"),
    (".7z", "7z x {file} -o{dir}"),
    (".rar", "mkdir {dir} && unrar x {file} {dir}/"),
];

/// The archive ending of a file name (any case), if it has one.
fn ending(name: &str) -> Option<(usize, &'static str)> {
    let lower = name.to_ascii_lowercase();
    UNPACK
        .iter()
        .find(|(ext, _)| lower.ends_with(ext) && lower.len() > ext.len())
        .map(|(ext, how)| (name.len() - ext.len(), *how))
}

/// Whether a file name is an archive's (`bob.zip`, `carol.TAR.GZ`).
pub fn is_archive(name: &str) -> bool {
    ending(name).is_some()
}

/// A word as a POSIX shell reads it back: quoted when it holds anything but letters, digits
/// and `._-+@%,/:=`.
fn shell_word(word: &str) -> String {
    let plain = word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-+@%,/:=".contains(c));
    if plain && !word.is_empty() && !word.starts_with('-') {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The folder [`unpack_command`] unpacks the archive `name` into: `grace` for `grace.zip`.
pub fn unpacked_name(name: &str) -> &str {
    let stem_len = ending(name).map_or(name.len(), |(len, _)| len);
    match &name[..stem_len] {
        "" => "submission",
        stem => stem,
    }
}

/// The command that unpacks the archive `name` into a folder named after it:
/// `unzip grace.zip -d grace`.
pub fn unpack_command(name: &str) -> String {
    let how = ending(name).map_or("unzip {file} -d {dir}", |(_, how)| how);
    how.replace("{file}", &shell_word(name))
        .replace("{dir}", &shell_word(unpacked_name(name)))
}

/// Why an archive is not graded and how to have it graded, for the lead.
pub fn reason(name: &str) -> String {
    format!(
        "{name} is an archive, which sflab does not open: unpack it into a folder of its own beside the other submissions (`{}`), with the lab's `run` at the top of that folder, and grade again",
        unpack_command(name)
    )
}

/// The gradebook entry of the archive `name` at `path`: not graded, saying why.
pub fn not_graded(name: &str, path: &Path) -> SubmissionGrade {
    SubmissionGrade {
        name: name.to_string(),
        dir: path.to_path_buf(),
        result: Err(GradeError::Archive(reason(name))),
        output_cap: 0,
        not_run: None,
        copy: CopyNotes::default(),
        hand_in_notes: Vec::new(),
        stray: Vec::new(),
        exchanges_left_out: 0,
        wall: Duration::ZERO,
        overhead: Duration::ZERO,
    }
}

impl Gradebook {
    /// Adds the entries of archives handed in (see [`not_graded`]), keeping the gradebook in
    /// the order of submission names.
    pub fn add_archives(&mut self, archives: impl IntoIterator<Item = SubmissionGrade>) {
        self.grades.extend(archives);
        self.grades
            .sort_by(|a, b| a.name.cmp(&b.name).then(a.dir.cmp(&b.dir)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_archive_is_named_with_the_command_that_unpacks_it() {
        assert_eq!(unpack_command("grace.zip"), "unzip grace.zip -d grace");
        assert_eq!(
            unpack_command("heidi.tar.gz"),
            "mkdir heidi && tar -xzf heidi.tar.gz -C heidi"
        );
        assert_eq!(
            unpack_command("Carol.TAR.XZ"),
            "mkdir Carol && tar -xJf Carol.TAR.XZ -C Carol"
        );
        assert_eq!(
            unpack_command("José Núñez's work.zip"),
            r"unzip 'José Núñez'\''s work.zip' -d 'José Núñez'\''s work'"
        );
        assert!(is_archive("bob.7z") && is_archive("x.TGZ") && !is_archive("notes.txt"));
        assert!(
            !is_archive(".zip"),
            "a hidden file named .zip has no name to unpack to"
        );
    }

    #[test]
    fn an_archive_is_an_entry_not_graded_with_its_reason() {
        let g = not_graded("grace.zip", Path::new("/subs/grace.zip"));
        let Err(e) = &g.result else {
            panic!("an archive has no report")
        };
        assert!(e.not_graded() && !g.passed());
        assert!(
            e.message()
                .contains("grace.zip is an archive, which sflab does not open")
                && e.message().contains("`unzip grace.zip -d grace`"),
            "{}",
            e.message()
        );
    }
}
