//! The full `lab.yaml` schema and its validation.
//!
//! A lab file names what the learner must achieve (`goal`), the org it runs against (`org:`,
//! handed to the mock org's seed loader as YAML), the faults the proxy injects (`faults:`), how
//! the learner's `./run` is started (`run:`), the rules that judge it (`checks:`), tiered hints
//! tied to rules (`hints:`), the starter files and the tools the code needs (`tools:`).
//!
//! Validation never stops at the first problem and places each one on a line of the file, so an
//! author fixes a broken lab in one pass. The curriculum loader calls [`validate`] for every lab.
//!
//! Every lab is judged by the [`SECRET_GATES`] (a secret printed, a secret sent in a URL): a lab
//! that does not declare one of those checks gets it appended, worth 0 points, so a printed
//! token or a client secret in a query string fails the attempt (in `sflab check`, the
//! classroom, grading and tracks alike) without changing the lab's points. See
//! [`gate_leaked_secrets`].
//!
//! Implementation notes: serde_yaml gives positions only for its own parse errors; for the
//! semantic checks (an unknown rule, a hint tied to a rule the lab does not check) the line is
//! found by scanning the text for the list item, see [`item_lines`].

use crate::curriculum::Level;
use crate::lab::actions::LabActions;
pub use crate::yaml_input::item_lines;
use crate::yaml_input::key_line;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// Every rule the catalogue knows.
pub use crate::rules::RULE_NAMES as KNOWN_RULES;

/// Where a lab can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Mock,
    Sandbox,
}

/// Where a lab runs, in words: "the mock org", "the mock org or a sandbox".
pub fn where_it_runs(backends: &[Backend]) -> String {
    let names: Vec<&str> = backends
        .iter()
        .map(|b| match b {
            Backend::Mock => "the mock org",
            Backend::Sandbox => "a sandbox",
        })
        .collect();
    match names.as_slice() {
        [] => "nowhere".into(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// A command-line tool the learner's code (or the reference solution) needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tool {
    Curl,
    Jq,
    Python3,
    Node,
}

impl Tool {
    /// The executable looked up on PATH.
    pub fn program(self) -> &'static str {
        match self {
            Tool::Curl => "curl",
            Tool::Jq => "jq",
            Tool::Python3 => "python3",
            Tool::Node => "node",
        }
    }

    /// How to get it, for the message shown when it is missing.
    pub fn install_hint(self) -> &'static str {
        match self {
            Tool::Curl => "install curl (Debian/Ubuntu: `sudo apt install curl`, macOS: preinstalled, or `brew install curl`)",
            Tool::Jq => "install jq (Debian/Ubuntu: `sudo apt install jq`, macOS: `brew install jq`)",
            Tool::Python3 => "install Python 3 (Debian/Ubuntu: `sudo apt install python3`, macOS: `brew install python`)",
            Tool::Node => "install Node.js 20 or later (https://nodejs.org, or `brew install node`)",
        }
    }
}

/// How the learner's `./run` is started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    /// How many times `./run` is started in a row (2 for idempotency labs).
    #[serde(default = "one")]
    pub times: u32,
    /// Per run; `30s`, `500ms`, `2m` or a number of seconds.
    #[serde(
        default = "default_timeout",
        deserialize_with = "de_duration",
        serialize_with = "ser_duration"
    )]
    pub timeout: Duration,
    /// Extra environment variables for the learner's process.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Whether `SF_ACCESS_TOKEN` is handed over; `false` for labs about getting a token.
    #[serde(default = "yes")]
    pub access_token: bool,
    /// The seed's app (`org: apps:`) whose consumer key and secret the code receives as
    /// `SF_CLIENT_ID` / `SF_CLIENT_SECRET` (no secret for an app whose flows never send one:
    /// JWT and SAML bearer, user-agent).
    #[serde(default)]
    pub app: Option<String>,
    /// Hand over a refresh token (`SF_REFRESH_TOKEN`) and an access token of the same family,
    /// issued to `app` for the integration user.
    #[serde(default)]
    pub refresh_token: bool,
    /// Device-flow labs: the lab plays the person and approves each pending device login
    /// this long after it started (`3s`), as the integration user.
    #[serde(
        default,
        deserialize_with = "de_opt_duration",
        serialize_with = "ser_opt_duration"
    )]
    pub approve_device_after: Option<Duration>,
    /// JWT and SAML bearer labs: the workspace key's certificate is given to every seed app
    /// with a bearer flow and no certificate, and `SF_JWT_KEY_FILE` names the private key.
    #[serde(default)]
    pub jwt_key: bool,
    /// ID-token labs: `SF_REPLAYED_ID_TOKEN` holds an ID token the org signed for `app` in an
    /// earlier login (another nonce), which a careful client refuses.
    #[serde(default)]
    pub replayed_id_token: bool,
    /// What the runner does while the learner's code runs (publish, DML, kill, start,
    /// redeliver, wait): see [`super::scenario`]. Kept as YAML; [`super::scenario::plan`]
    /// reads it. With a scenario, `times` must be 1: `start` steps begin further runs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scenario: Vec<serde_yaml::Value>,
    /// Paths in the lab folder where the program keeps what it remembers between runs
    /// (`state`): removed before each check, because each check starts a fresh org (and mock
    /// services), which an earlier check's memory would not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fresh: Vec<String>,
    /// CSV inputs (`leads.csv: Ref`) whose data rows sflab puts in a new order before each
    /// check, numbering the named column again: see [`crate::runner::lab_inputs`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub shuffle_rows: BTreeMap<String, String>,
    /// Put the lab folder back as it was before the first run between runs of one check.
    #[serde(default)]
    pub restore_between_runs: bool,
}

