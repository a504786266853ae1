//! Tests of the `review.findings` rule.

use super::super::fixture::*;
use super::{cites, not_a_fix};
use crate::evidence::SourceFile;

/// Why `fix` is no fix, with no words ruled out by the lab.
fn fix_verdict(fix: &str, words: &[String]) -> Option<&'static str> {
    not_a_fix(fix, words, &[])
}

fn with_doc(text: &str) -> crate::evidence::Evidence {
    let mut ev = evidence(vec![]);
    ev.sources.push(SourceFile {
        path: "findings.md".into(),
        text: text.into(),
    });
    ev
}

const RULE: &str = "{ rule: review.findings, file: findings.md, columns: [Finding, Evidence, Fix], findings: { token in URL: [query string, access_token=], TLS off: [verify, tls] } }";

const GOOD: &str = "| Finding | Evidence | Fix |\n|---|---|---|\n| Token sent in the **query string** | transcript entry 3 | Authorization header |\n| Certificate checks disabled (`verify: false`) | config.yaml line 9 | turn TLS verification on |\n";

#[test]
fn every_planted_problem_reported_passes() {
    assert_passes(RULE, &with_doc(GOOD));
}

#[test]
fn evidence_that_points_nowhere_does_not_count() {
    let rule = "{ rule: review.findings, file: findings.md, columns: [Finding, Evidence, Fix], findings: { token in URL: [query string, access_token=], TLS off: [verify, tls] }, evidence: { column: Evidence, places: { token in URL: [transcript, entry 3], TLS off: [line 9, verify] } } }";
    assert_passes(rule, &with_doc(GOOD));
    let doc = GOOD.replace("config.yaml line 9", "n/a, see above");
    let v = assert_fails(rule, &with_doc(&doc));
    assert!(
        v.message.contains("evidence that does not point at it") && v.message.contains("TLS off"),
        "{}",
        v.message
    );
    assert!(!v.message.contains("token in URL"), "{}", v.message);
    let typo = "{ rule: review.findings, file: findings.md, columns: [Finding, Evidence, Fix], findings: { TLS off: [tls] }, evidence: { column: Evidence, places: { TLS of: [line 9] } } }";
    let typo: serde_json::Value = serde_yaml::from_str(typo).expect("yaml");
    let e = crate::rules::RuleSpec::from_value(typo).expect_err("a label no finding has");
    assert!(e.to_string().contains("\"TLS of\""), "{e}");
}

#[test]
fn a_line_is_cited_however_it_is_written() {
    for cell in [
        "config.yaml line 9",
        "config.yaml:9",
        "l9",
        "lines 8-9",
        "line 9 and 10",
    ] {
        assert!(cites(cell, "line 9"), "{cell}");
    }
    for cell in ["config.yaml line 19", "line 90", "n/a", "config.yaml:3"] {
        assert!(!cites(cell, "line 9"), "{cell}");
    }
    assert!(cites("transcript entry 2", "entry 2"));
}

#[test]
fn a_missed_problem_is_named() {
    let doc = GOOD.replace(
        "| Certificate checks disabled (`verify: false`) | config.yaml line 9 | turn TLS verification on |\n",
        "",
    );
    let v = assert_fails(RULE, &with_doc(&doc));
    assert!(v.message.contains("not reported: TLS off"), "{}", v.message);
}

#[test]
fn a_finding_without_a_fix_does_not_count() {
    let doc = GOOD.replace("| Authorization header |", "| TODO |");
    let v = assert_fails(RULE, &with_doc(&doc));
    assert!(
        v.message.contains("empty column: token in URL"),
        "{}",
        v.message
    );
}

const WITH_FIX: &str = "{ rule: review.findings, file: findings.md, columns: [Finding, Evidence, Fix], fix: Fix, findings: { secret in the config: [client_secret, client secret], TLS off: [verify, tls] } }";

const FIXED: &str = "| Finding | Evidence | Fix |\n|---|---|---|\n| The client_secret is in the config | config.yaml line 4 | Rotate it and load it from the environment |\n| Certificate checks disabled (`verify: false`) | config.yaml line 9 | Keep TLS verification on |\n";

#[test]
fn fixes_that_propose_a_change_pass_and_the_verdict_says_only_that() {
    let v = assert_passes(WITH_FIX, &with_doc(FIXED));
    assert!(
        v.message
            .contains("names all 2 planted problems, each in a row with every column filled and a fix that proposes a change"),
        "{}",
        v.message
    );
    for fix in [
        "Keep the client secret out of Git",
        "Keep the client secret in a vault",
    ] {
        let doc = FIXED.replace("Rotate it and load it from the environment", fix);
        assert_passes(WITH_FIX, &with_doc(&doc));
    }
}

