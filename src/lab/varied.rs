//! The numbers a lab's callout varies from check to check (`vary:` on a `callout` action), so
//! an answer typed into the learner's service cannot match: each number under a named property
//! is replaced by one drawn from the attempt's seed, 1 to 9, keeping its sign.
//!
//! ```yaml
//! vary: [qty]            # drawn per object: from its other properties (move, sku)
//! vary: [qty per sku]    # drawn from the object's sku and the qty written, nothing else
//! ```
//!
//! By default the draw depends on the object around the number (its other properties), so the
//! same object sent again — a retried slice's move — carries the same number, and two
//! different moves almost always carry different ones. `per` names the only properties the
//! draw depends on, besides the number as written: two moves written with the same SKU and
//! quantity then carry the same quantity in every check, a pair a service that de-duplicates
//! by what "looks familiar" takes for one move.

use serde_json::{Map, Value};
use std::hash::{Hash, Hasher};

/// One entry of `vary:`: the number property drawn anew and, with `per`, the properties the
/// draw depends on.
#[derive(Debug, Clone, PartialEq)]
struct Varied<'a> {
    property: &'a str,
    per: Option<Vec<&'a str>>,
}

fn parse(entry: &str) -> Varied<'_> {
    let entry = entry.trim();
    let (property, per) = if let Some(rest) = entry.strip_prefix("per ") {
        ("", Some(rest))
    } else if let Some(property) = entry.strip_suffix(" per") {
        (property, Some(""))
    } else {
        match entry.split_once(" per ") {
            Some((property, rest)) => (property, Some(rest)),
            None => (entry, None),
        }
    };
    Varied {
        property: property.trim(),
        per: per.map(|rest| {
            rest.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .collect()
        }),
    }
}

/// What is wrong with a `vary:` entry, for the lab loader: `qty per` names no property.
pub fn problem(entry: &str) -> Option<String> {
    let v = parse(entry);
    if v.property.is_empty() || v.per.as_ref().is_some_and(Vec::is_empty) {
        return Some(format!(
            "`vary: {entry}` must name a number property, optionally followed by `per` and the \
             properties its draw depends on (`qty per sku`)"
        ));
    }
    None
}

/// `body` with each number under a property named in `vary` replaced by one drawn from `seed`
/// (see the module).
pub fn varied_body(body: &Value, vary: &[String], seed: u64) -> Value {
    let vary: Vec<Varied> = vary.iter().map(|e| parse(e)).collect();
    vary_value(body, &vary, seed)
}

fn vary_value(body: &Value, vary: &[Varied], seed: u64) -> Value {
    match body {
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| vary_value(v, vary, seed)).collect())
        }
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let varied = vary.iter().find(|e| e.property == k);
                let new = match (v.as_f64(), varied) {
                    (Some(n), Some(e)) => {
                        let drawn = 1 + (draw(map, k, n, e, vary, seed) % 9) as i64;
                        Value::from(if n < 0.0 { -drawn } else { drawn })
                    }
                    _ => vary_value(v, vary, seed),
                };
                out.insert(k.clone(), new);
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// The hash a number `n` under `key` of the object `map` is drawn from.
fn draw(
    map: &Map<String, Value>,
    key: &str,
    n: f64,
    e: &Varied,
    vary: &[Varied],
    seed: u64,
) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    match &e.per {
        None => {
            let mut around = map.clone();
            around.retain(|k, _| !vary.iter().any(|v| v.property == k));
            (seed, key, Value::Object(around).to_string()).hash(&mut h);
        }
        Some(per) => {
            let mut around = map.clone();
            around.retain(|k, _| per.contains(&k.as_str()));
            (seed, key, Value::Object(around).to_string(), n.to_string()).hash(&mut h);
        }
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn qty(b: &Value, i: usize) -> i64 {
        b["moves"][i]["qty"].as_i64().expect("a quantity")
    }

    #[test]
    fn a_varied_body_repeats_its_numbers_for_the_same_move_and_keeps_their_signs() {
        let slice = json!({"slice": 2, "moves": [
            {"move": "MV-4", "sku": "HOSE-1", "qty": 10},
            {"move": "MV-5", "sku": "VALVE-2", "qty": -1}
        ]});
        let vary = vec!["qty".to_string()];
        let first = varied_body(&slice, &vary, 7);
        assert_eq!(
            first,
            varied_body(&slice, &vary, 7),
            "a retry sends the same slice"
        );
        assert_eq!(first["slice"], 2, "only the named numbers change");
        assert_eq!(first["moves"][0]["move"], "MV-4");
        assert!((1..=9).contains(&qty(&first, 0)));
        assert!((-9..=-1).contains(&qty(&first, 1)));
        let seeds: std::collections::BTreeSet<(i64, i64)> = (0..20)
            .map(|seed| {
                let b = varied_body(&slice, &vary, seed);
                (qty(&b, 0), qty(&b, 1))
            })
            .collect();
        assert!(
            seeds.len() > 5,
            "another check, other quantities: {seeds:?}"
        );
    }

    #[test]
    fn moves_written_alike_stay_alike_in_every_check_when_drawn_per_sku() {
        let slice = json!({"slice": 1, "moves": [
            {"move": "MV-1", "sku": "PUMP-7", "qty": 5},
            {"move": "MV-2", "sku": "VALVE-2", "qty": 3},
            {"move": "MV-3", "sku": "PUMP-7", "qty": 5},
            {"move": "MV-4", "sku": "PUMP-7", "qty": 2}
        ]});
        let per_sku = vec!["qty per sku".to_string()];
        let mut other_draws = std::collections::BTreeSet::new();
        for seed in 0..50 {
            let b = varied_body(&slice, &per_sku, seed);
            assert_eq!(qty(&b, 0), qty(&b, 2), "seed {seed}: {b}");
            assert_eq!(b["moves"][2]["move"], "MV-3");
            other_draws.insert(qty(&b, 0) == qty(&b, 3));
        }
        assert!(
            other_draws.contains(&false),
            "a move of the same SKU written with another quantity is drawn on its own"
        );
        // Drawn per object, the two moves differ in some checks.
        let per_move = vec!["qty".to_string()];
        assert!((0..50).any(|seed| {
            let b = varied_body(&slice, &per_move, seed);
            qty(&b, 0) != qty(&b, 2)
        }));
    }

    #[test]
    fn a_vary_entry_must_name_a_property() {
        assert_eq!(problem("qty"), None);
        assert_eq!(problem("qty per sku, move"), None);
        assert!(problem("qty per ").is_some());
        assert!(problem("qty per").is_some());
        assert!(problem(" per sku").is_some());
    }
}
