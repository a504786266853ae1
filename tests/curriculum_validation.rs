//! Each malformed curriculum gives an error that names the file, the place and the fix.

use sflab::curriculum::{Curriculum, Level};
use std::path::PathBuf;

fn fixture(case: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/curriculum")
        .join(case)
}

fn problems(case: &str) -> Vec<String> {
    problems_at(&fixture(case))
}

/// The problems the curriculum in `dir` is refused with (it must be refused).
fn problems_at(dir: &std::path::Path) -> Vec<String> {
    match Curriculum::from_dir(dir) {
        Ok(_) => panic!("{} loaded without error", dir.display()),
        Err(e) => e.problems.iter().map(|p| p.to_string()).collect(),
    }
}

#[test]
fn malformed_yaml_names_file_line_and_column() {
    let p = problems("malformed-yaml");
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].starts_with("lessons/L0-start-here/intro.md:3:"),
        "the line is the file's, not the front matter's: {}",
        p[0]
    );
    assert!(p[0].contains("malformed YAML"), "{}", p[0]);
}

#[test]
fn unknown_level_lists_the_valid_ones_at_its_line() {
    let p = problems("unknown-level");
    assert_eq!(
        p,
        vec![
            "lessons/L0-start-here/intro.md:4: unknown level \"L9\": use one of L0, L1, L2, L3, L4, L5, L6"
        ]
    );
}

#[test]
fn two_lessons_giving_one_id_are_both_named_and_neither_is_used() {
    let p = problems("duplicate-id");
    assert_eq!(
        p,
        vec![
            "lessons/L0-start-here/01-intro.md: duplicate lesson id \"L0-start-here/intro\": lessons/L0-start-here/intro.md has it too, so neither is used until one is changed",
            "lessons/L0-start-here/intro.md: duplicate lesson id \"L0-start-here/intro\": lessons/L0-start-here/01-intro.md has it too, so neither is used until one is changed",
        ]
    );
    let (c, _) = Curriculum::from_dir_usable(&fixture("duplicate-id")).unwrap();
    assert!(c.lessons.is_empty(), "{:?}", c.lessons);
}

#[test]
fn lesson_naming_a_missing_lab_is_refused() {
    let p = problems("missing-lab");
    assert_eq!(p.len(), 1);
    assert!(
        p[0].contains("names lab \"no-such-lab\", which does not exist"),
        "{}",
        p[0]
    );
}

#[test]
fn lab_naming_a_missing_lesson_is_refused() {
    let p = problems("missing-lesson");
    assert_eq!(
        p,
        vec!["labs/first-call/lab.yaml:4: names lesson \"L1-basics/nowhere\", which does not exist: use the `id` of a lesson"]
    );
}

#[test]
fn empty_lesson_points_at_where_the_body_should_start() {
    let p = problems("empty-lesson");
    assert_eq!(
        p,
        vec!["lessons/L0-start-here/intro.md:7: is an empty lesson: write the lesson's text after the front matter"]
    );
}

#[test]
fn lesson_without_front_matter_explains_the_format() {
    let p = problems("no-front-matter");
    assert_eq!(p.len(), 1);
    assert!(p[0].starts_with("lessons/L0-start-here/intro.md:1: has no front matter"));
}

#[test]
fn malformed_lab_yaml_names_the_lab_file_and_line() {
    let p = problems("malformed-lab");
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].starts_with("labs/first-call/lab.yaml:5:"), "{}", p[0]);
}

#[test]
fn the_embedded_curriculum_loads_and_starts_at_level_zero() {
    let c = Curriculum::embedded().expect("the shipped curriculum is valid");
    assert!(c.lessons_of(Level::L0).count() >= 1);
    assert_eq!(c.lessons[0].level, Level::L0);
}