#[test]
fn a_fix_that_keeps_the_problem_or_is_a_placeholder_does_not_count() {
    for (fix, why) in [
        (
            "keep the client_secret in the file",
            "says to keep the problem",
        ),
        (
            "The secret is fine where it is",
            "says the problem may stay",
        ),
        ("fix it", "is a placeholder"),
        ("n/a", "is a placeholder"),
        (
            "use vault",
            "has fewer than three words: say what to change",
        ),
    ] {
        let doc = FIXED.replace("Rotate it and load it from the environment", fix);
        let v = assert_fails(WITH_FIX, &with_doc(&doc));
        assert!(
            v.message
                .contains(&format!("secret in the config (the fix {why})")),
            "{fix}: {}",
            v.message
        );
    }
}

#[test]
fn without_a_fix_column_named_any_filled_fix_counts() {
    let doc = FIXED.replace("Rotate it and load it from the environment", "fine");
    assert_passes(
        RULE.replace(
            "token in URL: [query string, access_token=], ",
            "secret in the config: [client_secret], ",
        )
        .as_str(),
        &with_doc(&doc),
    );
}

#[test]
fn one_row_lumping_the_problems_together_counts_for_none() {
    let rule = "{ rule: review.findings, file: findings.md, columns: [Finding, Evidence, Fix], findings: { token in URL: [query string], TLS off: [tls], secret in git: [git], admin profile: [admin] } }";
    let lumped = "| Finding | Evidence | Fix |\n|---|---|---|\n| query string token, tls off, secret in git, admin profile | everywhere | fix all four properly |\n";
    let v = assert_fails(rule, &with_doc(lumped));
    assert!(
        v.message.contains("lumps several problems together"),
        "{}",
        v.message
    );
}

#[test]
fn a_row_whose_fix_refers_to_other_problems_still_counts_for_its_own() {
    let rule = "{ rule: review.findings, file: findings.md, columns: [Finding, Evidence, Fix], findings: { token in URL: [query string], TLS off: [tls], secret in git: [git] } }";
    let doc = "| Finding | Evidence | Fix |\n|---|---|---|\n| Token in the query string | transcript #3 | move it to a header; with tls off and the secret in git fixed too, nothing leaks |\n| TLS checks off | config line 9 | turn verification on |\n| Secret committed to git | .env in history | rotate it and purge the history |\n";
    assert_passes(rule, &with_doc(doc));
}

#[test]
fn a_fix_that_leaves_the_problem_for_now_or_accepts_it_does_not_count() {
    assert_eq!(
        fix_verdict(
            "Leave certificate checks disabled until the new proxy is in place.",
            &["certificate".to_string()]
        ),
        Some("says to keep the problem")
    );
    assert_eq!(
        fix_verdict("We accept the risk for this release.", &["tls".to_string()]),
        Some("says the problem may stay")
    );
    let stale = ["stale".to_string()];
    assert_eq!(
        fix_verdict(
            "Rerun the job in the morning; no code change needed.",
            &stale
        ),
        Some("says the problem may stay")
    );
    assert_eq!(
        fix_verdict("Just rerun it tomorrow", &stale),
        Some("only runs the job again")
    );
    assert_eq!(
        fix_verdict("re-run the job in the morning", &stale),
        Some("only runs the job again")
    );
    assert_eq!(
        fix_verdict(
            "Nothing needs changing; the 401s were a transient outage, rerun later",
            &stale
        ),
        Some("says the problem may stay")
    );
    // Another clause saying something else is fine, or stays, does not undo a fix.
    for fix in [
        "The refresh call is fine; make refresh_session assign the new token to token",
        "Assign the refreshed token to token; no change to the refresh request is needed",
        "Keep refresh_session as is, but write its token into token, the variable clear_flag sends",
        "Turn verification back on; the proxy is fine once its CA bundle is trusted",
    ] {
        assert_eq!(fix_verdict(fix, &["tls".to_string()]), None, "{fix}");
    }
    assert_eq!(
        fix_verdict("Keep TLS verification on everywhere.", &["tls".to_string()]),
        None
    );
}

#[test]
fn no_file_or_no_table_fails() {
    assert_fails(RULE, &evidence(vec![]));
    assert_fails(RULE, &with_doc("Token in the query string, TLS off.\n"));
}

