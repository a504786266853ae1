//! Name resolution and condition compilation: field paths become [`FieldRef`]s (lookup hops
//! plus a final field), literals become typed [`Value`]s checked against their field, and
//! conditions become [`Test`]s the evaluator can run without looking anything up by name.

use super::ast::{CmpOp, FieldPath, Literal, Pos, Rhs};
use super::dates;
use super::error as qerr;
use super::lexer::unescaped;
use super::polymorphic;
pub use super::polymorphic::Reads;
use crate::org::error::{ErrorCode, SfError};
use crate::org::ids::SfId;
use crate::org::record::Record;
use crate::org::schema::{FieldDef, FieldType};
use crate::org::store::Store;
use crate::org::value::{date_to_days, parse_date, parse_datetime, Value};
use chrono::NaiveDate;

/// SOQL allows five levels of parent relationships.
pub const MAX_PARENT_DEPTH: usize = 5;

/// One lookup followed on the way to a parent field.
#[derive(Debug, Clone)]
pub struct Hop {
    pub from_obj: usize,
    pub field: usize,
    pub field_name: String,
    /// The relationship name as the schema spells it (`Account`, `Owner`).
    pub rel_name: String,
    /// A polymorphic lookup (`What`, `Who`): it reaches the `Name` entity.
    pub poly: bool,
}

/// A resolved field path.
#[derive(Debug, Clone)]
pub struct FieldRef {
    pub hops: Vec<Hop>,
    /// The object that holds the final field (for polymorphic hops: the first candidate).
    pub obj: usize,
    pub field: usize,
    pub name: String,
    pub ftype: FieldType,
    /// How the last part is read (Name-entity fields behind a polymorphic lookup differ).
    pub reads: Reads,
}

static FALSE: Value = Value::Bool(false);

impl FieldRef {
    pub fn def<'s>(&self, store: &'s Store) -> &'s FieldDef {
        &store.object(self.obj).fields[self.field]
    }

    /// The value of this path for a record of the base object. A checkbox is never null: one
    /// without a value, or on a parent the record does not have (`Account.IsDeleted` of a
    /// Contact without an Account), is false, as SOQL treats it.
    pub fn fetch<'s>(
        &'s self,
        store: &'s Store,
        base: usize,
        rec: &'s Record,
    ) -> Option<&'s Value> {
        match self.reach(store, base, rec) {
            None if self.ftype == FieldType::Boolean => Some(&FALSE),
            v => v,
        }
    }

    /// The value of this path, following its lookups; `None` when a lookup is empty.
    fn reach<'s>(&'s self, store: &'s Store, base: usize, rec: &'s Record) -> Option<&'s Value> {
        let (mut t, mut rec) = (base, rec);
        for hop in &self.hops {
            let idx = if t == hop.from_obj {
                hop.field
            } else {
                store.object(t).field_index(&hop.field_name)?
            };
            let Some(Value::Id(id)) = rec.get(idx) else {
                return None;
            };
            let (nt, r) = store.record(id)?;
            t = nt;
            rec = r;
        }
        self.read_last(store, t, rec)
    }

    /// The last part's value on `rec`, a record of object `t` (the record the hops reached).
    pub fn read_last<'s>(
        &'s self,
        store: &'s Store,
        t: usize,
        rec: &'s Record,
    ) -> Option<&'s Value> {
        if self.reads != Reads::Stored {
            return self.reads.read(store, t, rec, &self.name);
        }
        let idx = if t == self.obj {
            self.field
        } else {
            store.object(t).field_index(&self.name)?
        };
        rec.get(idx)
    }
}

