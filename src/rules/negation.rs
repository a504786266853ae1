//! Whether a written answer says an idea outright or only names it to deny it: "retry with
//! backoff" says retry, "no retry", "nobody retries", "a retry is overkill" and "a retry is
//! not needed" do not. Used by `design.table` (a cell must name an idea, or must not say a
//! ruled-out one) and `review.findings` (a row is about a planted problem; there "skips",
//! "disabled" and "not needed" describe the problem rather than deny it: see [`reports`]).
//!
//! A phrase is looked up in normalised text (see `doc_table::norm`). An occurrence counts
//! unless its clause (cut at `, ; . : ( ) |` and dashes) denies it: a negation among the three
//! words just before it, articles and prepositions aside ("no", "not", "never", "nobody",
//! "nothing", "without", "instead"…: "never put in the URL" denies the URL), reaching
//! across a list joined by "or"/"nor" and stopped by "but"; or a denial just after it, perhaps
//! past one word that ends its noun ("a retry is not needed", "refresh token left out", "JWT
//! bearer is overkill"). A state a reason may describe ("the password flow is disabled in new
//! orgs", "a stored password is unsafe") is no denial; a lab rules such words out where it
//! asks for a plan. A phrase written `a … b` (or `a ... b`) names `a` and then, later in
//! the same text, `b`: `token … url` is said by "the bearer token is exposed in the request
//! URL".
//!
//! Implementation notes: this is word matching, not understanding. It catches the common ways
//! of saying the opposite; an answer that denies an idea in other words still counts, and a
//! lab adds the words it rules out (`design.table`'s `ruled_out`) where they matter.

/// Words that deny what follows them in the same clause: "no retry", "not client credentials",
/// "without a backoff", "instead of a replay id", "nobody retries", "nothing hidden".
const NEGATIONS: &[&str] = &[
    "no",
    "not",
    "never",
    "nobody",
    "nothing",
    "none",
    "nowhere",
    "without",
    "nor",
    "instead",
    "rather",
    "don't",
    "dont",
    "doesn't",
    "didn't",
    "won't",
    "wouldn't",
    "shouldn't",
    "can't",
    "cannot",
    "couldn't",
    "isn't",
    "aren't",
    "wasn't",
    "weren't",
    "hasn't",
    "haven't",
    "neither",
];

/// Words by which a plan leaves out what follows them ("skip the replay id", "ignore the
/// stored replay id"); in a finding they are the problem itself ("disabled certificate
/// checks").
const SETS_ASIDE: &[&str] = &[
    "avoid",
    "avoids",
    "avoiding",
    "skip",
    "skips",
    "disable",
    "disables",
    "disabled",
    "ignore",
    "ignores",
    "ignoring",
    "discard",
    "discards",
    "discarding",
];

/// Words joining the items of a list a negation reaches across: "no retry or backoff",
/// "not client credentials nor JWT". ("And" is left out: "no retry and a dead-letter queue"
/// usually keeps the queue.)
const LIST_JOINERS: &[&str] = &["or", "nor"];

/// What may follow a word in a plan to deny it in the same clause: "a retry is not needed",
/// "JWT isn't used", "polling: unnecessary", "CDC is overkill", "refresh token left out". (In a
/// finding these describe the problem: "the scope is not needed".)
const DENIED_AFTER: &[&str] = &[
    "is not needed",
    "is not used",
    "is not required",
    "is not necessary",
    "is not an option",
    "is not applicable",
    "is not safe",
    "is not worth",
    "is never used",
    "is unnecessary",
    "is impossible",
    "is overkill",
    "is too much",
    "is extra work",
    "isn't needed",
    "isn't used",
    "isn't required",
    "isn't safe",
    "isn't worth",
    "are not needed",
    "are not used",
    "are not required",
    "are not necessary",
    "are not safe",
    "are unnecessary",
    "are overkill",
    "aren't needed",
    "aren't used",
    "would be overkill",
    "not needed",
    "not required",
    "not used",
    "not granted",
    "unnecessary",
    "overkill",
    "left off",
    "left out",
    "will not be used",
    "won't be used",
];

