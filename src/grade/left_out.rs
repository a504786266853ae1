//! The files a submission's graded copy leaves out, and why, in the words every output of
//! `sflab grade` uses: the learner's feedback, the console summary, the CSV's `notes` cell,
//! JUnit's `<system-out>` and `left_out` in grades.json.
//!
//! Every file or folder left out is named with the rule that left it out, but `lab.yaml`,
//! which has its own note in the feedback. The learner is told apart what their program may
//! have meant to use (a link, a file over 2 MB, a pipe, installed packages, a database…) and
//! what is never part of a program (sflab state, version control and caches: `.git`,
//! `__pycache__`), so the latter does not read as a reason their run failed.
//!
//! Pure: the copy itself is made in [`super::submission`].

use super::submission::{MAX_FILES, MAX_FILE_BYTES};
use std::path::Path;

/// At most this many files are named per reason; the rest are counted.
const NAMED_PER_REASON: usize = 5;

/// Why a file or folder of a submission was not copied into its grading folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LeftOut {
    /// A symbolic link: grading never follows one out of the submission.
    Link,
    /// Larger than [`MAX_FILE_BYTES`].
    TooLarge,
    /// A pipe, socket or device.
    NotRegular,
    /// A folder deeper than grading descends.
    TooDeep,
    /// Past the first [`MAX_FILES`] files.
    TooMany,
    /// `node_modules`, a virtualenv, `*.db`, `*.sqlite`…: installed, or state a run starts
    /// without.
    PackagesOrDatabase,
    /// `lab.yaml`: every submission is graded by the lab as sflab ships it.
    LabFile,
    /// sflab state, version control and caches (`.sflab`, `.git`, `.hg`, `__pycache__`).
    Housekeeping,
}

impl LeftOut {
    /// Why a path is left out by its name alone (any of its components), if it is.
    pub fn by_name(rel: &Path) -> Option<LeftOut> {
        rel.components().find_map(|c| {
            let lower = c.as_os_str().to_string_lossy().to_ascii_lowercase();
            match lower.as_str() {
                "lab.yaml" | "lab.yml" => Some(LeftOut::LabFile),
                ".sflab" | ".git" | "__pycache__" => Some(LeftOut::Housekeeping),
                "node_modules" => Some(LeftOut::PackagesOrDatabase),
                _ if [".db", ".db-wal", ".db-shm", ".sqlite"]
                    .iter()
                    .any(|ext| lower.ends_with(ext)) =>
                {
                    Some(LeftOut::PackagesOrDatabase)
                }
                _ => None,
            }
        })
    }

    /// Why the folder at `dir` is left out, by the rule the lab folder's walk follows
    /// ([`crate::lab::walk::skipped_folder`]): installed packages (`node_modules`, `.venv`,
    /// `venv`, any folder holding `pyvenv.cfg`), caches, version control and sflab's own
    /// folders, so grading copies what the checks and `sflab report` read.
    pub fn of_folder(dir: &Path) -> Option<LeftOut> {
        use crate::lab::walk::Skipped as Walk;
        crate::lab::walk::skipped_folder(dir).map(|why| match why {
            Walk::Packages => LeftOut::PackagesOrDatabase,
            Walk::Cache | Walk::VersionControl | Walk::Sflab => LeftOut::Housekeeping,
        })
    }

    /// The rule that left the file out, as a clause that reads for one file or several.
    pub fn rule(self) -> String {
        match self {
            LeftOut::Link => "grading does not follow symbolic links".into(),
            LeftOut::TooLarge => format!(
                "grading copies no file over {} MB",
                MAX_FILE_BYTES / (1024 * 1024)
            ),
            LeftOut::NotRegular => {
                "grading copies only regular files, not pipes, sockets or devices".into()
            }
            LeftOut::TooDeep => "grading does not copy folders nested that deep".into(),
            LeftOut::TooMany => format!("grading copies at most {MAX_FILES} files"),
            LeftOut::PackagesOrDatabase => {
                "grading copies no installed packages or databases".into()
            }
            LeftOut::LabFile => "every submission is graded by the lab as sflab ships it".into(),
            LeftOut::Housekeeping => {
                "sflab state, version control and caches are not copied".into()
            }
        }
    }

    /// Whether the learner and the lead are told (`lab.yaml` has a note of its own).
    pub fn is_named(self) -> bool {
        !matches!(self, LeftOut::LabFile)
    }

    /// Whether the program may have meant to use what was left out (sflab state, version
    /// control and caches are never part of one).
    pub fn may_be_the_programs(self) -> bool {
        !matches!(self, LeftOut::LabFile | LeftOut::Housekeeping)
    }
}

/// One file or folder the copy left out (`lib/helper.sh`, `/`-separated, relative to the
/// submission's lab folder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: String,
    pub why: LeftOut,
}

