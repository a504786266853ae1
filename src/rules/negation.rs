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
//! across a list joined by "or"/"nor" and stopped by "but"; "not all"/"not every" anywhere
//! before it ("not all users may self-authorize"); or a denial just after it, perhaps past
//! one word that ends its noun ("a retry is not needed", "refresh token left out", "JWT
//! bearer is overkill", "full is too broad", "duplicate-free"). In a plan, words that set
//! aside ("skip", "avoid", "ignore") deny what follows them up to the means ("avoid
//! duplicates by using an upsert" keeps the upsert). A quoted name is denied where its
//! quotation stands ("replaces 'All users may self-authorize' with …").
//! Later in its sentence, "found none"/"nothing found" denies what was looked for ("checked
//! for prompt injection and found none"). A state a reason may describe ("the password flow
//! is disabled in new orgs", "a stored password is unsafe") is no denial; a lab rules such
//! words out where it asks for a plan. Where a word is ruled out ([`affirms_ruled_out`]),
//! a denial also reaches across "and" ("without View All and Modify All"), and words that keep
//! a thing away deny it too ("prevents", "guards against", "replaces"): an ambiguous denial
//! never counts against the learner; in a fix ([`fix_affirms_ruled_out`]) words after it that
//! reject it deny it as well ("base64 would not protect it", "… is not a fix"). A phrase
//! written `a … b` (or `a ... b`) names `a` and then, later in the same text, `b`, each part
//! read from the end of the one before it: `token … url` is said by "the bearer token is
//! exposed in the request URL", and `without … password` by "without a stored password".
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

/// Words that keep away what follows them ("the upsert prevents duplicates", "replaces 'All
/// users may self-authorize' with …"): a denial only where a word is ruled out, as a reason
/// may name what it replaces or prevents ("replaces a human password kept in a file").
const KEEPS_AWAY: &[&str] = &[
    "prevent",
    "prevents",
    "preventing",
    "stops",
    "replace",
    "replaces",
    "replacing",
];

/// Words before "against" that make it keep away what follows, as [`KEEPS_AWAY`] does:
/// "guards against duplicates".
const GUARDS: &[&str] = &[
    "guard",
    "guards",
    "guarding",
    "protect",
    "protects",
    "protecting",
    "protection",
    "safe",
    "safeguard",
    "safeguards",
];

/// Words that bring in the means of a plan: what follows them is used, not set aside ("avoid
/// duplicates by using an upsert", "replace the password with JWT bearer"). A word of
/// denial still reaches past them ("never with a password").
const MEANS: &[&str] = &["with", "by", "using", "via", "through"];

/// Words that, after "not", deny the rest of their clause however long it is: "not all users
/// may self-authorise", "not every user".
const QUANTIFIERS: &[&str] = &[
    "all",
    "every",
    "everyone",
    "everybody",
    "any",
    "anyone",
    "anybody",
];

/// Words joining the items of a list a negation reaches across: "no retry or backoff",
/// "not client credentials nor JWT". ("And" is left out: "no retry and a dead-letter queue"
/// usually keeps the queue; only where a word is ruled out does "and" join the list, see
/// [`affirms_ruled_out`].)
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
    "is pointless",
    "is useless",
    "is futile",
    "is too broad",
    "is too wide",
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
    "are impossible",
    "are too broad",
    "are too wide",
    "aren't needed",
    "aren't used",
    "would be overkill",
    "would be pointless",
    "would be too broad",
    "would be too wide",
    "too broad",
    "too wide",
    "can't happen",
    "cannot happen",
    "can never happen",
    "won't happen",
    "will not happen",
    "never happen",
    "never happens",
    "cannot appear",
    "can't appear",
    "never appear",
    "cannot occur",
    "can't occur",
    "never occur",
    "are not created",
    "aren't created",
    "are never created",
    "are not possible",
    "aren't possible",
    "is not possible",
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

