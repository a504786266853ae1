//! `update`: the one place state changes. A pure function of (state, event) that may hand
//! back a [`Command`] for the caller to carry out.

use super::app::{App, Focus, RightView};
use super::event::{is_redraw_key, Command, Event};
use super::lab::keys::{self, KeyOutcome};
use super::lab::{back_from_editor_notice, LabCommand, LabEvent, LabTab};
use super::text_keys::{edit_at_end, is_chord};
use super::tree::{rows, Row};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// How a lab is opened, in the words the tree shows it with (`○ lab: …`, `✓ lab: …`).
const OPEN_A_LAB: &str = "open one first (a \"lab:\" row in the tree)";

pub fn update(app: &mut App, event: Event) -> Option<Command> {
    match event {
        Event::Key(key) => {
            app.flash = None;
            on_key(app, key)
        }
        Event::Wheel {
            column,
            row: _,
            lines,
        } => on_wheel(app, column, lines),
        Event::Resize(w, h) => {
            app.size = (w, h);
            app.relayout();
            None
        }
        Event::Tick(now) => {
            // Deadlines pass while the classroom is open.
            if let Some(board) = app.assigned.as_mut() {
                board.judge_at(now);
            }
            if let Some((_, left)) = app.flash.as_mut() {
                *left = left.saturating_sub(1);
                if *left == 0 {
                    app.flash = None;
                }
            }
            None
        }
        Event::Progress(progress) => {
            let old = std::mem::replace(&mut app.progress, progress);
            // An attempt made outside the screen (`sflab check` in another terminal) shows in
            // the open lab's Results and Traffic, unless the screen is running the lab itself.
            let view = app.lab_view()?;
            let latest = |p: &crate::tui::Progress| p.latest_attempts.get(&view.lab).copied();
            (latest(&app.progress) != latest(&old) && !view.running()).then(|| {
                Command::Lab(LabCommand::ShowLastAttempt {
                    lab: view.lab.clone(),
                })
            })
        }
        Event::Backend(status) => {
            app.backend = status;
            None
        }
        Event::Assigned(board) => {
            if let (RightView::Assigned(v), n) = (&mut app.right, board.rows.len()) {
                v.selected = v.selected.min(n.saturating_sub(1));
            }
            app.assigned = Some(board);
            app.track_problem = None;
            None
        }
        Event::Lab(event) => on_lab_event(app, event),
        Event::Repaint => None,
        Event::Stop => Some(Command::Quit),
    }
}

fn on_lab_event(app: &mut App, event: LabEvent) -> Option<Command> {
    let lab = match &event {
        LabEvent::Notice(text) => {
            app.flash(text.clone());
            return None;
        }
        LabEvent::Reach { backend, reachable } => {
            // News of a backend switched away from since says nothing of the one in use.
            if app.backend.name == *backend {
                app.backend.reachable = *reachable;
            }
            return None;
        }
        LabEvent::BackFromEditor {
            lab,
            editor,
            fallback,
        } => {
            let view = app.lab_view().filter(|v| v.lab == *lab);
            let said = back_from_editor_notice(view, editor, *fallback);
            app.flash(said);
            return None;
        }
        other => other.lab()?.to_string(),
    };
    match app.lab_view_mut() {
        Some(view) if view.lab == lab => view
            .apply(event)
            .or_else(|| view.owed_command())
            .map(Command::Lab),
        _ => {
            app.news_from_away(&lab, event);
            None
        }
    }
}

/// The lab view's keys; `None` when the key is not the lab view's.
fn on_lab_key(app: &mut App, key: KeyEvent, pane: bool) -> Option<Option<Command>> {
    let page = app.page_height().saturating_sub(4);
    let view = app.lab_view_mut()?;
    let outcome = if view.console.typing && pane {
        keys::on_typing(view, key)
    } else {
        match keys::on_action(view, key) {
            KeyOutcome::Ignored if pane => keys::on_pane(view, key, page),
            other => other,
        }
    };
    match outcome {
        KeyOutcome::Ignored => None,
        KeyOutcome::Handled => Some(None),
        KeyOutcome::Command(c) => {
            if let LabCommand::Watch { lab, on } = &c {
                // The driver watches one lab at a time, whichever view shows it.
                app.watched = on.then(|| lab.clone());
            }
            Some(Some(Command::Lab(c)))
        }
        KeyOutcome::Say(text) => {
            app.flash(text);
            Some(None)
        }
    }
}