/// A one-lesson, one-lab curriculum in a temporary folder; `lesson_lists_lab` says whether the
/// lesson's `labs:` names the lab.
fn small_curriculum(lesson_lists_lab: bool) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let lessons = t.path().join("lessons/L1-basics");
    let lab = t.path().join("labs/first-call");
    std::fs::create_dir_all(&lessons).unwrap();
    std::fs::create_dir_all(lab.join("starter")).unwrap();
    let labs = if lesson_lists_lab {
        "[first-call]"
    } else {
        "[]"
    };
    std::fs::write(
        lessons.join("rest.md"),
        format!(
            "---\nid: L1-basics/rest\ntitle: REST\nlevel: L1\norder: 1\nlabs: {labs}\n---\nBody.\n"
        ),
    )
    .unwrap();
    std::fs::write(
        lab.join("lab.yaml"),
        "id: first-call\ntitle: First call\nlevel: L1\nlesson: L1-basics/rest\n",
    )
    .unwrap();
    std::fs::write(lab.join("starter/run"), "#!/bin/sh\n").unwrap();
    t
}

#[test]
fn a_lab_its_lesson_does_not_list_is_refused_rather_than_hidden() {
    let t = small_curriculum(true);
    Curriculum::from_dir(t.path()).expect("the listed lab loads");
    let t = small_curriculum(false);
    let p = problems_at(t.path());
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].starts_with("labs/first-call/lab.yaml:4: names lesson \"L1-basics/rest\", whose `labs:` does not list \"first-call\""),
        "{}",
        p[0]
    );
}

#[test]
fn an_empty_lab_title_is_placed_on_its_line() {
    let t = small_curriculum(true);
    std::fs::write(
        t.path().join("labs/first-call/lab.yaml"),
        "id: first-call\ntitle: \"\"\nlevel: L1\nlesson: L1-basics/rest\n",
    )
    .unwrap();
    let p = problems_at(t.path());
    assert!(
        p.iter()
            .any(|p| p.starts_with("labs/first-call/lab.yaml:2: has an empty `title`")),
        "{p:?}"
    );
}

#[test]
fn symbolic_links_are_reported_and_never_followed() {
    let t = small_curriculum(true);
    let starter = t.path().join("labs/first-call/starter");
    // Two links to their own folder: following them would never end.
    std::os::unix::fs::symlink(".", starter.join("a")).unwrap();
    std::os::unix::fs::symlink(".", starter.join("b")).unwrap();
    let p = problems_at(t.path());
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(
        p[0].starts_with("labs/first-call/starter/a: is a symbolic link"),
        "{}",
        p[0]
    );
}

#[test]
fn a_lab_yaml_that_is_a_symbolic_link_is_one_problem() {
    let t = small_curriculum(true);
    let lab = t.path().join("labs/first-call/lab.yaml");
    std::fs::rename(&lab, t.path().join("elsewhere.yaml")).unwrap();
    std::os::unix::fs::symlink("../../elsewhere.yaml", &lab).unwrap();
    let p = problems_at(t.path());
    let about: Vec<&String> = p
        .iter()
        .filter(|x| x.starts_with("labs/first-call/lab.yaml"))
        .collect();
    assert_eq!(about.len(), 1, "{p:?}");
    assert!(about[0].contains("is a symbolic link"), "{p:?}");
}

#[test]
fn a_file_that_is_not_utf8_is_placed_at_its_first_bad_byte() {
    let t = small_curriculum(true);
    let lesson = t.path().join("lessons/L1-basics/rest.md");
    let mut bytes = std::fs::read(&lesson).unwrap();
    bytes.extend_from_slice(b"fine line\nab\xff\xfe bad\n");
    std::fs::write(&lesson, bytes).unwrap();
    let p = problems_at(t.path());
    // Only the file itself: the lab naming its lesson is not also told the lesson is missing.
    assert_eq!(
        p,
        ["lessons/L1-basics/rest.md:10:3: is not valid UTF-8 text: save the file as UTF-8"]
    );
}

