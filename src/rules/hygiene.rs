//! `secrets.*` and `process.*` rules: no secret in the learner's files, output or request URLs,
//! files that keep secrets readable by their owner alone, and the learner's program exited
//! cleanly.
//!
//! The evidence holds no secret values: the redactor replaced each one it knew or recognised
//! (client secret, tokens, passwords, private keys) with a marker. So "a secret is in the
//! sources" means "a marker of a secret kind is in the stored sources".

use super::cx::{plural, Cx};
use super::Verdict;
use crate::redact::{find_markers, is_leak_kind};
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

/// `process.exit_ok`: every run — or only the runs listed in `runs` (1 = the first) —
/// exited with status 0. A lab lists runs when one run is meant to end in an error, e.g. the
/// run whose sign-in answer sflab forges.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExitOk {
    #[serde(default)]
    pub runs: Option<Vec<usize>>,
}

impl ExitOk {
    /// An author's mistake caught when the lab loads.
    pub fn problem(&self) -> Option<&'static str> {
        match &self.runs {
            Some(r) if r.is_empty() => {
                Some("`runs:` lists no run; leave it out to judge every run")
            }
            Some(r) if r.contains(&0) => Some("`runs:` counts from 1 (the first run)"),
            _ => None,
        }
    }

    fn judges(&self, run_index: usize) -> bool {
        self.runs
            .as_ref()
            .is_none_or(|r| r.contains(&(run_index + 1)))
    }
}

/// `process.exit_refused`: the `runs` (1 = the first) that must end in an error. With
/// `say_why: false` a non-zero status is enough, for programs whose report of the problem
/// belongs on standard output (a test script's FAIL lines).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExitRefused {
    pub runs: Vec<usize>,
    #[serde(default = "yes")]
    pub say_why: bool,
}

fn yes() -> bool {
    true
}

impl ExitRefused {
    /// An author's mistake caught when the lab loads.
    pub fn problem(&self) -> Option<&'static str> {
        if self.runs.is_empty() {
            return Some("list the `runs:` that must end in an error, e.g. `runs: [3]`");
        }
        self.runs
            .contains(&0)
            .then_some("`runs:` counts from 1 (the first run)")
    }
}

/// How the runner's note on a run that stopped for a missing tool begins
/// (`runner::tools::lacked_tools_note`).
const LACKED_TOOL: &str = "It stopped for a missing tool:";

/// `(line number, kind)` of each leaked secret in `text`.
fn leaks(text: &str) -> Vec<(usize, String)> {
    find_markers(text)
        .into_iter()
        .filter(|m| is_leak_kind(&m.kind))
        .map(|m| (text[..m.offset].matches('\n').count() + 1, m.kind))
        .collect()
}

fn readable(kind: &str) -> String {
    kind.replace('_', " ")
}

/// Where leaks were found, one entry per kind of secret and place, each with the lines it is
/// on: `access token (run 1, stdout line 4)` for one line, `access token on 500 lines of run 1
/// stdout (first: line 4)` for many. At most [`PLACES_SHOWN`] entries, then how many more.
#[derive(Default)]
struct LeakList {
    /// (kind, place, lines) in the order found.
    places: Vec<(String, String, Vec<usize>)>,
}

const PLACES_SHOWN: usize = 8;

impl LeakList {
    fn add(&mut self, kind: String, place: String, line: usize) {
        match self
            .places
            .iter_mut()
            .find(|(k, p, _)| *k == kind && *p == place)
        {
            // Two secrets on one line are one line: `{"sf": …, "erp": …}` is not "2 lines".
            Some((_, _, lines)) if lines.contains(&line) => {}
            Some((_, _, lines)) => lines.push(line),
            None => self.places.push((kind, place, vec![line])),
        }
    }

    /// A secret of `kind` somewhere in the file `place`, on lines not known.
    fn add_file(&mut self, kind: String, place: String) {
        if !self
            .places
            .iter()
            .any(|(k, p, _)| *k == kind && *p == place)
        {
            self.places.push((kind, place, Vec::new()));
        }
    }

    fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// What may be shown of the secrets found, worded by their kinds: a token's last four
    /// characters identify it in a log; a password or a client secret is never shown, not
    /// even in part, as its last characters narrow the guessing.
    fn advice(&self) -> &'static str {
        let token = |k: &str| (k == "token" || k.ends_with("_token")) && k != "sf_security_token";
        let tokens = self.places.iter().any(|(k, _, _)| token(k.as_str()));
        let others = self.places.iter().any(|(k, _, _)| !token(k.as_str()));
        match (tokens, others) {
            (true, false) => "print a token's last four characters at most",
            (false, _) => "never print a password or secret, not even a part of it",
            (true, true) => "never print a password or secret, not even a part of it, and print a token's last four characters at most",
        }
    }

    /// `one` words an entry found on a single line.
    fn render(&self, one: impl Fn(&str, &str, usize) -> String) -> String {
        let mut shown: Vec<String> = self
            .places
            .iter()
            .take(PLACES_SHOWN)
            .map(|(kind, place, lines)| match lines.as_slice() {
                [line] => one(&readable(kind), place, *line),
                [first, ..] => format!(
                    "{} on {} lines of {place} (first: line {first})",
                    readable(kind),
                    lines.len()
                ),
                [] => format!("{} ({place})", readable(kind)),
            })
            .collect();
        if self.places.len() > PLACES_SHOWN {
            let more = self.places.len() - PLACES_SHOWN;
            shown.push(format!(
                "and {more} more {}",
                if more == 1 { "place" } else { "places" }
            ));
        }
        shown.join(", ")
    }
}

pub(crate) fn secrets_not_in_sources(cx: &Cx) -> Verdict {
    if cx.ev.sources.is_empty() {
        // Nothing handed in earns nothing: an empty folder keeps no secret by keeping nothing.
        return cx.fail(
            "There were no files to judge: this check reads the files your lab folder holds.",
        );
    }
    let mut found = LeakList::default();
    for f in &cx.ev.sources {
        for (line, kind) in leaks(&f.text) {
            found.add(kind, f.path.clone(), line);
        }
    }
    // The files that are no source but hold a secret: hidden ones (`.env`, `.cache/tok.json`)
    // and ones that are not text. `sflab report` copies hidden files to the lead as it does
    // visible ones, and version control keeps them alike, so a secret there is written into
    // the lab folder just the same. Their lines are not kept, only the kinds they hold.
    let elsewhere: Vec<_> = cx
        .ev
        .secret_files
        .iter()
        .filter(|f| !cx.ev.sources.iter().any(|s| s.path == f.path))
        .collect();
    for f in &elsewhere {
        for kind in &f.kinds {
            found.add_file(kind.clone(), f.path.clone());
        }
    }
    if found.is_empty() {
        return cx.pass(format!(
            "No secret was written into your {}.",
            plural(cx.ev.sources.len(), "file")
        ));
    }
    let hidden_note = if elsewhere.is_empty() {
        ""
    } else {
        " A hidden file counts too, whether you or your program wrote it, and so does a file \
         your program wrote among installed packages or caches (`node_modules/`, a virtualenv, \
         `__pycache__/`, `.git/`): keep a secret in memory, never in a `.env` or cache file \
         in the lab folder."
    };
    // Which variable held each leaked secret: a marker the runner handed over names its
    // variable; a token the program fetched itself was in no variable at all.
    let leaked: Vec<(String, Option<String>)> = cx
        .ev
        .sources
        .iter()
        .flat_map(|f| find_markers(&f.text))
        .filter(|m| is_leak_kind(&m.kind))
        .map(|m| {
            let marker = format!("‹redacted:{}#{}›", m.kind, m.hash);
            (m.kind, Some(marker))
        })
        .chain(
            elsewhere
                .iter()
                .flat_map(|f| f.kinds.iter().map(|k| (k.clone(), None))),
        )
        .collect();
    cx.fail(format!(
        "Your files contain secrets: {}. {}{hidden_note}",
        found.render(|kind, path, line| format!("{kind} ({path}:{line})")),
        advice(cx, &leaked)
    ))
}

/// The variable the runner hands a secret of `kind` it gave out in (see `Evidence::handed`).
fn handed_variable(kind: &str) -> Option<&'static str> {
    match kind {
        "client_secret" => Some("SF_CLIENT_SECRET"),
        "access_token" => Some("SF_ACCESS_TOKEN"),
        "refresh_token" => Some("SF_REFRESH_TOKEN"),
        _ => None,
    }
}

