//! Whether a program's output mentions an item: as a whole token, so an expected `1` is not
//! found inside `14997`, nor `SO-107` inside `SO-1070`.
//!
//! An item that starts (ends) with a letter or digit must not be glued to another letter,
//! digit or `_` on that side; a number must also not continue across a decimal point or a
//! thousands separator (`1` is not in `1.5` or `3,1`; a three-digit `500` is not in `4 500` or
//! `4'500`, where it is a group of a larger number). Items that start or end with
//! punctuation (`endpoint: /services/Soap/u/`) match on that side as plain text. Case counts.

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

#[cfg(test)]
mod tests {
    use super::mentions;

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
}
