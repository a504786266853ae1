//! What the brief says each check looks for — the outcome a rule wants, never how to get
//! there — in words for a learner.

use crate::lab::CheckSpec;

fn param(check: &CheckSpec, key: &str) -> Option<String> {
    check.params.get(key).map(|v| match v {
        serde_yaml::Value::String(s) => s.clone(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    })
}

/// A hint's text as one paragraph per blank-line-separated block (lab files wrap hints
/// over several lines).
pub fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

/// The words for a request pattern's filters beyond method and path: its query parameters
/// (as `RequestPattern::describe` words them) and the text its body must hold.
fn filters(check: &CheckSpec) -> String {
    let mut out = String::new();
    if let Some(serde_yaml::Value::Mapping(query)) = check.params.get("query") {
        for (k, v) in query {
            let k = k.as_str().unwrap_or_default();
            match v.as_str().unwrap_or_default() {
                "" => out.push_str(&format!(" with a `{k}` parameter")),
                v => out.push_str(&format!(" with `{k}` containing \"{v}\"")),
            }
        }
    }
    if let Some(b) = param(check, "body_contains").or_else(|| param(check, "body")) {
        out.push_str(&format!(" with a body containing \"{b}\""));
    }
    out
}

/// ` at /records/*/Name`, ` at /erpOrderId and /status`: where in the org's answer the
/// values of a `process.output_reports` check are; empty when it names none.
fn reported_values(check: &CheckSpec) -> String {
    let values: Vec<&str> = match check.params.get("values") {
        Some(serde_yaml::Value::Sequence(v)) => v.iter().filter_map(|v| v.as_str()).collect(),
        _ => Vec::new(),
    };
    match values.as_slice() {
        [] => String::new(),
        [one] => format!(" at {one}"),
        [init @ .., last] => format!(" at {} and {last}", init.join(", ")),
    }
}

/// A call budget as the rule counts it: the requests it matches, over every run unless
/// `per_run` says each run has its own.
fn calls_at_most(check: &CheckSpec) -> String {
    let p = |k: &str| param(check, k);
    let Some(max) = p("max") else {
        return "how many calls your code makes".into();
    };
    let queries = check.params.get("queries") == Some(&serde_yaml::Value::Bool(true));
    let (one, many) = if queries {
        ("query of the org's records", "queries of the org's records")
    } else {
        ("call", "calls")
    };
    // "at most 0 calls" reads oddly: none is what it means.
    let calls = if max == "1" || max == "0" { one } else { many };
    let what = match (p("method"), p("path")) {
        (Some(m), Some(path)) => format!("{m} {calls} to {path}"),
        (None, Some(path)) => format!("{calls} to {path}"),
        (Some(m), None) => format!("{m} {calls}"),
        (None, None) => calls.to_string(),
    };
    let per_run = check.params.get("per_run") == Some(&serde_yaml::Value::Bool(true));
    let scope = if per_run { "in each run" } else { "in all" };
    if max == "0" {
        return format!("no {what}{}", filters(check));
    }
    format!("at most {max} {what}{} {scope}", filters(check))
}

/// The runs a check lists (`runs: [1, 2]`): "run 1", "runs 1 and 2".
fn shown_runs(runs: &serde_yaml::Value) -> String {
    let numbers: Vec<usize> = runs
        .as_sequence()
        .map(|s| {
            s.iter()
                .filter_map(|v| v.as_u64())
                .map(|n| n as usize)
                .collect()
        })
        .unwrap_or_default();
    crate::wording::runs(&numbers).unwrap_or_else(|| "the runs it lists".into())
}

/// One of the lab's org-side steps (named by its label) and the answer it must get: its
/// status, and the values its JSON must hold when the check names some.
fn action_ok(check: &CheckSpec) -> String {
    let p = |k: &str| param(check, k);
    let values = check
        .params
        .get("json")
        .and_then(serde_yaml::Value::as_mapping)
        .map(|m| {
            let keys: Vec<String> = m
                .keys()
                .filter_map(|k| k.as_str())
                .map(|k| k.trim_start_matches('/').replace('/', "."))
                .collect();
            format!(" with the expected {}", keys.join(", "))
        })
        .or_else(|| {
            let at = check.params.get("totals")?.get("at")?.as_str()?;
            Some(format!(
                " with {} adding up what was sent",
                at.trim_start_matches('/').replace('/', ".")
            ))
        })
        .unwrap_or_default();
    let refused = check
        .params
        .get("refused")
        .and_then(serde_yaml::Value::as_bool)
        == Some(true);
    match (p("action"), p("status")) {
        (Some(a), _) if refused => format!("the {a} step, refused by the org"),
        (Some(a), Some(status)) => format!("the {a} step, answered {status}{values}"),
        (Some(a), None) if values.is_empty() => format!("the {a} step, done without an error"),
        (Some(a), None) => format!("the {a} step, answered{values}"),
        _ => "the org set up as the lab asks".into(),
    }
}

/// What a `rest.json_body` check looks at: the values the body must hold when it names some
/// (`equals: {allOrNone: true}`, a `soql:` statement, a count of `records`), else typed JSON
/// without response-only keys.
fn json_body(check: &CheckSpec) -> String {
    let mut equals: Vec<String> = check
        .params
        .get("equals")
        .and_then(serde_yaml::Value::as_mapping)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| {
                    let shown = match v {
                        serde_yaml::Value::String(s) => format!("\"{s}\""),
                        other => serde_yaml::to_string(other).ok()?.trim().to_string(),
                    };
                    Some(format!("`{}: {shown}`", k.as_str()?))
                })
                .collect()
        })
        .unwrap_or_default();
    if let Some(statements) = check
        .params
        .get("soql")
        .and_then(serde_yaml::Value::as_mapping)
    {
        equals.extend(statements.iter().filter_map(|(k, v)| {
            Some(format!("`{}` as the query `{}`", k.as_str()?, v.as_str()?))
        }));
    }
    if let Some(n) = param(check, "records") {
        equals.push(format!("all {n} records in one `records` list"));
    }
    if equals.is_empty() {
        "records sent as typed JSON, without response-only keys".into()
    } else {
        format!("a JSON body that sends {}", equals.join(" and "))
    }
}

