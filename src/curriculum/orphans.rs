//! What a curriculum holds for nothing, or lacks in its middle: a solutions folder of no lab,
//! a lab with no reference solution, and a level with no lessons between levels that have
//! some (an empty heading in the tree and in `sflab list`). None leaves anything else out.

use super::{Files, Lesson, Level, Problem};
use std::collections::BTreeSet;

/// Each `solutions/<folder>/` with no `labs/<folder>/` beside it: `sflab dev check` would
/// never run it, so a solution whose lab was renamed would go unchecked without a word.
pub fn solutions_of_no_lab(files: &dyn Files) -> Vec<Problem> {
    let folder_of = |path: &str| -> Option<String> {
        let mut parts = path.split('/');
        let (_, folder) = (parts.next()?, parts.next()?);
        parts.next().map(|_| folder.to_string())
    };
    let labs: BTreeSet<String> = files
        .list("labs/")
        .iter()
        .filter_map(|p| folder_of(p))
        .collect();
    let solutions: BTreeSet<String> = files
        .list("solutions/")
        .iter()
        .filter_map(|p| folder_of(p))
        .collect();
    solutions
        .difference(&labs)
        .map(|folder| {
            Problem {
                file: format!("solutions/{folder}/"),
                line: None,
                column: None,
                message: format!(
                    "is the solution of no lab (there is no labs/{folder}/): name the folder \
                     after its lab's id, or remove it"
                ),
                kept: false,
            }
            .leaving_it_in_use()
        })
        .collect()
}

/// Each `labs/<folder>/lab.yaml` with no `solutions/<folder>/run` beside it: the lab works for
/// a learner, but `sflab dev check` has nothing to prove it passes. Said with the lab file's
/// other problems, before any lab runs, rather than once the rest is clean.
pub fn labs_without_a_solution(files: &dyn Files) -> Vec<Problem> {
    files
        .list("labs/")
        .iter()
        .filter_map(|p| {
            let folder = p.strip_prefix("labs/")?.strip_suffix("/lab.yaml")?;
            (!folder.contains('/')).then_some(folder)
        })
        .filter(|folder| files.read(&format!("solutions/{folder}/run")).is_none())
        .map(|folder| {
            Problem {
                file: format!("solutions/{folder}/run"),
                line: None,
                column: None,
                message: format!(
                    "is missing: every lab has a reference solution, which `sflab dev check` \
                     runs to prove labs/{folder}/ can be passed"
                ),
                kept: false,
            }
            .leaving_it_in_use()
        })
        .collect()
}

/// Each level with no lessons while a level before it and one after it have some.
pub fn levels_between_without_lessons(lessons: &[Lesson]) -> Vec<Problem> {
    let used: BTreeSet<Level> = lessons.iter().map(|l| l.level).collect();
    let (Some(&first), Some(&last)) = (used.first(), used.last()) else {
        return Vec::new();
    };
    Level::ALL
        .into_iter()
        .filter(|l| *l > first && *l < last && !used.contains(l))
        .map(|level| {
            Problem {
                file: format!("lessons/{}/", level.folder()),
                line: None,
                column: None,
                message: format!(
                    "level {level} ({}) has no lessons, though levels before and after it do, so \
                     it shows as an empty heading: write its lessons here (or fix the problems \
                     that left them out)",
                    level.title()
                ),
                kept: false,
            }
            .leaving_it_in_use()
        })
        .collect()
}
