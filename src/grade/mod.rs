//! Batch grading for instructors: `sflab grade <submissions…> --lab <id> --out DIR`.
//!
//! `submission` finds, sorts, shards and copies submissions (tamper resistance lives there);
//! `grader` grades each in its own sandbox through the runner's one entry point; `rubric` turns
//! the lab's checks into columns and points and masks hidden expectations; `export`, `junit` and
//! `feedback` write the gradebook CSV and JSON, the JUnit XML and the Markdown feedback;
//! `output_folder` names them, sets an earlier gradebook aside and checks the folder is
//! writable before grading starts.

pub mod export;
pub mod feedback;
pub mod grader;
pub mod junit;
pub mod output_folder;
pub mod rubric;
pub mod submission;
pub mod write;

pub use grader::{grade_all, grade_one, GradeError, GradeOptions, Gradebook, SubmissionGrade};
pub use output_folder::{check_writable, set_aside_previous, Layout};
pub use rubric::{Rubric, RubricItem, HIDDEN};
pub use submission::{discover, harness_files, prepare_copy, Shard, Submission, SubmissionError};
pub use write::{write_outputs, Format, WriteError};