/// What, later in the same sentence, says a thing looked for was not there: "I checked for
/// prompt injection and found none", "hidden instructions: none found".
const FOUND_NONE: &[&str] = &[
    "found none",
    "none found",
    "found nothing",
    "nothing found",
    "none was found",
    "none were found",
    "none detected",
    "nothing detected",
    "saw none",
    "none seen",
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

/// True when `word` (one word, any case) denies what follows it: "never", "don't", "not".
pub(crate) fn is_negation(word: &str) -> bool {
    NEGATIONS.contains(&bare(&word.to_lowercase()).as_str())
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
/// before a joiner that joins it to negated items ("not client credentials or JWT"); "not
/// all"/"not every" anywhere before it in the clause. "But" ends the reach; in a plan, a word
/// that sets aside ("avoid", "replace") does not reach past the means ("with", "by").
fn negated_before(before: &str, reading: Reading) -> bool {
    let words: Vec<String> = before.split_whitespace().rev().map(bare).collect();
    let mut reach = 3;
    let mut past_means = false;
    for (i, w) in words.iter().enumerate() {
        let w = w.as_str();
        if w == "but" {
            return false;
        }
        // The word before this one in the text.
        let earlier = words.get(i + 1).map(String::as_str);
        if QUANTIFIERS.contains(&w) && earlier == Some("not") {
            return true;
        }
        if reach == 0 {
            continue;
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
        let keeps_away = KEEPS_AWAY.contains(&w)
            || w == "against" && earlier.is_some_and(|e| GUARDS.contains(&e));
        let sets_aside =
            reading.plan() && SETS_ASIDE.contains(&w) || reading.ruled_out() && keeps_away;
        if NEGATIONS.contains(&w) || sets_aside && !past_means {
            return true;
        }
        past_means |= MEANS.contains(&w);
        let joins = LIST_JOINERS.contains(&w) || reading.ruled_out() && w == "and";
        reach = if joins {
            3
        } else if SMALL_WORDS.contains(&w) {
            reach
        } else {
            reach - 1
        };
    }
    false
}

/// True when the clause's words after an occurrence deny it ("… is not needed"), right after
/// it or past one word that ends its noun ("refresh token left out"); "-free" right after it
/// ("duplicate-free") denies it too.
fn denied_after(after: &str) -> bool {
    let words: Vec<String> = after.split_whitespace().map(bare).take(7).collect();
    let says = |from: usize| {
        let said = words.get(from..).unwrap_or_default().join(" ");
        DENIED_AFTER
            .iter()
            .any(|d| said == *d || said.starts_with(&format!("{d} ")))
    };
    words.first().is_some_and(|w| w == "free") || says(0) || says(1)
}

/// What, later in its clause, says in a plan that the thing named before it is set aside:
/// "the replay id stored on disk is ignored", "the stored key gets thrown away". (In a
/// finding that is the problem itself: "certificate errors are ignored".)
const SET_ASIDE_AFTER: &[&str] = &[
    "is ignored",
    "are ignored",
    "gets ignored",
    "get ignored",
    "is skipped",
    "are skipped",
    "is discarded",
    "are discarded",
    "is thrown away",
    "are thrown away",
    "gets thrown away",
    "is never read",
    "is not read",
    "isn't read",
    "are never read",
    "are not read",
    "is never used",
    "is not used",
    "isn't used",
    "are not used",
    "goes unused",
    "go unused",
    "is unused",
    "are unused",
    "is left unused",
    "is deleted",
    "are deleted",
];

/// How many words after an occurrence a plan may set it aside in (see [`set_aside_later`]).
const SET_ASIDE_REACH: usize = 8;

/// True when the clause's words after an occurrence in a plan set it aside (see
/// [`SET_ASIDE_AFTER`]), within [`SET_ASIDE_REACH`] words and before a word that opens a
/// clause of its own ("the replay id stored on disk is ignored", not "the replay id is stored
/// so duplicates are ignored").
fn set_aside_later(after: &str) -> bool {
    said_within_clause(after, SET_ASIDE_AFTER, SET_ASIDE_REACH)
}

/// True when one of `phrases` starts within `reach` words of `after`, before any word that
/// opens a clause of its own (see [`CLAUSE_OPENERS`]): what follows an occurrence is said of
/// it only in its own clause.
fn said_within_clause(after: &str, phrases: &[&str], reach: usize) -> bool {
    let words: Vec<String> = after
        .split_whitespace()
        .map(|w| bare(&w.to_lowercase()))
        .collect();
    for from in 0..=reach.min(words.len()) {
        let said = format!("{} ", words[from..].join(" "));
        if phrases.iter().any(|p| said.starts_with(&format!("{p} "))) {
            return true;
        }
        if words
            .get(from)
            .is_some_and(|w| CLAUSE_OPENERS.contains(&w.as_str()))
        {
            return false;
        }
    }
    false
}

/// What, after a thing a fix names, rejects it: "base64 would not protect it", "a proxy that
/// strips it is not a fix", "requesting full is what made the token dangerous". A modal
/// denial ("would not", "can't") is read as one; a bare "does not" is not, as it often
/// describes the thing ("trust every certificate the proxy does not sign").
const REJECTED_AFTER: &[&str] = &[
    "would not",
    "wouldn't",
    "will not",
    "won't",
    "could not",
    "couldn't",
    "cannot",
    "can't",
    "is not a fix",
    "is no fix",
    "is not the fix",
    "isn't a fix",
    "isn't the fix",
    "are not a fix",
    "aren't a fix",
    "is not a solution",
    "isn't a solution",
    "is not enough",
    "isn't enough",
    "is not safe",
    "isn't safe",
    "is what made",
    "was what made",
    "is what makes",
    "are what made",
    "is the problem",
    "was the problem",
    "is the cause",
    "was the cause",
];

/// Words that open a clause of their own within a sentence: a rejection after one of them
/// is about something else ("commit it to the same repo so CI cannot break").
const CLAUSE_OPENERS: &[&str] = &[
    "that", "which", "who", "so", "as", "because", "since", "if", "when", "unless", "until",
    "while", "and", "or", "but", "then", "it", "this",
];

/// How many words may stand between a thing a fix names and the words that reject it
/// ("base64 in the yaml would not hide it").
const REJECTION_REACH: usize = 4;

/// True when the clause's words after an occurrence in a fix reject it (see
/// [`REJECTED_AFTER`]): within [`REJECTION_REACH`] words, none opening a clause of its own.
fn rejected_after(after: &str) -> bool {
    said_within_clause(after, REJECTED_AFTER, REJECTION_REACH)
}

/// How many words after an occurrence "found none" may end in to deny it: "checked for
/// prompt injection and found none", not a remark at the end of a long sentence.
const FOUND_NONE_REACH: usize = 6;

/// True when the rest of the sentence after an occurrence says, within a few words, that it
/// was looked for and not found ("… and found none"), before any "but".
fn found_none_after(after: &str) -> bool {
    let sentence_end = after
        .char_indices()
        .find(|(i, c)| {
            matches!(c, ';' | '!' | '?')
                || *c == '.'
                    && after[i + 1..]
                        .chars()
                        .next()
                        .is_none_or(char::is_whitespace)
        })
        .map_or(after.len(), |(i, _)| i);
    let words: Vec<String> = after[..sentence_end]
        .split_whitespace()
        .map(bare)
        .take_while(|w| w != "but")
        .take(FOUND_NONE_REACH)
        .collect();
    let said = format!(" {} ", words.join(" "));
    FOUND_NONE.iter().any(|f| said.contains(&format!(" {f} ")))
}

/// Words that, standing alone after a colon or a dash, answer "none" to what was looked for:
/// "prompt injection: none", "hidden instructions — nothing".
const NONE_ANSWERS: &[&str] = &["none", "nothing", "no", "nope", "zero", "nil", "n/a"];

/// True when the words right after an occurrence answer it with a bare "none" (see
/// [`NONE_ANSWERS`]): a colon, dash or question mark, then the word, ending its clause
/// ("injection: none, nothing hidden"), not "injection: none of the tools is safe".
fn answered_none(after: &str) -> bool {
    let rest = after.trim_start();
    let Some(rest) = rest
        .strip_prefix(':')
        .or_else(|| rest.strip_prefix('—'))
        .or_else(|| rest.strip_prefix('–'))
        .or_else(|| rest.strip_prefix('?'))
        .or_else(|| rest.strip_prefix("- "))
    else {
        return false;
    };
    let rest = rest.trim_start();
    NONE_ANSWERS.iter().any(|n| {
        rest.strip_prefix(n).is_some_and(|tail| {
            let tail = tail.trim_start();
            tail.is_empty() || tail.starts_with([',', ';', '.', '!', '?', ')', '|', '—', '–'])
        })
    })
}

/// Short denials that stand for a repeated statement and so end their clause: "we checked
/// whether it reuses the old token and it does not", "… reuses the old token? It doesn't." A
/// longer clause after them says something else ("… because it does not read the new one").
const ELLIPTICAL_DENIALS: &[&str] = &[
    "it does not",
    "it doesn't",
    "it did not",
    "it didn't",
    "it is not",
    "it isn't",
    "it was not",
    "it wasn't",
    "they do not",
    "they don't",
    "they did not",
    "they didn't",
    "that is not it",
    "that's not it",
    "not so",
];

/// What, later in the same sentence, says the thing before it is not the cause: "reusing
/// the old token is not the cause", "the old token was ruled out".
const NOT_THE_CAUSE: &[&str] = &[
    "is not the cause",
    "isn't the cause",
    "was not the cause",
    "wasn't the cause",
    "is not the problem",
    "isn't the problem",
    "was not the problem",
    "wasn't the problem",
    "is not the issue",
    "isn't the issue",
    "was ruled out",
    "is ruled out",
    "we ruled out",
    "can be ruled out",
];

/// How many words after an occurrence a denial of it may end in (see [`denied_later`]).
const DENIED_LATER_REACH: usize = 8;

/// True when a denial closes the clause after an occurrence ("… the old token and it does
/// not"), or, within a few words of it in the same sentence, says it is not the cause ("the
/// old token is not the cause"). The clause is cut at `, ; : .` and dashes, and a question
/// mark ends it, so "Does it reuse the old token? It does not." is read as one denial.
fn denied_later(after: &str) -> bool {
    let clause_end = after
        .char_indices()
        .find(|(i, c)| {
            matches!(c, ',' | ';' | ':' | '!' | '(' | ')' | '|' | '—' | '–')
                || *c == '.'
                    && after[i + 1..]
                        .chars()
                        .next()
                        .is_none_or(char::is_whitespace)
        })
        .map_or(after.len(), |(i, _)| i);
    let clause = after[..clause_end].replace('?', " ");
    let words: Vec<String> = clause.split_whitespace().map(bare).collect();
    if words.len() <= DENIED_LATER_REACH {
        let said = format!(" {}", words.join(" "));
        if ELLIPTICAL_DENIALS
            .iter()
            .any(|d| said.ends_with(&format!(" {d}")))
        {
            return true;
        }
    }
    let said = format!(
        " {} ",
        words
            .iter()
            .take_while(|w| *w != "but")
            .take(DENIED_LATER_REACH)
            .cloned()
            .collect::<Vec<_>>()
            .join(" ")
    );
    NOT_THE_CAUSE
        .iter()
        .any(|d| said.contains(&format!(" {d} ")))
}

const QUOTES: [char; 6] = ['\'', '"', '‘', '’', '“', '”'];

/// Where the quotation holding `text[at..at + len]` opens, when the occurrence is quoted
/// within `text[start..end]` ("replaces 'All users may self-authorize' with …"): a quote mark
/// that starts a word before it, with none closing between, and one that ends a word after it.
fn quoted_from(text: &str, (start, end): (usize, usize), at: usize, len: usize) -> Option<usize> {
    let opens = |i: usize, c: char| {
        let prev = text[..i].chars().next_back();
        let next = text[i + c.len_utf8()..].chars().next();
        prev.is_none_or(|p| p.is_whitespace() || p == '(')
            && next.is_some_and(char::is_alphanumeric)
    };
    let closes = |i: usize, c: char| {
        let prev = text[..i].chars().next_back();
        let next = text[i + c.len_utf8()..].chars().next();
        prev.is_some_and(|p| !p.is_whitespace()) && !next.is_some_and(char::is_alphanumeric)
    };
    let mut open = None;
    for (i, c) in text[start..at].char_indices().map(|(i, c)| (start + i, c)) {
        if !QUOTES.contains(&c) {
            continue;
        }
        if open.is_none() && opens(i, c) {
            open = Some(i);
        } else if open.is_some() && closes(i, c) {
            open = None;
        }
    }
    let open = open?;
    text[at + len..end]
        .char_indices()
        .any(|(i, c)| QUOTES.contains(&c) && closes(at + len + i, c))
        .then_some(open)
}

/// Endings a word may take where it is ruled out (see [`inflected_end`]): "duplicates pile
/// up" says `pile up`, "never ends" says `never end`, "the key is regenerated" says
/// `regenerate`.
const INFLECTIONS: &[&str] = &["s", "es", "d", "ed", "ing"];

/// Where `stem`, a word as a ruled-out phrase writes it, ends in `text` read from `at` when
/// it stands there whole or with one of [`INFLECTIONS`] (a final `e` dropped before `ing`, a
/// final `y` read as `ie`: "piling", "retries"); `None` when it does not stand there.
fn inflected_end(text: &str, at: usize, stem: &str) -> Option<usize> {
    let rest = &text[at..];
    let ends_here =
        |len: usize| (!rest[len..].starts_with(char::is_alphanumeric)).then_some(at + len);
    let mut roots = vec![stem.to_string()];
    if let Some(base) = stem.strip_suffix('e') {
        roots.push(base.to_string());
    }
    if let Some(base) = stem.strip_suffix('y') {
        roots.push(format!("{base}i"));
    }
    roots.iter().find_map(|root| {
        if !rest.starts_with(root.as_str()) {
            return None;
        }
        let whole = (root == stem).then(|| ends_here(root.len())).flatten();
        whole.or_else(|| {
            INFLECTIONS
                .iter()
                .filter(|i| rest[root.len()..].starts_with(*i))
                .find_map(|i| ends_here(root.len() + i.len()))
        })
    })
}

/// Where `word` (normalised) occurs in `text` as a whole phrase each of whose words may take
/// one of [`INFLECTIONS`]: start and length of each occurrence.
fn inflected_occurrences(text: &str, word: &str) -> Vec<(usize, usize)> {
    let words: Vec<&str> = word.split(' ').filter(|w| !w.is_empty()).collect();
    let Some(first) = words.first() else {
        return Vec::new();
    };
    let alnum_edges = words
        .iter()
        .all(|w| w.ends_with(char::is_alphanumeric) && w.starts_with(char::is_alphanumeric));
    if !alnum_edges {
        // Marks at a word's edge ("verify:", "-1") are matched as written.
        return text
            .match_indices(word)
            .filter(|(at, _)| {
                let glued_before = text[..*at]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric);
                let glued_after = text[at + word.len()..]
                    .chars()
                    .next()
                    .is_some_and(char::is_alphanumeric);
                !(word.starts_with(char::is_alphanumeric) && glued_before
                    || word.ends_with(char::is_alphanumeric) && glued_after)
            })
            .map(|(at, _)| (at, word.len()))
            .collect();
    }
    let stem = first
        .strip_suffix('e')
        .or(first.strip_suffix('y'))
        .unwrap_or(first);
    text.match_indices(stem)
        .filter(|(at, _)| {
            !text[..*at]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric)
        })
        .filter_map(|(at, _)| {
            let mut end = at;
            for (i, w) in words.iter().enumerate() {
                if i > 0 {
                    end += text[end..].strip_prefix(' ').map(|_| 1)?;
                }
                end = inflected_end(text, end, w)?;
            }
            Some((at, end - at))
        })
        .collect()
}

/// Where `word` (normalised) occurs in `text`: start and length of each occurrence that
/// starts a word of the text (and, when `whole`, also ends one; where a word is ruled out,
/// perhaps past one of [`INFLECTIONS`] on each of its words).
fn occurrences(text: &str, word: &str, reading: Reading, whole: bool) -> Vec<(usize, usize)> {
    if whole && reading.ruled_out() {
        return inflected_occurrences(text, word);
    }
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
            !(starts_word && glued_before || whole && ends_word && glued_after)
        })
        .map(|(at, _)| (at, word.len()))
        .collect()
}