/// A lab action pressed in the tree acts on the lab selected there: when that is not the lab
/// open on the right, it is opened first, and the key acts on it once it is open (`r` opens
/// and runs it). A lab left while its checks run goes on running; its view hears from the
/// run. `Some` when it opened a lab (with what the driver is to be told), `None` to go on.
/// The Assigned board lists only labs: with the focus on it, the keys act on its selected row
/// the same way.
fn open_selected_lab(app: &mut App, key: KeyEvent) -> Option<Option<Command>> {
    let lab = match (app.focus, &app.right) {
        (Focus::Right, RightView::Assigned(v)) => {
            let lab = app.assigned.as_ref()?.rows.get(v.selected)?.lab.clone();
            if app.curriculum.lab(&lab).is_none() {
                app.flash(format!("lab {lab} is not in this curriculum"));
                return Some(None);
            }
            let curriculum = app.curriculum.clone();
            app.tree.select_lab(&curriculum, &lab);
            app.tree.keep_visible(app.geometry().tree_rows());
            lab
        }
        (Focus::Tree, _) => {
            let all = rows(&app.curriculum, &app.tree.folded);
            let Some(Row::Lab { lab, .. }) = all.get(app.tree.selected).cloned() else {
                // Not a lab in the tree: the keys act on the lab open on the right, and say so.
                if let Some(open) = app.lab_view().map(|v| v.lab.clone()) {
                    app.flash(format!("lab keys act on {open}, the lab open on the right"));
                }
                return None;
            };
            lab
        }
        _ => return None,
    };
    if app.lab_view().is_some_and(|v| v.lab == lab) {
        return None;
    }
    let command = app.open_lab(&lab);
    app.flash(format!("opened {lab}"));
    // The key acts on the lab now shown: what it says shows now, what it asks of the
    // driver waits until the lab has opened (its files copied).
    if let Some(Some(Command::Lab(owed))) = on_lab_key(app, key, false) {
        match (command.is_some(), app.lab_view_mut()) {
            (true, Some(view)) => view.after_open = Some(owed),
            // A lab whose run goes on opens with nothing to wait for.
            _ => return Some(Some(Command::Lab(owed))),
        }
    }
    Some(command.map(Command::Lab))
}

/// Asks for the open lesson to be noted as read once its last line has been on screen: once
/// per opening, and not for a lesson the store already counts as read.
fn lesson_read(app: &mut App) -> Option<Command> {
    let h = app.page_height();
    let r = app.reader()?;
    let lesson = app.curriculum.lessons.get(r.lesson)?;
    if r.end_seen || r.scroll < r.max_scroll(h) || app.progress.read_to_end(&lesson.id) {
        return None;
    }
    let lesson = lesson.id.clone();
    app.reader_mut()?.end_seen = true;
    Some(Command::LessonRead { lesson })
}

fn on_wheel(app: &mut App, column: u16, lines: i32) -> Option<Command> {
    if app.too_small() || app.help {
        return None;
    }
    let g = app.geometry();
    if column < g.tree.x + g.tree.width {
        let n = rows(&app.curriculum, &app.tree.folded).len();
        app.tree.move_by(lines.signum() as isize, n);
        app.tree.keep_visible(g.tree_rows());
    } else {
        let h = app.page_height();
        if let Some(r) = app.reader_mut() {
            r.scroll_by(lines as isize, h);
            return lesson_read(app);
        }
        if let Some(view) = app.lab_view_mut() {
            keys::on_wheel(view, lines as isize);
        }
    }
    None
}

