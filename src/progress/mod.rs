//! The learner's progress.