impl Default for RunSpec {
    fn default() -> RunSpec {
        RunSpec {
            times: 1,
            timeout: default_timeout(),
            env: BTreeMap::new(),
            access_token: true,
            app: None,
            refresh_token: false,
            approve_device_after: None,
            jwt_key: false,
            replayed_id_token: false,
            scenario: Vec::new(),
            fresh: Vec::new(),
            shuffle_rows: BTreeMap::new(),
            restore_between_runs: false,
        }
    }
}

fn one() -> u32 {
    1
}
fn yes() -> bool {
    true
}
fn default_timeout() -> Duration {
    Duration::from_secs(30)
}

/// The longest duration a lab file (a run's `timeout`, a fault's `after`, a breaker's
/// `cooldown`…) or `sflab grade --timeout` may give. Anything longer is a slip of the keys, and
/// one past what a clock can count would stop sflab where the lab loads.
pub const LONGEST_DURATION: Duration = Duration::from_secs(24 * 3600);

/// `secs` seconds as a duration sflab takes: not negative, a number, and at most
/// [`LONGEST_DURATION`].
pub fn duration_of_secs(secs: f64) -> Option<Duration> {
    Duration::try_from_secs_f64(secs)
        .ok()
        .filter(|d| *d <= LONGEST_DURATION)
}

/// Parses `30s`, `500ms`, `2m`, `1h` or a bare number of seconds, up to
/// [`LONGEST_DURATION`].
pub fn parse_duration(text: &str) -> Option<Duration> {
    let t = text.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().ok()?;
    let secs = match unit.trim() {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        _ => return None,
    };
    duration_of_secs(secs)
}

fn de_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let v = serde_yaml::Value::deserialize(d)?;
    let parsed = match &v {
        serde_yaml::Value::Number(n) => n.as_f64().and_then(|s| parse_duration(&s.to_string())),
        serde_yaml::Value::String(s) => parse_duration(s),
        _ => None,
    };
    parsed.ok_or_else(|| {
        serde::de::Error::custom(
            "a duration is written like `30s`, `500ms` or `2m`, and is at most 24h",
        )
    })
}

fn de_opt_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    de_duration(d).map(Some)
}

fn ser_opt_duration<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => ser_duration(d, s),
        None => s.serialize_none(),
    }
}

fn ser_duration<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{}ms", d.as_millis()))
}

/// One rule the lab is judged by, with its parameters and the points it is worth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckSpec {
    pub rule: String,
    #[serde(default = "one")]
    pub points: u32,
    /// Parameters kept from learners: graded feedback never prints their values (the
    /// expected rows of a `state.soql` check, say). They still judge as usual.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hidden: Vec<String>,
    /// The rule's own parameters (`object`, `field`, `max`, …), validated by the rule catalogue.
    #[serde(flatten)]
    pub params: BTreeMap<String, serde_yaml::Value>,
}

