//! `process.output_contains`: the learner's program reported what it had to report, e.g. the
//! per-record errors of a partial-success call. Judged on the redacted stdout of every run.

use super::cx::Cx;
use super::Verdict;
use serde::Deserialize;

/// `process.output_contains`: each of `texts` appears in the standard output of some run
/// (case-sensitive, as a plain substring).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputContains {
    pub texts: Vec<String>,
    /// Also search standard error (off by default: a report belongs on stdout).
    #[serde(default)]
    pub stderr: bool,
}

pub(crate) fn output_contains(p: &OutputContains, cx: &Cx) -> Verdict {
    if cx.ev.runs.is_empty() {
        return cx.fail("Your program did not run, so it printed nothing.");
    }
    let seen = |t: &str| {
        cx.ev
            .runs
            .iter()
            .any(|r| r.stdout.text.contains(t) || (p.stderr && r.stderr.text.contains(t)))
    };
    let missing: Vec<&str> = p
        .texts
        .iter()
        .map(String::as_str)
        .filter(|t| !seen(t))
        .collect();
    let stream = if p.stderr {
        "output"
    } else {
        "standard output"
    };
    if missing.is_empty() {
        return cx.pass(format!(
            "Your {stream} mentions all {} expected items.",
            p.texts.len()
        ));
    }
    cx.fail(format!(
        "Your {stream} does not mention {} of the {} expected items: {}. Each must appear, spelt exactly so, in what your program prints to {stream}.",
        missing.len(),
        p.texts.len(),
        missing.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    const RULE: &str = "{ rule: process.output_contains, texts: [W-0007, REQUIRED_FIELD_MISSING] }";

    #[test]
    fn every_text_printed_passes() {
        let mut ev = evidence(vec![]);
        ev.runs[0].stdout.text = "W-0007 failed: REQUIRED_FIELD_MISSING LastName\n".into();
        assert_passes(RULE, &ev);
    }

    #[test]
    fn a_missing_text_fails_and_is_named() {
        let mut ev = evidence(vec![]);
        ev.runs[0].stdout.text = "1 record failed\n".into();
        let v = assert_fails(RULE, &ev);
        assert!(v.message.contains("W-0007"), "{}", v.message);
    }

    #[test]
    fn stderr_counts_only_when_asked() {
        let mut ev = evidence(vec![]);
        ev.runs[0].stderr.text = "W-0007 REQUIRED_FIELD_MISSING\n".into();
        assert_fails(RULE, &ev);
        assert_passes(
            "{ rule: process.output_contains, texts: [W-0007], stderr: true }",
            &ev,
        );
    }

    #[test]
    fn no_run_fails() {
        let mut ev = evidence(vec![]);
        ev.runs.clear();
        assert_fails(RULE, &ev);
    }
}
