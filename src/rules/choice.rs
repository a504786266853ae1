//! Judging a choice cell of a design table (`Pattern: batch sync`) against the values a row
//! accepts, as a reader would: `Batch.`, `Batch sync (Bulk API 2.0)`, `Client credentials
//! flow` and `WMS (system of record)` state the choices `batch`, `batch sync`, `client
//! credentials` and `wms`. A cell that names a choice among other words ("batch, because it
//! is nightly") is told to write the choice alone, and a note that offers another choice
//! ("request-reply (or fire-and-forget)", "SOAP API (REST also works)") does not pass as the
//! first one; a note that only mentions one ("Bulk API 2.0 (REST-based, async)") does. A note that adds the qualifier an
//! option has states that option ("Web server flow (with PKCE)" is "web server + PKCE"), and
//! every kind of dash between words reads alike ("Invocation – Request and Reply").

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

/// A cell with every kind of dash written as `-`, so that a dash between words reads the same
/// however it is typed: "Invocation – Request", "Invocation—Request" and "Invocation - Request".
fn plain_dashes(cell: &str) -> String {
    cell.chars()
        .map(|c| {
            if LONE_DASHES.contains(&c.to_string().as_str()) {
                '-'
            } else {
                c
            }
        })
        .collect()
}

/// The words of a choice without the kind words and the dashes standing between words.
fn choice_words(text: &str) -> String {
    trim_marks(text)
        .split_whitespace()
        .filter(|w| !KIND_WORDS.contains(w) && !w.chars().all(|c| c == '-'))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The choice a (normalised) cell states: trailing punctuation, a trailing parenthetical note
/// and the words "flow"/"grant" dropped, any dash between words read alike; a lone dash of any
/// kind, with or without a note ("— (none)"), as `-`.
pub(crate) fn stated(cell: &str) -> String {
    let text = norm(&plain_dashes(cell));
    let text = trim_marks(&text);
    let (choice, _) = split_note(text);
    if text == "-" || trim_marks(choice) == "-" {
        return "-".into();
    }
    choice_words(choice)
}

/// Words that join a qualifier to a choice: "web server + PKCE", "web server with PKCE".
const JOINERS: &[&str] = &["+", "with", "and", "&", "plus", "using"];

/// The choice a cell states with its note read as part of it and the joining words left out:
/// "Web server flow (with PKCE)" and "Web server (PKCE)" state "web server pkce", as the
/// option "web server + pkce" does.
fn stated_with_note(cell: &str) -> String {
    let text = norm(&plain_dashes(cell)).replace(['(', ')'], " ");
    choice_words(&text)
        .split_whitespace()
        .filter(|w| !JOINERS.contains(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Words by which a note offers another choice instead of explaining this one: "(or
/// fire-and-forget)", "(maybe batch)".
const HEDGES: &[&str] = &[
    "or",
    "either",
    "maybe",
    "perhaps",
    "possibly",
    "alternatively",
    "otherwise",
];

/// Words by which a note calls a choice fit ("REST also works", "batch also fine", "platform
/// events would also do"); said with one of [`TOO`] and not under a negation ("REST would not
/// work"), the note offers that choice as well as the stated one.
const FIT: &[&str] = &[
    "works",
    "work",
    "do",
    "fine",
    "ok",
    "okay",
    "good",
    "acceptable",
    "possible",
    "viable",
    "valid",
    "suitable",
    "suits",
    "option",
];

/// Words that put another choice beside the stated one ("also", "too", "as well").
const TOO: &[&str] = &["also", "too", "equally"];

/// Whether a (normalised) note offers another choice instead of explaining this one: it holds
/// a word of [`HEDGES`] ("or fire-and-forget"), or calls a choice fit as well ("REST also
/// works", "request-reply works as well") without denying it ("REST would not do either").
fn hedges(note: &str) -> bool {
    let words: Vec<&str> = note
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .collect();
    let has = |list: &[&str]| words.iter().any(|w| list.contains(w));
    let too = has(TOO) || words.windows(2).any(|w| w == ["as", "well"]);
    has(HEDGES) || has(FIT) && too && !words.iter().any(|w| super::negation::is_negation(w))
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
        // A note that offers another choice hedges: "request-reply (or fire-and-forget)",
        // "SOAP API (REST also works)"; one that only mentions it explains ("Composite (one
        // REST call, allOrNone)").
        let note = split_note(trim_marks(&got)).1.map(norm).unwrap_or_default();
        if hedges(&note) && others.iter().any(|o| affirms_words(&note, o)) {
            return Choice::Wordy;
        }
        return Choice::Accepted;
    }
    // A note that adds the qualifier an option has: "Web server flow (with PKCE)".
    let with_note = stated_with_note(cell);
    if split_note(trim_marks(&got)).1.is_some()
        && accepted.iter().any(|a| stated_with_note(a) == with_note)
    {
        return Choice::Accepted;
    }
    if others.contains(&choice) {
        return Choice::Other;
    }
    // A known name with another version is one name, another choice: "Bulk API 1.0", "Bulk v1".
    if another_version(&choice, known) {
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

/// A version number as a word, written plainly (`v1` and `1.0` as `1`, `V2.1` as `2.1`);
/// None for any other word.
fn version(word: &str) -> Option<String> {
    let digits = word.strip_prefix(['v', 'V']).unwrap_or(word);
    let is_number = digits.starts_with(|c: char| c.is_ascii_digit())
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.');
    let mut plain = digits;
    while let Some(shorter) = plain.strip_suffix(".0") {
        plain = shorter;
    }
    is_number.then(|| plain.to_string())
}

/// A stated choice's words apart from its version numbers, and its versions.
fn name_and_versions(choice: &str) -> (Vec<&str>, Vec<String>) {
    let (versions, words): (Vec<&str>, Vec<&str>) = choice
        .split_whitespace()
        .partition(|w| version(w).is_some());
    (words, versions.into_iter().filter_map(version).collect())
}

/// Whether `choice` gives a version and is, but for it, a name among `known` that never has
/// that version: `bulk api 1.0` and `bulk v1` beside `bulk api 2.0`, `bulk api` and `bulk`,
/// where `bulk api 2` is `bulk api 2.0` written shorter and `bulk api 2.0 async` says more.
fn another_version(choice: &str, known: &[&String]) -> bool {
    let (name, versions) = name_and_versions(choice);
    if versions.is_empty() {
        return false;
    }
    let same_name: Vec<Vec<String>> = known
        .iter()
        .map(|k| stated(k))
        .filter_map(|k| {
            let (n, v) = name_and_versions(&k);
            (n == name).then_some(v)
        })
        .collect();
    !same_name.is_empty() && !same_name.contains(&versions)
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
    #[test]
    fn a_note_that_only_mentions_another_choice_explains_and_one_that_offers_it_hedges() {
        let all = values(&[
            "rest api",
            "composite",
            "bulk api 2.0",
            "external services",
            "apex rest",
        ]);
        let known: Vec<&String> = all.iter().collect();
        for (cell, want) in [
            ("Composite (one REST call, allOrNone)", "composite"),
            ("Bulk API 2.0 (REST-based, async)", "bulk api 2.0"),
            (
                "External Services (wraps the vendor's REST API)",
                "external services",
            ),
            ("Apex REST (a custom REST endpoint)", "apex rest"),
        ] {
            assert_eq!(
                judge(cell, &values(&[want]), &known),
                Choice::Accepted,
                "{cell}"
            );
        }
        for cell in ["Composite (or Bulk API 2.0)", "Composite (maybe REST API)"] {
            assert_eq!(
                judge(cell, &values(&["composite"]), &known),
                Choice::Wordy,
                "{cell}"
            );
        }
    }

    #[test]
    fn a_note_that_calls_another_choice_fit_too_hedges() {
        let apis = values(&[
            "rest api",
            "rest",
            "soap api",
            "composite",
            "pub/sub api",
            "platform events",
        ]);
        let known: Vec<&String> = apis.iter().collect();
        for (cell, want) in [
            ("SOAP API (REST also works)", "soap api"),
            ("SOAP API (REST works as well)", "soap api"),
            ("SOAP API (REST is fine too)", "soap api"),
            ("Pub/Sub API (Platform events would also do)", "pub/sub api"),
        ] {
            assert_eq!(
                judge(cell, &values(&[want]), &known),
                Choice::Wordy,
                "{cell}"
            );
        }
        let patterns = values(&[
            "request-reply",
            "fire-and-forget",
            "batch sync",
            "batch",
            "event-driven",
        ]);
        let known: Vec<&String> = patterns.iter().collect();
        for (cell, want) in [
            ("event-driven (request-reply works too)", "event-driven"),
            ("fire-and-forget (batch also fine)", "fire-and-forget"),
        ] {
            assert_eq!(
                judge(cell, &values(&[want]), &known),
                Choice::Wordy,
                "{cell}"
            );
        }
        // Denying the other choice, or saying what this one also does, explains it.
        for (cell, want, known) in [
            ("SOAP API (REST would not work)", "soap api", &apis),
            ("SOAP API (REST can't do it)", "soap api", &apis),
            (
                "Composite (one REST call would do it all)",
                "composite",
                &apis,
            ),
            (
                "Pub/Sub API (also carries platform events)",
                "pub/sub api",
                &apis,
            ),
            (
                "event-driven (many teams subscribe)",
                "event-driven",
                &patterns,
            ),
        ] {
            let known: Vec<&String> = known.iter().collect();
            assert_eq!(
                judge(cell, &values(&[want]), &known),
                Choice::Accepted,
                "{cell}"
            );
        }
    }

    #[test]
    fn a_known_name_with_another_version_is_another_choice_not_a_wordy_one() {
        let all = values(&["rest api", "bulk api 2.0", "bulk api", "bulk", "bulk v2"]);
        let known: Vec<&String> = all.iter().collect();
        let bulk2 = values(&["bulk api 2.0", "bulk api", "bulk", "bulk v2"]);
        for cell in ["Bulk API 1.0", "Bulk API v1", "Bulk v1", "Bulk API 1"] {
            assert_eq!(judge(cell, &bulk2, &known), Choice::Other, "{cell}");
        }
        for cell in ["Bulk API 2.0, it is millions", "Bulk API because of volume"] {
            assert_eq!(judge(cell, &bulk2, &known), Choice::Wordy, "{cell}");
        }
        assert_eq!(
            judge("Bulk API 2.0", &bulk2, &known),
            Choice::Accepted,
            "its own version"
        );
        // The version written shorter is still that version, told as before.
        assert_ne!(
            judge("Bulk API 2", &values(&["rest api"]), &known),
            Choice::Other
        );
    }

    #[test]
    fn a_note_adding_the_qualifier_of_an_option_states_that_option() {
        let flows = values(&["web server + pkce", "web server", "device"]);
        let known: Vec<&String> = flows.iter().collect();
        let spa = values(&["web server + pkce", "authorization code + pkce"]);
        for cell in [
            "Web server flow (with PKCE)",
            "Web server (PKCE)",
            "Authorization code (PKCE)",
        ] {
            assert_eq!(judge(cell, &spa, &known), Choice::Accepted, "{cell}");
        }
        assert_eq!(
            judge("Web server (device)", &spa, &known),
            Choice::Other,
            "another qualifier"
        );
    }

    #[test]
    fn every_kind_of_dash_between_words_reads_alike() {
        let rr = values(&["Remote Process Invocation—Request and Reply"]);
        let known: Vec<&String> = rr.iter().collect();
        for cell in [
            "Remote Process Invocation – Request and Reply",
            "Remote Process Invocation — Request and Reply",
            "Remote Process Invocation - Request and Reply",
            "Remote Process Invocation—Request and Reply",
        ] {
            assert_eq!(judge(cell, &rr, &known), Choice::Accepted, "{cell}");
        }
        assert_eq!(stated("— (none)"), "-");
        assert_eq!(stated("- (n/a)"), "-");
    }
}
