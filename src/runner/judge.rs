//! The rule catalogue as the runner's [`Judge`]: each check parsed into a
//! [`RuleSpec`](crate::rules::RuleSpec) and judged (with the org's SOQL engine for
//! `state.soql` when the org offers one); which objects the org snapshots must hold; and the
//! adjustments made to verdicts after judging: a run stopped at its time limit earns no
//! `state.*` points, and a limit check earns nothing for an attempt that did no work.

use super::parts::Judge;
use crate::evidence::{Evidence, LearnerRun};
use crate::lab::{CheckSpec, LabSpec};
use crate::rules::{SoqlEvaluator, Verdict};

/// Judges with the built-in rule catalogue.
#[derive(Debug, Clone, Default)]
pub struct CatalogueJudge;

impl Judge for CatalogueJudge {
    fn validate(&self, check: &CheckSpec) -> Result<(), String> {
        check.rule_spec().map(drop).map_err(|e| e.to_string())
    }

    fn judge(
        &self,
        check: &CheckSpec,
        evidence: &Evidence,
        soql: Option<&dyn SoqlEvaluator>,
    ) -> Verdict {
        match check.rule_spec() {
            Ok(spec) => spec.check_with(evidence, soql),
            Err(e) => Verdict::fail(
                &check.rule,
                check.points,
                format!("This check cannot be judged: {e}"),
            ),
        }
    }

    fn snapshot_objects(&self, lab: &LabSpec) -> Vec<String> {
        snapshot_objects(lab)
    }
}

/// A run stopped at the lab's timeout never reached its end state, so a `state.*` rule that
/// passed on the org it left proves nothing (a hanging program writes nothing, and "nothing
/// was duplicated" is then trivially true). Such a verdict becomes a failure that names the
/// run; other verdicts are kept. Decision: all `state.*` rules, not only those that look for
/// records, because an interrupted run may also have left the org half-written.
pub fn after_timeouts(verdict: Verdict, runs: &[LearnerRun]) -> Verdict {
    let Some(i) = runs.iter().position(|r| r.timed_out) else {
        return verdict;
    };
    if !verdict.rule.starts_with("state.") || !verdict.passed() {
        return verdict;
    }
    let mut failed = Verdict::fail(
        &verdict.rule,
        verdict.points_possible,
        format!(
            "Run {} did not finish within the lab's time limit and was stopped, so the org it \
             left is not a finished result: this check counts only when every run ends in time.",
            i + 1
        ),
    );
    failed.evidence = verdict.evidence;
    failed
}

/// Checks that pass because something did *not* happen — a budget kept, no secret printed, no
/// forbidden grant, no duplicate, no change between runs — and so would pass for a program
/// that did nothing at all.
pub const LIMIT_RULES: &[&str] = &[
    "http.calls_at_most",
    "secrets.not_in_output",
    "secrets.not_in_url",
    "oauth.grant_not_used",
    "oauth.refresh_not_reused",
    "oauth.id_token_not_bearer",
    "soap.no_password_login",
    "retry.no_retry_on_4xx",
    "state.no_duplicates",
    "state.idempotent",
    "breaker.opens",
    "erp.no_duplicate_orders",
    "oauth.fresh_per_login",
    "secrets.files_private",
    // Judged from the files, but an untouched starter keeps no secret either: held back like
    // `secrets.not_in_output` for an attempt that did no work (and, in `files_only`, for one
    // that could not run).
    "secrets.not_in_sources",
];

/// Checks judged from the lab folder's files alone (a design document, the sources): they
/// are judged even for a submission that cannot run.
pub const FILE_RULES: &[&str] = &["design.table", "review.findings", "secrets.not_in_sources"];

/// The runs (1 = the first) a lab's checks mean to end in an error: those its
/// `process.exit_refused` checks list.
pub fn runs_meant_to_fail(checks: &[CheckSpec]) -> Vec<usize> {
    checks
        .iter()
        .filter(|c| c.rule == "process.exit_refused")
        .filter_map(|c| c.params.get("runs")?.as_sequence())
        .flatten()
        .filter_map(|n| usize::try_from(n.as_u64()?).ok())
        .collect()
}

