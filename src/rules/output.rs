//! `process.*` rules on what the learner's program printed: `process.output_contains` (the
//! items it had to report, e.g. the per-record errors of a partial-success call, optionally
//! side by side on one line) and `process.output_reports` (the values the org actually answered,
//! read from the recorded responses, so a made-up or miscounted figure fails). Judged on the
//! redacted stdout of every run, the whole stream even where sflab keeps only its start and
//! end ([`CapturedOutput::judged_text`]); when a stream was too long to hold, a failure says
//! how much of it could not be read ([`unread_note`]).

use super::cx::{show, Cx};
use super::http::WithPattern;
use super::mention::{mentions, mentions_loosely};
use super::Verdict;
use crate::evidence::CapturedOutput;
use crate::matcher::RequestPattern;
use serde::Deserialize;
use serde_json::Value;

/// `process.output_contains`: each of `texts` appears in the standard output of some run
/// (case-sensitive, as a whole token: `SO-107` is not found in `SO-1070`), each group of `lines` appears together on one
/// line (`[A-1000, updated]`: the record and what happened to it, not just both somewhere),
/// and none of `absent` appears at all (`[W-0001]`: a row that succeeded, so a report that
/// prints every row instead of the failed ones fails), and no line holds every item of one
/// group of `absent_lines` (`[Opportunities, "0"]`: a made-up count, however it is worded —
/// these are found in any case and a number in any decimal form of its value, so
/// `OPPORTUNITIES: 0.0` is ruled out too; see [`mentions_loosely`]; a number the line denies
/// or spends on another count, "not 0" or "0 retries", is not one: see [`ruled_out_count`]).
/// A whole number of four digits or more is also found with its thousands grouped (`4,500`).
/// Each of `texts` must also appear on some line that mentions none of `not_beside`
/// (`texts: ["4500"], not_beside: ["500"]`: the total on a line of its own, so "received 500
/// of 4500" does not pass while a progress line beside the total line does no harm).
/// With `one_per_line: true` each of `texts` must also appear on a line that mentions no other
/// of them: a list printed one item per line, not a whole JSON answer on one line.
/// With `own_line: true` each of `texts` must also stand as a value of its own on some line
/// (see [`stands_alone`]): `4500`, `total: 4500`, `count=4,500` or `4500 records`, not inside
/// a longer value such as a record's name (`Reader 4500`, `"LastName": "Reader 4500"`), so a
/// program that prints the records and a wrong count does not pass on the records.
/// With `singled_out_from`, each of `texts` must also appear on a line that names none of
/// those and is not printed in the same words for one of them (see [`singled_out`]): the one
/// order a reconciliation must flag, not every order key printed alike.
/// `because` replaces the general explanation of a `one_per_line`/`own_line`/`not_beside`/`absent`/
/// `absent_lines` failure with the lab's own (what such a line means, and what to print
/// instead).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputContains {
    #[serde(default)]
    pub texts: Vec<String>,
    #[serde(default)]
    pub lines: Vec<Vec<String>>,
    #[serde(default)]
    pub absent: Vec<String>,
    #[serde(default)]
    pub absent_lines: Vec<Vec<String>>,
    /// Also search standard error (off by default: a report belongs on stdout).
    #[serde(default)]
    pub stderr: bool,
    /// Only what these runs printed (1 = the first); every run's output when left out.
    #[serde(default)]
    pub runs: Option<Vec<usize>>,
    #[serde(default)]
    pub not_beside: Vec<String>,
    #[serde(default)]
    pub one_per_line: bool,
    #[serde(default)]
    pub own_line: bool,
    #[serde(default)]
    pub singled_out_from: Vec<String>,
    #[serde(default)]
    pub because: Option<String>,
}

impl OutputContains {
    /// An author's mistake caught when the lab loads: nothing to look for.
    pub fn problem(&self) -> Option<&'static str> {
        let empty = self.texts.is_empty()
            && self.lines.iter().all(Vec::is_empty)
            && self.absent.is_empty()
            && self.absent_lines.iter().all(Vec::is_empty);
        if self
            .runs
            .as_ref()
            .is_some_and(|r| r.is_empty() || r.contains(&0))
        {
            return Some("`runs:` lists runs counted from 1 (the first run)");
        }
        empty.then_some(
            "give `texts:` (items to find), `lines:` (groups of items to find on one line) or `absent:` (items that must not appear)",
        )
    }
}

