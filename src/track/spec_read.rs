//! Reading a track file part by part, so that every structural problem in it is found in one
//! pass, each at its line, as `sflab dev check` finds them in a lab file: serde alone stops at
//! the first (an unknown key, a `pass_threshold: lots`, a lab entry without `due:`). Each
//! top-level key is read on its own, and each entry of `labs:` likewise; a part that does not
//! read is reported and left out, and what reads is validated as usual by [`super::spec`].
//!
//! Only a file that is not YAML at all stops the reading at its first error.

use crate::lab::spec::SpecProblem;
use crate::lab::Backend;
use crate::yaml_input::{item_lines, key_line, plain_types};
use serde::Deserialize;
use serde_yaml::Value;

/// The keys a track file may have.
const KEYS: &str = "`track`, `description`, `backend`, `pass_threshold`, `labs`";
const KEY_NAMES: [&str; 5] = ["track", "description", "backend", "pass_threshold", "labs"];

/// One entry of `labs:`, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAssignment {
    pub lab: String,
    pub due: Value,
}

/// The parts of a track file that read.
#[derive(Debug, Clone)]
pub(super) struct RawTrack {
    /// `None` when the file names no track (said as a problem already).
    pub track: Option<String>,
    pub description: String,
    pub backend: Backend,
    pub pass_threshold: u32,
    /// Each entry that reads, with its line.
    pub labs: Vec<(Option<usize>, RawAssignment)>,
    /// Whether `labs:` lists any entry (read or not) or was reported as not a list: either
    /// way "the track assigns no lab" would say nothing new.
    pub labs_said: bool,
}

pub(super) fn problem(line: Option<usize>, message: String) -> SpecProblem {
    SpecProblem {
        line,
        column: None,
        message,
    }
}

fn read<T: serde::de::DeserializeOwned>(v: &Value) -> Result<T, String> {
    serde_yaml::from_value::<T>(v.clone()).map_err(|e| plain_types(&e.to_string()))
}

/// The parts of `yaml` that read, and a problem for each that does not.
pub(super) fn read_parts(yaml: &str) -> (Option<RawTrack>, Vec<SpecProblem>) {
    let value = match serde_yaml::from_str::<Value>(yaml) {
        Ok(v) => v,
        Err(e) => {
            let text = crate::yaml_input::error_text(yaml, &e);
            let place = crate::yaml_input::error_place(yaml, &e);
            return (
                None,
                vec![SpecProblem {
                    line: place.map(|(line, _)| line),
                    column: place.map(|(_, column)| column),
                    message: format!("malformed track file: {text}"),
                }],
            );
        }
    };
    let Some(file) = value.as_mapping() else {
        let what = if yaml.trim().is_empty() {
            "the file is empty"
        } else {
            "the file is not a set of keys"
        };
        return (
            None,
            vec![problem(
                Some(1),
                format!("malformed track file: {what}; a track file gives `track:` (its name) and `labs:` (each lab with its due date), and may give `backend:`, `pass_threshold:` and `description:`"),
            )],
        );
    };
    let mut problems = Vec::new();
    let mut raw = RawTrack {
        track: None,
        description: String::new(),
        backend: Backend::Mock,
        pass_threshold: 100,
        labs: Vec::new(),
        labs_said: false,
    };
    for (k, v) in file {
        let Some(key) = k.as_str() else {
            problems.push(problem(
                None,
                format!("malformed track file: the key {k:?} is not a name; the keys are {KEYS}"),
            ));
            continue;
        };
        let line = key_line(yaml, key);
        let bad = |e: String| problem(line, format!("malformed track file: `{key}`: {e}"));
        match key {
            "track" => match read::<String>(v) {
                Ok(name) => raw.track = Some(name),
                Err(e) => problems.push(bad(e)),
            },
            "description" => match read::<Option<String>>(v) {
                Ok(text) => raw.description = text.unwrap_or_default(),
                Err(e) => problems.push(bad(e)),
            },
            "backend" => match read::<Backend>(v) {
                Ok(backend) => raw.backend = backend,
                Err(e) => problems.push(bad(e)),
            },
            "pass_threshold" => match read::<u32>(v) {
                Ok(percent) => raw.pass_threshold = percent,
                Err(e) => problems.push(bad(e)),
            },
            "labs" => read_labs(yaml, v, line, &mut raw, &mut problems),
            other => {
                let near = crate::suggest::closest(other, KEY_NAMES);
                // `labz:` meant `labs:`: its entries are there, so "the track assigns no lab"
                // would be a second, false report of the same slip.
                raw.labs_said |= near.contains(&"labs");
                let meant = match near.as_slice() {
                    [] => String::new(),
                    keys => format!(" (did you mean `{}`?)", keys.join("` or `")),
                };
                problems.push(problem(
                    line,
                    format!("malformed track file: unknown field `{other}`{meant}, expected one of {KEYS}"),
                ));
            }
        }
    }
    if raw.track.is_none() && !file.contains_key("track") {
        problems.push(problem(
            Some(1),
            "malformed track file: missing field `track` (the track's name)".into(),
        ));
    }
    (Some(raw), problems)
}

/// The entries of `labs:` that read, each with its line; a problem for each that does not.
fn read_labs(
    yaml: &str,
    labs: &Value,
    line: Option<usize>,
    raw: &mut RawTrack,
    problems: &mut Vec<SpecProblem>,
) {
    let items = match labs {
        Value::Sequence(items) => items,
        Value::Null => return,
        _ => {
            raw.labs_said = true;
            problems.push(problem(
                line,
                "malformed track file: `labs` is a list, one `- { lab: <id>, due: <date> }` per lab"
                    .into(),
            ));
            return;
        }
    };
    raw.labs_said = !items.is_empty();
    let lines = item_lines(yaml, "labs");
    for (i, item) in items.iter().enumerate() {
        let at = lines.get(i).copied().or(line);
        let entry = match item {
            Value::Mapping(_) => read::<RawAssignment>(item),
            _ => Err("write it as `{ lab: <id>, due: <date> }`".into()),
        };
        match entry {
            Ok(a) => raw.labs.push((at, a)),
            Err(e) => problems.push(problem(
                at,
                format!("malformed track file: entry {} of `labs`: {e}", i + 1),
            )),
        }
    }
}
