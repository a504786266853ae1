//! Table tests for the `secrets.*` and `process.*` rules.

use super::super::fixture::*;
use crate::evidence::{CapturedOutput, SecretFile, SourceFile};
use crate::redact::Redactor;

#[test]
fn sources_with_a_redacted_secret_fail_with_the_line() {
    let r = Redactor::new(b"k");
    r.add_secret("client_secret", "S3cretValue1234");
    let mut ev = evidence(vec![]);
    ev.sources.push(SourceFile {
        path: "run".into(),
        text: r.text("#!/bin/sh\ncurl -d client_secret=$SF_CLIENT_SECRET\n"),
    });
    assert_passes("{ rule: secrets.not_in_sources }", &ev);
    ev.sources.push(SourceFile {
        path: "config.py".into(),
        text: r.text("ID = 'x'\nSECRET = 'S3cretValue1234'\n"),
    });
    let v = assert_fails("{ rule: secrets.not_in_sources }", &ev);
    assert!(
        v.message.contains("client secret (config.py:2)"),
        "{}",
        v.message
    );
    assert!(!v.message.contains("S3cretValue1234"));
    assert!(
        v.message.contains("(the brief names them)"),
        "{}",
        v.message
    );
}

#[test]
fn a_leaked_secret_names_the_variables_this_lab_sets() {
    let r = Redactor::new(b"k");
    r.add_secret("lab_secret", "inv-7f3a-demo-key");
    let mut ev = evidence(vec![]);
    ev.lab_env = vec!["INVENTORY_API_KEY".into(), "SERVICE_MODE".into()];
    ev.sources.push(SourceFile {
        path: "service.py".into(),
        text: r.text("KEY = 'inv-7f3a-demo-key'\n"),
    });
    let v = assert_fails("{ rule: secrets.not_in_sources }", &ev);
    assert!(
        v.message
            .contains("environment variables the lab sets ($INVENTORY_API_KEY)"),
        "{}",
        v.message
    );
    assert!(!v.message.contains("ERP_CLIENT_SECRET") && !v.message.contains("SERVICE_MODE"));
}

#[test]
fn a_secret_in_a_hidden_file_fails_like_one_in_a_visible_file() {
    let r = Redactor::new(b"k");
    let mut ev = evidence(vec![]);
    ev.sources.push(SourceFile {
        path: "run".into(),
        text: r.text("#!/bin/sh\ncurl -d client_secret=$ERP_CLIENT_SECRET\n"),
    });
    assert_passes("{ rule: secrets.not_in_sources }", &ev);
    // What ./run wrote: a `.env` and a cache file in a hidden folder (no sources, see
    // `lab_files`), and `run` itself listed again as a secret file would be ignored.
    for path in [".env", ".cache/tok.json"] {
        ev.secret_files.push(SecretFile {
            path: path.into(),
            mode: Some(0o644),
            kinds: vec!["client_secret".into()],
            markers: vec![],
            closed_by: None,
        });
    }
    let v = assert_fails("{ rule: secrets.not_in_sources }", &ev);
    assert!(
        v.message
            .contains("client secret (.env), client secret (.cache/tok.json)")
            && v.message.contains("A hidden file counts too"),
        "{}",
        v.message
    );
}

#[test]
fn an_empty_lab_folder_earns_nothing_for_keeping_no_secret() {
    let mut ev = evidence(vec![]);
    ev.sources.clear();
    let v = assert_fails("{ rule: secrets.not_in_sources }", &ev);
    assert!(v.message.contains("no files to judge"), "{}", v.message);
}

#[test]
fn output_with_a_token_fails_but_a_client_id_is_fine() {
    let r = Redactor::new(b"k");
    let mut ev = evidence(vec![]);
    ev.runs[0].stdout = CapturedOutput {
        text: r.text(&r.url("client_id=3MVG9abcdefgh&state=xyz")),
        truncated: false,
        ..CapturedOutput::default()
    };
    assert_passes("{ rule: secrets.not_in_output }", &ev);
    ev.runs[0].stderr = CapturedOutput {
        text: r.text("token: 00D000000000001!AQ0123456789abcdef\n"),
        truncated: false,
        ..CapturedOutput::default()
    };
    let v = assert_fails("{ rule: secrets.not_in_output }", &ev);
    assert!(
        v.message.contains("access token (run 1, stderr line 1)"),
        "{}",
        v.message
    );
}