fn on_key(app: &mut App, key: KeyEvent) -> Option<Command> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(key.code, KeyCode::Char('c')) {
        return Some(Command::Quit);
    }
    if app.too_small() {
        // Nothing but the size notice shows, whatever is open under it (help, a search, the
        // console): only its own key works, and one q quits as it says.
        return matches!(key.code, KeyCode::Char('q')).then_some(Command::Quit);
    }
    if is_redraw_key(&key) {
        // The screen is drawn again whole ([`crate::tui::redraws_everything`]); nothing else.
        return None;
    }
    if app.search_input.is_some() {
        on_search_key(app, key);
        return None;
    }
    let typing_text =
        app.focus == Focus::Right && !app.help && app.lab_view().is_some_and(|v| v.console.typing);
    if is_chord(&key) && !typing_text {
        // Ctrl-R is not r, Alt-Q is not q: only the letter itself acts.
        return None;
    }
    let typing = app
        .lab_view()
        .is_some_and(|v| v.console.typing || v.confirm_reset);
    if typing && !app.help {
        if let Some(done) = on_lab_key(app, key, app.focus == Focus::Right) {
            return done;
        }
    }
    if app.help {
        if matches!(
            key.code,
            KeyCode::Char('?') | KeyCode::Esc | KeyCode::Char('q') | KeyCode::Enter
        ) {
            app.help = false;
        }
        return None;
    }
    if let KeyCode::Char(c @ ('r' | 'w' | 'e' | 'b' | 'H' | 'S' | 'X')) = key.code {
        if let Some(opened) = open_selected_lab(app, key) {
            return opened;
        }
        if let Some(done) = on_lab_key(app, key, false) {
            return done;
        }
        // (A quiz being answered takes b and e as choices.)
        if let Some(keys) = quiz_keys(app) {
            if !matches!(c, 'a'..='f') {
                app.flash(format!("{c} does nothing in a knowledge check: {keys}"));
                return None;
            }
        } else if app.lab_view().is_none() {
            app.flash(format!("{c} acts on a lab: {OPEN_A_LAB}"));
            return None;
        }
    }
    if let (KeyCode::Char(d @ '1'..='5'), None) = (key.code, app.lab_view()) {
        app.flash(format!("{d} picks a lab's tab: {OPEN_A_LAB}"));
        return None;
    }
    // One keymap (UX.md): the tab keys and the tabs' own actions (d diff, s save or send)
    // reach the open lab from the tree too, and the lab pane takes the focus to show them.
    if let (Focus::Tree, KeyCode::Char('1'..='5' | 'd' | 's')) = (app.focus, key.code) {
        if app.lab_view().is_some_and(|v| !v.console.typing) {
            if let Some(done) = on_lab_key(app, key, true) {
                app.focus = Focus::Right;
                return done;
            }
        }
    }
    // q closes what is over the lab's tab (an exchange, the evidence, a diff, the solution,
    // the whole output) as it closes the help; q again quits.
    if let (KeyCode::Char('q'), Some(view)) = (key.code, app.lab_view_mut()) {
        if view.detail.take().is_some() {
            return None;
        }
        // The evidence of one rule listed on Traffic goes back to Results, as Esc does.
        if view.tab == LabTab::Traffic && view.traffic_filter.is_some() {
            crate::tui::lab::keys::close_evidence(view);
            return None;
        }
    }
    match key.code {
        KeyCode::Char('q') => return Some(Command::Quit),
        KeyCode::Char('?') => app.help = true,
        KeyCode::Char('t') => {
            if !app.open_assigned() {
                let why = app.track_problem.clone().unwrap_or_else(|| {
                    "no track is assigned: start sflab with --track FILE".into()
                });
                app.flash(why);
            }
        }
        KeyCode::Tab | KeyCode::BackTab => {
            app.focus = match app.focus {
                Focus::Tree => Focus::Right,
                Focus::Right => Focus::Tree,
            }
        }
        KeyCode::Char('/') => {
            // In the tree (or where no lesson is open), `/` finds a lesson or lab by title.
            let brief = app
                .lab_view()
                .filter(|v| v.tab == LabTab::Brief && v.detail.is_none())
                .map(|v| v.brief_scroll.min(v.limits.brief.get()));
            match (app.reader(), brief) {
                (Some(r), _) if app.focus == Focus::Right => {
                    app.search_origin = r.scroll;
                    app.search_in_tree = false;
                }
                // On a lab's Brief, `/` finds text in the brief.
                (None, Some(scroll)) if app.focus == Focus::Right => {
                    app.search_origin = scroll;
                    app.search_in_tree = false;
                }
                _ => {
                    app.tree_before_search = Some(app.tree.clone());
                    app.search_in_tree = true;
                    app.focus = Focus::Tree;
                }
            }
            app.search_input = Some(String::new());
        }
        KeyCode::Char(c @ ('n' | 'N')) if app.focus == Focus::Tree && app.tree_query.is_some() => {
            let query = app.tree_query.clone().unwrap_or_default();
            let curriculum = app.curriculum.clone();
            let from = app.tree.selected;
            if app
                .tree
                .select_match(&curriculum, &query, from, c == 'n', false)
            {
                app.tree.keep_visible(app.geometry().tree_rows());
            }
        }
        // Like n and N, the heading keys reach the open lesson from the tree too.
        KeyCode::Char(c @ (']' | '[')) if app.reader().is_some() => {
            let h = app.page_height();
            let moved = app.reader_mut().is_some_and(|r| {
                if c == ']' {
                    r.next_heading(h)
                } else {
                    r.previous_heading(h)
                }
            });
            if !moved {
                app.flash(if c == ']' {
                    "no heading below"
                } else {
                    "no heading above"
                });
            }
            return lesson_read(app);
        }
        KeyCode::Char(c @ (']' | '[')) if app.lab_view().is_none() => match quiz_keys(app) {
            Some(keys) => app.flash(format!("{c} does nothing in a knowledge check: {keys}")),
            None => app.flash(format!(
                "{c} moves between a lesson's headings: open a lesson first"
            )),
        },
        KeyCode::Char(c @ ('n' | 'N')) if app.reader().is_some() => {
            let h = app.page_height();
            match app.reader_mut().and_then(|r| r.step_match(c == 'n', h)) {
                Some(said) => app.flash(said),
                None => app.flash("no search: press / to search this lesson"),
            }
        }
        _ => {
            return match app.focus {
                Focus::Tree => on_tree_key(app, key),
                Focus::Right => on_right_key(app, key),
            }
        }
    }
    None
}

