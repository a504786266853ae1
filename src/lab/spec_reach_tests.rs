//! Tests of the checks, faults and `run.app` a lab could never reach, refused at their lines.

use crate::lab::spec::validate;

/// A one-run lab with `faults`, `checks` and `run` extras written in.
fn lab(run: &str, faults: &str, checks: &str) -> String {
    format!(
        "id: probe\ntitle: Probe\nlevel: L1\nlesson: L1-basics/rest\norg:\n  records: []\n\
         faults:\n  - {{ kind: unavailable, match: {{ path: /x }} }}\n{faults}\
         run: {{ times: 1{run} }}\nchecks:\n  - {{ rule: process.exit_ok }}\n{checks}"
    )
}

/// Each problem as `line: message`.
fn said(yaml: &str) -> Vec<String> {
    validate(yaml).iter().map(|p| p.to_string()).collect()
}

#[test]
fn a_check_naming_a_run_the_lab_never_starts_or_run_0_or_no_status_is_refused_at_its_line() {
    let yaml = lab(
        "",
        "",
        "  - { rule: http.request, path: /x, runs: [5] }\n\
         \x20 - { rule: http.request, path: /x, runs: [0] }\n\
         \x20 - { rule: http.request, path: /x, status: 700 }\n\
         \x20 - { rule: oauth.device_polling, ended_in_runs: [1, 2, 3] }\n",
    );
    assert_eq!(
        said(&yaml),
        vec![
            "line 12: check 2: `runs` names run 5, but the lab has only 1 run (`run.times: 1`), so the check could never be met there: name run 1, or start `./run` more times",
            "line 13: check 3: `runs` counts runs from 1 (the first run): run 0 is no run",
            "line 14: check 4: `status: 700` is not an HTTP status (100–599), so no answer can have it",
            "line 15: check 5: `ended_in_runs` names runs 2 and 3, but the lab has only 1 run (`run.times: 1`), so the check could never be met there: name run 1, or start `./run` more times",
        ]
    );
}

#[test]
fn runs_a_lab_does_start_are_accepted_and_a_scenario_counts_its_start_steps() {
    let checks = "  - { rule: http.request, path: /x, status: 200, runs: [1, 3] }\n";
    let three = lab("", "", checks).replace("times: 1", "times: 3");
    assert!(said(&three).is_empty(), "{:?}", said(&three));
    let scenario = ", scenario: [ { wait: 1s }, kill, start, kill, start ]";
    assert!(said(&lab(scenario, "", checks)).is_empty());
    let one_start = ", scenario: [ kill, start ]";
    let p = said(&lab(one_start, "", checks));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].contains("names run 3, but the lab has only 2 runs (the first run and 1 `start` step(s) of `run.scenario`)"),
        "{p:?}"
    );
}

#[test]
fn a_fault_for_a_run_the_lab_never_starts_or_with_a_seed_and_no_probability_is_refused_at_its_key()
{
    let faults = "  - kind: rate_limited\n    match: { path: /y }\n    in_run: 3\n\
                  \x20 - { kind: unavailable, match: { path: /z }, seed: 5 }\n\
                  \x20 - { kind: unavailable, match: { path: /z }, seed: 5, probability: 0.5 }\n";
    assert_eq!(
        said(&lab("", faults, "")),
        vec![
            "line 11: fault 2: `in_run: 3` names run 3, but the lab has only 1 run (`run.times: 1`), so the fault never fires: name run 1, or start `./run` more times",
            "line 12: fault 3: `seed` draws which matches a `probability` fires on, and this fault has no `probability`, so it fires on every match: add one (`probability: 0.5`) or remove `seed`",
        ]
    );
}

#[test]
fn a_run_app_the_labs_org_does_not_have_is_refused_at_its_line() {
    // No `org:` apps: the lab's org is built from its own seed, without the default org's.
    let yaml = lab("", "", "").replace("run: { times: 1 }", "run:\n  times: 1\n  app: cli\n");
    assert_eq!(
        said(&yaml),
        vec!["line 11: `run.app` names \"cli\", but the lab's org has no apps: it is built from the lab's `org:` section alone (without the default org's apps), so add the app under `org: apps:`"]
    );
    let with_apps = yaml.replace("app: cli", "app: lab-cil").replace(
        "  records: []\n",
        "  records: []\n  apps:\n    - { name: lab-client, flows: [client_credentials] }\n    - { name: lab-cli, flows: [device] }\n",
    );
    assert_eq!(
        said(&with_apps),
        vec!["line 14: `run.app` names \"lab-cil\", but the `org:` seed has no app of that name under `apps:` (did you mean \"lab-cli\"?): name one of \"lab-client\" or \"lab-cli\", or add it there"]
    );
    assert!(said(&with_apps.replace("app: lab-cil", "app: lab-cli")).is_empty());
}
