//! Loading and validating a curriculum from a [`Files`] source.

use super::lab::LabHeader;
use super::lesson::{read_front_matter, split_front_matter};
use super::{Curriculum, CurriculumError, Files, LabMeta, Lesson, Level, Problem};
use crate::lab::spec::HintSpec;
use std::collections::HashSet;

fn problem(file: &str, line: Option<usize>, column: Option<usize>, message: String) -> Problem {
    Problem {
        file: file.to_string(),
        line,
        column,
        message,
        kept: false,
    }
}

/// A problem that leaves what it concerns in use (see [`Problem::kept`]).
fn kept(file: &str, line: Option<usize>, column: Option<usize>, message: String) -> Problem {
    problem(file, line, column, message).leaving_it_in_use()
}

/// A YAML error placed in the file: `line_offset` is the 1-based file line of the YAML's line 1.
/// A file that is not UTF-8, placed at the line and column of its first bad byte.
fn not_utf8(path: &str, e: &std::string::FromUtf8Error) -> Problem {
    let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
    let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = good.len() - good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) + 1;
    problem(
        path,
        Some(line),
        Some(column),
        "is not valid UTF-8 text: save the file as UTF-8".into(),
    )
}

fn yaml_problem(file: &str, yaml: &str, err: &serde_yaml::Error, line_offset: usize) -> Problem {
    let (line, column) = match crate::yaml_input::error_place(yaml, err) {
        Some((line, column)) => (Some(line + line_offset - 1), Some(column)),
        None => (None, None),
    };
    // serde_yaml's own " at line X column Y" is left out: ours is the file's numbering.
    let text = crate::yaml_input::error_text(yaml, err);
    problem(file, line, column, format!("malformed YAML: {text}"))
}

/// The 0-based line of `body` where a fenced code block opens and is never closed (CommonMark:
/// a fence is three or more backticks or tildes, indented at most three spaces; it closes with
/// at least as many of the same character and nothing else on the line).
fn unclosed_fence(body: &str) -> Option<usize> {
    let mut open: Option<(char, usize, usize)> = None;
    for (i, line) in body.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        if indent > 3 {
            continue;
        }
        let rest = &line[indent..];
        let Some(c) = rest.chars().next().filter(|c| *c == '`' || *c == '~') else {
            continue;
        };
        let run = rest.len() - rest.trim_start_matches(c).len();
        if run < 3 {
            continue;
        }
        match open {
            None if c == '~' || !rest[run..].contains('`') => open = Some((c, run, i)),
            Some((oc, orun, _)) if c == oc && run >= orun && rest[run..].trim().is_empty() => {
                open = None
            }
            _ => {}
        }
    }
    open.map(|(_, _, line)| line)
}

/// A lab's Markdown texts (its goal, its hints) that open a code block and never close it,
/// each at its line of `yaml`: the goal's fence itself when the goal is a block (`goal: |`),
/// else the line of the key or of the hint.
fn open_fences_in_lab(path: &str, yaml: &str, goal: &str, hints: &[HintSpec]) -> Vec<Problem> {
    let goal_line = crate::yaml_input::key_line(yaml, "goal");
    let goal_is_block = goal_line
        .and_then(|l| yaml.lines().nth(l - 1))
        .and_then(|l| l.strip_prefix("goal:"))
        .is_some_and(|v| v.trim_start().starts_with(['|', '>']));
    let hint_lines = crate::yaml_input::item_lines(yaml, "hints");
    let hints = hints.iter().enumerate().map(|(i, h)| {
        let line = hint_lines
            .get(i)
            .copied()
            .or(crate::yaml_input::key_line(yaml, "hints"));
        (format!("hint {}", i + 1), h.text.as_str(), line)
    });
    std::iter::once(("its goal".to_string(), goal, goal_line))
        .chain(hints)
        .filter_map(|(what, text, line)| {
            let opened = unclosed_fence(text)?;
            let line = match line {
                Some(l) if what == "its goal" && goal_is_block => Some(l + 1 + opened),
                other => other,
            };
            Some(kept(
                path,
                line,
                None,
                format!("{what} opens a code block (``` or ~~~) that is never closed: end it with a line of the same fence"),
            ))
        })
        .collect()
}

