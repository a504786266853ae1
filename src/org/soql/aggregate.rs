//! Aggregate accumulators: COUNT, COUNT_DISTINCT, SUM, AVG, MIN, MAX over one group.
//!
//! COUNT(field) and COUNT_DISTINCT count non-null values; SUM and AVG of no values are null,
//! as in Salesforce; MIN and MAX compare like ORDER BY does (the caller gives the order: a
//! picklist's is the order of its defined values, not the alphabet).

use super::ast::AggFunc;
use crate::org::value::Value;
use std::cmp::Ordering;
use std::collections::HashSet;

/// The running state of one aggregate in one group.
#[derive(Debug, Clone)]
pub enum AggAcc {
    Count(i64),
    Distinct(HashSet<String>),
    Sum(f64, bool),
    Avg(f64, i64),
    Min(Option<Value>),
    Max(Option<Value>),
}

impl AggAcc {
    pub fn new(func: AggFunc) -> AggAcc {
        match func {
            AggFunc::Count => AggAcc::Count(0),
            AggFunc::CountDistinct => AggAcc::Distinct(HashSet::new()),
            AggFunc::Sum => AggAcc::Sum(0.0, false),
            AggFunc::Avg => AggAcc::Avg(0.0, 0),
            AggFunc::Min => AggAcc::Min(None),
            AggFunc::Max => AggAcc::Max(None),
        }
    }

    /// Adds one row: `None` for `COUNT()` (no argument), `Some(value)` otherwise. MIN and MAX
    /// compare values with `order`.
    pub fn add(
        &mut self,
        v: Option<Option<&Value>>,
        order: &dyn Fn(&Value, &Value) -> Option<Ordering>,
    ) {
        match self {
            AggAcc::Count(n) => {
                if v.is_none_or(|x| x.is_some()) {
                    *n += 1;
                }
            }
            AggAcc::Distinct(set) => {
                if let Some(Some(x)) = v {
                    set.insert(x.text().to_lowercase());
                }
            }
            AggAcc::Sum(s, any) => {
                if let Some(f) = v.flatten().and_then(Value::as_f64) {
                    *s += f;
                    *any = true;
                }
            }
            AggAcc::Avg(s, n) => {
                if let Some(f) = v.flatten().and_then(Value::as_f64) {
                    *s += f;
                    *n += 1;
                }
            }
            AggAcc::Min(cur) => keep(cur, v.flatten(), Ordering::Less, order),
            AggAcc::Max(cur) => keep(cur, v.flatten(), Ordering::Greater, order),
        }
    }

    pub fn finish(self) -> Option<Value> {
        match self {
            AggAcc::Count(n) => Some(Value::Int(n)),
            AggAcc::Distinct(set) => Some(Value::Int(set.len() as i64)),
            AggAcc::Sum(s, true) => Some(Value::Double(decimal_tidy(s))),
            AggAcc::Sum(_, false) => None,
            AggAcc::Avg(_, 0) => None,
            AggAcc::Avg(s, n) => Some(Value::Double(decimal_tidy(s / n as f64))),
            AggAcc::Min(v) | AggAcc::Max(v) => v,
        }
    }
}

fn keep(
    cur: &mut Option<Value>,
    v: Option<&Value>,
    want: Ordering,
    order: &dyn Fn(&Value, &Value) -> Option<Ordering>,
) {
    if let Some(x) = v {
        if cur.as_ref().is_none_or(|c| order(x, c) == Some(want)) {
            *cur = Some(x.clone());
        }
    }
}

/// `x` rounded to 15 significant digits. Salesforce sums currency and numbers as decimals,
/// so 0.1 + 0.2 is 0.3; summing binary doubles leaves noise in the last digits
/// (0.30000000000000004) that a learner checking totals would read as a wrong answer.
fn decimal_tidy(x: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    format!("{x:.14e}").parse().unwrap_or(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_and_averages_read_as_decimals() {
        assert_eq!(decimal_tidy(0.1 + 0.2), 0.3);
        assert_eq!(decimal_tidy(36214.180000000015), 36214.18);
        assert_eq!(decimal_tidy(1e20 + 1.0), 1e20);
        assert_eq!(decimal_tidy(-2.5), -2.5);
    }

    #[test]
    fn count_of_a_field_skips_nulls_and_avg_of_nothing_is_null() {
        let mut c = AggAcc::new(AggFunc::Count);
        c.add(Some(Some(&Value::Int(1))), &Value::compare);
        c.add(Some(None), &Value::compare);
        c.add(None, &Value::compare);
        assert_eq!(c.finish(), Some(Value::Int(2)));
        assert_eq!(AggAcc::new(AggFunc::Avg).finish(), None);
        let mut m = AggAcc::new(AggFunc::Max);
        for v in [3, 9, 4] {
            m.add(Some(Some(&Value::Int(v))), &Value::compare);
        }
        assert_eq!(m.finish(), Some(Value::Int(9)));
    }

    #[test]
    fn min_and_max_follow_the_order_they_are_given() {
        let defined = ["Gold", "Silver", "Bronze"];
        let rank = |a: &Value, b: &Value| {
            let at = |v: &Value| defined.iter().position(|d| *d == v.text());
            Some(at(a).cmp(&at(b)))
        };
        let (mut min, mut max) = (AggAcc::new(AggFunc::Min), AggAcc::new(AggFunc::Max));
        for v in ["Silver", "Bronze", "Gold"] {
            let v = Value::Text(v.into());
            min.add(Some(Some(&v)), &rank);
            max.add(Some(Some(&v)), &rank);
        }
        assert_eq!(min.finish(), Some(Value::Text("Gold".into())));
        assert_eq!(max.finish(), Some(Value::Text("Bronze".into())));
    }
}