/// `process.output_reports`: what the program printed includes the values the org answered to
/// the requests matching `pattern` — each JSON pointer of `values` (`*` stands for every item
/// of an array: `/records/*/Name`) read from every successful matching response.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputReports {
    pub pattern: RequestPattern,
    pub values: Vec<String>,
    pub stderr: bool,
    /// The answers must hold at least this many distinct values: a query that leaves
    /// records out fails even when its few values are printed (with names typed in beside).
    pub min_values: usize,
    /// A word for each of `values`, in order, that the line printing that value must hold
    /// (any case, a whole word): `[max, remaining]` tells `max: 15000` from the two numbers
    /// printed the other way round. Empty: no label is asked for.
    pub labels: Vec<String>,
    /// Only the last successful matching answer counts: the final state of something polled
    /// (a Bulk job's counts once it is complete), not every step on the way.
    pub last: bool,
    /// Pointers among `values` whose value is a space-separated list (OAuth's `scope`,
    /// RFC 6749 §3.3): it is shown when each of its items is printed, in any order, with any
    /// separators, on one line or several (`scope: api` then `scope: refresh_token`).
    pub lists: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReportedValues {
    values: Vec<String>,
    #[serde(default)]
    stderr: bool,
    #[serde(default)]
    min_values: usize,
    #[serde(default)]
    labels: Vec<String>,
    #[serde(default)]
    last: bool,
    #[serde(default)]
    lists: Vec<String>,
}

impl WithPattern for OutputReports {
    type Rest = ReportedValues;
    fn assemble(pattern: RequestPattern, rest: ReportedValues) -> Self {
        OutputReports {
            pattern,
            values: rest.values,
            stderr: rest.stderr,
            min_values: rest.min_values,
            labels: rest.labels,
            last: rest.last,
            lists: rest.lists,
        }
    }
}

impl OutputReports {
    /// An author's mistake caught when the lab loads: no pointer, or one not starting with `/`.
    pub fn problem(&self) -> Option<String> {
        if self.values.is_empty() {
            return Some("list the `values:` to find, as JSON pointers such as /totalSize".into());
        }
        if !self.labels.is_empty() && self.labels.len() != self.values.len() {
            return Some(format!(
                "give one label for each of the {} values (`labels:` has {})",
                self.values.len(),
                self.labels.len()
            ));
        }
        if let Some(list) = self.lists.iter().find(|l| !self.values.contains(l)) {
            return Some(format!(
                "`lists:` names {list}, which is not one of the `values:` to find"
            ));
        }
        self.values.iter().find(|v| !v.starts_with('/')).map(|v| {
            format!("`{v}` is not a JSON pointer: it must start with `/`, e.g. /records/*/Name")
        })
    }
}

/// The lines of what the program printed, over every run.
fn printed(cx: &Cx, stderr: bool) -> Vec<String> {
    cx.ev
        .runs
        .iter()
        .flat_map(|r| {
            let mut texts = vec![r.stdout.judged_text().to_string()];
            if stderr {
                texts.push(r.stderr.judged_text().to_string());
            }
            texts
        })
        .collect()
}

/// For a failure: how much of the judged streams (stdout, and stderr with `stderr`, of the
/// runs `runs` lists, or of every run) was too long to be read, as a sentence starting with a
/// space; empty when every byte was read.
fn unread_note(cx: &Cx, runs: Option<&[usize]>, stderr: bool) -> String {
    let mut cut: Vec<String> = Vec::new();
    for r in cx
        .ev
        .runs
        .iter()
        .filter(|r| runs.is_none_or(|l| l.contains(&(r.index + 1))))
    {
        let streams: [(&str, &CapturedOutput); 2] = [
            ("standard output", &r.stdout),
            ("standard error", &r.stderr),
        ];
        for (name, out) in streams.iter().take(if stderr { 2 } else { 1 }) {
            let bytes = out.unjudged_bytes();
            if bytes > 0 {
                cut.push(format!(
                    "{} in the middle of run {}'s {name}",
                    crate::wording::bytes(bytes),
                    r.index + 1
                ));
            }
        }
    }
    if cut.is_empty() {
        return String::new();
    }
    format!(
        " Your program printed more than sflab holds to judge: {} {} not kept, and what is missing may be there. Print less (no debug dumps or progress lines), so everything you report is read.",
        cut.join(" and "),
        if cut.len() == 1 { "was" } else { "were" }
    )
}

