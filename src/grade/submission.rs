//! Submissions: finding them (sorted, so the same folders always grade in the same order),
//! taking a shard of them, and making the isolated copy each one is graded in.
//!
//! Tamper resistance lives here. Only the learner's own files are copied: `lab.yaml`, sflab
//! state (`.sflab/`, progress databases), installed packages (`node_modules`, a virtualenv:
//! the folders the lab folder's walk skips, [`crate::lab::walk::skipped_folder`]),
//! version-control folders, symlinks and oversized files are left behind, each with why
//! ([`super::left_out`]). At most [`MAX_FILES`] files are copied, `./run` and the files beside
//! it first, so the cap never drops the entry point; then the lab's harness — every starter file the lab does not list under
//! `files:` as the learner's to edit — is written over the copy from sflab's curriculum.
//! A starter file under a folder the lab deploys (`actions: … deploy: force-app`) is no
//! harness: it is the learner's metadata, which `sflab check` deploys as the learner left it,
//! so a component deleted on purpose (a Remote Site Setting the brief retires) stays deleted
//! when graded, and one renamed is not put back beside its new name.
//! Rules, faults, seeds and the org come from the curriculum's `lab.yaml`, which the grader
//! reads itself; nothing in a submission can change them.

use super::left_out::{LeftOut, Skipped};
use crate::curriculum::{Files, LabMeta};
use crate::lab::LabSpec;
use std::path::{Path, PathBuf};

/// Files larger than this are not copied (a learner's script is small; a core dump is not).
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;
/// At most this many files are copied from one submission.
pub const MAX_FILES: usize = 1000;
const MAX_DEPTH: usize = 12;

/// One submission folder and the name it is graded under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// The folder's name, e.g. `alice`.
    pub name: String,
    pub dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum SubmissionError {
    #[error("{0} is not a folder: give each submission as a folder holding its ./run")]
    NotAFolder(PathBuf),
    #[error("two submissions are named {name:?} ({first} and {second}): grade them in separate runs or rename one folder")]
    DuplicateName {
        name: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error("--shard {0:?} is not valid: write it as i/n with 1 ≤ i ≤ n, e.g. --shard 2/4")]
    BadShard(String),
    #[error("could not copy the submission into its grading folder {path}: {source}")]
    Copy {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Submission {
    /// The folder holding the learner's `./run`: the submission itself; else its `<lab-id>/`
    /// subfolder when a whole workspace was handed in; else its `labs/<lab-id>/` when it is
    /// the folder `sflab report` wrote; else the one folder it holds, when that holds the
    /// `run` ([`Self::wrapped_in`]).
    pub fn lab_folder(&self, lab_id: &str) -> PathBuf {
        if self.dir.join("run").exists() {
            return self.dir.clone();
        }
        let report = self.dir.join("labs");
        let nested = [self.dir.join(lab_id), report.join(lab_id)]
            .into_iter()
            .find(|nested| nested.join("run").is_file());
        match nested {
            Some(folder) => folder,
            // A report folder without this lab has nothing of it to grade: its other labs'
            // files are not this lab's.
            None if report.is_dir() && self.dir.join("progress.json").is_file() => {
                report.join(lab_id)
            }
            None => self
                .wrapping_folder()
                .map_or_else(|| self.dir.clone(), |name| self.dir.join(name)),
        }
    }

    /// The one folder the submission holds, named, when the learner's files are in it rather
    /// than at the top (a folder named after the lab is a handed-in workspace instead): its `run` is there, and beside it are only hidden entries and the
    /// `__MACOSX/` folder a Mac's archive adds. An archive of `frank/` unpacked into a folder
    /// of its own (`unzip frank.zip -d frank`) gives `frank/frank/run`.
    pub fn wrapped_in(&self, lab_id: &str) -> Option<String> {
        let folder = self.lab_folder(lab_id);
        (folder.parent() == Some(self.dir.as_path()))
            .then(|| self.wrapping_folder())
            .flatten()
            .filter(|name| folder.ends_with(name) && name != lab_id)
    }

    /// See [`Self::wrapped_in`].
    fn wrapping_folder(&self) -> Option<String> {
        // A handed-in workspace (its `.sflab/`) holds lab folders, which are no wrapper.
        if self.dir.join("run").exists() || self.dir.join(".sflab").exists() {
            return None;
        }
        let entries: Vec<_> = std::fs::read_dir(&self.dir).ok()?.flatten().collect();
        let mut shown = entries.iter().filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            !name.starts_with('.') && name != "__MACOSX"
        });
        let only = shown.next()?;
        let is_dir = std::fs::symlink_metadata(only.path()).is_ok_and(|m| m.is_dir());
        let name = only.file_name().to_string_lossy().into_owned();
        // A workspace handed in without its hidden `.sflab/`: a lab's folder is no wrapper.
        let a_lab = crate::curriculum::Files::read(
            &crate::curriculum::embedded(),
            &format!("labs/{name}/lab.yaml"),
        )
        .is_some();
        (shown.next().is_none() && is_dir && !a_lab && only.path().join("run").is_file())
            .then_some(name)
    }
}

