//! Callout tests.
