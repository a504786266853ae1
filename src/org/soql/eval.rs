//! Running a [`Plan`]: choosing rows (through an index for `=` / `IN` on Id and unique or
//! external-id fields, else a scan), filtering, sorting, paging with LIMIT/OFFSET, grouping,
//! and building REST JSON rows with nested parents and child subquery results.

use super::aggregate::AggAcc;
use super::ast::{AggFunc, CmpOp};
use super::date_functions::Key;
use super::plan::{AggPlan, CCond, ChildPlan, Column, Left, OrderKey, Plan, SemiJoin};
use super::resolve::{run_test, FieldRef, Test};
use crate::org::ids::SfId;
use crate::org::record::Record;
use crate::org::schema::{FieldDef, FieldType, SystemField};
use crate::org::store::Store;
use crate::org::value::Value;
use serde_json::{json, Map, Value as Json};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;

/// The rows a query returns, as REST JSON, and `totalSize`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rows {
    pub total_size: usize,
    pub records: Vec<Json>,
}

fn eval(store: &Store, base: usize, rec: &Record, c: &CCond) -> bool {
    match c {
        CCond::And(parts) => parts.iter().all(|p| eval(store, base, rec, p)),
        CCond::Or(parts) => parts.iter().any(|p| eval(store, base, rec, p)),
        CCond::Not(inner) => !eval(store, base, rec, inner),
        CCond::Test(Left::Field(f), t) => run_test(t, f.fetch(store, base, rec)),
        CCond::Test(Left::DateFn(d), t) => run_test(t, d.value(store, base, rec).as_ref()),
        CCond::Test(Left::Slot(_), _) => false,
        // [`matching`] binds semi-joins first; this runs the subquery for the one record.
        CCond::SemiJoin(left, semi) => eval(store, base, rec, &bind_semi_join(store, left, semi)),
    }
}

/// True when a semi-join sits anywhere in `c`.
fn has_semi_join(c: &CCond) -> bool {
    match c {
        CCond::And(parts) | CCond::Or(parts) => parts.iter().any(has_semi_join),
        CCond::Not(inner) => has_semi_join(inner),
        CCond::Test(..) => false,
        CCond::SemiJoin(..) => true,
    }
}

/// One semi-join as the `IN` / `NOT IN` test of what its subquery selects now.
fn bind_semi_join(store: &Store, left: &Left, semi: &SemiJoin) -> CCond {
    let values = column_values(store, &semi.plan, &semi.field);
    CCond::Test(left.clone(), Test::In(values, semi.negate))
}

fn bind(store: &Store, c: &CCond) -> CCond {
    match c {
        CCond::And(parts) => CCond::And(parts.iter().map(|p| bind(store, p)).collect()),
        CCond::Or(parts) => CCond::Or(parts.iter().map(|p| bind(store, p)).collect()),
        CCond::Not(inner) => CCond::Not(Box::new(bind(store, inner))),
        CCond::Test(..) => c.clone(),
        CCond::SemiJoin(left, semi) => bind_semi_join(store, left, semi),
    }
}

/// The condition with each semi-join's subquery run against the store as it is now, as the
/// `IN` list of the values it selects (an index can then serve `Id IN (…)`). A condition
/// without one is returned as it is.
pub(crate) fn bound<'c>(store: &Store, c: &'c CCond) -> Cow<'c, CCond> {
    if has_semi_join(c) {
        Cow::Owned(bind(store, c))
    } else {
        Cow::Borrowed(c)
    }
}

fn eval_slots(slots: &[Option<Value>], c: &CCond) -> bool {
    match c {
        CCond::And(parts) => parts.iter().all(|p| eval_slots(slots, p)),
        CCond::Or(parts) => parts.iter().any(|p| eval_slots(slots, p)),
        CCond::Not(inner) => !eval_slots(slots, inner),
        CCond::Test(Left::Slot(i), t) => run_test(t, slots.get(*i).and_then(Option::as_ref)),
        CCond::Test(Left::Field(_) | Left::DateFn(_), _) | CCond::SemiJoin(..) => false,
    }
}