/// Resolves `path` from object `base`.
pub fn resolve_path(
    store: &Store,
    src: &str,
    base: usize,
    path: &FieldPath,
) -> Result<FieldRef, SfError> {
    let mut parts: &[String] = &path.parts;
    let base_obj = store.object(base);
    if parts.len() > 1
        && parts[0].eq_ignore_ascii_case(&base_obj.name)
        && base_obj.field_by_relationship(&parts[0]).is_none()
    {
        parts = &parts[1..];
    }
    if parts.len() > MAX_PARENT_DEPTH + 1 {
        return Err(qerr::malformed(
            src,
            path.pos,
            "SOQL statements cannot query relationships that are more than 5 levels away from the root entity object.",
        ));
    }
    let mut hops = Vec::new();
    let mut t = base;
    for (k, rel) in parts[..parts.len() - 1].iter().enumerate() {
        let obj = store.object(t);
        let f = obj
            .field_by_relationship(rel)
            .ok_or_else(|| qerr::bad_relationship(src, path.pos, rel))?;
        let def = &obj.fields[f];
        let next = &parts[k + 1];
        if def.reference_to.len() > 1 {
            // A polymorphic lookup reaches the Name entity, which has fields but no
            // relationships sflab models.
            let rel_name = def.relationship_name.clone().unwrap_or_else(|| rel.clone());
            if k + 2 != parts.len() {
                // [U] the text real orgs give for a relationship after a polymorphic one.
                return Err(qerr::bad_relationship(src, path.pos, next));
            }
            let Some((name, ftype)) = polymorphic::name_field(next) else {
                return Err(qerr::no_such_column(
                    src,
                    path.pos,
                    next,
                    polymorphic::ENTITY,
                ));
            };
            let first = def
                .reference_to
                .first()
                .and_then(|o| store.schema().object_index(o))
                .ok_or_else(|| qerr::bad_relationship(src, path.pos, rel))?;
            hops.push(Hop {
                from_obj: t,
                field: f,
                field_name: def.name.clone(),
                rel_name,
                poly: true,
            });
            let field = store.object(first).field_index(name).unwrap_or(0);
            let reads = if name == "Type" {
                Reads::sobject_type(store)
            } else {
                Reads::NameField
            };
            return Ok(FieldRef {
                hops,
                obj: first,
                field,
                name: name.to_string(),
                ftype,
                reads,
            });
        }
        // For polymorphic lookups pick the first target that knows the next name.
        let targets: Vec<usize> = def
            .reference_to
            .iter()
            .filter_map(|o| store.schema().object_index(o))
            .collect();
        let target = targets
            .iter()
            .copied()
            .find(|&o| {
                let od = store.object(o);
                od.field_index(next).is_some() || od.field_by_relationship(next).is_some()
            })
            .or_else(|| targets.first().copied())
            .ok_or_else(|| qerr::bad_relationship(src, path.pos, rel))?;
        hops.push(Hop {
            from_obj: t,
            field: f,
            field_name: def.name.clone(),
            rel_name: def.relationship_name.clone().unwrap_or_else(|| rel.clone()),
            poly: false,
        });
        t = target;
    }
    let last = &parts[parts.len() - 1];
    let obj = store.object(t);
    let field = obj
        .field_index(last)
        .ok_or_else(|| qerr::no_such_column(src, path.pos, last, &obj.name))?;
    if let Some(function) = &path.function {
        field_function_applies(src, path.pos, function, &obj.name, &obj.fields[field])?;
    }
    Ok(FieldRef {
        hops,
        obj: t,
        field,
        name: obj.fields[field].name.clone(),
        ftype: obj.fields[field].field_type,
        reads: Reads::Stored,
    })
}

/// Refuses `toLabel()` on a field that is not a picklist (or `RecordType.Name`) and
/// `convertCurrency()` on one that is not a currency: `def` is the argument's field, of object
/// `object`. [U] The codes and texts real orgs give were not captured; these follow the
/// INVALID_FIELD messages for a field used where its type does not allow.
fn field_function_applies(
    src: &str,
    pos: Pos,
    function: &str,
    object: &str,
    def: &FieldDef,
) -> Result<(), SfError> {
    let t = def.field_type;
    let (applies, takes) = if function.eq_ignore_ascii_case("convertCurrency") {
        (t == FieldType::Currency, "currency fields")
    } else {
        let record_type_name = object == "RecordType" && def.name == "Name";
        (
            matches!(t, FieldType::Picklist | FieldType::MultiPicklist) || record_type_name,
            "picklist fields and RecordType.Name",
        )
    };
    if applies {
        return Ok(());
    }
    Err(qerr::located(
        ErrorCode::INVALID_FIELD,
        src,
        pos,
        &format!(
            "{function}() can only be used on {takes}: '{}' on entity '{object}' is a {} field",
            def.name,
            t.describe_name()
        ),
    ))
}

