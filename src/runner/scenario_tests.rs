//! Tests of the scenario runner against a scripted org double and real `./run` processes.

use super::*;
use crate::evidence::{AuthDecision, OrgSnapshot};
use crate::lab::scenario::plan;
use crate::runner::env::LabCredentials;
use crate::runner::parts::BoxFuture;
use parking_lot::Mutex;
use std::sync::Arc;

/// An org that records what it is told and counts a delivery per published event.
#[derive(Default)]
struct FakeOrg {
    told: Mutex<Vec<String>>,
    deliveries: Mutex<usize>,
    /// The channels a run subscribes to, as the org reports them.
    channels: Vec<String>,
}

impl OrgHandle for FakeOrg {
    fn upstream_url(&self) -> String {
        String::new()
    }
    fn credentials(&self) -> LabCredentials {
        LabCredentials::default()
    }
    fn snapshot(&self, _objects: &[String]) -> OrgSnapshot {
        OrgSnapshot::default()
    }
    fn auth_log(&self) -> Vec<AuthDecision> {
        Vec::new()
    }
    fn session_expirer(&self) -> Option<crate::proxy::SessionExpirer> {
        None
    }
    fn soql(&self) -> Option<Arc<dyn crate::rules::SoqlEvaluator + Send + Sync>> {
        None
    }
    fn publish_event(
        &self,
        event: &str,
        fields: &crate::runner::parts::JsonMap,
    ) -> Result<u64, String> {
        let mut told = self.told.lock();
        told.push(format!(
            "publish {event} {}",
            serde_json::Value::Object(fields.clone())
        ));
        *self.deliveries.lock() += 1;
        Ok(told.len() as u64)
    }
    fn change_record(&self, change: &OrgChange) -> Result<String, String> {
        self.told.lock().push(format!("{change:?}"));
        Ok("001000000000001AAA".into())
    }
    fn redeliver(
        &self,
        channel: &str,
        event: crate::lab::scenario::EventPick,
    ) -> Result<u64, String> {
        self.told
            .lock()
            .push(format!("redeliver {channel} {event:?}"));
        Ok(7)
    }
    fn event_mark(&self) -> EventMark {
        EventMark {
            subscriptions: 0,
            deliveries: *self.deliveries.lock(),
        }
    }
    fn events_since(&self, mark: EventMark, _channel: Option<&str>) -> EventMark {
        EventMark {
            subscriptions: 0,
            deliveries: self.deliveries.lock().saturating_sub(mark.deliveries),
        }
    }
    fn channels_since(&self, _mark: EventMark) -> Vec<String> {
        self.channels.clone()
    }
    fn end_subscribers_since(&self, mark: EventMark) {
        self.told
            .lock()
            .push(format!("end subscribers since {}", mark.deliveries));
    }
    fn shutdown(self: Box<Self>) -> BoxFuture<'static, ()> {
        Box::pin(async {})
    }
}

fn lab_dir(script: &str) -> (tempfile::TempDir, ProcessSpec) {
    use std::os::unix::fs::PermissionsExt;
    let t = tempfile::tempdir().unwrap();
    let run = t.path().join("run");
    std::fs::write(&run, script).unwrap();
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o755)).unwrap();
    let spec = ProcessSpec {
        dir: t.path().to_path_buf(),
        env: vec![],
        remove_env: vec![],
        timeout: Duration::from_secs(20),
        output_cap: 4096,
        scan_past_cap: None,
        clean_env: false,
    };
    (t, spec)
}

fn steps(yaml: &str) -> Vec<Step> {
    plan(&serde_yaml::from_str::<Vec<serde_yaml::Value>>(yaml).unwrap()).unwrap()
}

fn run(steps: &[Step], spec: &ProcessSpec, org: &FakeOrg) -> (ScenarioOutcome, Vec<usize>) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let started = Mutex::new(Vec::new());
    let on_start = |i: usize| started.lock().push(i);
    let out = rt
        .block_on(run_scenario(steps, spec, org, &on_start))
        .unwrap();
    let started = started.into_inner();
    (out, started)
}

#[test]
fn kill_then_start_runs_again_in_the_same_folder_and_the_stored_file_survives() {
    // Each run appends its number to a state file and then waits to be killed.
    let (t, spec) = lab_dir(
        "#!/bin/sh\nn=$(cat count 2>/dev/null || echo 0)\necho $((n+1)) > count\necho run-$((n+1))\nexec sleep 30\n",
    );
    let org = FakeOrg::default();
    let s = steps("- wait: 300ms\n- kill\n- start\n- wait: 300ms\n");
    let began = Instant::now();
    let (out, started) = run(&s, &spec, &org);
    assert_eq!(started, vec![0, 1]);
    assert_eq!(out.runs.len(), 2);
    assert_eq!(out.runs[0].stdout.text, "run-1\n");
    assert_eq!(out.runs[1].stdout.text, "run-2\n");
    assert_eq!(out.runs[1].index, 1);
    assert!(out
        .runs
        .iter()
        .all(|r| r.signal == Some(libc::SIGKILL) && !r.timed_out));
    assert!(began.elapsed() < Duration::from_secs(10));
    assert_eq!(
        std::fs::read_to_string(t.path().join("count")).unwrap(),
        "2\n"
    );
    let kinds: Vec<_> = out.actions.iter().map(|a| a["action"].clone()).collect();
    assert_eq!(kinds, vec!["kill", "start", "kill"]);
    assert_eq!(out.actions[2]["reason"], "the scenario ended");
}

