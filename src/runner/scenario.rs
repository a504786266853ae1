//! Carries out a lab's `run.scenario` (steps parsed and checked by [`crate::lab::scenario`])
//! while the learner's code runs: publishing events, changing records, killing and restarting
//! `./run`, waiting for subscriptions and deliveries, and redelivering events on purpose.
//!
//! Entry point: [`run_scenario`]. The org side goes through [`OrgHandle`] (`publish_event`,
//! `change_record`, `redeliver`, `event_mark`/`events_since`); the process side through
//! [`run_entry_point_until`]. Each run is reported like any other run (`on_start` is told its
//! index first, so the proxy files its traffic under it), and every action the runner took is
//! logged as JSON for the evidence (`Evidence.events.scenario`): `{step, action, at, …}`.
//!
//! The order of work is fixed by the step list; [`Tracker`] is the pure part that keeps the
//! inserted records' names and the per-event-type `{n}` counters.

use super::parts::{EventMark, OrgChange, OrgHandle};
use super::process::{run_entry_point_until, ProcessError, ProcessSpec, Stop};
use crate::evidence::LearnerRun;
use crate::lab::scenario::{numbered, Condition, RecordChange, Step};
use chrono::Utc;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How often a `wait_for` looks at its condition.
const POLL: Duration = Duration::from_millis(100);

/// What a scenario produced: the runs in order and the runner's own actions.
#[derive(Debug, Default)]
pub struct ScenarioOutcome {
    pub runs: Vec<LearnerRun>,
    pub actions: Vec<Value>,
}

/// The pure bookkeeping of a scenario: record names → ids, `{n}` counters per event type.
#[derive(Debug, Default)]
pub struct Tracker {
    names: BTreeMap<String, String>,
    published: BTreeMap<String, u32>,
}

impl Tracker {
    /// The next `{n}` for an event of type `event` (1, 2, … per type).
    pub fn next_number(&mut self, event: &str) -> u32 {
        let n = self
            .published
            .entry(event.to_ascii_lowercase())
            .or_insert(0);
        *n += 1;
        *n
    }

    /// The org change for a scenario change, with names resolved to ids.
    pub fn resolve(&self, change: &RecordChange) -> Result<OrgChange, String> {
        let id = |name: &str| {
            self.names
                .get(name)
                .cloned()
                .ok_or_else(|| format!("the record `{name}` was never created (its insert failed)"))
        };
        Ok(match change {
            RecordChange::Insert { object, fields, .. } => OrgChange::Insert {
                object: object.clone(),
                fields: fields.clone(),
            },
            RecordChange::Update { name, fields } => OrgChange::Update {
                id: id(name)?,
                fields: fields.clone(),
            },
            RecordChange::Delete { names } => OrgChange::Delete {
                ids: names.iter().map(|n| id(n)).collect::<Result<_, _>>()?,
            },
        })
    }

    /// Notes the id an insert gave its named record.
    pub fn created(&mut self, change: &RecordChange, id: &str) {
        if let RecordChange::Insert { name: Some(n), .. } = change {
            self.names.insert(n.clone(), id.to_string());
        }
    }
}

/// The `./run` currently going.
struct Current {
    index: usize,
    mark: EventMark,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<LearnerRun, ProcessError>>,
}

impl Current {
    /// Stops the run (if it is still going) and waits for it; then the org hands the run's
    /// subscribers nothing more, so what is published next is not counted as received by a
    /// program that is gone.
    async fn finish(mut self, org: &dyn OrgHandle) -> Result<LearnerRun, ProcessError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let mark = self.mark;
        let run = self.end().await;
        org.end_subscribers_since(mark);
        run
    }

    async fn end(self) -> Result<LearnerRun, ProcessError> {
        match self.task.await {
            Ok(r) => r,
            Err(e) => Err(ProcessError::Spawn {
                dir: std::path::PathBuf::new(),
                source: std::io::Error::other(format!("the run's task failed: {e}")),
            }),
        }
    }
}

fn start(spec: &ProcessSpec, index: usize, org: &dyn OrgHandle) -> Current {
    let (stop, stopped) = oneshot::channel::<()>();
    let spec = spec.clone();
    let task = tokio::spawn(async move {
        run_entry_point_until(&spec, index, async {
            let _ = stopped.await;
            Stop::Kill
        })
        .await
    });
    Current {
        index,
        mark: org.event_mark(),
        stop: Some(stop),
        task,
    }
}