/// What to do instead, for leaked secrets given as (kind, marker when known): read a handed
/// secret from the variable that held it (`$SF_CLIENT_SECRET`, or the lab's own such as
/// `$ERP_CLIENT_SECRET`), and keep a token the program fetched itself in memory.
fn advice(cx: &Cx, leaked: &[(String, Option<String>)]) -> String {
    let mut variables: Vec<String> = Vec::new();
    let mut fetched_tokens = false;
    let mut unknown = false;
    let mut name = |v: String| {
        if !variables.contains(&v) {
            variables.push(v);
        }
    };
    for (kind, marker) in leaked {
        // A part of a secret (`part_of_client_secret`) came from the variable the whole did;
        // its marker is keyed by the whole secret.
        let kind = kind.strip_prefix("part_of_").unwrap_or(kind);
        let marker = marker
            .as_ref()
            .map(|m| m.replacen("redacted:part_of_", "redacted:", 1));
        let handed = cx.ev.handed.iter().find(|h| match &marker {
            Some(m) => h.marker == *m,
            None => h.kind == kind,
        });
        if let Some(var) = handed.and_then(|h| handed_variable(&h.kind)) {
            name(format!("${var}"));
        } else if kind == "lab_secret" {
            lab_secret_variables(cx).into_iter().for_each(&mut name);
        } else if matches!(kind, "access_token" | "refresh_token") {
            fetched_tokens = true;
        } else {
            unknown = true;
        }
    }
    if unknown {
        lab_secret_variables(cx).into_iter().for_each(&mut name);
    }
    let mut out = Vec::new();
    if !variables.is_empty() || unknown {
        let from = if variables.is_empty() {
            "the brief names them".to_string()
        } else {
            variables.join(", ")
        };
        out.push(format!(
            "Read them from the environment variables the lab sets ({from}) instead of writing them into code."
        ));
    }
    if fetched_tokens {
        out.push(
            "Keep the tokens your program fetches at run time in memory, for the run that \
             asked for them: write them into no file."
                .to_string(),
        );
    }
    out.join(" ")
}

/// The variables of the lab's `run.env` named like secrets (`$INVENTORY_API_KEY`), as the
/// brief gives them.
fn lab_secret_variables(cx: &Cx) -> Vec<String> {
    cx.ev
        .lab_env
        .iter()
        .filter(|n| crate::redact::names_a_secret(n))
        .map(|n| format!("${n}"))
        .collect()
}

/// Every file left in the lab folder holding a secret (hidden ones included), and every one the
/// runs wrote elsewhere in the workspace (`../token-cache.json`) or in the places outside it
/// the runner looked in (`/tmp/cc-token.json`, `~/.config/<app>/token.json`: see
/// `Evidence::looked_elsewhere`), is readable and writable by its owner alone: no permission
/// bit for group or others (`chmod 600`, `umask 077`). A pass says exactly where was looked.
pub(crate) fn secrets_files_private(cx: &Cx) -> Verdict {
    let files: Vec<_> = cx
        .ev
        .secret_files
        .iter()
        .chain(&cx.ev.written_outside)
        .collect();
    let open: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let mode = f.mode?;
            (mode & 0o077 != 0 && f.closed_by.is_none()).then(|| {
                let kinds: Vec<String> = f.kinds.iter().map(|k| readable(k)).collect();
                let outside = if f.path.starts_with("../") {
                    ", outside the lab folder"
                } else if f.path.starts_with('/') || f.path.starts_with("~/") {
                    ", outside the workspace"
                } else {
                    ""
                };
                format!(
                    "{} (mode {mode:04o}, holds {}{outside})",
                    f.path,
                    kinds.join(", ")
                )
            })
        })
        .collect();
    if files.is_empty() {
        let inside = "No file in the lab folder, nor one the runs wrote elsewhere in the workspace, holds a secret after the runs";
        if cx.ev.looked_elsewhere.is_empty() {
            return cx.pass(format!("{inside}."));
        }
        return cx.pass(format!(
            "{inside}, nor one they wrote or changed in {} (installed packages, the stores of package managers and version control left out).",
            places_looked(&cx.ev.looked_elsewhere)
        ));
    }
    if open.is_empty() {
        let checked = files.iter().filter(|f| f.mode.is_some()).count();
        if checked == 0 {
            return cx.pass("This system keeps no permission bits to check.");
        }
        // Open by their own mode, shut by a folder on the way: said, so the pass is not a
        // surprise to someone reading `ls -l`.
        let behind: Vec<String> = files
            .iter()
            .filter_map(|f| {
                let by = f.closed_by.as_deref()?;
                Some(format!(
                    "{} is mode {:04o}, but its folder {by} lets no one else in",
                    f.path, f.mode?
                ))
            })
            .collect();
        let behind = if behind.is_empty() {
            String::new()
        } else {
            format!(" ({})", behind.join("; "))
        };
        return cx.pass(format!(
            "{} holding secrets {} readable by you alone{behind}.",
            plural(checked, "file"),
            if checked == 1 { "is" } else { "are" }
        ));
    }
    cx.fail(format!(
        "Others on this machine can read: {}. Create token files with `umask 077` (or `chmod 600` them before writing the secret in) so only you can read them.",
        open.join("; ")
    ))
}