/// The keys a knowledge check being answered takes, said in a flash when another key does
/// nothing there; `None` unless a knowledge check has the focus.
fn quiz_keys(app: &App) -> Option<String> {
    let RightView::Quiz(quiz) = &app.right else {
        return None;
    };
    if app.focus != Focus::Right {
        return None;
    }
    let n = quiz.current().map_or(0, |q| q.choices.len()).clamp(1, 6);
    let last = char::from(b'a' + u8::try_from(n - 1).unwrap_or(0));
    Some(format!(
        "↑↓ or a–{last} choose, ⏎ answers, Esc goes back to the tree"
    ))
}

/// A key while a tree search is typed: each change jumps to the first lesson or lab whose
/// title matches, from where the search started.
fn on_tree_search_key(app: &mut App, key: KeyEvent) {
    let Some(input) = app.search_input.as_mut() else {
        return;
    };
    let before = app
        .tree_before_search
        .clone()
        .unwrap_or_else(|| app.tree.clone());
    let curriculum = app.curriculum.clone();
    // Each change looks again from the top of the curriculum, in the tree as it was.
    let find = |tree: &mut crate::tui::tree::TreeState, query: &str| {
        *tree = before.clone();
        tree.select_match(&curriculum, query, 0, true, true)
    };
    match key.code {
        KeyCode::Esc => {
            app.search_input = None;
            app.tree = before.clone();
        }
        KeyCode::Enter => {
            let query = std::mem::take(input);
            app.search_input = None;
            if !query.is_empty() {
                if find(&mut app.tree, &query) {
                    app.flash(format!("\"{query}\": ⏎ opens it, n next, N previous"));
                    app.tree_query = Some(query);
                } else {
                    app.flash(format!("no lesson or lab matches \"{query}\""));
                    app.tree = before.clone();
                }
            }
        }
        _ => {
            edit_at_end(input, &key);
        }
    }
    if let Some(query) = app.search_input.clone() {
        if !find(&mut app.tree, &query) {
            app.tree = before;
        }
    }
    app.tree.keep_visible(app.geometry().tree_rows());
}

