//! What the SOQL test files share: running a query against an org, reading an id, and an
//! org with Tasks added to the default one.

use super::*;
use crate::org::Org;
use serde_json::Value;

pub(super) fn run(org: &Org, soql: &str) -> Result<QueryResult, SfError> {
    query(
        &org.store.read(),
        soql,
        &QueryOptions::new(org.clock.now(), "62.0"),
    )
}

pub(super) fn id_of(org: &Org, soql: &str) -> String {
    run(org, soql).unwrap().records[0]["Id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Adds a Task for each body (as the org's first user) and returns the org.
pub(super) fn with_tasks(o: Org, bodies: &[Value]) -> Org {
    {
        let mut s = o.store.write();
        let actor = o.actor(o.users[0].id);
        for body in bodies {
            s.insert("Task", body.as_object().unwrap(), &actor).unwrap();
        }
    }
    o
}