/// The places looked in outside the workspace, those looked into as deep grouped:
/// `/tmp, /var/tmp and /dev/shm (3 folders down) or ~ (4 folders down)`.
fn places_looked(places: &[crate::evidence::PlaceLooked]) -> String {
    let mut groups: Vec<(Vec<&str>, String)> = Vec::new();
    for p in places {
        let mut how = format!(
            "{} {} down",
            p.depth,
            if p.depth == 1 { "folder" } else { "folders" }
        );
        if p.cut_short {
            how.push_str(", only partly: it holds more than sflab looks through");
        }
        match groups.last_mut() {
            Some((names, last)) if *last == how && !p.cut_short => names.push(p.place.as_str()),
            _ => groups.push((vec![p.place.as_str()], how)),
        }
    }
    let and = |items: &[String], word: &str| match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {word} {last}", rest.join(", ")),
    };
    let shown: Vec<String> = groups
        .iter()
        .map(|(names, how)| {
            let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            format!("{} ({how})", and(&names, "and"))
        })
        .collect();
    and(&shown, "or")
}

pub(crate) fn secrets_not_in_output(cx: &Cx) -> Verdict {
    let mut found = LeakList::default();
    for run in &cx.ev.runs {
        for (stream, out) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
            for (line, kind) in leaks(&out.text) {
                found.add(kind, format!("run {} {stream}", run.index + 1), line);
            }
            // Printed after the part sflab keeps, and seen as it streamed past.
            for (kind, line) in &out.secrets_after_cap {
                found.add(
                    kind.clone(),
                    format!("run {} {stream}", run.index + 1),
                    *line,
                );
            }
        }
    }
    if found.is_empty() {
        return cx.pass("No secret was printed.");
    }
    cx.fail(format!(
        "Your program printed secrets: {}. Logs are read by many people; {}.",
        found.render(|kind, place, line| {
            let (run, stream) = place.rsplit_once(' ').unwrap_or((place, ""));
            format!("{kind} ({run}, {stream} line {line})")
        }),
        found.advice()
    ))
}

/// `text` with its first letter in lower case, to continue a sentence.
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_lowercase().chain(chars).collect())
}

pub(crate) fn exit_ok(p: &ExitOk, cx: &Cx) -> Verdict {
    if cx.ev.runs.is_empty() {
        return cx.fail("Your program did not run.");
    }
    let judged: Vec<_> = cx.ev.runs.iter().filter(|r| p.judges(r.index)).collect();
    if judged.is_empty() {
        return cx.fail(format!(
            "Your program ran {} but the runs this check judges ({}) did not happen.",
            plural(cx.ev.runs.len(), "time"),
            run_list(p.runs.as_deref().unwrap_or_default())
        ));
    }
    for run in &judged {
        let n = run.index + 1;
        let why = if run.timed_out {
            Some(format!("run {n} was stopped because it took too long"))
        } else if let Some(sig) = run.signal {
            // The scenario says why it stopped the run (a wait that ran out: the program
            // seemed stuck), which tells more than the signal.
            let scenario = run
                .notes
                .iter()
                .find(|note| note.starts_with("The lab's scenario"))
                .map(|note| format!(": {}", lower_first(note.trim_end_matches('.'))))
                .unwrap_or_default();
            Some(format!("run {n} was killed by signal {sig}{scenario}"))
        } else {
            // A tool the lab lists was missing and the run stopped for it, or `./run` was
            // saved with Windows line endings (`bash\r: No such file or directory`): sflab's
            // note says which and what to do, which tells more than the status.
            let lacked = run
                .notes
                .iter()
                .find(|note| {
                    note.starts_with(LACKED_TOOL)
                        || note.as_str() == crate::runner::process::WINDOWS_LINE_ENDINGS_NOTE
                })
                .map(|note| format!(": {}", lower_first(note.trim_end_matches('.'))))
                .unwrap_or_default();
            match run.exit_code {
                Some(0) => None,
                Some(code) => Some(format!("run {n} exited with status {code}{lacked}")),
                None => Some(format!("run {n} did not start")),
            }
        };
        if let Some(why) = why {
            // Led by the line naming the error when a stack trace pushed it out of the tail.
            let err = crate::runner::error_line::with_lead(
                &run.stderr.text,
                crate::wording::last_lines(&run.stderr.text, 5, 300),
            );
            let which = if run.stderr.truncated {
                "The last lines sflab kept of its stderr"
            } else {
                "Last lines of its stderr"
            };
            let shown = if err.is_empty() {
                String::new()
            } else {
                format!(" {which}:\n{err}")
            };
            return cx.fail(format!("{why}.{shown}"));
        }
    }
    if judged.len() == cx.ev.runs.len() {
        return cx.pass(format!(
            "Your program exited with status 0 ({}).",
            plural(cx.ev.runs.len(), "run")
        ));
    }
    let numbers: Vec<usize> = judged.iter().map(|r| r.index + 1).collect();
    cx.pass(format!(
        "Your program exited with status 0 in {} (the others are judged by other checks).",
        run_list(&numbers)
    ))
}

