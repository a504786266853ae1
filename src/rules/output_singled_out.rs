//! Whether what a program printed singles an item out: a reconciliation that must name the
//! one order the other side lacks passes only on a line that shows that order alone and
//! that is not printed, in the same words, for the items it must not flag. A program that
//! prints every order key (one per line, or all on one) names the right one by chance.
//!
//! Two lines say "the same words" when they match once the item is set aside and every run
//! of digits is read as one number: `12:00:01 FOLLOW UP SO-107` and `12:00:02 FOLLOW UP
//! SO-101` are one message about two orders.

/// A line with `item` set aside and its digits blurred (see the module).
fn wording(line: &str, item: &str) -> String {
    let marked = line.trim().replace(item, "\u{1}");
    let mut out = String::with_capacity(marked.len());
    let mut in_digits = false;
    for c in marked.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('#');
            }
            in_digits = true;
        } else {
            out.push(c);
            in_digits = false;
        }
    }
    out
}

/// The first line that names `item` but not in a line of its own, when no line singles it
/// out from `others`; `None` when some line does (or none names it: that is told elsewhere).
/// `names(line, text)` says whether a line names a text, as the rule reads it.
pub(super) fn lumped<'l>(
    lines: &[&'l str],
    item: &str,
    others: &[String],
    names: &dyn Fn(&str, &str) -> bool,
) -> Option<&'l str> {
    let naming: Vec<&str> = lines.iter().copied().filter(|l| names(l, item)).collect();
    let alone = |line: &&str| !others.iter().any(|o| names(line, o));
    let twin = |line: &&str| {
        let said = wording(line, item);
        others.iter().any(|o| {
            lines
                .iter()
                .any(|l| names(l, o) && !names(l, item) && wording(l, o) == said)
        })
    };
    if naming.iter().any(|l| alone(l) && !twin(l)) {
        return None;
    }
    naming.first().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(line: &str, text: &str) -> bool {
        line.contains(text)
    }

    fn others() -> Vec<String> {
        (101..=106).map(|n| format!("SO-{n}")).collect()
    }

    #[test]
    fn a_line_flagging_the_one_missing_order_singles_it_out() {
        let printed = [
            "SO-101: ERP order ERP-000001, tracking TRK41000001",
            "reconcile: 7 Orders in Salesforce, 6 orders in the ERP",
            "FOLLOW UP SO-107: Order has an ERP id but the ERP has no such order",
        ];
        assert_eq!(lumped(&printed, "SO-107", &others(), &names), None);
    }

    #[test]
    fn every_key_printed_alike_or_on_one_line_singles_nothing_out() {
        let alike: Vec<String> = (101..=107)
            .map(|n| format!("12:00:0{} FOLLOW UP SO-{n}", n - 100))
            .collect();
        let alike: Vec<&str> = alike.iter().map(String::as_str).collect();
        assert_eq!(
            lumped(&alike, "SO-107", &others(), &names),
            Some("12:00:07 FOLLOW UP SO-107")
        );
        let one_line = ["unknown to the ERP: SO-101 SO-102 SO-103 SO-104 SO-105 SO-106 SO-107"];
        assert!(lumped(&one_line, "SO-107", &others(), &names).is_some());
    }

    const RULE: &str = "{ rule: process.output_contains, texts: [SO-107], singled_out_from: [SO-101, SO-102, SO-103, SO-104, SO-105, SO-106] }";

    fn printed(text: &str) -> crate::evidence::Evidence {
        let mut ev = crate::rules::fixture::evidence(vec![]);
        ev.runs[0].stdout.text = text.into();
        ev
    }

    #[test]
    fn output_contains_refuses_the_item_flagged_alike_with_every_other_one() {
        use crate::rules::fixture::{assert_fails, assert_passes};
        let every_key: String = (101..=107)
            .map(|n| format!("FOLLOW UP SO-{n}: check this order in the ERP\n"))
            .collect();
        let v = assert_fails(RULE, &printed(&every_key));
        assert!(
            v.message
                .contains("names SO-107 only on lines that name SO-101")
                && v.message.contains("FOLLOW UP SO-107"),
            "{}",
            v.message
        );
        assert_passes(
            RULE,
            &printed(
                "SO-101: ERP order ERP-000001\nSO-107 has an ERP id but no order in the ERP\n",
            ),
        );
    }
}