#[test]
fn a_secret_seen_after_the_kept_output_is_a_leak_too() {
    let mut ev = evidence(vec![]);
    ev.runs[0].stdout = CapturedOutput {
        text: "xxxx\n… output truncated\n".into(),
        truncated: true,
        secrets_after_cap: vec![("access_token".into(), 3002)],
        ..CapturedOutput::default()
    };
    let v = assert_fails("{ rule: secrets.not_in_output }", &ev);
    assert!(
        v.message.contains("access token (run 1, stdout line 3002)"),
        "{}",
        v.message
    );
}

#[test]
fn printing_most_of_a_secret_is_a_leak_and_its_last_four_characters_are_not() {
    let r = Redactor::new(b"k");
    let secret = "E44A8B83FB3DE0B685606E86C2A7A017A4DAD0DDE7436ABA8AB1239FF1F3C80D";
    r.add_secret("client_secret", secret);
    let mut ev = evidence(vec![]);
    ev.runs[0].stdout.text = r.text(&format!("secret ends …{}\n", &secret[60..]));
    assert_passes("{ rule: secrets.not_in_output }", &ev);
    ev.runs[0].stderr.text = r.text(&format!("using secret {}…\n", &secret[..63]));
    let v = assert_fails("{ rule: secrets.not_in_output }", &ev);
    assert!(
        v.message
            .contains("part of client secret (run 1, stderr line 1)"),
        "{}",
        v.message
    );
    assert!(!ev.runs[0].stderr.text.contains(&secret[..20]));
}

#[test]
fn printing_most_of_a_secret_the_lab_sets_is_a_leak_like_most_of_the_client_secret() {
    let r = Redactor::new(b"k");
    // As the runner hands them over: the lab's `run.env` secrets are `lab_secret`s.
    r.add_secret("lab_secret", "erp-demo-secret");
    r.add_secret("lab_secret", "courier-demo-pass");
    let mut ev = evidence(vec![]);
    ev.lab_env = vec!["ERP_CLIENT_SECRET".into(), "COURIER_PASSWORD".into()];
    ev.runs[0].stdout.text = r.text("erp secret ends …cret\n");
    assert_passes("{ rule: secrets.not_in_output }", &ev);
    ev.runs[0].stdout.text = r.text("erp secret erp-demo-secre\npassword courier-demo-pas\n");
    let v = assert_fails("{ rule: secrets.not_in_output }", &ev);
    assert!(
        v.message
            .contains("part of lab secret on 2 lines of run 1 stdout"),
        "{}",
        v.message
    );
    assert!(!ev.runs[0].stdout.text.contains("demo"), "stored in clear");
    ev.sources.push(SourceFile {
        path: "run".into(),
        text: r.text("#!/usr/bin/env node\nconst hint = 'courier-demo-pas';\n"),
    });
    let v = assert_fails("{ rule: secrets.not_in_sources }", &ev);
    assert!(
        v.message.contains("part of lab secret (run:2)")
            && v.message
                .contains("($ERP_CLIENT_SECRET, $COURIER_PASSWORD)"),
        "{}",
        v.message
    );
}

#[test]
fn many_leaking_lines_are_summed_up_per_place_not_listed_one_by_one() {
    let r = Redactor::new(b"k");
    let mut ev = evidence(vec![]);
    let line = "debug token=00D000000000001!AQ0123456789abcdef\n";
    ev.runs[0].stdout.text = r.text(&format!("start\n{}", line.repeat(500)));
    ev.runs[0].stderr.text = r.text(line);
    let v = assert_fails("{ rule: secrets.not_in_output }", &ev);
    assert!(
        v.message.contains(
            "access token on 500 lines of run 1 stdout (first: line 2), access token (run 1, stderr line 1)."
        ),
        "{}",
        v.message
    );
    assert!(v.message.len() < 300, "{}", v.message);

    for i in 0..12 {
        ev.sources.push(SourceFile {
            path: format!("f{i}.py"),
            text: r.text(line),
        });
    }
    let v = assert_fails("{ rule: secrets.not_in_sources }", &ev);
    assert!(
        v.message.contains("access token (f0.py:1)"),
        "{}",
        v.message
    );
    assert!(v.message.contains("and 4 more places"), "{}", v.message);
    assert!(!v.message.contains("f9.py"), "{}", v.message);
}

fn secret_file(path: &str, mode: Option<u32>) -> SecretFile {
    SecretFile {
        path: path.into(),
        mode,
        kinds: vec!["refresh_token".into(), "client_secret".into()],
        markers: vec![],
        closed_by: None,
    }
}

