//! Whether others on the machine can reach a file at all: a file's own mode is not the whole
//! story, since opening `.cache/token` means passing through `.cache`, and a folder that gives
//! group and others no search (`x`) bit, as `mkdir -m 700` makes it, keeps them out of
//! everything below it, whatever the files' own modes. `secrets.files_private` is judged on
//! what others can really open.
//!
//! Implementation notes: only the folders below the place the file was found in count (the
//! lab folder for its files, the workspace for those beside it, the nearest temporary or home
//! folder for those elsewhere, so a `mktemp -d` folder under `$TMPDIR` counts): sflab or the
//! system made that place, and what is taught is how a program keeps what it writes to itself. Group and others are told apart by their bits
//! alone; who owns a folder and which group it has are not looked at (a member of the folder's
//! group gets its group bits, everyone else its bits for others), so a folder that lets one
//! class through and not the other is read as letting both classes through where either may
//! pass, which never calls an open file private.

use std::path::Path;

/// The bits for group and others that survive the folders on the way down: group may read
/// the file only if every folder lets group (or others) search it, others only if every
/// folder lets others search it. `folders` are the folders' permission bits.
fn reachable_bits(mode: u32, folders: &[u32]) -> u32 {
    let group_passes = folders.iter().all(|m| m & 0o011 != 0);
    let others_pass = folders.iter().all(|m| m & 0o001 != 0);
    let group = if group_passes { mode & 0o070 } else { 0 };
    let others = if others_pass { mode & 0o007 } else { 0 };
    group | others
}

/// The folder between `root` and the file `rel` below it that keeps everyone else out of a
/// file whose own `mode` would let them read it: shown with its mode as `.cache (mode 0700)`.
/// None when the file's own mode already keeps them out or nothing on the way does (the file
/// is open), or when the folders cannot be read.
#[cfg(unix)]
pub(super) fn closed_by(root: &Path, rel: &str, mode: u32) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    if mode & 0o077 == 0 {
        return None;
    }
    // The folders on the way, nearest to `root` first: `a`, `a/b` for `a/b/token`.
    let parts: Vec<&str> = rel.split('/').collect();
    let mut folders: Vec<(String, u32)> = Vec::new();
    for depth in 1..parts.len() {
        let shown = parts[..depth].join("/");
        let meta = std::fs::metadata(root.join(&shown)).ok()?;
        folders.push((shown, meta.permissions().mode() & 0o777));
    }
    let modes: Vec<u32> = folders.iter().map(|(_, m)| *m).collect();
    if reachable_bits(mode, &modes) != 0 {
        return None;
    }
    // The nearest folder to the file that shuts out both classes, else the nearest that
    // shuts out others.
    let (shown, m) = folders
        .iter()
        .rev()
        .find(|(_, m)| m & 0o011 == 0)
        .or_else(|| folders.iter().rev().find(|(_, m)| m & 0o001 == 0))?;
    Some(format!("{shown} (mode {m:04o})"))
}

#[cfg(not(unix))]
pub(super) fn closed_by(_root: &Path, _rel: &str, _mode: u32) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_others_cannot_search_closes_the_files_below_it() {
        assert_eq!(reachable_bits(0o644, &[0o700]), 0);
        assert_eq!(reachable_bits(0o644, &[0o755, 0o700]), 0);
        assert_eq!(reachable_bits(0o644, &[0o755]), 0o044);
        // Group may pass a folder that lets group search it; others may not.
        assert_eq!(reachable_bits(0o644, &[0o750]), 0o040);
        assert_eq!(reachable_bits(0o640, &[0o701]), 0o040);
        assert_eq!(reachable_bits(0o604, &[0o710, 0o701]), 0);
        // A file in the place itself has no folder on the way.
        assert_eq!(reachable_bits(0o644, &[]), 0o044);
    }

    #[cfg(unix)]
    #[test]
    fn the_folder_that_keeps_others_out_is_named_with_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().expect("tempdir");
        let set = |rel: &str, mode: u32| {
            std::fs::set_permissions(root.path().join(rel), std::fs::Permissions::from_mode(mode))
                .expect("chmod")
        };
        std::fs::create_dir_all(root.path().join(".cache/app")).expect("mkdir");
        std::fs::write(root.path().join(".cache/app/token"), "t").expect("write");
        std::fs::write(root.path().join("token"), "t").expect("write");
        set(".cache", 0o700);
        set(".cache/app", 0o755);
        assert_eq!(
            closed_by(root.path(), ".cache/app/token", 0o644).as_deref(),
            Some(".cache (mode 0700)")
        );
        set(".cache", 0o755);
        assert_eq!(closed_by(root.path(), ".cache/app/token", 0o644), None);
        assert_eq!(closed_by(root.path(), "token", 0o644), None);
        assert_eq!(
            closed_by(root.path(), ".cache/app/token", 0o600),
            None,
            "private by its own mode"
        );
    }
}
