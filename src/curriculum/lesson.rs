//! A lesson: markdown with YAML front matter, plus its end-of-lesson knowledge check.

use super::Level;
use serde::{Deserialize, Serialize};

/// One lesson, validated. `body` is the markdown after the front matter.
#[derive(Debug, Clone, Serialize)]
pub struct Lesson {
    pub id: String,
    pub title: String,
    pub level: Level,
    pub order: u32,
    pub summary: String,
    pub labs: Vec<String>,
    pub sources: Vec<String>,
    pub quiz: Vec<QuizQuestion>,
    /// Guide sections this lesson teaches (for the coverage map).
    pub covers: Vec<String>,
    /// Path relative to the curriculum root.
    pub path: String,
    /// The markdown body.
    #[serde(skip)]
    pub body: String,
    /// 1-based line in the file where the body starts.
    #[serde(skip)]
    pub body_line: usize,
}

/// A multiple-choice question taken from a decision the lesson teaches.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct QuizQuestion {
    pub question: String,
    pub choices: Vec<QuizChoice>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct QuizChoice {
    pub text: String,
    #[serde(default)]
    pub correct: bool,
    /// Why this choice is right or wrong; shown after answering.
    pub why: String,
}

/// The front matter as written by an author, before validation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FrontMatter {
    pub id: String,
    pub title: String,
    pub level: String,
    pub order: u32,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub labs: Vec<String>,
    #[serde(default)]
    pub sources: Vec<String>,
    #[serde(default)]
    pub quiz: Vec<QuizQuestion>,
    #[serde(default)]
    pub covers: Vec<String>,
}

/// Splits `---\n<yaml>\n---\n<body>`; returns (yaml, body, body's 1-based first line).
pub(super) fn split_front_matter(text: &str) -> Option<(&str, &str, usize)> {
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            let yaml = &rest[..offset];
            let body = &rest[offset + line.len()..];
            let body_line = 2 + yaml.lines().count() + 1;
            return Some((yaml, body, body_line));
        }
        offset += line.len();
    }
    None
}
