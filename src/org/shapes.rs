//! Record shapes: which field slots a record has values for, and the values it shares with the
//! records written alongside it.
//!
//! Rows written together usually set the same fields (every row of a Bulk upload, every record
//! of a collection call), and they carry the same audit stamps, owner and defaults: the same
//! time, the same user. So a record keeps its slots — and those common values — in a shared
//! [`Shape`], and only the rest of its values as its own. A million Accounts loaded in one job
//! hold one slot list and one set of stamps per moment their rows were written in (a Bulk job
//! writes a chunk of rows at a time), not a million.
//!
//! Implementation notes:
//! - Shapes are interned per thread, in a small cache that is emptied when it fills (a shape
//!   that falls out is simply made again; records holding it keep theirs).
//! - A record shares values only with a shape that another record asked for first: a record
//!   written on its own (a single REST create) keeps every value itself, so it never costs a
//!   shape of its own.
//! - The last layout worked out is remembered, so a run of rows that give the same slots in the
//!   same order is laid out without sorting.
//! - Sharing is an optimisation only: records compare and save as their slot/value pairs.

use super::value::Value;
use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// Marks a [`ShapeData::layout`] place that points into the shape's shared values (an object
/// has far fewer than 32,768 fields, so no index reaches it).
const SHARED: u16 = 0x8000;

/// What the records of one shape have in common.
#[derive(Debug, Default, PartialEq)]
pub struct ShapeData {
    /// Every slot with a value, sorted and distinct.
    slots: Arc<[u16]>,
    /// The same slots, each with its place: an index into the record's own values, or into
    /// the shape's `shared` values when [`SHARED`] is set. Kept side by side so a lookup reads
    /// both in one go.
    layout: Box<[(u16, u16)]>,
    /// The values every record of this shape has.
    shared: Box<[Value]>,
}

/// A shape shared between records (see the module notes).
pub type Shape = Arc<ShapeData>;

impl ShapeData {
    fn new(slots: &[u16], place: &[u16], shared: Box<[Value]>) -> ShapeData {
        ShapeData {
            slots: slots.into(),
            layout: slots.iter().copied().zip(place.iter().copied()).collect(),
            shared,
        }
    }

    /// Every slot with a value, sorted.
    pub fn slots(&self) -> &Arc<[u16]> {
        &self.slots
    }

    /// The value at place `p` (see [`ShapeData::layout`]) of a record whose own values are
    /// `own`.
    fn value_in<'a>(&'a self, own: &'a [Value], p: u16) -> &'a Value {
        if p & SHARED == 0 {
            &own[p as usize]
        } else {
            &self.shared[(p & !SHARED) as usize]
        }
    }

    /// The value of slot position `at` (an index into [`ShapeData::slots`]) of a record whose
    /// own values are `own`.
    pub fn value_at<'a>(&'a self, own: &'a [Value], at: usize) -> &'a Value {
        self.value_in(own, self.layout[at].1)
    }

    /// The value of field `slot`, if the record has one.
    pub fn get<'a>(&'a self, own: &'a [Value], slot: u16) -> Option<&'a Value> {
        let at = self.layout.binary_search_by_key(&slot, |e| e.0).ok()?;
        Some(self.value_in(own, self.layout[at].1))
    }

    /// Every slot with its value, sorted by slot.
    pub fn pairs<'a>(
        &'a self,
        own: &'a [Value],
    ) -> impl ExactSizeIterator<Item = (u16, &'a Value)> + 'a {
        self.layout
            .iter()
            .map(move |&(slot, p)| (slot, self.value_in(own, p)))
    }

    /// Where a record keeps the value of slot position `at` among its own values (None when
    /// the value is shared).
    pub fn own_index(&self, at: usize) -> Option<usize> {
        let p = self.layout[at].1;
        (p & SHARED == 0).then_some(p as usize)
    }
}

/// Distinct shapes kept per thread before the cache starts over.
const MAX_SHAPES: usize = 512;

/// The layout last worked out: the input it was for, and how to read a record's own values
/// out of such an input.
struct Memo {
    shared: Vec<(u16, Value)>,
    /// The name the caller gave that set of shared values, if any (see [`build_named`]).
    shared_name: Option<u64>,
    /// The input's slots, and whether each had a value.
    input: Vec<(u16, bool)>,
    shape: Shape,
    /// `pick[k]` is the index in the input of the record's `k`-th own value.
    pick: Vec<u16>,
}

