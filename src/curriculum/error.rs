//! Curriculum errors written for the person who has to fix the file.

use std::fmt;

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Path relative to the curriculum root, e.g. `lessons/L1-basics/rest.md`.
    pub file: String,
    /// 1-based line and column, where the problem has a place.
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    /// Whether what the problem concerns is used all the same (a lesson whose code block is
    /// never closed is shown as it is, a stray solutions folder is only not used): such a
    /// problem leaves nothing out of a usable curriculum, the others each leave out what they
    /// concern.
    pub kept: bool,
}

impl Problem {
    /// This problem, marked as leaving what it concerns in use (see [`Problem::kept`]).
    pub fn leaving_it_in_use(self) -> Problem {
        Problem { kept: true, ..self }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{}:{}:{}: {}", self.file, l, c, self.message),
            (Some(l), None) => write!(f, "{}:{}: {}", self.file, l, self.message),
            _ => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Every problem found while loading, so an author can fix them all in one pass.
#[derive(Debug, Clone, thiserror::Error)]
pub struct CurriculumError {
    pub problems: Vec<Problem>,
}

impl fmt::Display for CurriculumError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        writeln!(
            f,
            "the curriculum has {n} problem{}:",
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            writeln!(f, "  {p}")?;
        }
        Ok(())
    }
}