fn parse_level(file: &str, s: &str, problems: &mut Vec<Problem>) -> Option<Level> {
    let level = Level::parse(s);
    if level.is_none() {
        problems.push(problem(
            file,
            None,
            None,
            format!("unknown level {s:?}: use one of L0, L1, L2, L3, L4, L5, L6"),
        ));
    }
    level
}

/// The largest lesson read: a hundred times the longest written so far. A lesson is read
/// whole and laid out for the screen, so a runaway file (a log pasted in) would cost the
/// classroom memory many times its size.
const MAX_LESSON_BYTES: usize = 1024 * 1024;
/// The largest `lab.yaml` read: seeds of thousands of records fit many times over.
const MAX_LAB_BYTES: usize = 8 * 1024 * 1024;

/// A problem when `bytes` is over `max`, naming both sizes.
fn too_large(path: &str, bytes: &[u8], max: usize, what: &str) -> Option<Problem> {
    (bytes.len() > max).then(|| {
        problem(
            path,
            None,
            None,
            format!(
                "is {:.1} MB, more than the {} MB a {what} may be: split it, or move bulky data into files the lab hands out",
                bytes.len() as f64 / (1024.0 * 1024.0),
                max / (1024 * 1024)
            ),
        )
    })
}

/// A file that is there but cannot be read, named with the system's reason.
fn unreadable(path: &str, e: &std::io::Error) -> Problem {
    let fix = if e.kind() == std::io::ErrorKind::IsADirectory {
        "it must be a file: put the file itself here in place of the folder"
    } else {
        "make it readable by your user (its permissions, its owner) or write it again"
    };
    problem(path, None, None, format!("could not be read ({e}): {fix}"))
}

/// The bytes of a listed file, or its problem when they cannot be read.
fn read_listed(files: &dyn Files, path: &str, problems: &mut Vec<Problem>) -> Option<Vec<u8>> {
    files
        .read_or_why(path)
        .map_err(|e| problems.push(unreadable(path, &e)))
        .ok()
}

/// The `lab.yaml` of lab folders that are there (holding other files, or named by a lesson)
/// but whose `lab.yaml` is no readable file (a folder of that name): reported as such, not
/// as a lab that does not exist.
fn unreadable_lab_files(files: &dyn Files, lessons: &[Lesson]) -> Vec<Problem> {
    let listed = files.list("labs/");
    // A symbolic link is reported as one already (see `Files::links`), not as unreadable too.
    let links = files.links();
    let folders = listed
        .iter()
        .filter(|p| p.matches('/').count() >= 2)
        .filter_map(|p| p.split('/').nth(1));
    let named = lessons
        .iter()
        .flat_map(|l| l.labs.iter().map(String::as_str));
    let candidates: std::collections::BTreeSet<&str> = folders
        .chain(named)
        .filter(|f| !f.is_empty() && !f.contains('/') && !f.starts_with('.'))
        .collect();
    candidates
        .into_iter()
        .map(|f| format!("labs/{f}/lab.yaml"))
        .filter(|file| !listed.contains(file) && !links.contains(file))
        .filter_map(|file| match files.read_or_why(&file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Some(unreadable(&file, &e)),
            _ => None,
        })
        .collect()
}

/// What reading one lesson file gave: the lesson when it can be used, and the labs its
/// `labs:` names with each one's file line, whether or not the lesson is used (so a lab it
/// names that does not exist is said in the same pass as its other problems).
struct LessonRead {
    lesson: Option<Lesson>,
    path: String,
    /// The `id` its front matter gives, when it gives one.
    id: Option<String>,
    labs_named: Vec<(String, Option<usize>)>,
}

