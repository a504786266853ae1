//! Output tests of the check report and the transcript.

use super::*;
use crate::evidence::{
    CapturedOutput, FaultFired, OutputLine, OutputStream, RecordedRequest, RecordedResponse,
};
use chrono::{TimeZone, Utc};
use std::time::Duration;

fn exchange(seq: u64, method: &str, path: &str, status: u16, fault: bool) -> Exchange {
    let t = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap()
        + chrono::Duration::milliseconds(seq as i64 * 10);
    Exchange {
        seq,
        run_index: 0,
        started_at: t,
        finished_at: t + chrono::Duration::milliseconds(3),
        request: RecordedRequest {
            method: method.into(),
            url: format!("https://127.0.0.1:4443{path}"),
            path: path.into(),
            query: None,
            headers: vec![Header::new(
                "Authorization",
                "Bearer ‹redacted:access_token#0a1b2c3d›",
            )],
            body: Body::default(),
            http_version: None,
        },
        response: Some(RecordedResponse {
            status,
            headers: vec![Header::new("Content-Type", "application/json")],
            body: Body::text("{\"id\":\"001000000000001AAA\",\"success\":true}"),
        }),
        fault: fault.then(|| FaultFired {
            index: 0,
            kind: "unavailable".into(),
            action: "answered 503".into(),
        }),
        error: None,
        client_processes: Vec::new(),
    }
}

fn report() -> Report {
    let failed = Verdict::fail(
        "state.idempotent",
        3,
        "The second run created another Account.",
    )
    .with_evidence([2, 3])
    .with_diff("--- after run 1\n+++ after run 2\n+Account Falcon\n".into());
    let run = LearnerRun {
        index: 0,
        duration_ms: 42,
        exit_code: Some(7),
        stderr: CapturedOutput {
            text: "curl: (7) could not connect\n".into(),
            truncated: false,
            ..CapturedOutput::default()
        },
        ..Default::default()
    };
    Report::new(
        "rest-upsert-twice",
        "mock",
        vec![
            Verdict::pass("rest.upsert_by_external_id", 2, "Upserted by ERP_Id__c."),
            failed,
            Verdict::not_applicable("rest.fields_selected", "Not applicable on a sandbox."),
        ],
        vec![exchange(
            1,
            "PATCH",
            "/services/data/v62.0/sobjects/Account/ERP_Id__c/A-1",
            503,
            true,
        )],
        vec![run],
        Utc::now(),
        Duration::from_millis(1234),
    )
}

