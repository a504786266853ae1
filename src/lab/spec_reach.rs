//! What a lab's checks, faults and `run.app` can reach: a check or fault tied to a run the lab
//! never starts (`runs: [5]` or `in_run: 3` with `run.times: 1`), a status no answer can have
//! (`status: 700`), a `seed` with no `probability` to draw (the fault fires on every match),
//! a fault's `match: path` that is a URL or holds a query string (no request's path is),
//! and a `run.app` the lab's org does not have. Each reads as a lab and fails only at run time
//! ("Expected a request … in run 5, but none was made"), so each is refused when the lab
//! loads, at its line.
//!
//! Implementation notes: these read the check's and fault's own YAML (a key that does not read
//! is reported by the rule catalogue or the fault reader, not here). The runs a lab has are
//! `run.times`, or with a `run.scenario` the first run and one per `start` step; a scenario
//! that does not plan is reported on its own, and its runs are not counted. The org a lab runs
//! against is built from its `org:` section alone (an empty org without one): the default
//! org's apps, which `sflab org serve` installs, are not in it, so `run.app` must name an app
//! under `org: apps:`.

use super::scenario::{plan, Step};
use super::spec::{LabSpec, SpecProblem};
use crate::yaml_input::key_line;
use serde_yaml::Value;

/// How many times the lab starts `./run`, and how that is said (`run.times: 1`); `None` when a
/// scenario that does not plan leaves it unknown.
fn runs_of(spec: &LabSpec) -> Option<(usize, String)> {
    if spec.run.scenario.is_empty() {
        let times = spec.run.times as usize;
        return Some((times, format!("`run.times: {times}`")));
    }
    let starts = plan(&spec.run.scenario)
        .ok()?
        .iter()
        .filter(|s| matches!(s, Step::Start))
        .count();
    Some((
        1 + starts,
        format!("the first run and {starts} `start` step(s) of `run.scenario`"),
    ))
}

/// "only 1 run (`run.times: 1`)": the runs a lab has, for a message about a run it lacks.
fn has_runs(count: usize, said: &str) -> String {
    format!("only {} ({said})", crate::wording::plural(count, "run"))
}

/// "run 1" / "a run from 1 to 3": what may be named instead.
fn runs_there(count: usize) -> String {
    match count {
        1 => "run 1".into(),
        n => format!("a run from 1 to {n}"),
    }
}

/// The problems of a check the rule catalogue accepted: `runs` (or `ended_in_runs`) naming a
/// run the lab does not start, and a `status` that is no HTTP status. `number` counts from 1.
pub fn check_problems(
    spec: &LabSpec,
    params: &std::collections::BTreeMap<String, Value>,
    number: usize,
    line: Option<usize>,
) -> Vec<SpecProblem> {
    let mut out = Vec::new();
    let at = |message: String| SpecProblem {
        line,
        column: None,
        message: format!("check {number}: {message}"),
    };
    for key in ["runs", "ended_in_runs"] {
        let Some(Value::Sequence(items)) = params.get(key) else {
            continue;
        };
        let named: Vec<u64> = items.iter().filter_map(Value::as_u64).collect();
        if named.is_empty() {
            out.push(at(format!(
                "`{key}` lists no run, so the check judges nothing: leave it out to judge every run"
            )));
        }
        if named.contains(&0) {
            out.push(at(format!(
                "`{key}` counts runs from 1 (the first run): run 0 is no run"
            )));
        }
        if let Some((count, said)) = runs_of(spec) {
            let beyond: Vec<usize> = named
                .iter()
                .map(|&r| r as usize)
                .filter(|&r| r > count)
                .collect();
            if let Some(runs) = crate::wording::runs(&beyond) {
                out.push(at(format!(
                    "`{key}` names {runs}, but the lab has {}, so the check could never be met there: name {}, or start `./run` more times",
                    has_runs(count, &said),
                    runs_there(count)
                )));
            }
        }
    }
    if let Some(status) = params.get("status").and_then(Value::as_u64) {
        if !(100..=599).contains(&status) {
            out.push(at(format!(
                "`status: {status}` is not an HTTP status (100–599), so no answer can have it"
            )));
        }
    }
    out
}