impl CheckSpec {
    /// The check parsed by the rule catalogue (rule, parameters and points).
    pub fn rule_spec(&self) -> Result<crate::rules::RuleSpec, crate::rules::RuleSpecError> {
        let mut value = serde_json::to_value(self.rule_yaml()).unwrap_or_default();
        if let serde_json::Value::Object(m) = &mut value {
            m.insert("points".into(), self.points.into());
        }
        crate::rules::RuleSpec::from_value(value)
    }

    /// The check as the rule catalogue reads it: `rule` plus its parameters, without `points`.
    pub fn rule_yaml(&self) -> serde_yaml::Value {
        let mut m = serde_yaml::Mapping::new();
        m.insert("rule".into(), self.rule.clone().into());
        for (k, v) in &self.params {
            m.insert(k.clone().into(), v.clone());
        }
        serde_yaml::Value::Mapping(m)
    }
}

/// One hint tier. Hints for the same rule are revealed in the order written, except that a
/// hint with `when:` words comes first when the rule's failure message says one of them, and
/// is held back when it says none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HintSpec {
    /// The rule this hint helps with; `None` for a general hint shown when no rule fails yet.
    #[serde(default)]
    pub rule: Option<String>,
    pub text: String,
    /// Words of the rule's failure message (any letter case) this hint is about.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<String>,
}

/// A whole lab file, parsed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
// `expecting`: what a lab file is, said where the file is something else (a list, a text).
#[serde(
    deny_unknown_fields,
    expecting = "a lab.yaml: a map of `id`, `title`, `level`, `lesson` and the lab's other keys (`goal`, `org`, `checks`, `hints`, …), each at the start of its line"
)]
pub struct LabSpec {
    pub id: String,
    pub title: String,
    pub level: String,
    pub lesson: String,
    #[serde(default)]
    pub summary: String,
    /// Markdown shown in the lab's brief.
    #[serde(default)]
    pub goal: String,
    #[serde(default = "mock_only")]
    pub backends: Vec<Backend>,
    #[serde(default)]
    pub tools: Vec<Tool>,
    /// The mock org's seed, kept as YAML for the org's own loader.
    #[serde(default)]
    pub org: serde_yaml::Value,
    /// The proxy's fault specifications, kept as YAML for the proxy's own loader.
    #[serde(default)]
    pub faults: Vec<serde_yaml::Value>,
    #[serde(default)]
    pub run: RunSpec,
    #[serde(default)]
    pub checks: Vec<CheckSpec>,
    #[serde(default)]
    pub hints: Vec<HintSpec>,
    /// The starter files the learner is expected to edit, relative to the lab folder.
    #[serde(default)]
    pub files: Vec<String>,
    /// What the org does around the learner's code (deploys, callouts, External Services).
    #[serde(default, skip_serializing_if = "LabActions::is_empty")]
    pub actions: LabActions,
}

fn mock_only() -> Vec<Backend> {
    vec![Backend::Mock]
}

impl LabSpec {
    /// The level as a [`Level`] (validated by [`validate`]; L1 if somehow unknown).
    pub fn level(&self) -> Level {
        Level::parse(&self.level).unwrap_or(Level::L1)
    }

    /// The most points this lab can give.
    pub fn max_points(&self) -> u32 {
        self.checks.iter().map(|c| c.points).sum()
    }

    /// Hints tied to `rule`, in tier order.
    pub fn hints_for<'a>(&'a self, rule: Option<&'a str>) -> impl Iterator<Item = &'a HintSpec> {
        self.hints.iter().filter(move |h| h.rule.as_deref() == rule)
    }
}

/// One problem in a lab file, placed on a line where possible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecProblem {
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl fmt::Display for SpecProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}: {}", self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

/// A lab file that cannot be used, with every problem found.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{file} has {} problem(s): {}", problems.len(), problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; "))]
pub struct SpecError {
    pub file: String,
    pub problems: Vec<SpecProblem>,
}

/// Parses and validates a lab file; `file` names it in the error.
pub fn parse(file: &str, yaml: &str) -> Result<LabSpec, SpecError> {
    let (spec, problems) = parse_and_check(yaml);
    match spec {
        Some(spec) if problems.is_empty() => Ok(spec),
        _ => Err(SpecError {
            file: file.to_string(),
            problems,
        }),
    }
}

/// Every problem in a lab file (empty when it is valid). The curriculum loader checks the
/// `id` and the `lesson` against the curriculum itself.
pub fn validate(yaml: &str) -> Vec<SpecProblem> {
    parse_and_check(yaml).1
}