#[derive(Default)]
struct Cache {
    shapes: FxHashMap<u64, Vec<Shape>>,
    count: usize,
    memo: Option<Memo>,
}

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(Cache::default());
}

/// Equal values, with doubles compared bit for bit (so a NaN is equal to itself here).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Double(x), Value::Double(y)) => x.to_bits() == y.to_bits(),
        _ => a == b,
    }
}

fn same_pairs(a: &[(u16, Value)], b: &[(u16, Value)]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.0 == y.0 && same_value(&x.1, &y.1))
}

fn hash_value<H: Hasher>(v: &Value, h: &mut H) {
    std::mem::discriminant(v).hash(h);
    match v {
        Value::Bool(b) => b.hash(h),
        Value::Int(n) | Value::DateTime(n) => n.hash(h),
        Value::Double(d) => d.to_bits().hash(h),
        Value::Text(s) => s.as_str().hash(h),
        Value::Date(d) => d.hash(h),
        Value::Id(id) => id.hash(h),
    }
}

fn key_of(slots: &[u16], place: &[u16], shared: &[Value]) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    slots.hash(&mut h);
    place.hash(&mut h);
    for v in shared {
        hash_value(v, &mut h);
    }
    h.finish()
}

fn same_shape(s: &ShapeData, slots: &[u16], place: &[u16], shared: &[Value]) -> bool {
    s.layout.len() == slots.len()
        && s.layout
            .iter()
            .zip(slots.iter().zip(place))
            .all(|(e, (a, b))| e.0 == *a && e.1 == *b)
        && s.shared.len() == shared.len()
        && s.shared.iter().zip(shared).all(|(a, b)| same_value(a, b))
}

impl Cache {
    /// The interned shape for this layout, if one was asked for before.
    fn find(&self, key: u64, slots: &[u16], place: &[u16], shared: &[Value]) -> Option<Shape> {
        self.shapes
            .get(&key)?
            .iter()
            .find(|s| same_shape(s, slots, place, shared))
            .cloned()
    }

    fn add(&mut self, key: u64, shape: Shape) {
        if self.count >= MAX_SHAPES {
            self.shapes.clear();
            self.count = 0;
        }
        self.shapes.entry(key).or_default().push(shape);
        self.count += 1;
    }

    /// The interned shape for this layout, made and kept if there is none.
    fn intern(&mut self, slots: &[u16], place: &[u16], shared: &[Value]) -> Shape {
        let key = key_of(slots, place, shared);
        if let Some(found) = self.find(key, slots, place, shared) {
            return found;
        }
        let shape = Arc::new(ShapeData::new(slots, place, shared.into()));
        self.add(key, shape.clone());
        shape
    }
}

/// The layout of a record given `shared` (distinct slots) and `own` pairs: the sorted slots,
/// their places, and for each own value its index in `own`. An own pair without a value is
/// left out; the first of equal slots in `own` wins; a slot in `shared` is taken from there.
fn lay_out(
    shared: &[(u16, Value)],
    own: &[(u16, Option<Value>)],
) -> (Vec<u16>, Vec<u16>, Vec<u16>) {
    // (slot, own?, index): stable by slot, shared first, then input order.
    let mut all: Vec<(u16, bool, u16)> = Vec::with_capacity(shared.len() + own.len());
    let shared_entries = shared.iter().enumerate();
    all.extend(shared_entries.map(|(i, p)| (p.0, false, i as u16)));
    let own_entries = own.iter().enumerate().filter(|(_, p)| p.1.is_some());
    all.extend(own_entries.map(|(i, p)| (p.0, true, i as u16)));
    all.sort_by_key(|e| (e.0, e.1, e.2));
    all.dedup_by_key(|e| e.0);
    let mut slots = Vec::with_capacity(all.len());
    let mut place = Vec::with_capacity(all.len());
    let mut pick = Vec::new();
    for (slot, is_own, index) in all {
        slots.push(slot);
        if is_own {
            place.push(pick.len() as u16);
            pick.push(index);
        } else {
            place.push(SHARED | index);
        }
    }
    (slots, place, pick)
}