#[test]
fn a_token_file_others_can_read_fails_with_its_mode_and_a_private_one_passes() {
    let rule = "{ rule: secrets.files_private }";
    let mut ev = evidence(vec![]);
    let v = assert_passes(rule, &ev);
    assert!(v.message.contains("No file"), "{}", v.message);
    ev.secret_files
        .push(secret_file(".refresh-token", Some(0o600)));
    let v = assert_passes(rule, &ev);
    assert!(
        v.message.contains("1 file holding secrets is"),
        "{}",
        v.message
    );
    ev.secret_files
        .push(secret_file("tokens/cache.json", Some(0o644)));
    let v = assert_fails(rule, &ev);
    assert!(
        v.message
            .contains("tokens/cache.json (mode 0644, holds refresh token, client secret)"),
        "{}",
        v.message
    );
    assert!(!v.message.contains(".refresh-token"), "{}", v.message);
    ev.secret_files[1].mode = Some(0o640);
    assert!(assert_fails(rule, &ev).message.contains("mode 0640"));
    ev.secret_files[1].mode = Some(0o400);
    assert_passes(rule, &ev);
}

#[test]
fn a_readable_token_file_inside_a_folder_only_its_owner_can_enter_passes_files_private() {
    // `mkdir -m 700 .cache` then a 0644 token in it: no one else can reach the file.
    let rule = "{ rule: secrets.files_private }";
    let mut ev = evidence(vec![]);
    let mut file = secret_file(".cache/token", Some(0o644));
    file.closed_by = Some(".cache (mode 0700)".into());
    ev.secret_files.push(file);
    let v = assert_passes(rule, &ev);
    assert!(
        v.message.contains(
            "readable by you alone (.cache/token is mode 0644, but its folder .cache (mode 0700) lets no one else in)"
        ),
        "{}",
        v.message
    );
    ev.secret_files[0].closed_by = None;
    let v = assert_fails(rule, &ev);
    assert!(
        v.message.contains(".cache/token (mode 0644"),
        "{}",
        v.message
    );
}

#[test]
fn a_token_file_written_outside_the_lab_folder_is_judged_too() {
    let rule = "{ rule: secrets.files_private }";
    let mut ev = evidence(vec![]);
    ev.written_outside
        .push(secret_file("../token-cache.json", Some(0o644)));
    let v = assert_fails(rule, &ev);
    assert!(
        v.message.contains(
            "../token-cache.json (mode 0644, holds refresh token, client secret, outside the lab folder)"
        ),
        "{}",
        v.message
    );
    ev.written_outside[0].mode = Some(0o600);
    let v = assert_passes(rule, &ev);
    assert!(
        v.message.contains("1 file holding secrets is"),
        "{}",
        v.message
    );
    ev.written_outside.clear();
    let v = assert_passes(rule, &ev);
    assert!(
        v.message
            .contains("nor one the runs wrote elsewhere in the workspace"),
        "{}",
        v.message
    );
}

#[test]
fn a_token_file_left_readable_in_the_temporary_folder_fails_files_private() {
    let rule = "{ rule: secrets.files_private }";
    let mut ev = evidence(vec![]);
    ev.written_outside
        .push(secret_file("/tmp/cc-token.json", Some(0o644)));
    let v = assert_fails(rule, &ev);
    assert!(
        v.message
            .contains("/tmp/cc-token.json (mode 0644, holds refresh token, client secret, outside the workspace)"),
        "{}",
        v.message
    );
}

#[test]
fn a_system_without_permission_bits_passes_files_private_and_says_so() {
    let mut ev = evidence(vec![]);
    ev.secret_files.push(secret_file(".env", None));
    let v = assert_passes("{ rule: secrets.files_private }", &ev);
    assert!(v.message.contains("no permission bits"), "{}", v.message);
}

#[test]
fn exit_ok_fails_on_status_timeout_or_no_run() {
    let rule = "{ rule: process.exit_ok }";
    let mut ev = evidence(vec![]);
    assert_passes(rule, &ev);
    ev.runs[0].exit_code = Some(2);
    ev.runs[0].stderr.text = "jq: error: cannot iterate over null\n".into();
    let v = assert_fails(rule, &ev);
    assert!(v.message.contains("status 2") && v.message.contains("jq: error"));
    ev.runs[0].exit_code = None;
    ev.runs[0].timed_out = true;
    assert!(assert_fails(rule, &ev).message.contains("too long"));
    ev.runs.clear();
    assert_fails(rule, &ev);
}