#[test]
fn a_broken_lesson_or_lab_is_left_out_and_the_rest_stays_usable() {
    let t = small_curriculum(true);
    let lessons = t.path().join("lessons/L1-basics");
    std::fs::write(
        lessons.join("broken.md"),
        "---\nid: L1-basics/broken\ntitle: \"unclosed\nlevel: L1\n---\nBody.\n",
    )
    .unwrap();
    let bad_lab = t.path().join("labs/bad-lab");
    std::fs::create_dir_all(bad_lab.join("starter")).unwrap();
    std::fs::write(bad_lab.join("lab.yaml"), "id: bad-lab\ntitle: [unclosed\n").unwrap();
    // Strict: refused, naming both files.
    let p = problems_at(t.path());
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(
        p.iter()
            .any(|x| x.starts_with("lessons/L1-basics/broken.md")),
        "{p:?}"
    );
    assert!(
        p.iter().any(|x| x.starts_with("labs/bad-lab/lab.yaml")),
        "{p:?}"
    );
    // Usable: the good lesson and lab load; the problems say what was left out.
    let (c, left_out) = Curriculum::from_dir_usable(t.path()).expect("a curriculum folder");
    assert_eq!(left_out.len(), 2);
    let ids: Vec<&str> = c.lessons.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids, ["L1-basics/rest"]);
    assert_eq!(c.labs.len(), 1);
    assert_eq!(c.labs[0].id, "first-call");
    assert_eq!(c.lessons[0].labs, ["first-call"]);
}

#[test]
fn a_lab_of_a_missing_lesson_and_a_link_to_a_missing_lab_are_left_out() {
    let t = small_curriculum(true);
    let rest = t.path().join("lessons/L1-basics/rest.md");
    let text = std::fs::read_to_string(&rest).unwrap();
    std::fs::write(
        &rest,
        text.replace("[first-call]", "[first-call, ghost-lab]"),
    )
    .unwrap();
    let orphan = t.path().join("labs/orphan");
    std::fs::create_dir_all(orphan.join("starter")).unwrap();
    std::fs::write(
        orphan.join("lab.yaml"),
        "id: orphan\ntitle: Orphan\nlevel: L1\nlesson: L1-basics/nowhere\n",
    )
    .unwrap();
    let (c, left_out) = Curriculum::from_dir_usable(t.path()).expect("a curriculum folder");
    assert_eq!(left_out.len(), 2, "{left_out:?}");
    assert_eq!(
        c.lessons[0].labs,
        ["first-call"],
        "the link to no lab is dropped"
    );
    let labs: Vec<&str> = c.labs.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(labs, ["first-call"], "the orphan lab is left out");
}

#[test]
fn the_labs_of_a_lesson_that_did_not_load_are_named_as_left_out() {
    let t = small_curriculum(true);
    std::fs::write(
        t.path().join("lessons/L1-basics/rest.md"),
        "---\nid: L1-basics/rest\ntitle: \"unclosed\nlevel: L1\n---\nBody.\n",
    )
    .unwrap();
    let (c, left_out) = Curriculum::from_dir_usable(t.path()).expect("a curriculum folder");
    assert!(c.labs.is_empty());
    let said: Vec<String> = left_out.iter().map(|p| p.to_string()).collect();
    assert!(
        said.iter()
            .any(|p| p.starts_with("labs/first-call/lab.yaml: is left out with its lesson")),
        "{said:?}"
    );
    // Refused whole, only the lesson's own problem is named: it is the one to fix.
    let p = problems_at(t.path());
    assert_eq!(p.len(), 1, "{p:?}");
}

/// Every text file under `dir`, relative path first; `wrong/` folders (known-bad solutions,
/// some of which hold a secret on purpose) are left out.
fn files_under(dir: &std::path::Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let path = e.path();
            if path.is_dir() {
                if e.file_name() != "wrong" {
                    stack.push(path);
                }
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                let rel = path.strip_prefix(dir).unwrap().display().to_string();
                out.push((rel, text));
            }
        }
    }
    out
}