fn load_lesson(files: &dyn Files, path: &str, problems: &mut Vec<Problem>) -> LessonRead {
    let mut read = LessonRead {
        lesson: None,
        path: path.to_string(),
        id: None,
        labs_named: Vec::new(),
    };
    let Some(bytes) = read_listed(files, path, problems) else {
        return read;
    };
    if let Some(p) = too_large(path, &bytes, MAX_LESSON_BYTES, "lesson") {
        problems.push(p);
        return read;
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => crate::yaml_input::without_bom(&t).to_string(),
        Err(e) => {
            problems.push(not_utf8(path, &e));
            return read;
        }
    };
    let Some((yaml, body, body_line)) = split_front_matter(&text) else {
        let opened = text.lines().next().is_some_and(|l| l.trim_end() == "---");
        let message = if opened {
            "the front matter opened by the `---` on line 1 is never closed: end the YAML \
             fields (id, title, level, order) with another `---` line"
        } else {
            "has no front matter: start the file with a `---` line, the YAML fields \
             (id, title, level, order), then another `---` line"
        };
        problems.push(problem(path, Some(1), None, message.into()));
        return read;
    };
    let front = match read_front_matter(yaml) {
        Ok(front) => front,
        Err(e) => {
            problems.push(yaml_problem(path, yaml, &e, 2));
            return read;
        }
    };
    // The YAML's line 1 is the file's line 2 (after the opening `---`).
    let in_file = |line: usize| line + 1;
    let key_at = |key: &str| crate::yaml_input::key_line(yaml, key).map(in_file);
    // Every problem of the lesson is said; any that is not `kept` leaves the lesson out.
    let mut own: Vec<Problem> = front
        .problems
        .iter()
        .map(|p| {
            let line = p.line.map(in_file).or(Some(1));
            problem(path, line, None, p.message.clone())
        })
        .collect();
    let fm = front.fields;
    read.id = fm.id.clone();
    let item_lines = crate::yaml_input::item_lines(yaml, "labs");
    read.labs_named = fm
        .labs
        .iter()
        .enumerate()
        .map(|(i, lab)| {
            let line = item_lines.get(i).copied().map(in_file).or(key_at("labs"));
            (lab.clone(), line)
        })
        .collect();
    if fm.title.as_deref().is_some_and(|t| t.trim().is_empty()) {
        own.push(problem(
            path,
            key_at("title"),
            None,
            "has an empty `title`: give the lesson the title the tree and `sflab list` show".into(),
        ));
    }
    if let Some(id) = &fm.id {
        own.extend(super::identity::lesson_id_problem(path, yaml, id));
    }
    let level = fm.level.as_deref().and_then(|s| {
        let mut found = Vec::new();
        let level = parse_level(path, s, &mut found);
        own.extend(found.into_iter().map(|p| Problem {
            line: key_at("level"),
            ..p
        }));
        level
    });
    let folder = path.split('/').nth(1).unwrap_or("");
    if let Some(level) = level.filter(|l| l.folder() != folder) {
        own.push(kept(
            path,
            key_at("level"),
            None,
            format!(
                "says level {level} but lives in {folder:?}: move it to lessons/{}/ or fix its level",
                level.folder()
            ),
        ));
    }
    if body.trim().is_empty() {
        own.push(kept(
            path,
            Some(body_line),
            None,
            "is an empty lesson: write the lesson's text after the front matter".into(),
        ));
    }
    if let Some(opened) = unclosed_fence(body) {
        own.push(kept(
            path,
            Some(body_line + opened),
            None,
            "opens a code block (``` or ~~~) that is never closed, so the rest of the lesson would show as code: end the block with a line of the same fence".into(),
        ));
    }
    let quiz_lines = crate::yaml_input::item_lines(yaml, "quiz");
    for (q, &i) in fm.quiz.iter().zip(&front.quiz_places) {
        if q.choices.iter().filter(|c| c.correct).count() != 1 {
            own.push(kept(
                path,
                quiz_lines.get(i).copied().map(in_file).or(key_at("quiz")),
                None,
                format!(
                    "quiz question {} ({:?}) must have exactly one choice marked `correct: true`",
                    i + 1,
                    q.question
                ),
            ));
        }
    }
    let usable = own.iter().all(|p| p.kept);
    problems.extend(own);
    let (Some(id), Some(title), Some(level), Some(order), true) =
        (fm.id, fm.title, level, fm.order, usable)
    else {
        return read;
    };
    read.lesson = Some(Lesson {
        id,
        // Titles are shown in the tree, pane borders and `sflab list`: never control characters.
        title: crate::visible::one_line(&title).into_owned(),
        level,
        order,
        summary: fm.summary,
        labs: fm.labs,
        sources: fm.sources,
        quiz: fm.quiz,
        covers: fm.covers,
        path: path.to_string(),
        body: body.to_string(),
        body_line,
    });
    read
}