/// Rows an index can narrow the search to, when the condition allows it.
pub(crate) fn index_candidates(
    store: &Store,
    base: usize,
    c: &CCond,
    include_deleted: bool,
) -> Option<Vec<u32>> {
    match c {
        CCond::And(parts) => parts
            .iter()
            .find_map(|p| index_candidates(store, base, p, include_deleted)),
        CCond::Test(Left::Field(f), test) if f.hops.is_empty() => {
            let values: Vec<&Value> = match test {
                Test::Cmp(CmpOp::Eq, v) => vec![v],
                Test::In(vs, false) | Test::Exactly(vs, false) => vs.iter().collect(),
                _ => return None,
            };
            let table = store.table(base);
            let is_id = store.object(base).fields[f.field].system == Some(SystemField::Id);
            let mut rows = Vec::new();
            if is_id {
                for v in values {
                    if let Value::Id(id) = v {
                        rows.extend(table.row_of(id));
                    }
                }
            } else {
                // Unique indexes leave out the recycle bin, so queryAll must scan.
                if include_deleted {
                    return None;
                }
                table.index(f.field)?;
                for v in values {
                    rows.extend(table.lookup(f.field, v).unwrap_or_default());
                }
            }
            rows.sort_unstable();
            rows.dedup();
            Some(rows)
        }
        _ => None,
    }
}

/// The rows of the plan's object that pass its filter, in storage order (semi-joins are
/// run first, against the records as they are now).
pub fn matching(store: &Store, plan: &Plan, include_deleted: bool) -> Vec<u32> {
    let table = store.table(plan.base);
    let filter = plan.filter.as_ref().map(|c| bound(store, c));
    let filter = filter.as_deref();
    let keep = |rec: &Record| {
        (include_deleted || !table.is_deleted(rec))
            && filter.is_none_or(|c| eval(store, plan.base, rec, c))
    };
    match filter.and_then(|c| index_candidates(store, plan.base, c, include_deleted)) {
        Some(rows) => rows
            .into_iter()
            .filter(|r| table.row(*r).is_some_and(keep))
            .collect(),
        None => table
            .iter()
            .filter(|(_, r)| keep(r))
            .map(|(i, _)| i)
            .collect(),
    }
}

/// Where a picklist value stands in its field's defined order: the values of the picklist
/// first, in the order setup gives them (which is how SOQL sorts a picklist), then any other
/// value (an unrestricted picklist holds them), by text.
fn picklist_rank(field: &FieldDef, v: &Value) -> (usize, String) {
    let text = v.text();
    let at = field
        .picklist
        .iter()
        .position(|p| p.value.eq_ignore_ascii_case(&text))
        .unwrap_or(field.picklist.len());
    (at, text)
}

/// How two values of `field` compare: a single-select picklist by its defined order (as
/// ORDER BY, MIN and MAX take it), any other field by value.
fn compare_as(field: &FieldDef, a: &Value, b: &Value) -> Option<Ordering> {
    if field.field_type == FieldType::Picklist && !field.picklist.is_empty() {
        Some(picklist_rank(field, a).cmp(&picklist_rank(field, b)))
    } else {
        a.compare(b)
    }
}

/// `cmp_opt` for one ORDER BY key: a single-select picklist by its defined order, any other
/// field by value.
fn cmp_key(a: Option<&Value>, b: Option<&Value>, key: &OrderKey, field: &FieldDef) -> Ordering {
    if field.field_type != FieldType::Picklist || field.picklist.is_empty() {
        return cmp_opt(a, b, key);
    }
    match (a, b) {
        (Some(x), Some(y)) => {
            let o = picklist_rank(field, x).cmp(&picklist_rank(field, y));
            if key.desc {
                o.reverse()
            } else {
                o
            }
        }
        _ => cmp_opt(a, b, key),
    }
}

fn cmp_opt(a: Option<&Value>, b: Option<&Value>, key: &OrderKey) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => {
            if key.nulls_first {
                Ordering::Less
            } else {
                Ordering::Greater
            }
        }
        (Some(_), None) => {
            if key.nulls_first {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        (Some(x), Some(y)) => {
            let o = x.compare(y).unwrap_or(Ordering::Equal);
            if key.desc {
                o.reverse()
            } else {
                o
            }
        }
    }
}

