//! Checking and running the SOQL of a Bulk API 2.0 query job.
//!
//! At creation the query is parsed and planned against the schema, so a typo fails the
//! request with the SOQL engine's own error (code and caret layout), and features Bulk API
//! 2.0 does not support — child subqueries, aggregates, GROUP BY, date functions in SELECT
//! (they need GROUP BY), OFFSET, `FIELDS()`, TYPEOF — are refused; date functions in WHERE run. The job then runs in the background: one SOQL evaluation under a read lock, the
//! records flattened to the select list and rendered to CSV once.
//!
//! Implementation notes: the unsupported-feature list follows the Bulk API 2.0 docs; the
//! exact error code and text for each case are not verified (INVALIDJOB is used). A compound
//! address in the select list is refused at creation with the API_ERROR real orgs send.

use super::error::BulkError;
use super::job::JobState;
use super::jobs::QueryHandle;
use super::query_job::{QueryOperation, QueryResult, QuerySpec};
use super::query_table::{flatten, result_columns};
use super::settings::BulkSettings;
use crate::org::soql::address::address_named;
use crate::org::soql::ast::{Query, SelectItem};
use crate::org::soql::{self, QueryOptions};
use crate::org::store::Store;
use crate::org::Org;
use std::time::{Duration, Instant};

/// Validates a query job's SOQL; returns the queried object as the schema spells it.
pub fn check_query(org: &Org, spec: &QuerySpec) -> Result<String, BulkError> {
    let soql_error = |e: crate::org::SfError| BulkError::Soql {
        code: e.code.as_str(),
        message: e.message,
    };
    let parsed = soql::parse_query(&spec.soql).map_err(soql_error)?;
    let unsupported = |what: &str| {
        Err(BulkError::InvalidJob(format!(
            "InvalidJob : Bulk API 2.0 query jobs do not support {what}. Query the fields you need directly, or use the REST query resource."
        )))
    };
    for item in &parsed.select {
        match item {
            SelectItem::Subquery(_) => return unsupported("child relationship subqueries"),
            SelectItem::Aggregate { .. } => return unsupported("aggregate functions"),
            SelectItem::Fields { .. } => return unsupported("FIELDS()"),
            SelectItem::TypeOf(_) => return unsupported("TYPEOF"),
            // A date function in SELECT needs GROUP BY, which Bulk API 2.0 does not run.
            SelectItem::DateFunction { .. } => {
                return unsupported("date functions in the SELECT list")
            }
            SelectItem::Field(_) | SelectItem::AliasedField { .. } => {}
        }
    }
    if !parsed.group_by.is_empty() {
        return unsupported("GROUP BY");
    }
    if parsed.offset.is_some() {
        return unsupported("OFFSET");
    }
    let store = org.store.read();
    if selects_compound_data(&store, &parsed) {
        return Err(BulkError::CompoundData);
    }
    soql::columns(&store, &spec.soql, org.clock.now()).map_err(soql_error)?;
    Ok(store
        .schema()
        .object(&parsed.from)
        .map(|o| o.name.clone())
        .unwrap_or(parsed.from))
}

/// Whether the select list names a compound address, on the queried object or through a
/// relationship (`Account.BillingAddress` FROM Contact).
fn selects_compound_data(store: &Store, q: &Query) -> bool {
    let schema = store.schema();
    let Some(from) = schema.object(&q.from) else {
        return false;
    };
    q.select.iter().any(|item| {
        let path = match item {
            SelectItem::Field(p) | SelectItem::AliasedField { path: p, .. } => p,
            _ => return false,
        };
        let Some((last, hops)) = path.parts.split_last() else {
            return false;
        };
        let hops = match hops.split_first() {
            Some((own, rest)) if own.eq_ignore_ascii_case(&from.name) => rest,
            _ => hops,
        };
        let mut object = from;
        for hop in hops {
            let target = object
                .field_by_relationship(hop)
                .and_then(|i| object.fields[i].reference_to.first())
                .and_then(|t| schema.object(t));
            match target {
                Some(t) => object = t,
                None => return false,
            }
        }
        address_named(object, last).is_some()
    })
}

/// Starts a query job in the background.
pub fn spawn_query(org: Org, job: QueryHandle, settings: BulkSettings) {
    tokio::task::spawn_blocking(move || run_query(&org, &job, settings));
}

fn pause(settings: &BulkSettings) {
    if settings.processing_delay_ms > 0 {
        std::thread::sleep(Duration::from_millis(settings.processing_delay_ms));
    }
}