#[test]
fn exit_ok_quotes_the_error_a_node_crash_prints_above_its_stack() {
    let mut ev = evidence(vec![]);
    ev.runs[0].exit_code = Some(1);
    ev.runs[0].stderr.text = "/lab/bridge.js:110\nfunction broken( {\n                 ^\n\nSyntaxError: Unexpected end of input\n    at wrapSafe (node:internal/modules/cjs/loader:1283:20)\n    at Module._compile (node:internal/modules/cjs/loader:1328:27)\n    at node:internal/main/run_main_module:28:49\n\nNode.js v20.20.2\n".into();
    let v = assert_fails("{ rule: process.exit_ok }", &ev);
    assert!(
        v.message
            .contains("/lab/bridge.js:110\nSyntaxError: Unexpected end of input\n…\n"),
        "{}",
        v.message
    );
}

#[test]
fn a_run_the_scenario_stopped_after_a_wait_says_so() {
    let mut ev = evidence(vec![]);
    ev.runs[0].signal = Some(9);
    ev.runs[0].notes.push("The lab's scenario waited 60 s for the program to exit by itself, which did not happen, and then stopped the run: the program seemed stuck.".into());
    let v = assert_fails("{ rule: process.exit_ok }", &ev);
    assert!(
        v.message
            .starts_with("run 1 was killed by signal 9: the lab's scenario waited 60 s"),
        "{}",
        v.message
    );
}

#[test]
fn a_run_that_stopped_for_a_missing_tool_says_which_in_the_exit_verdict() {
    use crate::lab::Tool;
    use crate::runner::tools::missing_tool_notes;
    let mut ev = evidence(vec![]);
    ev.runs[0].exit_code = Some(127);
    ev.runs[0].stderr.text = "./run: line 6: jq: command not found\n".into();
    let notes = missing_tool_notes(&[Tool::Curl, Tool::Jq], &ev.runs[0]);
    ev.runs[0].notes = notes;
    let v = assert_fails("{ rule: process.exit_ok }", &ev);
    assert!(
        v.message
            .starts_with("run 1 exited with status 127: it stopped for a missing tool: jq is not installed (jq: install jq"),
        "{}",
        v.message
    );
    assert!(v.message.contains("jq: command not found"), "{}", v.message);
}

#[test]
fn a_run_saved_with_windows_line_endings_says_how_to_convert_it_in_the_exit_verdict() {
    let mut ev = evidence(vec![]);
    ev.runs[0].exit_code = Some(127);
    ev.runs[0].stderr.text = "/usr/bin/env: 'bash\r': No such file or directory\n".into();
    ev.runs[0]
        .notes
        .push(crate::runner::process::WINDOWS_LINE_ENDINGS_NOTE.into());
    let v = assert_fails("{ rule: process.exit_ok }", &ev);
    assert!(
        v.message.starts_with(
            "run 1 exited with status 127: ./run is saved with Windows line endings (CR LF)"
        ) && v.message.contains("dos2unix run"),
        "{}",
        v.message
    );
    assert!(
        v.message.contains("No such file or directory"),
        "{}",
        v.message
    );
}

#[test]
fn exit_refused_wants_a_status_of_its_own_and_a_word_on_stderr() {
    let rule = "{ rule: process.exit_refused, runs: [1] }";
    let mut ev = evidence(vec![]);
    ev.runs[0].exit_code = Some(0);
    assert!(assert_fails(rule, &ev).message.contains("status 0"));
    ev.runs[0].exit_code = Some(3);
    assert!(assert_fails(rule, &ev)
        .message
        .contains("wrote nothing on stderr"));
    ev.runs[0].stderr.text = "state mismatch: refusing the sign-in\n".into();
    assert_passes(rule, &ev);
    ev.runs[0].exit_code = None;
    ev.runs[0].timed_out = true;
    assert!(assert_fails(rule, &ev)
        .message
        .contains("did not stop by itself"));
    assert!(
        assert_fails("{ rule: process.exit_refused, runs: [4] }", &ev)
            .message
            .contains("did not happen")
    );
}