/// The lab file parsed (when it parses) and every problem found in it, from one reading.
pub fn parse_and_check(yaml: &str) -> (Option<LabSpec>, Vec<SpecProblem>) {
    // Read as plain YAML first: a key given twice anywhere (a check's `max:`, which the typed
    // reading gathers into a map where the last one silently wins) is an error there.
    let value = match serde_yaml::from_str::<serde_yaml::Value>(yaml) {
        Ok(v) => v,
        Err(e) => return (None, vec![yaml_problem(yaml, &e)]),
    };
    let (mut spec, mut problems, checks_read) = match serde_yaml::from_str::<LabSpec>(yaml) {
        Ok(s) => (s, Vec::new(), true),
        // A value of the wrong type: every part is read on its own, so each such problem is
        // found, and what reads is checked as usual. When that finds nothing (the parts read
        // alone but not together), serde's own error stands.
        Err(e) => match super::spec_salvage::salvage(yaml, &value) {
            (_, problems) if problems.is_empty() => return (None, vec![yaml_problem(yaml, &e)]),
            (Some(kept), problems) => {
                // `checks:` as written could not be read at all (`checks: "all of them"`):
                // that is its problem, and no hint is then told its rule goes unchecked.
                let checks_read =
                    value.get("checks").is_none_or(|c| c.is_null()) || kept.get("checks").is_some();
                match serde_yaml::from_value::<LabSpec>(kept) {
                    Ok(s) => (s, problems, checks_read),
                    Err(_) => return (None, problems),
                }
            }
            (None, problems) => return (None, problems),
        },
    };
    gate_leaked_secrets(&mut spec);
    problems.extend(check(&spec, yaml, checks_read));
    (Some(spec), problems)
}

/// A YAML error of the file as one problem at its place.
fn yaml_problem(yaml: &str, e: &serde_yaml::Error) -> SpecProblem {
    let (line, column) =
        crate::yaml_input::error_place(yaml, e).map_or((None, None), |(l, c)| (Some(l), Some(c)));
    SpecProblem {
        line,
        column,
        message: format!(
            "malformed lab file: {}",
            numbered_items(&crate::yaml_input::with_likely_field(
                &crate::yaml_input::error_text(yaml, e)
            ))
        ),
    }
}

/// The parser's `checks[4]: …` said as the rest of the messages say it, `check 5: …` (and
/// likewise for hints and faults), counting from 1.
fn numbered_items(text: &str) -> String {
    for (list, item) in [("checks", "check"), ("hints", "hint"), ("faults", "fault")] {
        let Some(rest) = text.strip_prefix(list).and_then(|r| r.strip_prefix('[')) else {
            continue;
        };
        let Some((index, after)) = rest.split_once(']') else {
            continue;
        };
        if let Ok(i) = index.parse::<usize>() {
            // Deeper in the item (`checks[4].rows: …`): `check 5, rows: …`.
            let after = match after.strip_prefix('.') {
                Some(path) => format!(", {path}"),
                None => after.to_string(),
            };
            return format!("{item} {}{after}", i + 1);
        }
    }
    text.to_string()
}

/// The check every lab is judged by, whether its file declares it or not.
pub const PRINTED_SECRETS: &str = "secrets.not_in_output";

/// A secret in a query string (a client secret, a code verifier, a token): proxies, server
/// logs and browser history keep URLs, so every lab is judged by it too.
pub const SECRETS_IN_URL: &str = "secrets.not_in_url";

/// The checks every lab is judged by, whether its file declares them or not.
pub const SECRET_GATES: &[&str] = &[PRINTED_SECRETS, SECRETS_IN_URL];

/// Appends each of the [`SECRET_GATES`] a lab with checks does not declare, worth 0 points: a
/// program that prints a token or sends a client secret in a URL fails the attempt whatever
/// its points, and the verdict says where the secret went, as the declared check does. A lab
/// with no checks is left as it is (`sflab dev check` refuses it).
fn gate_leaked_secrets(spec: &mut LabSpec) {
    if spec.checks.is_empty() {
        return;
    }
    for gate in SECRET_GATES {
        if spec.checks.iter().any(|c| c.rule == *gate) {
            continue;
        }
        spec.checks.push(CheckSpec {
            rule: gate.to_string(),
            points: 0,
            hidden: Vec::new(),
            params: BTreeMap::new(),
        });
    }
}

