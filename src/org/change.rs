//! What one DML operation changed, as Change Data Capture and the rules engine need it.
//!
//! Every write returns a [`Change`], and the store hands the same value to its listeners once
//! the write is committed (at the end of an all-or-none batch, never for a rolled-back one).

use super::ids::SfId;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ChangeKind {
    Create,
    Update,
    Delete,
    Undelete,
}

/// One committed record change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The object's API name as the schema spells it.
    pub object: String,
    pub id: SfId,
    pub kind: ChangeKind,
    /// Fields given a value (set, or changed on update), by API name, in schema order.
    pub changed_fields: Vec<Arc<str>>,
    /// Fields set to null by this change.
    pub nulled_fields: Vec<Arc<str>>,
    pub user: SfId,
    pub at: DateTime<Utc>,
    /// The API call that made it (`com/salesforce/api/rest/62.0;client=…`), empty when not
    /// made through the API; see [`super::origin`].
    pub origin: String,
}