#[test]
fn a_report_copy_of_every_reference_solution_and_starter_is_the_file_itself() {
    // `sflab report` masks what looks like a secret in a copy of the learner's folder; a
    // reference solution holds none, so its copy must re-grade exactly as it is.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // Starters that hold a secret on purpose: the labs are about finding or moving it.
    let on_purpose = [
        "labs/nc-vs-remote-site/starter/force-app/main/default/namedCredentials/Courier.namedCredential-meta.xml",
        "labs/security-review/starter/courier-sync.yaml",
    ];
    let mut changed = Vec::new();
    for base in ["solutions", "labs"] {
        for lab in std::fs::read_dir(root.join(base)).unwrap().flatten() {
            if !lab.path().is_dir() {
                continue;
            }
            for (rel, text) in files_under(&lab.path()) {
                if rel == "lab.yaml" {
                    continue;
                }
                let shown = format!("{base}/{}/{rel}", lab.file_name().to_string_lossy());
                if on_purpose.contains(&shown.as_str()) {
                    continue;
                }
                let r = sflab::redact::Redactor::new(b"curriculum-check-key");
                let copy = r.file_text(&rel, &text);
                if copy != text {
                    let line = text
                        .lines()
                        .zip(copy.lines())
                        .find(|(a, b)| a != b)
                        .map(|(a, b)| format!("{a}\n    → {b}"))
                        .unwrap_or_default();
                    changed.push(format!(
                        "{base}/{}/{rel}:\n    {line}",
                        lab.file_name().to_string_lossy()
                    ));
                }
            }
        }
    }
    assert!(changed.is_empty(), "{}", changed.join("\n"));
}

#[test]
fn files_saved_with_a_byte_order_mark_load_as_they_read() {
    let t = small_curriculum(true);
    for file in ["lessons/L1-basics/rest.md", "labs/first-call/lab.yaml"] {
        let path = t.path().join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("\u{feff}{text}")).unwrap();
    }
    let c = Curriculum::from_dir(t.path()).expect("a BOM is not content");
    assert_eq!(c.labs[0].title, "First call");
}

#[test]
fn an_unclosed_front_matter_and_a_tab_indent_are_named_as_such() {
    let t = small_curriculum(true);
    let lesson = t.path().join("lessons/L1-basics/rest.md");
    std::fs::write(&lesson, "---\nid: L1-basics/rest\ntitle: REST\nBody.\n").unwrap();
    let p = problems_at(t.path());
    assert!(
        p[0].starts_with("lessons/L1-basics/rest.md:1: the front matter opened by the `---` on line 1 is never closed"),
        "{p:?}"
    );
    let t = small_curriculum(true);
    std::fs::write(
        t.path().join("labs/first-call/lab.yaml"),
        "id: first-call\ntitle: First call\nlevel: L1\nlesson: L1-basics/rest\nfiles:\n\t- run\n",
    )
    .unwrap();
    let p = problems_at(t.path());
    assert!(
        p.iter()
            .any(|p| p.starts_with("labs/first-call/lab.yaml:6:")
                && p.contains("indented with a tab")),
        "{p:?}"
    );
}

#[test]
fn a_lab_whose_checks_cannot_be_used_is_left_out_of_the_list_and_named() {
    let t = small_curriculum(true);
    let lab = t.path().join("labs/first-call/lab.yaml");
    let good = "id: first-call\ntitle: First call\nlevel: L1\nlesson: L1-basics/rest\ngoal: Call.\nchecks:\n  - { rule: process.exit_ok, points: 1 }\nfiles: [run]\n";
    std::fs::write(&lab, good).unwrap();
    let list = |dir: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_sflab"))
            .arg("--curriculum")
            .arg(dir)
            .arg("list")
            .output()
            .expect("sflab runs")
    };
    let out = list(t.path());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("first-call"),
        "{out:?}"
    );
    // A rule name spelt wrong: the lab reads, but could only be refused when started.
    std::fs::write(&lab, good.replace("process.exit_ok", "process.exit_okk")).unwrap();
    let out = list(t.path());
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(!stdout.contains("first-call"), "{stdout}");
    assert!(stderr.contains("labs/first-call/lab.yaml"), "{stderr}");
    assert!(stderr.contains("process.exit_okk"), "{stderr}");
}