/// The problems of the `number`th fault (counting from 1) that read as a fault: an `in_run`
/// the lab never starts, and a `seed` without a `probability`. `key_line` places a key of the
/// fault (its item's line when it cannot tell).
pub fn fault_problems(
    spec: &LabSpec,
    fault: &Value,
    number: usize,
    key_line: impl Fn(&str) -> Option<usize>,
) -> Vec<SpecProblem> {
    let mut out = Vec::new();
    let at = |key: &str, message: String| SpecProblem {
        line: key_line(key),
        column: None,
        message: format!("fault {number}: {message}"),
    };
    if let (Some(run), Some((count, said))) =
        (fault.get("in_run").and_then(Value::as_u64), runs_of(spec))
    {
        if run as usize > count {
            out.push(at(
                "in_run",
                format!(
                    "`in_run: {run}` names run {run}, but the lab has {}, so the fault never fires: name {}, or start `./run` more times",
                    has_runs(count, &said),
                    runs_there(count)
                ),
            ));
        }
    }
    if let Some(path) = fault
        .get("match")
        .and_then(|m| m.get("path"))
        .and_then(Value::as_str)
    {
        out.extend(path_problem(path).map(|why| at("match", why)));
    }
    if fault.get("seed").is_some() && fault.get("probability").is_none() {
        out.push(at(
            "seed",
            "`seed` draws which matches a `probability` fires on, and this fault has no `probability`, so it fires on every match: add one (`probability: 0.5`) or remove `seed`".into(),
        ));
    }
    out
}

/// Why a `match: path` can match no request, if it cannot: the proxy compares it with the
/// request's path alone — no scheme or host (`https://login.salesforce.com/…`), no query
/// string (`?q=SELECT`), which `match: query` matches.
fn path_problem(path: &str) -> Option<String> {
    if let Some((_, query)) = path.split_once('?') {
        let (name, value) = query.split_once('=').unwrap_or((query, ""));
        let value = value.split('&').next().unwrap_or("");
        let tip = if name.is_empty() {
            "match its parameters with `query:` (`query: { q: SELECT }`)".to_string()
        } else {
            format!("match the parameter with `query: {{ {name}: {value:?} }}`")
        };
        let without = path.split('?').next().unwrap_or(path);
        return Some(format!(
            "`match: path: {path}` holds a query string, but a path is compared without its query, so the fault never fires: write `path: {without}` and {tip}"
        ));
    }
    if let Some((_, rest)) = path.split_once("://") {
        let own = rest.find('/').map_or("/", |i| &rest[i..]);
        return Some(format!(
            "`match: path: {path}` is a URL, but a fault compares the request's path alone, so it never fires: write `path: {own}` (it matches whichever host the learner's code called)"
        ));
    }
    if !path.starts_with('/') {
        return Some(format!(
            "`match: path: {path}` does not start with `/`: write the path as a request has it, `/{path}`"
        ));
    }
    None
}

/// The problem of a `run.app` that names no app of the lab's org, at the `app:` line.
pub fn app_problem(spec: &LabSpec, yaml: &str) -> Option<SpecProblem> {
    let name = spec.run.app.as_deref()?;
    if !spec.backends.contains(&super::Backend::Mock) {
        // On a sandbox the app is the one logged in with, whatever its name here.
        return None;
    }
    let apps = match spec.org.get("apps") {
        None | Some(Value::Null) => Vec::new(),
        // An `apps:` that does not read is the seed's problem, reported as such.
        Some(v) => {
            serde_yaml::from_value::<Vec<crate::org::auth::ExternalClientApp>>(v.clone()).ok()?
        }
    };
    let names: Vec<&str> = apps.iter().map(|a| a.name.as_str()).collect();
    if names.contains(&name) {
        return None;
    }
    let fix = if names.is_empty() {
        "the lab's org has no apps: it is built from the lab's `org:` section alone (without the default org's apps), so add the app under `org: apps:`".to_string()
    } else {
        let tip = match crate::suggest::closest(name, names.iter().copied()).first() {
            Some(near) => format!(" (did you mean {near:?}?)"),
            None => String::new(),
        };
        let listed: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
        format!(
            "the `org:` seed has no app of that name under `apps:`{tip}: name one of {}, or add it there",
            crate::wording::either(listed)
        )
    };
    Some(SpecProblem {
        line: run_key_line(yaml, "app"),
        column: None,
        message: format!("`run.app` names {name:?}, but {fix}"),
    })
}

/// The 1-based line of `key:` inside the top-level `run:` (the `run:` line itself when it is
/// written on one line, `run: { … }`, or does not hold the key as a block).
fn run_key_line(yaml: &str, key: &str) -> Option<usize> {
    let run = key_line(yaml, "run")?;
    let prefix = format!("{key}:");
    let mut child_indent = None;
    for (i, text) in yaml.lines().enumerate().skip(run) {
        let trimmed = text.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = text.len() - trimmed.len();
        if indent == 0 {
            break;
        }
        // Keys of `run:` itself, not of a map inside it (`env: { app: … }`).
        if *child_indent.get_or_insert(indent) == indent && trimmed.starts_with(&prefix) {
            return Some(i + 1);
        }
    }
    Some(run)
}

#[cfg(test)]
#[path = "spec_reach_tests.rs"]
mod tests;