/// Where the clause holding `at` starts and ends in `text`.
fn clause_around(text: &str, at: usize, len: usize) -> (usize, usize) {
    const MARKS: [char; 9] = [',', ';', '.', ':', '(', ')', '|', '—', '–'];
    let start = text[..at]
        .char_indices()
        .rev()
        .find(|(_, c)| MARKS.contains(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let end = text[at + len..]
        .find(MARKS)
        .map_or(text.len(), |i| at + len + i);
    (start, end)
}

/// A word without the punctuation around it, a typographic apostrophe read as `'`.
fn bare(w: &str) -> String {
    w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
        .replace('’', "'")
}

/// Articles and prepositions, which a negation reaches past without using up its reach:
/// "never put in the URL" denies the URL as "never put URL" would.
const SMALL_WORDS: &[&str] = &[
    "a", "an", "the", "in", "into", "on", "to", "of", "at", "for", "from", "by",
];

/// True when a negation in `before` (the clause's words before an occurrence) reaches it:
/// one of the three words just before it (not counting [`SMALL_WORDS`]), or three words
/// before an "or" that joins it to negated items ("not client credentials or JWT"); "but"
/// ends the reach.
fn negated_before(before: &str, reading: Reading) -> bool {
    let mut reach = 3;
    for (i, w) in before.split_whitespace().rev().map(bare).enumerate() {
        if reach == 0 || w == "but" {
            return false;
        }
        // `non-` (read as "non") denies only the word it is joined to: "non-idempotent", not
        // the rest of "a non-interactive client credentials flow".
        if w == "non" {
            if i == 0 {
                return true;
            }
            reach -= 1;
            continue;
        }
        if NEGATIONS.contains(&w.as_str())
            || reading == Reading::Plan && SETS_ASIDE.contains(&w.as_str())
        {
            return true;
        }
        reach = if LIST_JOINERS.contains(&w.as_str()) {
            3
        } else if SMALL_WORDS.contains(&w.as_str()) {
            reach
        } else {
            reach - 1
        };
    }
    false
}

/// True when the clause's words after an occurrence deny it ("… is not needed"), right after
/// it or past one word that ends its noun ("refresh token left out").
fn denied_after(after: &str) -> bool {
    let words: Vec<String> = after.split_whitespace().map(bare).take(7).collect();
    let says = |from: usize| {
        let said = words.get(from..).unwrap_or_default().join(" ");
        DENIED_AFTER
            .iter()
            .any(|d| said == *d || said.starts_with(&format!("{d} ")))
    };
    says(0) || says(1)
}

/// The byte offsets where `text` says `word` (normalised) outright: occurrences that start
/// a word of the text (and, when `whole`, also end one) and that their clause does not deny.
fn affirmed_at(text: &str, word: &str, reading: Reading, whole: bool) -> Vec<usize> {
    // A word starts a word of the text ("api" is not in "rapid", "eca" not in "because"); it
    // may end inside one, so a stem ("idempot", "reconcil") names its forms.
    let starts_word = word.starts_with(|c: char| c.is_alphanumeric());
    let ends_word = word.ends_with(|c: char| c.is_alphanumeric());
    text.match_indices(word)
        .filter(|(at, _)| {
            let glued_before = text[..*at]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric);
            let glued_after = text[at + word.len()..]
                .chars()
                .next()
                .is_some_and(char::is_alphanumeric);
            if starts_word && glued_before || whole && ends_word && glued_after {
                return false;
            }
            let (start, end) = clause_around(text, *at, word.len());
            let after = &text[at + word.len()..end];
            let denied = reading == Reading::Plan && denied_after(after);
            !negated_before(&text[start..*at], reading) && !denied
        })
        .map(|(at, _)| at)
        .collect()
}

/// What kind of text a phrase is looked up in (see [`affirms`] and [`reports`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// A design or a fix: what will be done. Leaving something out denies it.
    Plan,
    /// A finding: what is wrong. Only words of denial deny.
    Finding,
}

/// A spaced hyphen separates clauses as a dash does: "no password - JWT bearer".
fn with_dashes(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains(" - ") {
        text.replace(" - ", " — ").into()
    } else {
        text.into()
    }
}