fn stream_name(stderr: bool) -> &'static str {
    if stderr {
        "output"
    } else {
        "standard output"
    }
}

fn items(n: usize) -> &'static str {
    if n == 1 {
        "item"
    } else {
        "items"
    }
}

pub(crate) fn output_contains(p: &OutputContains, cx: &Cx) -> Verdict {
    if cx.ev.runs.is_empty() {
        return cx.fail("Your program did not run, so it printed nothing.");
    }
    let outputs: Vec<String> = cx
        .ev
        .runs
        .iter()
        .filter(|r| p.runs.as_ref().is_none_or(|l| l.contains(&(r.index + 1))))
        .flat_map(|r| {
            let err = p.stderr.then(|| r.stderr.judged_text().to_string());
            std::iter::once(r.stdout.judged_text().to_string()).chain(err)
        })
        .collect();
    let unread = unread_note(cx, p.runs.as_deref(), p.stderr);
    let in_text = |text: &str, t: &str| written_forms(t).iter().any(|f| mentions(text, f));
    // What a line must not say is found however it is written (case, `0.0`); a number the
    // line denies or spends on another count ("not 0", "0 retries") is not a count it states.
    let counted: Vec<String> = p.absent_lines.iter().flatten().cloned().collect();
    let ruled_out_in = |text: &str, t: &str| {
        // "No opportunities found" states a zero as much as "Opportunities: 0" does.
        let text = match t.parse::<f64>() {
            Ok(0.0) => ruled_out_count::without_excused_numbers(
                &ruled_out_count::absence_as_zero(text, &counted),
                &counted,
            ),
            Ok(_) => ruled_out_count::without_excused_numbers(text, &counted),
            Err(_) => text.to_string(),
        };
        written_forms(t).iter().any(|f| mentions_loosely(&text, f))
    };
    let seen = |t: &str| outputs.iter().any(|o| in_text(o, t));
    let on_one_line = |group: &[String]| {
        outputs
            .iter()
            .flat_map(|o| o.lines())
            .any(|line| group.iter().all(|t| in_text(line, t)))
    };
    let stream = match p.runs.as_deref().and_then(crate::wording::runs) {
        Some(runs) => format!("{} in {runs}", stream_name(p.stderr)),
        None => stream_name(p.stderr).to_string(),
    };
    let missing: Vec<&str> = p
        .texts
        .iter()
        .map(String::as_str)
        .filter(|t| !seen(t))
        .collect();
    if !missing.is_empty() {
        return cx.fail(format!(
            "Your {stream} does not mention {} of the {} expected {}: {}. Each must appear, spelt exactly so, in what your program prints to {stream}.{}{unread}",
            missing.len(),
            p.texts.len(),
            items(p.texts.len()),
            missing.join(", "),
            also_ruled_out(p, &outputs, &ruled_out_in)
        ));
    }
    let alone_on_a_line = |t: &str| {
        outputs
            .iter()
            .flat_map(|o| o.lines())
            .any(|line| in_text(line, t) && !p.texts.iter().any(|o| o != t && in_text(line, o)))
    };
    let sharing: Vec<&str> = p
        .texts
        .iter()
        .map(String::as_str)
        .filter(|t| p.one_per_line && !alone_on_a_line(t))
        .collect();
    if !sharing.is_empty() {
        return cx.fail(format!(
            "Your {stream} shows {} only on lines that also show another of the expected items. {}{unread}",
            sharing.join(", "),
            p.because.as_deref().unwrap_or("Print one item per line.")
        ));
    }
    let crowded: Vec<&str> =
        p.texts
            .iter()
            .map(String::as_str)
            .filter(|t| {
                !p.not_beside.is_empty()
                    && !outputs.iter().flat_map(|o| o.lines()).any(|line| {
                        in_text(line, t) && !p.not_beside.iter().any(|n| in_text(line, n))
                    })
            })
            .collect();
    if !crowded.is_empty() {
        return cx.fail(format!(
            "Your {stream} shows {} only on lines that also show {}. {}{unread}",
            crowded.join(", "),
            p.not_beside.join(" or "),
            p.because
                .as_deref()
                .unwrap_or("Print it on a line of its own.")
        ));
    }
    if p.own_line {
        let buried: Vec<&str> = p
            .texts
            .iter()
            .map(String::as_str)
            .filter(|t| {
                let forms = written_forms(t);
                !outputs
                    .iter()
                    .flat_map(|o| o.lines())
                    .any(|line| stands_alone(line, &forms))
            })
            .collect();
        if let Some(first) = buried.first() {
            let example = outputs
                .iter()
                .flat_map(|o| o.lines())
                .find(|line| in_text(line, first))
                .map(|line| format!(", such as the line `{}`", clipped(line.trim(), 60)))
                .unwrap_or_default();
            return cx.fail(format!(
                "Your {stream} shows {} only inside longer values{example}, never as a value of its own. {}{unread}",
                buried.join(", "),
                p.because.as_deref().unwrap_or(
                    "Print it on a line of its own, alone or after a label: `4500` or `total: 4500`."
                )
            ));
        }
    }
    if !p.singled_out_from.is_empty() {
        let lines: Vec<&str> = outputs.iter().flat_map(|o| o.lines()).collect();
        let lumped = p.texts.iter().find_map(|t| {
            singled_out::lumped(&lines, t, &p.singled_out_from, &in_text).map(|l| (t, l))
        });
        if let Some((t, line)) = lumped {
            return cx.fail(format!(
                "Your {stream} names {t} only on lines that name {} too, or that it prints in the same words for them (such as `{}`). {}{unread}",
                p.singled_out_from.join(", "),
                clipped(line.trim(), 60),
                p.because.as_deref().unwrap_or(
                    "Print it on a line of its own that says why it stands out, not in a list of every item."
                )
            ));
        }
    }
    let apart_groups: Vec<&[String]> = p
        .lines
        .iter()
        .filter(|g| !on_one_line(g))
        .map(Vec::as_slice)
        .collect();
    if !apart_groups.is_empty() {
        let apart: Vec<String> = apart_groups
            .iter()
            .map(|g| format!("\"{}\"", g.join(" … ")))
            .collect();
        let lines: Vec<&str> = outputs.iter().flat_map(|o| o.lines()).collect();
        let why = super::pairing::mispairing(&apart_groups, &lines, &p.absent, &in_text)
            .map(|s| format!(": {s}"))
            .unwrap_or_else(|| {
                ". Print each on one line, so a reader can tell which result belongs to which item."
                    .to_string()
            });
        return cx.fail(format!(
            "Your {stream} has no line with {}{why}{}{unread}",
            apart.join(", nor one with "),
            also_ruled_out(p, &outputs, &ruled_out_in)
        ));
    }
    let unwanted: Vec<&str> = p
        .absent
        .iter()
        .map(String::as_str)
        .filter(|t| seen(t))
        .collect();
    if !unwanted.is_empty() {
        return cx.fail(format!(
            "Your {stream} mentions {}, which it should not report: {}. {}",
            if unwanted.len() == 1 {
                "an item".to_string()
            } else {
                format!("{} items", unwanted.len())
            },
            unwanted.join(", "),
            p.because
                .as_deref()
                .unwrap_or("Print only the items the brief asks for, not every one.")
        ));
    }
    if let Some((group, line)) = ruled_out_line(p, &outputs, &ruled_out_in) {
        return cx.fail(format!(
            "Your {stream} has a line with {} together, which the brief rules out: \"{}\". {}",
            as_matched(group, line),
            line.trim(),
            p.because
                .as_deref()
                .unwrap_or("Report what the org answered, not a value it never gave.")
        ));
    }
    let found = p.texts.len() + p.lines.len();
    let and_not = if p.absent.is_empty() && p.absent_lines.is_empty() {
        String::new()
    } else {
        format!(
            ", and none of the {} it should leave out",
            p.absent.len() + p.absent_lines.len()
        )
    };
    let all = match found {
        1 => "the 1 expected item".to_string(),
        n => format!("all {n} expected {}", items(n)),
    };
    cx.pass(format!("Your {stream} mentions {all}{and_not}."))
}