const COURIER: &str = "{ rule: review.findings, file: findings.md, columns: [Finding, Evidence, Fix], fix: Fix, findings: { token in the URL: [query string, in the url, token … url], scopes wider than the job: [scope, least privilege, full access], secret stored in the config file: [client secret, consumer secret, secret … git], certificate verification off: [tls, certificate] }, ruled_out: { secret stored in the config file: [second repo] } }";

#[test]
fn findings_that_deny_the_problems_or_keep_them_do_not_pass() {
    let denial = "| Finding | Evidence | Fix |\n|---|---|---|\n| Checked: the token is never put in the URL | transcript entry 2 looks normal | Continue with the current setup |\n| Scope list checked, least privilege already met | line 11 | Continue with the current setup |\n| client secret is safely handled | line 10 | Continue with the current setup |\n| TLS certificate settings checked, no issue | line 15 | Continue with the current setup |\n";
    let v = assert_fails(COURIER, &with_doc(denial));
    assert!(
        v.message.contains("only in a row that calls it no problem")
            && !v.message.contains("a fix that proposes a change"),
        "{}",
        v.message
    );
    let kept = "| Finding | Evidence | Fix |\n|---|---|---|\n| Token sent in the query string | transcript entry 2 | Keep it there; logs are internal |\n| Scopes wider than needed | line 11 | Ask for api only |\n| Client secret in the config | line 10 | Commit it to a second repo too |\n| TLS verification off | line 15 | Leave it off until the proxy is replaced |\n";
    let v = assert_fails(COURIER, &with_doc(kept));
    for part in [
        "token in the URL (the fix says to keep the problem)",
        "secret stored in the config file (the fix keeps or spreads the problem)",
        "certificate verification off (the fix says to keep the problem)",
    ] {
        assert!(v.message.contains(part), "{part}: {}", v.message);
    }
    assert!(!v.message.contains("scopes wider"), "{}", v.message);
}

#[test]
fn a_finding_that_turns_from_what_is_fine_to_what_is_wrong_still_counts() {
    let doc = "| Finding | Evidence | Fix |\n|---|---|---|\n| Token sent in the query string | transcript entry 2 | Send it in the Authorization header |\n| Scopes: api is fine, but full is far wider than the job | line 11 | Ask for api only |\n| The client secret is safe from users, but it sits in plain text in Git | line 10 | Rotate it and load it from a vault |\n| TLS verification off | line 15 | Turn verification back on |\n";
    assert_passes(COURIER, &with_doc(doc));
}

#[test]
fn findings_in_natural_words_pass() {
    let natural = "| Finding | Evidence | Fix |\n|---|---|---|\n| Bearer token exposed in the request URL of the SOQL call | transcript entry 2 | Send the token in the Authorization header instead |\n| App asks for full access and web/refresh rights it never uses | courier-sync.yaml:11 | Ask the token endpoint for api only |\n| OAuth consumer secret committed to Git | courier-sync.yaml:10 | Rotate it and load it from a secrets manager at runtime |\n| Certificate checking turned off | courier-sync.yaml:15 | Turn verification back on and add the proxy's CA to the trust store |\n";
    assert_passes(COURIER, &with_doc(natural));
}

#[test]
fn a_fix_that_keeps_it_there_or_leaves_it_off_is_no_fix_and_keeping_it_on_is() {
    let tls = ["tls".to_string()];
    assert_eq!(
        fix_verdict("Keep it there; logs are internal", &tls),
        Some("says to keep the problem")
    );
    assert_eq!(
        fix_verdict("Leave it off until the proxy is replaced", &tls),
        Some("says to keep the problem")
    );
    assert_eq!(fix_verdict("Turn it back on and keep it on", &tls), None);
    assert_eq!(fix_verdict("Rotate it and keep it in a vault", &tls), None);
    assert_eq!(
        fix_verdict("Continue with the current setup", &tls),
        Some("says the problem may stay")
    );
}

#[test]
fn a_ruled_out_label_that_is_no_planted_problem_is_refused_when_the_lab_loads() {
    let typo = "{ rule: review.findings, file: findings.md, columns: [Finding], findings: { TLS off: [tls] }, ruled_out: { TLS of: [later] } }";
    let value: serde_json::Value = serde_yaml::from_str(typo).expect("yaml");
    let e = crate::rules::RuleSpec::from_value(value).expect_err("a label no finding has");
    assert!(e.to_string().contains("\"TLS of\""), "{e}");
}