/// A compiled comparison.
#[derive(Debug, Clone)]
pub enum Test {
    IsNull,
    NotNull,
    Cmp(CmpOp, Value),
    /// A date literal's `[start, end)` in milliseconds (dates compare by their midnight).
    Range(CmpOp, i64, i64),
    In(Vec<Value>, bool),
    Like(Vec<LikePart>),
    /// INCLUDES / EXCLUDES: any of these sets of values (each set all present); negated for
    /// EXCLUDES.
    Includes(Vec<Vec<String>>, bool),
    /// `=` / `!=` on a multi-select picklist: exactly these values selected, in any order
    /// (sorted, lower-cased); negated for `!=`.
    Selected(Vec<String>, bool),
    /// `=`, `!=`, `IN`, `NOT IN` on a unique case-sensitive text field: one of these texts
    /// exactly, case and all (negated for `!=` and `NOT IN`). Salesforce compares such fields
    /// case-sensitively and every other text field without regard to case.
    Exactly(Vec<Value>, bool),
}

impl Test {
    /// This test as it reads on a unique case-sensitive text field (see [`Test::Exactly`]).
    pub fn case_sensitive(self) -> Test {
        match self {
            Test::Cmp(op @ (CmpOp::Eq | CmpOp::Ne), v) => Test::Exactly(vec![v], op == CmpOp::Ne),
            Test::In(values, negate) => Test::Exactly(values, negate),
            other => other,
        }
    }
}

/// The values of a multi-select picklist text (`'B;A'`), lower-cased, sorted, each once.
fn selected_set(s: &str) -> Vec<String> {
    let mut set: Vec<String> = s
        .split(';')
        .map(|x| x.trim().to_lowercase())
        .filter(|x| !x.is_empty())
        .collect();
    set.sort();
    set.dedup();
    set
}

/// One piece of a LIKE pattern (characters already lower-cased).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LikePart {
    Char(char),
    AnyOne,
    AnyMany,
}

/// The pattern of a LIKE string token: `%` and `_` are wildcards, and a backslash makes the
/// character after it literal (`\%`, `\_`, and `\\`, which the lexer keeps escaped).
pub fn like_pattern(s: &str) -> Vec<LikePart> {
    let mut out = Vec::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    out.extend(n.to_lowercase().map(LikePart::Char));
                }
            }
            '%' => out.push(LikePart::AnyMany),
            '_' => out.push(LikePart::AnyOne),
            c => out.extend(c.to_lowercase().map(LikePart::Char)),
        }
    }
    out
}

/// Wildcard matching with one backtrack point (linear for the usual `%x%` patterns).
fn glob(p: &[LikePart], n: usize, at: impl Fn(usize) -> char) -> bool {
    let (mut pi, mut vi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while vi < n {
        match p.get(pi) {
            Some(LikePart::AnyOne) => {
                pi += 1;
                vi += 1;
            }
            Some(LikePart::Char(c)) if *c == at(vi) => {
                pi += 1;
                vi += 1;
            }
            Some(LikePart::AnyMany) => {
                star = Some((pi, vi));
                pi += 1;
            }
            _ => match star {
                Some((sp, sv)) => {
                    pi = sp + 1;
                    vi = sv + 1;
                    star = Some((sp, sv + 1));
                }
                None => return false,
            },
        }
    }
    p[pi.min(p.len())..].iter().all(|x| *x == LikePart::AnyMany)
}

/// Case-insensitive LIKE match (no allocation for ASCII values).
pub fn like_matches(pattern: &[LikePart], value: &str) -> bool {
    if value.is_ascii() {
        let b = value.as_bytes();
        glob(pattern, b.len(), |i| b[i].to_ascii_lowercase() as char)
    } else {
        let lower: Vec<char> = value.chars().flat_map(char::to_lowercase).collect();
        glob(pattern, lower.len(), |i| lower[i])
    }
}

fn type_word(t: FieldType) -> &'static str {
    match t {
        FieldType::Int => "integer",
        FieldType::DateTime => "dateTime",
        FieldType::Id | FieldType::Reference => "id",
        t if t.is_text() => "string",
        t => t.describe_name(),
    }
}