/// What an `http.request` check adds to the request it names: how many, or the answer.
fn request_counted(check: &CheckSpec) -> String {
    let p = |k: &str| param(check, k);
    let mut said = String::new();
    match (p("min").filter(|m| m != "1"), p("max")) {
        (Some(min), Some(max)) if min == max => said.push_str(&format!(", exactly {min} of them")),
        (Some(min), Some(max)) => said.push_str(&format!(", {min} to {max} of them")),
        (Some(min), None) => said.push_str(&format!(", at least {min} of them")),
        (None, Some(max)) => said.push_str(&format!(", at most {max} of them")),
        (None, None) => {}
    }
    if let Some(status) = p("status") {
        said.push_str(&format!(", answered {status}"));
    }
    said
}

/// What `oauth.fresh_per_login` wants new every time, by the grant the lab's checks name: a
/// signed assertion for a bearer grant (JWT, SAML), a PKCE challenge and `state` for the code
/// flow.
fn fresh_per_login(lab: &[CheckSpec]) -> String {
    let grants: Vec<String> = lab
        .iter()
        .filter(|c| c.rule == "oauth.grant_used")
        .filter_map(|c| param(c, "grant"))
        .collect();
    let bearer = grants.iter().any(|g| g.contains("bearer"));
    let code = grants.iter().any(|g| g == "authorization_code")
        || lab.iter().any(|c| c.rule == "oauth.pkce_s256");
    match (bearer, code) {
        (true, false) => "a fresh signed assertion for every token request".into(),
        (false, true) => "a new PKCE challenge and state for every sign-in".into(),
        _ => {
            "new values for every sign-in: a PKCE challenge and state, or a signed assertion".into()
        }
    }
}

/// The object a query reads from: the word after its own `FROM`, not a subquery's.
fn queried_object(query: &str) -> Option<&str> {
    let mut depth = 0usize;
    let mut words = query
        .split_whitespace()
        .flat_map(|w| w.split_inclusive(['(', ')']));
    while let Some(w) = words.next() {
        depth += w.matches('(').count();
        depth = depth.saturating_sub(w.matches(')').count());
        if depth == 0 && w.eq_ignore_ascii_case("FROM") {
            return words.next().map(|o| o.trim_end_matches([')', ',']));
        }
    }
    None
}

