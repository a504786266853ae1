//! Choosing the next hint: tiered hints are revealed one at a time, and the next one is tied
//! to the first rule that failed in the learner's last attempt.
//!
//! Pure: the caller passes what the progress store knows (hints revealed, the failing rule).

use super::spec::LabSpec;

/// What `sflab hint` (and `H` in the TUI) shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HintChoice {
    /// A hint not seen before: tier is 0-based among the hints of `rule` (`None`: general), as
    /// written in the lab; `nth` counts from 1 in the order the learner sees them (hints picked
    /// by `when` words may come out of the written order).
    Next {
        rule: Option<String>,
        tier: u32,
        nth: u32,
        of: u32,
        text: String,
    },
    /// Every hint for this rule was already shown.
    Exhausted { rule: Option<String> },
    /// The lab has no hint for this situation.
    NoneAvailable { rule: Option<String> },
}

/// A word before any hint when no run of the last attempt got as far as one request: each
/// exited with an error by itself (a missing library, a syntax error). Then no check's hint is
/// about what went wrong; what sflab noted about the run is (a `./run` saved with Windows line
/// endings, one not executable), as `sflab check` printed it, else the line of its stderr that
/// says what failed. `requests` counts the attempt's recorded exchanges.
pub fn stopped_early_note(runs: &[crate::evidence::LearnerRun], requests: usize) -> Option<String> {
    let first = runs.first()?;
    let all_failed = runs
        .iter()
        .all(|r| !r.timed_out && matches!(r.exit_code, Some(c) if c != 0));
    if requests > 0 || !all_failed {
        return None;
    }
    // A run note explains the failure; stderr then holds only its symptom (with CR LF line
    // ends, `/usr/bin/env: use -[v]S to pass options in shebang lines`).
    let said = match first.notes.as_slice() {
        [] => error_line(&first.stderr.text)
            .map(|l| format!(", saying:\n  {l}"))
            .unwrap_or_default(),
        notes => format!(":\n  {}", notes.join("\n  ")),
    };
    Some(format!(
        "Your program stopped before it made a single request: run {} exited with status {}{said}\nFix that first; the checks, and their hints, are about what the program does once it runs.",
        first.index + 1,
        first.exit_code.unwrap_or_default()
    ))
}

/// The line of a crashed program's stderr that says what went wrong: curl's own first
/// `curl: (60) SSL certificate problem: …` line when there is one (the lines curl adds after
/// it explain it at length), else the last one that reads like an error (`TypeError: …`,
/// `ModuleNotFoundError: …`), else the last line that is not a runtime's sign-off such as
/// Node's `Node.js v20.1.0`.
fn error_line(stderr: &str) -> Option<&str> {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let curl_error = |l: &&&str| {
        l.strip_prefix("curl: (")
            .and_then(|r| r.split_once(')'))
            .is_some_and(|(code, _)| !code.is_empty() && code.bytes().all(|b| b.is_ascii_digit()))
    };
    if let Some(line) = lines.iter().find(curl_error) {
        return Some(line);
    }
    let erroneous = |l: &&str| {
        let lower = l.to_lowercase();
        [
            "error",
            "exception",
            "lacks",
            "not found",
            "cannot",
            "failed",
            "denied",
        ]
        .iter()
        .any(|w| lower.contains(w))
    };
    let sign_off = |l: &&str| l.starts_with("Node.js v") || l.starts_with("at ");
    lines
        .iter()
        .rev()
        .find(|l| erroneous(l) && !sign_off(l))
        .or_else(|| lines.iter().rev().find(|l| !sign_off(l)))
        .copied()
}

/// The next hint for `failing` (the first failing rule of the last attempt, `None` when there
/// was no attempt or nothing failed), skipping tiers in `revealed` (rule, tier) pairs where
/// the rule is `""` for general hints.
pub fn next_hint(spec: &LabSpec, failing: Option<&str>, revealed: &[(String, u32)]) -> HintChoice {
    next_hint_for(spec, failing, revealed, "")
}