fn on_search_key(app: &mut App, key: KeyEvent) {
    if app.search_in_tree {
        return on_tree_search_key(app, key);
    }
    let h = app.page_height();
    let origin = app.search_origin;
    let Some(input) = app.search_input.as_mut() else {
        return;
    };
    match key.code {
        KeyCode::Esc => {
            app.search_input = None;
            if let Some(r) = app.reader_mut() {
                r.search = None;
                r.scroll = origin;
            }
            if let Some(v) = app.lab_view_mut() {
                v.brief_scroll = origin;
            }
            return;
        }
        KeyCode::Enter => {
            let query = std::mem::take(input);
            app.search_input = None;
            if let Some(v) = app.lab_view_mut() {
                let count = v.limits.brief_lines.borrow().count(&query);
                v.brief_query = (!query.is_empty()).then(|| query.clone());
                // The occurrence the typing moved to (the first from where the search
                // started, else the first) is the one n and N step from.
                let rows = v.limits.brief_lines.borrow().occurrences(&query);
                v.brief_match = rows
                    .iter()
                    .position(|row| *row >= origin)
                    .or((!rows.is_empty()).then_some(0));
                match count {
                    _ if query.is_empty() => {}
                    0 => app.flash(format!("no match for \"{query}\" in the brief")),
                    n => app.flash(format!(
                        "{n} match{} for \"{query}\" — n next, N previous",
                        if n == 1 { "" } else { "es" }
                    )),
                }
                return;
            }
            let found = app
                .reader()
                .and_then(|r| r.search.as_ref())
                .map(|s| s.matches.len());
            match found {
                Some(0) => app.flash(format!("no match for \"{query}\"")),
                Some(n) => app.flash(format!(
                    "{n} match{} — n next, N previous",
                    if n == 1 { "" } else { "es" }
                )),
                None => {}
            }
            return;
        }
        _ if edit_at_end(input, &key) => {}
        _ => return,
    }
    let query = input.clone();
    if let Some(v) = app.lab_view_mut() {
        // Each change shows the first line with the text from where the search started
        // (or from the top when nothing below has it).
        let found = v.limits.brief_lines.borrow().first_from(&query, origin);
        let row = found.unwrap_or(origin).min(v.limits.brief.get());
        v.brief_scroll = row;
        return;
    }
    if let Some(r) = app.reader_mut() {
        if query.is_empty() {
            r.search = None;
            r.scroll = origin;
        } else {
            r.search(&query, origin, h);
        }
    }
}

fn on_tree_key(app: &mut App, key: KeyEvent) -> Option<Command> {
    let curriculum = app.curriculum.clone();
    let all = rows(&curriculum, &app.tree.folded);
    let page = app.geometry().tree_rows().max(1) as isize;
    let selected = all.get(app.tree.selected).cloned();
    match key.code {
        KeyCode::Down | KeyCode::Char('j') => app.tree.move_by(1, all.len()),
        KeyCode::Up | KeyCode::Char('k') => app.tree.move_by(-1, all.len()),
        KeyCode::PageDown | KeyCode::Char(' ') => app.tree.move_by(page, all.len()),
        KeyCode::PageUp => app.tree.move_by(-page, all.len()),
        KeyCode::Home | KeyCode::Char('g') => app.tree.selected = 0,
        KeyCode::End | KeyCode::Char('G') => app.tree.selected = all.len().saturating_sub(1),
        KeyCode::Enter | KeyCode::Char('l') | KeyCode::Right => match selected {
            Some(Row::Level(level)) => {
                let fold = key.code == KeyCode::Enter && !app.tree.folded.contains(&level);
                app.tree.set_folded(&curriculum, level, fold);
            }
            Some(Row::Lesson(i)) => {
                let already = app.reader().is_some_and(|r| r.lesson == i);
                if !already {
                    app.open_lesson(i);
                }
                app.focus = Focus::Right;
                // A lesson that fits on one page is read as soon as it is open.
                return lesson_read(app);
            }
            Some(Row::Quiz(i)) => {
                app.open_quiz(i);
                app.focus = Focus::Right;
            }
            Some(Row::Lab { lab, .. }) => {
                let command = app.open_lab(&lab);
                app.focus = Focus::Right;
                app.tree.keep_visible(app.geometry().tree_rows());
                return command.map(Command::Lab);
            }
            None => {}
        },
        KeyCode::Left | KeyCode::Char('h') => match selected {
            Some(Row::Level(level)) => app.tree.set_folded(&curriculum, level, true),
            Some(Row::Lesson(i)) | Some(Row::Quiz(i)) | Some(Row::Lab { lesson: i, .. }) => {
                if let Some(level) = curriculum.lessons.get(i).map(|l| l.level) {
                    if let Some(pos) = all.iter().position(|r| *r == Row::Level(level)) {
                        app.tree.selected = pos;
                    }
                }
            }
            None => {}
        },
        _ => {}
    }
    app.tree.keep_visible(app.geometry().tree_rows());
    None
}

