//! `run.scenario:` — what the runner does to the org and to the learner's process while the
//! learner's code runs: a small declarative list of steps, parsed and checked here (pure), and
//! carried out by `runner::scenario`.
//!
//! ```yaml
//! run:
//!   timeout: 60s
//!   scenario:
//!     - wait_for: { subscribed: /event/OrderShipped__e, within: 15s }
//!     - publish: { event: OrderShipped__e, count: 3, fields: { OrderNumber__c: "SO-{n}" } }
//!     - change: { insert: Account, as: acme, fields: { Name: Acme } }   # raises CDC
//!     - change: { update: acme, fields: { Phone: "555-0100" } }
//!     - change: { delete: acme }
//!     - wait_for: { delivered: 3, channel: /event/OrderShipped__e, within: 10s }
//!     - wait: 1s
//!     - kill                      # SIGKILL to the learner's whole process group
//!     - publish: { event: OrderShipped__e, count: 2, fields: { OrderNumber__c: "SO-{n}" } }
//!     - start                     # `./run` again, same folder: its stored files survive
//!     - redeliver: { channel: /event/OrderShipped__e, event: 2 }   # or `event: last`
//!     - wait_for: { exited: true, within: 20s }
//! ```
//!
//! Semantics: the first `./run` starts with the scenario; each `start` begins the next run
//! (run index 1, 2, …). Steps run one after another; `wait_for` waits until its condition holds
//! or `within` (default 10s) has passed, then goes on either way (the rules judge what
//! happened). A process still running when the list ends is killed. `{n}` in a published
//! field's text is replaced by the event's number among the scenario's events of that type
//! (1, 2, …), so streams carry distinct values. `count` is 1 to 1000.
//!
//! [`plan`] turns the YAML into [`Step`]s and checks them as a whole: `kill` only while a run
//! is going, `start` only after a `kill` or an exit, `update`/`delete` only of a name an
//! earlier `insert` gave with `as:`.

use serde_yaml::Value;
use std::time::Duration;

/// The longest single wait a scenario may ask for.
pub const MAX_WAIT: Duration = Duration::from_secs(300);
/// How long a `wait_for` waits when it does not say.
pub const DEFAULT_WITHIN: Duration = Duration::from_secs(10);

/// One thing the runner does.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Sleep this long.
    Wait(Duration),
    /// Wait until the condition holds, at most `within`.
    WaitFor {
        condition: Condition,
        within: Duration,
    },
    /// Publish `count` platform events as sflab itself (transport `runner`).
    Publish {
        event: String,
        fields: serde_json::Map<String, serde_json::Value>,
        count: u32,
    },
    /// A record change made in the org (raises change events when CDC is on for the object).
    Change(RecordChange),
    /// Kill the running `./run` and everything it started.
    Kill,
    /// Start `./run` again in the same folder.
    Start,
    /// Hand an already published event to subscribers once more.
    Redeliver { channel: String, event: EventPick },
}

/// What a `wait_for` waits for, counted from the start of the current run.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// A new subscription to `channel` (Pub/Sub or CometD).
    Subscribed { channel: String },
    /// At least `count` events delivered to subscribers (of `channel`, or of any channel).
    Delivered { count: u32, channel: Option<String> },
    /// The current run has exited by itself.
    Exited,
}

/// Which event of a channel is redelivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventPick {
    /// The n-th event (1-based) published on the channel during this attempt.
    Nth(u32),
    /// The latest event on the channel.
    Last,
}

/// A DML change; `as` names an inserted record for later steps.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordChange {
    Insert {
        object: String,
        name: Option<String>,
        fields: serde_json::Map<String, serde_json::Value>,
    },
    Update {
        name: String,
        fields: serde_json::Map<String, serde_json::Value>,
    },
    /// One record, or several deleted in one transaction (`delete: [a, b]`): their change
    /// events share a transaction, and an org that merges change events may merge them.
    Delete { names: Vec<String> },
}

/// A problem with one step (1-based `step`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("run.scenario step {step}: {message}")]
pub struct ScenarioProblem {
    pub step: usize,
    pub message: String,
}

fn problem(step: usize, message: impl Into<String>) -> ScenarioProblem {
    ScenarioProblem {
        step,
        message: message.into(),
    }
}

fn duration(v: &Value) -> Option<Duration> {
    match v {
        Value::Number(n) => n
            .as_f64()
            .and_then(|s| super::spec::parse_duration(&s.to_string())),
        Value::String(s) => super::spec::parse_duration(s),
        _ => None,
    }
}

