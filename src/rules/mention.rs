//! Whether a program's output mentions an item: as a whole token, so an expected `1` is not
//! found inside `14997`, nor `SO-107` inside `SO-1070`.
//!
//! An item that starts (ends) with a letter or digit must not be glued to another letter,
//! digit or `_` on that side; a number must also not continue across a decimal point or a
//! thousands separator (`1` is not in `1.5` or `3,1`; a three-digit `500` is not in `4 500` or
//! `4'500`, where it is a group of a larger number). Items that start or end with
//! punctuation (`endpoint: /services/Soap/u/`) match on that side as plain text. Case counts,
//! except in [`mentions_loosely`], which finds what a line must not say however it is
//! written: in any case, and a number in any decimal form of its value (`0` in `0.0`; zero
//! also as a word standing for the value, "none", "zero" or "nil"), and a word also as a part
//! of a program's name for something (`opportunityCount`, `OpportunityCount`,
//! `opportunity_count` all name an Opportunity count; see [`identifier_parts`]).

fn word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `sep` joins digits into one number when a digit sits on its other side; a space, an
/// apostrophe or a no-break space does so only around a three-digit `group` (`4 500`).
fn joins_digits(sep: Option<char>, beyond: Option<char>, group: bool) -> bool {
    let joining = match sep {
        Some('.' | ',') => true,
        Some(' ' | '\'' | '\u{a0}' | '\u{202f}') => group,
        _ => false,
    };
    joining && beyond.is_some_and(|c| c.is_ascii_digit())
}

/// True when `item` occurs in `text` as a whole token (see the module notes).
pub(crate) fn mentions(text: &str, item: &str) -> bool {
    if item.is_empty() {
        return true;
    }
    let first = item.chars().next();
    let last = item.chars().next_back();
    let group = item.len() == 3 && item.bytes().all(|b| b.is_ascii_digit());
    text.match_indices(item).any(|(at, _)| {
        let mut before = text[..at].chars().rev();
        let mut after = text[at + item.len()..].chars();
        let (b1, b2) = (before.next(), before.next());
        let (a1, a2) = (after.next(), after.next());
        let open_start = match first {
            Some(c) if word_char(c) => {
                !(b1.is_some_and(word_char) || c.is_ascii_digit() && joins_digits(b1, b2, group))
            }
            _ => true,
        };
        let open_end = match last {
            Some(c) if word_char(c) => {
                !(a1.is_some_and(word_char) || c.is_ascii_digit() && joins_digits(a1, a2, group))
            }
            _ => true,
        };
        open_start && open_end
    })
}

/// Like [`mentions`], but case does not count (`OPPORTUNITIES` mentions `Opportunities`), a
/// word is also found as a part of a camelCase or snake_case name (`opportunityCount`), and a
/// number is also found written with another decimal form of the same value (`0.0`, `0.00` or
/// `00` for `0`; `1,500` for `1500`): for what a line must not say, however it says it.
pub(crate) fn mentions_loosely(text: &str, item: &str) -> bool {
    if mentions(&text.to_lowercase(), &item.to_lowercase()) {
        return true;
    }
    if name_holding_word(text, item).is_some() {
        return true;
    }
    let Ok(value) = item.parse::<f64>() else {
        return false;
    };
    numbers(text).contains(&value) || value == 0.0 && zero_in_words(text)
}

/// Words that state a count of zero when they stand as a value, no word after them:
/// "Opportunities: none (INVALID_TYPE)", but not "none granted". A code or a label printed
/// beside the value is no word about it: "None INVALID_TYPE" and "None errorCode=…" state
/// the zero as much as "None (INVALID_TYPE)" does (see [`says_what_of`]).
const ZERO_WORDS: &[&str] = &["zero", "none", "nil"];