fn load_lab(files: &dyn Files, path: &str, problems: &mut Vec<Problem>) -> Option<LabMeta> {
    let bytes = read_listed(files, path, problems)?;
    if let Some(p) = too_large(path, &bytes, MAX_LAB_BYTES, "lab.yaml") {
        problems.push(p);
        return None;
    }
    let yaml = match String::from_utf8(bytes) {
        Ok(t) => crate::yaml_input::without_bom(&t).to_string(),
        Err(e) => {
            problems.push(not_utf8(path, &e));
            return None;
        }
    };
    let header: LabHeader = match serde_yaml::from_str(&yaml) {
        Ok(h) => h,
        Err(e) => {
            problems.push(yaml_problem(path, &yaml, &e, 1));
            return None;
        }
    };
    // Every problem of the file is said in one pass; any of them leaves the lab out.
    let mut usable = true;
    if header.title.trim().is_empty() {
        problems.push(problem(
            path,
            crate::yaml_input::key_line(&yaml, "title"),
            None,
            "has an empty `title`: give the lab the title the tree and `sflab list` show".into(),
        ));
        usable = false;
    }
    let wrong_id = super::identity::lab_id_problem(path, &yaml, &header.id);
    usable &= wrong_id.is_none();
    problems.extend(wrong_id);
    // A lab whose checks cannot be used (a rule name spelt wrong, a parameter of the wrong
    // type) is left out with the rest: listed, it could only be refused when started.
    let (spec, unusable) = crate::lab::spec::parse_and_check(&yaml);
    usable &= unusable.is_empty();
    problems.extend(
        unusable
            .into_iter()
            .map(|p| problem(path, p.line, p.column, p.message)),
    );
    if let Some(spec) = &spec {
        problems.extend(open_fences_in_lab(path, &yaml, &spec.goal, &spec.hints));
        let missing = missing_starter_files(files, path, &yaml, &spec.files);
        usable &= missing.is_empty();
        problems.extend(missing);
    }
    // A lab file that reads checks its level itself, at its line.
    let level = match &spec {
        Some(_) => Level::parse(&header.level),
        None => parse_level(path, &header.level, problems),
    };
    let level = level.filter(|_| usable)?;
    let dir = path.trim_end_matches("/lab.yaml").to_string();
    Some(LabMeta {
        id: header.id,
        title: crate::visible::one_line(&header.title).into_owned(),
        level,
        lesson: header.lesson,
        summary: header.summary,
        dir,
        yaml,
    })
}

/// Each file a lab's `files:` lists that its `starter/` folder does not have, at its line:
/// `sflab lab start` would give the learner the rest without it.
fn missing_starter_files(
    files: &dyn Files,
    path: &str,
    yaml: &str,
    listed: &[String],
) -> Vec<Problem> {
    let dir = path.trim_end_matches("lab.yaml");
    let lines = crate::yaml_input::item_lines(yaml, "files");
    listed
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            let file = format!("{dir}starter/{f}");
            files.read(&file).is_none()
                && files.list(&format!("{}/", file.trim_end_matches('/'))).is_empty()
        })
        .map(|(i, f)| {
            let line = lines
                .get(i)
                .copied()
                .or_else(|| crate::yaml_input::key_line(yaml, "files"));
            problem(
                path,
                line,
                None,
                format!("`files:` lists {f:?}, which is not in {dir}starter/: add the file there, or remove it from `files:`"),
            )
        })
        .collect()
}

