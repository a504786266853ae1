//! Quitting and starting again: the classroom reopens where it was left (the lab and its tab,
//! the tree's open levels and selection, a lesson's reading position), kept in the
//! workspace's `.sflab/place.json`; a damaged or missing file opens it at its start.

use super::{fixture, screen};
use sflab::tui::lab::{LabCommand, LabTab};
use sflab::tui::theme::Theme;
use sflab::tui::{place, App, Command, Event, Focus, RightView};
use sflab::workspace::Workspace;
use std::sync::Arc;

fn workspace() -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ws = Workspace::at(dir.path()).expect("a workspace");
    (dir, ws)
}

fn lab_app() -> App {
    App::new(Arc::new(fixture()), Theme::colored(), 80, 24)
}

/// The classroom as a new start opens it in `ws`.
fn started_again(new: impl Fn() -> App, ws: &Workspace) -> App {
    let mut a = new();
    place::reopen(&mut a, ws, false);
    a
}

#[test]
fn quitting_and_starting_again_reopens_the_lab_on_its_tab_with_the_tree_as_left() {
    let (_dir, ws) = workspace();
    std::fs::create_dir_all(ws.lab_dir("rest-crud")).expect("the lab's folder");
    let mut a = lab_app();
    // Down to L1, unfold it, down to its second lab, open it, then its Traffic tab.
    crate::press(&mut a, "j\njjj\n3");
    assert_eq!(a.lab_view().map(|v| v.lab.as_str()), Some("rest-crud"));
    let before = screen(&a);
    place::keep(&a, &ws).expect("kept");
    let fresh = screen(&lab_app());
    assert_ne!(fresh, before, "a new classroom starts elsewhere");

    let b = started_again(lab_app, &ws);
    assert_eq!(screen(&b), before, "the same screen as when it was left");
    let view = b.lab_view().expect("the lab is open again");
    assert_eq!(
        (view.lab.as_str(), view.tab),
        ("rest-crud", LabTab::Traffic)
    );
    assert_eq!(b.focus, Focus::Right);
    assert_eq!(b.tree.folded, a.tree.folded, "L1 is unfolded again");
    assert_eq!(b.tree.selected, a.tree.selected);
    assert_eq!(
        place::driver_command(&b),
        Some(Command::Lab(LabCommand::Open {
            lab: "rest-crud".into()
        })),
        "the driver is told, as ⏎ on the lab's row would"
    );
}

#[test]
fn a_lesson_reopens_at_the_line_it_was_left_after_a_restart_at_any_width() {
    let (_dir, ws) = workspace();
    let mut a = crate::app(80, 24);
    crate::press(&mut a, "\n  ");
    let left_at = a.reader().map(|r| r.scroll).expect("a lesson is open");
    assert!(left_at > 0, "the pages moved");
    let layout_then = a.reader().map(|r| r.layout.clone()).expect("its layout");
    // The knowledge check is open at the end; the lesson's line is remembered beside it.
    crate::press(&mut a, "\tj\n");
    assert!(matches!(a.right, RightView::Quiz(_)));
    place::keep(&a, &ws).expect("kept");

    let mut b = started_again(|| crate::app(80, 24), &ws);
    assert!(matches!(b.right, RightView::Quiz(_)), "the check again");
    crate::press(&mut b, "\tk\n");
    assert_eq!(b.reader().map(|r| r.scroll), Some(left_at));

    // Wider, the lesson has fewer lines: it opens in the same section, as far into it.
    let mut c = started_again(|| crate::app(120, 40), &ws);
    crate::press(&mut c, "\tk\n");
    let r = c.reader().expect("the lesson");
    let spot = sflab::tui::resume::ReadingSpot::at(left_at, &layout_then);
    let max = r.max_scroll(c.page_height());
    assert_eq!(r.scroll, spot.in_layout(&r.layout).min(max));
    assert!(r.scroll > 0);
    let heading_above = |l: &sflab::markdown::Layout, line: usize| {
        l.headings
            .iter()
            .rev()
            .find(|h| h.line <= line)
            .map(|h| h.title.clone())
    };
    if r.scroll < max {
        assert_eq!(
            heading_above(&r.layout, r.scroll),
            heading_above(&layout_then, left_at),
            "the top line is under the same heading"
        );
    }
}

#[test]
fn a_damaged_or_missing_place_opens_the_classroom_at_its_start() {
    let (_dir, ws) = workspace();
    let fresh = screen(&lab_app());
    assert_eq!(screen(&started_again(lab_app, &ws)), fresh, "no file yet");
    let file = ws.state_dir().join(place::FILE_NAME);
    for damaged in [
        &b"{\"open\": {\"view\": \"lab\""[..],
        b"\x00\xff not json",
        b"[]",
        b"{}",
    ] {
        std::fs::write(&file, damaged).expect("write");
        assert_eq!(screen(&started_again(lab_app, &ws)), fresh);
    }
    // A lab deleted since is not copied anew: the classroom opens as it would.
    let mut a = lab_app();
    crate::press(&mut a, "j\njj\n");
    assert!(a.lab_view().is_some());
    place::keep(&a, &ws).expect("kept");
    let b = started_again(lab_app, &ws);
    assert!(b.lab_view().is_none(), "rest-first-call has no folder");
    assert_eq!(place::driver_command(&b), None);
}