/// The slots of an input, and whether each has a value (what a remembered layout is for).
fn input_of(own: &[(u16, Option<Value>)]) -> impl Iterator<Item = (u16, bool)> + '_ {
    own.iter().map(|p| (p.0, p.1.is_some()))
}

/// Builds a record's shape and own values from `shared` pairs (distinct slots; values every
/// record written alongside has, like audit stamps) and its `own` pairs (any order; a pair
/// without a value is left out, the first of equal slots wins, and a slot also in `shared` is
/// taken from there). `own` is left empty with its capacity kept; the own values are
/// allocated once, at their exact size.
pub fn build(
    shared: &[(u16, Value)],
    own: &mut Vec<(u16, Option<Value>)>,
) -> (Shape, Box<[Value]>) {
    build_named(shared, None, own)
}

/// [`build`] with a name for the set of `shared` values: a number the caller gives this exact
/// set, and never gives a set with other values (see `Store`'s created-record stamps). A run
/// of records naming the same set is laid out without comparing its values again.
pub fn build_named(
    shared: &[(u16, Value)],
    shared_name: Option<u64>,
    own: &mut Vec<(u16, Option<Value>)>,
) -> (Shape, Box<[Value]>) {
    CACHE.with(|cell| {
        let mut cache = cell.borrow_mut();
        let remembered = cache.memo.as_ref().filter(|m| {
            m.input.len() == own.len()
                && m.input.iter().copied().eq(input_of(own))
                && ((shared_name.is_some() && m.shared_name == shared_name)
                    || same_pairs(&m.shared, shared))
        });
        if let Some(memo) = remembered {
            let shape = memo.shape.clone();
            let values = take_picked(own, &memo.pick);
            own.clear();
            return (shape, values);
        }
        let input: Vec<(u16, bool)> = input_of(own).collect();
        let (slots, place, pick) = lay_out(shared, own);
        let shared_values: Vec<Value> = shared.iter().map(|p| p.1.clone()).collect();
        let key = key_of(&slots, &place, &shared_values);
        let found = cache.find(key, &slots, &place, &shared_values);
        let is_new = found.is_none();
        let shape = found.unwrap_or_else(|| {
            let made = Arc::new(ShapeData::new(&slots, &place, shared_values.into()));
            cache.add(key, made.clone());
            made
        });
        // A new shape with shared values is kept for the records that follow; this one
        // holds all its values itself.
        let alone = is_new && !shared.is_empty();
        let values = (!alone).then(|| take_picked(own, &pick));
        cache.memo = Some(Memo {
            shared: shared.to_vec(),
            shared_name,
            input,
            shape: shape.clone(),
            pick,
        });
        match values {
            Some(values) => {
                own.clear();
                (shape, values)
            }
            None => build_alone(shared, own, &mut cache),
        }
    })
}

/// The layout of a record that keeps every value itself (`shared` folded into `own`, where
/// it wins over an own value for the same slot).
fn build_alone(
    shared: &[(u16, Value)],
    own: &mut Vec<(u16, Option<Value>)>,
    cache: &mut Cache,
) -> (Shape, Box<[Value]>) {
    let mut all: Vec<(u16, Option<Value>)> = Vec::with_capacity(shared.len() + own.len());
    all.extend(shared.iter().map(|(slot, v)| (*slot, Some(v.clone()))));
    all.append(own);
    let (slots, place, pick) = lay_out(&[], &all);
    let shape = cache.intern(&slots, &place, &[]);
    (shape, take_picked(&mut all, &pick))
}