/// Loads every lesson and lab, then checks the links between them: any problem is an error
/// (what `sflab dev check` and grading need).
pub fn load(files: &dyn Files) -> Result<Curriculum, CurriculumError> {
    let (curriculum, problems, _) = load_with_consequences(files);
    if problems.is_empty() {
        Ok(curriculum)
    } else {
        Err(CurriculumError { problems })
    }
}

/// Loads what can be used and says what cannot: a lesson or lab whose file is broken is left
/// out, as is one whose id is not the one its place gives, every one of two giving the same
/// id, a lab whose lesson is missing or does not list it, and a lesson's link to a lab that is
/// not there. The classroom opens on the rest, so one broken file does not keep a learner
/// from everything else. Problems that leave nothing out (see [`Problem::kept`]) are returned
/// too.
pub fn load_usable(files: &dyn Files) -> (Curriculum, Vec<Problem>) {
    let (mut curriculum, mut problems, consequences) = load_with_consequences(files);
    problems.extend(consequences);
    curriculum.left_out = problems.iter().filter(|p| !p.kept).cloned().collect();
    (curriculum, problems)
}

/// What loads, the problems found, and what those problems took with them (a lab whose lesson
/// did not load): said when the rest is used, not when the whole is refused, where the
/// lesson's own problem is the one to fix.
fn load_with_consequences(files: &dyn Files) -> (Curriculum, Vec<Problem>, Vec<Problem>) {
    let mut consequences = Vec::new();
    let mut problems: Vec<_> = files
        .links()
        .iter()
        .map(|link| {
            problem(
                link,
                None,
                None,
                "is a symbolic link, which sflab does not follow in a curriculum (a link can loop, or copy a whole other folder into a learner's workspace): put the file itself here".into(),
            )
        })
        .collect();
    let before_lessons = problems.len();
    let reads: Vec<LessonRead> = files
        .list("lessons/")
        .iter()
        .filter(|p| p.ends_with(".md") && !p.ends_with("README.md"))
        .map(|p| load_lesson(files, p, &mut problems))
        .collect();
    // A lesson or lab that could not be read is reported once: the links that name it are
    // not reported again as links to something missing.
    let lesson_unread = problems.len() > before_lessons;
    let before_labs = problems.len();
    let labs: Vec<LabMeta> = files
        .list("labs/")
        .iter()
        .filter(|p| p.ends_with("/lab.yaml") && p.matches('/').count() == 2)
        .filter_map(|p| load_lab(files, p, &mut problems))
        .collect();
    let named: Vec<NamedLab> = reads
        .iter()
        .flat_map(|r| {
            r.labs_named.iter().map(|(lab, line)| NamedLab {
                path: r.path.clone(),
                lesson: r.id.clone(),
                lab: lab.clone(),
                line: *line,
            })
        })
        .collect();
    let lessons: Vec<Lesson> = reads.into_iter().filter_map(|r| r.lesson).collect();
    problems.extend(unreadable_lab_files(files, &lessons));
    let lab_unread = problems.len() > before_labs;

    // Ids follow from where files live, so two claimants of one id are two files that give
    // the same one (`01-rest.md` and `rest.md`): neither is used, lest the sort order pick.
    let mut lessons = super::identity::without_shared_ids(
        lessons,
        "lesson",
        |l| &l.id,
        |l| l.path.clone(),
        &mut problems,
    );
    let mut labs = super::identity::without_shared_ids(
        labs,
        "lab",
        |l| &l.id,
        |l| format!("{}/lab.yaml", l.dir),
        &mut problems,
    );
    let lesson_ids: HashSet<String> = lessons.iter().map(|l| l.id.clone()).collect();
    let lab_ids: HashSet<String> = labs.iter().map(|l| l.id.clone()).collect();
    // Said of every lesson read, used or not, with its other problems.
    for NamedLab {
        path, lab, line, ..
    } in &named
    {
        if !lab_ids.contains(lab) && !lab_unread {
            problems.push(kept(
                path,
                *line,
                None,
                format!("names lab {lab:?}, which does not exist: add labs/{lab}/lab.yaml or remove it from `labs:`"),
            ));
        }
    }
    problems.extend(labs_of_other_lessons(&named, &labs));
    for l in &mut lessons {
        let own = |lab: &String| labs.iter().any(|m| &m.id == lab && m.lesson == l.id);
        l.labs.retain(own);
    }
    labs.retain(|lab| {
        let file = format!("{}/lab.yaml", lab.dir);
        if !lesson_ids.contains(&lab.lesson) {
            if lesson_unread {
                // Most likely the lesson whose file could not be read: the lab goes with it,
                // and is named so nobody hunts for it.
                consequences.push(problem(
                    &file,
                    None,
                    None,
                    format!(
                        "is left out with its lesson {:?}, which did not load (see the lesson's problem)",
                        lab.lesson
                    ),
                ));
            } else {
                problems.push(lab.unknown_lesson(lesson_ids.iter().map(String::as_str)));
            }
            return false;
        }
        let listed = lessons
            .iter()
            .any(|l| l.id == lab.lesson && l.labs.contains(&lab.id));
        if !listed {
            problems.push(problem(
                &file,
                crate::yaml_input::key_line(&lab.yaml, "lesson"),
                None,
                format!(
                    "names lesson {:?}, whose `labs:` does not list {:?}: add it there, or the lab shows nowhere in the classroom",
                    lab.lesson, lab.id
                ),
            ));
        }
        if let Some(lesson) = lessons.iter().find(|l| l.id == lab.lesson && listed) {
            problems.extend(lab.level_apart_from_lesson(lesson.level));
        }
        listed
    });

    problems.extend(super::orphans::solutions_of_no_lab(files));
    problems.extend(super::orphans::levels_between_without_lessons(&lessons));
    for lesson in &lessons {
        problems.extend(super::links::broken_links(files, lesson));
    }
    lessons.sort_by(|a, b| (a.level, a.order, &a.id).cmp(&(b.level, b.order, &b.id)));
    labs.sort_by(|a, b| (a.level, &a.id).cmp(&(b.level, &b.id)));
    let curriculum = Curriculum {
        lessons,
        labs,
        left_out: Vec::new(),
    };
    (curriculum, problems, consequences)
}