/// A curriculum folder whose file `unreadable` cannot be read, as a file without read
/// permission reads (a test run as root reads any file, so the refusal is made here).
struct NoPermission {
    disk: sflab::curriculum::DiskFiles,
    unreadable: &'static str,
}

impl sflab::curriculum::Files for NoPermission {
    fn list(&self, prefix: &str) -> Vec<String> {
        self.disk.list(prefix)
    }
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        self.read_or_why(path).ok()
    }
    fn read_or_why(&self, path: &str) -> std::io::Result<Vec<u8>> {
        if path == self.unreadable {
            return Err(std::io::ErrorKind::PermissionDenied.into());
        }
        self.disk.read_or_why(path)
    }
    fn origin(&self) -> String {
        self.disk.origin()
    }
}

#[test]
fn a_lesson_or_lab_file_that_cannot_be_read_is_named_with_the_reason() {
    let t = small_curriculum(true);
    for unreadable in ["lessons/L1-basics/rest.md", "labs/first-call/lab.yaml"] {
        let files = NoPermission {
            disk: sflab::curriculum::DiskFiles::new(t.path()),
            unreadable,
        };
        let p: Vec<String> = match sflab::curriculum::load(&files) {
            Ok(_) => panic!("{unreadable} unreadable, yet loaded"),
            Err(e) => e.problems.iter().map(|p| p.to_string()).collect(),
        };
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with(&format!(
                "{unreadable}: could not be read (permission denied)"
            )),
            "{p:?}"
        );
    }
}

#[test]
fn a_lab_yaml_that_is_a_folder_is_named_as_one_not_as_missing() {
    let t = small_curriculum(true);
    let lab_yaml = t.path().join("labs/first-call/lab.yaml");
    std::fs::remove_file(&lab_yaml).unwrap();
    std::fs::create_dir(&lab_yaml).unwrap();
    let p = problems_at(t.path());
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].starts_with("labs/first-call/lab.yaml: could not be read (")
            && p[0].contains("it must be a file"),
        "{p:?}"
    );
    // The same when the folder is all the lab folder holds.
    std::fs::remove_dir_all(t.path().join("labs/first-call/starter")).unwrap();
    assert_eq!(problems_at(t.path()), p);
}

/// `small_curriculum` with a copy of its lab as `labs/{copy}`, titled `IMPOSTER`.
fn with_lab_copy(copy: &str) -> tempfile::TempDir {
    let t = small_curriculum(true);
    let from = t.path().join("labs/first-call");
    let to = t.path().join("labs").join(copy);
    std::fs::create_dir_all(to.join("starter")).unwrap();
    let yaml = std::fs::read_to_string(from.join("lab.yaml")).unwrap();
    std::fs::write(
        to.join("lab.yaml"),
        yaml.replace("title: First call", "title: IMPOSTER"),
    )
    .unwrap();
    std::fs::write(to.join("starter/run"), "#!/bin/sh\necho impostor\n").unwrap();
    t
}

#[test]
fn a_lab_claiming_another_labs_id_is_left_out_and_the_real_one_kept_whatever_the_folder_order() {
    for copy in ["aaa-copy", "zzz-copy"] {
        let t = with_lab_copy(copy);
        let (c, problems) = Curriculum::from_dir_usable(t.path()).unwrap();
        let labs: Vec<(&str, &str, &str)> = c
            .labs
            .iter()
            .map(|l| (l.id.as_str(), l.title.as_str(), l.dir.as_str()))
            .collect();
        assert_eq!(labs, [("first-call", "First call", "labs/first-call")]);
        let said: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(
            said[0].starts_with(&format!(
                "labs/{copy}/lab.yaml:1: has `id: first-call` but lives in labs/{copy}/"
            )),
            "{said:?}"
        );
    }
}

