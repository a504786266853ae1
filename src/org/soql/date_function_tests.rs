//! Date functions against the default org: filtering with them, grouping and sorting by them,
//! their `expr0` names and aliases, UTC versus `convertTimezone()`, the places and argument
//! types SOQL refuses, and their column metadata.

use super::test_support::run;
use super::*;
use crate::org::schema::{FieldDef, FieldType};
use crate::org::{ErrorCode, Org};
use serde_json::json;

fn malformed(org: &Org, soql: &str) -> String {
    let e = run(org, soql).expect_err(soql);
    assert_eq!(e.code, ErrorCode::MALFORMED_QUERY, "{soql}: {}", e.message);
    e.message
}

/// The default org plus a dateTime field `Last_Visit__c` on three new Accounts, at moments
/// whose UTC day or hour differs from America/Los_Angeles'.
fn org_with_visits() -> Org {
    let o = Org::default_org();
    {
        let mut s = o.store.write();
        s.define_field(
            "Account",
            FieldDef::new("Last_Visit__c", "Last Visit", FieldType::DateTime),
        )
        .unwrap();
        let actor = o.actor(o.users[0].id);
        for (name, at) in [
            // A Sunday 05:30 in UTC; Saturday 21:30 the day before in Los Angeles (PST).
            ("Dawn Visit", "2026-03-01T05:30:00.000Z"),
            // Sunday 20:00 UTC; Sunday noon in Los Angeles.
            ("Noon Visit", "2026-03-01T20:00:00.000Z"),
            // A Monday 16:00 UTC; 09:00 in Los Angeles (PDT).
            ("July Visit", "2026-07-06T16:00:00.000Z"),
        ] {
            s.insert(
                "Account",
                json!({"Name": name, "Last_Visit__c": at})
                    .as_object()
                    .unwrap(),
                &actor,
            )
            .unwrap();
        }
    }
    o
}

fn names(r: &QueryResult) -> Vec<&str> {
    r.records
        .iter()
        .map(|x| x["Name"].as_str().unwrap())
        .collect()
}

fn column(r: &QueryResult, name: &str) -> Vec<Json> {
    r.records.iter().map(|x| x[name].clone()).collect()
}

#[test]
fn a_date_function_filters_rows_without_group_by() {
    let o = Org::default_org();
    let r = run(
        &o,
        "SELECT Name FROM Opportunity WHERE CALENDAR_YEAR(CloseDate) = 2026 ORDER BY Name",
    )
    .unwrap();
    assert_eq!(
        names(&r),
        [
            "Falcon Corp - Line 4 retrofit",
            "Harbor Logistics - Fleet sensors"
        ]
    );
    let r = run(
        &o,
        "SELECT Name FROM Opportunity WHERE FISCAL_QUARTER(CloseDate) = 2 AND CALENDAR_MONTH(CloseDate) IN (6, 7)",
    )
    .unwrap();
    assert_eq!(names(&r), ["Harbor Logistics - Fleet sensors"]);
    let r = run(
        &o,
        "SELECT Name FROM Opportunity WHERE DAY_IN_MONTH(CloseDate) >= 30",
    )
    .unwrap();
    assert_eq!(r.total_size, 2, "June 30 and March 31");
}

#[test]
fn grouping_by_a_date_function_names_unaliased_columns_expr0_and_on() {
    let o = Org::default_org();
    let r = run(
        &o,
        "SELECT CALENDAR_YEAR(CloseDate), SUM(Amount) FROM Opportunity GROUP BY CALENDAR_YEAR(CloseDate) ORDER BY CALENDAR_YEAR(CloseDate) DESC",
    )
    .unwrap();
    assert_eq!(r.total_size, 2);
    assert_eq!(r.records[0]["attributes"]["type"], "AggregateResult");
    assert_eq!(column(&r, "expr0"), [json!(2027), json!(2026)]);
    assert_eq!(column(&r, "expr1"), [json!(25000.0), json!(275000.0)]);
    let r = run(
        &o,
        "SELECT COUNT(Id) n, CALENDAR_QUARTER(CloseDate) q, MAX(Amount) FROM Opportunity GROUP BY CALENDAR_QUARTER(CloseDate) ORDER BY CALENDAR_QUARTER(CloseDate)",
    )
    .unwrap();
    assert_eq!(column(&r, "q"), [json!(1), json!(2), json!(4)]);
    assert_eq!(column(&r, "n"), [json!(1), json!(1), json!(1)]);
    assert_eq!(r.records[0]["expr0"], 25000.0, "only unaliased items count");
}