#[test]
fn a_fix_that_never_leaves_or_keeps_the_problem_is_a_fix() {
    for (fix, word) in [
        (
            "Turn verification back on and trust the proxy's CA; never leave it disabled",
            "tls",
        ),
        ("Rotate the secret and never keep it in Git again", "secret"),
        (
            "Send the token in the Authorization header; never leave it in the URL",
            "url",
        ),
        (
            "Re-enable verification and add the proxy CA to the trust store; don't leave TLS off again",
            "tls",
        ),
        (
            "Re-enable verification; don’t leave TLS off again",
            "tls",
        ),
        ("Move it to a vault and make sure not to leave it in the file", "secret"),
    ] {
        assert_eq!(fix_verdict(fix, &[word.to_string()]), None, "{fix}");
    }
    assert_eq!(
        fix_verdict("Leave everything unchanged for now", &["tls".to_string()]),
        Some("says to keep the problem")
    );
}

#[test]
fn a_clearance_about_another_subject_does_not_clear_the_finding() {
    for (finding, evidence) in [
        (
            "App requests full, refresh_token and web scopes; the job is fine with api alone",
            "line 11",
        ),
        (
            "Scopes far wider than the job",
            "line 11 asks for full, for which api is fine",
        ),
    ] {
        let doc = format!("| Finding | Evidence | Fix |\n|---|---|---|\n| Token sent in the query string | transcript entry 2 | Send it in the Authorization header |\n| {finding} | {evidence} | Ask for api only |\n| Client secret in plain text in Git | line 10 | Rotate it and load it from a vault |\n| TLS certificate verification disabled, so nobody can tell the proxy is ok | line 15 | Turn verification back on |\n");
        assert_passes(COURIER, &with_doc(&doc));
    }
}

#[test]
fn a_finding_that_calls_the_problem_good_or_met_clears_it() {
    let gamed = "| Finding | Evidence | Fix |\n|---|---|---|\n| Checked the access_token= handling: all good | transcript entry 2 | Leave everything unchanged for now |\n| Scope list reviewed, least privilege is met | line 11 | Leave everything unchanged for now |\n| client secret handled well | line 10 | Leave everything unchanged for now |\n| TLS certificate settings reviewed, all good | line 15 | Leave everything unchanged for now |\n";
    let v = assert_fails(COURIER, &with_doc(gamed));
    assert!(
        v.message.contains("4 of 4 planted problems")
            && v.message.contains("only in a row that calls it no problem"),
        "{}",
        v.message
    );
    let it = "| Finding | Evidence | Fix |\n|---|---|---|\n| The scope list: it is fine | line 11 | Ask for api only |\n";
    let v = assert_fails(COURIER, &with_doc(it));
    assert!(
        v.message
            .contains("the planted problem is there): scopes wider than the job"),
        "{}",
        v.message
    );
}

/// The lab debug-from-transcript's rule, in short: the planted cause's words count only in the
/// Cause column, and the causes the transcript refutes are declared.
const CAUSE_RULE: &str = "{ rule: review.findings, file: findings.md, columns: [Symptom, Cause, Evidence, Fix], fix: Fix, cause: Cause, findings: { stale token: [same token, old access token, reused, is never used] }, refuted: { stale token: [api limit, revoked] } }";

fn cause_row(cause: &str, evidence: &str) -> String {
    format!("| Symptom | Cause | Evidence | Fix |\n|---|---|---|---|\n| 401 INVALID_SESSION_ID | {cause} | {evidence} | Assign the refreshed token to `token` |\n")
}

#[test]
fn a_cause_that_blames_a_refuted_cause_does_not_count_even_with_the_planted_words() {
    for cause in [
        "The org's daily API limit ran out during the run; with the same token entry 2 had worked, so the session itself was fine",
        "The refresh token is reused across runs and was revoked, so the refresh hands back a token that is never used by the org",
    ] {
        let v = assert_fails(CAUSE_RULE, &with_doc(&cause_row(cause, "entries 3, 5, 8")));
        assert!(
            v.message.contains("blamed on a cause the evidence refutes")
                && v.message.contains("stale token"),
            "{cause}: {}",
            v.message
        );
    }
}