/// [`next_hint_for`]'s place for a hint after a failure that said `said` (lower case): first
/// when its `when` words occur in it, then the hints without `when`; `None` when its `when`
/// words do not occur — it is about another failure, and would send the learner the wrong way.
fn hint_rank(hint: &crate::lab::spec::HintSpec, said: &str) -> Option<u8> {
    match hint.when.is_empty() {
        true => Some(1),
        false if hint.when.iter().any(|w| said.contains(&w.to_lowercase())) => Some(0),
        false => None,
    }
}

/// [`next_hint`] for a failure whose verdicts said `said`: the rule's hints whose `when` words
/// occur in it come first, then those without `when`; hints whose `when` words do not occur
/// are held back. Tiers keep their numbers.
fn next_hint_for(
    spec: &LabSpec,
    failing: Option<&str>,
    revealed: &[(String, u32)],
    said: &str,
) -> HintChoice {
    let said = said.to_lowercase();
    let mut ranked: Vec<(u8, usize, &crate::lab::spec::HintSpec)> = spec
        .hints_for(failing)
        .enumerate()
        .filter_map(|(i, h)| Some((hint_rank(h, &said)?, i, h)))
        .collect();
    ranked.sort_by_key(|(rank, i, _)| (*rank, *i));
    let ranked: Vec<(usize, &crate::lab::spec::HintSpec)> =
        ranked.into_iter().map(|(_, i, h)| (i, h)).collect();
    let tiers: Vec<(usize, &str)> = ranked.iter().map(|(i, h)| (*i, h.text.as_str())).collect();
    // With no failing rule (or none with hints), fall back to the lab's general hints.
    let (rule, tiers) = if tiers.is_empty() && failing.is_some() {
        let general: Vec<(usize, &str)> = spec
            .hints_for(None)
            .map(|h| h.text.as_str())
            .enumerate()
            .collect();
        if general.is_empty() {
            return HintChoice::NoneAvailable {
                rule: failing.map(str::to_string),
            };
        }
        (None, general)
    } else {
        (failing, tiers)
    };
    if tiers.is_empty() {
        return HintChoice::NoneAvailable {
            rule: rule.map(str::to_string),
        };
    }
    let key = rule.unwrap_or("");
    let of = u32::try_from(tiers.len()).unwrap_or(u32::MAX);
    let seen = |tier: u32| revealed.iter().any(|(r, t)| r == key && *t == tier);
    let shown = tiers
        .iter()
        .filter(|(i, _)| seen(u32::try_from(*i).unwrap_or(u32::MAX)))
        .count();
    for (i, text) in &tiers {
        let tier = u32::try_from(*i).unwrap_or(u32::MAX);
        if !seen(tier) {
            return HintChoice::Next {
                rule: rule.map(str::to_string),
                tier,
                nth: u32::try_from(shown + 1).unwrap_or(u32::MAX),
                of,
                text: text.to_string(),
            };
        }
    }
    HintChoice::Exhausted {
        rule: rule.map(str::to_string),
    }
}

/// The rules an attempt failed, each once, in the order of its verdicts — except that limit
/// checks failed only because the program did no work ([`Verdict::held_back`]) come last:
/// their hints are about something else.
///
/// [`Verdict::held_back`]: crate::rules::Verdict::held_back
pub fn failing_rules(verdicts: &[crate::rules::Verdict]) -> Vec<String> {
    let mut rules: Vec<String> = Vec::new();
    for held_back in [false, true] {
        for v in verdicts
            .iter()
            .filter(|v| v.failed() && v.held_back() == held_back)
        {
            if !rules.contains(&v.rule) {
                rules.push(v.rule.clone());
            }
        }
    }
    rules
}

