//! External Services tests.
