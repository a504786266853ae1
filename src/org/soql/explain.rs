//! Query plans (`GET /query?explain=SELECT …`): how Salesforce would lead a query — through
//! an index or with a table scan — with cardinalities taken from the store's actual counts.
//!
//! ```text
//! {"plans":[{"cardinality":1,"fields":["ERP_Id__c"],"leadingOperationType":"Index",
//!            "notes":[],"relativeCost":0.0,"sobjectCardinality":4,"sobjectType":"Account"},
//!           {"cardinality":1,"fields":[],"leadingOperationType":"TableScan",…}],
//!  "sourceQuery":"SELECT …"}
//! ```
//!
//! Each top-level AND term of the WHERE clause is considered on its own. An `=`, `IN`, range
//! or prefix-LIKE filter on an indexed field offers an Index plan whose cardinality is the
//! number of live records that filter alone selects; an OR of such filters offers one plan over
//! all their fields. Indexed fields are those real orgs index: Id, the name field, CreatedDate,
//! SystemModstamp, lookups, and unique or external-id fields. A TableScan plan is always
//! offered; its cardinality is the number of records the whole filter selects. Filters that
//! cannot lead are explained in `notes`.
//!
//! Implementation notes: Salesforce does not publish its cost formula. The model here uses the
//! published selectivity thresholds — a standard index is selective under 30% of the first
//! million records and 15% beyond (at most 1,000,000), a custom index under 10% and 5% (at
//! most 333,333) — computed on at least 100,000 records so that small tables stay cheap:
//! an Index plan costs `cardinality / threshold`, a TableScan `0.65 × max(1, records /
//! 100,000)` (0.65 is what the documentation's small-table example shows). Plans come
//! cheapest first, as real orgs sort them. The note texts for negative operators, null
//! filters and leading wildcards are not verified; "unindexed" is as documented.

use super::plan::{CCond, Left, Plan};
use super::resolve::{FieldRef, LikePart, Test};
use super::{eval, plan_query};
use crate::org::error::SfError;
use crate::org::schema::{FieldDef, FieldType, SystemField};
use crate::org::soql::ast::CmpOp;
use crate::org::store::Store;
use chrono::{DateTime, Utc};
use serde_json::{json, Value as Json};

/// Small tables are costed as if they held this many records.
const COST_FLOOR_RECORDS: f64 = 100_000.0;
const TABLE_SCAN_BASE_COST: f64 = 0.65;

#[derive(Debug, Clone, Copy, PartialEq)]
enum IndexKind {
    Standard,
    Custom,
}

fn index_kind(f: &FieldDef) -> Option<IndexKind> {
    let standard_system = matches!(
        f.system,
        Some(SystemField::Id | SystemField::CreatedDate | SystemField::SystemModstamp)
    );
    if standard_system || f.name_field || (f.field_type == FieldType::Reference && !f.custom) {
        Some(IndexKind::Standard)
    } else if f.unique || f.external_id || f.field_type == FieldType::Reference {
        Some(IndexKind::Custom)
    } else {
        None
    }
}

/// Records under which an index on a table of `n` records is selective.
fn threshold(kind: IndexKind, n: f64) -> f64 {
    let n = n.max(COST_FLOOR_RECORDS);
    let first = n.min(1_000_000.0);
    let rest = (n - 1_000_000.0).max(0.0);
    match kind {
        IndexKind::Standard => (0.30 * first + 0.15 * rest).min(1_000_000.0),
        IndexKind::Custom => (0.10 * first + 0.05 * rest).min(333_333.0),
    }
}

fn round(cost: f64) -> f64 {
    (cost * 10_000.0).round() / 10_000.0
}

/// Why a filter on a field cannot lead the query, or `None` when it can.
fn refusal(def: &FieldDef, test: &Test) -> Option<&'static str> {
    if index_kind(def).is_none() {
        return Some("Not considering filter for optimization because unindexed");
    }
    match test {
        Test::Cmp(CmpOp::Ne, _) | Test::In(_, true) | Test::Exactly(_, true) | Test::NotNull => {
            Some("Not considering filter for optimization because of negative filter operator")
        }
        Test::IsNull => Some("Not considering filter for optimization because of null value"),
        Test::Like(parts)
            if matches!(parts.first(), Some(LikePart::AnyMany | LikePart::AnyOne)) =>
        {
            Some("Not considering filter for optimization because of leading wildcard")
        }
        Test::Includes(..) => Some("Not considering filter for optimization because unindexed"),
        _ => None,
    }
}