/// Why the attempt did no work a limit could be measured on, if it did none: no request
/// reached the org (nor a Pub/Sub subscription), or no run ended normally (exit 0, stopped by
/// the lab as planned, or — for a run in `meant_to_fail` — a non-zero status of its own).
pub fn no_work(ev: &Evidence, meant_to_fail: &[usize]) -> Option<&'static str> {
    // A Pub/Sub call (a subscription, or a publish) reaches the org without the proxy.
    let published_over_pub_sub = ev
        .events
        .published
        .iter()
        .any(|p| p.get("via").and_then(|v| v.as_str()) == Some("pub_sub"));
    let reached_org = !ev.exchanges.is_empty()
        || !ev.events.subscriptions.is_empty()
        || published_over_pub_sub
        || !ev.auth_log.is_empty();
    let ended_normally = ev.runs.iter().any(|r| {
        let refused_as_meant =
            meant_to_fail.contains(&(r.index + 1)) && r.exit_code.is_some_and(|c| c != 0);
        !r.timed_out && (r.exit_code == Some(0) || r.stopped_by_lab || refused_as_meant)
    });
    if ev.runs.is_empty() {
        Some("the program never ran")
    } else if !reached_org {
        Some("no request reached the org")
    } else if !ended_normally {
        Some("no run ended normally (each crashed, failed or was stopped at the time limit)")
    } else {
        None
    }
}

/// Why the records a program left say nothing, if its every write to the org's data was
/// refused (and it sent at least one).
fn every_write_refused(ev: &Evidence) -> Option<&'static str> {
    let mut writes = ev.exchanges.iter().filter(|e| e.is_data_write());
    let first = writes.next()?;
    (!first.succeeded() && writes.all(|e| !e.succeeded()))
        .then_some("the org refused every write it sent")
}

/// Whether `check` limits what a program does: a [`LIMIT_RULES`] rule, or a `state.soql`
/// check that expects no rows (nothing left behind — which an org nobody touched also shows).
pub fn is_limit_check(check: &CheckSpec) -> bool {
    LIMIT_RULES.contains(&check.rule.as_str()) || expects_no_rows(check)
}

/// A `state.soql` check that expects no rows: it pays once the program reached the org, even
/// if it then failed (its exit status is `process.exit_ok`'s business); an org nobody touched
/// earns nothing.
fn expects_no_rows(check: &CheckSpec) -> bool {
    check.rule == "state.soql" && check.params.get("count").and_then(|v| v.as_u64()) == Some(0)
}

/// A `process.output_contains` check that asks for items singled out from others
/// (`singled_out_from`: the keys the ERP does not know among those the org holds): the
/// program must tell them apart from what it read, so one that read nothing can only have
/// printed the answer from memory. Held back, as a limit check is, for an attempt that did
/// no work; an output check that only asks for text printed (a lab where printing is the
/// task) is judged as it stands.
fn singles_out_what_it_read(check: &CheckSpec) -> bool {
    check.rule == "process.output_contains" && check.params.contains_key("singled_out_from")
}

