//! Faults across the runs of one attempt, end to end over real processes, the mock org and
//! the recording proxy.

use sflab::lab::spec::parse;
use sflab::runner::run_token::REISSUED_NOTE;
use sflab::runner::wiring::mock_parts;
use sflab::runner::{run_lab, RunOptions};
use sflab::workspace::Workspace;
use std::path::Path;

fn write_run(dir: &Path, script: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let run = dir.join("run");
    std::fs::write(&run, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o755)).unwrap();
}

const EXPIRED_IN_RUN_ONE: &str = "\
id: t-expired
title: Expired in run one
level: L5
lesson: L5-patterns/testing
tools: [curl]
org:
  users:
    - { username: tester@lab.example, first_name: Tess, last_name: Tester, profile: System Administrator, ref: tester }
  records:
    - Account: { Name: Kestrel Rail }
faults:
  - { kind: session_expired, match: { method: GET, path: \"/services/data/*/query\" }, nth: 1 }
run: { times: 2, timeout: 20s }
checks:
  - { rule: process.exit_ok, points: 1 }
";

#[test]
fn a_run_after_a_session_expired_fault_starts_with_a_new_valid_token() {
    let t = tempfile::tempdir().unwrap();
    let ws = Workspace::at(t.path()).unwrap();
    write_run(
        &ws.lab_dir("t-expired"),
        "#!/bin/sh\ncurl -sS -o /dev/null -w '%{http_code}\\n' \
         \"$SF_INSTANCE_URL/services/data/v$SF_API_VERSION/query?q=SELECT+Name+FROM+Account\" \
         -H \"Authorization: Bearer $SF_ACCESS_TOKEN\"\n",
    );
    let spec = parse("lab.yaml", EXPIRED_IN_RUN_ONE).unwrap();
    let options = RunOptions::new(ws.clone(), mock_parts());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let report = rt.block_on(run_lab(&spec, &options)).unwrap();

    assert_eq!(report.runs[0].stdout.text, "401\n", "the fault's own 401");
    assert_eq!(
        report.runs[1].stdout.text, "200\n",
        "run 2 must not inherit the token run 1's fault expired"
    );
    assert_eq!(report.runs[1].notes, [REISSUED_NOTE]);
    assert!(report.runs[0].notes.is_empty());
    let faulted: Vec<bool> = report.exchanges.iter().map(|e| e.fault.is_some()).collect();
    assert_eq!(faulted, [true, false]);
}