#[test]
fn a_refuted_cause_that_is_denied_or_called_no_cause_still_lets_the_row_count() {
    for cause in [
        "Not the API limit: the retry presents the old access token again",
        "The retry sends the same token again. The API limit was close, but it is a red herring",
        "The retry sends the same token again; the API limit is not the cause",
    ] {
        assert_passes(CAUSE_RULE, &with_doc(&cause_row(cause, "entries 3, 5, 8")));
    }
}

#[test]
fn with_a_cause_column_the_planted_words_count_only_there() {
    let doc = cause_row(
        "The session ran out mid-run",
        "entries 3, 5, 8 carry the same token",
    );
    let v = assert_fails(CAUSE_RULE, &with_doc(&doc));
    assert!(
        v.message.contains("not reported: stale token"),
        "{}",
        v.message
    );
    let without_cause = CAUSE_RULE
        .replace(", cause: Cause", "")
        .replace(", refuted: { stale token: [api limit, revoked] }", "");
    assert_passes(&without_cause, &with_doc(&doc));
}

#[test]
fn refuted_without_a_cause_column_or_with_an_unknown_label_is_refused_when_the_lab_loads() {
    for (rule, said) in [
        (CAUSE_RULE.replace(", cause: Cause", ""), "needs `cause:`"),
        (
            CAUSE_RULE.replace("cause: Cause", "cause: Reason"),
            "\"Reason\"",
        ),
        (
            CAUSE_RULE.replace("refuted: { stale token", "refuted: { stale tokn"),
            "\"stale tokn\"",
        ),
    ] {
        let v: serde_json::Value = serde_yaml::from_str(&rule).expect("yaml");
        let e = crate::rules::RuleSpec::from_value(v).expect_err("an author's mistake");
        assert!(e.to_string().contains(said), "{e}");
    }
}

#[test]
fn a_fix_that_names_no_remedy_proposes_no_change() {
    let rule = "{ rule: review.findings, file: findings.md, columns: [Finding, Evidence, Fix], fix: Fix, findings: { token in URL: [query string, access_token=], TLS off: [verify, tls] }, remedies: { token in URL: [header, bearer], TLS off: [turn … on, trust] } }";
    let good = GOOD.replace(
        "| Authorization header |",
        "| send it in the Authorization header |",
    );
    assert_passes(rule, &with_doc(&good));
    for (bad, label) in [
        ("send it in the Authorization header", "token in URL"),
        ("turn TLS verification on", "TLS off"),
    ] {
        let doc = good.replace(bad, "Look into it soon");
        let v = assert_fails(rule, &with_doc(&doc));
        assert!(
            v.message
                .contains(&format!("{label} (the fix names no change")),
            "{}",
            v.message
        );
    }
    let doc = good.replace(
        "send it in the Authorization header",
        "Accept the risk; the proxy strips it",
    );
    assert_fails(rule, &with_doc(&doc));
    let typo = "{ rule: review.findings, file: findings.md, columns: [Finding, Evidence, Fix], fix: Fix, findings: { TLS off: [tls] }, remedies: { TLS of: [trust] } }";
    let typo: serde_json::Value = serde_yaml::from_str(typo).expect("yaml");
    let e = crate::rules::RuleSpec::from_value(typo).expect_err("a label no finding has");
    assert!(e.to_string().contains("\"TLS of\""), "{e}");
}

/// The `review.findings` check of the lab debug-from-transcript, as the lab declares it.
fn transcript_lab_rule() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/labs/debug-from-transcript/lab.yaml"
    );
    let lab: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(path).expect("lab.yaml")).expect("yaml");
    let check = lab["checks"]
        .as_sequence()
        .expect("checks")
        .iter()
        .find(|c| c["rule"] == "review.findings")
        .expect("a review.findings check");
    serde_yaml::to_string(check).expect("yaml")
}

fn transcript_row(cause: &str, evidence: &str, fix: &str) -> String {
    format!("| Symptom | Cause | Evidence | Fix |\n|---|---|---|---|\n| PATCH answered 401 INVALID_SESSION_ID after a refresh that worked | {cause} | {evidence} | {fix} |\n")
}

const TRANSCRIPT_EVIDENCE: &str =
    "#5 and #8 still send `Bearer …k7Tq`; #4 and #7 returned …Mp2w and …Zr8d";
const TRANSCRIPT_FIX: &str =
    "Assign the refreshed token to the variable the requests use (`token=`)";

