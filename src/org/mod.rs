//! The built-in mock org: a faithful local Salesforce that real clients use unchanged.
//!
//! An [`Org`] is a cheap, cloneable handle to one org's state. `router(org)` gives the axum
//! router for every HTTP surface; `serve(listener, …, shutdown)` runs it on a listener the
//! caller owns (tests bind port 0). The wire behaviour follows the project's reference
//! contract; where real behaviour is not known, the code says so next to the choice.
//!
//! Layout: `clock` (the org's advanceable clock), `session` (token → session).

pub mod clock;
pub mod session;
pub mod tls;

pub use clock::OrgClock;
pub use session::{Session, SessionError, SessionTable};
