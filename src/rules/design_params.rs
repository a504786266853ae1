//! The parameters of a `design.table` check as a lab author writes them, checked when the lab
//! loads: a column that a row, a reason or a list of choices names must be one of the table's
//! `columns` (matched as headers are, so `Api` is `API`): a misspelt one would leave its cells
//! unjudged, and any answer would pass.

use super::design::{norm, TableCheck};

/// The first column a row, a reason or a list of choices names that the table does not have.
pub fn unknown_column(p: &TableCheck) -> Option<String> {
    let has = |name: &str| p.columns.iter().any(|c| norm(c) == norm(name));
    let listed = {
        let named: Vec<String> = p.columns.iter().map(|c| format!("\"{c}\"")).collect();
        named.join(", ")
    };
    let tip = |name: &str| match crate::suggest::closest(name, p.columns.iter().map(String::as_str))
        .first()
    {
        Some(close) => format!(" (did you mean \"{close}\"?)"),
        None => String::new(),
    };
    let fields = [
        ("rows", &p.rows, "its answers would never be judged"),
        (
            "mentions",
            &p.mentions,
            "no cell would be asked to name an idea",
        ),
        ("ruled_out", &p.ruled_out, "nothing would be ruled out"),
        ("choices", &p.choices, "the words would never be offered"),
    ];
    for (field, words, consequence) in fields {
        for (row, columns) in words {
            if let Some(name) = columns.keys().find(|c| !has(c)) {
                return Some(format!(
                    "`{field}:` \"{row}\" names the column \"{name}\"{}, which is not one of `columns:` {listed}; {consequence}",
                    tip(name)
                ));
            }
        }
    }
    p.explained.iter().find(|c| !has(c)).map(|name| {
        format!(
            "`explained:` names the column \"{name}\"{}, which is not one of `columns:` {listed}; no reason would be asked for",
            tip(name)
        )
    })
}

#[cfg(test)]
#[path = "design_params_tests.rs"]
mod tests;
