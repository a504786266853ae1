//! The seven levels of the curriculum, L0 (Start here) to L6 (Architect).

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Level {
    L0,
    L1,
    L2,
    L3,
    L4,
    L5,
    L6,
}

impl Level {
    pub const ALL: [Level; 7] = [
        Level::L0,
        Level::L1,
        Level::L2,
        Level::L3,
        Level::L4,
        Level::L5,
        Level::L6,
    ];

    /// The human title shown in the tree.
    pub fn title(self) -> &'static str {
        match self {
            Level::L0 => "Start here",
            Level::L1 => "Basics",
            Level::L2 => "Authentication",
            Level::L3 => "Client apps",
            Level::L4 => "Credentials",
            Level::L5 => "Patterns",
            Level::L6 => "Architect",
        }
    }

    /// The folder under `lessons/` that holds this level's lessons.
    pub fn folder(self) -> &'static str {
        match self {
            Level::L0 => "L0-start-here",
            Level::L1 => "L1-basics",
            Level::L2 => "L2-authentication",
            Level::L3 => "L3-client-apps",
            Level::L4 => "L4-credentials",
            Level::L5 => "L5-patterns",
            Level::L6 => "L6-architect",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.to_string() == s)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "L{}", *self as u8)
    }
}
