//! Listing jobs: `GET /jobs/ingest` and `GET /jobs/query`, filtered and paged.
//!
//! As the Bulk API 2.0 reference describes "Get Information About All Jobs": at most
//! [`PAGE_SIZE`] jobs per answer, `done: false` and a `nextRecordsUrl` carrying a
//! `queryLocator` while more remain; filters `jobType` (`V2Ingest` / `V2Query` for the jobs
//! this org keeps; `Classic` and `BigObjectIngest`, Bulk API 1.0 and big-object jobs, match
//! none here), `isPkChunkingEnabled` (PK chunking is a Bulk API 1.0 feature: `true` matches
//! none) and `concurrencyMode` (every job is `Parallel`).
//!
//! Implementation notes: a locator is the last job id of the page before and the count so far
//! (`750…AAA-1000`), so a job created between pages neither repeats nor hides one; jobs are
//! listed in id order (the reference leaves the order open). [U] How a real org answers a
//! filter value it does not know or a locator it did not give out is not recorded; sflab
//! answers 400 `INVALIDPARAMETER` naming the parameter.

use super::error::BulkError;
use serde_json::{json, Value};
use std::collections::HashMap;

/// Jobs per answer.
pub const PAGE_SIZE: usize = 1000;

/// Which list is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListedKind {
    Ingest,
    Query,
}

impl ListedKind {
    fn job_type(self) -> &'static str {
        match self {
            ListedKind::Ingest => "V2Ingest",
            ListedKind::Query => "V2Query",
        }
    }

    fn path(self) -> &'static str {
        match self {
            ListedKind::Ingest => "ingest",
            ListedKind::Query => "query",
        }
    }

    fn job_types(self) -> &'static [&'static str] {
        match self {
            ListedKind::Ingest => &["BigObjectIngest", "Classic", "V2Ingest"],
            ListedKind::Query => &["Classic", "V2Query", "V2Ingest"],
        }
    }
}

/// One page of `jobs` (`(id, list entry)`, in id order) under the query `params`.
pub fn page(
    jobs: &[(String, Value)],
    params: &HashMap<String, String>,
    kind: ListedKind,
    version: &str,
) -> Result<Value, BulkError> {
    let matches_filters = filters_match(params, kind)?;
    let after = match params.get("queryLocator") {
        Some(locator) => Some(locator_start(locator)?),
        None => None,
    };
    let listed: Vec<&(String, Value)> = jobs
        .iter()
        .filter(|_| matches_filters)
        .filter(|(id, _)| after.as_ref().is_none_or(|(last, _)| id > last))
        .collect();
    let shown = listed.len().min(PAGE_SIZE);
    let records: Vec<Value> = listed[..shown].iter().map(|(_, e)| e.clone()).collect();
    let next = if listed.len() > shown {
        let before = after.map_or(0, |(_, n)| n);
        let last = &listed[shown - 1].0;
        let mut query: Vec<String> = ["jobType", "isPkChunkingEnabled", "concurrencyMode"]
            .iter()
            .filter_map(|k| params.get(*k).map(|v| format!("{k}={v}")))
            .collect();
        query.push(format!("queryLocator={last}-{}", before + shown));
        json!(format!(
            "/services/data/v{version}/jobs/{}?{}",
            kind.path(),
            query.join("&")
        ))
    } else {
        Value::Null
    };
    Ok(json!({"done": next.is_null(), "records": records, "nextRecordsUrl": next}))
}

/// Whether this org's jobs of `kind` pass the filters; an error for a value no filter takes.
fn filters_match(params: &HashMap<String, String>, kind: ListedKind) -> Result<bool, BulkError> {
    let mut passes = true;
    if let Some(t) = params.get("jobType") {
        let known = kind.job_types().iter().find(|k| k.eq_ignore_ascii_case(t));
        let Some(known) = known else {
            return Err(BulkError::InvalidParameter(format!(
                "jobType '{t}' is not one of {}.",
                kind.job_types().join(", ")
            )));
        };
        passes &= *known == kind.job_type();
    }
    if let Some(v) = params.get("isPkChunkingEnabled") {
        match v.to_ascii_lowercase().as_str() {
            "true" => passes = false,
            "false" => {}
            _ => {
                return Err(BulkError::InvalidParameter(format!(
                    "isPkChunkingEnabled must be true or false, not '{v}'."
                )))
            }
        }
    }
    if let Some(v) = params.get("concurrencyMode") {
        match v.to_ascii_lowercase().as_str() {
            "parallel" => {}
            "serial" => passes = false,
            _ => {
                return Err(BulkError::InvalidParameter(format!(
                    "concurrencyMode must be serial or parallel, not '{v}'."
                )))
            }
        }
    }
    Ok(passes)
}