/// Which part of the sorted submissions this run grades: the `index`-th (1-based) of `of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub of: usize,
}

impl Shard {
    pub fn parse(text: &str) -> Result<Shard, SubmissionError> {
        let bad = || SubmissionError::BadShard(text.to_string());
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let of: usize = n.trim().parse().map_err(|_| bad())?;
        if of == 0 || index == 0 || index > of {
            return Err(bad());
        }
        Ok(Shard { index, of })
    }

    /// Round robin over the sorted list: position `p` belongs to shard `p % of + 1`. Every
    /// submission is in exactly one shard, and shards differ in size by at most one.
    pub fn take<T>(&self, sorted: Vec<T>) -> Vec<T> {
        sorted
            .into_iter()
            .enumerate()
            .filter(|(p, _)| p % self.of == self.index - 1)
            .map(|(_, s)| s)
            .collect()
    }
}

/// The submissions in `dirs`, sorted by name (then path). Names must be unique.
pub fn discover(dirs: &[PathBuf]) -> Result<Vec<Submission>, SubmissionError> {
    let mut out = Vec::new();
    for d in dirs {
        if !d.is_dir() {
            return Err(SubmissionError::NotAFolder(d.clone()));
        }
        let clean = d.canonicalize().unwrap_or_else(|_| d.clone());
        // Named as the lead gave it: a link `bob -> ../stash/work` is bob's submission. Only
        // a path without a name of its own (`.`, `..`) takes the folder's.
        let given = d
            .file_name()
            .filter(|n| *n != "." && *n != "..")
            .or_else(|| clean.file_name());
        let name = given
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "submission".into());
        out.push(Submission { name, dir: clean });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.dir.cmp(&b.dir)));
    // The same folder given twice under the same name is graded once.
    out.dedup_by(|a, b| a.dir == b.dir && a.name == b.name);
    for pair in out.windows(2) {
        if pair[0].name == pair[1].name {
            return Err(SubmissionError::DuplicateName {
                name: pair[0].name.clone(),
                first: pair[0].dir.clone(),
                second: pair[1].dir.clone(),
            });
        }
    }
    Ok(out)
}

/// The longest stem [`file_stem`] gives, in bytes: room for a suffix (`-2`, `.md`) and for the
/// scratch folder's number and id around it, within the 255 bytes a file system allows a name.
const MAX_STEM_BYTES: usize = 100;

/// A name safe as a file name in the output folder (feedback files, scratch folders):
/// letters and digits of any script stay (`émile`), separators and the like become `_`. A name
/// longer than [`MAX_STEM_BYTES`] (a legal folder name may take 255 bytes, which `.md` then
/// overflows) keeps its start and ends in a short hash of the whole name, so two long names
/// that start alike still get stems of their own.
pub fn file_stem(name: &str) -> String {
    let stem = safe_chars(name);
    if stem.len() <= MAX_STEM_BYTES {
        return stem;
    }
    use sha2::Digest;
    let hash = hex::encode(sha2::Sha256::digest(name.as_bytes()));
    let mut cut = MAX_STEM_BYTES - 9;
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}-{}", &stem[..cut], &hash[..8])
}