/// Whether `line` states one of `forms` (the ways a value may be written) as a value of its
/// own: the whole line, or what follows a label ending in `:` or `=`, starts with it and goes
/// on with words only (a unit, `records`). `total: 4500`, `count=4,500` and `4500 contacts`
/// state 4500; `Reader 4500`, `"LastName": "Reader 4500"`, `"totalSize": 4500,` and
/// `received 500 of 4500` do not.
pub(crate) fn stands_alone(line: &str, forms: &[String]) -> bool {
    let line = line.trim();
    let after_labels = line
        .match_indices([':', '='])
        .map(|(at, sep)| line[at + sep.len()..].trim_start());
    std::iter::once(line).chain(after_labels).any(|rest| {
        forms.iter().any(|f| {
            rest.strip_prefix(f.as_str()).is_some_and(|after| {
                let after = after.trim_end_matches(['.', '!']);
                after.is_empty()
                    || after.starts_with(char::is_whitespace)
                        && after
                            .chars()
                            .all(|c| c.is_alphabetic() || c.is_whitespace())
            })
        })
    })
}

/// `text` cut to `max` characters, an ellipsis marking the cut.
fn clipped(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max).collect();
    format!("{kept}…")
}

/// The first printed line holding every item of one group of `absent_lines`, and the group.
fn ruled_out_line<'o>(
    p: &'o OutputContains,
    outputs: &'o [String],
    in_text: &dyn Fn(&str, &str) -> bool,
) -> Option<(&'o Vec<String>, &'o str)> {
    p.absent_lines.iter().find_map(|group| {
        let line = outputs
            .iter()
            .flat_map(|o| o.lines())
            .find(|line| !group.is_empty() && group.iter().all(|t| in_text(line, t)))?;
        Some((group, line))
    })
}

