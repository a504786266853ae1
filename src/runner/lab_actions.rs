//! What a lab does around the learner's code: gives the workspace's JWT key certificate to the
//! seed's bearer-flow apps (`run.jwt_key`), plays the person who approves a device login on
//! a second screen (`run.approve_device_after`) while `./run` is polling, and performs the
//! org-side `actions:` before, during (for a learner's service) and after each run.

use super::parts::OrgHandle;
use super::process::{run_entry_point, run_entry_point_until, ProcessError, ProcessSpec, Stop};
use crate::evidence::{ActionOutcome, LearnerRun};
use crate::lab::actions::LabAction;
use crate::lab::LabSpec;
use crate::org::auth::defaults::JWT_KEY_FILE;
use crate::org::auth::workspace_jwt_key;
use serde_yaml::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How often pending device logins are looked at while the learner's code runs.
const APPROVAL_TICK: Duration = Duration::from_millis(200);

/// Flows whose assertions are signed with the workspace key.
fn is_bearer_flow(flow: &Value) -> bool {
    matches!(
        flow.as_str(),
        Some("jwt_bearer" | "jwt" | "saml_bearer" | "saml")
    )
}

/// Gives `certificate` to every app under `org: apps:` that has a bearer flow and none of its
/// own; returns how many apps received it.
pub fn give_certificate(org: &mut Value, certificate: &str) -> usize {
    let Some(apps) = org.get_mut("apps").and_then(Value::as_sequence_mut) else {
        return 0;
    };
    let mut given = 0;
    for app in apps.iter_mut() {
        let bearer = app
            .get("flows")
            .and_then(Value::as_sequence)
            .is_some_and(|flows| flows.iter().any(is_bearer_flow));
        let Some(map) = app.as_mapping_mut() else {
            continue;
        };
        if bearer && !map.contains_key("certificate") {
            map.insert("certificate".into(), certificate.into());
            given += 1;
        }
    }
    given
}

/// The lab with the workspace key's certificate in its bearer apps, and the key's path.
pub fn with_workspace_key(lab: &LabSpec, workspace: &Path) -> Result<(LabSpec, PathBuf), String> {
    let pair = workspace_jwt_key(workspace).map_err(|e| e.to_string())?;
    let mut keyed = lab.clone();
    if give_certificate(&mut keyed.org, &pair.certificate_pem) == 0 {
        return Err(format!(
            "lab {:?} asks for `run.jwt_key`, but no app under `org: apps:` has a jwt_bearer or \
             saml_bearer flow without a certificate",
            lab.id
        ));
    }
    Ok((keyed, workspace.join(JWT_KEY_FILE)))
}

/// Runs `./run` once; with `approve_after`, approves device logins that have waited that long
/// until the run ends.
pub async fn run_with_actions(
    spec: &ProcessSpec,
    index: usize,
    org: &dyn OrgHandle,
    approve_after: Option<Duration>,
) -> Result<LearnerRun, ProcessError> {
    let Some(min_age) = approve_after else {
        return run_entry_point(spec, index).await;
    };
    let run = run_entry_point(spec, index);
    tokio::pin!(run);
    loop {
        tokio::select! {
            outcome = &mut run => return outcome,
            _ = tokio::time::sleep(APPROVAL_TICK) => {
                org.approve_pending_devices(min_age);
            }
        }
    }
}

/// How often a learner's service port is tried while waiting for it to listen.
const LISTEN_TICK: Duration = Duration::from_millis(100);

async fn perform_all(
    org: &dyn OrgHandle,
    actions: &[LabAction],
    phase: &str,
    index: usize,
    dir: &Path,
) -> Vec<ActionOutcome> {
    let mut out = Vec::new();
    for a in actions {
        let done = org.perform_action(a, dir).await;
        out.push(done.outcome(a, phase, index));
    }
    out
}

/// Outcomes for actions that could not run because the learner's service never listened.
fn not_served(actions: &[LabAction], index: usize, why: &str) -> Vec<ActionOutcome> {
    actions
        .iter()
        .map(|a| super::org_actions::Performed::failed(why).outcome(a, "while_running", index))
        .collect()
}

