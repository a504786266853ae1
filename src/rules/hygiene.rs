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
            Some((_, _, lines)) => lines.push(line),
            None => self.places.push((kind, place, vec![line])),
        }
    }

    fn is_empty(&self) -> bool {
        self.places.is_empty()
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
                [] => readable(kind),
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
    if found.is_empty() {
        return cx.pass(format!(
            "No secret was written into your {}.",
            plural(cx.ev.sources.len(), "file")
        ));
    }
    cx.fail(format!(
        "Your files contain secrets: {}. Read them from the environment variables the lab sets (the brief names them: SF_CLIENT_SECRET, ERP_CLIENT_SECRET…) instead of writing them into code.",
        found.render(|kind, path, line| format!("{kind} ({path}:{line})"))
    ))
}

/// Every file left in the lab folder holding a secret (hidden ones included) is readable and
/// writable by its owner alone: no permission bit for group or others (`chmod 600`, `umask 077`).
pub(crate) fn secrets_files_private(cx: &Cx) -> Verdict {
    let files = &cx.ev.secret_files;
    let open: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let mode = f.mode?;
            (mode & 0o077 != 0).then(|| {
                let kinds: Vec<String> = f.kinds.iter().map(|k| readable(k)).collect();
                format!("{} (mode {mode:04o}, holds {})", f.path, kinds.join(", "))
            })
        })
        .collect();
    if files.is_empty() {
        return cx.pass("No file in the lab folder holds a secret after the runs.");
    }
    if open.is_empty() {
        let checked = files.iter().filter(|f| f.mode.is_some()).count();
        if checked == 0 {
            return cx.pass("This system keeps no permission bits to check.");
        }
        return cx.pass(format!(
            "{} holding secrets {} readable by you alone.",
            plural(checked, "file"),
            if checked == 1 { "is" } else { "are" }
        ));
    }
    cx.fail(format!(
        "Others on this machine can read: {}. Create token files with `umask 077` (or `chmod 600` them before writing the secret in) so only you can read them.",
        open.join("; ")
    ))
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
        "Your program printed secrets: {}. Logs are read by many people; print a token's last four characters at most.",
        found.render(|kind, place, line| {
            let (run, stream) = place.rsplit_once(' ').unwrap_or((place, ""));
            format!("{kind} ({run}, {stream} line {line})")
        })
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
            match run.exit_code {
                Some(0) => None,
                Some(code) => Some(format!("run {n} exited with status {code}")),
                None => Some(format!("run {n} did not start")),
            }
        };
        if let Some(why) = why {
            let err = crate::wording::last_lines(&run.stderr.text, 5, 300);
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

#[cfg(test)]
mod tests {
    use super::super::fixture::*;
    use crate::evidence::{CapturedOutput, SecretFile, SourceFile};
    use crate::redact::Redactor;

    #[test]
    fn sources_with_a_redacted_secret_fail_with_the_line() {
        let r = Redactor::new(b"k");
        r.add_secret("client_secret", "S3cretValue1234");
        let mut ev = evidence(vec![]);
        ev.sources.push(SourceFile {
            path: "run".into(),
            text: r.text("#!/bin/sh\ncurl -d client_secret=$SF_CLIENT_SECRET\n"),
        });
        assert_passes("{ rule: secrets.not_in_sources }", &ev);
        ev.sources.push(SourceFile {
            path: "config.py".into(),
            text: r.text("ID = 'x'\nSECRET = 'S3cretValue1234'\n"),
        });
        let v = assert_fails("{ rule: secrets.not_in_sources }", &ev);
        assert!(
            v.message.contains("client secret (config.py:2)"),
            "{}",
            v.message
        );
        assert!(!v.message.contains("S3cretValue1234"));
    }

    #[test]
    fn an_empty_lab_folder_earns_nothing_for_keeping_no_secret() {
        let mut ev = evidence(vec![]);
        ev.sources.clear();
        let v = assert_fails("{ rule: secrets.not_in_sources }", &ev);
        assert!(v.message.contains("no files to judge"), "{}", v.message);
    }

    #[test]
    fn output_with_a_token_fails_but_a_client_id_is_fine() {
        let r = Redactor::new(b"k");
        let mut ev = evidence(vec![]);
        ev.runs[0].stdout = CapturedOutput {
            text: r.text(&r.url("client_id=3MVG9abcdefgh&state=xyz")),
            truncated: false,
            ..CapturedOutput::default()
        };
        assert_passes("{ rule: secrets.not_in_output }", &ev);
        ev.runs[0].stderr = CapturedOutput {
            text: r.text("token: 00D000000000001!AQ0123456789abcdef\n"),
            truncated: false,
            ..CapturedOutput::default()
        };
        let v = assert_fails("{ rule: secrets.not_in_output }", &ev);
        assert!(
            v.message.contains("access token (run 1, stderr line 1)"),
            "{}",
            v.message
        );
    }

    #[test]
    fn a_secret_seen_after_the_kept_output_is_a_leak_too() {
        let mut ev = evidence(vec![]);
        ev.runs[0].stdout = CapturedOutput {
            text: "xxxx\n… output truncated\n".into(),
            truncated: true,
            secrets_after_cap: vec![("access_token".into(), 3002)],
            ..CapturedOutput::default()
        };
        let v = assert_fails("{ rule: secrets.not_in_output }", &ev);
        assert!(
            v.message.contains("access token (run 1, stdout line 3002)"),
            "{}",
            v.message
        );
    }

    #[test]
    fn printing_most_of_a_secret_is_a_leak_and_its_last_four_characters_are_not() {
        let r = Redactor::new(b"k");
        let secret = "E44A8B83FB3DE0B685606E86C2A7A017A4DAD0DDE7436ABA8AB1239FF1F3C80D";
        r.add_secret("client_secret", secret);
        let mut ev = evidence(vec![]);
        ev.runs[0].stdout.text = r.text(&format!("secret ends …{}\n", &secret[60..]));
        assert_passes("{ rule: secrets.not_in_output }", &ev);
        ev.runs[0].stderr.text = r.text(&format!("using secret {}…\n", &secret[..63]));
        let v = assert_fails("{ rule: secrets.not_in_output }", &ev);
        assert!(
            v.message
                .contains("part of client secret (run 1, stderr line 1)"),
            "{}",
            v.message
        );
        assert!(!ev.runs[0].stderr.text.contains(&secret[..20]));
    }

    #[test]
    fn many_leaking_lines_are_summed_up_per_place_not_listed_one_by_one() {
        let r = Redactor::new(b"k");
        let mut ev = evidence(vec![]);
        let line = "debug token=00D000000000001!AQ0123456789abcdef\n";
        ev.runs[0].stdout.text = r.text(&format!("start\n{}", line.repeat(500)));
        ev.runs[0].stderr.text = r.text(line);
        let v = assert_fails("{ rule: secrets.not_in_output }", &ev);
        assert!(
            v.message.contains(
                "access token on 500 lines of run 1 stdout (first: line 2), access token (run 1, stderr line 1)."
            ),
            "{}",
            v.message
        );
        assert!(v.message.len() < 300, "{}", v.message);

        for i in 0..12 {
            ev.sources.push(SourceFile {
                path: format!("f{i}.py"),
                text: r.text(line),
            });
        }
        let v = assert_fails("{ rule: secrets.not_in_sources }", &ev);
        assert!(
            v.message.contains("access token (f0.py:1)"),
            "{}",
            v.message
        );
        assert!(v.message.contains("and 4 more places"), "{}", v.message);
        assert!(!v.message.contains("f9.py"), "{}", v.message);
    }

    fn secret_file(path: &str, mode: Option<u32>) -> SecretFile {
        SecretFile {
            path: path.into(),
            mode,
            kinds: vec!["refresh_token".into(), "client_secret".into()],
            markers: vec![],
        }
    }

    #[test]
    fn a_token_file_others_can_read_fails_with_its_mode_and_a_private_one_passes() {
        let rule = "{ rule: secrets.files_private }";
        let mut ev = evidence(vec![]);
        let v = assert_passes(rule, &ev);
        assert!(v.message.contains("No file"), "{}", v.message);
        ev.secret_files
            .push(secret_file(".refresh-token", Some(0o600)));
        let v = assert_passes(rule, &ev);
        assert!(
            v.message.contains("1 file holding secrets is"),
            "{}",
            v.message
        );
        ev.secret_files
            .push(secret_file("tokens/cache.json", Some(0o644)));
        let v = assert_fails(rule, &ev);
        assert!(
            v.message
                .contains("tokens/cache.json (mode 0644, holds refresh token, client secret)"),
            "{}",
            v.message
        );
        assert!(!v.message.contains(".refresh-token"), "{}", v.message);
        ev.secret_files[1].mode = Some(0o640);
        assert!(assert_fails(rule, &ev).message.contains("mode 0640"));
        ev.secret_files[1].mode = Some(0o400);
        assert_passes(rule, &ev);
    }

    #[test]
    fn a_system_without_permission_bits_passes_files_private_and_says_so() {
        let mut ev = evidence(vec![]);
        ev.secret_files.push(secret_file(".env", None));
        let v = assert_passes("{ rule: secrets.files_private }", &ev);
        assert!(v.message.contains("no permission bits"), "{}", v.message);
    }

    #[test]
    fn exit_ok_fails_on_status_timeout_or_no_run() {
        let rule = "{ rule: process.exit_ok }";
        let mut ev = evidence(vec![]);
        assert_passes(rule, &ev);
        ev.runs[0].exit_code = Some(2);
        ev.runs[0].stderr.text = "jq: error: cannot iterate over null\n".into();
        let v = assert_fails(rule, &ev);
        assert!(v.message.contains("status 2") && v.message.contains("jq: error"));
        ev.runs[0].exit_code = None;
        ev.runs[0].timed_out = true;
        assert!(assert_fails(rule, &ev).message.contains("too long"));
        ev.runs.clear();
        assert_fails(rule, &ev);
    }

    #[test]
    fn a_run_the_scenario_stopped_after_a_wait_says_so() {
        let mut ev = evidence(vec![]);
        ev.runs[0].signal = Some(9);
        ev.runs[0].notes.push("The lab's scenario waited 60 s for the program to exit by itself, which did not happen, and then stopped the run: the program seemed stuck.".into());
        let v = assert_fails("{ rule: process.exit_ok }", &ev);
        assert!(
            v.message
                .starts_with("run 1 was killed by signal 9: the lab's scenario waited 60 s"),
            "{}",
            v.message
        );
    }

    #[test]
    fn exit_refused_wants_a_status_of_its_own_and_a_word_on_stderr() {
        let rule = "{ rule: process.exit_refused, runs: [1] }";
        let mut ev = evidence(vec![]);
        ev.runs[0].exit_code = Some(0);
        assert!(assert_fails(rule, &ev).message.contains("status 0"));
        ev.runs[0].exit_code = Some(3);
        assert!(assert_fails(rule, &ev)
            .message
            .contains("wrote nothing on stderr"));
        ev.runs[0].stderr.text = "state mismatch: refusing the sign-in\n".into();
        assert_passes(rule, &ev);
        ev.runs[0].exit_code = None;
        ev.runs[0].timed_out = true;
        assert!(assert_fails(rule, &ev)
            .message
            .contains("did not stop by itself"));
        assert!(
            assert_fails("{ rule: process.exit_refused, runs: [4] }", &ev)
                .message
                .contains("did not happen")
        );
    }

    #[test]
    fn exit_refused_without_say_why_takes_a_silent_non_zero_status() {
        let rule = "{ rule: process.exit_refused, runs: [1], say_why: false }";
        let mut ev = evidence(vec![]);
        ev.runs[0].exit_code = Some(1);
        let v = assert_passes(rule, &ev);
        assert!(!v.message.contains("stderr"), "{}", v.message);
        ev.runs[0].exit_code = Some(0);
        assert!(assert_fails(rule, &ev).message.contains("status 0"));
    }

    #[test]
    fn exit_ok_with_runs_judges_only_the_runs_it_lists() {
        let mut ev = evidence(vec![get("/x", 200).run(2)]);
        ev.runs[2].exit_code = Some(1);
        assert_fails("{ rule: process.exit_ok }", &ev);
        let v = assert_passes("{ rule: process.exit_ok, runs: [1, 2] }", &ev);
        assert!(v.message.contains("in runs 1 and 2"), "{}", v.message);
        ev.runs[1].exit_code = Some(3);
        let v = assert_fails("{ rule: process.exit_ok, runs: [1, 2] }", &ev);
        assert!(
            v.message.contains("run 2 exited with status 3"),
            "{}",
            v.message
        );
        let v = assert_fails("{ rule: process.exit_ok, runs: [5] }", &ev);
        assert!(
            v.message.contains("(run 5) did not happen"),
            "{}",
            v.message
        );
    }

    #[test]
    fn a_token_in_the_query_string_fails_and_a_header_passes() {
        let r = Redactor::new(b"k");
        let marked = r.marker("access_token", "00D5g000004SfLb!AQ4AQ");
        let in_url = get(
            &format!("/services/data/v62.0/query?q=x&access_token={marked}"),
            200,
        );
        let v = assert_fails("{ rule: secrets.not_in_url }", &evidence(vec![in_url]));
        assert!(v.message.contains("#1"), "{}", v.message);
        let header = get("/services/data/v62.0/query?q=x", 200).bearer("ab12");
        assert_passes("{ rule: secrets.not_in_url }", &evidence(vec![header]));
    }
}
