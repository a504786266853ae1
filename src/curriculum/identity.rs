//! Who a lesson or lab is: its id, and the place in the curriculum that id must match.
//!
//! A lab's id is its folder's name (`labs/rest-crud/lab.yaml` is `rest-crud`); a lesson's id
//! is its level's folder and its file name without the leading number
//! (`lessons/L1-basics/01-rest.md` is `L1-basics/rest`). An id that says otherwise is refused
//! rather than believed: a copied folder keeping its original's id would otherwise stand in
//! for the original, whichever sorted first. Lab ids (and lesson file names) are slugs —
//! lowercase ASCII letters, digits and hyphens, starting with a letter — so every id can be
//! typed after `sflab check` as one word.

use super::Problem;
use std::collections::HashMap;

/// Whether `s` is a slug: lowercase ASCII letters, digits and hyphens, starting with a letter.
pub fn is_slug(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The 1-based line of the top-level `key:` in `yaml`, where there is one.
fn key_line(yaml: &str, key: &str) -> Option<usize> {
    yaml.lines()
        .position(|line| {
            [key.to_string(), format!("\"{key}\""), format!("'{key}'")]
                .iter()
                .any(|k| {
                    line.strip_prefix(k.as_str())
                        .is_some_and(|rest| rest.trim_start().starts_with(':'))
                })
        })
        .map(|i| i + 1)
}

fn at_id(file: &str, yaml: &str, first_line: usize, message: String) -> Problem {
    Problem {
        file: file.to_string(),
        line: key_line(yaml, "id").map(|l| l + first_line - 1),
        column: None,
        message,
        kept: false,
    }
}

/// The problem with lab `id` declared in `path` (`labs/<folder>/lab.yaml`, whose YAML is
/// `yaml`), if it is not a slug or not its folder's name.
pub fn lab_id_problem(path: &str, yaml: &str, id: &str) -> Option<Problem> {
    let folder = path
        .strip_prefix("labs/")
        .and_then(|p| p.strip_suffix("/lab.yaml"))
        .unwrap_or("");
    let message = if !is_slug(id) {
        format!(
            "`id: {id:?}` is not a lab id a learner can type: use lowercase letters, digits and \
             hyphens, starting with a letter (e.g. rest-crud), and name the lab's folder the same"
        )
    } else if id != folder {
        format!(
            "has `id: {id}` but lives in labs/{folder}/: a lab's id is its folder's name, so \
             this lab is left out; set `id: {folder}`, or rename the folder if it is the lab \
             {id:?}"
        )
    } else {
        return None;
    };
    Some(at_id(path, yaml, 1, message))
}

/// The id the lesson at `path` (`lessons/<level folder>/<NN->name.md`) has: its path under
/// `lessons/` without `.md` and without the leading number of its file name.
pub fn lesson_id_of(path: &str) -> String {
    let rel = path.strip_prefix("lessons/").unwrap_or(path);
    let rel = rel.strip_suffix(".md").unwrap_or(rel);
    let (folder, name) = rel.rsplit_once('/').unwrap_or(("", rel));
    let unnumbered = name
        .split_once('-')
        .filter(|(n, rest)| {
            !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) && !rest.is_empty()
        })
        .map_or(name, |(_, rest)| rest);
    if folder.is_empty() {
        unnumbered.to_string()
    } else {
        format!("{folder}/{unnumbered}")
    }
}

/// The problem with lesson `id` declared in `path`, whose front matter is `yaml` (starting on
/// the file's line 2), if it is not the id its path gives or that id cannot be typed.
pub fn lesson_id_problem(path: &str, yaml: &str, id: &str) -> Option<Problem> {
    let expected = lesson_id_of(path);
    let name = expected.rsplit('/').next().unwrap_or("");
    let message = if !is_slug(name) {
        format!(
            "its file name gives it the id {expected:?}, which is no lesson id: name the file \
             with lowercase letters, digits and hyphens, starting with a letter after its \
             number (e.g. 01-rest.md)"
        )
    } else if id != expected {
        format!(
            "has `id: {id}`, but a lesson's id is its level's folder and its file name without \
             the number, here {expected:?}; so this lesson is left out: set `id: {expected}`, \
             or rename the file if it is the lesson {id:?}"
        )
    } else {
        return None;
    };
    Some(at_id(path, yaml, 2, message))
}