#[test]
fn exit_refused_wants_the_reason_after_the_last_failed_request_not_a_note_before_it() {
    use crate::evidence::{OutputLine, OutputStream};
    let rule = "{ rule: process.exit_refused, runs: [1] }";
    let mut ev = evidence(vec![
        get("/services/data/v62.0/query", 401).at(0, 5),
        token("refresh_token", 200).at(10, 5),
        get("/services/data/v62.0/query", 401).at(20, 5),
    ]);
    let said = |ms: i64, text: &str| OutputLine {
        stream: OutputStream::Stderr,
        text: text.into(),
        at: Some(base_time() + chrono::Duration::milliseconds(ms)),
    };
    ev.runs[0].exit_code = Some(1);
    ev.runs[0].stderr.text = "session expired; refreshing once\n".into();
    ev.runs[0].output.head = vec![said(8, "session expired; refreshing once")];
    let v = assert_fails(rule, &ev);
    assert!(
        v.message.contains(
            "wrote on stderr only before #3 GET /services/data/v62.0/query (401), the last request that failed"
        ),
        "{}",
        v.message
    );
    // Said once the retry was refused too: the reason stands after the failure.
    ev.runs[0]
        .output
        .head
        .push(said(26, "query failed again after the refresh: 401"));
    assert_passes(rule, &ev);
    // Said as the retry's answer arrived, before the proxy finished recording it, counts too.
    ev.runs[0].output.head[1] = said(22, "query failed again after the refresh: 401");
    assert_passes(rule, &ev);
    // A record without times cannot tell before from after, and is judged as before.
    ev.runs[0].output.head = vec![OutputLine {
        at: None,
        ..said(0, "session expired; refreshing once")
    }];
    assert_passes(rule, &ev);
}

#[test]
fn exit_refused_takes_the_reason_before_a_sign_off_that_fails_on_the_way_out() {
    use crate::evidence::{OutputLine, OutputStream};
    let rule = "{ rule: process.exit_refused, runs: [1] }";
    let said = |ms: i64, text: &str| OutputLine {
        stream: OutputStream::Stderr,
        text: text.into(),
        at: Some(base_time() + chrono::Duration::milliseconds(ms)),
    };
    for sign_off in [
        req("POST", "/services/oauth2/revoke", 400),
        req("GET", "/services/oauth2/revoke?token=x", 400),
        req("POST", "/services/Soap/u/62.0", 500).body(
            r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><logout xmlns="urn:partner.soap.sforce.com"/></soapenv:Body></soapenv:Envelope>"#,
        ),
    ] {
        let mut ev = evidence(vec![
            get("/services/data/v62.0/query", 401).at(0, 5),
            token("refresh_token", 200).at(10, 5),
            get("/services/data/v62.0/query", 401).at(20, 5),
            sign_off.at(30, 5),
        ]);
        ev.runs[0].exit_code = Some(1);
        ev.runs[0].stderr.text = "session expired; refreshing once\nquery failed: 401\n".into();
        ev.runs[0].output.head = vec![
            said(8, "session expired; refreshing once"),
            said(26, "query failed with HTTP 401: Session expired or invalid"),
        ];
        assert_passes(rule, &ev);
        // Without the reason after the retry, the retry is still the failure it stopped on.
        ev.runs[0].output.head.pop();
        let v = assert_fails(rule, &ev);
        assert!(
            v.message.contains(
                "wrote on stderr only before #3 GET /services/data/v62.0/query (401), the last request that failed"
            ),
            "{}",
            v.message
        );
    }
}

#[test]
fn exit_refused_without_say_why_takes_a_silent_non_zero_status() {
    let rule = "{ rule: process.exit_refused, runs: [1], say_why: false }";
    let mut ev = evidence(vec![]);
    ev.runs[0].exit_code = Some(1);
    let v = assert_passes(rule, &ev);
    assert!(!v.message.contains("stderr"), "{}", v.message);
    ev.runs[0].exit_code = Some(0);
    assert!(assert_fails(rule, &ev).message.contains("status 0"));
}

#[test]
fn exit_ok_with_runs_judges_only_the_runs_it_lists() {
    let mut ev = evidence(vec![get("/x", 200).run(2)]);
    ev.runs[2].exit_code = Some(1);
    assert_fails("{ rule: process.exit_ok }", &ev);
    let v = assert_passes("{ rule: process.exit_ok, runs: [1, 2] }", &ev);
    assert!(v.message.contains("in runs 1 and 2"), "{}", v.message);
    ev.runs[1].exit_code = Some(3);
    let v = assert_fails("{ rule: process.exit_ok, runs: [1, 2] }", &ev);
    assert!(
        v.message.contains("run 2 exited with status 3"),
        "{}",
        v.message
    );
    let v = assert_fails("{ rule: process.exit_ok, runs: [5] }", &ev);
    assert!(
        v.message.contains("(run 5) did not happen"),
        "{}",
        v.message
    );
}

