//! Query behaviour against the default org: projections, parents, children, filters, date
//! literals, ordering, paging, aggregates, errors and column metadata.

use super::*;
use crate::org::{ErrorCode, Org};
use chrono::Duration;
use serde_json::json;

fn org() -> Org {
    Org::default_org()
}

fn run(org: &Org, soql: &str) -> Result<QueryResult, SfError> {
    query(
        &org.store.read(),
        soql,
        &QueryOptions::new(org.clock.now(), "62.0"),
    )
}

fn names(r: &QueryResult) -> Vec<String> {
    r.records
        .iter()
        .map(|x| x["Name"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn select_returns_attributes_and_canonical_field_names() {
    let o = org();
    let r = run(
        &o,
        "select id, name from ACCOUNT where erp_id__c = 'A-1000'",
    )
    .unwrap();
    assert_eq!(r.total_size, 1);
    let rec = &r.records[0];
    assert_eq!(rec["attributes"]["type"], "Account");
    assert!(rec["attributes"]["url"]
        .as_str()
        .unwrap()
        .starts_with("/services/data/v62.0/sobjects/Account/001"));
    assert_eq!(rec["Name"], "Falcon Corp");
    let keys: Vec<&String> = rec.as_object().unwrap().keys().collect();
    assert_eq!(keys, vec!["attributes", "Id", "Name"]);
}

#[test]
fn parent_fields_nest_and_null_parents_are_null() {
    let o = org();
    let r = run(
        &o,
        "SELECT LastName, Account.Name, Account.Owner.Username FROM Contact ORDER BY LastName",
    )
    .unwrap();
    let berg = &r.records[0];
    assert_eq!(berg["LastName"], "Berg");
    assert_eq!(berg["Account"]["Name"], "Falcon Corp");
    assert_eq!(berg["Account"]["attributes"]["type"], "Account");
    assert_eq!(berg["Account"]["Owner"]["Username"], "admin@sflab.example");
    {
        let mut s = o.store.write();
        let actor = o.actor(o.users[0].id);
        s.insert(
            "Contact",
            json!({"LastName": "Aaron"}).as_object().unwrap(),
            &actor,
        )
        .unwrap();
    }
    let r = run(
        &o,
        "SELECT LastName, Account.Name FROM Contact WHERE LastName = 'aaron'",
    )
    .unwrap();
    assert_eq!(r.records[0]["Account"], Json::Null);
}

#[test]
fn child_subqueries_nest_query_results_and_empty_ones_are_null() {
    let o = org();
    let r = run(
        &o,
        "SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName) FROM Account ORDER BY Name",
    )
    .unwrap();
    let falcon = r
        .records
        .iter()
        .find(|x| x["Name"] == "Falcon Corp")
        .unwrap();
    assert_eq!(falcon["Contacts"]["totalSize"], 2);
    assert_eq!(falcon["Contacts"]["done"], true);
    assert_eq!(falcon["Contacts"]["records"][0]["LastName"], "Berg");
    let northwind = r
        .records
        .iter()
        .find(|x| x["Name"] == "Northwind Traders")
        .unwrap();
    assert_eq!(northwind["Contacts"], Json::Null);
}

#[test]
fn where_combines_and_or_not_like_in() {
    let o = org();
    let r = run(&o, "SELECT Name FROM Account WHERE (Industry = 'manufacturing' OR Industry = 'Retail') AND NOT Name LIKE '%wind%' ").unwrap();
    assert_eq!(names(&r), vec!["Falcon Corp"]);
    let r = run(
        &o,
        "SELECT Name FROM Account WHERE ERP_Id__c IN ('A-1001', 'a-1002') ORDER BY Name DESC",
    )
    .unwrap();
    assert_eq!(names(&r), vec!["Juniper Health", "Harbor Logistics"]);
    let r = run(&o, "SELECT Name FROM Account WHERE ERP_Id__c = null").unwrap();
    assert_eq!(names(&r), vec!["Northwind Traders"]);
    let r = run(
        &o,
        "SELECT Name FROM Account WHERE Industry != 'Retail' AND NumberOfEmployees >= 420",
    )
    .unwrap();
    assert_eq!(r.total_size, 2);
}

#[test]
fn semi_join_selects_parents_with_children() {
    let o = org();
    let r = run(&o, "SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Opportunity WHERE StageName = 'Closed Won')").unwrap();
    assert_eq!(names(&r), vec!["Harbor Logistics"]);
}

#[test]
fn a_checkbox_compared_with_null_reads_as_false_even_on_a_missing_parent() {
    let o = org();
    {
        let mut s = o.store.write();
        let actor = o.actor(o.users[0].id);
        let loner = json!({"LastName": "Alone", "HasOptedOutOfEmail": true});
        s.insert("Contact", loner.as_object().unwrap(), &actor)
            .unwrap();
    }
    let count = |q: &str| run(&o, q).unwrap().total_size;
    // `= null` is `= false` and `!= null` is `= true` on a checkbox.
    assert_eq!(
        count("SELECT COUNT() FROM Contact WHERE HasOptedOutOfEmail = null"),
        4
    );
    assert_eq!(
        count("SELECT COUNT() FROM Contact WHERE HasOptedOutOfEmail != null"),
        1
    );
    assert_eq!(
        count("SELECT COUNT() FROM Contact WHERE HasOptedOutOfEmail = false"),
        4
    );
    // The Contact without an Account has a false Account.IsDeleted.
    assert_eq!(
        count("SELECT COUNT() FROM Contact WHERE Account.IsDeleted = false"),
        5
    );
    assert_eq!(
        count("SELECT COUNT() FROM Contact WHERE Account.IsDeleted = null"),
        5
    );
    assert_eq!(
        count("SELECT COUNT() FROM Contact WHERE Account.IsDeleted != null"),
        0
    );
    // A missing parent's other fields stay null.
    assert_eq!(
        count("SELECT COUNT() FROM Contact WHERE Account.Name = null"),
        1
    );
}

#[test]
fn semi_and_anti_joins_see_the_records_of_the_moment_when_the_same_text_runs_again() {
    let o = org();
    let semi = "SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Opportunity WHERE StageName = 'Closed Won') ORDER BY Name";
    let anti =
        "SELECT Name FROM Account WHERE Id NOT IN (SELECT AccountId FROM Contact) ORDER BY Name";
    assert_eq!(names(&run(&o, semi).unwrap()), vec!["Harbor Logistics"]);
    assert_eq!(names(&run(&o, anti).unwrap()), vec!["Northwind Traders"]);
    let northwind = run(
        &o,
        "SELECT Id FROM Account WHERE Name = 'Northwind Traders'",
    )
    .unwrap()
    .records[0]["Id"]
        .clone();
    {
        let mut s = o.store.write();
        let actor = o.actor(o.users[0].id);
        let opp = json!({"Name": "Northwind - Kiosks", "StageName": "Closed Won",
            "CloseDate": "2026-11-30", "AccountId": northwind});
        s.insert("Opportunity", opp.as_object().unwrap(), &actor)
            .unwrap();
        let contact = json!({"LastName": "Ito", "AccountId": northwind});
        s.insert("Contact", contact.as_object().unwrap(), &actor)
            .unwrap();
    }
    // The same texts, so the plans come from the cache: the subqueries still run anew.
    assert_eq!(
        names(&run(&o, semi).unwrap()),
        vec!["Harbor Logistics", "Northwind Traders"]
    );
    assert_eq!(run(&o, anti).unwrap().total_size, 0);
}

#[test]
fn date_literals_follow_the_org_clock() {
    let o = org();
    assert_eq!(
        run(&o, "SELECT Id FROM Account WHERE CreatedDate = TODAY")
            .unwrap()
            .total_size,
        4
    );
    assert_eq!(
        run(
            &o,
            "SELECT Id FROM Account WHERE CreatedDate < LAST_N_DAYS:3"
        )
        .unwrap()
        .total_size,
        0
    );
    o.clock.advance(std::time::Duration::from_secs(10 * 86_400));
    assert_eq!(
        run(&o, "SELECT Id FROM Account WHERE CreatedDate = TODAY")
            .unwrap()
            .total_size,
        0
    );
    assert_eq!(
        run(
            &o,
            "SELECT Id FROM Account WHERE CreatedDate = LAST_N_DAYS:30"
        )
        .unwrap()
        .total_size,
        4
    );
    let today = o.clock.now().date_naive();
    let iso = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    {
        let mut s = o.store.write();
        let actor = o.actor(o.users[0].id);
        for (name, offset) in [("Past", -5), ("Future", 5)] {
            let body = json!({"Name": name, "StageName": "Prospecting", "CloseDate": iso(today + Duration::days(offset))});
            s.insert("Opportunity", body.as_object().unwrap(), &actor)
                .unwrap();
        }
    }
    let names_of = |q: &str| names(&run(&o, q).unwrap());
    assert_eq!(names_of("SELECT Name FROM Opportunity WHERE Name IN ('Past', 'Future') AND CloseDate = LAST_N_DAYS:7"), vec!["Past"]);
    assert_eq!(names_of("SELECT Name FROM Opportunity WHERE Name IN ('Past', 'Future') AND CloseDate = NEXT_N_DAYS:7"), vec!["Future"]);
    assert_eq!(
        names_of(
            "SELECT Name FROM Opportunity WHERE Name IN ('Past', 'Future') AND CloseDate > TODAY"
        ),
        vec!["Future"]
    );
    let q = format!(
        "SELECT Name FROM Opportunity WHERE Name IN ('Past', 'Future') AND CloseDate < {}",
        iso(today)
    );
    assert_eq!(names_of(&q), vec!["Past"]);
}

#[test]
fn order_by_nulls_and_limit_offset() {
    let o = org();
    let r = run(&o, "SELECT Name FROM Account ORDER BY ERP_Id__c ASC").unwrap();
    assert_eq!(names(&r)[0], "Northwind Traders", "nulls first on ASC");
    let r = run(
        &o,
        "SELECT Name FROM Account ORDER BY ERP_Id__c ASC NULLS LAST LIMIT 2 OFFSET 1",
    )
    .unwrap();
    assert_eq!(names(&r), vec!["Harbor Logistics", "Juniper Health"]);
}

#[test]
fn a_picklist_sorts_in_its_defined_order_not_alphabetically() {
    let o = org();
    {
        let actor = o.actor(o.user("integration").unwrap().id);
        let mut store = o.store.write();
        for (name, rating) in [
            ("Cold One", "Cold"),
            ("Hot One", "Hot"),
            ("Warm One", "Warm"),
        ] {
            let fields = json!({"Name": name, "Rating": rating});
            store
                .insert("Account", fields.as_object().unwrap(), &actor)
                .unwrap();
        }
    }
    // Account Rating is defined as Hot, Warm, Cold.
    let r = run(
        &o,
        "SELECT Name FROM Account WHERE Name LIKE '% One' ORDER BY Rating",
    )
    .unwrap();
    assert_eq!(names(&r), vec!["Hot One", "Warm One", "Cold One"]);
    let r = run(
        &o,
        "SELECT Name FROM Account WHERE Name LIKE '% One' ORDER BY Rating DESC",
    )
    .unwrap();
    assert_eq!(names(&r), vec!["Cold One", "Warm One", "Hot One"]);
    // Grouped by the picklist, the groups sort the same way.
    let r = run(
        &o,
        "SELECT Rating, COUNT(Id) n FROM Account WHERE Name LIKE '% One' GROUP BY Rating ORDER BY Rating",
    )
    .unwrap();
    let ratings: Vec<&str> = r
        .records
        .iter()
        .map(|x| x["Rating"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(ratings, vec!["Hot", "Warm", "Cold"]);
}

#[test]
fn count_and_group_by_with_having() {
    let o = org();
    let r = run(&o, "SELECT COUNT() FROM Contact").unwrap();
    assert_eq!((r.total_size, r.records.len()), (4, 0));
    let r = run(&o, "SELECT Account.Name, COUNT(Id), MAX(LastName) maxName FROM Contact GROUP BY Account.Name HAVING COUNT(Id) > 1").unwrap();
    assert_eq!(r.total_size, 1);
    let g = &r.records[0];
    assert_eq!(g["attributes"], json!({"type": "AggregateResult"}));
    assert_eq!(g["Name"], "Falcon Corp");
    assert_eq!(g["expr0"], 2);
    assert_eq!(g["maxName"], "Rossi");
    let r = run(
        &o,
        "SELECT SUM(Amount), AVG(Amount), COUNT_DISTINCT(AccountId) FROM Opportunity",
    )
    .unwrap();
    assert_eq!(r.records[0]["expr0"], json!(300000.0));
    assert_eq!(r.records[0]["expr1"], json!(100000.0));
    assert_eq!(r.records[0]["expr2"], 3);
    assert!(r.aggregate);
}

#[test]
fn min_and_max_of_a_picklist_follow_its_defined_order() {
    let o = org();
    // Stages defined Prospecting … Negotiation/Review, Closed Won: not the alphabet's order.
    let r = run(&o, "SELECT MIN(StageName), MAX(StageName) FROM Opportunity").unwrap();
    assert_eq!(r.records[0]["expr0"], "Prospecting");
    assert_eq!(r.records[0]["expr1"], "Closed Won");
    let r = run(&o, "SELECT MIN(Name), MAX(Name) FROM Opportunity").unwrap();
    assert_eq!(r.records[0]["expr0"], "Falcon Corp - Line 4 retrofit");
    assert_eq!(r.records[0]["expr1"], "Juniper Health - Pilot");
}

#[test]
fn fields_all_needs_a_limit_of_200() {
    let o = org();
    let e = run(&o, "SELECT FIELDS(ALL) FROM Account").unwrap_err();
    assert_eq!(e.code, ErrorCode::MALFORMED_QUERY);
    assert!(e
        .message
        .ends_with("The SOQL FIELDS function must have a LIMIT of at most 200"));
    let r = run(&o, "SELECT FIELDS(ALL) FROM Account LIMIT 1").unwrap();
    assert!(r.records[0].get("ERP_Id__c").is_some() && r.records[0].get("BillingCity").is_some());
    let r = run(&o, "SELECT FIELDS(STANDARD) FROM Account").unwrap();
    assert!(r.records[0].get("ERP_Id__c").is_none());
}

#[test]
fn errors_match_salesforce_layout() {
    let o = org();
    let e = run(&o, "SELECT Naem FROM Account").unwrap_err();
    assert_eq!(e.code, ErrorCode::INVALID_FIELD);
    assert!(e.message.starts_with("\nSELECT Naem FROM Account\n       ^\nERROR at Row:1:Column:8\nNo such column 'Naem' on entity 'Account'."));
    let e = run(&o, "SELECT Id FROM Contact123").unwrap_err();
    assert_eq!(e.code, ErrorCode::INVALID_TYPE);
    assert!(e
        .message
        .contains("ERROR at Row:1:Column:16\nsObject type 'Contact123' is not supported."));
    let e = run(
        &o,
        "SELECT Id FROM ScratchOrgInfo WHERE Id = '00D000000000001'",
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::INVALID_TYPE);
    let e = run(&o, "SELECT Id, FROM Account").unwrap_err();
    assert_eq!(e.code, ErrorCode::MALFORMED_QUERY);
    assert!(e.message.ends_with("unexpected token: FROM"));
    let e = run(
        &o,
        "SELECT Id FROM Opportunity WHERE CloseDate = '2024-01-01'",
    )
    .unwrap_err();
    assert!(e.message.ends_with("value of filter criterion for field 'CloseDate' must be of type date and should not be enclosed in quotes"));
    let e = run(&o, "SELECT Id, (SELECT Id FROM Contactz) FROM Account").unwrap_err();
    assert_eq!(e.code, ErrorCode::INVALID_TYPE);
    let e = run(&o, "SELECT Acount.Name FROM Contact").unwrap_err();
    assert!(e
        .message
        .contains("Didn't understand relationship 'Acount' in field path."));
    let e = run(&o, "SELECT Name, COUNT(Id) FROM Account").unwrap_err();
    assert!(e
        .message
        .ends_with("Field must be grouped or aggregated: Name"));
    let e = run(&o, "SELECT Id FROM Account WHERE Id = 'abc'").unwrap_err();
    assert_eq!(e.code, ErrorCode::INVALID_QUERY_FILTER_OPERATOR);
}

#[test]
fn query_all_sees_the_recycle_bin() {
    let o = org();
    let id = run(
        &o,
        "SELECT Id FROM Account WHERE Name = 'Northwind Traders'",
    )
    .unwrap()
    .records[0]["Id"]
        .as_str()
        .unwrap()
        .to_string();
    o.store
        .write()
        .delete(None, &id, &o.actor(o.users[0].id))
        .unwrap();
    assert_eq!(run(&o, "SELECT Id FROM Account").unwrap().total_size, 3);
    let all = query(
        &o.store.read(),
        "SELECT Id, IsDeleted FROM Account WHERE IsDeleted = true",
        &QueryOptions {
            include_deleted: true,
            ..QueryOptions::new(o.clock.now(), "59.0")
        },
    )
    .unwrap();
    assert_eq!(all.total_size, 1);
    assert_eq!(all.records[0]["IsDeleted"], true);
}

#[test]
fn for_update_and_security_enforced_are_accepted() {
    let o = org();
    assert_eq!(
        run(
            &o,
            "SELECT Id FROM Account WITH SECURITY_ENFORCED LIMIT 1 FOR UPDATE"
        )
        .unwrap()
        .total_size,
        1
    );
    assert_eq!(
        run(&o, "SELECT Id FROM Account FOR VIEW")
            .unwrap()
            .total_size,
        4
    );
    // The object's own name may prefix a path.
    assert_eq!(
        run(&o, "SELECT OrderNumber, Order.Account.Name FROM Order")
            .unwrap()
            .total_size,
        1
    );
    assert_eq!(
        run(&o, "SELECT OrderNumber, Account.Name FROM Order")
            .unwrap()
            .total_size,
        1
    );
}

#[test]
fn column_metadata_has_the_shape_sf_data_query_reads() {
    let o = org();
    let s = o.store.read();
    let m = columns(
        &s,
        "SELECT Id, Name, Owner.Name, (SELECT LastName FROM Contacts) FROM Account",
        o.clock.now(),
    )
    .unwrap();
    assert_eq!(m["entityName"], "Account");
    assert_eq!(m["keyPrefix"], "001");
    assert_eq!(m["idSelected"], true);
    let cols = m["columnMetadata"].as_array().unwrap();
    assert_eq!(cols[0]["apexType"], "Id");
    assert_eq!(cols[1]["textType"], true);
    assert_eq!(cols[2]["columnName"], "Owner");
    assert_eq!(cols[2]["foreignKeyName"], "OwnerId");
    assert_eq!(cols[2]["joinColumns"][0]["columnName"], "Name");
    assert_eq!(cols[3]["aggregate"], true);
    assert_eq!(cols[3]["joinColumns"][0]["columnName"], "LastName");
    let m = columns(
        &s,
        "SELECT StageName, AVG(Amount) FROM Opportunity GROUP BY StageName",
        o.clock.now(),
    )
    .unwrap();
    assert_eq!(m["groupBy"], true);
    assert_eq!(m["columnMetadata"][1]["columnName"], "expr0");
    assert_eq!(m["columnMetadata"][1]["displayName"], "avg(Amount)");
}

#[test]
fn equality_and_in_on_id_and_external_ids_use_an_index() {
    let o = org();
    let s = o.store.read();
    let id = run(&o, "SELECT Id FROM Account WHERE Name = 'Falcon Corp'")
        .unwrap()
        .records[0]["Id"]
        .as_str()
        .unwrap()
        .to_string();
    let candidates = |q: &str, all: bool| {
        let plan = plan_query(&s, q, o.clock.now(), date_functions::DEFAULT_TIME_ZONE).unwrap();
        plan.filter
            .as_ref()
            .and_then(|c| eval::index_candidates(&s, plan.base, c, all))
            .map(|v| v.len())
    };
    assert_eq!(
        candidates(
            &format!("SELECT Id FROM Account WHERE Id = '{}'", &id[..15]),
            false
        ),
        Some(1)
    );
    assert_eq!(candidates("SELECT Id FROM Account WHERE ERP_Id__c IN ('A-1000', 'A-1001', 'nope') AND Name != null", false), Some(2));
    assert_eq!(
        candidates("SELECT Id FROM Account WHERE Name = 'Falcon Corp'", false),
        None,
        "Name has no index"
    );
    assert_eq!(
        candidates("SELECT Id FROM Account WHERE ERP_Id__c = 'A-1000'", true),
        None,
        "queryAll scans for the recycle bin"
    );
}

#[test]
fn parent_paths_go_five_levels_and_no_further() {
    let o = org();
    assert!(run(
        &o,
        "SELECT Account.Owner.Manager.Manager.Manager.Name FROM Contact"
    )
    .is_ok());
    let e = run(
        &o,
        "SELECT Account.Owner.Manager.Manager.Manager.Manager.Name FROM Contact",
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::MALFORMED_QUERY);
}

#[test]
fn a_cursor_renders_batches_of_the_rows_chosen_when_opened() {
    let o = org();
    let s = o.store.read();
    let opts = QueryOptions::new(o.clock.now(), "62.0");
    let c = open_cursor(
        &s,
        "SELECT Name, (SELECT LastName FROM Contacts) FROM Account ORDER BY Name",
        &opts,
    )
    .unwrap();
    assert_eq!(c.total_size, 4);
    let first = c.batch(&s, 0, 2);
    let rest = c.batch(&s, 2, 2000);
    assert_eq!(first.len() + rest.len(), 4);
    assert_eq!(first[0]["Name"], "Falcon Corp");
    assert_eq!(first[0]["Contacts"]["totalSize"], 2);
    let all = query(
        &s,
        "SELECT Name, (SELECT LastName FROM Contacts) FROM Account ORDER BY Name",
        &opts,
    )
    .unwrap();
    assert_eq!([first, rest].concat(), all.records);
    assert!(c.batch(&s, 10, 5).is_empty());
    let g = open_cursor(
        &s,
        "SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry",
        &opts,
    )
    .unwrap();
    assert!(g.aggregate);
    assert_eq!(g.batch(&s, 0, 2000).len(), g.total_size);
}

#[test]
fn batches_written_as_bytes_equal_their_rendered_trees() {
    let o = org();
    let s = o.store.read();
    let mut opts = QueryOptions::new(o.clock.now(), "59.0");
    let queries = [
        // flat: written directly
        "SELECT Id, Name, Industry FROM Account ORDER BY Name",
        "SELECT name, Id, CreatedDate, IsDeleted, NumberOfEmployees, AnnualRevenue FROM Account",
        "SELECT FIELDS(ALL) FROM Contact LIMIT 200",
        "SELECT Id, Amount, CloseDate, StageName, Probability FROM Opportunity",
        "SELECT Id FROM Account WHERE Name = 'nobody'",
        // parents, children, aggregates: written from their trees
        "SELECT Name, Account.Name, Owner.Name FROM Contact",
        "SELECT Name, (SELECT LastName FROM Contacts) FROM Account",
        "SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry",
        "SELECT COUNT() FROM Account",
    ];
    for include_deleted in [false, true] {
        opts.include_deleted = include_deleted;
        for q in queries {
            let c = open_cursor(&s, q, &opts).unwrap();
            for (start, len) in [(0, 2000), (1, 2), (3, 0), (50, 10)] {
                let mut out = Vec::new();
                c.write_batch(&s, start, len, &mut out);
                let trees = c.batch(&s, start, len);
                let expected = serde_json::to_string(&trees).unwrap();
                assert_eq!(
                    format!("[{}]", String::from_utf8_lossy(&out)),
                    expected,
                    "{q} from {start}"
                );
            }
        }
    }
}

#[test]
fn a_kept_plan_follows_schema_changes_and_the_day() {
    let o = org();
    let custom = "SELECT FIELDS(CUSTOM) FROM Account LIMIT 1";
    let before = run(&o, custom).unwrap();
    assert!(before.records[0].get("Plan_Cache_Probe__c").is_none());
    o.store
        .write()
        .define_field(
            "Account",
            crate::org::schema::FieldDef::new(
                "Plan_Cache_Probe__c",
                "Probe",
                crate::org::schema::FieldType::String,
            ),
        )
        .unwrap();
    let after = run(&o, custom).unwrap();
    assert!(
        after.records[0].get("Plan_Cache_Probe__c").is_some(),
        "planned again after the new field: {}",
        after.records[0]
    );

    let today = "SELECT Id FROM Account WHERE CreatedDate = TODAY";
    let seeded = o.store.read().count("Account");
    assert_eq!(run(&o, today).unwrap().total_size, seeded);
    o.clock.advance(std::time::Duration::from_secs(3 * 86_400));
    assert_eq!(
        run(&o, today).unwrap().total_size,
        0,
        "TODAY is read again on another day"
    );
}

#[test]
fn to_label_and_convert_currency_answer_under_the_fields_own_name() {
    let org = org();
    let r = run(
        &org,
        "SELECT Name, toLabel(Industry), convertCurrency(AnnualRevenue) FROM Account WHERE Name = 'Falcon Corp'",
    )
    .unwrap();
    assert_eq!(r.records[0]["Industry"], "Manufacturing");
    assert_eq!(r.records[0]["AnnualRevenue"], 52000000.0);
}

#[test]
fn date_literals_count_days_in_the_running_users_time_zone() {
    use chrono::TimeZone;
    let o = org();
    let field = crate::org::schema::FieldDef::new(
        "Shipped_At__c",
        "Shipped At",
        crate::org::schema::FieldType::DateTime,
    );
    o.store.write().define_field("Account", field).unwrap();
    {
        let mut s = o.store.write();
        let actor = o.actor(o.users[0].id);
        // 20:00 UTC on 27 November is noon that day in Los Angeles; 09:00 UTC on the 28th
        // is 01:00 on the 28th there.
        for (name, at) in [
            ("Evening UTC", "2026-11-27T20:00:00Z"),
            ("Morning UTC", "2026-11-28T09:00:00Z"),
        ] {
            let body = json!({"Name": name, "Shipped_At__c": at});
            s.insert("Account", body.as_object().unwrap(), &actor)
                .unwrap();
        }
    }
    // 05:00 UTC on the 28th is still 21:00 on the 27th in Los Angeles.
    let now = Utc.with_ymd_and_hms(2026, 11, 28, 5, 0, 0).unwrap();
    let at = |zone: &str, soql: &str| {
        let mut options = QueryOptions::new(now, "62.0");
        options.time_zone = zone.to_string();
        names(&query(&o.store.read(), soql, &options).unwrap())
    };
    let today = "SELECT Name FROM Account WHERE Shipped_At__c = TODAY";
    let tomorrow = "SELECT Name FROM Account WHERE Shipped_At__c = TOMORROW";
    assert_eq!(at("America/Los_Angeles", today), vec!["Evening UTC"]);
    assert_eq!(at("America/Los_Angeles", tomorrow), vec!["Morning UTC"]);
    assert_eq!(at("UTC", today), vec!["Morning UTC"]);
    assert_eq!(at("UTC", tomorrow), Vec::<String>::new());
    assert_eq!(
        at(
            "America/Los_Angeles",
            "SELECT Name FROM Account WHERE Shipped_At__c < TODAY AND Name LIKE '%UTC'"
        ),
        Vec::<String>::new()
    );
}

#[test]
fn a_compound_address_is_selected_as_one_value_and_cannot_be_filtered() {
    let o = org();
    let r = run(
        &o,
        "SELECT Name, BillingAddress, ShippingAddress FROM Account WHERE Name = 'Juniper Health'",
    )
    .unwrap();
    let rec = &r.records[0];
    assert_eq!(
        rec["BillingAddress"],
        json!({"city": "Austin", "country": "USA", "geocodeAccuracy": null, "latitude": null,
            "longitude": null, "postalCode": null, "state": "TX", "street": null})
    );
    let keys: Vec<&String> = rec["BillingAddress"].as_object().unwrap().keys().collect();
    assert_eq!(keys[..3], ["city", "country", "geocodeAccuracy"]);
    // Without any component, the address is null.
    assert_eq!(rec["ShippingAddress"], json!(null));
    let r = run(&o, "SELECT LastName, MailingAddress FROM Contact LIMIT 1").unwrap();
    assert!(r.records[0]
        .as_object()
        .unwrap()
        .contains_key("MailingAddress"));
    // A compound field is selected, never filtered, sorted or grouped: the field exists, so
    // the error says what it cannot be, not that there is no such column.
    for (bad, used) in [
        (
            "SELECT Id FROM Account WHERE BillingAddress != null",
            "filtered",
        ),
        ("SELECT Id FROM Account ORDER BY BillingAddress", "sorted"),
        (
            "SELECT Id FROM Account ORDER BY Account.billingaddress",
            "sorted",
        ),
        (
            "SELECT BillingAddress, COUNT(Id) FROM Account GROUP BY BillingAddress",
            "grouped",
        ),
        (
            "SELECT COUNT(Id) FROM Contact WHERE MailingAddress = null",
            "filtered",
        ),
    ] {
        let e = run(&o, bad).unwrap_err();
        assert_eq!(e.code, ErrorCode::INVALID_FIELD, "{bad}");
        let object = if bad.contains("Contact") {
            "MailingAddress"
        } else {
            "BillingAddress"
        };
        assert!(
            e.message.ends_with(&format!(
                "field '{object}' can not be {used} in a query call"
            )),
            "{bad}: {}",
            e.message
        );
    }
    assert_eq!(
        run(&o, "SELECT BillingAddress, BillingAddress FROM Account")
            .unwrap_err()
            .code,
        ErrorCode::MALFORMED_QUERY
    );
}