/// A limit check ([`is_limit_check`]) pays out only for an attempt that did some work: a
/// program that crashed at start made no calls and printed no secret, which earns nothing.
/// So does an output check that singles items out of what the program read
/// ([`singles_out_what_it_read`]).
/// Such a passing verdict becomes a failure that says why; other verdicts are kept.
/// `meant_to_fail` is [`runs_meant_to_fail`] of the lab's checks.
pub fn after_no_work(
    verdict: Verdict,
    ev: &Evidence,
    check: &CheckSpec,
    meant_to_fail: &[usize],
) -> Verdict {
    // A check worth no points (the gate on printed secrets every lab gets) has nothing to
    // hold back; failing it for want of work would fail labs whose program makes no request.
    let held_without_work = is_limit_check(check) || singles_out_what_it_read(check);
    if !verdict.passed() || !held_without_work || check.points == 0 {
        return verdict;
    }
    let why = if expects_no_rows(check) {
        no_work(ev, meant_to_fail).filter(|w| !w.starts_with("no run ended normally"))
    } else {
        no_work(ev, meant_to_fail)
    };
    // No duplicate and no change between runs say nothing when every write was refused.
    let why = why.or_else(|| {
        matches!(
            check.rule.as_str(),
            "state.idempotent" | "state.no_duplicates"
        )
        .then(|| every_write_refused(ev))
        .flatten()
    });
    let Some(why) = why else {
        return verdict;
    };
    let condition =
        format!("a run did the lab's work (made requests and ended normally), but {why}");
    if !is_limit_check(check) {
        // Not a limit: what it found was printed, but could not have been read.
        let mut held = Verdict::fail(
            &verdict.rule,
            verdict.points_possible,
            format!(
                "{}the items this check looks for must be singled out of what the program reads, and it counts only when {condition}. On its own it found: {}",
                crate::rules::NOT_AWARDED,
                verdict.message.trim_end()
            ),
        );
        held.evidence = verdict.evidence;
        return held;
    }
    verdict.not_awarded_unless(&condition)
}

/// The objects the recorded calls wrote to through the sObject resources
/// (`POST /sobjects/Contact`, `PATCH /sobjects/Account/ERP_Id__c/A-1`, `DELETE …`) and were
/// answered 2xx: snapshotted beside the lab's own objects, so a run that leaves records in
/// an object no check names still shows as a change.
pub fn written_objects(exchanges: &[crate::evidence::Exchange]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in exchanges {
        let writes = matches!(
            e.method().to_ascii_uppercase().as_str(),
            "POST" | "PATCH" | "PUT" | "DELETE"
        );
        if !writes || !e.status().is_some_and(|s| (200..300).contains(&s)) {
            continue;
        }
        let path = e.path().split('?').next().unwrap_or("");
        let object = path
            .strip_prefix("/services/data/")
            .and_then(|rest| rest.split_once("/sobjects/"))
            .and_then(|(_, rest)| rest.split('/').next())
            .filter(|o| !o.is_empty());
        if let Some(o) = object {
            if !out.iter().any(|x| x.eq_ignore_ascii_case(o)) {
                out.push(o.to_string());
            }
        }
    }
    out
}

/// The objects the lab's rules and seed name: `object:` parameters, the `FROM` of
/// `state.soql` queries, and the objects the `org:` seed declares or fills; plus the mock
/// ERP's order book ([`ERP_ORDER_BOOK`](crate::rules::ERP_ORDER_BOOK)) for `erp.*` rules.
pub fn snapshot_objects(lab: &LabSpec) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |name: &str| {
        let name = name.trim();
        if !name.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(name)) {
            out.push(name.to_string());
        }
    };
    for c in &lab.checks {
        if c.rule.starts_with("erp.") {
            add(crate::rules::ERP_ORDER_BOOK);
        }
        if let Some(o) = c.params.get("object").and_then(|v| v.as_str()) {
            add(o);
        }
        if let Some(q) = c.params.get("query").and_then(|v| v.as_str()) {
            if let Some(from) = soql_from(q) {
                add(&from);
            }
        }
    }
    if let Some(objects) = lab.org.get("objects").and_then(|v| v.as_mapping()) {
        for k in objects.keys().filter_map(|k| k.as_str()) {
            add(k);
        }
    }
    if let Some(records) = lab.org.get("records").and_then(|v| v.as_sequence()) {
        for r in records {
            if let Some(m) = r.as_mapping() {
                for k in m.keys().filter_map(|k| k.as_str()) {
                    add(k);
                }
            }
        }
    }
    out
}

