//! Choosing the next hint: tiered hints are revealed one at a time, and the next one is tied
//! to the first rule that failed in the learner's last attempt.
//!
//! Pure: the caller passes what the progress store knows (hints revealed, the failing rule).

use super::spec::LabSpec;

/// What `sflab hint` (and `H` in the TUI) shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HintChoice {
    /// A hint not seen before: tier is 0-based among the hints of `rule` (`None`: general).
    Next {
        rule: Option<String>,
        tier: u32,
        of: u32,
        text: String,
    },
    /// Every hint for this rule was already shown.
    Exhausted { rule: Option<String> },
    /// The lab has no hint for this situation.
    NoneAvailable { rule: Option<String> },
}

/// The next hint for `failing` (the first failing rule of the last attempt, `None` when there
/// was no attempt or nothing failed), skipping tiers in `revealed` (rule, tier) pairs where
/// the rule is `""` for general hints.
pub fn next_hint(spec: &LabSpec, failing: Option<&str>, revealed: &[(String, u32)]) -> HintChoice {
    let tiers: Vec<&str> = spec.hints_for(failing).map(|h| h.text.as_str()).collect();
    // With no failing rule (or none with hints), fall back to the lab's general hints.
    let (rule, tiers) = if tiers.is_empty() && failing.is_some() {
        let general: Vec<&str> = spec.hints_for(None).map(|h| h.text.as_str()).collect();
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
    for (i, text) in tiers.iter().enumerate() {
        let tier = u32::try_from(i).unwrap_or(u32::MAX);
        if !revealed.iter().any(|(r, t)| r == key && *t == tier) {
            return HintChoice::Next {
                rule: rule.map(str::to_string),
                tier,
                of,
                text: text.to_string(),
            };
        }
    }
    HintChoice::Exhausted {
        rule: rule.map(str::to_string),
    }
}

/// The rules an attempt failed, each once, in the order of its verdicts.
pub fn failing_rules(verdicts: &[crate::rules::Verdict]) -> Vec<String> {
    let mut rules: Vec<String> = Vec::new();
    for v in verdicts.iter().filter(|v| v.failed()) {
        if !rules.contains(&v.rule) {
            rules.push(v.rule.clone());
        }
    }
    rules
}

/// The next hint when several rules failed (in the order the lab lists them): the first
/// failing rule with a hint still unseen, so that once one rule's hints are used up the next
/// rule's come; when every one is used up, what [`next_hint`] says of the first.
pub fn next_hint_among(
    spec: &LabSpec,
    failing: &[String],
    revealed: &[(String, u32)],
) -> HintChoice {
    let mut first = None;
    for rule in failing {
        let choice = next_hint(spec, Some(rule), revealed);
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

    #[test]
    fn hints_for_the_failing_rule_come_one_tier_at_a_time() {
        let s = spec();
        let first = next_hint(&s, Some("state.idempotent"), &[]);
        assert_eq!(
            first,
            HintChoice::Next {
                rule: Some("state.idempotent".into()),
                tier: 0,
                of: 2,
                text: "one".into()
            }
        );
        let revealed = vec![("state.idempotent".to_string(), 0)];
        assert!(matches!(
            next_hint(&s, Some("state.idempotent"), &revealed),
            HintChoice::Next { tier: 1, .. }
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
        let s = crate::lab::spec::parse(
            "lab.yaml",
            "id: a\ntitle: A\nlevel: L1\nlesson: L1-basics/rest\n\
             checks:\n  - { rule: state.idempotent }\n  - { rule: http.calls_at_most, max: 3 }\n\
             hints:\n  - { rule: state.idempotent, text: one }\n  - { rule: http.calls_at_most, text: fewer }\n",
        )
        .unwrap();
        let failing = vec![
            "state.idempotent".to_string(),
            "http.calls_at_most".to_string(),
        ];
        assert!(matches!(
            next_hint_among(&s, &failing, &[]),
            HintChoice::Next { ref text, .. } if text == "one"
        ));
        let seen = vec![("state.idempotent".to_string(), 0)];
        assert!(matches!(
            next_hint_among(&s, &failing, &seen),
            HintChoice::Next { ref text, .. } if text == "fewer"
        ));
        let all = vec![
            ("state.idempotent".to_string(), 0),
            ("http.calls_at_most".to_string(), 0),
        ];
        assert_eq!(
            next_hint_among(&s, &failing, &all),
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