fn at(line: Option<usize>, message: String) -> SpecProblem {
    SpecProblem {
        line,
        column: None,
        message,
    }
}

/// The semantic checks that serde cannot express. `checks_read` is false when `checks:` was
/// written but could not be read: the hints' rules are then not held against the (empty)
/// list of checks.
fn check(spec: &LabSpec, yaml: &str, checks_read: bool) -> Vec<SpecProblem> {
    let mut out = Vec::new();
    if Level::parse(&spec.level).is_none() {
        out.push(at(
            key_line(yaml, "level"),
            format!(
                "unknown level {:?}: use one of L0, L1, L2, L3, L4, L5, L6",
                spec.level
            ),
        ));
    }
    if spec.backends.is_empty() {
        out.push(at(
            key_line(yaml, "backends"),
            "`backends` is empty: list `mock`, `sandbox` or both".into(),
        ));
    }
    if !(1..=10).contains(&spec.run.times) {
        out.push(at(
            key_line(yaml, "run"),
            format!("`run.times` is {}: use 1 to 10", spec.run.times),
        ));
    }
    if spec.run.timeout < Duration::from_secs(1) || spec.run.timeout > Duration::from_secs(600) {
        out.push(at(
            key_line(yaml, "run"),
            "`run.timeout` must be between 1s and 10m".into(),
        ));
    }
    for key in spec.run.env.keys() {
        let valid = !key.is_empty()
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !key.starts_with(|c: char| c.is_ascii_digit());
        if !valid {
            out.push(at(
                key_line(yaml, "run"),
                format!("`run.env` names {key:?}, which is not a valid variable name"),
            ));
        } else if provided_by_sflab(key) {
            out.push(at(
                run_env_line(yaml, key),
                format!("`run.env` sets {key}, which sflab itself gives the learner's `./run` (where the org is, who to be, how to reach it through the recording proxy): set by the lab, it would route the run around what sflab records and judges; remove it, or give the lab's own setting a name of its own (`ERP_API_KEY`)"),
            ));
        }
    }
    let inside = |path: &str| {
        let p = std::path::Path::new(path);
        !path.is_empty()
            && p.is_relative()
            && p.components()
                .all(|c| matches!(c, std::path::Component::Normal(_)))
    };
    for path in spec.run.fresh.iter().filter(|p| !inside(p)) {
        out.push(at(
            key_line(yaml, "run"),
            format!("`run.fresh` entry {path:?} must name a file or folder inside the lab folder, such as `state`"),
        ));
    }
    for path in spec.run.shuffle_rows.keys().filter(|p| !inside(p)) {
        out.push(at(
            key_line(yaml, "run"),
            format!("`run.shuffle_rows` names {path:?}, which must be a CSV file inside the lab folder, such as `leads.csv`"),
        ));
    }
    if !spec.run.scenario.is_empty() {
        if spec.run.times != 1 {
            out.push(at(
                key_line(yaml, "run"),
                "`run.times` must be 1 with a `run.scenario`: its `start` steps begin further runs"
                    .into(),
            ));
        }
        let lines = nested_item_lines(yaml, "scenario");
        let line_of = |step: usize| lines.get(step - 1).copied().or(key_line(yaml, "run"));
        match super::scenario::plan(&spec.run.scenario) {
            Err(problems) => {
                for p in problems {
                    out.push(at(line_of(p.step), p.to_string()));
                }
            }
            Ok(steps) => {
                let declared = spec.org.get("events").and_then(|e| e.get("platform"));
                for (i, step) in steps.iter().enumerate() {
                    if let super::scenario::Step::Publish { event, .. } = step {
                        let known = declared.and_then(|d| d.as_mapping()).is_some_and(|m| {
                            m.keys()
                                .any(|k| k.as_str().is_some_and(|k| k.eq_ignore_ascii_case(event)))
                        });
                        if !known {
                            out.push(at(
                                line_of(i + 1),
                                format!("run.scenario step {}: `{event}` is not declared under `org: events: platform:`", i + 1),
                            ));
                        }
                    }
                }
            }
        }
    }
    let check_lines = item_lines(yaml, "checks");
    for (i, c) in spec.checks.iter().enumerate() {
        out.extend(super::spec_salvage::check_problems(
            c,
            i + 1,
            check_lines.get(i).copied().or(key_line(yaml, "checks")),
        ));
        if c.rule_spec().is_ok() {
            let line = check_lines.get(i).copied().or(key_line(yaml, "checks"));
            out.extend(super::spec_reach::check_problems(
                spec,
                &c.params,
                i + 1,
                line,
            ));
        }
        for h in c.hidden.iter().filter(|h| !c.params.contains_key(*h)) {
            out.push(at(
                check_lines.get(i).copied().or(key_line(yaml, "checks")),
                format!(
                    "check {}: `hidden` names {h:?}, which is not one of its parameters",
                    i + 1
                ),
            ));
        }
    }
    if spec.run.replayed_id_token && spec.run.app.is_none() {
        out.push(at(
            key_line(yaml, "run"),
            "`run.replayed_id_token` needs `run.app`: name the seed's app the ID token is for"
                .into(),
        ));
    }
    if spec.run.refresh_token && spec.run.app.is_none() {
        out.push(at(
            key_line(yaml, "run"),
            "`run.refresh_token` needs `run.app`: name the seed's app the tokens are issued to"
                .into(),
        ));
    }
    let fault_lines = item_lines(yaml, "faults");
    for (i, f) in spec.faults.iter().enumerate() {
        let line = fault_lines.get(i).copied().or(key_line(yaml, "faults"));
        out.extend(super::spec_salvage::fault_problems(yaml, f, i + 1, line));
        let key_line = |key: &str| {
            line.and_then(|l| super::spec_salvage::item_key_line(yaml, l, key))
                .or(line)
        };
        out.extend(super::spec_reach::fault_problems(spec, f, i + 1, key_line));
    }
    out.extend(super::spec_reach::app_problem(spec, yaml));
    if !spec.org.is_null() {
        out.extend(seed_problems(&spec.org, yaml));
    }
    let hint_lines = item_lines(yaml, "hints");
    let known = |rule: &str| KNOWN_RULES.contains(&rule);
    // A check whose rule is misspelt is reported as such, with the rule it likely means: a
    // hint tied to that rule is right as it is, and is not told to copy the misspelling.
    let meant_by_misspelt_check = |rule: &str| {
        spec.checks.iter().any(|c| {
            !known(&c.rule)
                && crate::suggest::closest(&c.rule, KNOWN_RULES.iter().copied()).contains(&rule)
        })
    };
    for (i, h) in spec.hints.iter().enumerate() {
        if let Some(rule) = &h.rule {
            let unchecked = checks_read && !spec.checks.iter().any(|c| &c.rule == rule);
            if unchecked && !(known(rule) && meant_by_misspelt_check(rule)) {
                let checked = spec
                    .checks
                    .iter()
                    .map(|c| c.rule.as_str())
                    .filter(|r| known(r));
                let tip = match crate::suggest::closest(rule, checked).first() {
                    Some(close) => format!(" (did you mean {close:?}?)"),
                    None => String::new(),
                };
                out.push(at(
                    hint_lines.get(i).copied().or(key_line(yaml, "hints")),
                    format!("hint {} is tied to rule {rule:?}{tip}, which this lab does not check: tie it to one of the lab's checks", i + 1),
                ));
            }
        }
        if h.text.trim().is_empty() {
            out.push(at(
                hint_lines.get(i).copied(),
                format!("hint {} has no text", i + 1),
            ));
        }
        if !h.when.is_empty() && h.rule.is_none() {
            out.push(at(
                hint_lines.get(i).copied(),
                format!("hint {} has `when` words but no rule: `when` picks among one rule's hints by what its verdict says", i + 1),
            ));
        }
        if h.when.iter().any(|w| w.trim().is_empty()) {
            out.push(at(
                hint_lines.get(i).copied(),
                format!(
                    "hint {} has an empty `when` word, which every verdict would say",
                    i + 1
                ),
            ));
        }
    }
    for problem in spec.actions.problems() {
        out.push(at(key_line(yaml, "actions"), problem));
    }
    let labels = spec.actions.labels();
    for (i, c) in spec.checks.iter().enumerate() {
        let named = c.params.get("action").and_then(|v| v.as_str());
        if let Some(label) =
            named.filter(|l| c.rule == "org.action_ok" && !labels.iter().any(|x| x == l))
        {
            out.push(at(
                check_lines.get(i).copied().or(key_line(yaml, "checks")),
                format!(
                    "check {}: no action under `actions:` is labelled {label:?} (labels: {})",
                    i + 1,
                    labels.join(", ")
                ),
            ));
        }
    }
    for f in &spec.files {
        if f.starts_with('/') || f.split('/').any(|c| c == "..") {
            out.push(at(
                key_line(yaml, "files"),
                format!("file {f:?} must be a path inside the lab folder"),
            ));
        }
    }
    out
}