/// True when `rest`, what follows a zero word, starts with a word that says what the zero
/// word is about ("none granted") rather than a value printed beside it: an error code in
/// capitals (`INVALID_TYPE`), a `label=value` or `label:` pair, or a word naming the error.
fn says_what_of(rest: &str) -> bool {
    let token = rest.split_whitespace().next().unwrap_or("");
    if !token.starts_with(word_char) || token.contains(['=', ':']) {
        return false;
    }
    let word: String = token.chars().take_while(|c| word_char(*c)).collect();
    let code = word.chars().any(char::is_alphabetic)
        && word
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    let names_the_error =
        ["error", "errorcode", "code", "reason", "status"].contains(&word.to_lowercase().as_str());
    !code && !names_the_error
}

/// True when `text` states zero in words (see [`ZERO_WORDS`]).
fn zero_in_words(text: &str) -> bool {
    zero_word(text).is_some()
}

/// The word stating zero in `text` (see [`ZERO_WORDS`]), as it is written there (`None`).
fn zero_word(text: &str) -> Option<&str> {
    let lower = text.to_lowercase();
    // What follows is read in its own case (a code is in capitals) when lowercasing kept the
    // bytes, so an offset into `lower` is one into `text`.
    let cased = if lower.len() == text.len() {
        text
    } else {
        lower.as_str()
    };
    ZERO_WORDS.iter().find_map(|z| {
        let (at, _) = lower.match_indices(z).find(|(at, _)| {
            let before = lower[..*at].chars().next_back();
            let rest = &cased[at + z.len()..];
            let glued = rest.starts_with(word_char);
            !before.is_some_and(word_char) && !glued && !says_what_of(rest)
        })?;
        // Lowercasing keeps the bytes of ASCII text; elsewhere the word is shown as found.
        Some(if lower.len() == text.len() {
            text.get(at..at + z.len()).unwrap_or(z)
        } else {
            z
        })
    })
}

/// How `item` is written in `text` when [`mentions_loosely`] finds it in another form than
/// its own (`0` as `0.0` or as the word `None`; `Opportunity` inside the name
/// `opportunityCount`); `None` when it is written as given, in any
/// case, or not found. For a verdict that must quote what it matched.
pub(crate) fn loosely_written<'t>(text: &'t str, item: &str) -> Option<&'t str> {
    if mentions(&text.to_lowercase(), &item.to_lowercase()) {
        return None;
    }
    if let Some(name) = name_holding_word(text, item) {
        return Some(name);
    }
    let value = item.parse::<f64>().ok()?;
    if let Some((_, written)) = numbers_written(text).into_iter().find(|(n, _)| *n == value) {
        return Some(written);
    }
    (value == 0.0).then(|| zero_word(text)).flatten()
}

/// The first name in `text` (a run of letters, digits and `_`) that holds the word `item` as
/// one of its [`identifier_parts`], in any case: `opportunityCount` for `Opportunity`. `None`
/// for an item that is not a single word of letters.
fn name_holding_word<'t>(text: &'t str, item: &str) -> Option<&'t str> {
    if item.is_empty() || !item.chars().all(char::is_alphabetic) {
        return None;
    }
    let item = item.to_lowercase();
    text.split(|c: char| !word_char(c)).find(|name| {
        identifier_parts(name)
            .iter()
            .any(|part| part.to_lowercase() == item)
    })
}