fn sort_rows(store: &Store, plan: &Plan, rows: &mut [u32]) {
    if plan.order.is_empty() {
        return;
    }
    let table = store.table(plan.base);
    let fields: Vec<&FieldRef> = plan
        .order
        .iter()
        .filter_map(|k| match &k.left {
            Left::Field(f) => Some(f),
            Left::DateFn(_) | Left::Slot(_) => None,
        })
        .collect();
    rows.sort_by(|a, b| {
        let (Some(ra), Some(rb)) = (table.row(*a), table.row(*b)) else {
            return Ordering::Equal;
        };
        for (f, key) in fields.iter().zip(&plan.order) {
            let o = cmp_key(
                f.fetch(store, plan.base, ra),
                f.fetch(store, plan.base, rb),
                key,
                f.def(store),
            );
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
}

fn page<T>(items: Vec<T>, plan: &Plan) -> Vec<T> {
    let offset = plan.offset.unwrap_or(0) as usize;
    let limit = plan.limit.map(|l| l as usize).unwrap_or(usize::MAX);
    items.into_iter().skip(offset).take(limit).collect()
}

/// Values of one column over the plan's matching rows (semi-joins).
pub fn column_values(store: &Store, plan: &Plan, f: &FieldRef) -> Vec<Value> {
    let table = store.table(plan.base);
    page(matching(store, plan, false), plan)
        .into_iter()
        .filter_map(|r| {
            table
                .row(r)
                .and_then(|rec| f.fetch(store, plan.base, rec))
                .cloned()
        })
        .collect()
}

pub(super) fn attributes(object: &str, id: Option<SfId>, version: &str) -> Json {
    match id {
        Some(id) => {
            json!({"type": object, "url": format!("/services/data/v{version}/sobjects/{object}/{id}")})
        }
        None => json!({"type": object}),
    }
}

fn value_json(v: Option<&Value>, t: FieldType) -> Json {
    match v {
        Some(v) => v.to_json(t),
        None if t == FieldType::Boolean => Json::Bool(false),
        None => Json::Null,
    }
}

pub(super) fn put_field(
    store: &Store,
    map: &mut Map<String, Json>,
    t: usize,
    rec: &Record,
    f: &FieldRef,
    hop: usize,
    version: &str,
) {
    if hop == f.hops.len() {
        map.insert(
            f.name.clone(),
            value_json(f.read_last(store, t, rec), f.ftype),
        );
        return;
    }
    let h = &f.hops[hop];
    let idx = if t == h.from_obj {
        Some(h.field)
    } else {
        store.object(t).field_index(&h.field_name)
    };
    let parent = match idx.and_then(|i| rec.get(i)) {
        Some(Value::Id(id)) => store.record(id).map(|(pt, pr)| (pt, pr, *id)),
        _ => None,
    };
    match parent {
        None => {
            map.entry(h.rel_name.clone()).or_insert(Json::Null);
        }
        Some((pt, prec, id)) => {
            let entry = map.entry(h.rel_name.clone()).or_insert_with(|| {
                let mut m = Map::new();
                let mut attrs = attributes(&store.object(pt).name, Some(id), version);
                if h.poly {
                    // A polymorphic lookup's record is of the Name entity; its URL names
                    // the real object.
                    attrs["type"] = json!(super::polymorphic::ENTITY);
                }
                m.insert("attributes".into(), attrs);
                Json::Object(m)
            });
            if let Json::Object(m) = entry {
                put_field(store, m, pt, prec, f, hop + 1, version);
            }
        }
    }
}

/// Child rows per parent id for one child subquery, over the parents being returned.
fn child_rows(
    store: &Store,
    child: &ChildPlan,
    parents: &[SfId],
    include_deleted: bool,
) -> HashMap<SfId, Vec<u32>> {
    let mut by_parent: HashMap<SfId, Vec<u32>> = parents.iter().map(|p| (*p, Vec::new())).collect();
    let table = store.table(child.plan.base);
    for r in matching(store, &child.plan, include_deleted) {
        if let Some(Value::Id(p)) = table.row(r).and_then(|rec| rec.get(child.lookup_field)) {
            if let Some(v) = by_parent.get_mut(p) {
                v.push(r);
            }
        }
    }
    by_parent
}

fn row_json(
    store: &Store,
    plan: &Plan,
    rec: &Record,
    children: &[(usize, HashMap<SfId, Vec<u32>>)],
    include_deleted: bool,
    version: &str,
) -> Json {
    let table = store.table(plan.base);
    let obj = store.object(plan.base);
    let id = table.id_of(rec);
    let mut m = Map::new();
    m.insert("attributes".into(), attributes(&obj.name, id, version));
    for (ci, col) in plan.columns.iter().enumerate() {
        match col {
            Column::Field(f) => put_field(store, &mut m, plan.base, rec, f, 0, version),
            Column::TypeOf(t) => super::type_of::render(store, &mut m, plan.base, rec, t, version),
            Column::Address(a) => {
                m.insert(a.name.clone(), a.value(rec));
            }
            Column::Child(child) => {
                let rows = id
                    .and_then(|id| {
                        children
                            .iter()
                            .find(|(i, _)| *i == ci)
                            .and_then(|(_, map)| map.get(&id))
                    })
                    .cloned()
                    .unwrap_or_default();
                let mut rows = rows;
                sort_rows(store, &child.plan, &mut rows);
                let rows = page(rows, &child.plan);
                let v = if rows.is_empty() {
                    Json::Null
                } else {
                    // Through render_rows, so subqueries nested in this one are filled in.
                    let records = render_rows(store, &child.plan, &rows, include_deleted, version);
                    json!({"totalSize": records.len(), "done": true, "records": records})
                };
                m.insert(child.rel_name.clone(), v);
            }
        }
    }
    Json::Object(m)
}

/// A group's key values and its aggregates' running state.
type GroupState = (Vec<Option<Value>>, Vec<AggAcc>);

fn aggregate_rows(
    store: &Store,
    plan: &Plan,
    agg: &AggPlan,
    rows: &[u32],
) -> Vec<Vec<Option<Value>>> {
    let table = store.table(plan.base);
    // MIN and MAX of a picklist follow its defined order [D: SOQL reference, "Aggregate
    // Functions": "the function uses the sort order of the picklist values instead of
    // alphabetical order"].
    let args: Vec<Option<&FieldDef>> = agg
        .aggs
        .iter()
        .map(|a| a.arg.as_ref().map(|f| f.def(store)))
        .collect();
    let mut order: Vec<Vec<String>> = Vec::new();
    let mut groups: HashMap<Vec<String>, GroupState> = HashMap::new();
    if agg.keys.is_empty() {
        let key = Vec::new();
        order.push(key.clone());
        groups.insert(
            key,
            (
                Vec::new(),
                agg.aggs.iter().map(|a| AggAcc::new(a.func)).collect(),
            ),
        );
    }
    for r in rows {
        let Some(rec) = table.row(*r) else { continue };
        let values: Vec<Option<Value>> = agg
            .keys
            .iter()
            .map(|k| k.fetch(store, plan.base, rec))
            .collect();
        let key: Vec<String> = values
            .iter()
            .map(|v| {
                v.as_ref()
                    .map(|v| v.text().to_lowercase())
                    .unwrap_or_default()
            })
            .collect();
        let entry = groups.entry(key.clone()).or_insert_with(|| {
            order.push(key);
            (
                values,
                agg.aggs.iter().map(|a| AggAcc::new(a.func)).collect(),
            )
        });
        for ((acc, spec), arg) in entry.1.iter_mut().zip(&agg.aggs).zip(&args) {
            let v = spec.arg.as_ref().map(|f| f.fetch(store, plan.base, rec));
            match arg {
                Some(def) => acc.add(v, &|a, b| compare_as(def, a, b)),
                None => acc.add(v, &Value::compare),
            }
        }
    }
    order
        .into_iter()
        .filter_map(|k| groups.remove(&k))
        .map(|(mut slots, accs)| {
            slots.extend(accs.into_iter().map(AggAcc::finish));
            slots
        })
        .collect()
}

fn aggregate_json(agg: &AggPlan, slots: &[Option<Value>]) -> Json {
    let mut m = Map::new();
    m.insert("attributes".into(), json!({"type": "AggregateResult"}));
    for out in &agg.outputs {
        let v = slots.get(out.slot).and_then(Option::as_ref);
        let t = match &out.group {
            Some(k) => k.as_field().ftype,
            None => {
                let spec = &agg.aggs[out.slot - agg.keys.len()];
                match (spec.func, &spec.arg) {
                    (AggFunc::Min | AggFunc::Max, Some(f)) => f.ftype,
                    _ => FieldType::Double,
                }
            }
        };
        m.insert(
            out.name.clone(),
            match v {
                Some(Value::Int(i)) => json!(i),
                Some(v) => v.to_json(t),
                None => Json::Null,
            },
        );
    }
    Json::Object(m)
}

/// Runs a plan: `totalSize` and the rows as REST JSON (`version` goes into record URLs).
pub fn execute(store: &Store, plan: &Plan, include_deleted: bool, version: &str) -> Rows {
    let mut rows = matching(store, plan, include_deleted);
    if plan.count_only {
        let n = page(rows, plan).len();
        return Rows {
            total_size: n,
            records: Vec::new(),
        };
    }
    if let Some(agg) = &plan.agg {
        let mut groups = aggregate_rows(store, plan, agg, &rows);
        if let Some(h) = &agg.having {
            groups.retain(|g| eval_slots(g, h));
        }
        if !plan.order.is_empty() {
            groups.sort_by(|a, b| {
                for key in &plan.order {
                    if let Left::Slot(i) = key.left {
                        let (x, y) = (
                            a.get(i).and_then(Option::as_ref),
                            b.get(i).and_then(Option::as_ref),
                        );
                        // A grouped field sorts as the field does (a picklist in its order).
                        let o = match agg.keys.get(i) {
                            Some(Key::Field(f)) => cmp_key(x, y, key, f.def(store)),
                            _ => cmp_opt(x, y, key),
                        };
                        if o != Ordering::Equal {
                            return o;
                        }
                    }
                }
                Ordering::Equal
            });
        }
        let groups = page(groups, plan);
        let records: Vec<Json> = groups.iter().map(|g| aggregate_json(agg, g)).collect();
        return Rows {
            total_size: records.len(),
            records,
        };
    }
    sort_rows(store, plan, &mut rows);
    let rows = page(rows, plan);
    let records = render_rows(store, plan, &rows, include_deleted, version);
    Rows {
        total_size: records.len(),
        records,
    }
}

/// The rows a non-aggregate plan returns: filtered, sorted, then LIMIT/OFFSET applied.
pub fn select_rows(store: &Store, plan: &Plan, include_deleted: bool) -> Vec<u32> {
    let mut rows = matching(store, plan, include_deleted);
    sort_rows(store, plan, &mut rows);
    page(rows, plan)
}

/// Renders rows (table slots of the plan's object) as REST JSON, with parents and children.
pub fn render_rows(
    store: &Store,
    plan: &Plan,
    rows: &[u32],
    include_deleted: bool,
    version: &str,
) -> Vec<Json> {
    let table = store.table(plan.base);
    let ids: Vec<SfId> = rows
        .iter()
        .filter_map(|r| table.row(*r).and_then(|rec| table.id_of(rec)))
        .collect();
    let children: Vec<(usize, HashMap<SfId, Vec<u32>>)> = plan
        .columns
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match c {
            Column::Child(child) => Some((i, child_rows(store, child, &ids, include_deleted))),
            Column::Field(_) | Column::TypeOf(_) | Column::Address(_) => None,
        })
        .collect();
    rows.iter()
        .filter_map(|r| table.row(*r))
        .map(|rec| row_json(store, plan, rec, &children, include_deleted, version))
        .collect()
}