/// The failing rules hints speak of: the rules that really failed, in the lab's order; only
/// when none did, those held back for want of work. A check held back because no run ended
/// normally is mended by mending the run, so its own hints (about secrets, say) would send a
/// learner the wrong way while a real failure stands.
pub fn hint_rules(verdicts: &[crate::rules::Verdict]) -> Vec<String> {
    let real: Vec<String> = failing_rules(verdicts)
        .into_iter()
        .filter(|r| {
            verdicts
                .iter()
                .any(|v| v.failed() && !v.held_back() && v.rule == *r)
        })
        .collect();
    if real.is_empty() {
        failing_rules(verdicts)
    } else {
        real
    }
}

/// What `sflab hint` has to offer after an attempt, for the line that points at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HintOffer {
    /// Hints for this failing rule (the first failing rule the lab has hints for).
    Rule(String),
    /// Only the lab's general hints apply.
    General,
    /// The lab has no hint for what failed.
    Nothing,
}

/// The hint `sflab hint` gives next after an attempt with these verdicts, as
/// [`next_hint_among`] picks it from the tiers already `revealed`: the first of
/// [`failing_rules`] with a hint still unseen, else the first the lab has hints for, else its
/// general hints.
pub fn hint_offer(
    spec: &LabSpec,
    verdicts: &[crate::rules::Verdict],
    revealed: &[(String, u32)],
) -> HintOffer {
    let failing = hint_rules(verdicts);
    match next_hint_among(spec, &failing, revealed, verdicts) {
        HintChoice::Next {
            rule: Some(rule), ..
        } => return HintOffer::Rule(rule),
        HintChoice::Next { rule: None, .. } if !failing.is_empty() => return HintOffer::General,
        _ => {}
    }
    // A rule whose hints were all shown; not one whose only hints are about other failures.
    let own_hint = |r: &String| {
        matches!(
            next_hint_among(spec, std::slice::from_ref(r), &[], verdicts),
            HintChoice::Next { rule: Some(_), .. }
        )
    };
    if let Some(rule) = failing.iter().find(|r| own_hint(r)) {
        return HintOffer::Rule(rule.clone());
    }
    match spec.hints_for(None).next() {
        Some(_) => HintOffer::General,
        None => HintOffer::Nothing,
    }
}