/// The words a program's name for something is made of: split at `_`, where a lower-case
/// letter or digit meets a capital (`opportunityCount`), before the last capital of a run
/// followed by a lower-case letter (`HTTPStatus` is HTTP and Status), and where letters meet
/// digits. `OPPORTUNITY_COUNT` is OPPORTUNITY and COUNT; `OPPORTUNITYCOUNT` is one word.
fn identifier_parts(name: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = name.char_indices().collect();
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, &(at, c)) in chars.iter().enumerate() {
        if c == '_' {
            parts.push(&name[start..at]);
            start = at + c.len_utf8();
            continue;
        }
        let Some(&(_, prev)) = i.checked_sub(1).and_then(|p| chars.get(p)) else {
            continue;
        };
        let next = chars.get(i + 1).map(|&(_, n)| n);
        let hump = c.is_uppercase() && (prev.is_lowercase() || prev.is_ascii_digit());
        let acronym_end =
            c.is_uppercase() && prev.is_uppercase() && next.is_some_and(char::is_lowercase);
        let digits_meet = c.is_ascii_digit() != prev.is_ascii_digit() && prev != '_';
        if hump || acronym_end || digits_meet {
            parts.push(&name[start..at]);
            start = at;
        }
    }
    parts.push(&name[start..]);
    parts.retain(|p| !p.is_empty());
    parts
}

/// The numbers written in `text`: runs of digits with decimal points and thousands
/// separators, not glued to a letter (`v29.0` is a name, not a number), read as values.
fn numbers(text: &str) -> Vec<f64> {
    numbers_written(text).into_iter().map(|(n, _)| n).collect()
}

