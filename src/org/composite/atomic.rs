//! All-or-none units that span several subrequests, on the org's store.
//!
//! A `/composite` call with `allOrNone` or a graph runs its subrequests through the REST
//! router, each taking the store lock on its own; the unit keeps the store's undo log open
//! between them, so a failure can undo every write and change listeners (CDC) only hear of a
//! unit that commits. Units are serialised per org by [`CompositeUnits`], so two composite
//! calls never share a log.
//!
//! Implementation notes: a write by another client that lands while a unit is open joins
//! the unit's log (and would be undone with it). A real org isolates transactions; in a
//! single-learner mock this window is small and accepted.

use super::run::Atomicity;
use crate::org::store::{Store, Undo};
use crate::org::Org;

/// The per-org gate that serialises all-or-none units.
#[derive(Debug, Default)]
pub struct CompositeUnits {
    gate: tokio::sync::Mutex<()>,
}

impl CompositeUnits {
    /// Waits for any other unit of this org to finish.
    pub async fn enter(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.gate.lock().await
    }
}

impl Store {
    /// Opens an undo log for a unit (joins one already open).
    pub(crate) fn begin_unit(&mut self) -> bool {
        if self.undo.is_some() {
            return false;
        }
        self.undo = Some(Vec::new());
        true
    }

    /// Closes the log and tells listeners of the unit's changes.
    pub(crate) fn commit_unit(&mut self) {
        self.undo = None;
        let pending = std::mem::take(&mut self.pending);
        self.committed(&pending);
    }

    /// Undoes every write in the log, newest first; listeners hear nothing.
    pub(crate) fn rollback_unit(&mut self) {
        let log = self.undo.take().unwrap_or_default();
        self.pending.clear();
        for entry in log.into_iter().rev() {
            match entry {
                Undo::Inserted { table, row } => {
                    self.tables[table].remove(row);
                }
                Undo::Replaced { table, row, old } => {
                    self.tables[table].replace(row, old);
                }
                Undo::Removed { table, old } => {
                    self.tables[table].insert(old);
                }
            }
        }
        self.end_transaction(crate::org::store::TxEnd::RolledBack);
    }
}

/// [`Atomicity`] on an org's store.
pub struct OrgUnit<'a> {
    pub org: &'a Org,
}

impl Atomicity for OrgUnit<'_> {
    fn begin(&self) {
        self.org.store.write().begin_unit();
    }

    fn commit(&self) {
        self.org.store.write().commit_unit();
    }

    fn rollback(&self) {
        self.org.store.write().rollback_unit();
    }
}
