//! `oauth.replayed_id_token_refused`: the program refuses the ID token handed to it in
//! `SF_REPLAYED_ID_TOKEN` (`run.replayed_id_token`) — genuine, for its app, unexpired, but
//! bound to an earlier sign-in's nonce — and its line says what its check read from that
//! token: the claim, `nonce`, and the value the token holds. The line may be printed on
//! standard output or standard error.
//!
//! Implementation notes: a fixed sentence ("replayed ID token rejected: nonce does not match")
//! names the right claim without looking at the token; the nonce's value cannot be known
//! before the run (sflab makes a new one for every attempt), so a line that holds it shows the
//! token was decoded. The value is kept in the evidence (`Evidence::replayed_id_token_nonce`).

use super::cx::Cx;
use super::Verdict;
use serde::Deserialize;

/// `oauth.replayed_id_token_refused`: the start of the line the program prints of the handed
/// token.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayedIdTokenRefused {
    #[serde(default = "rejected_text")]
    pub line: String,
}

fn rejected_text() -> String {
    "replayed ID token rejected".into()
}

/// What is missing from a printed line about the handed token: the claim's name, the value
/// the token holds, or both; None when it names both.
fn lacks(line: &str, nonce: &str) -> Option<&'static str> {
    let names_claim = line.to_lowercase().contains("nonce");
    match (names_claim, line.contains(nonce)) {
        (true, true) => None,
        (true, false) => Some("names the nonce claim but not the value the token holds"),
        (false, true) => Some("shows the token's nonce but does not say it is the nonce"),
        (false, false) => Some(
            "names neither the claim that gives the token away (its nonce) nor the value it holds",
        ),
    }
}

pub(crate) fn replayed_id_token_refused(p: &ReplayedIdTokenRefused, cx: &Cx) -> Verdict {
    let Some(nonce) = cx.ev.replayed_id_token_nonce.as_deref() else {
        return cx.fail(
            "This attempt was handed no replayed ID token (the lab's `run.replayed_id_token`), so its refusal could not be judged.",
        );
    };
    let start = p.line.to_lowercase();
    let lines: Vec<(usize, &str)> = cx
        .ev
        .runs
        .iter()
        .flat_map(|r| {
            // A refusal is a diagnostic as much as a result: either stream may carry it.
            [&r.stdout, &r.stderr]
                .into_iter()
                .flat_map(|out| out.judged_text().lines())
                .map(str::trim)
                .filter(|l| l.to_lowercase().starts_with(&start))
                .map(move |l| (r.index + 1, l))
        })
        .collect();
    if lines.is_empty() {
        return cx.fail(format!(
            "No run printed a line starting with \"{}\", on standard output or standard error: run the same checks on the token in $SF_REPLAYED_ID_TOKEN and print what they found.",
            p.line
        ));
    }
    if let Some((run, line, why)) = lines
        .iter()
        .find_map(|(run, line)| Some((run, line, lacks(line, nonce)?)))
    {
        return cx.fail(format!(
            "Run {run} printed \"{line}\", which {why}. The token is genuine, for your app and unexpired: only its `nonce` is another sign-in's. Decode its payload, compare that claim with the nonce this sign-in sent, and print the value you found (`nonce <value> is not the one this sign-in sent`), so the line shows the check ran on this token."
        ));
    }
    let mut runs: Vec<usize> = lines.iter().map(|(run, _)| *run).collect();
    runs.dedup();
    cx.pass(format!(
        "The replayed ID token was refused for its nonce, with the value read from the token ({nonce}), in {}.",
        crate::wording::runs(&runs).unwrap_or_default()
    ))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    const RULE: &str = "{ rule: oauth.replayed_id_token_refused }";
    const NONCE: &str = "earlier-login-4f1c2a9e";

    fn printed(stdout: &str) -> crate::evidence::Evidence {
        let mut ev = evidence(vec![get("/services/data/v62.0/query", 200)]);
        ev.replayed_id_token_nonce = Some(NONCE.into());
        ev.runs[0].stdout.text = stdout.into();
        ev
    }

    #[test]
    fn a_refusal_naming_the_nonce_and_its_value_passes() {
        let v = assert_passes(
            RULE,
            &printed(&format!(
                "ID token accepted\nreplayed ID token rejected: nonce {NONCE} is not the one this sign-in sent\n"
            )),
        );
        assert!(v.message.contains("in run 1"), "{}", v.message);
    }

    #[test]
    fn a_fixed_reason_naming_the_nonce_fails_for_want_of_its_value() {
        let v = assert_fails(
            RULE,
            &printed("ID token accepted\nreplayed ID token rejected: nonce does not match\n"),
        );
        assert!(
            v.message
                .contains("names the nonce claim but not the value the token holds"),
            "{}",
            v.message
        );
        let v = assert_fails(RULE, &printed("replayed ID token rejected: it is old\n"));
        assert!(v.message.contains("names neither"), "{}", v.message);
    }

    #[test]
    fn no_line_about_the_replayed_token_fails() {
        let v = assert_fails(
            RULE,
            &printed("ID token accepted\nreplayed ID token accepted\n"),
        );
        assert!(v.message.contains("No run printed"), "{}", v.message);
        // Said on standard error, the refusal counts as well.
        let mut ev = printed("ID token accepted\n");
        ev.runs[0].stderr.text =
            format!("replayed ID token rejected: nonce {NONCE} is not this sign-in's\n");
        assert_passes(RULE, &ev);
        let mut ev = printed(&format!("replayed ID token rejected: nonce {NONCE}\n"));
        ev.replayed_id_token_nonce = None;
        assert_fails(RULE, &ev);
    }
}