/// A `state.soql` check: the records of the object it queries, and the query itself when
/// another check of the lab queries the same object.
fn soql_records(check: &CheckSpec, lab: &[CheckSpec]) -> String {
    let query = param(check, "query").unwrap_or_default();
    let Some(object) = queried_object(&query) else {
        return "the records the org holds after your code ran".into();
    };
    let same_object = lab
        .iter()
        .filter(|c| c.rule == "state.soql")
        .filter(|c| queried_object(&param(c, "query").unwrap_or_default()) == Some(object))
        .count();
    if same_object > 1 {
        format!("the {object} records the org holds after your code ran (`{query}`)")
    } else {
        format!("the {object} records the org holds after your code ran")
    }
}

/// One line about what `check` looks for.
pub fn what_it_checks(check: &CheckSpec) -> String {
    what_it_checks_in(check, std::slice::from_ref(check))
}

/// One line about what `check`, one of the lab's `checks`, looks for: a few rules are worded
/// by what the lab's other checks say (the grant it uses).
pub fn what_it_checks_in(check: &CheckSpec, lab: &[CheckSpec]) -> String {
    let p = |k: &str| param(check, k);
    let object = p("object").unwrap_or_else(|| "the records".into());
    match check.rule.as_str() {
        "http.request" => match (p("method"), p("path")) {
            (Some(m), Some(path)) => format!(
                "a {m} request to {path}{}{}",
                filters(check),
                request_counted(check)
            ),
            (None, Some(path)) => format!(
                "a request to {path}{}{}",
                filters(check),
                request_counted(check)
            ),
            _ => "the requests your code makes".into(),
        },
        "http.order" => "the order your requests come in".into(),
        "http.calls_at_most" => calls_at_most(check),
        "oauth.grant_used" => match p("grant") {
            Some(g) => format!("a token got with the {} grant", g.replace('_', " ")),
            None => "the OAuth grant your code uses".into(),
        },
        "oauth.grant_not_used" => match p("grant") {
            Some(g) => format!("no use of the {} grant", g.replace('_', " ")),
            None => "a grant your code must avoid".into(),
        },
        "oauth.pkce_s256" => "PKCE with the S256 method, and a verifier that matches".into(),
        "oauth.refresh_then_retry_once" => {
            "after an expired session: one refresh, then one retry".into()
        }
        "oauth.jwt_claims" => "the claims of the JWT your code signs".into(),
        "oauth.token_reused" => "one token reused across calls, not a login per call".into(),
        "rest.upsert_by_external_id" => {
            let how = match p("field") {
                Some(f) => format!("{object} written by upsert on the external ID {f}"),
                None => format!("{object} written by upsert on an external ID"),
            };
            if p("every_run").as_deref() == Some("true") {
                format!("{how}, in every run")
            } else {
                how
            }
        }
        "rest.patch_for_update" => "updates sent as PATCH".into(),
        "rest.fields_selected" => "queries that name the fields they need".into(),
        "rest.json_body" => json_body(check),
        "query.pagination_followed" => "every page of a large query read".into(),
        "state.idempotent" => "the org left the same after each run".into(),
        "state.soql" => soql_records(check, lab),
        "state.no_duplicates" => match p("field") {
            Some(f) => format!("no two {object} records with the same {f}"),
            None => format!("no duplicate {object} records"),
        },
        "retry.honors_retry_after" => {
            let base = match p("tries") {
                Some(t) => format!(
                    "every throttled call retried after its Retry-After wait, at most {t} tries each"
                ),
                None => "a wait of at least Retry-After before retrying".into(),
            };
            match p("at_most_extra_ms").and_then(|ms| ms.parse::<f64>().ok()) {
                Some(ms) => format!("{base}, and no more than {}s later than asked", ms / 1000.0),
                None => base,
            }
        }
        "retry.backoff" => "growing waits between retries".into(),
        "retry.no_retry_on_4xx" => "no retry of a request the org refused as wrong".into(),
        "secrets.not_in_sources" => "no secret written into your files".into(),
        "secrets.not_in_output" => "no secret printed by your code".into(),
        "secrets.files_private" => "files holding secrets readable by you alone".into(),
        "process.exit_ok" => match check.params.get("runs") {
            Some(runs) => format!("./run exits with status 0 in {}", shown_runs(runs)),
            None => "./run exits with status 0".into(),
        },
        "process.exit_refused" => {
            // `say_why: false`: a non-zero status is enough (the program reports elsewhere).
            let says = if p("say_why").as_deref() == Some("false") {
                "./run exits with a non-zero status"
            } else {
                "./run says what is wrong on stderr and exits with a non-zero status"
            };
            match check.params.get("runs") {
                Some(runs) => format!("{says} in {}", shown_runs(runs)),
                None => says.into(),
            }
        }
        "process.output_contains" => "what your program prints: the items it must report".into(),
        "process.output_reports" => {
            // Where in the answer the values are, and which call: two checks of one path
            // (the names a query returns, the count another returns) read apart.
            let at = reported_values(check);
            match (p("method"), p("path")) {
                (Some(m), Some(path)) => format!(
                    "what your program prints: the values{at} the org answered to {m} {path}{}",
                    filters(check)
                ),
                (None, Some(path)) => format!(
                    "what your program prints: the values{at} the org answered to {path}{}",
                    filters(check)
                ),
                _ => format!("what your program prints: the values{at} the org answered"),
            }
        }
        "process.errors_reported" => "each request that failed for good reported by your program".into(),
        "process.failed_records_reported" => {
            "each record the org refused printed with its reference and status code, as it answered".into()
        }
        "secrets.not_in_url" => "no secret sent in a URL".into(),
        "retry.safe_to_repeat" => "only requests that are safe to repeat are retried".into(),
        "oauth.client_used" => "calls made with the app the lab names".into(),
        "oauth.device_polling" => "device-flow polling at the interval the org asks for".into(),
        "oauth.id_token_not_bearer" => {
            "the ID token kept for identity, never sent as a bearer token".into()
        }
        "oauth.fresh_per_login" => fresh_per_login(lab),
        "oauth.id_token_verified" => {
            "an ID token whose claims were changed after signing is not accepted".into()
        }
        "oauth.replayed_id_token_refused" => {
            "the replayed ID token refused for its nonce, with the value read from it".into()
        }
        "oauth.state_checked" => {
            "a callback whose state is not yours stops the sign-in before the code is redeemed"
                .into()
        }
        "oauth.nonce_sent" => "a nonce sent with the login and found again in the ID token".into(),
        "oauth.refresh_not_reused" => "a rotated refresh token never used twice".into(),
        "oauth.refresh_token_kept" => {
            "the newest refresh token kept in a file of your lab folder".into()
        }
        "oauth.scopes_requested" => "the scopes your code asks for".into(),
        "bulk.failed_results_fetched" => "a Bulk job's failed rows fetched".into(),
        "bulk.locators_followed" => "every page of a Bulk query's results read".into(),
        "files.csv_rows" => "the rows of the CSV file your code writes".into(),
        "design.table" => {
            // Named by its first column, so a lab with several tables tells them apart.
            let first = check
                .params
                .get("columns")
                .and_then(serde_yaml::Value::as_sequence)
                .and_then(|c| c.first())
                .and_then(serde_yaml::Value::as_str)
                .map(|c| format!(" (the {c} table)"))
                .unwrap_or_default();
            match p("file") {
                Some(f) => format!("the table you fill in {f}{first}"),
                None => format!("the table you fill in{first}"),
            }
        }
        "review.findings" => "the findings your review names".into(),
        "breaker.opens" => "a circuit breaker that opens when the service keeps failing".into(),
        "org.action_ok" => action_ok(check),
        "callout.made" => "a callout from the org to your service".into(),
        "callout.setup" => "the credentials a callout needs, set up in the org".into(),
        "events.published" => match p("via").as_deref() {
            Some("rest") => "the events your code publishes through the REST API".into(),
            Some("pub_sub") => "the events your code publishes through the Pub/Sub API".into(),
            _ => "the events your code publishes".into(),
        },
        "events.subscribed" => "a subscription to the event channel".into(),
        "events.replay_resumed" if check.params.contains_key("applied") => {
            "a subscriber that resumes from the last replay id it stored, once that event was applied"
                .into()
        }
        "events.replay_resumed" => {
            "a subscriber that resumes from the last replay id it stored".into()
        }
        "events.consumer_idempotent" => "each event handled once, even when delivered twice".into(),
        "erp.no_duplicate_orders" => {
            if check.params.contains_key("bodies") {
                "each order in the ERP exactly once, under its own key and with its own content"
                    .into()
            } else if check.params.contains_key("keys") {
                "each order in the ERP exactly once, under its own key".into()
            } else {
                "no order written twice to the ERP".into()
            }
        }
        "erp.orders_written_back" => "the ERP's order numbers written back to the org".into(),
        "mcp.tools_called" => "the MCP tools your agent calls".into(),
        "soap.call" => match p("operation") {
            Some(c) => format!("a SOAP {c} call"),
            None => "the SOAP calls your code makes".into(),
        },
        "soap.session_header" => "SOAP calls that carry the session in their header".into(),
        "soap.all_or_none" => "a SOAP call made all or nothing".into(),
        "soap.no_password_login" => "no SOAP login with a password".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(yaml: &str) -> CheckSpec {
        serde_yaml::from_str(yaml).expect("check")
    }

    #[test]
    fn an_exit_check_over_some_runs_names_them() {
        let c = check("{ rule: process.exit_ok, runs: [1, 2] }");
        assert_eq!(
            what_it_checks(&c),
            "./run exits with status 0 in runs 1 and 2"
        );
        let c = check("{ rule: process.exit_ok }");
        assert_eq!(what_it_checks(&c), "./run exits with status 0");
    }

    #[test]
    fn tables_of_one_file_are_told_apart_by_their_first_column() {
        let c = check("{ rule: design.table, file: architecture.md, columns: [Flow, Pattern] }");
        assert_eq!(
            what_it_checks(&c),
            "the table you fill in architecture.md (the Flow table)"
        );
        let c = check("{ rule: design.table, file: design.md }");
        assert_eq!(what_it_checks(&c), "the table you fill in design.md");
    }

    #[test]
    fn two_reports_of_one_path_say_which_values_of_which_query() {
        let names = check(
            r#"{ rule: process.output_reports, method: GET, path: "/services/data/*/query", query: { q: "FROM Account" }, values: [/records/*/Name] }"#,
        );
        let count = check(
            r#"{ rule: process.output_reports, method: GET, path: "/services/data/*/query", query: { q: "COUNT()" }, values: [/totalSize] }"#,
        );
        assert_eq!(
            what_it_checks(&names),
            "what your program prints: the values at /records/*/Name the org answered to GET /services/data/*/query with `q` containing \"FROM Account\""
        );
        assert_eq!(
            what_it_checks(&count),
            "what your program prints: the values at /totalSize the org answered to GET /services/data/*/query with `q` containing \"COUNT()\""
        );
        let two = check(
            "{ rule: process.output_reports, method: GET, path: /services/apexrest/orders/SO-5001, values: [/erpOrderId, /status] }",
        );
        assert_eq!(
            what_it_checks(&two),
            "what your program prints: the values at /erpOrderId and /status the org answered to GET /services/apexrest/orders/SO-5001"
        );
    }

    #[test]
    fn record_checks_name_the_object_they_query_and_the_query_when_two_share_it() {
        let lab = [
            check(
                r#"{ rule: state.soql, query: "SELECT Name FROM Account WHERE Name = 'Heron'", count: 1 }"#,
            ),
            check(
                r#"{ rule: state.soql, query: "SELECT FirstName, (SELECT Id FROM Cases) FROM Contact WHERE LastName = 'Quist'" }"#,
            ),
            check(
                r#"{ rule: state.soql, query: "select StageName from Opportunity where Name = 'A'" }"#,
            ),
            check(r#"{ rule: state.soql, query: "SELECT Id FROM Opportunity WHERE Name = 'B'" }"#),
        ];
        let said: Vec<String> = lab.iter().map(|c| what_it_checks_in(c, &lab)).collect();
        assert_eq!(
            said[0],
            "the Account records the org holds after your code ran"
        );
        assert_eq!(
            said[1],
            "the Contact records the org holds after your code ran"
        );
        assert_eq!(
            said[2],
            "the Opportunity records the org holds after your code ran (`select StageName from Opportunity where Name = 'A'`)"
        );
        assert_ne!(said[2], said[3]);
    }

    #[test]
    fn parameters_shape_the_sentence() {
        let c = check("{ rule: rest.upsert_by_external_id, object: Account, field: ERP_Id__c }");
        assert_eq!(
            what_it_checks(&c),
            "Account written by upsert on the external ID ERP_Id__c"
        );
        let c = check(
            "{ rule: rest.upsert_by_external_id, object: Account, field: ERP_Id__c, every_run: true }",
        );
        assert_eq!(
            what_it_checks(&c),
            "Account written by upsert on the external ID ERP_Id__c, in every run"
        );
        let c = check("{ rule: http.calls_at_most, max: 6 }");
        assert_eq!(what_it_checks(&c), "at most 6 calls in all");
    }

    #[test]
    fn a_call_budget_names_the_requests_it_counts_and_over_which_runs() {
        let c = check("{ rule: http.calls_at_most, method: POST, path: /ext/erp/orders, max: 14 }");
        assert_eq!(
            what_it_checks(&c),
            "at most 14 POST calls to /ext/erp/orders in all"
        );
        let c = check("{ rule: http.calls_at_most, max: 1, per_run: true }");
        assert_eq!(what_it_checks(&c), "at most 1 call in each run");
        let c = check(
            "{ rule: http.calls_at_most, method: GET, path: /services/data/*/query, query: { q: FROM Opportunity }, max: 1 }",
        );
        assert_eq!(
            what_it_checks(&c),
            "at most 1 GET call to /services/data/*/query with `q` containing \"FROM Opportunity\" in all"
        );
        let c =
            check("{ rule: http.request, method: GET, path: /authorize, query: { state: \"\" } }");
        assert_eq!(
            what_it_checks(&c),
            "a GET request to /authorize with a `state` parameter"
        );
    }

    #[test]
    fn org_steps_are_told_apart_by_their_label_and_answer() {
        let c = check("{ rule: org.action_ok, action: in-stock, status: 200 }");
        assert_eq!(what_it_checks(&c), "the in-stock step, answered 200");
        let c = check("{ rule: org.action_ok, action: deploy }");
        assert_eq!(what_it_checks(&c), "the deploy step, done without an error");
        let c = check(
            "{ rule: org.action_ok, action: finish, json: { /stock/PUMP-7: 12, /records: 9 } }",
        );
        assert_eq!(
            what_it_checks(&c),
            "the finish step, answered with the expected stock.PUMP-7, records"
        );
    }

    #[test]
    fn a_count_a_body_value_and_a_quiet_refusal_are_told_as_checked() {
        let c = check("{ rule: http.request, method: POST, path: /ext/erp/orders, status: 201, min: 12, max: 12 }");
        assert_eq!(
            what_it_checks(&c),
            "a POST request to /ext/erp/orders, exactly 12 of them, answered 201"
        );
        let c = check("{ rule: http.request, path: /x, max: 3 }");
        assert!(what_it_checks(&c).ends_with(", at most 3 of them"));
        let c = check("{ rule: rest.json_body, equals: { allOrNone: true }, forbid: [] }");
        assert_eq!(
            what_it_checks(&c),
            "a JSON body that sends `allOrNone: true`"
        );
        let c = check("{ rule: rest.json_body }");
        assert!(what_it_checks(&c).starts_with("records sent as typed JSON"));
        let c = check(
            "{ rule: rest.json_body, soql: { query: SELECT Id FROM Account WHERE Name != null } }",
        );
        assert_eq!(
            what_it_checks(&c),
            "a JSON body that sends `query` as the query `SELECT Id FROM Account WHERE Name != null`"
        );
        let c = check("{ rule: rest.json_body, forbid: [], records: 200 }");
        assert_eq!(
            what_it_checks(&c),
            "a JSON body that sends all 200 records in one `records` list"
        );
        let c = check("{ rule: http.calls_at_most, method: POST, path: /services/Soap/u/**, body: upsert>, max: 1 }");
        assert_eq!(
            what_it_checks(&c),
            "at most 1 POST call to /services/Soap/u/** with a body containing \"upsert>\" in all"
        );
        let c = check("{ rule: process.exit_refused, runs: [2], say_why: false }");
        assert_eq!(
            what_it_checks(&c),
            "./run exits with a non-zero status in run 2"
        );
    }

    #[test]
    fn two_checks_of_one_request_say_how_they_differ() {
        let counted = check(
            "{ rule: http.request, method: GET, path: /services/data/*/query, query: { q: Heron }, min: 2 }",
        );
        let answered = check(
            "{ rule: http.request, method: GET, path: /services/data/*/query, query: { q: Heron }, status: 200 }",
        );
        assert!(
            what_it_checks(&counted).ends_with(", at least 2 of them"),
            "{}",
            what_it_checks(&counted)
        );
        assert!(
            what_it_checks(&answered).ends_with(", answered 200"),
            "{}",
            what_it_checks(&answered)
        );
    }

    #[test]
    fn a_budget_of_none_says_no_call() {
        let c = check("{ rule: http.calls_at_most, method: GET, path: \"/services/data/*/query*/**\", max: 0 }");
        assert_eq!(
            what_it_checks(&c),
            "no GET call to /services/data/*/query*/**"
        );
    }

    #[test]
    fn a_budget_of_no_queries_names_queries_not_calls() {
        let c = check("{ rule: http.calls_at_most, queries: true, max: 0 }");
        assert_eq!(what_it_checks(&c), "no query of the org's records");
        let c = check("{ rule: http.calls_at_most, queries: true, max: 2 }");
        assert_eq!(
            what_it_checks(&c),
            "at most 2 queries of the org's records in all"
        );
    }

    #[test]
    fn a_retry_budget_is_named_with_the_wait() {
        let c = check("{ rule: retry.honors_retry_after, tries: 3 }");
        assert_eq!(
            what_it_checks(&c),
            "every throttled call retried after its Retry-After wait, at most 3 tries each"
        );
        let c = check("{ rule: retry.honors_retry_after, tries: 3, at_most_extra_ms: 1000 }");
        assert_eq!(
            what_it_checks(&c),
            "every throttled call retried after its Retry-After wait, at most 3 tries each, and no more than 1s later than asked"
        );
    }

    #[test]
    fn an_order_book_check_with_keys_asks_for_each_order_once() {
        let c = check("{ rule: erp.no_duplicate_orders, key: idempotencyKey, keys: [SO-1] }");
        assert_eq!(
            what_it_checks(&c),
            "each order in the ERP exactly once, under its own key"
        );
        let c = check("{ rule: erp.no_duplicate_orders, key: idempotencyKey, keys: [SO-1], bodies: { SO-1: { customer: Birch } } }");
        assert_eq!(
            what_it_checks(&c),
            "each order in the ERP exactly once, under its own key and with its own content"
        );
        let c = check("{ rule: erp.no_duplicate_orders, min: 4 }");
        assert_eq!(what_it_checks(&c), "no order written twice to the ERP");
    }

    #[test]
    fn wrapped_hint_lines_join_into_paragraphs() {
        assert_eq!(
            paragraphs("The endpoint is `x`,\nand the query\n\ngoes in `q`.\n"),
            vec!["The endpoint is `x`, and the query", "goes in `q`."]
        );
    }

    #[test]
    fn every_rule_in_the_catalogue_has_words_for_the_brief() {
        for rule in crate::rules::RULE_NAMES {
            let c = check(&format!("{{ rule: {rule} }}"));
            assert_ne!(what_it_checks(&c), *rule, "{rule} has no sentence");
        }
    }

    #[test]
    fn an_unknown_rule_is_named_as_written() {
        assert_eq!(what_it_checks(&check("{ rule: x.y }")), "x.y");
    }

    #[test]
    fn fresh_values_per_login_are_worded_by_the_grant_the_lab_uses() {
        let lab = |yaml: &str| -> Vec<CheckSpec> { serde_yaml::from_str(yaml).expect("checks") };
        let saml = lab(
            r#"[{ rule: oauth.grant_used, grant: "urn:ietf:params:oauth:grant-type:saml2-bearer" }, { rule: oauth.fresh_per_login }]"#,
        );
        assert_eq!(
            what_it_checks_in(&saml[1], &saml),
            "a fresh signed assertion for every token request"
        );
        let pkce = lab("[{ rule: oauth.pkce_s256 }, { rule: oauth.fresh_per_login }, { rule: oauth.grant_used, grant: authorization_code }]");
        assert_eq!(
            what_it_checks_in(&pkce[1], &pkce),
            "a new PKCE challenge and state for every sign-in"
        );
        let alone = check("{ rule: oauth.fresh_per_login }");
        assert!(what_it_checks(&alone).contains("or a signed assertion"));
    }
}