#[test]
fn having_filters_groups_on_a_grouped_date_function() {
    let o = Org::default_org();
    let r = run(
        &o,
        "SELECT CALENDAR_YEAR(CloseDate) yr, COUNT(Id) FROM Opportunity GROUP BY CALENDAR_YEAR(CloseDate) HAVING CALENDAR_YEAR(CloseDate) > 2026",
    )
    .unwrap();
    assert_eq!(column(&r, "yr"), [json!(2027)]);
}

#[test]
fn a_date_field_grouped_by_itself_may_be_selected_through_a_date_function() {
    let o = Org::default_org();
    let r = run(
        &o,
        "SELECT CloseDate, CALENDAR_MONTH(CloseDate) FROM Opportunity GROUP BY CloseDate ORDER BY CloseDate",
    )
    .unwrap();
    assert_eq!(column(&r, "CloseDate").len(), 3);
    assert_eq!(column(&r, "expr0"), [json!(6), json!(12), json!(3)]);
    // Not for a dateTime field: the function must be grouped itself.
    let m = malformed(
        &o,
        "SELECT CALENDAR_YEAR(CreatedDate) FROM Account GROUP BY CreatedDate",
    );
    assert!(
        m.ends_with("Field must be grouped or aggregated: CALENDAR_YEAR(CreatedDate)"),
        "{m}"
    );
}

#[test]
fn date_functions_on_date_times_use_utc_unless_converted_to_the_users_zone() {
    let o = org_with_visits();
    let hours = |soql: &str| column(&run(&o, soql).unwrap(), "expr0");
    assert_eq!(
        hours("SELECT HOUR_IN_DAY(Last_Visit__c) FROM Account WHERE Last_Visit__c != null GROUP BY HOUR_IN_DAY(Last_Visit__c) ORDER BY HOUR_IN_DAY(Last_Visit__c)"),
        [json!(5), json!(16), json!(20)]
    );
    assert_eq!(
        hours("SELECT HOUR_IN_DAY(convertTimezone(Last_Visit__c)) FROM Account WHERE Last_Visit__c != null GROUP BY HOUR_IN_DAY(convertTimezone(Last_Visit__c)) ORDER BY HOUR_IN_DAY(convertTimezone(Last_Visit__c))"),
        [json!(9), json!(12), json!(21)]
    );
    let r = run(
        &o,
        "SELECT Name FROM Account WHERE DAY_ONLY(Last_Visit__c) = 2026-03-01 ORDER BY Name",
    )
    .unwrap();
    assert_eq!(names(&r), ["Dawn Visit", "Noon Visit"]);
    let r = run(
        &o,
        "SELECT Name FROM Account WHERE DAY_ONLY(convertTimezone(Last_Visit__c)) = 2026-03-01",
    )
    .unwrap();
    assert_eq!(names(&r), ["Noon Visit"]);
    let r = run(
        &o,
        "SELECT Name FROM Account WHERE DAY_IN_WEEK(convertTimezone(Last_Visit__c)) = 7",
    )
    .unwrap();
    assert_eq!(names(&r), ["Dawn Visit"], "Saturday evening in Los Angeles");
    let r = run(
        &o,
        "SELECT DAY_ONLY(Last_Visit__c) d, COUNT(Id) FROM Account WHERE Last_Visit__c != null GROUP BY DAY_ONLY(Last_Visit__c) ORDER BY DAY_ONLY(Last_Visit__c)",
    )
    .unwrap();
    assert_eq!(column(&r, "d"), [json!("2026-03-01"), json!("2026-07-06")]);
    assert_eq!(column(&r, "expr0"), [json!(2), json!(1)]);
}