/// The next hint when several rules failed (in the order the lab lists them): the first
/// failing rule with a hint still unseen, so that once one rule's hints are used up the next
/// rule's come; when every one is used up, what [`next_hint`] says of the first. Among one
/// rule's hints, those whose `when` words its failed `verdicts` say come first.
pub fn next_hint_among(
    spec: &LabSpec,
    failing: &[String],
    revealed: &[(String, u32)],
    verdicts: &[crate::rules::Verdict],
) -> HintChoice {
    let mut first = None;
    for rule in failing {
        let said: Vec<&str> = verdicts
            .iter()
            .filter(|v| v.failed() && v.rule == *rule)
            .map(|v| v.message.as_str())
            .collect();
        let choice = next_hint_for(spec, Some(rule), revealed, &said.join("\n"));
        if matches!(choice, HintChoice::Next { .. }) {
            return choice;
        }
        first.get_or_insert(choice);
    }
    first.unwrap_or_else(|| next_hint(spec, None, revealed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> LabSpec {
        crate::lab::spec::parse(
            "lab.yaml",
            "id: a\ntitle: A\nlevel: L1\nlesson: L1-basics/rest\n\
             checks:\n  - { rule: state.idempotent }\n  - { rule: http.calls_at_most, max: 3 }\n\
             hints:\n  - { text: Start with the brief. }\n  - { rule: state.idempotent, text: one }\n  - { rule: state.idempotent, text: two }\n",
        )
        .unwrap()
    }

    /// Two checked rules with one hint each.
    fn two_rules() -> LabSpec {
        crate::lab::spec::parse(
            "lab.yaml",
            "id: a\ntitle: A\nlevel: L1\nlesson: L1-basics/rest\n\
             checks:\n  - { rule: state.idempotent }\n  - { rule: http.calls_at_most, max: 3 }\n\
             hints:\n  - { rule: state.idempotent, text: one }\n  - { rule: http.calls_at_most, text: fewer }\n",
        )
        .unwrap()
    }

    #[test]
    fn checks_failed_only_for_want_of_work_come_after_real_failures() {
        use crate::rules::{Verdict, NOT_AWARDED};
        let held = Verdict::fail(
            "http.calls_at_most",
            1,
            format!("{NOT_AWARDED}no request reached the org."),
        );
        let real = Verdict::fail("state.idempotent", 3, "The second run created another.");
        let verdicts = vec![held.clone(), real];
        assert_eq!(
            failing_rules(&verdicts),
            ["state.idempotent", "http.calls_at_most"]
        );
        assert_eq!(
            hint_offer(&spec(), &verdicts, &[]),
            HintOffer::Rule("state.idempotent".into())
        );
        // While a real failure stands, a held-back rule's hints are not offered, even when
        // the real one has none of its own.
        let exit = Verdict::fail("process.exit_ok", 1, "run 1 exited with status 1.");
        let secrets = Verdict::fail(
            "secrets.not_in_output",
            1,
            format!("{NOT_AWARDED}no run ended normally."),
        );
        let both = vec![exit, secrets];
        assert_eq!(hint_rules(&both), ["process.exit_ok"]);
        assert_eq!(
            hint_rules(std::slice::from_ref(&held)),
            ["http.calls_at_most"]
        );
        // A failing rule without hints of its own falls back to the general hints.
        assert_eq!(
            hint_offer(&spec(), std::slice::from_ref(&held), &[]),
            HintOffer::General
        );
        let bare = crate::lab::spec::parse(
            "lab.yaml",
            "id: a\ntitle: A\nlevel: L1\nlesson: L1-basics/rest\nchecks:\n  - { rule: state.idempotent }\n",
        )
        .unwrap();
        let failed = [Verdict::fail("state.idempotent", 1, "x")];
        assert_eq!(hint_offer(&bare, &failed, &[]), HintOffer::Nothing);
        // The first failing rule has no hints of its own, so `sflab hint` gives a general
        // one first: the footer says so, not the later rule's name.
        let both = [
            Verdict::fail("http.calls_at_most", 1, "too many"),
            Verdict::fail("state.idempotent", 3, "changed"),
        ];
        assert_eq!(hint_offer(&spec(), &both, &[]), HintOffer::General);
    }

    #[test]
    fn a_hint_about_what_the_verdict_says_comes_first_keeping_its_tier() {
        use crate::rules::Verdict;
        let s = crate::lab::spec::parse(
            "lab.yaml",
            "id: a\ntitle: A\nlevel: L1\nlesson: L1-basics/rest\n\
             checks:\n  - { rule: state.idempotent }\n\
             hints:\n  - { rule: state.idempotent, text: start the service }\n\
             \x20 - { rule: state.idempotent, text: totals too high, when: [is 15] }\n\
             \x20 - { rule: state.idempotent, text: read the key }\n",
        )
        .unwrap();
        let failing = ["state.idempotent".to_string()];
        let too_many = [Verdict::fail(
            "state.idempotent",
            1,
            "/records IS 15, expected 9",
        )];
        let first = next_hint_among(&s, &failing, &[], &too_many);
        assert!(
            matches!(&first, HintChoice::Next { tier: 1, nth: 1, text, .. } if text == "totals too high"),
            "{first:?}"
        );
        let seen = [("state.idempotent".to_string(), 1)];
        let next = next_hint_among(&s, &failing, &seen, &too_many);
        assert!(matches!(next, HintChoice::Next { tier: 0, .. }), "{next:?}");
    }

    #[test]
    fn a_hint_about_another_failure_is_held_back() {
        use crate::rules::Verdict;
        let s = crate::lab::spec::parse(
            "lab.yaml",
            "id: a\ntitle: A\nlevel: L1\nlesson: L1-basics/rest\n\
             checks:\n  - { rule: state.idempotent }\n  - { rule: http.calls_at_most, max: 3 }\n\
             hints:\n  - { rule: state.idempotent, text: start the service }\n\
             \x20 - { rule: state.idempotent, text: totals too high, when: [is 15] }\n\
             \x20 - { rule: http.calls_at_most, text: scope refused, when: [scope] }\n\
             \x20 - { text: read the brief }\n",
        )
        .unwrap();
        let failing = ["state.idempotent".to_string()];
        let silent = [Verdict::fail("state.idempotent", 1, "nothing listened")];
        let first = next_hint_among(&s, &failing, &[], &silent);
        assert!(
            matches!(
                &first,
                HintChoice::Next {
                    tier: 0,
                    nth: 1,
                    of: 1,
                    ..
                }
            ),
            "{first:?}"
        );
        let seen = [("state.idempotent".to_string(), 0)];
        let next = next_hint_among(&s, &failing, &seen, &silent);
        assert!(matches!(next, HintChoice::Exhausted { .. }), "{next:?}");
        // A rule whose only hint is about another failure gives the lab's general hints, and
        // the offer says so rather than naming the rule.
        let budget = [Verdict::fail("http.calls_at_most", 1, "made 9 requests")];
        let only = ["http.calls_at_most".to_string()];
        let general = next_hint_among(&s, &only, &[], &budget);
        assert!(
            matches!(&general, HintChoice::Next { rule: None, text, .. } if text == "read the brief"),
            "{general:?}"
        );
        assert_eq!(hint_offer(&s, &budget, &[]), HintOffer::General);
    }

    #[test]
    fn the_offer_names_the_rule_whose_hint_comes_next() {
        use crate::rules::Verdict;
        let two = two_rules();
        let failed = [
            Verdict::fail("state.idempotent", 1, "x"),
            Verdict::fail("http.calls_at_most", 1, "y"),
        ];
        assert_eq!(
            hint_offer(&two, &failed, &[]),
            HintOffer::Rule("state.idempotent".into())
        );
        // Once the first rule's hints were all shown, `sflab hint` moves on, and so does the offer.
        let seen = [("state.idempotent".to_string(), 0)];
        assert_eq!(
            hint_offer(&two, &failed, &seen),
            HintOffer::Rule("http.calls_at_most".into())
        );
    }

    #[test]
    fn hints_for_the_failing_rule_come_one_tier_at_a_time() {
        let s = spec();
        let first = next_hint(&s, Some("state.idempotent"), &[]);
        assert_eq!(
            first,
            HintChoice::Next {
                rule: Some("state.idempotent".into()),
                tier: 0,
                nth: 1,
                of: 2,
                text: "one".into()
            }
        );
        let revealed = vec![("state.idempotent".to_string(), 0)];
        assert!(matches!(
            next_hint(&s, Some("state.idempotent"), &revealed),
            HintChoice::Next {
                tier: 1,
                nth: 2,
                ..
            }
        ));
        let all = vec![
            ("state.idempotent".to_string(), 0),
            ("state.idempotent".to_string(), 1),
        ];
        assert_eq!(
            next_hint(&s, Some("state.idempotent"), &all),
            HintChoice::Exhausted {
                rule: Some("state.idempotent".into())
            }
        );
    }

    #[test]
    fn when_one_failing_rules_hints_are_used_up_the_next_rules_come() {
        let s = two_rules();
        let failing = vec![
            "state.idempotent".to_string(),
            "http.calls_at_most".to_string(),
        ];
        assert!(matches!(
            next_hint_among(&s, &failing, &[], &[]),
            HintChoice::Next { ref text, .. } if text == "one"
        ));
        let seen = vec![("state.idempotent".to_string(), 0)];
        assert!(matches!(
            next_hint_among(&s, &failing, &seen, &[]),
            HintChoice::Next { ref text, .. } if text == "fewer"
        ));
        let all = vec![
            ("state.idempotent".to_string(), 0),
            ("http.calls_at_most".to_string(), 0),
        ];
        assert_eq!(
            next_hint_among(&s, &failing, &all, &[]),
            HintChoice::Exhausted {
                rule: Some("state.idempotent".into())
            }
        );
    }

    #[test]
    fn without_a_failure_or_rule_hints_the_general_hints_are_used() {
        let s = spec();
        assert!(matches!(
            next_hint(&s, None, &[]),
            HintChoice::Next { rule: None, ref text, .. } if text == "Start with the brief."
        ));
        assert!(matches!(
            next_hint(&s, Some("http.calls_at_most"), &[]),
            HintChoice::Next { rule: None, .. }
        ));
    }
}

#[cfg(test)]
mod stopped_early_tests {
    use super::stopped_early_note;
    use crate::evidence::LearnerRun;

    fn run(exit: Option<i32>, stderr: &str) -> LearnerRun {
        let mut r = LearnerRun {
            exit_code: exit,
            ..LearnerRun::default()
        };
        r.stderr.text = stderr.into();
        r
    }

    #[test]
    fn a_program_that_failed_before_any_request_is_told_so_with_its_last_error_line() {
        let runs = [run(Some(2), "checking modules\npython3 lacks grpcio\n\n")];
        let note = stopped_early_note(&runs, 0).expect("a note");
        assert!(note.contains("run 1 exited with status 2"), "{note}");
        assert!(note.contains("python3 lacks grpcio"), "{note}");
    }

    #[test]
    fn a_node_crash_is_quoted_by_its_error_not_its_version_line() {
        let stderr = "/lab/run.js:3\n  x.y();\n    ^\n\nTypeError: Cannot read properties of undefined (reading 'y')\n    at Object.<anonymous> (/lab/run.js:3:5)\n    at makeNetworkError (node:internal/deps/undici:1:1)\n\nNode.js v20.20.2\n";
        let note = stopped_early_note(&[run(Some(1), stderr)], 0).expect("a note");
        assert!(note.contains("TypeError: Cannot read properties"), "{note}");
        let plain = stopped_early_note(&[run(Some(3), "usage: run NAME\n")], 0).unwrap();
        assert!(plain.contains("usage: run NAME"), "{plain}");
    }

    #[test]
    fn a_run_note_is_repeated_instead_of_the_stderr_symptom() {
        let mut crlf = run(
            Some(127),
            "/usr/bin/env: 'bash\\r': No such file or directory\n/usr/bin/env: use -[v]S to pass options in shebang lines\n",
        );
        crlf.notes =
            vec!["./run was saved with Windows line endings (CR LF): run `dos2unix run`.".into()];
        let note = stopped_early_note(&[crlf], 0).expect("a note");
        assert!(note.contains("Windows line endings (CR LF)"), "{note}");
        assert!(!note.contains("use -[v]S"), "{note}");
    }

    #[test]
    fn a_curl_failure_is_quoted_by_curls_own_error_line() {
        let stderr = "curl: (60) SSL certificate problem: self-signed certificate in certificate chain\nMore details here: https://curl.se/docs/sslcerts.html\n\ncurl failed to verify the legitimacy of the server and therefore could not\nestablish a secure connection to it. To learn more about this situation and\nhow to fix it, please visit the webpage mentioned above.\n";
        let note = stopped_early_note(&[run(Some(60), stderr)], 0).expect("a note");
        assert!(
            note.contains("saying:\n  curl: (60) SSL certificate problem: self-signed certificate in certificate chain"),
            "{note}"
        );
    }

    #[test]
    fn no_note_once_a_request_was_made_or_a_run_succeeded_or_ran_out_of_time() {
        assert_eq!(stopped_early_note(&[run(Some(1), "x")], 3), None);
        assert_eq!(stopped_early_note(&[run(Some(0), "")], 0), None);
        let mut slow = run(None, "");
        slow.timed_out = true;
        assert_eq!(stopped_early_note(&[slow], 0), None);
        assert_eq!(stopped_early_note(&[], 0), None);
    }
}

#[cfg(test)]
mod rest_crud_tests {
    use super::*;
    use crate::rules::Verdict;

    fn rest_crud() -> LabSpec {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/labs/rest-crud/lab.yaml");
        let yaml = std::fs::read_to_string(path).expect("labs/rest-crud/lab.yaml");
        crate::lab::spec::parse("lab.yaml", &yaml).expect("rest-crud parses")
    }

    #[test]
    fn a_refused_create_is_hinted_before_the_update_it_kept_from_happening() {
        let verdicts = vec![
            Verdict::fail(
                "rest.patch_for_update",
                2,
                "No record was updated: expected a PATCH to /sobjects/{Object}/{Id}.",
            ),
            Verdict::fail(
                "http.order",
                3,
                "Step 1 (POST /services/data/*/sobjects/Account) did not count: #1 POST /services/data/v62.0/sobjects/Account was answered 400: a step counts when the org accepts it (see what the response says).",
            ),
        ];
        let spec = rest_crud();
        assert_eq!(
            hint_offer(&spec, &verdicts, &[]),
            HintOffer::Rule("http.order".into())
        );
        let failing = hint_rules(&verdicts);
        match next_hint_among(&spec, &failing, &[], &verdicts) {
            HintChoice::Next { text, .. } => assert!(text.contains("read the"), "{text}"),
            other => panic!("{other:?}"),
        }
        // An update sent with PUT still gets the PATCH hint first.
        let put = vec![Verdict::fail(
            "rest.patch_for_update",
            2,
            "Updated a record with PUT (1 request). The REST API updates records with PATCH, sending only the fields that change.",
        )];
        assert_eq!(
            hint_offer(&spec, &put, &[]),
            HintOffer::Rule("rest.patch_for_update".into())
        );
    }
}

#[cfg(test)]
mod refresh_once_tests {
    use super::*;
    use crate::rules::Verdict;

    #[test]
    fn a_refresh_sent_as_json_is_hinted_to_send_a_form() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/labs/refresh-once/lab.yaml");
        let yaml = std::fs::read_to_string(path).expect("labs/refresh-once/lab.yaml");
        let spec = crate::lab::spec::parse("lab.yaml", &yaml).expect("refresh-once parses");
        let verdicts = vec![Verdict::fail(
            "oauth.refresh_then_retry_once",
            3,
            "After the 401 on #1 GET /services/data/v62.0/query, the client's token request was not a refresh the org could read: #2 POST /services/oauth2/token (grant_type refresh_token) was sent as JSON; the token endpoint takes application/x-www-form-urlencoded.",
        )];
        let failing = hint_rules(&verdicts);
        match next_hint_among(&spec, &failing, &[], &verdicts) {
            HintChoice::Next { text, .. } => {
                assert!(text.contains("reads a form, not JSON"), "{text}")
            }
            other => panic!("{other:?}"),
        }
    }
}

#[cfg(test)]
mod rest_upsert_twice_tests {
    use super::*;
    use crate::rules::Verdict;

    #[test]
    fn an_upsert_refused_for_its_content_type_is_hinted_to_send_json() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/labs/rest-upsert-twice/lab.yaml"
        );
        let yaml = std::fs::read_to_string(path).expect("labs/rest-upsert-twice/lab.yaml");
        let spec = crate::lab::spec::parse("lab.yaml", &yaml).expect("rest-upsert-twice parses");
        let verdicts = vec![Verdict::fail(
            "rest.upsert_by_external_id",
            2,
            "The upsert #1 PATCH /services/data/v62.0/sobjects/Account/ERP_Id__c/A-2001 was answered 415 UNSUPPORTED_MEDIA_TYPE \"MediaType of 'application/x-www-form-urlencoded' is not supported by this resource\": the org refused it and wrote nothing.",
        )];
        let failing = hint_rules(&verdicts);
        match next_hint_among(&spec, &failing, &[], &verdicts) {
            HintChoice::Next { text, .. } => {
                assert!(text.contains("Content-Type: application/json"), "{text}")
            }
            other => panic!("{other:?}"),
        }
    }
}
