//! Labs as the runner sees them: the full `lab.yaml` schema ([`spec`]) and the learner's copy of
//! a lab's starter files in the workspace ([`files`]: `sflab lab start`, `sflab reset`), which
//! tiered hint comes next ([`hints`]), the runner's `run.scenario` steps ([`scenario`]), and
//! the one walk of the learner's lab folder that every reader of it shares ([`walk`]).

pub mod actions;
pub mod files;
pub mod hints;
pub mod scenario;
pub mod spec;
mod spec_reach;
mod spec_salvage;
pub mod varied;
pub mod walk;

pub use files::{
    copy_from_curriculum, reset_lab, start_lab, LabFilesError, ResetOutcome, StartOutcome,
};
pub use hints::{
    failing_rules, hint_offer, hint_rules, next_hint, next_hint_among, HintChoice, HintOffer,
};
pub use spec::{
    Backend, CheckSpec, HintSpec, LabSpec, RunSpec, SpecError, SpecProblem, Tool, KNOWN_RULES,
};