/// `items` without those whose id another also claims, each of which gets a problem naming
/// the others: which one is meant cannot be told from the files, and keeping the first found
/// would let the order of file names decide.
pub fn without_shared_ids<T>(
    items: Vec<T>,
    what: &str,
    id: impl Fn(&T) -> &str,
    file: impl Fn(&T) -> String,
    problems: &mut Vec<Problem>,
) -> Vec<T> {
    let mut claimants: HashMap<String, Vec<String>> = HashMap::new();
    for item in &items {
        claimants
            .entry(id(item).to_string())
            .or_default()
            .push(file(item));
    }
    items
        .into_iter()
        .filter(|item| {
            let files = &claimants[id(item)];
            if files.len() < 2 {
                return true;
            }
            let mine = file(item);
            let others: Vec<&str> = files
                .iter()
                .filter(|f| **f != mine)
                .map(String::as_str)
                .collect();
            problems.push(Problem {
                file: mine,
                line: None,
                column: None,
                message: format!(
                    "duplicate {what} id {:?}: {} {} it too, so neither is used until one is changed",
                    id(item),
                    others.join(", "),
                    if others.len() == 1 { "has" } else { "have" }
                ),
                kept: false,
            });
            false
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slug_is_lowercase_letters_digits_and_hyphens_from_a_letter() {
        for good in ["rest-crud", "oauth2-jwt", "a"] {
            assert!(is_slug(good), "{good}");
        }
        for bad in [
            "Rest CRUD ü",
            "--help",
            "2fa",
            "rest_crud",
            "",
            "rest.crud",
            "REST",
        ] {
            assert!(!is_slug(bad), "{bad}");
        }
    }

    #[test]
    fn a_lessons_id_is_its_folder_and_its_file_name_without_the_number() {
        assert_eq!(
            lesson_id_of("lessons/L1-basics/01-rest.md"),
            "L1-basics/rest"
        );
        assert_eq!(
            lesson_id_of("lessons/L0-start-here/intro.md"),
            "L0-start-here/intro"
        );
        assert_eq!(
            lesson_id_of("lessons/L2-authentication/02-web-server-pkce.md"),
            "L2-authentication/web-server-pkce"
        );
        assert_eq!(lesson_id_of("lessons/L1-basics/2026.md"), "L1-basics/2026");
    }

    #[test]
    fn a_lab_claiming_another_folders_id_is_named_at_its_id_line() {
        let yaml = "title: IMPOSTER\nid: rest-crud\n";
        let p = lab_id_problem("labs/aaa-evil/lab.yaml", yaml, "rest-crud").unwrap();
        assert_eq!(p.line, Some(2));
        assert!(
            p.message.contains("lives in labs/aaa-evil/"),
            "{}",
            p.message
        );
        assert!(
            lab_id_problem("labs/rest-crud/lab.yaml", "id: rest-crud\n", "rest-crud").is_none()
        );
        let p = lab_id_problem("labs/--help/lab.yaml", "id: --help\n", "--help").unwrap();
        assert!(
            p.message.contains("not a lab id a learner can type"),
            "{}",
            p.message
        );
    }

    #[test]
    fn a_lesson_claiming_another_lessons_id_is_named_at_its_id_line() {
        let yaml = "id: L1-basics/http-query\ntitle: REST\n";
        let p = lesson_id_problem("lessons/L1-basics/01-rest.md", yaml, "L1-basics/http-query")
            .unwrap();
        assert_eq!(
            (p.line, p.file.as_str()),
            (Some(2), "lessons/L1-basics/01-rest.md")
        );
        assert!(p.message.contains("\"L1-basics/rest\""), "{}", p.message);
        let p = lesson_id_problem("lessons/L1-basics/01-My Rest.md", yaml, "L1-basics/My Rest")
            .unwrap();
        assert!(p.message.contains("is no lesson id"), "{}", p.message);
    }

    #[test]
    fn every_claimant_of_one_id_is_left_out_naming_the_others() {
        let mut problems = Vec::new();
        let kept = without_shared_ids(
            vec![("a", "x.md"), ("b", "y.md"), ("a", "z.md")],
            "lesson",
            |i| i.0,
            |i| i.1.to_string(),
            &mut problems,
        );
        assert_eq!(kept, [("b", "y.md")]);
        let said: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            said,
            [
                "x.md: duplicate lesson id \"a\": z.md has it too, so neither is used until one is changed",
                "z.md: duplicate lesson id \"a\": x.md has it too, so neither is used until one is changed",
            ]
        );
    }
}
