//! The runner end to end over real processes, the mock org and the recording proxy; and the
//! lab commands as a learner uses them (start, fail, hint, fix, pass, transcript).

use sflab::lab::spec::parse;
use sflab::progress::{LabStatus, Store};
use sflab::runner::wiring::mock_parts;
use sflab::runner::{run_lab, RunError, RunEvent, RunOptions};
use sflab::workspace::Workspace;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn write_run(dir: &Path, script: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let run = dir.join("run");
    std::fs::write(&run, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

const LIMITS_LAB: &str = "\
id: t-limits
title: Limits
level: L1
lesson: L1-basics/limits
tools: [curl]
checks:
  - { rule: http.request, method: GET, path: \"/services/data/*/limits\", points: 2 }
  - { rule: process.exit_ok, points: 1 }
";

#[test]
fn a_passing_attempt_is_judged_streamed_recorded_and_redacted() {
    let t = tempfile::tempdir().unwrap();
    let ws = Workspace::at(t.path()).unwrap();
    write_run(
        &ws.lab_dir("t-limits"),
        "#!/bin/sh\nset -e\nprintf '%s' \"$SF_ACCESS_TOKEN\" > ../token.txt\n\
         curl -sS -f \"$SF_INSTANCE_URL/services/data/v$SF_API_VERSION/limits\" \
         -H \"Authorization: Bearer $SF_ACCESS_TOKEN\" > /dev/null\necho done\n",
    );
    let spec = parse("lab.yaml", LIMITS_LAB).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut options = RunOptions::new(ws.clone(), mock_parts());
    options.events = Some(tx);
    let report = runtime().block_on(run_lab(&spec, &options)).unwrap();

    assert!(report.passed, "{:#?}", report.verdicts);
    assert_eq!((report.points, report.max_points), (3, 3));
    assert_eq!(report.exchanges.len(), 1);
    assert!(report.exchanges[0]
        .request
        .url
        .starts_with("https://127.0.0.1:"));
    assert_eq!(report.runs[0].stdout.text, "done\n");

    let mut kinds = Vec::new();
    while let Ok(ev) = rx.try_recv() {
        kinds.push(match ev {
            RunEvent::Prepared { .. } => "prepared",
            RunEvent::RunStarted { .. } => "run-started",
            RunEvent::Exchange(_) => "exchange",
            RunEvent::RunFinished(_) => "run-finished",
            RunEvent::Verdicts(_) => "verdicts",
        });
    }
    assert_eq!(
        kinds,
        [
            "prepared",
            "run-started",
            "exchange",
            "run-finished",
            "verdicts"
        ]
    );

    let token = std::fs::read_to_string(ws.root.join("token.txt")).unwrap();
    assert!(token.len() > 20, "the run received a token");
    let store = Store::open(&ws.progress_db()).unwrap();
    assert_eq!(store.lab_status("t-limits").unwrap(), LabStatus::Passed);
    let db = [
        std::fs::read(ws.progress_db()).unwrap(),
        std::fs::read(ws.progress_db().with_extension("db-wal")).unwrap_or_default(),
    ]
    .concat();
    let json = serde_json::to_string(&report).unwrap();
    for (what, hay) in [("progress database", &db[..]), ("report", json.as_bytes())] {
        assert!(
            !hay.windows(token.len()).any(|w| w == token.as_bytes()),
            "the access token leaked into the {what}"
        );
    }
    assert!(
        json.contains("‹redacted:"),
        "the token is shown by its marker"
    );
}

#[test]
fn a_password_written_in_the_learners_files_is_masked_when_a_run_prints_it() {
    let t = tempfile::tempdir().unwrap();
    let ws = Workspace::at(t.path()).unwrap();
    let dir = ws.lab_dir("t-limits");
    // Passed by position (no secret-named key) and printed by the run.
    write_run(
        &dir,
        "#!/bin/sh\npython3 client.py\ncurl -sS -f \"$SF_INSTANCE_URL/services/data/v$SF_API_VERSION/limits\" \
         -H \"Authorization: Bearer $SF_ACCESS_TOKEN\" > /dev/null\n",
    );
    std::fs::write(
        dir.join("client.py"),
        "AUTH = (\"svc_sync\", \"Auth-By-Position-42\")\nprint(\"using\", AUTH)\nrequests_auth = dict(auth=(\"svc_sync\", \"Auth-By-Position-42\"))\n",
    )
    .unwrap();
    let lab = format!("{LIMITS_LAB}  - {{ rule: secrets.not_in_output, points: 1 }}\n");
    let spec = parse("lab.yaml", &lab).unwrap();
    let options = RunOptions::new(ws.clone(), mock_parts());
    let report = runtime().block_on(run_lab(&spec, &options)).unwrap();
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains("Auth-By-Position-42"), "{json}");
    assert!(
        report.runs[0].stdout.text.contains("‹redacted:password#"),
        "{}",
        report.runs[0].stdout.text
    );
    let printed = report
        .verdicts
        .iter()
        .find(|v| v.rule == "secrets.not_in_output")
        .unwrap();
    assert!(printed.failed(), "{printed:#?}");
}

#[test]
fn a_printed_token_fails_a_lab_that_does_not_declare_the_check_without_changing_its_points() {
    let t = tempfile::tempdir().unwrap();
    let ws = Workspace::at(t.path()).unwrap();
    write_run(
        &ws.lab_dir("t-limits"),
        "#!/bin/sh\nset -e\ncurl -sS -f \"$SF_INSTANCE_URL/services/data/v$SF_API_VERSION/limits\" \
         -H \"Authorization: Bearer $SF_ACCESS_TOKEN\" > /dev/null\n\
         echo \"debug token: $SF_ACCESS_TOKEN\" >&2\necho done\n",
    );
    let spec = parse("lab.yaml", LIMITS_LAB).unwrap();
    let options = RunOptions::new(ws.clone(), mock_parts());
    let report = runtime().block_on(run_lab(&spec, &options)).unwrap();

    assert!(!report.passed, "{:#?}", report.verdicts);
    assert_eq!((report.points, report.max_points), (3, 3));
    let printed = report
        .verdicts
        .iter()
        .find(|v| v.rule == "secrets.not_in_output")
        .expect("every lab is judged on printed secrets");
    assert!(printed.failed(), "{printed:#?}");
    assert!(
        printed
            .message
            .contains("access token (run 1, stderr line 1)"),
        "{}",
        printed.message
    );
    let store = Store::open(&ws.progress_db()).unwrap();
    assert_ne!(store.lab_status("t-limits").unwrap(), LabStatus::Passed);
    let attempt = store.last_attempt("t-limits").unwrap().unwrap();
    assert!(sflab::track::view::leaked_a_secret(&attempt));
}

#[test]
fn an_item_printed_in_the_part_of_a_long_output_that_is_not_kept_still_counts() {
    let t = tempfile::tempdir().unwrap();
    let ws = Workspace::at(t.path()).unwrap();
    write_run(
        &ws.lab_dir("t-long"),
        "#!/bin/sh\nseq 1 60000\necho 'Kestrel Air'\nseq 1 5000\n",
    );
    let spec = parse(
        "lab.yaml",
        "id: t-long\ntitle: Long\nlevel: L1\nlesson: L1-basics/limits\nchecks:\n\
         - { rule: process.output_contains, texts: [Kestrel Air] }\n",
    )
    .unwrap();
    let options = RunOptions::new(ws.clone(), mock_parts());
    let report = runtime().block_on(run_lab(&spec, &options)).unwrap();
    let contains = &report.verdicts[0];
    assert!(contains.passed(), "{contains:#?}");
    let stdout = &report.runs[0].stdout;
    assert!(stdout.truncated && !stdout.text.contains("Kestrel Air"));
    assert_eq!(
        stdout.whole, None,
        "the whole stream is held for judging only"
    );
}

#[test]
fn two_runs_are_snapshotted_and_a_duplicate_fails_idempotence_with_a_diff() {
    let t = tempfile::tempdir().unwrap();
    let ws = Workspace::at(t.path()).unwrap();
    write_run(
        &ws.lab_dir("t-twice"),
        "#!/bin/sh\nset -e\ncurl -sS -f -X POST \"$SF_INSTANCE_URL/services/data/v$SF_API_VERSION/sobjects/Account\" \
         -H \"Authorization: Bearer $SF_ACCESS_TOKEN\" -H 'Content-Type: application/json' \
         -d '{\"Name\":\"Kestrel Air\"}' > /dev/null\n",
    );
    let spec = parse(
        "lab.yaml",
        "id: t-twice\ntitle: Twice\nlevel: L1\nlesson: L1-basics/rest\n\
         org: { records: [ { Account: { Name: Falcon Corp } } ] }\n\
         run: { times: 2 }\nchecks:\n  - { rule: state.idempotent, points: 3 }\n  - { rule: process.exit_ok }\n",
    )
    .unwrap();
    let mut options = RunOptions::new(ws, mock_parts());
    options.tls = false;
    options.record = false;
    let report = runtime().block_on(run_lab(&spec, &options)).unwrap();
    assert_eq!(report.runs.len(), 2);
    assert_eq!(report.exchanges.len(), 2);
    assert_eq!(report.exchanges[1].run_index, 1);
    assert!(report.exchanges[0]
        .request
        .url
        .starts_with("http://127.0.0.1:"));
    let idem = &report.verdicts[0];
    assert!(idem.failed(), "{idem:?}");
    let diff = idem.diff.as_deref().expect("a diff of the two snapshots");
    assert!(diff.contains("Kestrel Air"), "{diff}");
    assert!(!report.passed);
}

#[test]
fn a_hanging_run_is_stopped_at_the_timeout_and_judged() {
    let t = tempfile::tempdir().unwrap();
    let ws = Workspace::at(t.path()).unwrap();
    write_run(&ws.lab_dir("t-limits"), "#!/bin/sh\nsleep 30\n");
    let spec = parse("lab.yaml", LIMITS_LAB).unwrap();
    let mut options = RunOptions::new(ws, mock_parts());
    options.timeout = Some(Duration::from_millis(500));
    options.record = false;
    let started = Instant::now();
    let report = runtime().block_on(run_lab(&spec, &options)).unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(report.runs[0].timed_out);
    assert!(!report.passed);
    // Every check worth points fails; the 0-point gate on printed secrets has nothing to
    // hold back.
    assert!(report
        .verdicts
        .iter()
        .filter(|v| v.points_possible > 0)
        .all(|v| v.failed()));
}

#[test]
fn a_lab_that_is_not_started_says_how_to_start_it() {
    let t = tempfile::tempdir().unwrap();
    let ws = Workspace::at(t.path()).unwrap();
    let spec = parse("lab.yaml", LIMITS_LAB).unwrap();
    let options = RunOptions::new(ws, mock_parts());
    let err = runtime().block_on(run_lab(&spec, &options)).unwrap_err();
    assert!(matches!(err, RunError::NotStarted { .. }));
    assert!(
        err.to_string().contains("sflab lab start t-limits"),
        "{err}"
    );
}

#[test]
fn a_sandbox_only_lab_is_refused_on_the_mock_org() {
    let t = tempfile::tempdir().unwrap();
    let ws = Workspace::at(t.path()).unwrap();
    write_run(&ws.lab_dir("t-limits"), "#!/bin/sh\n");
    let spec = parse("lab.yaml", &format!("{LIMITS_LAB}backends: [sandbox]\n")).unwrap();
    let options = RunOptions::new(ws, mock_parts());
    let err = runtime().block_on(run_lab(&spec, &options)).unwrap_err();
    assert!(
        err.to_string()
            .contains("runs on a sandbox only, not on the mock backend"),
        "{err}"
    );
}

fn sflab(ws: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sflab"))
        .arg("--workspace")
        .arg(ws)
        .args(args)
        .env_remove("SFLAB_CURRICULUM")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_learner_starts_fails_reads_a_hint_fixes_and_passes() {
    let t = tempfile::tempdir().unwrap();
    let ws = t.path().join("ws");
    let (code, out, err) = sflab(&ws, &["lab", "start", "read-limits"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("created the workspace"), "{err}");
    assert!(ws.join("read-limits/run").is_file());
    // Starting prints the brief: the goal, and what each check looks for with its points.
    assert!(out.contains("Goal\n"), "{out}");
    assert!(out.contains("What the checks look for (6 points)"), "{out}");
    // The goal is Markdown in the lab; printed, it is plain text like `sflab lesson`'s.
    let goal = &out[out.find("Goal\n").unwrap()..out.find("What the checks").unwrap()];
    assert!(
        goal.contains("Call the limits resource once — GET"),
        "{goal}"
    );
    assert!(!goal.contains("**") && !goal.contains("```"), "{goal}");
    let (code, brief, _) = sflab(&ws, &["lab", "show", "read-limits"]);
    assert_eq!(code, 0);
    // A summary written with code marks prints as plain text too.
    let (_, shown, _) = sflab(&ws, &["lab", "show", "apexrest-orders"]);
    let summary = shown.lines().nth(2).unwrap_or("");
    assert!(
        summary.starts_with("A developer exposed /services/apexrest/orders"),
        "{shown}"
    );
    assert!(
        brief.contains("What the checks look for (6 points)"),
        "{brief}"
    );

    let (code, out, _) = sflab(&ws, &["check", "read-limits"]);
    assert_eq!(code, 1, "the starter fails: {out}");
    assert!(out.contains("✗ http.request"), "{out}");
    // The starter makes no request, so even the call budget pays nothing.
    assert!(out.contains("FAIL  0/6 points"), "{out}");

    let (code, out, _) = sflab(&ws, &["hint", "read-limits"]);
    assert_eq!(code, 0);
    // The starter made no request, so the hint about a 410 is held back: two of three remain.
    assert!(out.starts_with("Hint 1/2 for http.request"), "{out}");
    let (_, second, _) = sflab(&ws, &["hint", "read-limits"]);
    assert!(second.starts_with("Hint 2/2 for http.request"), "{second}");

    let (code, _, err) = sflab(&ws, &["solution", "read-limits"]);
    assert_eq!(
        code, 2,
        "no solution before a pass: refused, as every command refuses"
    );
    assert!(err.contains("--force"), "{err}");

    let solution = sflab::curriculum::embedded();
    let text = sflab::curriculum::Files::read(&solution, "solutions/read-limits/run").unwrap();
    std::fs::write(ws.join("read-limits/run"), text).unwrap();
    let (code, out, _) = sflab(&ws, &["check", "read-limits"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("PASS  6/6 points"), "{out}");
    let (_, out, _) = sflab(&ws, &["hint", "read-limits"]);
    assert!(out.starts_with("Your last attempt passed"), "{out}");

    let (code, out, _) = sflab(&ws, &["check", "read-limits", "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["passed"], true);

    let (code, out, _) = sflab(&ws, &["solution", "read-limits"]);
    assert_eq!(code, 0);
    assert!(out.contains("/limits"), "{out}");

    let (code, out, _) = sflab(&ws, &["transcript", "read-limits"]);
    assert_eq!(code, 0);
    assert!(out.contains("GET     /services/data/v62.0/limits"), "{out}");
    assert!(out.contains("Bearer ‹redacted:access_token#"), "{out}");

    let har = t.path().join("last.har");
    let (code, _, _) = sflab(
        &ws,
        &["transcript", "read-limits", "--har", har.to_str().unwrap()],
    );
    assert_eq!(code, 0);
    let har: serde_json::Value = serde_json::from_slice(&std::fs::read(&har).unwrap()).unwrap();
    assert_eq!(har["log"]["version"], "1.2");

    let (_, list, _) = sflab(&ws, &["list"]);
    assert!(list.contains("✓ read-limits"), "{list}");
    // For scripts: each lab with its status and where it runs.
    let (code, json, _) = sflab(&ws, &["list", "--json"]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let labs: Vec<&serde_json::Value> = doc["levels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| l["lessons"].as_array().unwrap())
        .flat_map(|l| l["labs"].as_array().unwrap())
        .collect();
    let lab = |id: &str| *labs.iter().find(|l| l["id"] == id).expect(id);
    assert_eq!(lab("read-limits")["status"], "passed");
    assert_eq!(lab("read-limits")["backends"], serde_json::json!(["mock"]));
    assert_eq!(
        lab("rest-first-call")["backends"],
        serde_json::json!(["mock", "sandbox"])
    );
}

#[test]
fn transcript_har_dash_prints_the_har_instead_of_writing_a_file_named_dash() {
    let t = tempfile::tempdir().unwrap();
    let ws = t.path().join("ws");
    let (code, out, err) = sflab(&ws, &["lab", "start", "read-limits"]);
    assert_eq!(code, 0, "{out}{err}");
    let solution = sflab::curriculum::embedded();
    let text = sflab::curriculum::Files::read(&solution, "solutions/read-limits/run").unwrap();
    std::fs::write(ws.join("read-limits/run"), text).unwrap();
    let (code, out, _) = sflab(&ws, &["check", "read-limits"]);
    assert_eq!(code, 0, "{out}");
    let out = Command::new(env!("CARGO_BIN_EXE_sflab"))
        .current_dir(t.path())
        .arg("--workspace")
        .arg(&ws)
        .args(["transcript", "read-limits", "--har", "-"])
        .env_remove("SFLAB_CURRICULUM")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let har: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a HAR on stdout");
    assert_eq!(har["log"]["version"], "1.2");
    assert_eq!(har["log"]["entries"][0]["_run"], 1, "runs count from 1");
    assert!(!t.path().join("-").exists(), "no file named `-`");
}

#[test]
fn an_unknown_lab_and_a_missing_workspace_lab_exit_2_with_a_way_forward() {
    let t = tempfile::tempdir().unwrap();
    let (code, _, err) = sflab(t.path(), &["check", "no-such-lab"]);
    assert_eq!(code, 2);
    assert!(err.contains("sflab list"), "{err}");
    let (code, _, err) = sflab(t.path(), &["check", "read-limits"]);
    assert_eq!(code, 2);
    assert!(err.contains("sflab lab start read-limits"), "{err}");
    // With --json the refusal is JSON on stdout too, for scripts.
    let (code, out, _) = sflab(t.path(), &["check", "no-such-lab", "--json"]);
    assert_eq!(code, 2);
    let refusal: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(refusal["lab"], "no-such-lab");
    assert!(refusal["error"].as_str().unwrap().contains("sflab list"));
}

#[test]
fn dev_check_passes_every_reference_and_fails_every_known_bad_solution() {
    let curriculum = sflab::curriculum::Curriculum::embedded().unwrap();
    let files = sflab::curriculum::embedded();
    let scratch = tempfile::tempdir().unwrap();
    let ids: Vec<&str> = curriculum.labs.iter().map(|l| l.id.as_str()).collect();
    let mut results = Vec::new();
    let mut order = Vec::new();
    sflab::runner::selfcheck_jobs::dev_check_labs(
        &files,
        &curriculum,
        &mock_parts(),
        scratch.path(),
        &ids,
        sflab::runner::selfcheck_jobs::DEFAULT_JOBS,
        |id, done| {
            order.push(id.to_string());
            results.extend(done);
        },
    );
    // Labs checked at the same time are still reported in curriculum order.
    assert_eq!(order, ids);
    let bad: Vec<String> = results
        .iter()
        .filter(|r| !r.ok())
        .map(|r| {
            format!(
                "{} {}: {}",
                r.lab,
                r.case,
                r.problem.as_deref().unwrap_or("")
            )
        })
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
    assert!(results.iter().filter(|r| r.case == "reference").count() >= 6);
    assert!(results.iter().any(|r| r.case.starts_with("wrong/")));
}

#[test]
fn a_missing_tool_does_not_stop_the_check_and_a_run_that_needed_it_is_told_how_to_install_it() {
    let t = tempfile::tempdir().unwrap();
    let (code, _, _) = sflab(t.path(), &["lab", "start", "read-limits"]);
    assert_eq!(code, 0);
    // A PATH with bash and nothing else: no curl, no jq.
    let bin = t.path().join("only-bash");
    std::fs::create_dir_all(&bin).unwrap();
    let bash = ["/usr/bin/bash", "/bin/bash"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("bash");
    std::os::unix::fs::symlink(bash, bin.join("bash")).unwrap();
    let check = |script: &str| {
        write_run(&t.path().join("read-limits"), script);
        Command::new(env!("CARGO_BIN_EXE_sflab"))
            .arg("--workspace")
            .arg(t.path())
            .args(["check", "read-limits"])
            .env("PATH", &bin)
            .env_remove("SFLAB_CURRICULUM")
            .output()
            .unwrap()
    };
    let out = check(
        "#!/usr/bin/env bash\ncurl -s \"$SF_INSTANCE_URL/services/data/v62.0/limits\" | jq .\n",
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failed check, not a refusal: {said}"
    );
    assert!(
        said.contains("note: curl and jq, which the lab lists for its code, are not installed here. sflab ran ./run anyway"),
        "{said}"
    );
    assert!(
        said.contains(
            "It stopped for a missing tool: curl and jq are not installed (curl: install curl"
        ),
        "{said}"
    );
    assert!(
        said.contains("exited with status 127: it stopped for a missing tool"),
        "process.exit_ok says why: {said}"
    );
    // A program that does without them runs to its end.
    let out = check("#!/usr/bin/env bash\necho 'max 15000 remaining 14999'\n");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("run 1: exit 0"), "{said}");
    assert!(!said.contains("It stopped for a missing tool"), "{said}");
}

const SCENARIO_LAB: &str = "\
id: t-scenario
title: Scenario
level: L5
lesson: L5-patterns/events-cdc-pubsub
org:
  events:
    platform:
      Ping__e: { fields: { Note__c: text } }
run:
  timeout: 30s
  scenario:
    - wait: 300ms
    - publish: { event: Ping__e, count: 2, fields: { Note__c: 'n-{n}' } }
    - kill
    - start
    - wait: 300ms
checks:
  - { rule: process.output_contains, texts: [pubsub=127.0.0.1] }
";

#[test]
fn a_scenario_kills_and_restarts_the_run_in_the_same_folder_with_the_pubsub_endpoint() {
    let t = tempfile::tempdir().unwrap();
    let ws = Workspace::at(t.path()).unwrap();
    write_run(
        &ws.lab_dir("t-scenario"),
        "#!/bin/sh\necho started >> starts.txt\necho \"pubsub=$SF_PUBSUB_ENDPOINT org=$SF_ORG_ID\"\nexec sleep 30\n",
    );
    let spec = parse("lab.yaml", SCENARIO_LAB).unwrap();
    let mut options = RunOptions::new(ws.clone(), mock_parts());
    options.record = false;
    let began = Instant::now();
    let report = runtime().block_on(run_lab(&spec, &options)).unwrap();
    assert!(began.elapsed() < Duration::from_secs(20));
    assert_eq!(report.runs.len(), 2, "kill + start gives a second run");
    assert!(report
        .runs
        .iter()
        .all(|r| r.signal == Some(9) && !r.timed_out));
    assert!(
        report.runs[1].stdout.text.contains("pubsub=127.0.0.1:"),
        "{}",
        report.runs[1].stdout.text
    );
    assert!(
        report.runs[1].stdout.text.contains("org=00D"),
        "{}",
        report.runs[1].stdout.text
    );
    let starts = std::fs::read_to_string(ws.lab_dir("t-scenario").join("starts.txt")).unwrap();
    assert_eq!(starts, "started\nstarted\n");
    assert!(report.passed, "{:#?}", report.verdicts);
}

#[test]
fn a_client_that_refuses_the_workspace_ca_gets_a_note_saying_so() {
    let t = tempfile::tempdir().unwrap();
    let ws = Workspace::at(t.path()).unwrap();
    // The system bundle does not hold the workspace CA, so the handshake fails.
    write_run(
        &ws.lab_dir("t-limits"),
        "#!/bin/sh\nunset CURL_CA_BUNDLE SSL_CERT_FILE\n\
         curl -sS --cacert /dev/null \"$SF_INSTANCE_URL/services/data/v$SF_API_VERSION/limits\" \
         -H \"Authorization: Bearer $SF_ACCESS_TOKEN\" > /dev/null\n",
    );
    let spec = parse("lab.yaml", LIMITS_LAB).unwrap();
    let options = RunOptions::new(ws.clone(), mock_parts());
    let report = runtime().block_on(run_lab(&spec, &options)).unwrap();
    assert!(!report.passed);
    assert!(report.exchanges.is_empty());
    let notes = &report.runs[0].notes;
    assert!(
        notes
            .iter()
            .any(|n| n.contains("may not trust the sflab CA")),
        "{notes:?}"
    );
}

#[test]
fn a_handshake_cut_when_the_time_limit_stops_the_run_gets_no_ca_note() {
    let t = tempfile::tempdir().unwrap();
    let ws = Workspace::at(t.path()).unwrap();
    // A connection whose handshake is still waiting for its client when the time limit
    // kills the run: the kill cuts it, not an untrusted CA.
    write_run(
        &ws.lab_dir("t-limits"),
        "#!/usr/bin/env bash\n\
         hp=${SF_INSTANCE_URL#https://}\n\
         exec 3<>/dev/tcp/${hp%:*}/${hp##*:}\n\
         echo connected\n\
         sleep 30\n",
    );
    let spec = parse("lab.yaml", LIMITS_LAB).unwrap();
    let mut options = RunOptions::new(ws.clone(), mock_parts());
    options.timeout = Some(Duration::from_secs(2));
    let report = runtime().block_on(run_lab(&spec, &options)).unwrap();
    let run = &report.runs[0];
    assert!(run.timed_out, "{run:?}");
    assert_eq!(run.stdout.text, "connected\n", "{run:?}");
    assert!(report.exchanges.is_empty());
    assert!(
        !run.notes.iter().any(|n| n.contains("sflab CA")),
        "{:?}",
        run.notes
    );
}

#[test]
fn plain_http_to_the_https_address_is_answered_in_words_and_named_in_a_note() {
    let t = tempfile::tempdir().unwrap();
    let ws = Workspace::at(t.path()).unwrap();
    // `http://` typed for the lab's `https://`: a request line where a TLS hello belongs.
    write_run(
        &ws.lab_dir("t-limits"),
        "#!/usr/bin/env bash\n\
         hp=${SF_INSTANCE_URL#https://}\n\
         exec 3<>/dev/tcp/${hp%:*}/${hp##*:}\n\
         printf 'GET /services/data HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n' >&3\n\
         head -c 12 <&3\n",
    );
    let spec = parse("lab.yaml", LIMITS_LAB).unwrap();
    let options = RunOptions::new(ws.clone(), mock_parts());
    let report = runtime().block_on(run_lab(&spec, &options)).unwrap();
    let run = &report.runs[0];
    assert_eq!(run.stdout.text, "HTTP/1.1 400", "{run:?}");
    assert!(
        run.notes
            .iter()
            .any(|n| n.contains("plain HTTP (an http:// URL)") && n.contains("HTTPS_REQUIRED")),
        "{:?}",
        run.notes
    );
    assert!(
        !run.notes.iter().any(|n| n.contains("sflab CA")),
        "{:?}",
        run.notes
    );
}

#[test]
fn sigterm_and_sighup_end_a_check_like_ctrl_c_and_stop_the_learners_processes() {
    for (signal, code) in [(libc::SIGTERM, 143), (libc::SIGHUP, 129)] {
        let t = tempfile::tempdir().unwrap();
        let (started, _, err) = sflab(t.path(), &["lab", "start", "rest-first-call"]);
        assert_eq!(started, 0, "{err}");
        let lab = t.path().join("rest-first-call");
        write_run(&lab, "#!/bin/sh\nsleep 300 &\necho $! > child.pid\nwait\n");
        let mut check = Command::new(env!("CARGO_BIN_EXE_sflab"))
            .arg("--workspace")
            .arg(t.path())
            .args(["check", "rest-first-call"])
            .env_remove("SFLAB_CURRICULUM")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let pid_file = lab.join("child.pid");
        let deadline = Instant::now() + Duration::from_secs(60);
        let child: i32 = loop {
            if let Some(pid) = std::fs::read_to_string(&pid_file)
                .ok()
                .and_then(|t| t.trim().parse().ok())
            {
                break pid;
            }
            assert!(Instant::now() < deadline, "the run never started");
            std::thread::sleep(Duration::from_millis(50));
        };
        // SAFETY: signalling a process this test started.
        unsafe { libc::kill(check.id() as i32, signal) };
        let status = check.wait().unwrap();
        assert_eq!(status.code(), Some(code), "signal {signal}");
        let gone = Instant::now() + Duration::from_secs(5);
        // SAFETY: kill with signal 0 only asks whether the process exists.
        while unsafe { libc::kill(child, 0) } == 0 {
            assert!(
                Instant::now() < gone,
                "the run's child outlived the check (signal {signal})"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[test]
fn ctrl_c_ends_dev_check_its_runs_and_its_scratch_folder() {
    let t = tempfile::tempdir().unwrap();
    // The curriculum, whose rest-first-call reference starts a child that would outlive it.
    let course = t.path().join("course");
    let files = sflab::curriculum::embedded();
    for top in ["lessons/", "labs/", "solutions/"] {
        for path in sflab::curriculum::Files::list(&files, top) {
            let to = course.join(&path);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::write(&to, sflab::curriculum::Files::read(&files, &path).unwrap()).unwrap();
        }
    }
    let pid_file = t.path().join("child.pid");
    write_run(
        &course.join("solutions/rest-first-call"),
        &format!(
            "#!/bin/sh\nsleep 300 &\necho $! > {}\nwait\n",
            pid_file.display()
        ),
    );
    let tmp = t.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let check = Command::new(env!("CARGO_BIN_EXE_sflab"))
        .arg("--curriculum")
        .arg(&course)
        .args(["dev", "check", "--lab", "rest-first-call"])
        .env("TMPDIR", &tmp)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let child: i32 = loop {
        if let Some(pid) = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|t| t.trim().parse().ok())
        {
            break pid;
        }
        assert!(Instant::now() < deadline, "the reference never started");
        std::thread::sleep(Duration::from_millis(50));
    };
    // SAFETY: signalling a process this test started.
    unsafe { libc::kill(check.id() as i32, libc::SIGINT) };
    let out = check.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("dev check stopped by Ctrl-C"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(&tmp)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().starts_with("sflab-dev-check-"))
        .collect();
    assert!(
        left.is_empty(),
        "the scratch folder (with its CA key) is left: {left:?}"
    );
    let gone = Instant::now() + Duration::from_secs(5);
    // SAFETY: kill with signal 0 only asks whether the process exists.
    while unsafe { libc::kill(child, 0) } == 0 {
        assert!(
            Instant::now() < gone,
            "the reference's child outlived dev check"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_signal_ends_check_watch_while_it_waits_for_a_change() {
    for (signal, code) in [(libc::SIGINT, 130), (libc::SIGTERM, 143)] {
        let t = tempfile::tempdir().unwrap();
        let (started, _, err) = sflab(t.path(), &["lab", "start", "rest-first-call"]);
        assert_eq!(started, 0, "{err}");
        let lab = t.path().join("rest-first-call");
        write_run(&lab, "#!/bin/sh\necho done > ran.txt\n");
        let log = t.path().join("watch.log");
        let mut watch = Command::new(env!("CARGO_BIN_EXE_sflab"))
            .arg("--workspace")
            .arg(t.path())
            .args(["check", "--watch", "rest-first-call"])
            .env_remove("SFLAB_CURRICULUM")
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        while !std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("Watching")
        {
            assert!(Instant::now() < deadline, "the first check never ended");
            std::thread::sleep(Duration::from_millis(50));
        }
        // SAFETY: signalling a process this test started.
        unsafe { libc::kill(watch.id() as i32, signal) };
        let gone = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(s) = watch.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > gone {
                let _ = watch.kill();
                panic!("check --watch outlived signal {signal} while waiting");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        assert_eq!(status.code(), Some(code), "signal {signal}");
    }
}

#[test]
fn an_attempt_that_cannot_be_stored_keeps_its_verdicts_and_says_why() {
    let t = tempfile::tempdir().unwrap();
    let ws = Workspace::at(t.path()).unwrap();
    write_run(
        &ws.lab_dir("t-limits"),
        "#!/bin/sh\ncurl -sS -f \"$SF_INSTANCE_URL/services/data/v$SF_API_VERSION/limits\" \
         -H \"Authorization: Bearer $SF_ACCESS_TOKEN\" > /dev/null\n",
    );
    // A progress database that cannot be opened (a folder where the file should be).
    let _ = std::fs::remove_file(ws.progress_db());
    std::fs::create_dir_all(ws.progress_db()).unwrap();
    let spec = parse("lab.yaml", LIMITS_LAB).unwrap();
    let options = RunOptions::new(ws.clone(), mock_parts());
    let report = runtime().block_on(run_lab(&spec, &options)).unwrap();
    assert!(report.passed, "{:#?}", report.verdicts);
    let why = report.not_saved.expect("the report says it was not saved");
    assert!(
        why.starts_with(&format!(
            "this attempt could not be saved to {}",
            ws.progress_db().display()
        )),
        "{why}"
    );
}

#[test]
fn a_served_org_is_saved_to_its_data_file_when_the_terminal_closes() {
    let t = tempfile::tempdir().unwrap();
    let (env_file, data) = (t.path().join("org.env"), t.path().join("org.json"));
    let serve = Command::new(env!("CARGO_BIN_EXE_sflab"))
        .arg("--workspace")
        .arg(t.path())
        .args([
            "org",
            "serve",
            "--http",
            "--port",
            "0",
            "--pubsub-port",
            "0",
        ])
        .arg("--env-file")
        .arg(&env_file)
        .arg("--data")
        .arg(&data)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !env_file.exists() {
        assert!(Instant::now() < deadline, "the org never started listening");
        std::thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: signalling a process this test started.
    unsafe { libc::kill(serve.id() as i32, libc::SIGHUP) };
    let out = serve.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let saved = std::fs::read_to_string(&data).expect("the org was saved on SIGHUP");
    assert!(
        saved.starts_with("{\"format\":1"),
        "{}",
        &saved[..40.min(saved.len())]
    );
}

#[test]
fn a_progress_database_that_is_a_folder_is_reported_not_shown_as_no_progress() {
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(t.path().join(".sflab/progress.db")).unwrap();
    let (code, out, err) = sflab(t.path(), &["list"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("progress.db") && err.contains("Is a directory"),
        "{err}"
    );
}

#[test]
fn a_track_given_to_a_command_that_would_ignore_it_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let ws = t.path().join("ws");
    let (code, _, err) = sflab(
        &ws,
        &[
            "--track",
            "team.yaml",
            "grade",
            "hand-ins",
            "--lab",
            "rest-crud",
            "--out",
            "g",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("this command would ignore it"), "{err}");
    assert!(
        err.contains("whatever a track's pass_threshold says"),
        "{err}"
    );
    let (code, _, err) = sflab(&ws, &["--track", "team.yaml", "list"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn a_hint_after_a_crash_before_any_request_first_quotes_the_crash() {
    let t = tempfile::tempdir().unwrap();
    let ws = t.path().join("ws");
    let (code, _, _) = sflab(&ws, &["lab", "start", "read-limits"]);
    assert_eq!(code, 0);
    std::fs::write(
        ws.join("read-limits/run"),
        "#!/bin/sh\necho 'checking modules' >&2\necho 'ModuleNotFoundError: No module named requests' >&2\nexit 2\n",
    )
    .unwrap();
    let (code, _, _) = sflab(&ws, &["check", "read-limits"]);
    assert_eq!(code, 1);
    let (_, out, _) = sflab(&ws, &["hint", "read-limits"]);
    // Wrapped at 80 columns (no terminal): the words stay in order, the error line indented.
    let note: String = out.split("\n\n").next().unwrap().to_string();
    assert_eq!(
        note.split_whitespace().collect::<Vec<_>>().join(" "),
        "Your program stopped before it made a single request: run 1 exited with status 2, saying: ModuleNotFoundError: No module named requests Fix that first; the checks, and their hints, are about what the program does once it runs.",
        "{out}"
    );
    assert!(
        note.contains("\n  ModuleNotFoundError: No module named requests\n"),
        "{out}"
    );
    assert!(out.lines().all(|l| l.chars().count() <= 80), "{out}");
    assert!(out.contains("Hint 1/2 for http.request"), "{out}");
}
