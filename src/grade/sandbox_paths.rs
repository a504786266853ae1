//! The sandbox's temporary paths, written as the submission's own. A run graded in
//! `/tmp/sflab-grade-…/0006-alice-…/capstone-order-sync/` prints tracebacks naming
//! `…/capstone-order-sync/middleware.py`; every output says `./middleware.py` instead: the
//! submission's lab folder is `.`, and the sandbox around it `..` (as stray files are named).
//! Feedback then does not show the grader's machine layout, and grading the same folder twice
//! gives the same text.
//!
//! Implementation notes: both the paths as made and as the system resolves them (a temporary
//! folder behind a symbolic link, as on macOS) are replaced, longest first, so the lab folder
//! is never half-replaced by the sandbox's shorter path.

use crate::runner::Report;
use std::path::Path;

/// `text` with `path` replaced by `shown` where it names that folder or something in it — not
/// where it is the start of a longer name (`…/lab-backup`).
fn replace_whole(text: &str, path: &str, shown: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(path) {
        let after = &rest[at + path.len()..];
        let name_char = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_');
        let whole = match after.chars().next() {
            None => true,
            // `lab.backup` continues the name; `lab.` ends a sentence.
            Some('.') => !after[1..].starts_with(name_char),
            Some(c) => !name_char(c),
        };
        out.push_str(&rest[..at]);
        out.push_str(if whole { shown } else { path });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// What each sandbox path is shown as.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SandboxPaths {
    /// `(path, shown as)`, longest path first.
    replacements: Vec<(String, &'static str)>,
}

impl SandboxPaths {
    /// The paths of a sandbox `root` holding the submission's `lab_dir`; call it while both
    /// exist, so their resolved forms are known too.
    pub fn new(root: &Path, lab_dir: &Path) -> SandboxPaths {
        let forms = |p: &Path| {
            let mut all = vec![p.display().to_string()];
            if let Ok(real) = p.canonicalize() {
                all.push(real.display().to_string());
            }
            all
        };
        let mut replacements: Vec<(String, &'static str)> = forms(lab_dir)
            .into_iter()
            .map(|p| (p, "."))
            .chain(forms(root).into_iter().map(|p| (p, "..")))
            .filter(|(p, _)| !p.is_empty())
            .collect();
        replacements.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        replacements.dedup();
        SandboxPaths { replacements }
    }

    /// `text` with every sandbox path written relative to the submission's lab folder.
    pub fn shown(&self, text: &str) -> String {
        self.replacements
            .iter()
            .fold(text.to_string(), |t, (path, shown)| {
                if t.contains(path.as_str()) {
                    replace_whole(&t, path, shown)
                } else {
                    t
                }
            })
    }

    fn rewrite(&self, text: &mut String) {
        if self
            .replacements
            .iter()
            .any(|(p, _)| text.contains(p.as_str()))
        {
            *text = self.shown(text);
        }
    }

    /// The report's runs (output, notes, leftovers) and verdicts (messages, diffs) with
    /// sandbox paths written relative to the submission.
    pub fn apply(&self, report: &mut Report) {
        for run in &mut report.runs {
            self.rewrite(&mut run.stdout.text);
            self.rewrite(&mut run.stderr.text);
            run.notes.iter_mut().for_each(|n| self.rewrite(n));
            run.leftovers.iter_mut().for_each(|l| self.rewrite(l));
        }
        for v in &mut report.verdicts {
            self.rewrite(&mut v.message);
            if let Some(diff) = v.diff.as_mut() {
                self.rewrite(diff);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lab_folder_reads_as_dot_and_the_sandbox_around_it_as_dot_dot() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("0006-alice-1f2e");
        let lab = root.join("capstone-order-sync");
        std::fs::create_dir_all(&lab).unwrap();
        let paths = SandboxPaths::new(&root, &lab);
        let traceback = format!(
            "  File \"{}/middleware.py\", line 20\ncannot write {}/outside.txt\n",
            lab.display(),
            root.display()
        );
        assert_eq!(
            paths.shown(&traceback),
            "  File \"./middleware.py\", line 20\ncannot write ../outside.txt\n"
        );
        // Another grading of the same folder, in another sandbox: the same text.
        let root2 = t.path().join("0009-alice-77aa");
        let lab2 = root2.join("capstone-order-sync");
        std::fs::create_dir_all(&lab2).unwrap();
        let traceback2 =
            traceback.replace(&root.display().to_string(), &root2.display().to_string());
        assert_ne!(traceback, traceback2);
        assert_eq!(
            SandboxPaths::new(&root2, &lab2).shown(&traceback2),
            paths.shown(&traceback)
        );
        assert_eq!(paths.shown("nothing to see"), "nothing to see");
    }

    #[test]
    fn a_longer_name_that_starts_like_the_lab_folder_is_left_whole() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("0006-alice-1f2e");
        let lab = root.join("lab");
        std::fs::create_dir_all(&lab).unwrap();
        let paths = SandboxPaths::new(&root, &lab);
        let lab = lab.display().to_string();
        // A sibling of the lab folder is named from the sandbox around it (`..`), never as
        // `.` glued to the rest of its name.
        assert_eq!(
            paths.shown(&format!("{lab}-backup/x.txt and {lab}.old; in {lab}/run")),
            "../lab-backup/x.txt and ../lab.old; in ./run"
        );
    }
}