/// A lab a lesson's `labs:` names, at its line of the lesson file.
struct NamedLab {
    path: String,
    /// The naming lesson's `id`, when its front matter gives one.
    lesson: Option<String>,
    lab: String,
    line: Option<usize>,
}

/// Each lab a lesson's `labs:` names whose own `lesson:` is another lesson: the lab shows
/// under its own lesson only, so the link is left out and said at its line. (The opposite, a
/// lab naming a lesson that does not list it, is said at the lab.)
fn labs_of_other_lessons(named: &[NamedLab], labs: &[LabMeta]) -> Vec<Problem> {
    named
        .iter()
        .filter_map(|n| {
            let lesson = n.lesson.as_deref()?;
            let lab = labs.iter().find(|l| l.id == n.lab)?;
            (lab.lesson != lesson).then(|| {
                kept(
                    &n.path,
                    n.line,
                    None,
                    format!(
                        "names lab {:?}, whose `lesson:` is {:?}: a lab belongs to one lesson, so remove it from `labs:` here, or change the lab's `lesson:` to {lesson:?} and remove it from that lesson's `labs:`",
                        lab.id, lab.lesson
                    ),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One lesson file, in memory.
    struct OneFile(&'static str);

    impl Files for OneFile {
        fn list(&self, _prefix: &str) -> Vec<String> {
            vec!["lessons/L0-start-here/intro.md".into()]
        }
        fn read(&self, _path: &str) -> Option<Vec<u8>> {
            Some(self.0.as_bytes().to_vec())
        }
        fn origin(&self) -> String {
            "memory".into()
        }
    }

    #[test]
    fn control_characters_in_a_lesson_title_are_shown_not_kept() {
        let files = OneFile(
            "---\nid: L0-start-here/intro\ntitle: \"Hi \\e]0;pwned\\a there\"\nlevel: L0\norder: 1\n---\n# Hi\n\nText.\n",
        );
        let mut problems = Vec::new();
        let lesson = load_lesson(&files, "lessons/L0-start-here/intro.md", &mut problems)
            .lesson
            .unwrap_or_else(|| panic!("loads: {problems:?}"));
        assert_eq!(lesson.title, "Hi ␛]0;pwned␇ there");
    }
}

#[cfg(test)]
mod authoring_tests {
    use super::{load_usable, open_fences_in_lab, unclosed_fence, Problem};
    use crate::curriculum::{Curriculum, DiskFiles};

    /// What loads of a curriculum holding one lesson, `intro.md` in L0, and what was left out.
    fn with_lesson(text: &str) -> (Curriculum, Vec<Problem>) {
        let t = tempfile::tempdir().unwrap();
        let lessons = t.path().join("lessons/L0-start-here");
        std::fs::create_dir_all(&lessons).unwrap();
        std::fs::create_dir_all(t.path().join("labs")).unwrap();
        std::fs::write(lessons.join("intro.md"), text).unwrap();
        load_usable(&DiskFiles::new(t.path()))
    }

    const FRONT: &str = "---\nid: L0-start-here/intro\ntitle: Intro\nlevel: L0\norder: 1\n---\n";

    #[test]
    fn a_code_block_left_open_is_found_at_its_opening_line() {
        assert_eq!(
            unclosed_fence("Text.\n\n```bash\ncurl x\n```\nMore.\n"),
            None
        );
        assert_eq!(unclosed_fence("Text.\n\n```bash\ncurl x\nMore.\n"), Some(2));
        // A longer or different fence inside does not close it; a tilde fence works alike.
        assert_eq!(unclosed_fence("````md\n```\ninner\n```\n````\n"), None);
        assert_eq!(unclosed_fence("~~~\n```\n~~~\n"), None);
        assert_eq!(
            unclosed_fence("    ```\nindented four: code, not a fence\n"),
            None
        );
    }

    #[test]
    fn an_empty_title_is_refused_like_a_missing_one() {
        let (c, problems) = with_lesson(&FRONT.replace("title: Intro", "title: \"  \""));
        assert!(c.lessons.is_empty());
        assert!(
            problems[0].message.contains("empty `title`"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_runaway_lesson_is_left_out_with_its_size_named() {
        let (c, problems) = with_lesson(&format!(
            "{FRONT}{}",
            "A pasted log line, again and again.\n".repeat(40_000)
        ));
        assert!(c.lessons.is_empty());
        assert!(
            problems[0].message.contains("MB, more than the 1 MB"),
            "{problems:?}"
        );
    }

    #[test]
    fn every_problem_of_a_lesson_front_matter_is_said_in_one_pass_at_its_line() {
        let text = "---\nid: L0-start-here/intro\ntitle: Intro\nlevel: L0\norder: eleven\n\
                    sumary: typo\ncolour: blue\nlabs:\n  - nope\nquiz:\n  - question: Which?\n\
                    \x20   choices:\n      - { text: A, why: no }\n---\n# Intro\n\n```bash\ncurl x\n";
        let (c, problems) = with_lesson(text);
        assert!(c.lessons.is_empty(), "{problems:?}");
        let said: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        let has = |needle: &str| {
            assert!(
                said.iter().any(|p| p.contains(needle)),
                "{needle:?} not in {said:#?}"
            )
        };
        has("intro.md:5: `order`: invalid type: string \"eleven\", expected a whole number");
        has("intro.md:6: unknown field `sumary` (did you mean `summary`?); a lesson's front matter takes `id`, `title`");
        has("intro.md:7: unknown field `colour`");
        has("intro.md:9: names lab \"nope\", which does not exist");
        has("intro.md:11: quiz question 1 (\"Which?\") must have exactly one choice");
        has("intro.md:17: opens a code block");
        assert!(
            !said.iter().any(|p| p.contains("malformed YAML")),
            "{said:#?}"
        );
    }

    #[test]
    fn a_lab_listing_a_starter_file_it_does_not_have_is_left_out_with_that_line() {
        let t = tempfile::tempdir().unwrap();
        let lessons = t.path().join("lessons/L1-basics");
        let lab = t.path().join("labs/first-call");
        std::fs::create_dir_all(&lessons).unwrap();
        std::fs::create_dir_all(lab.join("starter")).unwrap();
        std::fs::write(
            lessons.join("rest.md"),
            "---\nid: L1-basics/rest\ntitle: REST\nlevel: L1\norder: 1\nlabs: [first-call]\n---\nBody.\n",
        )
        .unwrap();
        std::fs::write(
            lab.join("lab.yaml"),
            "id: first-call\ntitle: First call\nlevel: L1\nlesson: L1-basics/rest\nfiles:\n  - run\n  - missing.txt\n",
        )
        .unwrap();
        std::fs::write(lab.join("starter/run"), "#!/bin/sh\n").unwrap();
        let (c, problems) = load_usable(&DiskFiles::new(t.path()));
        assert!(c.labs.is_empty(), "{:?}", c.labs);
        let said: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            said,
            vec!["labs/first-call/lab.yaml:7: `files:` lists \"missing.txt\", which is not in labs/first-call/starter/: add the file there, or remove it from `files:`"]
        );
        std::fs::write(lab.join("starter/missing.txt"), "here\n").unwrap();
        let (c, problems) = load_usable(&DiskFiles::new(t.path()));
        assert_eq!((c.labs.len(), problems.len()), (1, 0), "{problems:?}");
    }

    #[test]
    fn a_malformed_quiz_item_is_named_and_the_questions_after_it_keep_their_numbers_and_lines() {
        let text = "---\nid: L0-start-here/intro\ntitle: Intro\nlevel: L0\norder: 1\nquiz:\n\
                    \x20 - quesion: typo\n    choices: []\n\
                    \x20 - question: Fine?\n    choices:\n      - { text: A, correct: true, why: yes }\n\
                    \x20 - question: Two?\n    choices:\n      - { text: A, correct: true, why: yes }\n\
                    \x20     - { text: B, correct: true, why: yes }\n---\n# Intro\n\nText.\n";
        let (c, problems) = with_lesson(text);
        assert!(c.lessons.is_empty(), "{problems:?}");
        let said: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(said.len(), 2, "{said:#?}");
        assert!(
            said[0].contains(
                "intro.md:7: quiz question 1: unknown field `quesion` (did you mean `question`?)"
            ),
            "{said:#?}"
        );
        assert!(
            said[1]
                .contains("intro.md:12: quiz question 3 (\"Two?\") must have exactly one choice"),
            "{said:#?}"
        );
    }

    #[test]
    fn a_lesson_with_only_an_unknown_field_still_names_its_missing_lab() {
        let front = FRONT.replace("order: 1\n", "order: 1\nsumary: typo\nlabs: [nope]\n");
        let (c, problems) = with_lesson(&format!("{front}# Intro\n\nText.\n"));
        assert!(c.lessons.is_empty());
        let said: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(said.len(), 2, "{said:#?}");
        assert!(said[0].contains(":6: unknown field `sumary`"), "{said:#?}");
        assert!(said[1].contains(":7: names lab \"nope\""), "{said:#?}");
    }

    #[test]
    fn a_lab_goal_or_hint_with_a_code_block_left_open_is_named() {
        let hint = |text: &str| crate::lab::spec::HintSpec {
            rule: None,
            text: text.into(),
            when: Vec::new(),
        };
        let hints = [hint("```\nok\n```\n"), hint("~~~\nopen\n")];
        let yaml = "id: x\ntitle: X\ngoal: |\n  Run:\n  ```bash\n  curl x\nhints:\n  - text: ok\n  - text: open\n";
        let found: Vec<(Option<usize>, String)> =
            open_fences_in_lab("labs/x/lab.yaml", yaml, "Run:\n```bash\ncurl x\n", &hints)
                .into_iter()
                .map(|p| (p.line, p.message))
                .collect();
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].1.starts_with("its goal opens a code block"));
        assert_eq!(found[0].0, Some(5), "the line of the fence left open");
        assert!(found[1].1.starts_with("hint 2 opens a code block"));
        assert_eq!(found[1].0, Some(9), "the hint's line");
    }
}