fn safe_chars(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let s = s.trim_start_matches('.').to_string();
    if s.is_empty() {
        "submission".into()
    } else {
        s
    }
}

/// One file stem per name, in order. A name that is already a safe stem keeps it (`dave_smith`
/// gets `dave_smith`); a name that had to change (`dave smith`) gets its stem if no other
/// submission owns it, else `-2`, `-3`… — never a suffix that is another submission's own
/// name. Stems compare case-insensitively (`Dave_Smith` and `dave_smith` cannot share a folder
/// on every file system): the first such name keeps its stem.
pub fn unique_file_stems<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let names: Vec<&str> = names.into_iter().collect();
    let mut taken = std::collections::HashSet::new();
    let mut stems: Vec<Option<String>> = names
        .iter()
        .map(|name| {
            let stem = file_stem(name);
            (stem == *name && taken.insert(stem.to_lowercase())).then_some(stem)
        })
        .collect();
    for (slot, name) in stems.iter_mut().zip(&names) {
        if slot.is_some() {
            continue;
        }
        let stem = file_stem(name);
        let mut candidate = stem.clone();
        let mut n = 1;
        while !taken.insert(candidate.to_lowercase()) {
            n += 1;
            candidate = format!("{stem}-{n}");
        }
        *slot = Some(candidate);
    }
    stems.into_iter().flatten().collect()
}

/// Whether a path inside a submission is left behind by its name (not the learner's own
/// work); [`LeftOut::by_name`] says why.
pub fn ignored(rel: &Path) -> bool {
    LeftOut::by_name(rel).is_some()
}

/// What was copied and what was left behind, with why, for the grader's notes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyNotes {
    pub copied: Vec<String>,
    pub skipped: Vec<Skipped>,
}

impl CopyNotes {
    /// The paths left behind, whatever the reason.
    pub fn skipped_paths(&self) -> Vec<&str> {
        self.skipped.iter().map(|s| s.path.as_str()).collect()
    }

    fn skip(&mut self, path: String, why: LeftOut) {
        self.skipped.push(Skipped { path, why });
    }
}

/// Where an entry of a folder comes in the copy: the entry point `./run` first, then the
/// folder's other files, then its folders, each in name order. The [`MAX_FILES`] cap then
/// falls on a deep folder of data, never on `run` or a file beside it.
fn copy_order(depth: usize, e: &std::fs::DirEntry) -> u8 {
    if depth == 0 && e.file_name() == "run" {
        0
    } else if e.file_type().is_ok_and(|t| t.is_dir()) {
        2
    } else {
        1
    }
}

fn copy_tree(
    from: &Path,
    to: &Path,
    rel: &Path,
    depth: usize,
    notes: &mut CopyNotes,
) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(from.join(rel))?.flatten().collect();
    entries.sort_by_key(|e| (copy_order(depth, e), e.file_name()));
    for e in entries {
        let rel = rel.join(e.file_name());
        let shown = rel.to_string_lossy().replace('\\', "/");
        let Ok(meta) = std::fs::symlink_metadata(e.path()) else {
            continue;
        };
        let file_type = meta.file_type();
        let why = if let Some(why) = LeftOut::by_name(&rel) {
            why
        } else if file_type.is_symlink() {
            LeftOut::Link
        } else if meta.is_dir() {
            match LeftOut::of_folder(&e.path()) {
                Some(why) => why,
                None if depth < MAX_DEPTH => {
                    std::fs::create_dir_all(to.join(&rel))?;
                    copy_tree(from, to, &rel, depth + 1, notes)?;
                    continue;
                }
                None => LeftOut::TooDeep,
            }
        } else if !meta.is_file() {
            LeftOut::NotRegular
        } else if meta.len() > MAX_FILE_BYTES {
            LeftOut::TooLarge
        } else if notes.copied.len() >= MAX_FILES {
            LeftOut::TooMany
        } else {
            std::fs::copy(e.path(), to.join(&rel))?;
            notes.copied.push(shown);
            continue;
        };
        notes.skip(shown, why);
    }
    Ok(())
}