/// True for types whose filter values are written in quotes: text, picklists and ids.
fn takes_quotes(t: FieldType) -> bool {
    t.is_text() || matches!(t, FieldType::Id | FieldType::Reference)
}

/// Converts a literal for comparison with field `f` (named `shown` in messages).
pub fn literal_value(
    src: &str,
    pos: Pos,
    f: &FieldRef,
    lit: &Literal,
) -> Result<Option<Value>, SfError> {
    let t = f.ftype;
    let wrong = || qerr::filter_type(src, pos, &f.name, type_word(t), takes_quotes(t));
    let v = match (lit, t) {
        (Literal::Null, _) => return Ok(None),
        (Literal::Str(s), FieldType::Id | FieldType::Reference) => {
            let s = unescaped(s);
            let id = SfId::parse(&s).map_err(|_| {
                // The text real orgs answer, in their usual layout with the caret.
                qerr::located(
                    ErrorCode::INVALID_QUERY_FILTER_OPERATOR,
                    src,
                    pos,
                    &format!("invalid ID field: {s}"),
                )
            })?;
            Value::Id(id)
        }
        (Literal::Str(s), t) if t.is_text() => Value::Text(unescaped(s).as_ref().into()),
        (Literal::Str(_), _) => return Err(wrong()),
        (Literal::Number(n), FieldType::Int) if !n.contains('.') => {
            Value::Int(n.parse().map_err(|_| wrong())?)
        }
        (Literal::Number(n), t) if t.is_numeric() => Value::Double(n.parse().map_err(|_| wrong())?),
        (Literal::Bool(b), FieldType::Boolean) => Value::Bool(*b),
        (Literal::Date(d), FieldType::Date) => {
            Value::Date(date_to_days(parse_date(d).ok_or_else(wrong)?))
        }
        (Literal::DateTime(d), FieldType::DateTime) => {
            Value::DateTime(parse_datetime(d).ok_or_else(wrong)?.timestamp_millis())
        }
        _ => return Err(wrong()),
    };
    Ok(Some(v))
}