fn bounded_duration(v: &Value, what: &str) -> Result<Duration, String> {
    let d = duration(v)
        .ok_or_else(|| format!("`{what}` is a duration written like `2s`, `500ms` or `1m`"))?;
    if d > MAX_WAIT {
        return Err(format!(
            "`{what}` is longer than the 5m a scenario may wait"
        ));
    }
    Ok(d)
}

fn text(map: &Value, key: &str) -> Option<String> {
    map.get(key).and_then(Value::as_str).map(str::to_string)
}

fn fields_of(map: &Value) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    match map.get("fields") {
        None | Some(Value::Null) => Ok(serde_json::Map::new()),
        Some(v @ Value::Mapping(_)) => match serde_json::to_value(v) {
            Ok(serde_json::Value::Object(m)) => Ok(m),
            _ => Err("`fields` must map field names to plain values".into()),
        },
        Some(_) => Err("`fields` must be a mapping of field names to values".into()),
    }
}

fn only_keys(map: &Value, allowed: &[&str], step: &str) -> Result<(), String> {
    let Some(m) = map.as_mapping() else {
        return Err(format!("`{step}` takes a mapping ({})", allowed.join(", ")));
    };
    for k in m.keys() {
        let k = k.as_str().unwrap_or("?");
        if !allowed.contains(&k) {
            return Err(format!(
                "`{step}` has no setting `{k}`; it takes {}",
                allowed.join(", ")
            ));
        }
    }
    Ok(())
}

const KINDS: &str = "wait, wait_for, publish, change, kill, start, redeliver";

fn parse_step(item: &Value) -> Result<Step, String> {
    if let Some(word) = item.as_str() {
        return match word {
            "kill" => Ok(Step::Kill),
            "start" => Ok(Step::Start),
            other => Err(format!("unknown step `{other}`: use one of {KINDS}")),
        };
    }
    let Some(map) = item.as_mapping().filter(|m| m.len() == 1) else {
        return Err(format!(
            "a step is one of {KINDS}, written `- kill` or `- wait: 2s` (one key per step)"
        ));
    };
    let (key, body) = map.iter().next().ok_or("an empty step")?;
    let key = key.as_str().unwrap_or("?");
    match key {
        "kill" => Ok(Step::Kill),
        "start" => Ok(Step::Start),
        "wait" => bounded_duration(body, "wait").map(Step::Wait),
        "wait_for" => parse_wait_for(body),
        "publish" => {
            only_keys(body, &["event", "fields", "count"], "publish")?;
            let event =
                text(body, "event").ok_or("`publish` needs `event` (e.g. OrderShipped__e)")?;
            let count = match body.get("count") {
                None => 1,
                Some(v) => v
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or("`count` is a whole number from 1 to 1000")?,
            };
            Ok(Step::Publish {
                event,
                fields: fields_of(body)?,
                count,
            })
        }
        "change" => parse_change(body),
        "redeliver" => {
            only_keys(body, &["channel", "event"], "redeliver")?;
            let channel = text(body, "channel")
                .ok_or("`redeliver` needs `channel` (e.g. /event/OrderShipped__e)")?;
            let event = match body.get("event") {
                None => EventPick::Last,
                Some(Value::String(s)) if s == "last" => EventPick::Last,
                Some(v) => v
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .filter(|n| *n >= 1)
                    .map(EventPick::Nth)
                    .ok_or("`event` is `last` or the event's number on the channel (1, 2, …)")?,
            };
            Ok(Step::Redeliver { channel, event })
        }
        other => Err(format!("unknown step `{other}`: use one of {KINDS}")),
    }
}

fn parse_wait_for(body: &Value) -> Result<Step, String> {
    only_keys(
        body,
        &["subscribed", "delivered", "channel", "exited", "within"],
        "wait_for",
    )?;
    let within = match body.get("within") {
        Some(v) => bounded_duration(v, "within")?,
        None => DEFAULT_WITHIN,
    };
    let mut conditions = Vec::new();
    if let Some(c) = text(body, "subscribed") {
        conditions.push(Condition::Subscribed { channel: c });
    }
    if let Some(v) = body.get("delivered") {
        let count = v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n >= 1)
            .ok_or("`delivered` is a number of events, 1 or more")?;
        conditions.push(Condition::Delivered {
            count,
            channel: text(body, "channel"),
        });
    } else if body.get("channel").is_some() {
        return Err("`channel` goes with `delivered`".into());
    }
    if body.get("exited").and_then(Value::as_bool) == Some(true) {
        conditions.push(Condition::Exited);
    }
    match conditions.len() {
        1 => Ok(Step::WaitFor {
            condition: conditions.remove(0),
            within,
        }),
        0 => Err(
            "`wait_for` needs one of `subscribed: <channel>`, `delivered: <n>` or `exited: true`"
                .into(),
        ),
        _ => Err("`wait_for` waits for one thing; split it into several steps".into()),
    }
}

