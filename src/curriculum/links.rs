//! A lesson's relative links and images, checked against the curriculum's files: a link to a
//! lesson renamed or never written (`[x](../L1-basics/99-missing.md)`), or an image not there,
//! is found by `sflab dev check` rather than by a learner. Links with a scheme (`https:`,
//! `mailto:`), to a place in the same page (`#…`) or from the root (`/…`) are not the
//! curriculum's to check.

use super::{Files, Lesson, Problem};
use pulldown_cmark::{Event, Options, Parser, Tag};

/// Where a relative `dest` from the file `from` leads, as a path from the curriculum's root
/// (without its `#place` or `?query`), or `None` when it climbs out of the curriculum.
fn resolve(from: &str, dest: &str) -> Option<String> {
    let dest = dest.split(['#', '?']).next().unwrap_or("");
    let dest = percent_encoding::percent_decode_str(dest).decode_utf8_lossy();
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for part in dest.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// Whether `dest` is a link the curriculum's files answer: relative, to another file.
fn is_relative(dest: &str) -> bool {
    let scheme = dest
        .split_once(':')
        .is_some_and(|(s, _)| !s.is_empty() && !s.contains('/'));
    !(dest.is_empty() || dest.starts_with('#') || dest.starts_with('/') || scheme)
}

/// The lesson's relative links and images that lead nowhere in the curriculum, each named at
/// its line. They leave the lesson in use: the rest of it reads as written.
pub fn broken_links(files: &dyn Files, lesson: &Lesson) -> Vec<Problem> {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_GFM;
    let mut problems = Vec::new();
    for (event, range) in Parser::new_ext(&lesson.body, options).into_offset_iter() {
        let (what, dest) = match &event {
            Event::Start(Tag::Link { dest_url, .. }) => ("links to", dest_url),
            Event::Start(Tag::Image { dest_url, .. }) => ("shows the image", dest_url),
            _ => continue,
        };
        let dest: &str = dest;
        if !is_relative(dest) {
            continue;
        }
        let target = resolve(&lesson.path, dest);
        let there = target.as_deref().is_some_and(|t| {
            files.read_or_why(t).is_ok() || !files.list(&format!("{t}/")).is_empty()
        });
        if there {
            continue;
        }
        let line = lesson.body_line + lesson.body[..range.start].matches('\n').count();
        let why = match &target {
            Some(t) => format!("there is no {t} in the curriculum"),
            None => "it leads out of the curriculum folder".to_string(),
        };
        problems.push(
            Problem {
                file: lesson.path.clone(),
                line: Some(line),
                column: None,
                message: format!(
                    "{what} {dest:?}, but {why}: point it at a file that is there (a lesson's \
                     link is relative to the lesson's own folder) or remove it"
                ),
                kept: false,
            }
            .leaving_it_in_use(),
        );
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relative_link_resolves_from_the_lessons_folder() {
        let from = "lessons/L1-basics/03-http-query.md";
        assert_eq!(
            resolve(from, "../L1-basics/01-rest.md#verbs").as_deref(),
            Some("lessons/L1-basics/01-rest.md")
        );
        assert_eq!(
            resolve(from, "./img/a%20b.png").as_deref(),
            Some("lessons/L1-basics/img/a b.png")
        );
        assert_eq!(resolve(from, "../../../etc/passwd"), None);
    }

    #[test]
    fn only_relative_links_are_the_curriculums_to_check() {
        for other in ["https://x.y/z", "mailto:a@b.c", "#verbs", "/abs", ""] {
            assert!(!is_relative(other), "{other}");
        }
        for relative in ["../L1-basics/01-rest.md", "diagram.png", "a/b:c.md"] {
            assert!(is_relative(relative), "{relative}");
        }
    }
}
