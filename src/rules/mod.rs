//! The rule catalogue: small values from lab YAML that judge an [`Evidence`](crate::evidence::Evidence).
//!
//! Pure and synchronous: no IO of any kind.

mod verdict;

pub use verdict::{Verdict, VerdictStatus};