fn action(step: usize, name: &str, details: Value) -> Value {
    let mut v = json!({ "step": step, "action": name, "at": Utc::now().to_rfc3339() });
    if let (Some(m), Value::Object(d)) = (v.as_object_mut(), details) {
        m.extend(d);
    }
    v
}

/// Runs the scenario: the first `./run` starts at once; `on_start(index)` is called before
/// each run starts. A run still going at the end is killed.
pub async fn run_scenario(
    steps: &[Step],
    spec: &ProcessSpec,
    org: &dyn OrgHandle,
    on_start: &(dyn Fn(usize) + Send + Sync),
) -> Result<ScenarioOutcome, ProcessError> {
    let mut out = ScenarioOutcome::default();
    let mut tracker = Tracker::default();
    // The first wait of the current run that ran out before its condition held. After it,
    // the run's other waits are not waited out: the program seems stuck, and a stuck
    // submission should cost one wait, not every wait of the scenario.
    let mut unmet: Option<Unmet> = None;
    let mut next_index = 0usize;
    on_start(next_index);
    let mut current = Some(start(spec, next_index, org));
    next_index += 1;
    for (i, step) in steps.iter().enumerate() {
        let n = i + 1;
        match step {
            Step::Wait(d) => tokio::time::sleep(*d).await,
            Step::WaitFor { condition, within } => {
                let stuck = unmet.is_some();
                let within = if stuck { Duration::ZERO } else { *within };
                let met = wait_for(condition, within, current.as_ref(), org).await;
                let running = current.as_ref().is_some_and(|c| !c.task.is_finished());
                if !met && running && !stuck {
                    unmet = Some(Unmet {
                        waited: format!("{} for it to {}", wording_of(within), describe(condition)),
                        condition: condition.clone(),
                    });
                }
                let mut details = json!({ "condition": format!("{condition:?}"), "met": met });
                if stuck && !met {
                    details["skipped"] = json!("an earlier wait of this run ran out");
                }
                out.actions.push(action(n, "wait_for", details));
            }
            Step::Publish {
                event,
                fields,
                count,
            } => {
                for _ in 0..*count {
                    let k = tracker.next_number(event);
                    let result = org.publish_event(event, &numbered(fields, k));
                    out.actions.push(action(
                        n,
                        "publish",
                        match result {
                            Ok(id) => json!({ "event": event, "n": k, "replay_id": id }),
                            Err(e) => json!({ "event": event, "n": k, "error": e }),
                        },
                    ));
                }
            }
            Step::Change(change) => {
                let result = tracker
                    .resolve(change)
                    .and_then(|c| org.change_record(&c).map(|id| (c, id)));
                let details = match result {
                    Ok((c, id)) => {
                        tracker.created(change, &id);
                        json!({ "change": format!("{c:?}"), "id": id })
                    }
                    Err(e) => json!({ "change": format!("{change:?}"), "error": e }),
                };
                out.actions.push(action(n, "change", details));
            }
            Step::Kill => {
                if let Some(c) = current.take() {
                    let index = c.index;
                    let why = unmet.take().map(|u| u.explained(org, c.mark));
                    out.runs
                        .push(stopped_by_scenario(c.finish(org).await?, why));
                    out.actions.push(action(n, "kill", json!({ "run": index })));
                }
            }
            Step::Start => {
                if let Some(c) = current.take() {
                    let why = unmet.take().map(|u| u.explained(org, c.mark));
                    out.runs
                        .push(stopped_by_scenario(c.finish(org).await?, why));
                }
                unmet = None;
                on_start(next_index);
                current = Some(start(spec, next_index, org));
                out.actions
                    .push(action(n, "start", json!({ "run": next_index })));
                next_index += 1;
            }
            Step::Redeliver { channel, event } => {
                let details = match org.redeliver(channel, *event) {
                    Ok(id) => json!({ "channel": channel, "replay_id": id }),
                    Err(e) => json!({ "channel": channel, "error": e }),
                };
                out.actions.push(action(n, "redeliver", details));
            }
        }
    }
    if let Some(c) = current.take() {
        let exited = c.task.is_finished();
        let index = c.index;
        let why = unmet.take().map(|u| u.explained(org, c.mark));
        out.runs
            .push(stopped_by_scenario(c.finish(org).await?, why));
        if !exited {
            out.actions.push(action(
                steps.len() + 1,
                "kill",
                json!({ "run": index, "reason": "the scenario ended" }),
            ));
        }
    }
    Ok(out)
}