#[test]
fn a_lesson_claiming_another_lessons_id_is_the_one_named_and_left_out() {
    let t = small_curriculum(true);
    let lessons = t.path().join("lessons/L1-basics");
    std::fs::rename(lessons.join("rest.md"), lessons.join("01-rest.md")).unwrap();
    std::fs::write(
        lessons.join("00-aaa.md"),
        "---\ntitle: IMPOSTER\nid: L1-basics/rest\nlevel: L1\norder: 0\n---\nBody.\n",
    )
    .unwrap();
    let (c, problems) = Curriculum::from_dir_usable(t.path()).unwrap();
    let lessons: Vec<(&str, &str)> = c
        .lessons
        .iter()
        .map(|l| (l.id.as_str(), l.title.as_str()))
        .collect();
    assert_eq!(lessons, [("L1-basics/rest", "REST")]);
    let said: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].starts_with(
            "lessons/L1-basics/00-aaa.md:3: has `id: L1-basics/rest`, but a lesson's id is its level's folder and its file name without the number, here \"L1-basics/aaa\""
        ),
        "{said:?}"
    );
}

#[test]
fn a_lab_id_that_cannot_be_typed_as_one_word_is_refused_at_its_line() {
    for id in ["Rest CRUD ü", "--help"] {
        let t = tempfile::tempdir().unwrap();
        let lessons = t.path().join("lessons/L1-basics");
        let lab = t.path().join("labs").join(id);
        std::fs::create_dir_all(&lessons).unwrap();
        std::fs::create_dir_all(&lab).unwrap();
        std::fs::write(
            lessons.join("rest.md"),
            format!("---\nid: L1-basics/rest\ntitle: REST\nlevel: L1\norder: 1\nlabs: [\"{id}\"]\n---\nBody.\n"),
        )
        .unwrap();
        std::fs::write(
            lab.join("lab.yaml"),
            format!("title: Weird\nid: \"{id}\"\nlevel: L1\nlesson: L1-basics/rest\n"),
        )
        .unwrap();
        let p = problems_at(t.path());
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with(&format!(
                "labs/{id}/lab.yaml:2: `id: {id:?}` is not a lab id a learner can type"
            )),
            "{p:?}"
        );
    }
}

#[test]
fn a_key_given_twice_is_named_at_its_second_line() {
    let t = small_curriculum(true);
    let lab = t.path().join("labs/first-call/lab.yaml");
    let yaml = std::fs::read_to_string(&lab).unwrap();
    std::fs::write(&lab, format!("{yaml}summary: s\nlevel: L2\n")).unwrap();
    let p = problems_at(t.path());
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].starts_with("labs/first-call/lab.yaml:6:1: malformed YAML: duplicate field `level`"),
        "{p:?}"
    );
    // A key only the lab's checks read (its goal) is placed alike.
    std::fs::write(&lab, format!("{yaml}goal: a\ngoal: b\n")).unwrap();
    let p = problems_at(t.path());
    assert!(
        p[0].starts_with(
            "labs/first-call/lab.yaml:6:1: malformed lab file: duplicate entry with key \"goal\""
        ),
        "{p:?}"
    );
    std::fs::write(&lab, yaml).unwrap();
    let lesson = t.path().join("lessons/L1-basics/rest.md");
    let text = std::fs::read_to_string(&lesson).unwrap();
    std::fs::write(
        &lesson,
        text.replacen("level: L1\n", "level: L1\ntitle: Again\n", 1),
    )
    .unwrap();
    let p = problems_at(t.path());
    assert!(
        p[0].starts_with("lessons/L1-basics/rest.md:5:1: malformed YAML: duplicate field `title`"),
        "{p:?}"
    );
}