/// `process.exit_refused`: the runs listed in `runs` (a run meant to meet an error, such as a
/// forged sign-in answer) ended by themselves with a non-zero status and (unless `say_why` is
/// off) said why on standard error. A program that notices the trap but reports success
/// fails, as does one that says nothing, or one that hangs until it is stopped.
pub(crate) fn exit_refused(p: &ExitRefused, cx: &Cx) -> Verdict {
    let judged: Vec<_> = cx
        .ev
        .runs
        .iter()
        .filter(|r| p.runs.contains(&(r.index + 1)))
        .collect();
    if judged.is_empty() {
        return cx.fail(format!(
            "Your program ran {} but the runs this check judges ({}) did not happen.",
            plural(cx.ev.runs.len(), "time"),
            run_list(&p.runs)
        ));
    }
    for run in &judged {
        let n = run.index + 1;
        let why = if run.timed_out {
            Some(format!(
                "run {n} did not stop by itself: it was stopped because it took too long"
            ))
        } else if let Some(sig) = run.signal {
            Some(format!(
                "run {n} was killed by signal {sig} instead of exiting with a status of its own"
            ))
        } else {
            match run.exit_code {
                Some(0) => Some(format!("run {n} exited with status 0, which tells whoever started it that all went well")),
                Some(_) if p.say_why && run.stderr.text.trim().is_empty() => {
                    Some(format!("run {n} exited with a non-zero status but wrote nothing on stderr to say why"))
                }
                Some(_) if p.say_why => said_why::silent_after(run, &cx.ev.exchanges).map(|failed| {
                    format!(
                        "run {n} exited with a non-zero status but wrote on stderr only before {} {}, the last request that failed, and nothing after it to say why it stopped",
                        super::cx::show(failed),
                        failed.response.as_ref().map_or_else(|| "(no answer)".to_string(), |r| format!("({})", r.status))
                    )
                }),
                Some(_) => None,
                None => Some(format!("run {n} did not start")),
            }
        };
        if let Some(why) = why {
            let advice = if p.say_why {
                "When something is wrong, say what on stderr and exit with a non-zero status."
            } else {
                "When something is wrong, exit with a non-zero status, so whoever started the program can tell."
            };
            return cx.fail(format!("{why}. {advice}"));
        }
    }
    let numbers: Vec<usize> = judged.iter().map(|r| r.index + 1).collect();
    let said = if p.say_why {
        " and said why on stderr"
    } else {
        ""
    };
    cx.pass(format!(
        "Your program stopped with a non-zero status{said} in {}.",
        run_list(&numbers)
    ))
}

/// "run 3", "runs 1 and 2", "runs 1, 2 and 4".
fn run_list(numbers: &[usize]) -> String {
    crate::wording::runs(numbers).unwrap_or_else(|| "no run".into())
}

/// `secrets.not_in_url`: no request carried a secret in its query string, where proxies,
/// server logs and browser history keep it. (The recorded query is redacted, so a secret there
/// shows as a marker of a secret kind.)
pub(crate) fn secrets_not_in_url(cx: &Cx) -> Verdict {
    let mut found = Vec::new();
    for e in &cx.ev.exchanges {
        let Some(query) = e.request.query.as_deref() else {
            continue;
        };
        for m in find_markers(query)
            .into_iter()
            .filter(|m| is_leak_kind(&m.kind))
        {
            found.push(format!("{} in {}", readable(&m.kind), super::cx::show(e)));
        }
    }
    if found.is_empty() {
        return cx.pass(format!(
            "None of the {} carried a secret in its URL.",
            plural(cx.ev.exchanges.len(), "request")
        ));
    }
    cx.fail(format!(
        "Secrets travelled in the query string: {}. URLs end up in logs and proxies; send \
         tokens in the Authorization header and secrets in a POST body.",
        found.join(", ")
    ))
}

#[path = "hygiene_said_why.rs"]
mod said_why;

#[cfg(test)]
#[path = "hygiene_tests.rs"]
mod tests;