/// The first wait of a run that ran out: how long, for what.
struct Unmet {
    waited: String,
    condition: Condition,
}

/// Why a run's wait ran out, as far as the org can tell.
enum Unanswered {
    /// Nothing the wait looked for happened: the program seemed stuck.
    Stuck { waited: String },
    /// The program subscribed, but to other channels than the one waited for.
    Elsewhere {
        waited: String,
        channels: Vec<String>,
        deliveries: usize,
    },
}

impl Unmet {
    /// What the run did instead, read from the org before the run's subscribers are ended.
    fn explained(self, org: &dyn OrgHandle, mark: super::parts::EventMark) -> Unanswered {
        let channels = match &self.condition {
            Condition::Subscribed { .. } => org.channels_since(mark),
            _ => Vec::new(),
        };
        if channels.is_empty() {
            return Unanswered::Stuck {
                waited: self.waited,
            };
        }
        let deliveries = channels
            .iter()
            .map(|c| org.events_since(mark, Some(c)).deliveries)
            .sum();
        Unanswered::Elsewhere {
            waited: self.waited,
            channels,
            deliveries,
        }
    }
}

/// A run the scenario ended: when it was killed (not exited by itself, not timed out), either
/// as planned — the same kill every submission gets, so no crash — or after a wait that ran out
/// (`why`): the program seemed stuck, or it subscribed to another channel than the one waited
/// for (named, with what it received there: it was working, so that is no crash either). Each
/// says so in a run note.
fn stopped_by_scenario(mut run: LearnerRun, why: Option<Unanswered>) -> LearnerRun {
    if run.exit_code.is_some() || run.timed_out {
        return run;
    }
    match why {
        None => {
            run.stopped_by_lab = true;
            run.notes.push(
                "The lab's scenario stopped this run on purpose, as it does for every submission; that is not a crash."
                    .into(),
            );
        }
        Some(Unanswered::Stuck { waited }) => run.notes.push(format!(
            "The lab's scenario waited {waited}, which did not happen, and then stopped the run: the program seemed stuck."
        )),
        Some(Unanswered::Elsewhere {
            waited,
            channels,
            deliveries,
        }) => {
            run.stopped_by_lab = true;
            let received = match deliveries {
                0 => "and received no event there".to_string(),
                n => format!("and received {} there", crate::wording::plural(n, "event")),
            };
            run.notes.push(format!(
                "The lab's scenario waited {waited}; the program subscribed to {} instead, {received}. The scenario then went on without waiting for it and stopped the run at its planned end: the program was not stuck, it listened on another channel.",
                channels.join(" and ")
            ));
        }
    }
    run
}

fn describe(condition: &Condition) -> String {
    match condition {
        Condition::Subscribed { channel } => format!("subscribe to {channel}"),
        Condition::Delivered { count, channel } => format!(
            "receive {count} event(s){}",
            channel
                .as_ref()
                .map(|c| format!(" on {c}"))
                .unwrap_or_default()
        ),
        Condition::Exited => "exit by itself".into(),
    }
}

fn wording_of(d: Duration) -> String {
    if d.as_millis().is_multiple_of(1000) {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// Waits until `condition` holds for the current run, at most `within`; whether it held.
/// A run that has ended subscribes to nothing and receives nothing more, so the wait ends
/// with it (a learner whose program stopped early is not kept waiting).
async fn wait_for(
    condition: &Condition,
    within: Duration,
    current: Option<&Current>,
    org: &dyn OrgHandle,
) -> bool {
    let deadline = Instant::now() + within;
    loop {
        // Read before the condition: what an ended run did is all recorded by then.
        let ended = current.is_none_or(|c| c.task.is_finished());
        let met = match (condition, current) {
            (_, None) => false,
            (Condition::Exited, Some(c)) => c.task.is_finished(),
            (Condition::Subscribed { channel }, Some(c)) => {
                org.events_since(c.mark, Some(channel)).subscriptions > 0
            }
            (Condition::Delivered { count, channel }, Some(c)) => {
                let got = org.events_since(c.mark, channel.as_deref()).deliveries;
                got >= usize::try_from(*count).unwrap_or(usize::MAX)
            }
        };
        if met || ended || Instant::now() >= deadline {
            return met;
        }
        tokio::time::sleep(POLL).await;
    }
}

#[cfg(test)]
#[path = "scenario_tests.rs"]
mod tests;