/// [`numbers`], each with the text it is written as.
fn numbers_written(text: &str) -> Vec<(f64, &str)> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        if !c.is_ascii_digit() {
            i += 1;
            continue;
        }
        let glued = i > 0 && word_char(chars[i - 1].1);
        let mut j = i;
        while j + 1 < chars.len()
            && (chars[j + 1].1.is_ascii_digit()
                || matches!(chars[j + 1].1, '.' | ',' | '\'')
                    && chars.get(j + 2).is_some_and(|(_, d)| d.is_ascii_digit()))
        {
            j += 1;
        }
        let end = chars.get(j + 1).map_or(text.len(), |(at, _)| *at);
        let glued_after = chars.get(j + 1).is_some_and(|(_, c)| word_char(*c));
        let written = text[start..end].replace([',', '\''], "");
        if !glued && !glued_after {
            if let Ok(n) = written.parse::<f64>() {
                out.push((n, &text[start..end]));
            }
        }
        i = j + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{mentions, mentions_loosely};

    #[test]
    fn a_number_is_not_found_inside_a_longer_number() {
        assert!(!mentions("API requests left: 14997", "1"));
        assert!(!mentions("total 1.5", "1"));
        assert!(!mentions("left: 14,997", "997"));
        assert!(mentions("Contacts: 1.\nleft: 14997", "1"));
        assert!(mentions("count=1,", "1"));
        assert!(mentions("(1)", "1"));
        assert!(!mentions("received: 4 500", "500"));
        assert!(!mentions("received: 4'500", "500"));
        assert!(mentions("page of 500 records", "500"));
        assert!(mentions("3 4", "3"), "a space joins only thousands groups");
    }

    #[test]
    fn a_name_or_key_is_found_only_as_a_whole_token() {
        assert!(mentions("Falcon Corp\nHarbor Logistics", "Falcon Corp"));
        assert!(mentions("\"Name\":\"Falcon Corp\"", "Falcon Corp"));
        assert!(!mentions("SO-1070 sent", "SO-107"));
        assert!(mentions("SO-107 sent; SO-1070 sent", "SO-107"));
        assert!(!mentions("ERP_Id__cX", "ERP_Id__c"));
    }

    #[test]
    fn punctuation_at_an_end_of_the_item_matches_as_plain_text() {
        assert!(mentions(
            "endpoint: /services/Soap/u/62.0",
            "endpoint: /services/Soap/u/"
        ));
        assert!(mentions("abc-", "-"));
    }

    #[test]
    fn a_loose_mention_ignores_case_and_finds_a_number_in_any_decimal_form() {
        assert!(mentions_loosely(
            "OPPORTUNITIES: 0 (INVALID_TYPE)",
            "Opportunities"
        ));
        assert!(mentions_loosely("Opportunities: 0.0 (INVALID_TYPE)", "0"));
        assert!(mentions_loosely("total 0.00", "0"));
        assert!(mentions_loosely("received 1,500 rows", "1500"));
        assert!(!mentions_loosely("API v0.0 client", "0"), "glued to a name");
        assert!(!mentions_loosely("HTTP 400 (INVALID_TYPE)", "0"));
        assert!(!mentions_loosely("received 4500", "500"));
        assert!(!mentions_loosely("Opportunities: not permitted", "0"));
    }

    #[test]
    fn zero_written_as_a_word_standing_for_the_value_is_found_loosely() {
        assert!(mentions_loosely("Opportunities: none (INVALID_TYPE)", "0"));
        assert!(mentions_loosely("Opportunities: ZERO", "0"));
        assert!(mentions_loosely("opportunities = nil", "0"));
        assert!(!mentions_loosely(
            "Opportunities: none granted (INVALID_TYPE)",
            "0"
        ));
        assert!(!mentions_loosely("Opportunities: nonexistent", "0"));
        assert!(!mentions_loosely("Opportunities: none", "1"));
        for beside_a_code in [
            "Opportunities: None INVALID_TYPE",
            "Opportunities: none errorCode=INVALID_TYPE",
            "Opportunities: none error INVALID_TYPE",
        ] {
            assert!(mentions_loosely(beside_a_code, "0"), "{beside_a_code}");
        }
        assert!(!mentions("Opportunities: none", "0"), "only loosely");
    }

    #[test]
    fn a_loose_match_says_how_the_item_was_written() {
        use super::loosely_written;
        assert_eq!(
            loosely_written("Opportunities: None (INVALID_TYPE)", "0"),
            Some("None")
        );
        assert_eq!(loosely_written("OPPORTUNITIES: 0.0", "0"), Some("0.0"));
        assert_eq!(
            loosely_written("received 1,500 rows", "1500"),
            Some("1,500")
        );
        assert_eq!(loosely_written("Opportunities: 0", "0"), None);
        assert_eq!(loosely_written("OPPORTUNITIES: 0", "Opportunities"), None);
        assert_eq!(loosely_written("Opportunities: null", "0"), None);
        assert_eq!(
            loosely_written("{\"opportunityCount\":0}", "Opportunity"),
            Some("opportunityCount")
        );
    }

    #[test]
    fn a_word_is_found_loosely_as_a_part_of_a_camel_or_snake_case_name() {
        assert!(mentions_loosely("{\"opportunityCount\":0}", "Opportunity"));
        assert!(mentions_loosely(
            "OpportunityCount: 0 (INVALID_TYPE)",
            "Opportunity"
        ));
        assert!(mentions_loosely("opportunity_count: 0", "Opportunity"));
        assert!(mentions_loosely("OPPORTUNITY_COUNT=0", "Opportunity"));
        assert!(mentions_loosely("numOpps: 0", "Opps"));
        assert!(mentions_loosely("HTTPOpportunities: 0", "Opportunities"));
        assert!(!mentions_loosely("OPPORTUNITYCOUNT: 0", "Opportunity"));
        assert!(!mentions_loosely("Opportunistic: 0", "Opportunity"));
        assert!(!mentions_loosely("opportunity_count: 0", "Opportunity_c"));
        assert!(!mentions("opportunityCount", "Opportunity"), "only loosely");
    }

    #[test]
    fn a_name_splits_into_the_words_it_is_made_of() {
        use super::identifier_parts;
        assert_eq!(
            identifier_parts("opportunityCount"),
            ["opportunity", "Count"]
        );
        assert_eq!(identifier_parts("HTTPStatus"), ["HTTP", "Status"]);
        assert_eq!(
            identifier_parts("opportunity__count"),
            ["opportunity", "count"]
        );
        assert_eq!(identifier_parts("opps2count"), ["opps", "2", "count"]);
        assert_eq!(identifier_parts("OPPORTUNITYCOUNT"), ["OPPORTUNITYCOUNT"]);
    }
}