/// The lab's harness: starter files the learner is not meant to edit (not in `files:`), and
/// not under a folder the lab deploys ([`learner_deploys`]).
pub fn harness_files(files: &dyn Files, meta: &LabMeta, spec: &LabSpec) -> Vec<(String, Vec<u8>)> {
    let prefix = format!("{}/starter/", meta.dir);
    files
        .list(&prefix)
        .into_iter()
        .filter_map(|p| {
            let rel = p.strip_prefix(&prefix)?.to_string();
            let safe = !rel.split('/').any(|c| c == ".." || c.is_empty());
            (safe && !spec.files.contains(&rel) && !learner_deploys(spec, &rel))
                .then(|| files.read(&p).map(|b| (rel, b)))
                .flatten()
        })
        .collect()
}

/// Whether `rel` (a path in the lab folder) lies in a folder the lab's actions deploy: the
/// learner's metadata, whose files the brief may have them delete or rename.
pub fn learner_deploys(spec: &LabSpec, rel: &str) -> bool {
    let actions = &spec.actions;
    let deployed = actions
        .before_run
        .iter()
        .chain(&actions.after_run)
        .chain(&actions.while_running)
        .filter_map(|a| match a {
            crate::lab::actions::LabAction::Deploy(folder) => Some(folder.as_str()),
            _ => None,
        });
    let parts = |p: &str| -> Vec<String> {
        p.split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .map(String::from)
            .collect()
    };
    let file = parts(rel);
    deployed.map(parts).any(|folder| file.starts_with(&folder))
}

