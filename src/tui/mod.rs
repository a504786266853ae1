//! The classroom screen.
pub mod theme;
