//! A trivial lab check end to end: a fresh mock org, the HTTPS recording proxy, one learner
//! run making one curl call, evidence, rules and the report (no progress write).

use criterion::{criterion_group, criterion_main, Criterion};
use sflab::lab::spec::parse;
use sflab::runner::wiring::mock_parts;
use sflab::runner::{run_lab, RunOptions};
use sflab::workspace::Workspace;
use std::time::Duration;

const LAB: &str = "\
id: bench-one-call
title: One call
level: L1
lesson: L1-basics/limits
checks:
  - { rule: http.request, method: GET, path: \"/services/data/*/limits\" }
  - { rule: process.exit_ok }
";

fn lab_check(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let ws = Workspace::at(dir.path()).expect("a workspace");
    let lab_dir = ws.lab_dir("bench-one-call");
    std::fs::create_dir_all(&lab_dir).expect("the lab folder");
    std::fs::write(
        lab_dir.join("run"),
        "#!/bin/sh\nexec curl -sS -f -o /dev/null \"$SF_INSTANCE_URL/services/data/v$SF_API_VERSION/limits\" -H \"Authorization: Bearer $SF_ACCESS_TOKEN\"\n",
    )
    .expect("the run file");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(lab_dir.join("run"), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
    }
    let spec = parse("lab.yaml", LAB).expect("the bench lab is valid");
    let mut options = RunOptions::new(ws, mock_parts());
    options.record = false;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let first = rt
        .block_on(run_lab(&spec, &options))
        .expect("the check runs");
    assert!(first.passed, "the bench lab passes: {:?}", first.verdicts);

    let mut group = c.benchmark_group("lab_check");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("one_curl_call_https", |b| {
        b.iter(|| {
            rt.block_on(run_lab(&spec, &options))
                .expect("the check runs")
        })
    });
    group.finish();
}

criterion_group!(benches, lab_check);
criterion_main!(benches);