/// The files named, grouped by reason: "helper.sh, lib/x.sh (grading does not follow symbolic
/// links); data.bin (grading copies no file over 2 MB)". `quote` wraps each name in
/// backticks (Markdown). Empty when there is nothing to name.
pub fn listing(files: &[&Skipped], quote: bool) -> String {
    let mut reasons: Vec<LeftOut> = files.iter().map(|f| f.why).collect();
    reasons.sort();
    reasons.dedup();
    reasons
        .into_iter()
        .map(|why| {
            let paths: Vec<&str> = files
                .iter()
                .filter(|f| f.why == why)
                .map(|f| f.path.as_str())
                .collect();
            let mut names: Vec<String> = paths
                .iter()
                .take(NAMED_PER_REASON)
                .map(|p| {
                    let p = crate::visible::one_line(p);
                    if quote {
                        format!("`{}`", p.replace('`', "'"))
                    } else {
                        p.into_owned()
                    }
                })
                .collect();
            if paths.len() > NAMED_PER_REASON {
                names.push(format!("and {} more", paths.len() - NAMED_PER_REASON));
            }
            format!("{} ({})", names.join(", "), why.rule())
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The one line the lead reads (console summary, CSV): "left out of the graded copy: …".
pub fn for_the_lead(files: &[&Skipped]) -> Option<String> {
    (!files.is_empty()).then(|| format!("left out of the graded copy: {}", listing(files, false)))
}

/// The feedback's note to the learner: what the program ran without, then what is never
/// part of a program.
pub fn for_the_learner(files: &[&Skipped]) -> Option<String> {
    let (programs, housekeeping): (Vec<&Skipped>, Vec<&Skipped>) =
        files.iter().partition(|f| f.why.may_be_the_programs());
    let mut said = Vec::new();
    if !programs.is_empty() {
        let (these, were, them) = match programs.len() {
            1 => ("This file", "was", "it"),
            _ => ("These files", "were", "them"),
        };
        said.push(format!(
            "{these} {were} left out of the copy your submission was graded in, so your program ran without {them}: {}.",
            listing(&programs, true)
        ));
    }
    if !housekeeping.is_empty() {
        said.push(format!(
            "Also left out, as never part of a program: {}.",
            listing(&housekeeping, true)
        ));
    }
    (!said.is_empty()).then(|| said.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skipped(path: &str, why: LeftOut) -> Skipped {
        Skipped {
            path: path.into(),
            why,
        }
    }

    #[test]
    fn names_say_which_rule_left_them_out() {
        let by = |p: &str| LeftOut::by_name(Path::new(p));
        assert_eq!(by("lab.yaml"), Some(LeftOut::LabFile));
        assert_eq!(by("sub/.git"), Some(LeftOut::Housekeeping));
        assert_eq!(by("node_modules"), Some(LeftOut::PackagesOrDatabase));
        assert_eq!(by("state/orders.SQLITE"), Some(LeftOut::PackagesOrDatabase));
        assert_eq!(by("middleware.py"), None);
    }

    #[test]
    fn the_listing_groups_files_by_reason_and_counts_past_five() {
        let files = [
            skipped("data.bin", LeftOut::TooLarge),
            skipped("helper.sh", LeftOut::Link),
            skipped("lib/x.sh", LeftOut::Link),
        ];
        let refs: Vec<&Skipped> = files.iter().collect();
        assert_eq!(
            for_the_lead(&refs).unwrap(),
            "left out of the graded copy: helper.sh, lib/x.sh (grading does not follow symbolic links); data.bin (grading copies no file over 2 MB)"
        );
        assert!(for_the_learner(&refs)
            .unwrap()
            .contains("These files were left out of the copy your submission was graded in, so your program ran without them: `helper.sh`, `lib/x.sh` (grading does not follow symbolic links)"));
        assert!(for_the_learner(&refs[..1])
            .unwrap()
            .starts_with("This file was left out of the copy your submission was graded in, so your program ran without it: `data.bin`"));
        let many: Vec<Skipped> = (0..8)
            .map(|i| skipped(&format!("f{i}"), LeftOut::TooMany))
            .collect();
        let refs: Vec<&Skipped> = many.iter().collect();
        assert_eq!(
            listing(&refs, false),
            "f0, f1, f2, f3, f4, and 3 more (grading copies at most 1000 files)"
        );
        assert_eq!(for_the_lead(&[]), None);
    }

    #[test]
    fn version_control_and_caches_are_listed_apart_from_what_the_program_ran_without() {
        let files = [
            skipped(".git", LeftOut::Housekeeping),
            skipped("__pycache__", LeftOut::Housekeeping),
            skipped("node_modules", LeftOut::PackagesOrDatabase),
        ];
        assert!(files.iter().all(|f| f.why.is_named()));
        assert!(!LeftOut::LabFile.is_named());
        let refs: Vec<&Skipped> = files.iter().collect();
        assert_eq!(
            for_the_lead(&refs).unwrap(),
            "left out of the graded copy: node_modules (grading copies no installed packages or databases); .git, __pycache__ (sflab state, version control and caches are not copied)"
        );
        assert_eq!(
            for_the_learner(&refs).unwrap(),
            "This file was left out of the copy your submission was graded in, so your program ran without it: `node_modules` (grading copies no installed packages or databases). Also left out, as never part of a program: `.git`, `__pycache__` (sflab state, version control and caches are not copied)."
        );
        assert_eq!(
            for_the_learner(&refs[..1]).unwrap(),
            "Also left out, as never part of a program: `.git` (sflab state, version control and caches are not copied)."
        );
    }
}