/// Compiles `left op rhs` for a field (a semi-join's subquery is planned apart, in
/// [`super::plan`]).
pub fn compile_test(
    src: &str,
    pos: Pos,
    f: &FieldRef,
    op: CmpOp,
    rhs: &Rhs,
    (today, zone): (NaiveDate, chrono_tz::Tz),
) -> Result<Test, SfError> {
    let t = f.ftype;
    if t == FieldType::MultiPicklist {
        match (op, rhs) {
            // The reference lists =, !=, INCLUDES and EXCLUDES as the operators for
            // multi-select picklists.
            (
                CmpOp::Like
                | CmpOp::In
                | CmpOp::NotIn
                | CmpOp::Lt
                | CmpOp::Le
                | CmpOp::Gt
                | CmpOp::Ge,
                _,
            ) => {
                // [U] the text as quoted from real orgs; the code is not verified.
                return Err(qerr::malformed(
                    src,
                    pos,
                    "invalid operator on multipicklist field",
                ));
            }
            (CmpOp::Eq | CmpOp::Ne, Rhs::One(Literal::Str(s))) => {
                return Ok(Test::Selected(selected_set(&unescaped(s)), op == CmpOp::Ne));
            }
            _ => {}
        }
    }
    match (op, rhs) {
        (CmpOp::In | CmpOp::NotIn, Rhs::List(items)) => {
            let mut values = Vec::new();
            let mut has_null = false;
            for l in items {
                match literal_value(src, pos, f, l)? {
                    Some(v) => values.push(v),
                    None => has_null = true,
                }
            }
            let _ = has_null; // `IN (null)` matches nothing extra here [U].
            Ok(Test::In(values, op == CmpOp::NotIn))
        }
        (CmpOp::Includes | CmpOp::Excludes, Rhs::List(items)) => {
            if t != FieldType::MultiPicklist {
                return Err(qerr::malformed(
                    src,
                    pos,
                    &format!("invalid operator on non-multipicklist field: {}", f.name),
                ));
            }
            let mut sets = Vec::new();
            for l in items {
                let Literal::Str(s) = l else {
                    return Err(qerr::filter_type(src, pos, &f.name, "string", true));
                };
                sets.push(
                    unescaped(s)
                        .split(';')
                        .map(|x| x.trim().to_lowercase())
                        .filter(|x| !x.is_empty())
                        .collect(),
                );
            }
            Ok(Test::Includes(sets, op == CmpOp::Excludes))
        }
        (CmpOp::Like, _) if matches!(t, FieldType::Id | FieldType::Reference) => {
            // The code and text real orgs answer for LIKE on an id or lookup field.
            Err(qerr::located(
                ErrorCode::INVALID_QUERY_FILTER_OPERATOR,
                src,
                pos,
                "invalid operator on id field",
            ))
        }
        (CmpOp::Like, Rhs::One(Literal::Str(s))) if t.is_text() => Ok(Test::Like(like_pattern(s))),
        (CmpOp::Like, _) => Err(qerr::malformed(
            src,
            pos,
            &format!("invalid operator on field: {}", f.name),
        )),
        (_, Rhs::One(Literal::DateLiteral { name, n })) => {
            if !matches!(t, FieldType::Date | FieldType::DateTime) {
                return Err(qerr::filter_type(
                    src,
                    pos,
                    &f.name,
                    type_word(t),
                    takes_quotes(t),
                ));
            }
            let (start, end) =
                dates::range(name, *n, today).map_err(|m| qerr::malformed(src, pos, &m))?;
            // A date field's days have no zone; a dateTime's range runs from the user's
            // midnight to their midnight, in UTC.
            let ms = |d: NaiveDate| match t {
                FieldType::DateTime => local_midnight_millis(d, zone),
                _ => date_to_days(d) as i64 * 86_400_000,
            };
            Ok(Test::Range(op, ms(start), ms(end)))
        }
        (_, Rhs::One(l)) => match literal_value(src, pos, f, l)? {
            // A checkbox is never null: `= null` matches false and `!= null` true [D: SOQL
            // reference, "null Values in WHERE"].
            None if t == FieldType::Boolean && matches!(op, CmpOp::Eq | CmpOp::Ne) => {
                Ok(Test::Cmp(CmpOp::Eq, Value::Bool(op == CmpOp::Ne)))
            }
            None if op == CmpOp::Eq => Ok(Test::IsNull),
            None if op == CmpOp::Ne => Ok(Test::NotNull),
            None => Err(qerr::malformed(
                src,
                pos,
                "null can only be compared with = or !=",
            )),
            Some(v) => Ok(Test::Cmp(op, v)),
        },
        _ => Err(qerr::malformed(
            src,
            pos,
            &format!("unexpected token: {}", op.text()),
        )),
    }
}

/// The UTC instant, in epoch milliseconds, at which day `d` starts in `zone` (the first
/// midnight if a clock change repeats it, the hour after if it skips it).
fn local_midnight_millis(d: NaiveDate, zone: chrono_tz::Tz) -> i64 {
    use chrono::TimeZone;
    let midnight = d.and_hms_opt(0, 0, 0).unwrap_or_default();
    match zone.from_local_datetime(&midnight) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => {
            t.timestamp_millis()
        }
        chrono::LocalResult::None => zone
            .from_local_datetime(&(midnight + chrono::Duration::hours(1)))
            .earliest()
            .map_or(midnight.and_utc().timestamp_millis(), |t| {
                t.timestamp_millis()
            }),
    }
}

fn millis(v: &Value) -> Option<i64> {
    match v {
        Value::Date(d) => Some(*d as i64 * 86_400_000),
        Value::DateTime(ms) => Some(*ms),
        _ => None,
    }
}

fn eq(a: &Value, b: &Value) -> bool {
    a.compare(b) == Some(std::cmp::Ordering::Equal)
}