/// The last job id and the count listed before a `queryLocator` this org gave out.
fn locator_start(locator: &str) -> Result<(String, usize), BulkError> {
    let bad = || {
        BulkError::InvalidParameter(format!(
            "queryLocator '{locator}' was not given out by this org: follow nextRecordsUrl as it came."
        ))
    };
    let (id, count) = locator.rsplit_once('-').ok_or_else(bad)?;
    let count = count.parse().map_err(|_| bad())?;
    let id = crate::org::ids::SfId::parse(id).map_err(|_| bad())?;
    Ok((id.to_string(), count))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jobs(n: usize) -> Vec<(String, Value)> {
        let mut ids = crate::org::ids::IdGenerator::new();
        (0..n)
            .map(|i| {
                let id = ids.next("750").to_string();
                (id.clone(), json!({"id": id, "n": i}))
            })
            .collect()
    }

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn locator(next: &Value) -> String {
        let url = next.as_str().unwrap();
        url.split("queryLocator=").nth(1).unwrap().to_string()
    }

    #[test]
    fn more_than_a_thousand_jobs_come_in_pages_linked_by_next_records_url() {
        let all = jobs(2005);
        let first = page(&all, &params(&[]), ListedKind::Ingest, "62.0").unwrap();
        assert_eq!(first["done"], false);
        assert_eq!(first["records"].as_array().unwrap().len(), 1000);
        let next = &first["nextRecordsUrl"];
        assert!(next
            .as_str()
            .unwrap()
            .starts_with("/services/data/v62.0/jobs/ingest?queryLocator="));
        let second = page(
            &all,
            &params(&[("queryLocator", &locator(next))]),
            ListedKind::Ingest,
            "62.0",
        )
        .unwrap();
        assert_eq!(second["records"][0]["n"], 1000);
        let third = page(
            &all,
            &params(&[("queryLocator", &locator(&second["nextRecordsUrl"]))]),
            ListedKind::Ingest,
            "62.0",
        )
        .unwrap();
        assert_eq!(third["done"], true);
        assert_eq!(third["nextRecordsUrl"], Value::Null);
        assert_eq!(third["records"].as_array().unwrap().len(), 5);
    }

    #[test]
    fn filters_keep_only_the_jobs_this_org_has_of_that_kind() {
        let all = jobs(3);
        let count = |pairs: &[(&str, &str)], kind| {
            page(&all, &params(pairs), kind, "62.0").unwrap()["records"]
                .as_array()
                .unwrap()
                .len()
        };
        assert_eq!(count(&[("jobType", "V2Ingest")], ListedKind::Ingest), 3);
        assert_eq!(count(&[("jobType", "Classic")], ListedKind::Ingest), 0);
        assert_eq!(count(&[("jobType", "V2Query")], ListedKind::Query), 3);
        assert_eq!(
            count(&[("isPkChunkingEnabled", "true")], ListedKind::Query),
            0
        );
        assert_eq!(
            count(&[("concurrencyMode", "Parallel")], ListedKind::Ingest),
            3
        );
    }

    #[test]
    fn unknown_filter_values_and_made_up_locators_are_refused() {
        let all = jobs(1);
        for bad in [
            ("jobType", "Nightly"),
            ("isPkChunkingEnabled", "yes"),
            ("queryLocator", "bogus"),
        ] {
            let e = page(&all, &params(&[bad]), ListedKind::Ingest, "62.0").unwrap_err();
            assert!(matches!(e, BulkError::InvalidParameter(_)), "{bad:?}");
        }
    }
}
