//! EventUuids: random version-4 UUIDs for every event on the bus, from a generator seeded
//! once from the operating system (one system call per org, not one per event — a bulk job
//! raising a million change events would otherwise make a million).

use std::sync::atomic::{AtomicU64, Ordering};
use uuid::Uuid;

/// The org's EventUuid source.
#[derive(Debug)]
pub struct EventUuids {
    state: AtomicU64,
}

impl Default for EventUuids {
    fn default() -> Self {
        let seed = Uuid::new_v4().as_u64_pair();
        EventUuids {
            state: AtomicU64::new(seed.0 ^ seed.1.rotate_left(17)),
        }
    }
}

/// splitmix64: a bijective mix of a Weyl sequence, good enough for unique random-looking ids.
fn splitmix(x: u64) -> u64 {
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl EventUuids {
    const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

    pub fn next(&self) -> Uuid {
        let s = self
            .state
            .fetch_add(Self::GAMMA.wrapping_mul(2), Ordering::Relaxed);
        let hi = splitmix(s.wrapping_add(Self::GAMMA));
        let lo = splitmix(s.wrapping_add(Self::GAMMA.wrapping_mul(2)));
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&hi.to_be_bytes());
        bytes[8..].copy_from_slice(&lo.to_be_bytes());
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_uuids_are_distinct_version_4_uuids() {
        let u = EventUuids::default();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..10_000 {
            let id = u.next();
            assert_eq!(id.get_version_num(), 4);
            assert_eq!(id.get_variant(), uuid::Variant::RFC4122);
            assert!(seen.insert(id));
        }
        assert_ne!(EventUuids::default().next(), EventUuids::default().next());
    }
}