/// Copies the learner's files of `from` (a submission's lab folder) into `dest` (created),
/// then writes `harness` over them.
pub fn prepare_copy(
    from: &Path,
    dest: &Path,
    harness: &[(String, Vec<u8>)],
) -> Result<CopyNotes, SubmissionError> {
    let err = |source| SubmissionError::Copy {
        path: dest.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dest).map_err(err)?;
    let mut notes = CopyNotes::default();
    // A hand-in without this lab's folder (a report of other labs) is graded as empty.
    if from.is_dir() {
        copy_tree(from, dest, Path::new(""), 0, &mut notes).map_err(err)?;
        // Copied `run` first (see [`copy_order`]); listed by path.
        notes.copied.sort();
    }
    for (rel, bytes) in harness {
        let target = dest.join(rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(err)?;
        }
        std::fs::write(&target, bytes).map_err(err)?;
        if bytes.starts_with(b"#!") {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755));
            }
        }
    }
    Ok(notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_linked_submission_is_named_as_given_and_each_link_is_graded() {
        let t = tempfile::tempdir().unwrap();
        let hand_ins = t.path().join("hand-ins");
        for d in ["stash/x/work", "stash/y/work", "hand-ins/carol"] {
            std::fs::create_dir_all(t.path().join(d)).unwrap();
        }
        let link = |name: &str, to: &str| {
            std::os::unix::fs::symlink(t.path().join(to), hand_ins.join(name)).unwrap();
            hand_ins.join(name)
        };
        let dirs = vec![
            hand_ins.join("carol"),
            link("dave", "stash/x/work"),
            link("erin", "stash/y/work"),
            link("frank", "hand-ins/carol"),
            hand_ins.join("carol"),
        ];
        let found = discover(&dirs).expect("no clash: each is named after its own entry");
        let names: Vec<&str> = found.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["carol", "dave", "erin", "frank"]);
        assert!(
            found[1].dir.ends_with("stash/x/work"),
            "run in the folder linked to"
        );
    }

    #[test]
    fn shards_are_stable_disjoint_and_cover_everything() {
        let all: Vec<usize> = (0..10).collect();
        let mut seen = Vec::new();
        for i in 1..=3 {
            let part = Shard::parse(&format!("{i}/3")).unwrap().take(all.clone());
            assert!(part.len() == 3 || part.len() == 4);
            seen.extend(part);
        }
        seen.sort();
        assert_eq!(seen, all);
        assert_eq!(
            Shard::parse("1/3").unwrap().take(all.clone()),
            vec![0, 3, 6, 9]
        );
        for bad in ["0/3", "4/3", "1/0", "x", "1-3"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn submissions_are_sorted_by_name_and_names_must_be_unique() {
        let t = tempfile::tempdir().unwrap();
        for n in ["zoe", "al", "mo"] {
            std::fs::create_dir_all(t.path().join(n)).unwrap();
        }
        let dirs: Vec<PathBuf> = ["zoe", "al", "mo", "al"]
            .iter()
            .map(|n| t.path().join(n))
            .collect();
        let names: Vec<String> = discover(&dirs)
            .unwrap()
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(names, ["al", "mo", "zoe"]);
        std::fs::create_dir_all(t.path().join("x/al")).unwrap();
        let e = discover(&[t.path().join("al"), t.path().join("x/al")]).unwrap_err();
        assert!(
            e.to_string().contains("two submissions are named \"al\""),
            "{e}"
        );
        assert!(discover(&[t.path().join("missing")]).is_err());
    }

    #[test]
    fn the_copy_leaves_lab_yaml_state_and_symlinks_behind_and_restores_the_harness() {
        let t = tempfile::tempdir().unwrap();
        let sub = t.path().join("sub");
        std::fs::create_dir_all(sub.join(".sflab")).unwrap();
        std::fs::create_dir_all(sub.join("lib")).unwrap();
        std::fs::write(sub.join("run"), "#!/bin/sh\necho mine\n").unwrap();
        std::fs::write(sub.join("lib/util.sh"), "x=1\n").unwrap();
        std::fs::write(sub.join("lab.yaml"), "checks: []\n").unwrap();
        std::fs::write(sub.join(".sflab/progress.db"), "fake").unwrap();
        std::fs::write(sub.join("grades.db"), "fake").unwrap();
        std::fs::write(sub.join("harness.sh"), "echo tampered\n").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("/etc/hostname", sub.join("peek")).unwrap();
        let dest = t.path().join("copy");
        let harness = vec![("harness.sh".to_string(), b"echo original\n".to_vec())];
        let notes = prepare_copy(&sub, &dest, &harness).unwrap();
        assert_eq!(notes.copied, ["harness.sh", "lib/util.sh", "run"]);
        assert!(notes.skipped.contains(&Skipped {
            path: "lab.yaml".into(),
            why: LeftOut::LabFile
        }));
        assert!(
            notes.skipped_paths().contains(&"peek"),
            "a link is left behind"
        );
        assert!(!dest.join("lab.yaml").exists());
        assert!(!dest.join(".sflab").exists());
        assert!(!dest.join("grades.db").exists());
        assert!(!dest.join("peek").exists());
        assert_eq!(
            std::fs::read_to_string(dest.join("harness.sh")).unwrap(),
            "echo original\n"
        );
        assert_eq!(
            std::fs::read_to_string(dest.join("run")).unwrap(),
            "#!/bin/sh\necho mine\n"
        );
    }

    #[test]
    fn a_virtualenv_is_left_out_and_run_is_copied_before_the_file_cap() {
        let t = tempfile::tempdir().unwrap();
        let sub = t.path().join("sub");
        for venv in [".venv", "env"] {
            std::fs::create_dir_all(sub.join(venv).join("lib/site-packages/requests")).unwrap();
            std::fs::write(sub.join(venv).join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
            std::fs::write(
                sub.join(venv).join("lib/site-packages/requests/api.py"),
                "def get(): ...\n",
            )
            .unwrap();
        }
        std::fs::create_dir_all(sub.join("data")).unwrap();
        for i in 0..MAX_FILES + 5 {
            std::fs::write(sub.join(format!("data/{i:04}.json")), "{}").unwrap();
        }
        std::fs::write(sub.join("run"), "#!/bin/sh\necho mine\n").unwrap();
        std::fs::write(sub.join("helper.py"), "x = 1\n").unwrap();
        let dest = t.path().join("copy");
        let notes = prepare_copy(&sub, &dest, &[]).unwrap();
        assert!(dest.join("run").is_file() && dest.join("helper.py").is_file());
        assert_eq!(notes.copied.len(), MAX_FILES);
        for venv in [".venv", "env"] {
            assert!(!dest.join(venv).exists(), "{venv} is installed packages");
            assert!(notes.skipped.contains(&Skipped {
                path: venv.into(),
                why: LeftOut::PackagesOrDatabase
            }));
        }
        let capped: Vec<&Skipped> = notes
            .skipped
            .iter()
            .filter(|s| s.why == LeftOut::TooMany)
            .collect();
        assert_eq!(capped.len(), 7, "the data files past the cap: {capped:?}");
        assert!(capped.iter().all(|s| s.path.starts_with("data/")));
    }

    /// The lab as sflab ships it: its metadata and parsed `lab.yaml`.
    fn shipped_lab(id: &str) -> (crate::curriculum::EmbeddedFiles, LabMeta, LabSpec) {
        let curriculum = crate::curriculum::Curriculum::embedded().unwrap();
        let meta = curriculum.lab(id).unwrap().clone();
        let spec = crate::lab::spec::parse(&format!("{}/lab.yaml", meta.dir), &meta.yaml).unwrap();
        (crate::curriculum::embedded(), meta, spec)
    }

    #[test]
    fn a_remote_site_setting_the_learner_deleted_stays_deleted_when_graded() {
        let (files, meta, spec) = shipped_lab("nc-vs-remote-site");
        let retired = "force-app/main/default/remoteSiteSettings/Courier_API.remoteSite-meta.xml";
        assert!(
            files
                .read(&format!("{}/starter/{retired}", meta.dir))
                .is_some(),
            "the starter holds the Remote Site Setting the brief retires"
        );
        let harness = harness_files(&files, &meta, &spec);
        let names: Vec<&str> = harness.iter().map(|(rel, _)| rel.as_str()).collect();
        assert!(!names.contains(&retired), "put back: {names:?}");

        let t = tempfile::tempdir().unwrap();
        let hand_in = t.path().join("alice");
        let credential = hand_in.join("force-app/main/default/namedCredentials");
        std::fs::create_dir_all(&credential).unwrap();
        std::fs::write(hand_in.join("run"), "#!/bin/sh\n").unwrap();
        std::fs::write(credential.join("Courier.namedCredential-meta.xml"), "<x/>").unwrap();
        let copy = t.path().join("copy");
        let notes = prepare_copy(&hand_in, &copy, &harness).unwrap();
        assert!(
            !copy.join(retired).exists(),
            "the graded copy holds it again"
        );
        assert_eq!(notes.copied.len(), 2, "{:?}", notes.copied);
    }

    #[test]
    fn only_files_inside_a_deployed_folder_are_the_learners_metadata() {
        let (_, _, spec) = shipped_lab("nc-vs-remote-site");
        assert!(learner_deploys(&spec, "force-app/main/default/x.xml"));
        assert!(learner_deploys(&spec, "./force-app/y.xml"));
        assert!(!learner_deploys(&spec, "force-apps/y.xml"));
        assert!(!learner_deploys(&spec, "run"));
        let (_, _, spec) = shipped_lab("bulk-upsert-50k");
        assert!(!learner_deploys(&spec, "force-app/main/default/x.xml"));
    }

    #[test]
    fn a_handed_in_workspace_or_report_folder_is_graded_from_its_lab_folder() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(t.path().join("ws/lab-a")).unwrap();
        std::fs::create_dir_all(t.path().join("ws/.sflab")).unwrap();
        std::fs::write(t.path().join("ws/lab-a/run"), "").unwrap();
        let s = Submission {
            name: "ws".into(),
            dir: t.path().join("ws"),
        };
        assert_eq!(s.lab_folder("lab-a"), t.path().join("ws/lab-a"));
        assert_eq!(s.lab_folder("lab-b"), t.path().join("ws"));
        std::fs::create_dir_all(t.path().join("ws/labs/lab-b")).unwrap();
        std::fs::write(t.path().join("ws/labs/lab-b/run"), "").unwrap();
        assert_eq!(
            s.lab_folder("lab-b"),
            t.path().join("ws/labs/lab-b"),
            "the folder `sflab report` wrote"
        );
        std::fs::write(t.path().join("ws/progress.json"), "{}").unwrap();
        assert_eq!(
            s.lab_folder("lab-c"),
            t.path().join("ws/labs/lab-c"),
            "a report without the lab: nothing of it, not the other labs' files"
        );
        std::fs::write(t.path().join("ws/run"), "").unwrap();
        assert_eq!(
            s.lab_folder("lab-a"),
            t.path().join("ws"),
            "its own ./run wins"
        );
    }

    #[test]
    fn a_hand_in_holding_only_a_folder_with_run_is_graded_from_that_folder() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("frank");
        std::fs::create_dir_all(dir.join("frank")).unwrap();
        std::fs::create_dir_all(dir.join("__MACOSX/frank")).unwrap();
        std::fs::write(dir.join("frank/run"), "#!/bin/sh\n").unwrap();
        std::fs::write(dir.join(".DS_Store"), "x").unwrap();
        let s = Submission {
            name: "frank".into(),
            dir: dir.clone(),
        };
        assert_eq!(s.lab_folder("lab-a"), dir.join("frank"));
        assert_eq!(s.wrapped_in("lab-a").as_deref(), Some("frank"));
        std::fs::write(dir.join("notes.txt"), "x").unwrap();
        assert_eq!(s.lab_folder("lab-a"), dir, "not its only entry");
        assert_eq!(s.wrapped_in("lab-a"), None);
        std::fs::remove_file(dir.join("notes.txt")).unwrap();
        std::fs::create_dir_all(dir.join("lab-a")).unwrap();
        std::fs::write(dir.join("lab-a/run"), "").unwrap();
        assert_eq!(s.lab_folder("lab-a"), dir.join("lab-a"), "a workspace");
        assert_eq!(s.wrapped_in("lab-a"), None);
        std::fs::remove_dir_all(dir.join("frank")).unwrap();
        assert_eq!(
            s.lab_folder("lab-b"),
            dir.join("lab-a"),
            "lab-a is no lab sflab ships"
        );
        std::fs::rename(dir.join("lab-a"), dir.join("rest-crud")).unwrap();
        assert_eq!(
            s.lab_folder("lab-b"),
            dir,
            "a workspace's one lab folder is not another lab's hand-in"
        );
    }

    #[test]
    fn file_stems_are_safe_names() {
        assert_eq!(file_stem("alice smith/../x"), "alice_smith_.._x");
        assert_eq!(file_stem("..."), "submission");
        assert_eq!(file_stem("émile"), "émile");
    }

    #[test]
    fn a_long_folder_name_gets_a_short_stem_of_its_own() {
        let omegas = "Ω".repeat(126);
        let stem = file_stem(&omegas);
        assert!(stem.len() <= MAX_STEM_BYTES, "{} bytes", stem.len());
        assert!(stem.starts_with("ΩΩΩ") && stem.len() > 80, "{stem}");
        let (a, b) = ("a".repeat(254), format!("{}b", "a".repeat(253)));
        let stems = unique_file_stems([a.as_str(), b.as_str(), omegas.as_str()]);
        assert!(stems.iter().all(|s| s.len() <= MAX_STEM_BYTES), "{stems:?}");
        assert_ne!(stems[0], stems[1], "names alike but for their ends");
        assert_eq!(stems[2], stem);
        assert_eq!(
            file_stem(&"x".repeat(MAX_STEM_BYTES)),
            "x".repeat(MAX_STEM_BYTES)
        );
    }

    #[test]
    fn a_safe_folder_name_keeps_its_stem_and_only_changed_names_get_a_suffix() {
        let stems = unique_file_stems([
            "dave smith",
            "dave_smith",
            "Dave_Smith",
            "émile",
            "àmile",
            "ann lee",
            "ann_lee-2",
            "ann_lee",
        ]);
        assert_eq!(
            stems,
            [
                "dave_smith-2",
                "dave_smith",
                "Dave_Smith-3",
                "émile",
                "àmile",
                "ann_lee-3",
                "ann_lee-2",
                "ann_lee",
            ]
        );
    }
}
