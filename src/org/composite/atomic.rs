//! All-or-none units that span several subrequests, on the org's store.
//!
//! A `/composite` call with `allOrNone` or a graph runs its subrequests through the REST
//! router, each taking the store lock on its own; the unit keeps the store's undo log open
//! between them, so a failure can undo every write and change listeners (CDC) only hear of a
//! unit that commits. Units are serialised per org by [`CompositeUnits`], so two composite
//! calls never share a log.
//!
//! Implementation notes: Bulk API workers take the same gate for each chunk. A single REST
//! write by another client that lands while a unit is open joins the unit's log (and would
//! be undone with it). A real org isolates transactions; in a
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

    /// The same, from a blocking thread (Bulk API workers wait here so their rows never land
    /// in a composite unit's undo log).
    pub fn enter_blocking(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.gate.blocking_lock()
    }
}

/// A point in the store's undo log that a nested batch can roll back to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Savepoint {
    /// This savepoint opened the log (no unit was open), so it also closes it.
    opened: bool,
    undo_len: usize,
    pending_len: usize,
}

impl Store {
    /// Marks the undo log (opening it if no unit is open), so a batch can be undone alone
    /// even inside a composite unit.
    pub(crate) fn savepoint(&mut self) -> Savepoint {
        let opened = self.begin_unit();
        Savepoint {
            opened,
            undo_len: self.undo.as_ref().map_or(0, Vec::len),
            pending_len: self.pending.len(),
        }
    }

    /// Keeps the batch's writes (committing them if the savepoint opened the log).
    pub(crate) fn release(&mut self, sp: Savepoint) {
        if sp.opened {
            self.commit_unit();
        }
    }

    /// Undoes the writes made since the savepoint, and only those.
    pub(crate) fn rollback_to(&mut self, sp: Savepoint) {
        if sp.opened {
            self.rollback_unit();
            return;
        }
        let tail = match &mut self.undo {
            Some(log) if log.len() > sp.undo_len => log.split_off(sp.undo_len),
            _ => Vec::new(),
        };
        self.pending.truncate(sp.pending_len);
        self.undo_entries(tail);
    }

    fn undo_entries(&mut self, log: Vec<Undo>) {
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
    }

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
        self.undo_entries(log);
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