/// The occurrences (start and length) where `text` says `word` (normalised) outright: those
/// [`occurrences`] finds that their clause does not deny. A negation before `floor` is not
/// read (the earlier part of a phrase `a … b`).
fn affirmed_at(
    text: &str,
    word: &str,
    reading: Reading,
    whole: bool,
    floor: usize,
) -> Vec<(usize, usize)> {
    occurrences(text, word, reading, whole)
        .into_iter()
        .filter(|&(at, len)| {
            let (start, end) = clause_around(text, at, len);
            let from = start.max(floor.min(at));
            // What follows is read from the end of the word a stem ends in ("duplicat" in
            // "duplicate-free").
            let tail = &text[at + len..];
            let word_end = at
                + len
                + tail
                    .find(|c: char| !c.is_alphanumeric())
                    .unwrap_or(tail.len());
            let after = &text[word_end..end.max(word_end)];
            let denied = reading.plan() && (denied_after(after) || set_aside_later(after))
                || reading == Reading::FixRuledOut && rejected_after(after)
                || found_none_after(&text[word_end..])
                || answered_none(&text[word_end..])
                || denied_later(&text[word_end..]);
            // A quoted name is denied where the quotation stands: "replaces 'All users may
            // self-authorize' with …".
            let quote_denied = quoted_from(text, (start, end), at, len)
                .is_some_and(|open| open >= from && negated_before(&text[from..open], reading));
            !negated_before(&text[from..at], reading) && !quote_denied && !denied
        })
        .collect()
}