#[test]
fn a_stale_token_named_in_other_words_counts_in_the_transcript_lab() {
    let rule = transcript_lab_rule();
    for cause in [
        "`refresh_session` stores the new token in `access_token`, but `clear_flag` sends `$token`, so the retry after the refresh still carries the expired session token",
        "The script keeps authenticating with the token that had expired: the refresh stores the new one in `access_token` and nothing ever reads it",
        "`clear_flag` sends the old token after the refresh",
        "The retry presents the previous access token, not the one the refresh returned",
    ] {
        assert_passes(
            &rule,
            &with_doc(&transcript_row(cause, TRANSCRIPT_EVIDENCE, TRANSCRIPT_FIX)),
        );
    }
}

#[test]
fn a_refresh_said_to_return_the_same_token_is_refuted_in_the_transcript_lab() {
    let rule = transcript_lab_rule();
    // Entries 4 and 7 returned new tokens: the token endpoint did not hand back the old one.
    for cause in [
        "The token endpoint handed back the same token on refresh (Salesforce reuses a session that is still open), so the retry kept failing",
        "The refresh returned the same access token, so the retry was still refused",
        "Salesforce reuses the open session, so the refresh gives the same token and the PATCH fails again",
        "The refresh did not give a new token: the org sent back the same token, so the retry kept failing",
        "Salesforce gave back the same session on refresh instead of a new one, so the retry kept failing",
        "Refreshing produced no new access token, and the PATCH kept the same token, so it was refused again",
        "The refresh didn't return a new token, so entry 5 sent the old token like entry 3",
    ] {
        let v = assert_fails(
            &rule,
            &with_doc(&transcript_row(cause, TRANSCRIPT_EVIDENCE, TRANSCRIPT_FIX)),
        );
        assert!(v.message.contains("refute"), "{cause}: {}", v.message);
    }
    // The calls sending the same token after the refresh is the real cause.
    for cause in [
        "The retry after the refresh sends the same token again: the new one lands in `access_token`",
        "The refresh returned a new token, but `clear_flag` keeps sending the same token as before",
        "The retry after the refresh returned the same 401 because it presents the old token",
        "The refresh gave a new token, but the PATCH after it still sends the same session",
        "The calls after the refresh kept the old token and did not send the new one",
    ] {
        assert_passes(
            &rule,
            &with_doc(&transcript_row(cause, TRANSCRIPT_EVIDENCE, TRANSCRIPT_FIX)),
        );
    }
}

#[test]
fn a_bare_keyword_with_no_proof_or_remedy_does_not_count_in_the_transcript_lab() {
    let rule = transcript_lab_rule();
    // One word is no diagnosis, however well the rest is filled in.
    for cause in ["stale", "reused", "old token"] {
        let v = assert_fails(
            &rule,
            &with_doc(&transcript_row(cause, TRANSCRIPT_EVIDENCE, TRANSCRIPT_FIX)),
        );
        assert!(
            v.message.contains("not reported") || v.message.contains("only a word or two"),
            "{cause}: {}",
            v.message
        );
    }
    // The tester's row: a keyword, the refused call as evidence, a fix that changes nothing.
    let v = assert_fails(
        &rule,
        &with_doc(&transcript_row("stale", "#3", "change the token")),
    );
    assert!(
        v.message
            .contains("each problem needs a row whose cause names it"),
        "{}",
        v.message
    );
    let cause = "The retry after the refresh sends the old token again";
    let v = assert_fails(
        &rule,
        &with_doc(&transcript_row(cause, "#3", TRANSCRIPT_FIX)),
    );
    assert!(
        v.message.contains("evidence that does not point at it"),
        "{}",
        v.message
    );
    let v = assert_fails(
        &rule,
        &with_doc(&transcript_row(
            cause,
            TRANSCRIPT_EVIDENCE,
            "change the token",
        )),
    );
    assert!(
        v.message.contains("names no change that removes it"),
        "{}",
        v.message
    );
}

#[test]
fn the_transcript_lab_reference_and_known_bad_findings_are_judged_as_declared() {
    let rule = transcript_lab_rule();
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/solutions/debug-from-transcript"
    );
    let read = |rel: &str| std::fs::read_to_string(format!("{dir}/{rel}")).expect(rel);
    assert_passes(&rule, &with_doc(&read("findings.md")));
    for bad in [
        "api-limit-with-the-token-words",
        "blames-a-revoked-refresh-token",
        "blames-a-refresh-that-returned-the-same-token",
        "blames-the-api-limit",
        "fix-changes-nothing",
    ] {
        assert_fails(&rule, &with_doc(&read(&format!("wrong/{bad}/findings.md"))));
    }
}
