//! The curriculum: levels, lessons and labs, loaded from the embedded copy or from a folder.
//!
//! Data flows one way: a [`Files`] source (embedded or on disk) → [`load`] → a validated
//! [`Curriculum`]. Loading never stops at the first problem: every error found is returned,
//! each naming the file, the line and column where known, and what to do about it.

pub mod coverage;
mod error;
mod files;
mod identity;
pub mod lab;
pub mod lesson;
mod level;
mod links;
mod load;
mod orphans;

pub use error::{CurriculumError, Problem};
pub use files::{embedded, DiskFiles, EmbeddedFiles, Files};
pub use lab::LabMeta;
pub use lesson::{Lesson, QuizChoice, QuizQuestion};
pub use level::Level;
pub use load::{load, load_usable};

/// A validated curriculum: every lesson and lab, in reading order.
#[derive(Debug, Clone)]
pub struct Curriculum {
    pub lessons: Vec<Lesson>,
    pub labs: Vec<LabMeta>,
    /// The problems of what was left out when only the usable part loaded (see
    /// [`load_usable`]; not those that leave what they concern in use): a command naming a
    /// lab left out says why it cannot use it.
    pub left_out: Vec<error::Problem>,
}

/// A folder that can hold a curriculum: a mistyped path would otherwise load as an empty
/// course with no word of why.
fn curriculum_folder(dir: &std::path::Path) -> Result<(), CurriculumError> {
    let missing = if !dir.is_dir() {
        "there is no folder here; --curriculum names a folder holding lessons/ and labs/"
    } else if !dir.join("lessons").is_dir() && !dir.join("labs").is_dir() {
        "this folder has neither lessons/ nor labs/; --curriculum names the folder holding them"
    } else {
        return Ok(());
    };
    Err(CurriculumError {
        problems: vec![error::Problem {
            file: dir.display().to_string(),
            line: None,
            column: None,
            message: missing.into(),
            kept: false,
        }],
    })
}

impl Curriculum {
    /// The embedded curriculum that ships inside the binary.
    pub fn embedded() -> Result<Curriculum, CurriculumError> {
        load(&embedded())
    }

    /// Loads from a folder holding `lessons/`, `labs/` and (optionally) `solutions/`; any
    /// problem in it is an error.
    pub fn from_dir(dir: &std::path::Path) -> Result<Curriculum, CurriculumError> {
        curriculum_folder(dir)?;
        load(&DiskFiles::new(dir))
    }

    /// Loads from a folder as authoring needs it: any problem [`Self::from_dir`] finds, and
    /// each lab without its reference solution ([`orphans::labs_without_a_solution`]), is an
    /// error, all said at once.
    pub fn from_dir_for_authoring(dir: &std::path::Path) -> Result<Curriculum, CurriculumError> {
        curriculum_folder(dir)?;
        let files = DiskFiles::new(dir);
        let unsolved = orphans::labs_without_a_solution(&files);
        match load(&files) {
            Ok(c) if unsolved.is_empty() => Ok(c),
            Ok(_) => Err(CurriculumError { problems: unsolved }),
            Err(mut e) => {
                e.problems.extend(unsolved);
                Err(e)
            }
        }
    }

    /// What of a curriculum folder can be used, and the problems of what was left out (see
    /// [`load_usable`]); an error only when the folder is no curriculum at all.
    pub fn from_dir_usable(
        dir: &std::path::Path,
    ) -> Result<(Curriculum, Vec<error::Problem>), CurriculumError> {
        curriculum_folder(dir)?;
        Ok(load_usable(&DiskFiles::new(dir)))
    }

    pub fn lesson(&self, id: &str) -> Option<&Lesson> {
        self.lessons.iter().find(|l| l.id == id)
    }

    pub fn lab(&self, id: &str) -> Option<&LabMeta> {
        self.labs.iter().find(|l| l.id == id)
    }

    /// Why lab `id` was left out of this curriculum, if it was: the first problem of its
    /// folder.
    pub fn why_left_out(&self, id: &str) -> Option<&error::Problem> {
        let folder = format!("labs/{id}/");
        self.left_out.iter().find(|p| p.file.starts_with(&folder))
    }

    /// Lessons of one level, in order.
    pub fn lessons_of(&self, level: Level) -> impl Iterator<Item = &Lesson> {
        self.lessons.iter().filter(move |l| l.level == level)
    }

    /// Labs attached to a lesson, in the order the lesson lists them.
    pub fn labs_of<'a>(&'a self, lesson: &'a Lesson) -> impl Iterator<Item = &'a LabMeta> + 'a {
        lesson.labs.iter().filter_map(move |id| self.lab(id))
    }
}