/// What kind of text a phrase is looked up in (see [`affirms`], [`affirms_ruled_out`] and
/// [`reports`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// A design or a fix: what will be done. Leaving something out denies it.
    Plan,
    /// A plan searched for a word it must not say: read as a plan, and a denial also reaches
    /// across a list joined by "and" ("without View All and Modify All"), so a learner
    /// gets the benefit of the doubt either way.
    RuledOut,
    /// A fix searched for a word it must not say: read as [`Reading::RuledOut`], and words
    /// after it that reject it deny it too ("base64 would not protect it", "a proxy that
    /// strips it is not a fix"), see [`rejected_after`].
    FixRuledOut,
    /// A finding: what is wrong. Only words of denial deny.
    Finding,
}

impl Reading {
    fn plan(self) -> bool {
        matches!(
            self,
            Reading::Plan | Reading::RuledOut | Reading::FixRuledOut
        )
    }

    fn ruled_out(self) -> bool {
        matches!(self, Reading::RuledOut | Reading::FixRuledOut)
    }
}

/// A spaced hyphen separates clauses as a dash does: "no password - JWT bearer".
fn with_dashes(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains(" - ") {
        text.replace(" - ", " — ").into()
    } else {
        text.into()
    }
}

/// The parts of a phrase written `a … b`: each must be said, in this order. A part ending in
/// `*` is a stem (`duplicat*`), whatever the phrase is looked up with: with it, whether the
/// part must end where a word ends.
fn parts(phrase: &str, whole: bool) -> Vec<(&str, bool)> {
    phrase
        .split(['…'])
        .flat_map(|p| p.split("..."))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| match p.strip_suffix('*') {
            Some(stem) => (stem.trim_end(), false),
            None => (p, whole),
        })
        .collect()
}