/// The items of a ruled-out group joined by "and", each found in another form than its own
/// followed by how `line` writes it: `Opportunities and 0 (written "None")`.
fn as_matched(group: &[String], line: &str) -> String {
    group
        .iter()
        .map(|t| match super::mention::loosely_written(line, t) {
            Some(w) => format!("{t} (written \"{w}\")"),
            None => t.clone(),
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

/// A sentence on a line `absent_lines` rules out (a made-up count), for a verdict that failed
/// for something else first, so the learner hears of both at once; empty when there is none.
fn also_ruled_out(
    p: &OutputContains,
    outputs: &[String],
    in_text: &dyn Fn(&str, &str) -> bool,
) -> String {
    let Some((group, line)) = ruled_out_line(p, outputs, in_text) else {
        return String::new();
    };
    format!(
        " It also has a line with {} together, which the brief rules out: \"{}\". {}",
        as_matched(group, line),
        line.trim(),
        p.because
            .as_deref()
            .unwrap_or("Report what the org answered, not a value it never gave.")
    )
}

pub(crate) fn output_reports(p: &OutputReports, cx: &Cx) -> Verdict {
    if cx.ev.runs.is_empty() {
        return cx.fail("Your program did not run, so it printed nothing.");
    }
    let mut answers: Vec<_> = cx
        .ev
        .exchanges
        .iter()
        .filter(|e| p.pattern.matches_exchange(e))
        .filter(|e| matches!(e.status(), Some(s) if (200..300).contains(&s)))
        .filter_map(|e| Some((e, e.response.as_ref()?.body.json()?)))
        .collect();
    if p.last && answers.len() > 1 {
        answers.drain(..answers.len() - 1);
    }
    if answers.is_empty() {
        return cx.fail(format!(
            "No successful request {} answered with JSON, so there was nothing of the org's to report.",
            p.pattern.describe()
        ));
    }
    let mut wanted: Vec<String> = Vec::new();
    // The wanted values that are space-separated lists (see `OutputReports::lists`).
    let mut lists: Vec<String> = Vec::new();
    for (_, json) in &answers {
        for pointer in &p.values {
            for v in values_at(json, pointer) {
                if let Some(text) = shown_value(v) {
                    if p.lists.contains(pointer) && !lists.contains(&text) {
                        lists.push(text.clone());
                    }
                    if !wanted.contains(&text) {
                        wanted.push(text);
                    }
                }
            }
        }
    }
    let evidence: Vec<u64> = answers.iter().map(|(e, _)| e.seq).collect();
    let from = answers
        .iter()
        .map(|(e, _)| show(e))
        .take(3)
        .collect::<Vec<_>>()
        .join(", ");
    if wanted.is_empty() {
        return cx
            .fail(format!(
                "The answers to {from} hold none of {}, so there was nothing to report.",
                p.values.join(", ")
            ))
            .with_evidence(evidence);
    }
    // A value named in no answer at all was never asked for (a SOQL answer holds every field
    // of its SELECT, null or not), so the output cannot show it, whatever else it prints.
    let never_answered: Vec<&str> = p
        .values
        .iter()
        .filter(|pointer| {
            answers
                .iter()
                .all(|(_, json)| values_at(json, pointer).is_empty())
        })
        .map(String::as_str)
        .collect();
    if let Some(pointer) = never_answered.first() {
        let field = pointer.rsplit('/').next().unwrap_or(pointer);
        return cx
            .fail(format!(
                "The answers to {from} hold no {}, so your {} cannot report {}: the request never asked for it. Ask for it too (for a query, name `{field}` in the SELECT) and print it.",
                never_answered.join(", "),
                stream_name(p.stderr),
                if never_answered.len() == 1 { "it" } else { "them" }
            ))
            .with_evidence(evidence);
    }
    if wanted.len() < p.min_values {
        return cx
            .fail(format!(
                "The answers to {from} hold {} of {}, where the org has at least {}: the request leaves records out (a WHERE or LIMIT?), so what is printed cannot be all of them.",
                wanted.len(),
                p.values.join(", "),
                p.min_values
            ))
            .with_evidence(evidence);
    }
    let outputs = printed(cx, p.stderr);
    let shown = |w: &String| {
        written_forms(w)
            .iter()
            .any(|f| outputs.iter().any(|o| mentions(o, f)))
            || lists.contains(w) && list_shown(w, &outputs)
    };
    let missing: Vec<&String> = wanted.iter().filter(|w| !shown(w)).collect();
    let stream = stream_name(p.stderr);
    if let Some((list, unshown)) = missing
        .iter()
        .filter(|m| lists.contains(m))
        .find_map(|m| partly_shown(m, &outputs).map(|u| (m, u)))
    {
        return cx
            .fail(format!(
                "The org answered {from} with the list {list}, and your {stream} shows some of its items but not {}. Print every item the response lists, in any layout.{}",
                unshown.join(", "),
                unread_note(cx, None, p.stderr)
            ))
            .with_evidence(evidence);
    }
    if missing.is_empty() {
        if let Some(message) = unlabelled(p, &answers, &outputs, stream) {
            return cx
                .fail(message + &unread_note(cx, None, p.stderr))
                .with_evidence(evidence);
        }
        return cx
            .pass(format!(
                "Your {stream} reports what the org answered ({}).",
                brief_list(&wanted)
            ))
            .with_evidence(evidence);
    }
    let shown: Vec<String> = missing.iter().map(|m| m.to_string()).collect();
    // Only the answers that hold a value not shown are named: the one answer whose value is
    // printed is no part of the problem.
    let from = answers
        .iter()
        .filter(|(_, json)| {
            p.values.iter().any(|pointer| {
                values_at(json, pointer)
                    .into_iter()
                    .filter_map(shown_value)
                    .any(|v| missing.contains(&&v))
            })
        })
        .map(|(e, _)| show(e))
        .take(3)
        .collect::<Vec<_>>()
        .join(", ");
    let shown: Vec<String> = shown.iter().map(|v| as_told(v)).collect();
    let values = if missing.len() == 1 {
        "a value".to_string()
    } else {
        format!("{} values", missing.len())
    };
    // Printed, but on standard error: the values are right, the stream is not.
    let on_stderr = if p.stderr {
        0
    } else {
        let errors: Vec<String> = cx
            .ev
            .runs
            .iter()
            .map(|r| r.stderr.judged_text().to_string())
            .collect();
        missing
            .iter()
            .filter(|w| {
                written_forms(w)
                    .iter()
                    .any(|f| errors.iter().any(|o| mentions(o, f)))
            })
            .count()
    };
    if on_stderr == missing.len() {
        return cx
            .fail(format!(
                "The org answered {from} with {values} that your program printed on standard error, not on standard output: {}. Print what you report on standard output, where whoever runs the program reads its results; keep standard error for what went wrong.{}",
                brief_list(&shown),
                unread_note(cx, None, p.stderr)
            ))
            .with_evidence(evidence);
    }
    let stderr_note = if on_stderr > 0 {
        format!(
            " ({on_stderr} of them {} on your standard error: print {} on standard output.)",
            if on_stderr == 1 { "is" } else { "are" },
            if on_stderr == 1 { "it" } else { "them" }
        )
    } else {
        String::new()
    };
    cx.fail(format!(
        "The org answered {from} with {values} that your {stream} does not show: {}.{stderr_note} Print the values from the response, not ones worked out or typed in.{}",
        brief_list(&shown),
        unread_note(cx, None, p.stderr)
    ))
    .with_evidence(evidence)
}

/// A value as a failure names it: a redaction marker (`‹redacted:user_code#e8f71ebe›`), which
/// the learner cannot know, as what it stands for ("the user_code it answered").
fn as_told(value: &str) -> String {
    match crate::redact::find_markers(value).first() {
        Some(m) if m.offset == 0 && value.trim_end().ends_with('›') => {
            format!("the {} it answered", m.kind)
        }
        _ => value.to_string(),
    }
}

/// Whether one output of a run prints every item of the space-separated `list`.
fn list_shown(list: &str, outputs: &[String]) -> bool {
    outputs
        .iter()
        .any(|o| list.split_whitespace().all(|item| mentions(o, item)))
}

/// The items of the space-separated `list` that no output prints, when some output prints
/// at least one of them (`None` when none is printed: the list is simply missing).
fn partly_shown(list: &str, outputs: &[String]) -> Option<Vec<String>> {
    let items: Vec<&str> = list.split_whitespace().collect();
    let best = outputs
        .iter()
        .max_by_key(|o| items.iter().filter(|i| mentions(o, i)).count())?;
    let unshown: Vec<String> = items
        .iter()
        .filter(|i| !mentions(best, i))
        .map(|i| i.to_string())
        .collect();
    (unshown.len() < items.len() && !unshown.is_empty()).then_some(unshown)
}

/// Why a value is printed but on no line with its label (see [`OutputReports::labels`]).
fn unlabelled(
    p: &OutputReports,
    answers: &[(&crate::evidence::Exchange, Value)],
    outputs: &[String],
    stream: &str,
) -> Option<String> {
    for (pointer, label) in p.values.iter().zip(&p.labels) {
        for (_, json) in answers {
            for text in values_at(json, pointer).into_iter().filter_map(shown_value) {
                let forms = written_forms(&text);
                let labelled = outputs.iter().any(|o| {
                    let lines: Vec<&str> = o.lines().collect();
                    forms.iter().any(|f| {
                        lines
                            .iter()
                            .any(|line| follows_its_label(line, f, label, &p.labels))
                            || lines
                                .windows(2)
                                .any(|w| under_its_label(w[0], w[1], f, label, &p.labels))
                    })
                });
                if !labelled {
                    let named = if label.contains(' ') {
                        "the label"
                    } else {
                        "the word"
                    };
                    return Some(format!(
                        "Your {stream} shows {text}, the org's {pointer}, but never beside {named} \"{label}\" (another label stands between them, or none is on its line). Print each figure next to its own name, so a reader cannot take one for the other."
                    ));
                }
            }
        }
    }
    None
}

/// Up to five values, then how many more.
fn brief_list(values: &[String]) -> String {
    let mut out = values
        .iter()
        .take(5)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if values.len() > 5 {
        out.push_str(&format!(" and {} more", values.len() - 5));
    }
    out
}

/// A value as a program would print it: text as is, numbers and booleans as written; null,
/// arrays and objects are not reportable values.
fn shown_value(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The values at a JSON pointer (RFC 6901) where a `*` segment stands for every item of an
/// array (or every value of an object).
pub(crate) fn values_at<'v>(root: &'v Value, pointer: &str) -> Vec<&'v Value> {
    let mut at = vec![root];
    for raw in pointer.split('/').skip(1) {
        let segment = raw.replace("~1", "/").replace("~0", "~");
        at = at
            .into_iter()
            .flat_map(|v| -> Vec<&Value> {
                match (v, segment.as_str()) {
                    (Value::Array(items), "*") => items.iter().collect(),
                    (Value::Object(map), "*") => map.values().collect(),
                    (Value::Array(items), i) => i
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| items.get(i))
                        .into_iter()
                        .collect(),
                    (Value::Object(map), key) => map.get(key).into_iter().collect(),
                    _ => Vec::new(),
                }
            })
            .collect();
    }
    at
}

#[cfg(test)]
#[path = "output_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "output_reports_tests.rs"]
mod reports_tests;

#[path = "output_singled_out.rs"]
mod singled_out;

#[path = "output_ruled_out_count.rs"]
mod ruled_out_count;

#[path = "output_labels.rs"]
mod labels;
use labels::{follows_its_label, under_its_label, written_forms};