#[test]
fn convert_timezone_follows_the_zone_the_query_runs_for() {
    let o = org_with_visits();
    let soql = "SELECT Name FROM Account WHERE HOUR_IN_DAY(convertTimezone(Last_Visit__c)) = 21";
    assert_eq!(names(&run(&o, soql).unwrap()), ["Dawn Visit"]);
    let paris = QueryOptions {
        time_zone: "Europe/Paris".into(),
        ..QueryOptions::new(o.clock.now(), "62.0")
    };
    let r = query(&o.store.read(), soql, &paris).unwrap();
    assert_eq!(
        names(&r),
        ["Noon Visit"],
        "20:00 UTC is 21:00 in Paris: the same text is planned again for another zone"
    );
    let soql = "SELECT Name FROM Account WHERE HOUR_IN_DAY(convertTimezone(Last_Visit__c)) = 6";
    let r = query(&o.store.read(), soql, &paris).unwrap();
    assert_eq!(names(&r), ["Dawn Visit"], "05:30 UTC is 06:30 in Paris");
}

#[test]
fn a_date_function_outside_group_by_or_where_is_refused() {
    let o = Org::default_org();
    for soql in [
        "SELECT CALENDAR_YEAR(CreatedDate) FROM Account",
        "SELECT CALENDAR_YEAR(CreatedDate), COUNT(Id) FROM Account",
        "SELECT CALENDAR_MONTH(CreatedDate), COUNT(Id) FROM Account GROUP BY CALENDAR_YEAR(CreatedDate)",
    ] {
        let m = malformed(&o, soql);
        assert!(m.contains("Field must be grouped or aggregated: CALENDAR_"), "{soql}: {m}");
    }
    let m = malformed(
        &o,
        "SELECT HOUR_IN_DAY(CreatedDate), COUNT(Id) FROM Account GROUP BY HOUR_IN_DAY(convertTimezone(CreatedDate))",
    );
    assert!(
        m.ends_with("grouped or aggregated: HOUR_IN_DAY(CreatedDate)"),
        "{m}"
    );
    let m = malformed(
        &o,
        "SELECT Name FROM Account ORDER BY CALENDAR_YEAR(CreatedDate)",
    );
    assert!(m.contains("ERROR at Row:1:Column:35"), "{m}");
    let m = malformed(
        &o,
        "SELECT Name, (SELECT CALENDAR_YEAR(CreatedDate) FROM Contacts) FROM Account",
    );
    assert!(m.contains("Date functions are not supported"), "{m}");
}

#[test]
fn a_date_function_cannot_be_compared_with_a_date_literal() {
    let o = Org::default_org();
    for soql in [
        "SELECT Id FROM Opportunity WHERE CALENDAR_YEAR(CloseDate) = THIS_YEAR",
        "SELECT Id FROM Account WHERE DAY_ONLY(CreatedDate) = TODAY",
    ] {
        let m = malformed(&o, soql);
        assert!(
            m.contains("cannot be compared with a date literal"),
            "{soql}: {m}"
        );
    }
    // A number of the wrong kind is the usual filter type error.
    let e = run(
        &o,
        "SELECT Id FROM Opportunity WHERE CALENDAR_YEAR(CloseDate) = '2026'",
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::INVALID_FIELD, "{}", e.message);
}

