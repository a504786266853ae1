//! "Did you mean": the ids closest to a mistyped lab or lesson id, for the error that says it
//! does not exist, worded as clap's tip for a mistyped subcommand.
//!
//! Implementation notes: closeness is the optimal-string-alignment distance on lower case (a
//! character added, dropped or changed, or two neighbours swapped, each count one). A lesson
//! id typed without its level's folder (`overveiw`) is also compared with the part after the
//! `/`. Only the closest ids are named (at most three), and only when they are close for the
//! id's length, so a wild guess gets no tip.

/// The most ids one tip names.
const MOST: usize = 3;

/// The lines to add to an "unknown `kind`" error about `typed`: a blank line and the tip
/// naming the closest of `ids`, or nothing when none is close.
pub fn tip<'a>(kind: &str, typed: &str, ids: impl IntoIterator<Item = &'a str>) -> String {
    let close = closest(typed, ids);
    match close.as_slice() {
        [] => String::new(),
        [one] => format!("\n\n  tip: a similar {kind} exists: '{one}'"),
        many => {
            let named: Vec<String> = many.iter().map(|id| format!("'{id}'")).collect();
            format!(
                "\n\n  tip: some similar {kind}s exist: {}",
                named.join(", ")
            )
        }
    }
}

/// The ids of `ids` nearest to `typed` (ties in the order given), when near enough.
pub fn closest<'a>(typed: &str, ids: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let typed = typed.to_lowercase();
    let most = (typed.chars().count() + 2) / 4;
    let mut scored: Vec<(usize, &str)> = ids
        .into_iter()
        .map(|id| {
            let lower = id.to_lowercase();
            let mut d = distance(&typed, &lower);
            if !typed.contains('/') {
                if let Some((_, slug)) = lower.rsplit_once('/') {
                    d = d.min(distance(&typed, slug));
                }
            }
            (d, id)
        })
        .filter(|(d, _)| *d <= most.max(2))
        .collect();
    let Some(best) = scored.iter().map(|(d, _)| *d).min() else {
        return Vec::new();
    };
    scored.retain(|(d, _)| *d == best);
    scored.into_iter().take(MOST).map(|(_, id)| id).collect()
}

/// The optimal-string-alignment distance between `a` and `b`, by characters.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // rows[i][j]: the distance between a[..i] and b[..j]; three rows are enough.
    let mut before = vec![0; b.len() + 1];
    let mut last: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut row = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            row[j] = (last[j] + 1).min(row[j - 1] + 1).min(last[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                row[j] = row[j].min(before[j - 2] + 1);
            }
        }
        before = std::mem::replace(&mut last, row);
    }
    last[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABS: [&str; 5] = [
        "rest-first-call",
        "rest-crud",
        "rest-upsert-twice",
        "rest-composite",
        "oauth-client-credentials",
    ];

    #[test]
    fn a_swapped_dropped_or_changed_letter_names_the_lab_meant() {
        for typed in [
            "rest-frist-call",
            "rest-first-cal",
            "REST-FIRST-CALL",
            "rest-firsd-call",
        ] {
            assert_eq!(closest(typed, LABS), ["rest-first-call"], "{typed}");
        }
        assert_eq!(closest("rest-crd", LABS), ["rest-crud"]);
        assert_eq!(
            tip("lab", "rest-crd", LABS),
            "\n\n  tip: a similar lab exists: 'rest-crud'"
        );
    }

    #[test]
    fn a_lesson_id_mistyped_or_without_its_folder_names_the_lesson() {
        let lessons = [
            "L0-start-here/overview",
            "L0-start-here/integration-patterns",
        ];
        assert_eq!(
            closest("L0-start-here/overveiw", lessons),
            ["L0-start-here/overview"]
        );
        assert_eq!(closest("overveiw", lessons), ["L0-start-here/overview"]);
    }

    #[test]
    fn ties_are_all_named_and_a_wild_guess_gets_no_tip() {
        let ids = ["rest-cat", "rest-car", "rest-cap", "rest-can", "soap-login"];
        assert_eq!(
            tip("lab", "rest-ca", ids),
            "\n\n  tip: some similar labs exist: 'rest-cat', 'rest-car', 'rest-cap'"
        );
        assert_eq!(tip("lab", "bulk-ingest-everything", LABS), "");
        assert_eq!(tip("lab", "x", LABS), "");
    }

    #[test]
    fn the_distance_counts_a_swap_as_one_edit() {
        assert_eq!(distance("frist", "first"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
