//! Parsed queries kept by their text, so a client that sends the same SOQL again and again (a
//! poller, a sync loop) does not pay for lexing and parsing each time.
//!
//! Only the syntax tree is kept: planning checks names against the schema and resolves date
//! literals against the org's today, both of which can change between two calls, so it runs
//! every time. Failed parses are not kept (they are rare and their errors are cheap to redo).
//! The cache holds at most [`CAPACITY`] queries and forgets the least recently used first.

use super::ast::Query;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// How many distinct query texts are kept.
pub const CAPACITY: usize = 256;

/// Query texts longer than this are parsed every time rather than kept.
const MAX_TEXT: usize = 4096;

/// A least-recently-used map from query text to its syntax tree.
#[derive(Debug)]
pub struct ParseCache {
    capacity: usize,
    tick: u64,
    entries: HashMap<String, (Arc<Query>, u64)>,
}

impl ParseCache {
    pub fn new(capacity: usize) -> ParseCache {
        ParseCache {
            capacity: capacity.max(1),
            tick: 0,
            entries: HashMap::with_capacity(capacity.max(1)),
        }
    }

    /// The tree kept for `src`, marked as just used.
    pub fn get(&mut self, src: &str) -> Option<Arc<Query>> {
        self.tick += 1;
        let tick = self.tick;
        self.entries.get_mut(src).map(|(q, used)| {
            *used = tick;
            q.clone()
        })
    }

    /// Keeps `query` for `src`, forgetting the least recently used entry if full.
    pub fn put(&mut self, src: &str, query: Arc<Query>) {
        if src.len() > MAX_TEXT {
            return;
        }
        if self.entries.len() >= self.capacity && !self.entries.contains_key(src) {
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
        self.entries.insert(src.to_string(), (query, self.tick));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn shared() -> &'static Mutex<ParseCache> {
    static CACHE: OnceLock<Mutex<ParseCache>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(ParseCache::new(CAPACITY)))
}

/// The syntax tree of `src`, from the process-wide cache or parsed now by `parse`.
pub fn parsed<E>(src: &str, parse: impl FnOnce(&str) -> Result<Query, E>) -> Result<Arc<Query>, E> {
    if let Some(q) = shared().lock().get(src) {
        return Ok(q);
    }
    let q = Arc::new(parse(src)?);
    shared().lock().put(src, q.clone());
    Ok(q)
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
        c.put("SELECT Id FROM Account", tree("SELECT Id FROM Account"));
        let got = c.get("SELECT Id FROM Account").expect("kept");
        assert_eq!(*got, *tree("SELECT Id FROM Account"));
        assert!(c.get("SELECT Id FROM Contact").is_none());
    }

    #[test]
    fn the_least_recently_used_query_is_forgotten_first() {
        let mut c = ParseCache::new(2);
        c.put("SELECT Id FROM Account", tree("SELECT Id FROM Account"));
        c.put("SELECT Id FROM Contact", tree("SELECT Id FROM Contact"));
        c.get("SELECT Id FROM Account");
        c.put("SELECT Id FROM Lead", tree("SELECT Id FROM Lead"));
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