fn on_right_key(app: &mut App, key: KeyEvent) -> Option<Command> {
    if let Some(done) = on_lab_key(app, key, true) {
        return done;
    }
    if matches!(key.code, KeyCode::Esc | KeyCode::Char('h') | KeyCode::Left) {
        app.focus = Focus::Tree;
        return None;
    }
    if matches!(app.right, RightView::Assigned(_)) {
        return on_assigned_key(app, key);
    }
    let h = app.page_height();
    match &mut app.right {
        RightView::Lesson(r) => {
            let page = h.saturating_sub(2).max(1) as isize;
            match key.code {
                KeyCode::Down | KeyCode::Char('j') => r.scroll_by(1, h),
                KeyCode::Up | KeyCode::Char('k') => r.scroll_by(-1, h),
                KeyCode::PageDown | KeyCode::Char(' ') => r.scroll_by(page, h),
                KeyCode::PageUp => r.scroll_by(-page, h),
                KeyCode::Home | KeyCode::Char('g') => r.scroll = 0,
                KeyCode::End | KeyCode::Char('G') => r.scroll = r.max_scroll(h),
                KeyCode::Char(']') if !r.next_heading(h) => app.flash("no heading below"),
                KeyCode::Char('[') if !r.previous_heading(h) => app.flash("no heading above"),
                _ => {}
            }
            lesson_read(app)
        }
        RightView::Quiz(quiz) => {
            let answer = match key.code {
                KeyCode::Down | KeyCode::Char('j') => {
                    quiz.move_cursor(1);
                    None
                }
                KeyCode::Up | KeyCode::Char('k') => {
                    quiz.move_cursor(-1);
                    None
                }
                KeyCode::Enter | KeyCode::Char('l') | KeyCode::Right => {
                    if quiz.answered.is_some() || quiz.finished {
                        quiz.advance();
                        None
                    } else {
                        quiz.answer(quiz.cursor)
                    }
                }
                KeyCode::Char(c @ 'a'..='f') => {
                    let choice = c as usize - 'a' as usize;
                    let open = quiz.answered.is_none() && !quiz.finished;
                    let n = quiz.current().map_or(0, |q| q.choices.len());
                    if open && choice >= n && n > 0 {
                        // A letter past the last choice: say which letters there are.
                        let last = char::from(b'a' + u8::try_from(n - 1).unwrap_or(0));
                        let message = format!("this question has choices a–{last}");
                        app.flash(message);
                        return None;
                    }
                    // A letter highlights its choice; ⏎ answers, as the footer says.
                    quiz.select(choice);
                    None
                }
                _ => None,
            };
            let lesson = app
                .curriculum
                .lessons
                .get(quiz.lesson)
                .map(|l| l.id.clone());
            answer.zip(lesson).map(|(a, lesson)| Command::QuizAnswered {
                lesson,
                question: a.question,
                correct: a.correct,
            })
        }
        RightView::Lab(_) | RightView::Welcome | RightView::Assigned(_) => None,
    }
}

/// Keys in the "Assigned" view: move, and ⏎ opens the selected lab.
fn on_assigned_key(app: &mut App, key: KeyEvent) -> Option<Command> {
    let n = app.assigned.as_ref().map_or(0, |b| b.rows.len());
    let page = app.page_height().saturating_sub(8).max(1) as isize;
    let RightView::Assigned(v) = &mut app.right else {
        return None;
    };
    match key.code {
        KeyCode::Down | KeyCode::Char('j') => v.move_by(1, n),
        KeyCode::Up | KeyCode::Char('k') => v.move_by(-1, n),
        KeyCode::PageDown | KeyCode::Char(' ') => v.move_by(page, n),
        KeyCode::PageUp => v.move_by(-page, n),
        KeyCode::Home | KeyCode::Char('g') => v.selected = 0,
        KeyCode::End | KeyCode::Char('G') => v.selected = n.saturating_sub(1),
        KeyCode::Enter | KeyCode::Char('l') | KeyCode::Right => {
            let selected = v.selected;
            let lab = app
                .assigned
                .as_ref()
                .and_then(|b| b.rows.get(selected))
                .map(|r| r.lab.clone())?;
            if app.curriculum.lab(&lab).is_none() {
                app.flash(format!("lab {lab} is not in this curriculum"));
                return None;
            }
            let command = app.open_lab(&lab);
            let curriculum = app.curriculum.clone();
            app.tree.select_lab(&curriculum, &lab);
            app.tree.keep_visible(app.geometry().tree_rows());
            return command.map(Command::Lab);
        }
        _ => {}
    }
    None
}