/// Runs a compiled test on a value (`None` is SQL null).
pub fn run_test(test: &Test, v: Option<&Value>) -> bool {
    use std::cmp::Ordering::*;
    match test {
        Test::IsNull => v.is_none(),
        Test::NotNull => v.is_some(),
        Test::Cmp(op, lit) => match v {
            None => *op == CmpOp::Ne,
            Some(v) => {
                let ord = v.compare(lit);
                match op {
                    CmpOp::Eq => ord == Some(Equal),
                    CmpOp::Ne => ord != Some(Equal),
                    CmpOp::Lt => ord == Some(Less),
                    CmpOp::Le => matches!(ord, Some(Less | Equal)),
                    CmpOp::Gt => ord == Some(Greater),
                    CmpOp::Ge => matches!(ord, Some(Greater | Equal)),
                    _ => false,
                }
            }
        },
        Test::Range(op, start, end) => match v.and_then(millis) {
            None => *op == CmpOp::Ne,
            Some(m) => match op {
                CmpOp::Eq => m >= *start && m < *end,
                CmpOp::Ne => !(m >= *start && m < *end),
                CmpOp::Lt => m < *start,
                CmpOp::Le => m < *end,
                CmpOp::Gt => m >= *end,
                CmpOp::Ge => m >= *start,
                _ => false,
            },
        },
        Test::In(values, negate) => match v {
            None => *negate,
            Some(v) => values.iter().any(|x| eq(v, x)) != *negate,
        },
        Test::Exactly(values, negate) => match v {
            None => *negate,
            Some(v) => values.iter().any(|x| x == v) != *negate,
        },
        Test::Like(p) => v
            .and_then(Value::as_str)
            .is_some_and(|s| like_matches(p, s)),
        Test::Includes(sets, negate) => {
            let have: Vec<String> = v
                .and_then(Value::as_str)
                .map(|s| s.split(';').map(|x| x.trim().to_lowercase()).collect())
                .unwrap_or_default();
            let any = sets.iter().any(|set| set.iter().all(|x| have.contains(x)));
            any != *negate
        }
        Test::Selected(want, negate) => match v.and_then(Value::as_str) {
            None => *negate,
            Some(s) => (selected_set(s) == *want) != *negate,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_is_case_insensitive_with_wildcards_and_escapes() {
        let p = like_pattern("fal%co_p");
        assert!(like_matches(&p, "Falcon Corp"));
        assert!(!like_matches(&p, "Falcon Corps"));
        assert!(like_matches(&like_pattern("50\\%"), "50%"));
        assert!(!like_matches(&like_pattern("50\\%"), "500"));
        assert!(like_matches(&like_pattern("%a%b%"), "xxAyyBzz"));
        assert!(!like_matches(&like_pattern("%a%b"), "xxAyyBzz"));
        assert!(like_matches(&like_pattern("ÉCOLE%"), "école normale"));
        assert!(like_matches(&like_pattern("%"), ""));
    }

    #[test]
    fn not_equal_and_not_in_include_nulls() {
        assert!(run_test(&Test::Cmp(CmpOp::Ne, Value::Int(1)), None));
        assert!(!run_test(&Test::Cmp(CmpOp::Eq, Value::Int(1)), None));
        assert!(run_test(&Test::In(vec![Value::Int(1)], true), None));
    }

    #[test]
    fn multi_select_equality_compares_the_set_of_values_in_any_order() {
        let t = Test::Selected(selected_set("B;a"), false);
        assert!(run_test(&t, Some(&Value::Text("A;B".into()))));
        assert!(run_test(&t, Some(&Value::Text("b; A".into()))));
        assert!(!run_test(&t, Some(&Value::Text("A;B;C".into()))));
        assert!(!run_test(&t, None));
        let ne = Test::Selected(selected_set("A;B"), true);
        assert!(!run_test(&ne, Some(&Value::Text("B;A".into()))));
        assert!(run_test(&ne, Some(&Value::Text("A".into()))));
    }

    #[test]
    fn includes_needs_every_value_of_one_set() {
        let t = Test::Includes(vec![vec!["a".into(), "b".into()], vec!["c".into()]], false);
        assert!(run_test(&t, Some(&Value::Text("B;x;A".into()))));
        assert!(run_test(&t, Some(&Value::Text("c".into()))));
        assert!(!run_test(&t, Some(&Value::Text("a".into()))));
    }
}
