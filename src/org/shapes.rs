//! Record shapes: the sorted list of field slots a record has values for, shared between
//! records of the same shape.
//!
//! Rows written together usually set the same fields (every row of a Bulk upload, every
//! record a form creates), so a record keeps its slots as a shared [`Shape`] and only its
//! values as its own: a million Accounts hold one slot list, not a million.
//!
//! Implementation notes: shapes are interned per thread, in a small cache that is emptied when
//! it fills (a shape that falls out is simply made again; records holding it keep theirs).
//! Sharing is an optimisation only: two records are equal when their slots are, whether or not
//! they share the allocation.

use rustc_hash::FxHashSet;
use std::cell::RefCell;
use std::sync::Arc;

/// The sorted, distinct field slots of a record.
pub type Shape = Arc<[u16]>;

/// Distinct shapes kept per thread before the cache starts over.
const MAX_SHAPES: usize = 512;

thread_local! {
    static SHAPES: RefCell<FxHashSet<Shape>> = RefCell::new(FxHashSet::default());
}

/// The shared shape for `slots` (sorted and distinct), made if this thread has none yet.
pub fn intern(slots: &[u16]) -> Shape {
    SHAPES.with(|cell| {
        let mut shapes = cell.borrow_mut();
        if let Some(shape) = shapes.get(slots) {
            return shape.clone();
        }
        if shapes.len() >= MAX_SHAPES {
            shapes.clear();
        }
        let shape: Shape = slots.into();
        shapes.insert(shape.clone());
        shape
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_slot_lists_share_one_shape() {
        let a = intern(&[1, 4, 9]);
        let b = intern(&[1, 4, 9]);
        assert!(Arc::ptr_eq(&a, &b));
        let c = intern(&[1, 4]);
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!(&*c, &[1, 4]);
    }

    #[test]
    fn a_full_cache_starts_over_without_changing_shapes() {
        let kept = intern(&[7, 8]);
        for i in 0..(MAX_SHAPES as u16 + 10) {
            assert_eq!(&*intern(&[i, 60_000]), &[i, 60_000]);
        }
        assert_eq!(&*intern(&[7, 8]), &*kept);
    }
}