/// The problems of the curriculum in `dir` used as it is (see `Curriculum::from_dir_usable`),
/// as text, with the curriculum.
fn usable(dir: &std::path::Path) -> (Curriculum, Vec<String>) {
    let (c, problems) = Curriculum::from_dir_usable(dir).expect("a curriculum folder");
    assert!(
        problems.iter().all(|p| p.kept),
        "these leave nothing out: {problems:?}"
    );
    assert!(c.left_out.is_empty(), "{:?}", c.left_out);
    (c, problems.iter().map(|p| p.to_string()).collect())
}

#[test]
fn a_solutions_folder_of_no_lab_is_named_and_leaves_the_rest_in_use() {
    let t = small_curriculum(true);
    std::fs::create_dir_all(t.path().join("solutions/first-call")).unwrap();
    std::fs::write(t.path().join("solutions/first-call/run"), "#!/bin/sh\n").unwrap();
    Curriculum::from_dir(t.path()).expect("a lab's own solution is no problem");
    std::fs::create_dir_all(t.path().join("solutions/ghost-lab")).unwrap();
    std::fs::write(t.path().join("solutions/ghost-lab/run"), "#!/bin/sh\n").unwrap();
    let p = problems_at(t.path());
    assert_eq!(
        p,
        ["solutions/ghost-lab/: is the solution of no lab (there is no labs/ghost-lab/): name the folder after its lab's id, or remove it"]
    );
    let (c, _) = usable(t.path());
    assert_eq!(c.labs.len(), 1);
}

#[test]
fn a_lessons_relative_link_or_image_to_nothing_is_named_at_its_line() {
    let t = small_curriculum(true);
    let lessons = t.path().join("lessons/L1-basics");
    std::fs::write(lessons.join("diagram.png"), b"png").unwrap();
    std::fs::write(
        lessons.join("02-more.md"),
        "---\nid: L1-basics/more\ntitle: More\nlevel: L1\norder: 2\n---\n\
         See [REST](rest.md), [REST again](../L1-basics/rest.md#verbs), ![a](diagram.png),\n\
         [the lab](../../labs/first-call/) and [the web](https://example.com/x.md).\n\n\
         But [gone](../L1-basics/99-missing.md) and\n\
         ![lost](img/missing.png) and [out](../../../etc/passwd).\n\n\
         ```\n[in code](nowhere.md)\n```\n",
    )
    .unwrap();
    let (c, p) = usable(t.path());
    assert_eq!(c.lessons.len(), 2);
    assert_eq!(p.len(), 3, "{p:?}");
    assert!(
        p[0].starts_with("lessons/L1-basics/02-more.md:10: links to \"../L1-basics/99-missing.md\", but there is no lessons/L1-basics/99-missing.md in the curriculum"),
        "{p:?}"
    );
    assert!(
        p[1].starts_with("lessons/L1-basics/02-more.md:11: shows the image \"img/missing.png\""),
        "{p:?}"
    );
    assert!(
        p[2].starts_with("lessons/L1-basics/02-more.md:11: links to \"../../../etc/passwd\", but it leads out of the curriculum folder"),
        "{p:?}"
    );
}

#[test]
fn a_level_without_lessons_between_levels_with_lessons_is_named() {
    let t = small_curriculum(true);
    let l3 = t.path().join("lessons/L3-client-apps");
    std::fs::create_dir_all(&l3).unwrap();
    std::fs::write(
        l3.join("01-eca.md"),
        "---\nid: L3-client-apps/eca\ntitle: ECA\nlevel: L3\norder: 1\n---\nBody.\n",
    )
    .unwrap();
    let (_, p) = usable(t.path());
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].starts_with("lessons/L2-authentication/: level L2 (Authentication) has no lessons, though levels before and after it do"),
        "{p:?}"
    );
    // `sflab list` says so under the heading, and on stderr without saying anything was left out.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sflab"))
        .arg("--curriculum")
        .arg(t.path())
        .arg("list")
        .output()
        .expect("sflab runs");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        stdout.contains("L2 Authentication\n  (no lessons)\nL3"),
        "{stdout}"
    );
    assert!(
        stderr.contains("level L2 (Authentication) has no lessons"),
        "{stderr}"
    );
    assert!(!stderr.contains("left out"), "{stderr}");
}

