//! Judging a choice cell of a design table (`Pattern: batch sync`) against the values a row
//! accepts, as a reader would: `Batch.`, `Batch sync (Bulk API 2.0)`, `Client credentials
//! flow` and `WMS (system of record)` state the choices `batch`, `batch sync`, `client
//! credentials` and `wms`. A cell that names a choice among other words ("batch, because it
//! is nightly") is told to write the choice alone, and a note that names another choice
//! ("request-reply (or fire-and-forget)") does not pass as the first one.

use super::doc_table::norm;
use super::negation::affirms_words;

/// Words that name the kind of thing chosen rather than the choice: "JWT bearer flow" says
/// "JWT bearer".
const KIND_WORDS: &[&str] = &["flow", "grant"];

/// Any dash written alone (`-`, `–`, `—`, `‑`, `−`) answers "does not apply".
const LONE_DASHES: &[&str] = &["-", "–", "—", "\u{2011}", "\u{2010}", "−"];

/// How a cell relates to the values a row accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Choice {
    /// It states one of the accepted values.
    Accepted,
    /// It states a choice (accepted or not) along with other words; write the choice alone.
    Wordy,
    /// It states another choice, or something this lab does not know.
    Other,
}

/// The cell's text without a trailing parenthetical note, and the note.
fn split_note(text: &str) -> (&str, Option<&str>) {
    let Some(inner) = text.strip_suffix(')') else {
        return (text, None);
    };
    match inner.rfind('(') {
        Some(open) if open > 0 => (inner[..open].trim_end(), Some(&inner[open + 1..])),
        _ => (text, None),
    }
}

fn trim_marks(text: &str) -> &str {
    text.trim()
        .trim_end_matches(['.', '!', ',', ';', ':'])
        .trim_matches(['"', '\'', '“', '”'])
        .trim()
}

/// The choice a (normalised) cell states: trailing punctuation, a trailing parenthetical note
/// and the words "flow"/"grant" dropped; a lone dash of any kind as `-`.
pub(crate) fn stated(cell: &str) -> String {
    let text = norm(cell);
    let text = trim_marks(&text);
    if LONE_DASHES.contains(&text) {
        return "-".into();
    }
    let (choice, _) = split_note(text);
    trim_marks(choice)
        .split_whitespace()
        .filter(|w| !KIND_WORDS.contains(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// How `cell` stands against this row's `accepted` values, `known` being every value any row
/// accepts in this column (the choices the table chooses among).
pub(crate) fn judge(cell: &str, accepted: &[String], known: &[&String]) -> Choice {
    let got = norm(cell);
    if accepted.iter().any(|a| norm(a) == got) {
        return Choice::Accepted;
    }
    let choice = stated(cell);
    let is_choice = |c: &str| !c.is_empty() && c.chars().any(char::is_alphanumeric);
    let others: Vec<String> = known
        .iter()
        .map(|k| stated(k))
        .filter(|k| is_choice(k) && !accepted.iter().any(|a| stated(a) == *k))
        .collect();
    if accepted.iter().any(|a| stated(a) == choice) {
        // A note that names another choice hedges: "request-reply (or fire-and-forget)".
        let note = split_note(trim_marks(&got)).1.map(norm).unwrap_or_default();
        if others.iter().any(|o| affirms_words(&note, o)) {
            return Choice::Wordy;
        }
        return Choice::Accepted;
    }
    if others.contains(&choice) {
        return Choice::Other;
    }
    let names_a_choice = known
        .iter()
        .map(|k| stated(k))
        .filter(|k| is_choice(k))
        .any(|k| affirms_words(&choice, &k) || choice.contains(&k));
    if names_a_choice {
        Choice::Wordy
    } else {
        Choice::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn punctuation_a_note_and_the_word_flow_do_not_change_the_choice() {
        let batch = values(&["batch sync", "batch"]);
        let all = values(&["batch sync", "batch", "request-reply", "fire-and-forget"]);
        let known: Vec<&String> = all.iter().collect();
        for cell in [
            "Batch.",
            "**Batch sync**",
            "Batch sync (Bulk API 2.0)",
            "Batch sync.",
        ] {
            assert_eq!(judge(cell, &batch, &known), Choice::Accepted, "{cell}");
        }
        let ff = values(&["fire-and-forget"]);
        assert_eq!(judge("Fire-and-forget.", &ff, &known), Choice::Accepted);
        let flows = values(&[
            "client credentials",
            "jwt bearer",
            "web server + pkce",
            "device",
        ]);
        let known: Vec<&String> = flows.iter().collect();
        for (cell, want) in [
            ("Client credentials flow", "client credentials"),
            ("JWT bearer flow", "jwt bearer"),
            ("Web server flow + PKCE", "web server + pkce"),
            ("Device flow", "device"),
        ] {
            assert_eq!(
                judge(cell, &values(&[want]), &known),
                Choice::Accepted,
                "{cell}"
            );
        }
        assert_eq!(stated("WMS (system of record)"), "wms");
        assert_eq!(stated("—"), "-");
        assert_eq!(stated("SOAP API (enterprise WSDL)"), "soap api");
    }

    #[test]
    fn another_choice_stays_wrong_and_a_hedge_or_a_sentence_is_told_to_write_one() {
        let all = values(&["batch sync", "batch", "request-reply", "fire-and-forget"]);
        let known: Vec<&String> = all.iter().collect();
        let rr = values(&["request-reply"]);
        assert_eq!(judge("Batch.", &rr, &known), Choice::Other);
        assert_eq!(
            judge("Request-reply (or fire-and-forget)", &rr, &known),
            Choice::Wordy
        );
        assert_eq!(
            judge("Request-reply, the rep waits", &rr, &known),
            Choice::Wordy
        );
        assert_eq!(
            judge("Batch, because it is nightly", &rr, &known),
            Choice::Wordy
        );
        assert_eq!(judge("synchronous call", &rr, &known), Choice::Other);
    }
}