/// The parts of a phrase written `a … b`: each must be said, in this order.
fn parts(phrase: &str) -> Vec<&str> {
    phrase
        .split(['…'])
        .flat_map(|p| p.split("..."))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

fn says(text: &str, phrase: &str, reading: Reading, whole: bool) -> bool {
    let text = with_dashes(text);
    let mut from = 0;
    for part in parts(phrase) {
        let Some(at) = affirmed_at(&text, part, reading, whole)
            .into_iter()
            .find(|at| *at >= from)
        else {
            return false;
        };
        from = at + part.len();
    }
    true
}

/// True when normalised `text` says `phrase` (normalised) outright somewhere; a phrase may
/// end inside a word of the text, so a stem (`idempot`) names its forms (see the module).
pub(crate) fn affirms(text: &str, phrase: &str) -> bool {
    says(text, phrase, Reading::Plan, false)
}

/// Like [`affirms`], but each part of `phrase` must end where a word of the text ends:
/// `full` is said by "full scope", not by "fully".
pub(crate) fn affirms_words(text: &str, phrase: &str) -> bool {
    says(text, phrase, Reading::Plan, true)
}

/// Whether a finding (what is wrong) names `phrase` outright: only words of denial deny it
/// ("the token is never put in the URL"); what a plan would leave out is the problem here
/// ("certificate checks disabled", "the full scope is not needed").
pub(crate) fn reports(text: &str, phrase: &str) -> bool {
    says(text, phrase, Reading::Finding, false)
}

/// Like [`reports`], each part of `phrase` ending where a word of the text ends.
pub(crate) fn reports_words(text: &str, phrase: &str) -> bool {
    says(text, phrase, Reading::Finding, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::design::norm;

    #[test]
    fn a_word_under_a_negation_does_not_count() {
        assert!(affirms("retry with backoff", "retry"));
        assert!(!affirms("a retry is not needed", "retry"));
        assert!(!affirms("jwt isn't used here", "jwt"));
        assert!(
            affirms("retry not more than three times", "retry"),
            "a bare not after the word is no denial"
        );
        assert!(
            affirms("retry if not 2xx, with backoff", "retry"),
            "a condition is no denial"
        );
        assert!(!affirms("no retry", "retry"));
        assert!(
            !affirms(&norm("a non-idempotent POST, sent again"), "idempot"),
            "non- denies what follows it"
        );
        assert!(
            affirms(
                &norm("a non-interactive client credentials flow"),
                "client credentials"
            ),
            "and only that"
        );
        assert!(!affirms("not client credentials", "client credentials"));
        assert!(!affirms(
            "resubscribe without the stored replay id",
            "replay id"
        ));
        assert!(!affirms(
            "a new key each time instead of an idempotency key",
            "idempotency key"
        ));
        assert!(
            affirms("no polling; resume from the stored replay id", "replay id"),
            "another clause"
        );
        assert!(
            affirms("not polling but the replay id, stored", "replay id"),
            "but ends a negation's reach"
        );
        assert!(!affirms("not client credentials or jwt", "jwt"));
        for dashed in [
            "no password — jwt bearer",
            "no password – jwt bearer",
            "no password - jwt bearer",
        ] {
            assert!(affirms(dashed, "jwt"), "a dash ends the negation: {dashed}");
        }
        assert!(!affirms("neither polling nor a replay id", "replay id"));
        assert!(
            affirms("no polling and a stored replay id", "replay id"),
            "and keeps what follows"
        );
        assert!(
            affirms(
                "no polling at all or anything like it but a replay id",
                "replay id"
            ),
            "but after an or still ends the reach"
        );
        assert!(
            !affirms("ignore the stored replay id", "replay"),
            "ignoring is a negation"
        );
    }

    #[test]
    fn nobody_and_nothing_deny_what_they_reach() {
        assert!(!affirms(
            "nobody retries; the night's data is lost",
            "retries"
        ));
        assert!(!affirms(
            &norm("I read it and nothing malicious or hidden is in it"),
            "hidden"
        ));
        assert!(!affirms("nothing malicious here", "malicious"));
        assert!(!affirms("nobody tells the model anything odd", "tells the"));
        assert!(
            affirms("a stored password is unsafe", "password"),
            "a reason may call a thing unsafe"
        );
        assert!(
            !affirms("the retry isn’t needed", "retry"),
            "a curly apostrophe"
        );
        assert!(
            affirms("nothing is lost: the job retries later", "retries"),
            "another clause"
        );
    }

    #[test]
    fn a_denial_after_the_noun_it_ends_does_not_count() {
        assert!(!affirms("full scope; refresh token left out", "refresh"));
        assert!(
            affirms("the password flow is disabled in new orgs", "password"),
            "a reason may describe a state"
        );
        assert!(!affirms("keep polling; cdc is overkill", "cdc"));
        assert!(!affirms("keep the password flow; jwt is overkill", "jwt"));
        assert!(!affirms(
            "a named credential is extra work",
            "named credential"
        ));
        assert!(!affirms("full and web scopes, openid left off", "openid"));
        assert!(affirms("api and refresh token, so it survives", "refresh"));
        assert!(
            affirms("turn tls verification on; it was disabled", "tls"),
            "the denial is in another clause"
        );
    }

    #[test]
    fn a_phrase_with_a_gap_names_its_parts_in_order() {
        let text = norm("Bearer token exposed in the request URL of the SOQL call");
        assert!(affirms(&text, "token … url"));
        assert!(affirms(&text, "token ... url"));
        assert!(!affirms(&text, "url … token"), "in order");
        assert!(!affirms("the token is never put in the url", "token … url"));
    }

    #[test]
    fn a_word_counts_only_where_a_word_of_the_text_starts() {
        assert!(!affirms("because it is rapid", "eca"));
        assert!(!affirms("rapid and capital", "api"));
        assert!(affirms("the rest api", "api"));
        assert!(
            affirms("idempotent upsert", "idempot"),
            "a stem names its forms"
        );
        assert!(affirms("use -2 (earliest)", "-2"));
        assert!(affirms_words("full scope", "full"));
        assert!(!affirms_words("fully pre-authorised", "full"));
        assert!(
            affirms("fully pre-authorised", "full"),
            "a stem, by default"
        );
    }

    #[test]
    fn a_finding_is_denied_only_by_words_of_denial() {
        assert!(reports("certificate checking turned off", "certificate"));
        assert!(reports("disabled certificate checks", "certificate"));
        assert!(reports("the full scope is not needed by the job", "scope"));
        assert!(!reports("the token is never put in the url", "in the url"));
        assert!(!affirms("skip the certificate checks", "certificate"));
        assert!(reports("skip the certificate checks", "certificate"));
    }
}
