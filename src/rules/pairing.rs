//! Why a `process.output_contains` line group (`[W-0023, REQUIRED_FIELD_MISSING]`: an item and
//! what happened to it) was not found on one line: the program printed the result beside
//! another item (it numbered the results after leaving some out, or paired them with the
//! wrong list), beside no item at all (it printed a field of the result, such as a failed
//! record's empty id, instead of the item it sent), or split the pair over two lines.
//!
//! Pure: the caller passes the printed lines and how it finds an item in a line.
//!
//! Implementation notes: "another item" is a word of the same shape as the expected one —
//! letters and punctuation kept, every digit alike (`W-0001` is shaped like `W-0023`, `A-2001`
//! like `A-1000`), which is how references of one kind are written. An item with no digit has
//! no such look-alikes, so its result is only ever said to stand beside no item.

/// What the printed lines say about the groups not found on one line: a sentence on the
/// results shown beside the wrong item or none, or `None` when every such group's result
/// appears only on lines that also hold its item or nowhere (its items are split over lines
/// or missing, and the general advice applies).
pub(crate) fn mispairing(
    groups: &[&[String]],
    lines: &[&str],
    absent: &[String],
    in_line: &dyn Fn(&str, &str) -> bool,
) -> Option<String> {
    // For each result (the group's items after the first), the items printed beside it
    // instead, and a line where it stands beside none.
    let mut beside: Vec<(String, Vec<String>)> = Vec::new();
    let mut bare: Vec<(String, String)> = Vec::new();
    let mut bare_key = "";
    for group in groups {
        let Some((key, result)) = group.split_first() else {
            continue;
        };
        if result.is_empty() {
            continue;
        }
        // Lines with the result but not the item it belongs to.
        let stray: Vec<&str> = lines
            .iter()
            .copied()
            .filter(|l| result.iter().all(|r| in_line(l, r)) && !in_line(l, key))
            .collect();
        if stray.is_empty() {
            continue;
        }
        let key_printed = lines.iter().any(|l| in_line(l, key));
        let label = result.join(" … ");
        for line in stray {
            let others = look_alikes(line, key);
            if others.is_empty() {
                // With its item printed elsewhere, the pair was more likely split over lines.
                if key_printed {
                    continue;
                }
                if bare_key.is_empty() {
                    bare_key = key;
                }
                if !bare.iter().any(|(r, _)| *r == label) {
                    bare.push((label.clone(), line.trim().to_string()));
                }
                continue;
            }
            let at = match beside.iter().position(|(r, _)| *r == label) {
                Some(i) => i,
                None => {
                    beside.push((label.clone(), Vec::new()));
                    beside.len() - 1
                }
            };
            for o in others {
                if !beside[at].1.contains(&o) {
                    beside[at].1.push(o);
                }
            }
        }
    }
    if beside.is_empty() && bare.is_empty() {
        return None;
    }
    let mut said = Vec::new();
    if !beside.is_empty() {
        let shown: Vec<String> = beside
            .iter()
            .map(|(r, items)| format!("{r} beside {}", and_list(items)))
            .collect();
        let unwanted: Vec<&String> = beside
            .iter()
            .flat_map(|(_, items)| items)
            .filter(|i| absent.contains(i))
            .collect();
        let note = match unwanted.as_slice() {
            [] => String::new(),
            [one] => format!(" ({one} is an item that should not be reported at all)"),
            many => format!(
                " ({} are items that should not be reported at all)",
                and_list(&many.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            ),
        };
        said.push(format!(
            "it pairs results with the wrong items: it shows {}{note}",
            shown.join(", and ")
        ));
    }
    if !bare.is_empty() {
        let results: Vec<String> = bare.iter().map(|(r, _)| r.clone()).collect();
        said.push(format!(
            "it shows {} on lines that name no item like {bare_key} (\"{}\"), so a reader cannot tell which item it belongs to",
            and_list(&results),
            short(&bare[0].1)
        ));
    }
    Some(format!(
        "{}. The n-th result belongs to the n-th item sent: print the item at the same position in what you sent (counted before leaving out the ones that succeeded), not a field of the result (a failed one has no id).",
        said.join("; ")
    ))
}

/// The words of `line` shaped like `key` but not it (`W-0001` for `W-0023`).
fn look_alikes(line: &str, key: &str) -> Vec<String> {
    let want = shape(key);
    if want == key {
        return Vec::new();
    }
    line.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_' || c == '.'))
        .map(|w| w.trim_matches(|c: char| c == '.' || c == '-'))
        .filter(|w| *w != key && shape(w) == want)
        .map(str::to_string)
        .collect()
}

fn shape(word: &str) -> String {
    word.chars()
        .map(|c| if c.is_ascii_digit() { '9' } else { c })
        .collect()
}

fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A printed line as quoted in a verdict: its first 60 characters.
fn short(line: &str) -> String {
    match line.char_indices().nth(60) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups() -> Vec<Vec<String>> {
        [
            ["W-0023", "REQUIRED_FIELD_MISSING"],
            ["W-0077", "INVALID_EMAIL_ADDRESS"],
        ]
        .iter()
        .map(|g| g.iter().map(|s| s.to_string()).collect())
        .collect()
    }

    fn judge(out: &str, absent: &[&str]) -> Option<String> {
        let g = groups();
        let refs: Vec<&[String]> = g.iter().map(Vec::as_slice).collect();
        let lines: Vec<&str> = out.lines().collect();
        let absent: Vec<String> = absent.iter().map(|s| s.to_string()).collect();
        mispairing(&refs, &lines, &absent, &|l: &str, t: &str| l.contains(t))
    }

    #[test]
    fn results_numbered_after_filtering_are_said_to_stand_beside_other_items() {
        let said = judge(
            "W-0001 REQUIRED_FIELD_MISSING x\nW-0002 INVALID_EMAIL_ADDRESS y\n",
            &["W-0001"],
        )
        .expect("a mispairing");
        assert!(
            said.contains(
                "REQUIRED_FIELD_MISSING beside W-0001, and INVALID_EMAIL_ADDRESS beside W-0002"
            ),
            "{said}"
        );
        assert!(
            said.contains("W-0001 is an item that should not be reported"),
            "{said}"
        );
        assert!(
            said.contains("n-th result belongs to the n-th item sent"),
            "{said}"
        );
    }

    #[test]
    fn results_printed_without_their_item_are_said_to_name_none() {
        let said = judge(
            "undefined REQUIRED_FIELD_MISSING x\nundefined INVALID_EMAIL_ADDRESS y\n",
            &[],
        )
        .expect("a mispairing");
        assert!(
            said.contains("REQUIRED_FIELD_MISSING and INVALID_EMAIL_ADDRESS on lines that name no item like W-0023 (\"undefined REQUIRED_FIELD_MISSING x\")"),
            "{said}"
        );
    }

    #[test]
    fn an_item_and_its_result_split_over_two_lines_is_no_mispairing() {
        assert_eq!(
            judge(
                "W-0023\n  REQUIRED_FIELD_MISSING\nW-0077\n  INVALID_EMAIL_ADDRESS\n",
                &[]
            ),
            None
        );
        assert_eq!(judge("nothing failed\n", &[]), None);
    }
}