#[test]
fn date_functions_take_only_date_and_date_time_fields() {
    let o = Org::default_org();
    let m = malformed(
        &o,
        "SELECT Id FROM Account WHERE CALENDAR_YEAR(Name) = 2026",
    );
    assert!(
        m.ends_with("field Name does not support date function CALENDAR_YEAR: it takes a date or dateTime field"),
        "{m}"
    );
    assert!(m.contains("ERROR at Row:1:Column:30"), "{m}");
    for soql in [
        "SELECT Id FROM Opportunity WHERE DAY_ONLY(CloseDate) = 2026-06-30",
        "SELECT Id FROM Opportunity WHERE HOUR_IN_DAY(CloseDate) = 1",
    ] {
        let m = malformed(&o, soql);
        assert!(m.ends_with("it takes a dateTime field"), "{soql}: {m}");
    }
    let m = malformed(
        &o,
        "SELECT Id FROM Opportunity WHERE CALENDAR_YEAR(convertTimezone(CloseDate)) = 2026",
    );
    assert!(
        m.ends_with("convertTimezone() takes a dateTime field, not CloseDate"),
        "{m}"
    );
    let e = run(
        &o,
        "SELECT Id FROM Account WHERE CALENDAR_YEAR(Nope__c) = 1",
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::INVALID_FIELD);
}

#[test]
fn convert_timezone_works_only_inside_a_date_function() {
    let o = Org::default_org();
    let m = malformed(&o, "SELECT convertTimezone(CreatedDate) FROM Account");
    assert!(m.contains("only be used inside a date function"), "{m}");
    let m = malformed(
        &o,
        "SELECT Id FROM Account WHERE convertTimezone(CreatedDate) > 2026-01-01T00:00:00Z",
    );
    assert!(m.contains("only be used inside a date function"), "{m}");
}

#[test]
fn date_function_queries_print_back_to_the_same_tree() {
    let soql = "SELECT CALENDAR_YEAR(CloseDate) yr, HOUR_IN_DAY(convertTimezone(CreatedDate)), COUNT(Id) FROM Opportunity WHERE DAY_IN_WEEK(CloseDate) != 1 GROUP BY CALENDAR_YEAR(CloseDate), HOUR_IN_DAY(convertTimezone(CreatedDate)) ORDER BY CALENDAR_YEAR(CloseDate) DESC";
    let q = parse_query(soql).unwrap();
    assert_eq!(parse_query(&q.to_string()).unwrap(), q);
    assert!(q
        .to_string()
        .contains("HOUR_IN_DAY(convertTimezone(CreatedDate))"));
}

#[test]
fn column_metadata_shows_a_date_function_as_an_expression() {
    let o = Org::default_org();
    let cols = columns(
        &o.store.read(),
        "SELECT CALENDAR_YEAR(CloseDate), DAY_ONLY(CreatedDate) d, COUNT(Id) FROM Opportunity GROUP BY CALENDAR_YEAR(CloseDate), DAY_ONLY(CreatedDate)",
        o.clock.now(),
    )
    .unwrap();
    let c = &cols["columnMetadata"];
    assert_eq!(c[0]["columnName"], "expr0");
    assert_eq!(c[0]["displayName"], "CALENDAR_YEAR(CloseDate)");
    assert_eq!(c[0]["numberType"], true);
    assert_eq!(c[1]["columnName"], "d");
    assert_eq!(c[1]["numberType"], false);
    assert_eq!(c[2]["columnName"], "expr1");
}

#[test]
fn options_run_by_a_user_take_that_users_time_zone() {
    let org = crate::org::Org::default_org();
    let user = org.users[0].id.to_string();
    let actor = org.actor(org.users[0].id);
    let now = org.clock.now();
    {
        let store = org.store.read();
        let opts = QueryOptions::new(now, "62.0").run_by(&store, &user);
        assert_eq!(opts.time_zone, date_functions::DEFAULT_TIME_ZONE);
    }
    let mut zone = serde_json::Map::new();
    zone.insert("TimeZoneSidKey".into(), "Asia/Kolkata".into());
    org.store
        .write()
        .update("User", &user, &zone, &actor)
        .unwrap();
    let store = org.store.read();
    let opts = QueryOptions::new(now, "62.0").run_by(&store, &user);
    assert_eq!(opts.time_zone, "Asia/Kolkata");
}