#[test]
fn the_place_file_is_small_private_and_written_whole() {
    let (_dir, ws) = workspace();
    let mut a = lab_app();
    crate::press(&mut a, "j\n");
    sflab::tui::update(&mut a, Event::Resize(120, 40));
    place::keep(&a, &ws).expect("kept");
    place::keep(&a, &ws).expect("kept again, over the first");
    let file = ws.state_dir().join(place::FILE_NAME);
    let size = std::fs::metadata(&file).expect("the file").len();
    assert!(size < 1024, "{size} bytes");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let names: Vec<String> = std::fs::read_dir(ws.state_dir())
        .expect("the state folder")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    assert_eq!(names, [place::FILE_NAME], "no temporary file is left");
}

#[test]
fn a_track_assigned_after_the_place_was_kept_wins_over_it() {
    let (_dir, ws) = workspace();
    let a = lab_app();
    assert!(!place::assigned_since_kept(&ws), "no track, no place");
    place::keep(&a, &ws).expect("kept");
    let track = sflab::track::active_path(&ws);
    std::fs::write(&track, "track: T\nlabs: []\n").expect("a track file");
    // The file system's clock may be coarse: make the order plain.
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(&track)
        .and_then(|f| f.set_modified(later))
        .expect("dated");
    assert!(place::assigned_since_kept(&ws));
    // Kept again after the assignment: the place wins once more.
    let after = later + std::time::Duration::from_secs(5);
    place::keep(&a, &ws).expect("kept");
    std::fs::File::options()
        .write(true)
        .open(place::path_in(&ws))
        .and_then(|f| f.set_modified(after))
        .expect("dated");
    assert!(!place::assigned_since_kept(&ws));
}

#[test]
fn a_place_that_cannot_be_reopened_opens_the_first_lesson_at_its_kept_line() {
    let (_dir, ws) = workspace();
    // Left on a lab whose folder is gone since, with the first lesson read part way.
    let a = crate::app(80, 24);
    let first = a
        .reader()
        .map(|r| r.lesson)
        .expect("the first lesson is open");
    let id = &a.curriculum.lessons[first].id;
    let of = a.reader().map(|r| r.layout.len()).unwrap_or_default();
    let kept = format!(
        r#"{{"open":{{"view":"lab","lab":"rest-first-call","tab":"Console"}},"focus_right":true,"open_levels":["L0"],"selected":null,"tree_top":0,"lessons":{{"{id}":{{"line":40,"of":{of}}}}},"consoles":{{}},"assigned_row":0}}"#
    );
    std::fs::write(ws.state_dir().join(place::FILE_NAME), kept).expect("a kept place");
    let b = started_again(|| crate::app(80, 24), &ws);
    let reader = b.reader().expect("the first lesson");
    assert_eq!(reader.lesson, first);
    assert_eq!(reader.scroll, 40.min(reader.max_scroll(b.page_height())));
    assert!(reader.scroll > 0);
}

#[test]
fn a_track_given_at_start_shows_its_board_without_the_kept_checks_greeting() {
    let (_dir, ws) = workspace();
    // Left in a knowledge check answered part-way.
    let progress = || {
        let mut progress = sflab::tui::Progress::new();
        progress.unfinished.insert(
            "L0-start-here/apis".into(),
            sflab::tui::UnfinishedCheck {
                next: 1,
                correct: 1,
            },
        );
        progress
    };
    let mut a = crate::app(80, 24);
    a.progress = progress();
    crate::press(&mut a, "j\n");
    assert!(matches!(a.right, RightView::Quiz(_)), "the check is open");
    place::keep(&a, &ws).expect("kept");

    let with_track = || {
        let mut b = crate::app(80, 24);
        b.progress = progress();
        let track = "track: T\nlabs:\n  - { lab: rest-first-call, due: 2026-12-04 }\n";
        let track = sflab::track::parse("t.yaml", track, &b.curriculum).expect("the track");
        let now = chrono::Utc::now();
        let rows =
            sflab::track::assigned_view_model(&track, &b.curriculum, &Default::default(), now);
        b.show_assigned(sflab::tui::AssignedBoard::new(&track, rows, now));
        b
    };
    let mut b = with_track();
    place::reopen(&mut b, &ws, true);
    assert!(matches!(b.right, RightView::Assigned(_)), "the board");
    assert_eq!(b.focus, Focus::Right);
    assert_eq!(b.tree.selected, a.tree.selected, "the tree as it was left");
    let s = screen(&b);
    assert!(!s.contains("picking up where you left off"), "{s}");

    // Without a track to show first, the check reopens and says where.
    let mut c = with_track();
    place::reopen(&mut c, &ws, false);
    assert!(matches!(c.right, RightView::Quiz(_)), "the check again");
    assert!(screen(&c).contains("picking up where you left off"));
}
