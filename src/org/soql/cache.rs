//! Parsed and planned queries kept by their text, so a client that sends the same SOQL again
//! and again (a poller, a sync loop) pays for lexing, parsing and planning once.
//!
//! Syntax trees are kept by text alone. Plans also depend on the schema (names, types) and on
//! the org's today (date literals) and the user's time zone (`convertTimezone()`), so they are
//! kept by text, the zone, [`crate::org::store::Store::schema_key`]
//! — which changes whenever an object or field is defined — and today's date. A plan holds no
//! records' data (a semi-join's subquery runs each time the query runs), so a kept plan answers
//! from the records of the moment. Failures are not kept (they are rare and their errors are cheap to redo). Each cache holds at most
//! [`CAPACITY`] entries and forgets the least recently used first.

use super::ast::Query;
use super::plan::Plan;
use chrono::NaiveDate;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, OnceLock};

/// How many distinct queries each cache keeps.
pub const CAPACITY: usize = 256;

/// Query texts longer than this are parsed every time rather than kept.
const MAX_TEXT: usize = 4096;

/// A least-recently-used map.
#[derive(Debug)]
pub struct Lru<K, V> {
    capacity: usize,
    tick: u64,
    entries: HashMap<K, (V, u64)>,
}

/// The parse cache: query text → syntax tree.
pub type ParseCache = Lru<String, Arc<Query>>;

/// What a plan is kept under: the schema it was checked against, the day its date literals
/// were resolved on, and the text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlanKey {
    pub schema_key: u64,
    pub today: NaiveDate,
    /// The user's time zone, which `convertTimezone()` in the plan converts into.
    pub time_zone: String,
    pub src: String,
}

impl<K: Hash + Eq + Clone, V: Clone> Lru<K, V> {
    pub fn new(capacity: usize) -> Lru<K, V> {
        Lru {
            capacity: capacity.max(1),
            tick: 0,
            entries: HashMap::with_capacity(capacity.max(1)),
        }
    }

    /// The value kept for `key`, marked as just used.
    pub fn get<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.tick += 1;
        let tick = self.tick;
        self.entries.get_mut(key).map(|(v, used)| {
            *used = tick;
            v.clone()
        })
    }

    /// Keeps `value` for `key`, forgetting the least recently used entry if full.
    pub fn put(&mut self, key: K, value: V) {
        if self.entries.len() >= self.capacity && !self.entries.contains_key(&key) {
            let oldest = self
                .entries
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                self.entries.remove(&k);
            }
        }
        self.tick += 1;
        self.entries.insert(key, (value, self.tick));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn parses() -> &'static Mutex<ParseCache> {
    static CACHE: OnceLock<Mutex<ParseCache>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(Lru::new(CAPACITY)))
}

fn plans() -> &'static Mutex<Lru<PlanKey, Arc<Plan>>> {
    static CACHE: OnceLock<Mutex<Lru<PlanKey, Arc<Plan>>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(Lru::new(CAPACITY)))
}

/// The syntax tree of `src`, from the process-wide cache or parsed now by `parse`.
pub fn parsed<E>(src: &str, parse: impl FnOnce(&str) -> Result<Query, E>) -> Result<Arc<Query>, E> {
    if let Some(q) = parses().lock().get(src) {
        return Ok(q);
    }
    let q = Arc::new(parse(src)?);
    if src.len() <= MAX_TEXT {
        parses().lock().put(src.to_string(), q.clone());
    }
    Ok(q)
}

/// The plan kept under `key`, or made now by `plan` and kept.
pub fn planned<E>(key: PlanKey, plan: impl FnOnce() -> Result<Plan, E>) -> Result<Arc<Plan>, E> {
    if let Some(p) = plans().lock().get(&key) {
        return Ok(p);
    }
    let p = Arc::new(plan()?);
    if key.src.len() <= MAX_TEXT {
        plans().lock().put(key, p.clone());
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::soql::parser::parse;

    fn tree(src: &str) -> Arc<Query> {
        Arc::new(parse(src).expect("valid SOQL"))
    }

    #[test]
    fn a_kept_query_is_returned_without_parsing_again() {
        let mut c = ParseCache::new(4);
        c.put(
            "SELECT Id FROM Account".into(),
            tree("SELECT Id FROM Account"),
        );
        let got = c.get("SELECT Id FROM Account").expect("kept");
        assert_eq!(*got, *tree("SELECT Id FROM Account"));
        assert!(c.get("SELECT Id FROM Contact").is_none());
    }

    #[test]
    fn the_least_recently_used_query_is_forgotten_first() {
        let mut c = ParseCache::new(2);
        c.put(
            "SELECT Id FROM Account".into(),
            tree("SELECT Id FROM Account"),
        );
        c.put(
            "SELECT Id FROM Contact".into(),
            tree("SELECT Id FROM Contact"),
        );
        c.get("SELECT Id FROM Account");
        c.put("SELECT Id FROM Lead".into(), tree("SELECT Id FROM Lead"));
        assert_eq!(c.len(), 2);
        assert!(c.get("SELECT Id FROM Account").is_some());
        assert!(c.get("SELECT Id FROM Contact").is_none());
        assert!(c.get("SELECT Id FROM Lead").is_some());
    }

    #[test]
    fn the_shared_cache_parses_once_and_never_keeps_errors() {
        let src = "SELECT Name FROM Account WHERE Name = 'parse-cache-test'";
        let first = parsed(src, parse).expect("valid");
        let second =
            parsed(src, |_| -> Result<Query, ()> { panic!("parsed twice") }).expect("kept");
        assert!(Arc::ptr_eq(&first, &second));
        let bad = "SELECT FROM WHERE parse-cache-test";
        assert!(parsed(bad, parse).is_err());
        let mut calls = 0;
        let _ = parsed(bad, |s| {
            calls += 1;
            parse(s)
        });
        assert_eq!(calls, 1, "a failed parse is not kept");
    }
}