/// The variables sflab sets for the learner's process itself, or removes from it so traffic
/// goes through the recording proxy (see `runner::env`, `runner::attempt`, `runner::process`):
/// a lab's `run.env` may not set them, nor the CA-bundle ones of `runner::env`. `SF_PASSWORD`
/// is not among them: sflab never gives one, and a password-flow lab hands the learner's code
/// the password it is to stop using.
const SFLAB_VARIABLES: &[&str] = &[
    "SF_INSTANCE_URL",
    "SF_LOGIN_URL",
    "SF_API_VERSION",
    "SF_ACCESS_TOKEN",
    "SF_REFRESH_TOKEN",
    "SF_CLIENT_ID",
    "SF_CLIENT_SECRET",
    "SF_USERNAME",
    "SF_ORG_ID",
    "SF_PUBSUB_ENDPOINT",
    "SF_JWT_KEY_FILE",
    "SF_REPLAYED_ID_TOKEN",
    "SF_TARGET_ORG",
    "SFDX_ACCESS_TOKEN",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "PATH",
    "HOME",
    "TMPDIR",
    "LANG",
];

/// Whether `name` is a variable sflab provides (any letter case for the proxy variables, which
/// clients read in either; every `SFLAB_` variable, such as the run's marker).
fn provided_by_sflab(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let proxy = upper.ends_with("_PROXY");
    SFLAB_VARIABLES
        .iter()
        .chain(&crate::runner::env::CA_BUNDLE_VARIABLES)
        .any(|v| *v == name || (proxy && *v == upper))
        || upper.starts_with("SFLAB_")
}