/// Starts `./run` as a service, waits until it accepts connections on `port`, performs
/// `actions`, then stops it.
async fn serve_and_act(
    spec: &ProcessSpec,
    index: usize,
    org: &dyn OrgHandle,
    actions: &[LabAction],
    port: u16,
) -> Result<(LearnerRun, Vec<ActionOutcome>), ProcessError> {
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let run = run_entry_point_until(spec, index, async move {
        let _ = stop_rx.await;
        Stop::Term
    });
    tokio::pin!(run);
    let deadline = tokio::time::Instant::now() + spec.timeout;
    loop {
        tokio::select! {
            outcome = &mut run => {
                let why = format!("./run ended before anything listened on 127.0.0.1:{port}: \
                    start your service there (the port is in $SERVICE_PORT) and keep it running");
                return Ok((outcome?, not_served(actions, index, &why)));
            }
            _ = tokio::time::sleep(LISTEN_TICK) => {
                if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                    break;
                }
                if tokio::time::Instant::now() >= deadline {
                    let why = format!("nothing listened on 127.0.0.1:{port} before the run's timeout");
                    let _ = stop_tx.send(());
                    return Ok((run.await?, not_served(actions, index, &why)));
                }
            }
        }
    }
    // The process's output is captured by its own tasks, so it need not be polled meanwhile.
    // The org's calls share the run's time limit: once it has passed, the calls left are not
    // made, and the run ends as timed out (its own clock stops it when it is next polled).
    let mut outcomes = Vec::with_capacity(actions.len());
    let mut out_of_time = false;
    for a in actions {
        let done = if out_of_time {
            None
        } else {
            tokio::time::timeout_at(deadline, org.perform_action(a, &spec.dir))
                .await
                .ok()
        };
        let performed = done.unwrap_or_else(|| {
            out_of_time = true;
            super::org_actions::Performed::failed(format!(
                "not made: the run's time limit ({} s) passed while the org waited for your service",
                spec.timeout.as_secs()
            ))
        });
        outcomes.push(performed.outcome(a, "while_running", index));
    }
    if !out_of_time {
        let _ = stop_tx.send(());
    }
    let mut run = run.await?;
    run.stopped_by_lab = run.exit_code.is_none() && !run.timed_out;
    Ok((run, outcomes))
}