#[test]
fn a_token_in_the_query_string_fails_and_a_header_passes() {
    let r = Redactor::new(b"k");
    let marked = r.marker("access_token", "00D5g000004SfLb!AQ4AQ");
    let in_url = get(
        &format!("/services/data/v62.0/query?q=x&access_token={marked}"),
        200,
    );
    let v = assert_fails("{ rule: secrets.not_in_url }", &evidence(vec![in_url]));
    assert!(v.message.contains("#1"), "{}", v.message);
    let header = get("/services/data/v62.0/query?q=x", 200).bearer("ab12");
    assert_passes("{ rule: secrets.not_in_url }", &evidence(vec![header]));
}

#[test]
fn a_leak_names_the_variable_that_held_it_and_keeps_fetched_tokens_in_memory() {
    let r = Redactor::new(b"k");
    r.add_secret("client_secret", "sf-consumer-secret-1");
    r.add_secret("lab_secret", "erp-demo-secret");
    r.add_secret("access_token", "00Dxx!fetched.at.run.time.token");
    r.add_secret("access_token", "00Dxx!second.fetched.token.value");
    let mut ev = evidence(vec![]);
    ev.lab_env = vec!["ERP_CLIENT_ID".into(), "ERP_CLIENT_SECRET".into()];
    ev.handed = vec![crate::evidence::KnownSecret {
        kind: "client_secret".into(),
        marker: r.marker("client_secret", "sf-consumer-secret-1"),
    }];
    ev.sources.push(SourceFile {
        path: "state/cache.json".into(),
        text: r.text(
            r#"{"sf": "00Dxx!fetched.at.run.time.token", "erp": "00Dxx!second.fetched.token.value", "secret": "sf-consumer-secret-1"}"#,
        ),
    });
    let v = assert_fails("{ rule: secrets.not_in_sources }", &ev);
    assert!(v.message.contains("($SF_CLIENT_SECRET)"), "{}", v.message);
    assert!(!v.message.contains("ERP_CLIENT_SECRET"), "{}", v.message);
    assert!(
        v.message.contains("access token (state/cache.json:1)"),
        "{}",
        v.message
    );
    assert!(!v.message.contains("2 lines"), "{}", v.message);
    assert!(v.message.contains("in memory"), "{}", v.message);
}

#[test]
fn the_advice_on_printed_secrets_follows_their_kind() {
    let printed = |kinds: &[&str]| {
        let mut ev = evidence(vec![]);
        ev.runs[0].stdout = CapturedOutput {
            text: "x\n".into(),
            secrets_after_cap: kinds.iter().map(|k| (k.to_string(), 1)).collect(),
            ..CapturedOutput::default()
        };
        assert_fails("{ rule: secrets.not_in_output }", &ev).message
    };
    let token = printed(&["access_token"]);
    assert!(
        token.ends_with("print a token's last four characters at most."),
        "{token}"
    );
    for kind in ["password", "client_secret"] {
        let m = printed(&[kind]);
        assert!(
            m.ends_with("never print a password or secret, not even a part of it.")
                && !m.contains("last four"),
            "{m}"
        );
    }
    let both = printed(&["password", "refresh_token"]);
    assert!(
        both.contains("never print a password or secret") && both.contains("last four"),
        "{both}"
    );
}

#[test]
fn a_files_private_pass_says_exactly_where_outside_the_workspace_was_looked() {
    use crate::evidence::PlaceLooked;
    let rule = "{ rule: secrets.files_private }";
    let mut ev = evidence(vec![]);
    let v = assert_passes(rule, &ev);
    assert!(
        v.message
            .ends_with("elsewhere in the workspace, holds a secret after the runs."),
        "{}",
        v.message
    );
    let looked = |place: &str, depth, cut_short| PlaceLooked {
        place: place.into(),
        depth,
        cut_short,
    };
    ev.looked_elsewhere = vec![
        looked("/tmp", 3, false),
        looked("/var/tmp", 3, false),
        looked("/dev/shm", 3, false),
        looked("~", 4, true),
    ];
    let v = assert_passes(rule, &ev);
    assert!(
        v.message.contains(
            "nor one they wrote or changed in /tmp, /var/tmp and /dev/shm (3 folders down) or ~ (4 folders down, only partly: it holds more than sflab looks through)"
        ),
        "{}",
        v.message
    );
}