/// The line of `key:` under `run: env:` when written as a block, else the `run:` line.
fn run_env_line(yaml: &str, key: &str) -> Option<usize> {
    let run = key_line(yaml, "run");
    let prefix = format!("{key}:");
    let env = yaml
        .lines()
        .enumerate()
        .skip(run.unwrap_or(0))
        .take_while(|(_, l)| l.trim().is_empty() || l.starts_with([' ', '\t', '#']))
        .find(|(_, l)| l.trim_start().starts_with("env:"))
        .map(|(i, _)| i + 1);
    let Some(env) = env else { return run };
    yaml.lines()
        .enumerate()
        .skip(env)
        .take_while(|(_, l)| l.trim().is_empty() || l.starts_with([' ', '\t', '#']))
        .find(|(_, l)| l.trim_start().starts_with(&prefix))
        .map(|(i, _)| i + 1)
        .or(Some(env))
}

/// The lines of a block-style top-level `org:` section, without their common indent, and the
/// lab.yaml line the first of them is on; `None` for a flow-style `org: { … }`.
fn org_block(yaml: &str) -> Option<(usize, String)> {
    let start = key_line(yaml, "org")?;
    let lines: Vec<&str> = yaml.lines().collect();
    if !lines[start - 1]["org:".len()..].trim().is_empty() {
        return None;
    }
    let body: Vec<&str> = lines[start..]
        .iter()
        .take_while(|l| l.trim().is_empty() || l.starts_with([' ', '\t']) || l.starts_with('#'))
        .copied()
        .collect();
    let indent = body
        .iter()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|l| l.len() - l.trim_start().len())
        .min()?;
    let text: String = body
        .iter()
        .map(|l| format!("{}\n", l.get(indent..).unwrap_or("")))
        .collect();
    Some((start + 1, text))
}

