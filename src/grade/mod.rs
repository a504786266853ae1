//! Batch grading for instructors: `sflab grade <submissions…> --lab <id> --out DIR`.
//!
//! `submission` finds, sorts, shards and copies submissions (tamper resistance lives there),
//! and `left_out` words what the copy left behind; `grader` grades each in its own sandbox
//! through the runner's one entry point, and `sandbox_paths` turns the sandbox's temporary
//! paths in what it reports back into the submission's own; `rubric` turns
//! the lab's checks into columns and points and masks hidden expectations; `export`, `junit` and
//! `feedback` write the gradebook CSV and JSON, the JUnit XML and the Markdown feedback;
//! `output_folder` names them, sets an earlier gradebook aside and checks the folder is
//! writable before grading starts, and `own_output` knows its `feedback/` and `previous/` by
//! what they hold. `archive` makes an entry, not graded, for each submission
//! handed in as an archive; `report_folder` says why a folder `sflab report` wrote lacks the
//! lab being graded, and `masked` names the files of a hand-in whose secrets it masked.

pub mod archive;
pub mod export;
pub mod feedback;
pub mod grader;
pub mod junit;
pub mod left_out;
pub mod masked;
pub mod output_folder;
pub mod own_output;
pub mod report_folder;
pub mod rubric;
pub mod run_needs;
pub mod sandbox_paths;
pub mod submission;
pub mod write;

pub use grader::{grade_all, grade_one, GradeError, GradeOptions, Gradebook, SubmissionGrade};
pub use output_folder::{check_writable, set_aside_previous, Layout};
pub use rubric::{Rubric, RubricItem, HIDDEN};
pub use submission::{discover, harness_files, prepare_copy, Shard, Submission, SubmissionError};
pub use write::{write_outputs, Format, WriteError};