/// Runs a query job to JobComplete or Failed (unless it was aborted meanwhile).
pub fn run_query(org: &Org, job: &QueryHandle, settings: BulkSettings) {
    pause(&settings);
    let (spec, version, created_by) = {
        let mut j = job.lock();
        match j.header.state.transition(JobState::InProgress) {
            Ok(s) => j.header.state = s,
            Err(_) => return,
        }
        j.header.system_modstamp = org.clock.now();
        (
            j.spec.clone(),
            j.header.api_version.clone(),
            j.header.created_by_id.clone(),
        )
    };
    pause(&settings);
    let started = Instant::now();
    let mut options = QueryOptions::new(org.clock.now(), &version);
    options.include_deleted = spec.operation == QueryOperation::QueryAll;
    let outcome = {
        let store = org.store.read();
        let options = options.run_by(&store, &created_by);
        soql::parse_query(&spec.soql)
            .and_then(|q| result_columns(&store, &spec.soql, &q))
            .and_then(|columns| Ok((columns, soql::query(&store, &spec.soql, &options)?)))
    };
    let rendered = outcome
        .map_err(|e| format!("{}: {}", e.code.as_str(), e.message))
        .and_then(|(columns, result)| {
            let (header, rows) = flatten(&columns, &result.records)?;
            Ok(QueryResult::render(&header, &rows, spec.dialect))
        });
    let mut j = job.lock();
    if j.header.state != JobState::InProgress {
        return;
    }
    let ms = started.elapsed().as_millis() as u64;
    j.header.times.total_ms = ms;
    j.header.times.api_active_ms = ms;
    j.header.system_modstamp = org.clock.now();
    match rendered {
        Ok(result) => {
            j.header.number_records_processed = result.rows.len() as u64;
            j.result = Some(result);
            j.header.state = JobState::JobComplete;
        }
        Err(message) => {
            j.header.state = JobState::Failed;
            j.header.error_message = Some(message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::bulk::format::CsvDialect;
    use crate::org::bulk::query_job::QueryOperation;

    #[test]
    fn a_bulk_query_job_filters_on_a_date_function_but_refuses_one_in_select() {
        let spec = |soql: &str| QuerySpec {
            operation: QueryOperation::Query,
            soql: soql.into(),
            dialect: CsvDialect::default(),
        };
        let org = Org::default_org();
        let ok = spec("SELECT Name FROM Opportunity WHERE CALENDAR_YEAR(CloseDate) = 2026");
        assert_eq!(check_query(&org, &ok).unwrap(), "Opportunity");
        let grouped = spec(
            "SELECT COUNT(Id), CALENDAR_YEAR(CloseDate) FROM Opportunity GROUP BY CALENDAR_YEAR(CloseDate)",
        );
        match check_query(&org, &grouped) {
            Err(BulkError::InvalidJob(m)) => {
                assert!(m.contains("do not support aggregate functions"), "{m}")
            }
            other => panic!("{other:?}"),
        }
        let alone = spec(
            "SELECT CALENDAR_YEAR(CloseDate) FROM Opportunity GROUP BY CALENDAR_YEAR(CloseDate)",
        );
        match check_query(&org, &alone) {
            Err(BulkError::InvalidJob(m)) => {
                assert!(
                    m.contains("do not support date functions in the SELECT list"),
                    "{m}"
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_bulk_query_job_selecting_a_compound_address_is_refused_at_creation() {
        let spec = |soql: &str| QuerySpec {
            operation: QueryOperation::Query,
            soql: soql.into(),
            dialect: CsvDialect::default(),
        };
        let org = Org::default_org();
        for soql in [
            "SELECT Name, BillingAddress FROM Account",
            "SELECT Name, account.shippingaddress FROM Account",
            "SELECT LastName, Account.BillingAddress FROM Contact",
        ] {
            let e = check_query(&org, &spec(soql)).unwrap_err();
            assert_eq!(e, BulkError::CompoundData, "{soql}");
            assert_eq!(
                (e.status().as_u16(), e.error_code(), e.to_string().as_str()),
                (
                    400,
                    "API_ERROR",
                    "Selecting compound data not supported in Bulk Query"
                )
            );
        }
        let components = spec("SELECT Name, BillingCity FROM Account WHERE BillingCity != null");
        assert_eq!(check_query(&org, &components).unwrap(), "Account");
    }

    #[test]
    fn a_bulk_query_job_with_typeof_is_refused_as_invalid_job() {
        let spec = QuerySpec {
            operation: QueryOperation::Query,
            soql: "SELECT TYPEOF What WHEN Account THEN Name END FROM Task".into(),
            dialect: CsvDialect::default(),
        };
        match check_query(&Org::default_org(), &spec) {
            Err(BulkError::InvalidJob(m)) => assert!(m.contains("do not support TYPEOF"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}