fn parse_change(body: &Value) -> Result<Step, String> {
    only_keys(
        body,
        &["insert", "update", "delete", "as", "fields"],
        "change",
    )?;
    let ops = ["insert", "update", "delete"]
        .iter()
        .filter(|k| body.get(**k).is_some())
        .count();
    if ops != 1 {
        return Err(
            "`change` says exactly one of `insert: <Object>`, `update: <name>` or `delete: <name>`"
                .into(),
        );
    }
    let fields = fields_of(body)?;
    if let Some(object) = text(body, "insert") {
        return Ok(Step::Change(RecordChange::Insert {
            object,
            name: text(body, "as"),
            fields,
        }));
    }
    if body.get("as").is_some() {
        return Err("`as` names a record an `insert` creates".into());
    }
    if let Some(name) = text(body, "update") {
        if fields.is_empty() {
            return Err("an `update` needs `fields` to change".into());
        }
        return Ok(Step::Change(RecordChange::Update { name, fields }));
    }
    let names = match body.get("delete") {
        Some(Value::String(name)) => vec![name.clone()],
        Some(Value::Sequence(items)) if !items.is_empty() => items
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<Vec<String>>>()
            .ok_or("`delete: [a, b]` lists names of records inserted with `as:`")?,
        _ => {
            return Err(
                "`delete` names a record inserted with `as:`, or lists several (`[a, b]`) to delete in one transaction"
                    .into(),
            )
        }
    };
    Ok(Step::Change(RecordChange::Delete { names }))
}

fn not_inserted(step: usize, name: &str) -> ScenarioProblem {
    problem(
        step,
        format!(
            "`{name}` is not a record an earlier `change: {{ insert: …, as: {name} }}` created"
        ),
    )
}

/// Parses the `run.scenario` list and checks it as a whole; every problem is reported.
pub fn plan(items: &[Value]) -> Result<Vec<Step>, Vec<ScenarioProblem>> {
    let mut steps = Vec::new();
    let mut problems = Vec::new();
    let mut running = true;
    let mut names: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let n = i + 1;
        let step = match parse_step(item) {
            Ok(s) => s,
            Err(m) => {
                problems.push(problem(n, m));
                continue;
            }
        };
        match &step {
            Step::Kill if !running => problems.push(problem(
                n,
                "`kill` while no run is going: add a `start` before it",
            )),
            Step::Kill => running = false,
            Step::Start if running => problems.push(problem(
                n,
                "`start` while a run is still going: `kill` it or `wait_for: { exited: true }` first",
            )),
            Step::Start => running = true,
            Step::WaitFor {
                condition: Condition::Exited,
                ..
            } if !running => problems.push(problem(n, "`wait_for: { exited }` while no run is going")),
            // After waiting for an exit, a `start` may follow (the run may still be going when
            // `within` ran out; the runner then kills it before starting the next).
            Step::WaitFor {
                condition: Condition::Exited,
                ..
            } => running = false,
            Step::Change(RecordChange::Insert { name: Some(name), .. }) => {
                if names.contains(name) {
                    problems.push(problem(n, format!("the name `{name}` is already used by an earlier insert")));
                }
                names.push(name.clone());
            }
            Step::Change(RecordChange::Update { name, .. }) if !names.contains(name) => {
                problems.push(not_inserted(n, name))
            }
            Step::Change(RecordChange::Delete { names: deleted }) => {
                for name in deleted.iter().filter(|d| !names.contains(d)) {
                    problems.push(not_inserted(n, name));
                }
            }
            _ => {}
        }
        steps.push(step);
    }
    if problems.is_empty() {
        Ok(steps)
    } else {
        Err(problems)
    }
}

/// `{n}` in text values replaced by `n`; other values unchanged.
pub fn numbered(
    fields: &serde_json::Map<String, serde_json::Value>,
    n: u32,
) -> serde_json::Map<String, serde_json::Value> {
    fields
        .iter()
        .map(|(k, v)| {
            let v = match v {
                serde_json::Value::String(s) => {
                    serde_json::Value::String(s.replace("{n}", &n.to_string()))
                }
                other => other.clone(),
            };
            (k.clone(), v)
        })
        .collect()
}

#[cfg(test)]
#[path = "scenario_tests.rs"]
mod tests;