/// Every problem of the lab's `org:` seed, each at its line of lab.yaml: what the seed's reader
/// refuses (an unknown section, object or field — every record's at once) and, for a seed
/// that reads, what building it would refuse (a `ref:` nothing above gives, a record the org
/// rejects), so the lab is refused where it loads rather than on every run.
fn seed_problems(org: &serde_yaml::Value, yaml: &str) -> Vec<SpecProblem> {
    use crate::org::{seed_check, OrgSeed, SeedError};
    let said = |e: &dyn fmt::Display| format!("the `org:` seed is not valid: {e}");
    let block = org_block(yaml);
    // Read from the lab's own lines when they are a block, so an error's line is theirs.
    let text = match (&block, serde_yaml::to_string(org)) {
        (Some((_, block)), _) => block.clone(),
        (None, Ok(text)) => text,
        (None, Err(e)) => return vec![at(key_line(yaml, "org"), said(&e))],
    };
    let errors = match OrgSeed::from_yaml(&text) {
        Ok(seed) => seed_check::record_problems(&seed),
        Err(SeedError::UnknownKey { key, reason, line }) if key.starts_with("records[") => {
            match serde_yaml::from_str::<OrgSeed>(&text) {
                Ok(raw) => seed_check::record_name_problems(&raw),
                Err(_) => vec![SeedError::UnknownKey { key, reason, line }],
            }
        }
        Err(e) => vec![e],
    };
    errors
        .into_iter()
        .map(|err| {
            let placed = block.as_ref().and_then(|(first, block)| {
                let line = record_line(&err, block).or_else(|| seed_check::line_of(&err, block))?;
                Some(first + line - 1)
            });
            let text = match err {
                SeedError::UnknownKey { key, reason, .. } => SeedError::UnknownKey {
                    key,
                    reason,
                    line: None,
                }
                .to_string(),
                other => other.to_string(),
            };
            // serde's own "at line N column M" counts within the seed: the line says where.
            let text = match text.rfind(" at line ") {
                Some(i) => text[..i].to_string(),
                None => text,
            };
            at(
                placed.or(key_line(yaml, "org")),
                said(&counted_from_1(&text)),
            )
        })
        .collect()
}

/// The line of the seed `block` a record's problem is on: the record's item, or the line of
/// the field it names within it (`records[2] (Contact): Emial`).
fn record_line(err: &crate::org::SeedError, block: &str) -> Option<usize> {
    use crate::org::SeedError;
    let (index, field) = match err {
        SeedError::Record { index, .. }
        | SeedError::RecordShape { index }
        | SeedError::UnknownRef { index, .. } => (*index, None),
        SeedError::UnknownKey { key, .. } => {
            let rest = key.strip_prefix("records[")?;
            let (index, after) = rest.split_once(']')?;
            let field = after.split_once("): ").map(|(_, f)| f.to_string());
            (index.parse().ok()?, field)
        }
        _ => return None,
    };
    let items = item_lines(block, "records");
    let item = *items.get(index)?;
    let Some(field) = field else {
        return Some(item);
    };
    let end = items.get(index + 1).copied().unwrap_or(usize::MAX);
    let key = format!("{field}:");
    let found = block
        .lines()
        .enumerate()
        .skip(item - 1)
        .take_while(|(i, _)| i + 1 < end)
        .find(|(_, l)| {
            l.split(['{', ',', ' ', '-'])
                .any(|word| word.starts_with(&key))
        })
        .map(|(i, _)| i + 1);
    Some(found.unwrap_or(item))
}

/// The seed's `records[2]` and `users[0]` said as the lab's other messages count, from 1:
/// `record 3`, `user 1`.
fn counted_from_1(text: &str) -> String {
    let mut out = text.to_string();
    for (list, item) in [("records", "record"), ("users", "user")] {
        let lead = format!("{list}[");
        while let Some(at) = out.find(&lead) {
            let from = at + lead.len();
            let Some(len) = out[from..].find(']') else {
                break;
            };
            let Ok(i) = out[from..from + len].parse::<usize>() else {
                break;
            };
            out.replace_range(at..from + len + 1, &format!("{item} {}", i + 1));
        }
    }
    out
}

/// The 1-based lines where the block list items under the first (nested) `key:` start.
fn nested_item_lines(yaml: &str, key: &str) -> Vec<usize> {
    let prefix = format!("{key}:");
    let lines: Vec<&str> = yaml.lines().collect();
    let Some(start) = lines
        .iter()
        .position(|l| l.trim_start().starts_with(&prefix))
    else {
        return Vec::new();
    };
    let key_indent = lines[start].len() - lines[start].trim_start().len();
    let mut indent = None;
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate().skip(start + 1) {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let this = line.len() - trimmed.len();
        let item = trimmed.starts_with("- ") || trimmed == "-";
        if this < key_indent || (this == key_indent && !item) {
            break;
        }
        if item && indent.is_none_or(|n| n == this) {
            indent = Some(this);
            out.push(i + 1);
        }
    }
    out
}

#[cfg(test)]
#[path = "spec_tests.rs"]
mod tests;