/// The values at `pick` in `input`, moved out. Only pairs with a value are ever picked (see
/// [`lay_out`]), so the fallback is never used.
fn take_picked(input: &mut [(u16, Option<Value>)], pick: &[u16]) -> Box<[Value]> {
    pick.iter()
        .map(|&i| input[i as usize].1.take().unwrap_or(Value::Bool(false)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own(pairs: &[(u16, i64)]) -> Vec<(u16, Option<Value>)> {
        pairs
            .iter()
            .map(|&(s, v)| (s, Some(Value::Int(v))))
            .collect()
    }

    fn set(pairs: &[(u16, i64)]) -> Vec<(u16, Value)> {
        pairs.iter().map(|&(s, v)| (s, Value::Int(v))).collect()
    }

    fn pairs_of(shape: &ShapeData, values: &[Value]) -> Vec<(u16, Value)> {
        shape.pairs(values).map(|(s, v)| (s, v.clone())).collect()
    }

    #[test]
    fn equal_slot_lists_share_one_shape() {
        let (a, _) = build(&[], &mut own(&[(9, 1), (1, 2), (4, 3)]));
        let (b, _) = build(&[], &mut own(&[(4, 1), (9, 2), (1, 3)]));
        assert!(Arc::ptr_eq(&a, &b));
        let (c, _) = build(&[], &mut own(&[(1, 1), (4, 2)]));
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!(&**c.slots(), &[1, 4]);
    }

    #[test]
    fn the_first_of_equal_own_slots_wins_and_shared_wins_over_own() {
        let shared = [(5u16, Value::Int(50))];
        let mut input = own(&[(3, 1), (5, 2), (3, 9), (1, 4)]);
        let (shape, values) = build(&shared, &mut input);
        assert!(input.is_empty());
        assert_eq!(pairs_of(&shape, &values), set(&[(1, 4), (3, 1), (5, 50)]));
    }

    #[test]
    fn the_second_record_with_the_same_shared_values_shares_them() {
        let shared = [(2u16, Value::Int(77)), (7, Value::Int(78))];
        let (first, first_values) = build(&shared, &mut own(&[(4, 1), (1, 2)]));
        assert_eq!(first_values.len(), 4, "the first keeps everything itself");
        let (second, second_values) = build(&shared, &mut own(&[(4, 3), (1, 4)]));
        assert_eq!(
            second_values.len(),
            2,
            "the second holds only its own values"
        );
        assert!(second.own_index(1).is_none() && second.own_index(0) == Some(0));
        assert_eq!(
            pairs_of(&first, &first_values),
            set(&[(1, 2), (2, 77), (4, 1), (7, 78)])
        );
        assert_eq!(
            pairs_of(&second, &second_values),
            set(&[(1, 4), (2, 77), (4, 3), (7, 78)])
        );
        // Other shared values make another shape.
        let (third, _) = build(
            &[(2, Value::Int(1)), (7, Value::Int(78))],
            &mut own(&[(4, 3)]),
        );
        assert!(!Arc::ptr_eq(&second, &third));
    }

    #[test]
    fn a_remembered_layout_is_only_reused_for_the_same_input_order() {
        let shared = [(0u16, Value::Int(5))];
        build(&shared, &mut own(&[(4, 1), (1, 2)]));
        let (s, v) = build(&shared, &mut own(&[(4, 1), (1, 2)]));
        assert_eq!(pairs_of(&s, &v), set(&[(0, 5), (1, 2), (4, 1)]));
        let (s, v) = build(&shared, &mut own(&[(1, 8), (4, 9)]));
        assert_eq!(pairs_of(&s, &v), set(&[(0, 5), (1, 8), (4, 9)]));
        let (s, v) = build(&shared, &mut own(&[(1, 8), (1, 7), (4, 9)]));
        assert_eq!(pairs_of(&s, &v), set(&[(0, 5), (1, 8), (4, 9)]));
    }

    #[test]
    fn a_pair_without_a_value_is_left_out_and_yields_to_a_later_one() {
        for _ in 0..3 {
            let mut input = vec![
                (3, None),
                (1, Some(Value::Int(1))),
                (3, Some(Value::Int(5))),
            ];
            let (s, v) = build(&[], &mut input);
            assert_eq!(pairs_of(&s, &v), set(&[(1, 1), (3, 5)]));
            let mut input = vec![(3, Some(Value::Int(6))), (1, None), (3, None)];
            let (s, v) = build(&[], &mut input);
            assert_eq!(pairs_of(&s, &v), set(&[(3, 6)]));
        }
    }

    #[test]
    fn a_full_cache_starts_over_without_changing_shapes() {
        let (kept, _) = build(&[], &mut own(&[(7, 0), (8, 0)]));
        for i in 0..(MAX_SHAPES as u16 + 10) {
            let (s, _) = build(&[], &mut own(&[(i, 0), (60_000, 0)]));
            assert_eq!(&**s.slots(), &[i, 60_000]);
        }
        let (again, _) = build(&[], &mut own(&[(7, 0), (8, 0)]));
        assert_eq!(*again, *kept);
    }
}