/// The field a condition tests, when it is a plain test on a field of the queried object.
fn own_field(c: &CCond) -> Option<(&FieldRef, &Test)> {
    match c {
        CCond::Test(Left::Field(f), t) if f.hops.is_empty() => Some((f, t)),
        _ => None,
    }
}

struct Candidate {
    fields: Vec<String>,
    kind: IndexKind,
    filter: CCond,
}

fn count(store: &Store, plan: &Plan, filter: Option<CCond>) -> usize {
    let mut p = plan.clone();
    p.filter = filter;
    eval::matching(store, &p, false).len()
}

/// The query plans of one SOQL query, as the explain resource answers them.
pub fn explain(store: &Store, src: &str, now: DateTime<Utc>) -> Result<Json, SfError> {
    let plan = plan_query(store, src, now, super::date_functions::DEFAULT_TIME_ZONE)?;
    let obj = store.object(plan.base);
    let n = store.count(&obj.name);
    // Semi-joins as the `IN` lists their subqueries select now, so `Id IN (…)` can lead.
    let filter = plan.filter.as_ref().map(|c| eval::bound(store, c));
    let terms: Vec<&CCond> = match filter.as_deref() {
        Some(CCond::And(parts)) => parts.iter().collect(),
        Some(c) => vec![c],
        None => Vec::new(),
    };
    let mut candidates = Vec::new();
    let mut notes: Vec<Json> = Vec::new();
    for term in terms {
        if let Some((f, t)) = own_field(term) {
            let def = f.def(store);
            match refusal(def, t) {
                Some(why) => notes.push(json!({
                    "description": why,
                    "fields": [def.name],
                    "tableEnumOrId": obj.name,
                })),
                None => candidates.push(Candidate {
                    fields: vec![def.name.clone()],
                    kind: index_kind(def).unwrap_or(IndexKind::Custom),
                    filter: term.clone(),
                }),
            }
        } else if let CCond::Or(branches) = term {
            let usable: Option<Vec<(String, IndexKind)>> = branches
                .iter()
                .map(|b| {
                    let (f, t) = own_field(b)?;
                    let def = f.def(store);
                    if refusal(def, t).is_some() {
                        return None;
                    }
                    Some((def.name.clone(), index_kind(def)?))
                })
                .collect();
            if let Some(fields) = usable {
                let kind = if fields.iter().all(|(_, k)| *k == IndexKind::Standard) {
                    IndexKind::Standard
                } else {
                    IndexKind::Custom
                };
                let mut names: Vec<String> = fields.into_iter().map(|(name, _)| name).collect();
                names.dedup();
                candidates.push(Candidate {
                    fields: names,
                    kind,
                    filter: term.clone(),
                });
            }
        }
    }
    let mut plans: Vec<(f64, Json)> = candidates
        .into_iter()
        .map(|c| {
            let cardinality = count(store, &plan, Some(c.filter));
            let cost = round(cardinality as f64 / threshold(c.kind, n as f64));
            (
                cost,
                json!({
                    "cardinality": cardinality,
                    "fields": c.fields,
                    "leadingOperationType": "Index",
                    "notes": notes,
                    "relativeCost": cost,
                    "sobjectCardinality": n,
                    "sobjectType": obj.name,
                }),
            )
        })
        .collect();
    let scan_cost = round(TABLE_SCAN_BASE_COST * (n as f64 / COST_FLOOR_RECORDS).max(1.0));
    plans.push((
        scan_cost,
        json!({
            "cardinality": count(store, &plan, plan.filter.clone()),
            "fields": [],
            "leadingOperationType": "TableScan",
            "notes": notes,
            "relativeCost": scan_cost,
            "sobjectCardinality": n,
            "sobjectType": obj.name,
        }),
    ));
    // Stable: an Index plan that costs as much as the scan stays before it.
    plans.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(json!({
        "plans": plans.into_iter().map(|(_, p)| p).collect::<Vec<_>>(),
        "sourceQuery": src,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::{ErrorCode, Org};

    fn plans(org: &Org, soql: &str) -> Vec<Json> {
        let out = explain(&org.store.read(), soql, org.clock.now()).expect("explains");
        out["plans"].as_array().cloned().unwrap_or_default()
    }

    #[test]
    fn an_external_id_filter_leads_with_its_index() {
        let o = Org::default_org();
        let p = plans(&o, "SELECT Name FROM Account WHERE ERP_Id__c = 'A-1000'");
        assert_eq!(p.len(), 2);
        assert_eq!(p[0]["leadingOperationType"], "Index");
        assert_eq!(p[0]["fields"], json!(["ERP_Id__c"]));
        assert_eq!(p[0]["cardinality"], 1);
        assert_eq!(p[0]["sobjectCardinality"], 4);
        assert_eq!(p[0]["sobjectType"], "Account");
        assert_eq!(p[1]["leadingOperationType"], "TableScan");
        assert_eq!(p[1]["relativeCost"], 0.65);
        assert!(p[0]["relativeCost"].as_f64().unwrap() < p[1]["relativeCost"].as_f64().unwrap());
    }

    #[test]
    fn an_unindexed_filter_scans_the_table_and_says_why() {
        let o = Org::default_org();
        let p = plans(&o, "SELECT Name FROM Account WHERE Industry = 'Retail'");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0]["leadingOperationType"], "TableScan");
        assert_eq!(p[0]["cardinality"], 1);
        assert_eq!(
            p[0]["notes"],
            json!([{
                "description": "Not considering filter for optimization because unindexed",
                "fields": ["Industry"],
                "tableEnumOrId": "Account"
            }])
        );
    }

    #[test]
    fn cardinality_counts_the_records_each_plan_selects() {
        let o = Org::default_org();
        let p = plans(
            &o,
            "SELECT Id FROM Account WHERE ERP_Id__c IN ('A-1000', 'A-1001') AND Industry = 'Retail'",
        );
        assert_eq!(p[0]["leadingOperationType"], "Index");
        assert_eq!(p[0]["cardinality"], 2);
        assert_eq!(p[1]["cardinality"], 0);
    }

    #[test]
    fn an_or_of_indexed_filters_offers_one_index_plan() {
        let o = Org::default_org();
        let p = plans(
            &o,
            "SELECT Id FROM Account WHERE ERP_Id__c = 'A-1000' OR Name = 'Harbor Logistics'",
        );
        assert_eq!(p[0]["leadingOperationType"], "Index");
        assert_eq!(p[0]["fields"], json!(["ERP_Id__c", "Name"]));
        assert_eq!(p[0]["cardinality"], 2);
    }

    #[test]
    fn a_negative_operator_cannot_use_the_index() {
        let o = Org::default_org();
        let p = plans(&o, "SELECT Id FROM Account WHERE ERP_Id__c != 'A-1000'");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0]["cardinality"], 3);
        assert!(p[0]["notes"][0]["description"]
            .as_str()
            .unwrap()
            .contains("negative"));
    }

    #[test]
    fn no_filter_is_a_scan_of_every_record() {
        let o = Org::default_org();
        let p = plans(&o, "SELECT Id FROM Contact");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0]["cardinality"], 4);
        assert_eq!(p[0]["sobjectCardinality"], 4);
    }

    #[test]
    fn large_tables_make_unselective_plans_costly() {
        assert_eq!(threshold(IndexKind::Standard, 2_000_000.0), 450_000.0);
        assert_eq!(threshold(IndexKind::Custom, 10_000_000.0), 333_333.0);
        assert_eq!(threshold(IndexKind::Custom, 10.0), 10_000.0);
    }

    #[test]
    fn a_bad_query_is_malformed_query() {
        let o = Org::default_org();
        let e = explain(&o.store.read(), "SELECT FROM Account", o.clock.now()).unwrap_err();
        assert_eq!(e.code, ErrorCode::MALFORMED_QUERY);
    }
}
