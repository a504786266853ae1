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

/// The fields a lesson's front matter takes, in the order the README lists them.
pub(super) const FIELDS: &[&str] = &[
    "id", "title", "level", "order", "summary", "labs", "sources", "quiz", "covers",
];

/// The fields a lesson cannot go without.
const REQUIRED: &[&str] = &["id", "title", "level", "order"];

/// The front matter as written by an author, before validation: each field as far as it
/// could be read (a field missing or of the wrong type is `None` or empty, and said in
/// [`FrontMatterRead::problems`]).
#[derive(Debug, Default, Deserialize)]
pub(super) struct FrontMatter {
    pub id: Option<String>,
    pub title: Option<String>,
    pub level: Option<String>,
    pub order: Option<u32>,
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

/// A problem in the front matter, placed in the YAML's own numbering (line 1 is the line
/// after the opening `---`).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct FieldProblem {
    pub line: Option<usize>,
    pub message: String,
}

/// What reading a front matter gave: the fields that read, and a problem for each that did
/// not (unknown, missing, or of the wrong type).
#[derive(Debug, Default)]
pub(super) struct FrontMatterRead {
    pub fields: FrontMatter,
    pub problems: Vec<FieldProblem>,
    /// For each question of `fields.quiz`, its place among the quiz items as written (from
    /// 0): a question that does not read is left out, and those after it keep their numbers
    /// and lines.
    pub quiz_places: Vec<usize>,
}

/// Reads `yaml` (a mapping) field by field, so that every problem is found in one pass:
/// serde stops at the first unknown field or value of the wrong type, and an author would fix
/// them one round at a time. A quiz is read question by question, each placed at its item.
/// Only YAML that is not a mapping of fields at all is an error here.
pub(super) fn read_front_matter(yaml: &str) -> Result<FrontMatterRead, serde_yaml::Error> {
    use crate::yaml_input::{item_lines, key_line, plain_types};
    use serde_yaml::{Mapping, Value};
    // When the YAML does not read as a mapping, the typed reading's error is the one said:
    // serde's own wording for a key given twice (`duplicate field`) and its place.
    let mapping: Mapping = serde_yaml::from_str(yaml)
        .map_err(|e| serde_yaml::from_str::<FrontMatter>(yaml).err().unwrap_or(e))?;
    let mut problems = Vec::new();
    let mut kept = Mapping::new();
    let mut quiz_places = None;
    for (k, v) in &mapping {
        let key = match k.as_str() {
            Some(key) => key.to_string(),
            None => serde_yaml::to_string(k)
                .unwrap_or_default()
                .trim()
                .to_string(),
        };
        let line = key_line(yaml, &key);
        if !FIELDS.contains(&key.as_str()) {
            let tip = match crate::suggest::closest(&key, FIELDS.iter().copied()).first() {
                Some(close) => format!(" (did you mean `{close}`?)"),
                None => String::new(),
            };
            let named = FIELDS.iter().map(|f| format!("`{f}`"));
            problems.push(FieldProblem {
                line,
                message: format!(
                    "unknown field `{key}`{tip}; a lesson's front matter takes {}",
                    crate::wording::either(named)
                ),
            });
            continue;
        }
        let alone = Value::Mapping(Mapping::from_iter([(k.clone(), v.clone())]));
        match serde_yaml::from_value::<FrontMatter>(alone) {
            Ok(_) => {
                kept.insert(k.clone(), v.clone());
            }
            Err(_) if key == "quiz" && v.is_sequence() => {
                let items = v.as_sequence().map(Vec::as_slice).unwrap_or_default();
                let lines = item_lines(yaml, "quiz");
                let mut good = Vec::new();
                let mut places = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match serde_yaml::from_value::<QuizQuestion>(item.clone()) {
                        Ok(_) => {
                            good.push(item.clone());
                            places.push(i);
                        }
                        Err(e) => problems.push(FieldProblem {
                            line: lines.get(i).copied().or(line),
                            message: format!(
                                "quiz question {}: {}",
                                i + 1,
                                crate::yaml_input::with_likely_field(&plain_types(&e.to_string()))
                            ),
                        }),
                    }
                }
                quiz_places = Some(places);
                kept.insert(k.clone(), Value::Sequence(good));
            }
            Err(e) => problems.push(FieldProblem {
                line,
                message: format!("`{key}`: {}", plain_types(&e.to_string())),
            }),
        }
    }
    for field in REQUIRED {
        if !mapping.contains_key(*field) {
            problems.push(FieldProblem {
                line: None,
                message: format!(
                    "has no `{field}` in its front matter: a lesson needs `id`, `title`, \
                     `level` and `order`"
                ),
            });
        }
    }
    // Each field read alone, so they read together.
    let fields: FrontMatter = serde_yaml::from_value(Value::Mapping(kept)).unwrap_or_default();
    let quiz_places = quiz_places.unwrap_or_else(|| (0..fields.quiz.len()).collect());
    Ok(FrontMatterRead {
        fields,
        problems,
        quiz_places,
    })
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