fn says(text: &str, phrase: &str, reading: Reading, whole: bool) -> bool {
    let text = with_dashes(text);
    if phrase.contains(" + ") {
        return says_together(&text, phrase, reading, whole);
    }
    let mut from = 0;
    for (part, whole) in parts(phrase, whole) {
        // A later part is read from the end of the one before it: in "without … password",
        // "without" is the phrase's own word, not a denial of "password".
        let Some((at, len)) = affirmed_at(&text, part, reading, whole, from)
            .into_iter()
            .find(|(at, _)| *at >= from)
        else {
            return false;
        };
        from = at + len;
    }
    true
}

/// How many words may stand between two parts of a phrase written `a + b` (see
/// [`says_together`]): "the key is new", "every rerun piles up duplicates", not "the key
/// stays the same on each new attempt".
const TOGETHER_GAP: usize = 3;

/// True when `text` says every part of `phrase`, written `a + b`, outright, in any order,
/// within one clause and at most [`TOGETHER_GAP`] words apart, with no word opening a clause
/// of its own between them ("remove full so only api remains" does not say `full +
/// remain*`). A part ending in `*` is a stem.
fn says_together(text: &str, phrase: &str, reading: Reading, whole: bool) -> bool {
    let parts: Vec<(&str, bool)> = phrase
        .split(" + ")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| match p.strip_suffix('*') {
            Some(stem) => (stem.trim_end(), false),
            None => (p, whole),
        })
        .collect();
    let found: Vec<Vec<(usize, usize)>> = parts
        .iter()
        .map(|&(part, whole)| affirmed_at(text, part, reading, whole, 0))
        .collect();
    // Each part's occurrences, as spans; a choice of one per part is said together when,
    // sorted, each gap between neighbours holds few words and no clause mark or opener.
    let close = |a: (usize, usize), b: (usize, usize)| {
        let (first, second) = if a.0 <= b.0 { (a, b) } else { (b, a) };
        let Some(between) = text.get(first.0 + first.1..second.0) else {
            return false; // overlapping occurrences are one word, not two
        };
        let words: Vec<String> = between.split_whitespace().map(bare).collect();
        let marks = between.contains([',', ';', '.', ':', '(', ')', '|', '—', '–', '!', '?']);
        !marks
            && words.iter().filter(|w| !w.is_empty()).count() <= TOGETHER_GAP
            && !words.iter().any(|w| CLAUSE_OPENERS.contains(&w.as_str()))
    };
    fn choose(
        found: &[Vec<(usize, usize)>],
        chosen: &mut Vec<(usize, usize)>,
        close: &dyn Fn((usize, usize), (usize, usize)) -> bool,
    ) -> bool {
        let Some(options) = found.get(chosen.len()) else {
            let mut spans = chosen.clone();
            spans.sort();
            return spans.windows(2).all(|w| close(w[0], w[1]));
        };
        options.iter().any(|&o| {
            chosen.push(o);
            let ok = choose(found, chosen, close);
            chosen.pop();
            ok
        })
    }
    !found.iter().any(Vec::is_empty) && choose(&found, &mut Vec::new(), &close)
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