/// The object after the first top-level `FROM` of a SOQL query.
fn soql_from(query: &str) -> Option<String> {
    let words: Vec<&str> = query.split_whitespace().collect();
    let i = words.iter().position(|w| w.eq_ignore_ascii_case("from"))?;
    words.get(i + 1).map(|w| {
        w.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '_')
            .to_string()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn written_objects_are_those_a_successful_write_named() {
        use crate::rules::fixture::req;
        let calls = vec![
            req("POST", "/services/data/v62.0/sobjects/Contact", 201),
            req(
                "PATCH",
                "/services/data/v62.0/sobjects/Account/ERP_Id__c/A-1",
                200,
            ),
            req(
                "GET",
                "/services/data/v62.0/sobjects/Lead/00Q000000000001AAA",
                200,
            ),
            req("POST", "/services/data/v62.0/sobjects/Case", 400),
            req(
                "DELETE",
                "/services/data/v62.0/sobjects/contact/003000000000001AAA",
                204,
            ),
        ];
        assert_eq!(written_objects(&calls), ["Contact", "Account"]);
    }

    use super::*;

    #[test]
    fn a_run_the_lab_means_to_fail_ends_normally_when_it_exits_non_zero_by_itself() {
        let checks: Vec<CheckSpec> = serde_yaml::from_str(
            "[{ rule: process.exit_refused, runs: [2], say_why: false }, { rule: secrets.not_in_output }]",
        )
        .expect("checks");
        let meant = runs_meant_to_fail(&checks);
        assert_eq!(meant, [2]);
        let mut ev = crate::rules::fixture::evidence(vec![crate::rules::fixture::get("/x", 200)]);
        ev.runs.push(LearnerRun {
            index: 1,
            ..LearnerRun::default()
        });
        ev.runs[0].exit_code = Some(1);
        ev.runs[1].exit_code = Some(1);
        let secrets = &checks[1];
        let passed = || Verdict::pass("secrets.not_in_output", 1, "No secret was printed.");
        assert!(after_no_work(passed(), &ev, secrets, &meant).passed());
        assert!(
            !after_no_work(passed(), &ev, secrets, &[]).passed(),
            "without the lab's word, a failed run is not normal"
        );
        ev.runs[1].timed_out = true;
        ev.runs[1].exit_code = None;
        assert!(
            !after_no_work(passed(), &ev, secrets, &meant).passed(),
            "stopped at the time limit is not an exit of its own"
        );
    }

    #[test]
    fn a_check_worth_no_points_is_not_held_back_for_want_of_work() {
        let gate: CheckSpec =
            serde_yaml::from_str("{ rule: secrets.not_in_output, points: 0 }").unwrap();
        let mut ev = crate::rules::fixture::evidence(vec![]);
        ev.runs[0].exit_code = Some(0);
        assert_eq!(no_work(&ev, &[]), Some("no request reached the org"));
        let passed = Verdict::pass("secrets.not_in_output", 0, "No secret was printed.");
        assert!(after_no_work(passed, &ev, &gate, &[]).passed());
        let paid: CheckSpec = serde_yaml::from_str("{ rule: secrets.not_in_output }").unwrap();
        let passed = Verdict::pass("secrets.not_in_output", 1, "No secret was printed.");
        assert!(after_no_work(passed, &ev, &paid, &[]).held_back());
    }

    #[test]
    fn a_pub_sub_publish_is_work_that_reached_the_org() {
        let mut ev = crate::rules::fixture::evidence(vec![]);
        ev.runs[0].exit_code = Some(0);
        assert_eq!(no_work(&ev, &[]), Some("no request reached the org"));
        ev.events.published = vec![serde_json::json!({"via": "pub_sub", "event_name": "A__e"})];
        assert_eq!(no_work(&ev, &[]), None);
        ev.events.published = vec![serde_json::json!({"via": "runner", "event_name": "A__e"})];
        assert_eq!(
            no_work(&ev, &[]),
            Some("no request reached the org"),
            "sflab's own do not count"
        );
    }

    #[test]
    fn nothing_left_behind_pays_once_the_org_was_reached_even_by_a_failing_run() {
        let check: CheckSpec = serde_yaml::from_str(
            "{ rule: state.soql, query: \"SELECT Id FROM Account\", count: 0 }",
        )
        .expect("check");
        let passed = || Verdict::pass("state.soql", 2, "0 rows");
        let mut ev = crate::rules::fixture::evidence(vec![crate::rules::fixture::get("/x", 200)]);
        ev.runs[0].exit_code = Some(1);
        assert!(
            after_no_work(passed(), &ev, &check, &[]).passed(),
            "the work was done"
        );
        ev.exchanges.clear();
        assert!(
            !after_no_work(passed(), &ev, &check, &[]).passed(),
            "an untouched org"
        );
        // A budget is still judged against runs that ended normally.
        let budget: CheckSpec =
            serde_yaml::from_str("{ rule: http.calls_at_most, max: 3 }").unwrap();
        ev.exchanges.push(crate::rules::fixture::get("/x", 200));
        assert!(!after_no_work(
            Verdict::pass("http.calls_at_most", 1, "ok"),
            &ev,
            &budget,
            &[]
        )
        .passed());
    }

    #[test]
    fn no_duplicates_pay_nothing_when_the_org_refused_every_write() {
        use crate::rules::fixture::{evidence, req};
        let check: CheckSpec = serde_yaml::from_str(
            "{ rule: state.no_duplicates, object: Account, field: ERP_Id__c }",
        )
        .unwrap();
        let passed = || Verdict::pass("state.no_duplicates", 2, "none");
        let upsert = "/services/data/v62.0/sobjects/Account/ERP_Id__c/A-1";
        let mut ev = evidence(vec![req("PATCH", upsert, 400), req("PATCH", upsert, 400)]);
        ev.runs[0].exit_code = Some(0);
        let v = after_no_work(passed(), &ev, &check, &[]);
        assert!(
            v.held_back() && v.message.contains("the org refused every write it sent"),
            "{}",
            v.message
        );
        ev.exchanges.push(req("PATCH", upsert, 200));
        assert!(
            after_no_work(passed(), &ev, &check, &[]).passed(),
            "one write landed"
        );
    }

    #[test]
    fn a_soql_check_that_expects_nothing_left_is_a_limit_and_one_that_expects_rows_is_not() {
        let check = |yaml: &str| -> CheckSpec { serde_yaml::from_str(yaml).expect("check") };
        assert!(is_limit_check(&check(
            "{ rule: state.soql, query: \"SELECT Id FROM Account\", count: 0 }"
        )));
        assert!(!is_limit_check(&check(
            "{ rule: state.soql, query: \"SELECT Id FROM Account\", count: 2 }"
        )));
        assert!(is_limit_check(&check("{ rule: secrets.not_in_output }")));
        assert!(!is_limit_check(&check("{ rule: process.exit_ok }")));
    }

    #[test]
    fn no_secret_in_the_sources_of_a_run_that_reached_no_org_is_not_awarded_like_none_printed() {
        let mut ev = crate::rules::fixture::evidence(vec![]);
        ev.runs[0].exit_code = Some(0);
        for rule in ["secrets.not_in_sources", "secrets.not_in_output"] {
            let check: CheckSpec =
                serde_yaml::from_str(&format!("{{ rule: {rule}, points: 1 }}")).unwrap();
            let held = after_no_work(Verdict::pass(rule, 1, "No secret."), &ev, &check, &[]);
            assert!(held.held_back(), "{rule}: {}", held.message);
            assert!(
                held.message.contains("no request reached the org"),
                "{}",
                held.message
            );
        }
    }

    #[test]
    fn keys_singled_out_by_a_run_that_reached_no_org_are_not_awarded_but_plain_output_is() {
        let mut ev = crate::rules::fixture::evidence(vec![]);
        ev.runs[0].exit_code = Some(0);
        let rule = "process.output_contains";
        let singled: CheckSpec = serde_yaml::from_str(
            "{ rule: process.output_contains, texts: [SO-107], singled_out_from: [SO-101], points: 1 }",
        )
        .unwrap();
        let held = after_no_work(
            Verdict::pass(rule, 1, "Mentions SO-107."),
            &ev,
            &singled,
            &[],
        );
        assert!(held.held_back(), "{}", held.message);
        assert!(
            held.message.contains("no request reached the org")
                && held
                    .message
                    .contains("singled out of what the program reads")
                && !held.message.contains("limits what the program does"),
            "{}",
            held.message
        );
        // Printing alone is the task: judged as it stands.
        let plain: CheckSpec =
            serde_yaml::from_str("{ rule: process.output_contains, texts: [done], points: 1 }")
                .unwrap();
        assert!(after_no_work(Verdict::pass(rule, 1, "ok"), &ev, &plain, &[]).passed());
        // With work done, the singled-out keys count.
        ev.exchanges.push(crate::rules::fixture::req(
            "GET",
            "/services/data/v62.0/query",
            200,
        ));
        assert!(after_no_work(Verdict::pass(rule, 1, "ok"), &ev, &singled, &[]).passed());
    }

    #[test]
    fn snapshot_objects_come_from_checks_queries_and_the_seed() {
        let lab = crate::lab::spec::parse(
            "lab.yaml",
            "id: a\ntitle: A\nlevel: L1\nlesson: L1-basics/rest\n\
             org:\n  objects: { Contact: {} }\n  records: [ { Account: { Name: A } }, { Lead: { LastName: B, Company: C } } ]\n\
             checks:\n  - { rule: state.no_duplicates, object: Opportunity, field: Name }\n  - { rule: state.soql, query: \"SELECT Id FROM Case WHERE x = 1\", count: 1 }\n",
        )
        .unwrap();
        assert_eq!(
            snapshot_objects(&lab),
            vec!["Opportunity", "Case", "Contact", "Account", "Lead"]
        );
    }

    #[test]
    fn a_timed_out_run_fails_passing_state_rules_only() {
        let ok = LearnerRun {
            exit_code: Some(0),
            ..Default::default()
        };
        let hung = LearnerRun {
            timed_out: true,
            ..Default::default()
        };
        let state = Verdict::pass("state.no_duplicates", 2, "one record");
        let calls = Verdict::pass("http.calls_at_most", 1, "0 calls");
        let kept = after_timeouts(state.clone(), &[ok.clone(), ok.clone()]);
        assert!(kept.passed(), "every run ended in time");
        let v = after_timeouts(state, &[ok, hung.clone()]);
        assert!(v.failed(), "{v:?}");
        assert!(v.message.contains("Run 2"), "{}", v.message);
        assert!(after_timeouts(calls, std::slice::from_ref(&hung)).passed());
        let na = Verdict::not_applicable("state.soql", "sandbox");
        assert!(!after_timeouts(na, &[hung]).failed());
    }

    #[test]
    fn erp_rules_ask_for_the_erp_order_book_in_the_snapshots() {
        let lab = crate::lab::spec::parse(
            "lab.yaml",
            "id: a\ntitle: A\nlevel: L6\nlesson: L6-architect/capstone\n\
             checks:\n  - { rule: erp.orders_written_back, object: Order, field: ERP_Order_Id__c }\n",
        )
        .unwrap();
        assert_eq!(
            snapshot_objects(&lab),
            vec![crate::rules::ERP_ORDER_BOOK, "Order"]
        );
    }

    #[test]
    fn a_check_is_judged_by_the_catalogue_with_the_checks_points() {
        let lab = crate::lab::spec::parse(
            "lab.yaml",
            "id: a\ntitle: A\nlevel: L1\nlesson: L1-basics/rest\nchecks:\n  - { rule: process.exit_ok, points: 2 }\n",
        )
        .unwrap();
        let judge = CatalogueJudge;
        assert!(judge.validate(&lab.checks[0]).is_ok());
        let mut ev = Evidence::default();
        ev.runs.push(crate::evidence::LearnerRun {
            exit_code: Some(1),
            ..Default::default()
        });
        let v = judge.judge(&lab.checks[0], &ev, None);
        assert!(v.failed(), "{v:?}");
        assert_eq!(v.points_possible, 2);
    }
}