#[test]
fn the_check_report_shows_glyphs_points_evidence_and_diff() {
    let text = render_report(
        &report(),
        "Upsert twice",
        &HintOffer::Rule("state.idempotent".into()),
    );
    insta::assert_snapshot!(text, @r"
    rest-upsert-twice — Upsert twice   (mock, 1 run, 1.2 s)

      ✓ rest.upsert_by_external_id   2/2  Upserted by ERP_Id__c.
      ✗ state.idempotent             0/3  The second run created another Account.
          evidence: exchanges #2, #3 (`sflab transcript rest-upsert-twice`)
          │ --- after run 1
          │ +++ after run 2
          │ +Account Falcon
      – rest.fields_selected           –  Not applicable on a sandbox.

      run 1: exit 7 in 42 ms
        its last error output:
        │ curl: (7) could not connect
      1 exchange recorded

    FAIL  2/5 points. `sflab hint rest-upsert-twice` gives a hint for state.idempotent.
    ");
}

#[test]
fn a_passing_report_points_at_the_solution() {
    let mut r = report();
    r.verdicts.retain(|v| v.passed());
    let r = Report::new(
        &r.lab,
        "mock",
        r.verdicts,
        vec![],
        vec![],
        Utc::now(),
        Duration::ZERO,
    );
    let text = render_report(&r, "Upsert twice", &HintOffer::General);
    assert!(
        text.contains("PASS  2/2 points. `sflab solution rest-upsert-twice`"),
        "{text}"
    );
}

#[test]
fn the_transcript_marks_injected_faults_and_pretty_prints_bodies() {
    let r = report();
    let text = render_transcript(
        "rest-upsert-twice",
        "2026-01-02T03:04:05Z",
        &r.exchanges,
        &r.runs,
    );
    assert!(text.contains("⚡ unavailable"), "{text}");
    assert!(text.contains("⚡ injected fault: answered 503"), "{text}");
    assert!(text.contains("  \"success\": true"), "{text}");
    assert!(text.contains("Bearer ‹redacted:access_token#0a1b2c3d›"));
    assert!(text.contains("PATCH   /services/data/v62.0/sobjects/Account/ERP_Id__c/A-1"));
}

#[test]
fn the_transcript_names_the_process_that_sent_each_request() {
    let mut sent = exchange(1, "GET", "/services/data/v62.0/limits", 503, true);
    sent.client_processes = vec![9812, 9801, 9790];
    let unknown = exchange(2, "GET", "/services/data/v62.0/limits", 200, false);
    let text = render_transcript("x", "now", &[sent, unknown], &[]);
    assert!(
        text.contains("  sent by process 9812 (its parents: 9801, 9790)\n"),
        "{text}"
    );
    assert_eq!(text.matches("sent by process").count(), 1, "{text}");
}

#[test]
fn an_empty_transcript_explains_why() {
    let text = render_transcript("x", "now", &[], &[]);
    assert!(text.contains("never reached the org"));
}

#[test]
fn a_transcript_shows_the_programs_escape_sequences_instead_of_sending_them() {
    let mut run = LearnerRun::default();
    run.stdout.text = "hello\x1b[2J\x1b]0;PWNED\x07\n".into();
    let text = render_transcript("x", "now", &[], &[run]);
    assert!(!text.contains('\x1b'), "{text:?}");
    assert!(text.contains("hello␛[2J␛]0;PWNED␇"), "{text}");
}

#[test]
fn the_transcript_shows_all_the_output_and_the_check_says_how_much_it_left_out() {
    let lines: String = (1..=30).map(|i| format!("line {i}\n")).collect();
    let mut r = report();
    r.runs[0].exit_code = Some(1);
    r.runs[0].stderr.text = lines.clone();
    r.runs[0].stdout.text = lines;
    let transcript = render_transcript("rest-upsert-twice", "now", &[], &r.runs);
    assert!(transcript.contains("│ line 1\n"), "{transcript}");
    assert!(transcript.contains("│ line 30\n"), "{transcript}");
    let check = render_report(&r, "Upsert twice", &HintOffer::General);
    assert!(
        check.contains("… 24 earlier lines (sflab transcript rest-upsert-twice shows them all)"),
        "{check}"
    );
    assert!(
        check.contains("│ line 25") && !check.contains("│ line 24\n"),
        "{check}"
    );
}

#[test]
fn a_run_note_about_a_refused_connection_is_shown_in_the_transcript() {
    let run = LearnerRun {
        notes: vec![
            "A client's HTTPS connection failed before its request; it may not trust the sflab CA"
                .into(),
        ],
        ..LearnerRun::default()
    };
    let text = render_transcript("x", "now", &[], &[run]);
    assert!(
        text.contains("note: A client's HTTPS connection failed"),
        "{text}"
    );
    assert!(text.contains("see the note above"), "{text}");
    assert!(!text.contains("never reached the org"), "{text}");
}

#[test]
fn a_service_run_sflab_stopped_on_purpose_is_not_shown_as_a_crash() {
    let mut r = report();
    r.runs[0].exit_code = None;
    r.runs[0].signal = Some(15);
    r.runs[0].stopped_by_lab = true;
    let text = render_report(&r, "check", &HintOffer::General);
    assert!(text.contains("stopped by sflab"), "{text}");
    assert!(!text.contains("killed by signal"), "{text}");
    assert!(!text.contains("its last error output"), "{text}");
}

#[test]
fn a_long_body_points_at_the_har_export_and_a_truncated_recording_says_so() {
    let long = Body::text("x".repeat(BODY_SHOWN + 10));
    let shown = body_text(&long);
    assert!(
        shown.contains("(2010 bytes in all; `sflab transcript --har FILE` writes the full body)"),
        "{shown}"
    );
    let cut = Body {
        text: "y".repeat(100),
        size: 5000,
        truncated: true,
        base64: None,
        encoded_size: None,
    };
    let shown = body_text(&cut);
    assert!(
        shown.contains("(5000 bytes in all; only the first 100 were recorded)"),
        "{shown}"
    );
    assert!(!shown.contains("--har"), "{shown}");
}

#[test]
fn a_run_started_by_its_interpreter_says_it_was_not_executable() {
    let mut r = report();
    r.runs[0].started_with = Some("/usr/bin/env bash".into());
    let out = render_report(&r, "Upsert", &HintOffer::General);
    assert!(
        out.contains("run 1: exit 7 in 42 ms (run is not executable; ran it with /usr/bin/env bash; `chmod +x run` starts it directly)"),
        "{out}"
    );
    let transcript = render_transcript("rest-upsert-twice", "now", &[], &r.runs);
    assert!(
        transcript.contains("ran it with /usr/bin/env bash"),
        "{transcript}"
    );
}

#[test]
fn a_long_evidence_list_shows_its_first_exchanges_and_a_count() {
    let mut r = report();
    let many =
        Verdict::fail("http.calls_at_most", 1, "Made 5287 requests.").with_evidence(1..=5287);
    r.verdicts = vec![many];
    let text = render_report(&r, "Upsert twice", &HintOffer::General);
    assert!(
        text.contains("evidence: exchanges #1, #2, #3, #4, #5, #6, #7, #8, and 5279 more"),
        "{text}"
    );
}

#[test]
fn the_footer_names_the_rule_sflab_hint_serves_or_says_there_is_none() {
    let text = render_report(&report(), "Upsert twice", &HintOffer::General);
    assert!(
        text.ends_with("`sflab hint rest-upsert-twice` gives a hint.\n"),
        "{text}"
    );
    let text = render_report(&report(), "Upsert twice", &HintOffer::Nothing);
    assert!(
        text.ends_with("FAIL  2/5 points. Each failed check's message above says what it expected and what happened.\n"),
        "{text}"
    );
}

#[test]
fn an_attempt_that_could_not_be_saved_still_shows_its_verdicts_and_says_why() {
    let mut r = report();
    r.not_saved = Some("this attempt could not be saved to /ws/.sflab/progress.db: database or disk is full. Free some disk space or make the folder writable; the next check records as usual.".into());
    let text = render_report(&r, "Upsert twice", &HintOffer::General);
    assert!(text.contains("✗ state.idempotent"), "{text}");
    assert!(
        text.ends_with("warning: this attempt could not be saved to /ws/.sflab/progress.db: database or disk is full. Free some disk space or make the folder writable; the next check records as usual.\n"),
        "{text}"
    );
}

#[test]
fn a_fail_with_every_point_names_the_check_worth_no_points_that_failed() {
    let verdicts = vec![
        Verdict::pass("http.request", 3, "Made 1 request."),
        Verdict::fail(
            "secrets.not_in_output",
            0,
            "Your program printed the access token.",
        ),
    ];
    let r = Report::new(
        "rest-first-call",
        "mock",
        verdicts,
        Vec::new(),
        Vec::new(),
        Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
        Duration::from_millis(10),
    );
    let text = render_report(&r, "First call", &HintOffer::Nothing);
    assert!(
        text.contains("FAIL  3/3 points. Every point was earned, but secrets.not_in_output failed: a check worth no points still fails the attempt."),
        "{text}"
    );
    let text = render_report(&report(), "Upsert twice", &HintOffer::Nothing);
    assert!(!text.contains("Every point was earned"), "{text}");
}

#[test]
fn the_transcript_shows_a_short_output_in_the_order_written_with_stderr_marked() {
    let mut run = LearnerRun::default();
    run.stdout.text = "fetching accounts\ngot 3\n".into();
    run.stderr.text = "Traceback: KeyError 'records'\n".into();
    run.output.head = vec![
        line(OutputStream::Stdout, "fetching accounts"),
        line(OutputStream::Stderr, "Traceback: KeyError 'records'"),
        line(OutputStream::Stdout, "got 3"),
    ];
    let text = render_transcript("x", "now", &[], &[run]);
    assert!(
        text.contains(
            "  output, in the order written (stderr lines marked ┃):\n  │ fetching accounts\n  ┃ Traceback: KeyError 'records'\n  │ got 3\n"
        ),
        "{text}"
    );
    assert!(!text.contains("  stdout:"), "{text}");
}

#[test]
fn the_transcript_shows_each_stream_whole_when_the_in_order_record_left_lines_out() {
    let mut run = LearnerRun::default();
    run.stdout.text = (1..=300).map(|i| format!("row {i}\n")).collect();
    run.stderr.text = "done with a warning\n".into();
    run.output.head = vec![line(OutputStream::Stdout, "row 1")];
    run.output.left_out = 299;
    run.output.tail = vec![line(OutputStream::Stderr, "done with a warning")];
    let text = render_transcript("x", "now", &[], &[run]);
    assert!(text.contains("  stdout:\n  │ row 1\n"), "{text}");
    assert!(
        text.contains("  │ row 300\n  stderr:\n  │ done with a warning\n"),
        "{text}"
    );
    assert!(!text.contains("in the order written"), "{text}");
}

fn line(stream: OutputStream, text: &str) -> OutputLine {
    OutputLine {
        stream,
        text: text.into(),
        at: None,
    }
}