/// Like [`affirms_words`], for a word a cell must not say: a denial also reaches across a
/// list joined by "and" ("a run-as user without View All and Modify All"), so an ambiguous
/// denial does not count against the learner.
pub(crate) fn affirms_ruled_out(text: &str, phrase: &str) -> bool {
    says(text, phrase, Reading::RuledOut, true)
}

/// Like [`affirms_ruled_out`], for a fix: words after the phrase that reject it deny it too
/// ("base64 would not protect it", "a proxy that strips it is not a fix").
pub(crate) fn fix_affirms_ruled_out(text: &str, phrase: &str) -> bool {
    says(text, phrase, Reading::FixRuledOut, true)
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
    #[test]
    fn a_judgement_or_a_free_after_the_word_denies_it() {
        assert!(!affirms("`api` only, full is too broad", "full"));
        assert!(!affirms("api only; full would be too broad", "full"));
        assert!(!affirms("a rerun is duplicate free", "duplicate"));
        assert!(!affirms("so duplicates can't happen", "duplicates"));
        assert!(!affirms("duplicates are impossible", "duplicates"));
        assert!(!affirms("retrying is pointless", "retry"));
        assert!(affirms("free retries", "retries"), "free before the word");
    }

    #[test]
    fn words_that_set_aside_stop_at_the_means() {
        assert!(affirms("avoid duplicates by using an upsert", "upsert"));
        assert!(!affirms(
            "avoid duplicates by using an upsert",
            "duplicates"
        ));
        assert!(
            !affirms("never with a stored password", "password"),
            "a word of denial reaches past the means"
        );
    }

    #[test]
    fn words_that_keep_a_thing_away_deny_it_only_where_it_is_ruled_out() {
        assert!(!affirms_ruled_out(
            "upsert by external id prevents duplicates",
            "duplicates"
        ));
        assert!(!affirms_ruled_out(
            "the upsert guards against duplicate records",
            "duplicate"
        ));
        assert!(affirms_ruled_out(
            "prevent duplicates with the same key",
            "same key"
        ));
        assert!(affirms_ruled_out(
            "replace the password with jwt bearer",
            "jwt"
        ));
        assert!(!affirms_ruled_out(
            "replace the password with jwt bearer",
            "password"
        ));
        assert!(
            affirms(
                &norm("replaces a human password kept in a file"),
                "password"
            ),
            "a reason may name what it replaces"
        );
    }

    #[test]
    fn not_all_denies_the_rest_of_its_clause() {
        let text =
            norm("admin-approved users are pre-authorized, not all users may self-authorize");
        assert!(!affirms_words(&text, "self authorize"));
        assert!(!affirms_words(&text, "all users"));
        assert!(affirms_words(&text, "admin approved"));
    }

    #[test]
    fn a_quoted_option_is_denied_where_its_quotation_stands() {
        let text = norm("the permission set replaces 'All users may self-authorize' with admin-approved pre-authorization");
        assert!(!affirms_ruled_out(&text, "self authorize"));
        assert!(!affirms_ruled_out(&text, "all users"));
        assert!(affirms(&text, "pre authoriz"), "what replaces it is said");
        assert!(affirms_words(
            &norm("set \"All users may self-authorize\""),
            "self authorize"
        ));
        assert!(affirms_words(
            &norm("it's the users' choice: all users may"),
            "all users"
        ));
    }

    #[test]
    fn a_ruled_out_word_is_denied_across_a_list_joined_by_and() {
        for text in [
            "run-as user without View All and Modify All",
            "the run-as user has no View All and Modify All",
        ] {
            let text = norm(text);
            assert!(!affirms_ruled_out(&text, "modify all"), "{text}");
            assert!(!affirms_ruled_out(&text, "view all"), "{text}");
            assert!(
                affirms_words(&text, "modify all"),
                "a word asked for still counts"
            );
        }
        assert!(affirms_ruled_out("full and api scopes", "full"));
    }

    #[test]
    fn found_none_later_in_the_sentence_denies_what_was_looked_for() {
        let text = norm("I checked for prompt injection and found none");
        assert!(!affirms(&text, "injection"));
        assert!(!affirms(
            &norm("hidden instructions: none found."),
            "hidden"
        ));
        assert!(affirms(
            &norm("Prompt injection. Nothing found in the other tools"),
            "injection"
        ));
        assert!(!reports(
            "checked the query string, nothing found",
            "query string"
        ));
        assert!(
            affirms(
                &norm("its description tells the model to send every contact email to the tool, and the user would have found nothing odd"),
                "tells the"
            ),
            "too far away to be about it"
        );
    }

    #[test]
    fn a_denial_closing_the_clause_after_a_finding_denies_it() {
        let row = norm("We checked whether the script reuses the old token and it does not; the real cause is the org being flaky and dropping sessions");
        assert!(!reports(&row, "reuses … token"));
        assert!(!reports(&row, "old token"));
        assert!(!reports(
            &norm("Does it reuse the old token? It doesn't."),
            "old token"
        ));
        assert!(!reports(
            &norm("Reusing the old token is not the cause, the org is"),
            "old token"
        ));
        // A denial that goes on is about something else; one in another clause too.
        assert!(reports(
            &norm("The script reuses the old token because it does not read the new one"),
            "old token"
        ));
        assert!(reports(
            &norm("The script reuses the old token, and it does not log the refresh"),
            "old token"
        ));
        assert!(reports(
            &norm("It sends the old token again; it is not refreshed in the variable"),
            "old token"
        ));
    }

    #[test]
    fn a_later_part_of_a_phrase_is_read_from_the_end_of_the_part_before() {
        assert!(affirms(
            &norm("the job runs without a stored human password"),
            "without … password"
        ));
        assert!(affirms(
            &norm("the job no longer needs a password that never changes"),
            "no longer … password"
        ));
        assert!(!affirms("the token is never put in the url", "token … url"));
        assert!(
            affirms("a retry creates duplicates", "retr* … duplicat*"),
            "a part ending in * is a stem"
        );
        assert!(!affirms_words("fully", "full"));
        assert!(affirms_words("fully", "full*"));
    }

    #[test]
    fn a_ruled_out_word_is_said_with_an_inflection_too() {
        assert!(affirms_ruled_out(
            &norm("Retry in a loop that never ends until the ERP accepts it"),
            "never end"
        ));
        assert!(affirms_ruled_out(&norm("duplicates piled up"), "pile up"));
        assert!(affirms_ruled_out(
            &norm("the key is regenerated"),
            "regenerate"
        ));
        assert!(affirms_ruled_out(
            &norm("it retries forever"),
            "retry forever"
        ));
        assert!(!affirms_ruled_out(&norm("fully pre-authorised"), "full"));
        assert!(
            !affirms_ruled_out(&norm("an endpoint"), "end"),
            "another word"
        );
    }

    #[test]
    fn words_joined_by_plus_are_said_in_any_order_close_together() {
        let rule = "key + new";
        assert!(affirms_ruled_out(
            &norm("a key derived from the clock, so the key is new on every attempt"),
            rule
        ));
        assert!(affirms_ruled_out(&norm("a new key each time"), rule));
        assert!(
            !affirms_ruled_out(&norm("the key stays the same on each new attempt"), rule),
            "too far apart"
        );
        assert!(!affirms_ruled_out(&norm("the key, never a new one"), rule));
        let rule = "duplicat* + rerun*";
        assert!(affirms_ruled_out(
            &norm("we upsert by external id, but duplicates pile up on every rerun anyway"),
            "duplicat* + pile up"
        ));
        assert!(affirms_ruled_out(
            &norm("every rerun piles up duplicates"),
            rule
        ));
        assert!(!affirms_ruled_out(&norm("no duplicates on a rerun"), rule));
        assert!(
            !affirms_ruled_out(&norm("remove full so only api remains"), "full + remain*"),
            "a clause of its own between them"
        );
        assert!(affirms_ruled_out(
            &norm("the full scope remains"),
            "full + remain*"
        ));
    }

    #[test]
    fn a_plan_that_sets_a_thing_aside_later_in_its_clause_denies_it() {
        let cell = norm("The replay id stored on disk is ignored; we subscribe at -2");
        assert!(!affirms(&cell, "replay … stor"));
        assert!(affirms(
            &norm("Resume from the replay id stored on disk, so old events are ignored"),
            "replay … stor"
        ));
        assert!(
            reports(&norm("certificate errors are ignored"), "certificate"),
            "in a finding that is the problem"
        );
    }

    #[test]
    fn a_bare_none_after_a_colon_answers_what_was_looked_for() {
        let cell = norm("Not needed. I checked for prompt injection: none, nothing hidden, it is only off-topic");
        assert!(!affirms(&cell, "injection"));
        assert!(!affirms(&cell, "hidden"));
        assert!(affirms(
            &norm("prompt injection: none of its words are about shipments"),
            "injection"
        ));
        assert!(affirms(
            &norm("prompt injection: it tells the model to query contacts"),
            "injection"
        ));
    }
}