#[test]
fn publishes_are_numbered_and_a_delivery_wait_returns_once_met() {
    let (_t, spec) = lab_dir("#!/bin/sh\nexec sleep 30\n");
    let org = FakeOrg::default();
    let s = steps(
        "- publish: { event: A__e, count: 2, fields: { N__c: 'SO-{n}' } }\n\
         - wait_for: { delivered: 2, within: 5s }\n\
         - publish: { event: A__e, fields: { N__c: 'SO-{n}' } }\n\
         - redeliver: { channel: /event/A__e, event: 2 }\n",
    );
    let began = Instant::now();
    let (out, _) = run(&s, &spec, &org);
    assert!(
        began.elapsed() < Duration::from_secs(4),
        "the wait ended when met"
    );
    let told = org.told.lock().clone();
    assert!(
        told[0].contains("SO-1") && told[1].contains("SO-2") && told[2].contains("SO-3"),
        "{told:?}"
    );
    assert_eq!(told[3], "redeliver /event/A__e Nth(2)");
    let wait = out
        .actions
        .iter()
        .find(|a| a["action"] == "wait_for")
        .unwrap();
    assert_eq!(wait["met"], true);
    let redelivered = out
        .actions
        .iter()
        .find(|a| a["action"] == "redeliver")
        .unwrap();
    assert_eq!(redelivered["replay_id"], 7);
}

#[test]
fn an_unmet_wait_gives_up_at_within_and_says_so() {
    let (_t, spec) = lab_dir("#!/bin/sh\nexec sleep 30\n");
    let org = FakeOrg::default();
    let s = steps("- wait_for: { delivered: 1, within: 300ms }\n");
    let (out, _) = run(&s, &spec, &org);
    assert_eq!(out.actions[0]["met"], false);
}

#[test]
fn after_a_run_s_first_unmet_wait_its_other_waits_are_not_waited_out_and_the_note_names_the_first()
{
    let (_t, spec) = lab_dir("#!/bin/sh\nexec sleep 30\n");
    let org = FakeOrg::default();
    let s = steps(
        "- wait_for: { subscribed: /event/Order__e, within: 300ms }\n- wait_for: { delivered: 3, within: 20s }\n",
    );
    let started = std::time::Instant::now();
    let (out, _) = run(&s, &spec, &org);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "waited {:?}: the second wait should not be waited out",
        started.elapsed()
    );
    assert_eq!(out.actions[1]["met"], false);
    assert!(out.actions[1]["skipped"].is_string(), "{}", out.actions[1]);
    let note = out.runs[0].notes.join("\n");
    assert!(
        note.contains("waited 300 ms for it to subscribe to /event/Order__e"),
        "{note}"
    );
}

#[test]
fn a_run_that_subscribed_to_another_channel_is_named_as_such_not_as_stuck() {
    let (_t, spec) = lab_dir("#!/bin/sh\nexec sleep 30\n");
    let org = FakeOrg {
        channels: vec!["/data/ChangeEvents".into()],
        ..FakeOrg::default()
    };
    let s = steps("- wait_for: { subscribed: /data/AccountChangeEvent, within: 300ms }\n");
    let (out, _) = run(&s, &spec, &org);
    let note = out.runs[0].notes.join("\n");
    assert!(
        note.contains("waited 300 ms for it to subscribe to /data/AccountChangeEvent; the program subscribed to /data/ChangeEvents instead"),
        "{note}"
    );
    assert!(!note.contains("seemed stuck"), "{note}");
    assert!(out.runs[0].stopped_by_lab, "it was working, not crashed");
}

#[test]
fn a_wait_ends_unmet_as_soon_as_the_run_has_ended() {
    let (_t, spec) = lab_dir("#!/bin/sh\nexit 3\n");
    let org = FakeOrg::default();
    let s = steps("- wait_for: { delivered: 1, within: 20s }\n");
    let started = std::time::Instant::now();
    let (out, _) = run(&s, &spec, &org);
    assert_eq!(out.actions[0]["met"], false);
    assert_eq!(out.runs[0].exit_code, Some(3));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "waited {:?} for a run that had ended",
        started.elapsed()
    );
}

#[test]
fn waiting_for_an_exit_lets_a_short_script_finish_by_itself() {
    let (_t, spec) = lab_dir("#!/bin/sh\necho done\n");
    let org = FakeOrg::default();
    let s = steps(
        "- wait_for: { exited: true, within: 5s }\n\
         - change: { insert: Account, as: a, fields: { Name: A } }\n\
         - change: { update: a, fields: { Name: B } }\n",
    );
    let (out, _) = run(&s, &spec, &org);
    assert_eq!(out.runs.len(), 1);
    assert_eq!(out.runs[0].exit_code, Some(0));
    let told = org.told.lock().clone();
    assert!(
        told[1].contains("Update") && told[1].contains("001000000000001AAA"),
        "{told:?}"
    );
    assert!(out.actions.iter().all(|a| a["action"] != "kill"));
}

#[test]
fn a_killed_runs_subscribers_are_ended_before_the_next_step_publishes() {
    let (_t, spec) = lab_dir("#!/bin/sh\nexec sleep 30\n");
    let org = FakeOrg::default();
    let s = steps(
        "- publish: { event: A__e, fields: { N__c: 'SO-{n}' } }\n\
         - kill\n\
         - publish: { event: A__e, fields: { N__c: 'SO-{n}' } }\n\
         - start\n",
    );
    run(&s, &spec, &org);
    let told = org.told.lock().clone();
    let kinds: Vec<&str> = told
        .iter()
        .map(|t| {
            if t.starts_with("publish") {
                "publish"
            } else {
                t.as_str()
            }
        })
        .collect();
    // The first run began with no deliveries; the second after the first publish's one.
    assert_eq!(
        kinds,
        vec![
            "publish",
            "end subscribers since 0",
            "publish",
            "end subscribers since 2"
        ]
    );
}