/// One run of `./run` with the lab's org-side actions around it, in phase order.
pub async fn run_once(
    spec: &ProcessSpec,
    index: usize,
    org: &dyn OrgHandle,
    lab: &LabSpec,
) -> Result<(LearnerRun, Vec<ActionOutcome>), ProcessError> {
    let acts = &lab.actions;
    let mut outcomes = perform_all(org, &acts.before_run, "before_run", index, &spec.dir).await;
    let run = match acts.service_port {
        Some(port) if !acts.while_running.is_empty() => {
            let (run, during) = serve_and_act(spec, index, org, &acts.while_running, port).await?;
            outcomes.extend(during);
            run
        }
        _ => run_with_actions(spec, index, org, lab.run.approve_device_after).await?,
    };
    outcomes.extend(perform_all(org, &acts.after_run, "after_run", index, &spec.dir).await);
    Ok((run, outcomes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(yaml: &str) -> Value {
        serde_yaml::from_str(yaml).expect("test yaml")
    }

    #[test]
    fn certificate_goes_only_to_bearer_apps_without_one() {
        let mut o = org("apps:\n\
             - { name: a, flows: [jwt_bearer] }\n\
             - { name: b, flows: [client_credentials] }\n\
             - { name: c, flows: [saml], certificate: mine }\n");
        assert_eq!(give_certificate(&mut o, "CERT"), 1);
        assert_eq!(o["apps"][0]["certificate"].as_str(), Some("CERT"));
        assert!(o["apps"][1].get("certificate").is_none());
        assert_eq!(o["apps"][2]["certificate"].as_str(), Some("mine"));
    }

    /// An org that only records the actions it is asked to perform, and whether the
    /// learner's service was listening at that moment.
    struct Recorder {
        port: u16,
        seen: parking_lot::Mutex<Vec<(String, bool)>>,
        /// How long each action takes (an org waiting on a slow service).
        delay: Duration,
    }

    impl OrgHandle for Recorder {
        fn upstream_url(&self) -> String {
            String::new()
        }
        fn credentials(&self) -> crate::runner::LabCredentials {
            Default::default()
        }
        fn snapshot(&self, _objects: &[String]) -> crate::evidence::OrgSnapshot {
            Default::default()
        }
        fn auth_log(&self) -> Vec<crate::evidence::AuthDecision> {
            Vec::new()
        }
        fn session_expirer(&self) -> Option<crate::proxy::SessionExpirer> {
            None
        }
        fn soql(&self) -> Option<std::sync::Arc<dyn crate::rules::SoqlEvaluator + Send + Sync>> {
            None
        }
        fn perform_action<'a>(
            &'a self,
            action: &'a LabAction,
            _lab_dir: &'a Path,
        ) -> super::super::parts::BoxFuture<'a, super::super::org_actions::Performed> {
            Box::pin(async move {
                tokio::time::sleep(self.delay).await;
                let up = std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok();
                self.seen.lock().push((action.label(), up));
                super::super::org_actions::Performed::failed("recorded")
            })
        }
        fn shutdown(self: Box<Self>) -> super::super::parts::BoxFuture<'static, ()> {
            Box::pin(async {})
        }
    }

    fn service_lab(port: u16) -> LabSpec {
        crate::lab::spec::parse(
            "lab.yaml",
            &format!(
                "id: a\ntitle: A\nlevel: L4\nlesson: L1-basics/callouts\n\
                 actions:\n  service_port: {port}\n  before_run: [ {{ deploy: force-app }} ]\n\
                 \x20 while_running: [ {{ callout: {{ label: call, named_credential: Mine }} }} ]\n\
                 \x20 after_run: [ {{ assign: {{ label: grant, user: u, permission_set: P }} }} ]\n"
            ),
        )
        .expect("lab")
    }

    fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port")
    }

    fn process(script: &str, port: u16) -> (tempfile::TempDir, ProcessSpec) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("run"), script).expect("write");
        let spec = ProcessSpec {
            dir: dir.path().to_path_buf(),
            env: vec![("SERVICE_PORT".into(), port.to_string())],
            remove_env: Vec::new(),
            timeout: Duration::from_secs(10),
            output_cap: 4096,
            scan_past_cap: None,
            clean_env: false,
        };
        (dir, spec)
    }

    #[tokio::test]
    async fn a_service_is_called_while_it_listens_then_stopped_and_phases_keep_their_order() {
        if std::process::Command::new("python3")
            .arg("-V")
            .output()
            .is_err()
        {
            return; // the service in this test is python's own http.server
        }
        let port = free_port();
        let (_dir, spec) = process(
            "exec python3 -m http.server \"$SERVICE_PORT\" --bind 127.0.0.1\n",
            port,
        );
        let org = Recorder {
            port,
            seen: Default::default(),
            delay: Duration::ZERO,
        };
        let started = std::time::Instant::now();
        let (run, outcomes) = run_once(&spec, 0, &org, &service_lab(port))
            .await
            .expect("run");
        assert!(!run.timed_out, "{run:?}");
        assert!(started.elapsed() < Duration::from_secs(8));
        let phases: Vec<(&str, &str)> = outcomes
            .iter()
            .map(|o| (o.label.as_str(), o.phase.as_str()))
            .collect();
        assert_eq!(
            phases,
            vec![
                ("deploy", "before_run"),
                ("call", "while_running"),
                ("grant", "after_run")
            ]
        );
        let seen = org.seen.lock().clone();
        assert_eq!(seen[1], ("call".to_string(), true), "{seen:?}");
        assert!(
            !seen[2].1,
            "the service must be stopped before the after-run actions: {seen:?}"
        );
    }

    #[tokio::test]
    async fn the_orgs_calls_share_the_runs_time_limit_and_the_run_ends_as_timed_out() {
        if std::process::Command::new("python3")
            .arg("-V")
            .output()
            .is_err()
        {
            return; // the service in this test is python's own http.server
        }
        let port = free_port();
        let (_dir, mut spec) = process(
            "exec python3 -m http.server \"$SERVICE_PORT\" --bind 127.0.0.1\n",
            port,
        );
        spec.timeout = Duration::from_secs(3);
        let lab = crate::lab::spec::parse(
            "lab.yaml",
            &format!(
                "id: a\ntitle: A\nlevel: L4\nlesson: L1-basics/callouts\n\
                 actions:\n  service_port: {port}\n\
                 \x20 while_running: [ {{ callout: {{ label: one, named_credential: Mine }} }}, {{ callout: {{ label: two, named_credential: Mine }} }}, {{ callout: {{ label: three, named_credential: Mine }} }} ]\n"
            ),
        )
        .expect("lab");
        let org = Recorder {
            port,
            seen: Default::default(),
            delay: Duration::from_millis(1500),
        };
        let started = std::time::Instant::now();
        let (run, outcomes) = run_once(&spec, 0, &org, &lab).await.expect("run");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the limit holds"
        );
        assert!(run.timed_out, "{run:?}");
        assert!(!run.stopped_by_lab);
        let last = outcomes.iter().find(|o| o.label == "three").expect("three");
        assert!(
            last.detail
                .contains("not made: the run's time limit (3 s) passed"),
            "{}",
            last.detail
        );
        assert!(
            org.seen.lock().len() < 3,
            "the calls past the limit were not made"
        );
    }

    #[tokio::test]
    async fn a_run_that_never_listens_fails_the_service_actions_with_the_reason() {
        let port = free_port();
        let (_dir, spec) = process("echo no server here\n", port);
        let org = Recorder {
            port,
            seen: Default::default(),
            delay: Duration::ZERO,
        };
        let (_run, outcomes) = run_once(&spec, 0, &org, &service_lab(port))
            .await
            .expect("run");
        let call = outcomes
            .iter()
            .find(|o| o.label == "call")
            .expect("call outcome");
        assert!(!call.ok);
        assert!(
            call.detail.contains("ended before anything listened"),
            "{}",
            call.detail
        );
        assert_eq!(org.seen.lock().len(), 2, "deploy and grant only");
    }

    #[test]
    fn an_org_without_apps_receives_nothing() {
        assert_eq!(give_certificate(&mut Value::Null, "CERT"), 0);
        assert_eq!(give_certificate(&mut org("records: []"), "CERT"), 0);
    }
}