#[test]
fn a_lessons_or_labs_folder_that_is_a_symbolic_link_is_reported_not_followed() {
    let t = small_curriculum(true);
    let elsewhere = tempfile::tempdir().unwrap();
    let labs = t.path().join("labs");
    std::fs::rename(&labs, elsewhere.path().join("labs")).unwrap();
    std::os::unix::fs::symlink(elsewhere.path().join("labs"), &labs).unwrap();
    let (c, problems) = Curriculum::from_dir_usable(t.path()).unwrap();
    assert!(c.labs.is_empty(), "{:?}", c.labs);
    assert!(
        problems[0]
            .to_string()
            .starts_with("labs: is a symbolic link"),
        "{problems:?}"
    );
}

#[test]
fn a_lesson_listing_another_lessons_lab_is_named_at_its_line_and_the_lab_shows_once() {
    let t = small_curriculum(true);
    std::fs::write(
        t.path().join("lessons/L1-basics/other.md"),
        "---\nid: L1-basics/other\ntitle: Other\nlevel: L1\norder: 2\nlabs:\n  - first-call\n---\nBody.\n",
    )
    .unwrap();
    let p = problems_at(t.path());
    assert_eq!(
        p,
        vec!["lessons/L1-basics/other.md:7: names lab \"first-call\", whose `lesson:` is \"L1-basics/rest\": a lab belongs to one lesson, so remove it from `labs:` here, or change the lab's `lesson:` to \"L1-basics/other\" and remove it from that lesson's `labs:`"]
    );
    let (c, _) = usable(t.path());
    let labs_of = |id: &str| c.lesson(id).map(|l| l.labs.clone()).unwrap_or_default();
    assert_eq!(labs_of("L1-basics/rest"), vec!["first-call".to_string()]);
    assert!(labs_of("L1-basics/other").is_empty());
}

#[test]
fn every_problem_of_a_lab_file_is_said_in_one_pass_with_its_missing_solution() {
    let t = small_curriculum(true);
    std::fs::write(
        t.path().join("labs/first-call/lab.yaml"),
        "id: first-call\ntitle: First call\nlevel: L9\nlesson: L1-basics/rest\n\
         files: [run, missing.txt]\nchecks:\n  - { rule: process.exit_okk, points: 1 }\n",
    )
    .unwrap();
    let p = match Curriculum::from_dir_for_authoring(t.path()) {
        Ok(_) => panic!("a lab with problems loaded"),
        Err(e) => e.problems.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
    };
    for said in [
        "labs/first-call/lab.yaml:3: unknown level \"L9\"",
        "unknown rule `process.exit_okk`",
        "`files:` lists \"missing.txt\", which is not in labs/first-call/starter/",
        "solutions/first-call/run: is missing: every lab has a reference solution",
    ] {
        assert!(p.iter().any(|x| x.contains(said)), "{said}: {p:?}");
    }
    assert_eq!(
        p.iter().filter(|x| x.contains("unknown level")).count(),
        1,
        "the level is said once: {p:?}"
    );
    // A learner's classroom loads the lab without its solution; authoring refuses it.
    std::fs::write(
        t.path().join("labs/first-call/lab.yaml"),
        "id: first-call\ntitle: First call\nlevel: L1\nlesson: L1-basics/rest\n",
    )
    .unwrap();
    Curriculum::from_dir(t.path()).expect("a lab without a solution is usable");
    let p = match Curriculum::from_dir_for_authoring(t.path()) {
        Ok(_) => panic!("authoring accepted a lab without a reference solution"),
        Err(e) => e.problems.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
    };
    assert_eq!(p.len(), 1, "{p:?}");
    std::fs::create_dir_all(t.path().join("solutions/first-call")).unwrap();
    std::fs::write(t.path().join("solutions/first-call/run"), "#!/bin/sh\n").unwrap();
    Curriculum::from_dir_for_authoring(t.path()).expect("with its solution, the lab is sound");
}
