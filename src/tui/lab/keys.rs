//! Keys in the lab view: the lab's actions (`r` run, `w` watch, `e` edit, `H` hint, `S`
//! solution, `X` reset), the tabs (1–5) and moving inside each tab. Pure: state changes and
//! the [`LabCommand`] for the driver, nothing else.

use super::console::{ConsoleField, Edit};
use super::{scrolled, Detail, LabCommand, LabTab, LabView, RunState};
use crate::tui::text_keys::{text_key, TextKey};
use crossterm::event::{KeyCode, KeyEvent};

/// What a key did in the lab view.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyOutcome {
    /// The key is not the lab view's; the caller handles it.
    Ignored,
    Handled,
    Command(LabCommand),
    /// Handled, with a message for the status bar.
    Say(String),
}

/// Why `X` does nothing now: the running program and its verdict belong to the files it judges.
const RESET_WHILE_RUNNING: &str =
    "the checks are running: X resets the lab once they have finished";

/// What `X` asks: the keys first (they fit one row at 80 columns), then what a reset does
/// and does not touch.
pub const RESET_QUESTION: &str = "reset to the starter files? y: yes, other keys: no · \
     yours move to a backup folder; your result, hints and progress stay";

/// The lab's actions, answered whichever pane has the focus.
pub fn on_action(view: &mut LabView, key: KeyEvent) -> KeyOutcome {
    let lab = view.lab.clone();
    if view.confirm_reset {
        view.confirm_reset = false;
        return match key.code {
            KeyCode::Char('y') | KeyCode::Char('X') if view.running() => {
                KeyOutcome::Say(RESET_WHILE_RUNNING.into())
            }
            KeyCode::Char('y') | KeyCode::Char('X') => {
                // Only the files change: the result and the hints shown are the progress
                // store's, which a reset leaves alone (a restart shows them too).
                view.files_reset = true;
                KeyOutcome::Command(LabCommand::Reset { lab })
            }
            _ => KeyOutcome::Say("reset cancelled: your files are as they were".into()),
        };
    }
    match key.code {
        KeyCode::Char('r') => {
            if view.running() {
                return KeyOutcome::Say("the checks are already running".into());
            }
            if view.spec.is_err() {
                return KeyOutcome::Say("this lab cannot run: see its brief".into());
            }
            view.run = RunState::Preparing;
            view.error = None;
            KeyOutcome::Command(LabCommand::Run { lab })
        }
        KeyCode::Char('w') => {
            view.watch = !view.watch;
            KeyOutcome::Command(LabCommand::Watch {
                lab,
                on: view.watch,
            })
        }
        KeyCode::Char('e') => KeyOutcome::Command(LabCommand::Edit { lab }),
        KeyCode::Char('b') => {
            if view.running() {
                return KeyOutcome::Say(
                    "the backend changes once the checks have finished running".into(),
                );
            }
            KeyOutcome::Command(LabCommand::Backend { lab })
        }
        KeyCode::Char('H') => KeyOutcome::Command(LabCommand::Hint {
            lab,
            failing: view.failing_rule(),
        }),
        KeyCode::Char('S') => KeyOutcome::Command(LabCommand::Solution { lab }),
        KeyCode::Char('X') => {
            if view.running() {
                return KeyOutcome::Say(RESET_WHILE_RUNNING.into());
            }
            view.confirm_reset = true;
            KeyOutcome::Say(RESET_QUESTION.into())
        }
        _ => KeyOutcome::Ignored,
    }
}

/// Keys typed into the console's path or body.
pub fn on_typing(view: &mut LabView, key: KeyEvent) -> KeyOutcome {
    let c = &mut view.console;
    match key.code {
        KeyCode::Esc => c.typing = false,
        KeyCode::Enter => {
            c.typing = false;
            return send(view);
        }
        KeyCode::Delete => c.edit(Edit::Delete),
        KeyCode::Left => c.edit(Edit::Left),
        KeyCode::Right => c.edit(Edit::Right),
        KeyCode::Home => c.edit(Edit::Home),
        KeyCode::End => c.edit(Edit::End),
        _ if text_key(&key) != TextKey::Other => match text_key(&key) {
            TextKey::Insert(ch) => c.edit(Edit::Insert(ch)),
            TextKey::Backspace => c.edit(Edit::Backspace),
            TextKey::DeleteWord => c.edit(Edit::DeleteWord),
            TextKey::Clear => c.edit(Edit::Clear),
            TextKey::Home => c.edit(Edit::Home),
            TextKey::End => c.edit(Edit::End),
            TextKey::Nothing | TextKey::Other => {}
        },
        KeyCode::Up | KeyCode::Down | KeyCode::Tab => {
            c.move_field(key.code != KeyCode::Up);
            c.typing = c.field != ConsoleField::Method;
            c.cursor_back = 0;
        }
        _ => {}
    }
    KeyOutcome::Handled
}

fn send(view: &mut LabView) -> KeyOutcome {
    let c = &mut view.console;
    if c.waiting {
        return KeyOutcome::Say("the console is waiting for the org's answer".into());
    }
    c.waiting = true;
    // GET, DELETE and HEAD carry no body, whatever the body field still holds.
    let body = match c.method() {
        "GET" | "DELETE" | "HEAD" => String::new(),
        _ => c.body.clone(),
    };
    KeyOutcome::Command(LabCommand::Console {
        lab: view.lab.clone(),
        method: c.method().to_string(),
        path: c.request_path(),
        body,
    })
}

/// `]` / `[` on the Brief: scroll to the next or previous section heading.
fn brief_heading(view: &mut LabView, down: bool) -> KeyOutcome {
    let limit = view.limits.brief.get();
    let at = view.brief_scroll.min(limit);
    let heads = view.limits.brief_headings.borrow().clone();
    let target = if down {
        heads.iter().copied().find(|&r| r > at && at < limit)
    } else {
        // Above the first heading is the goal, at the top.
        heads
            .iter()
            .rev()
            .copied()
            .find(|&r| r < at)
            .or((at > 0).then_some(0))
    };
    match target {
        Some(row) => {
            view.brief_scroll = row.min(limit);
            KeyOutcome::Handled
        }
        None if down => KeyOutcome::Say("no heading below".into()),
        None => KeyOutcome::Say("no heading above".into()),
    }
}

/// `n` / `N` on the Brief: the next or previous occurrence of the last searched text,
/// wrapping around and counting every one, as in a lesson.
pub fn brief_step_match(view: &mut LabView, forward: bool) -> KeyOutcome {
    let Some(query) = view.brief_query.clone() else {
        return KeyOutcome::Say("no search: press / to search this brief".into());
    };
    let rows = view.limits.brief_lines.borrow().occurrences(&query);
    let current = view.brief_match.filter(|i| *i < rows.len());
    let Some((next, said)) = super::super::reader::step_among(current, rows.len(), forward, &query)
    else {
        return KeyOutcome::Say(format!("no match for \"{query}\" in the brief"));
    };
    view.brief_match = Some(next);
    view.brief_scroll = rows[next].min(view.limits.brief.get());
    KeyOutcome::Say(said)
}

fn step(sel: &mut usize, delta: isize, len: usize) {
    let last = len.saturating_sub(1) as isize;
    *sel = (*sel as isize + delta).clamp(0, last.max(0)) as usize;
}

/// Keys when the lab view has the focus; `page` is the rows one page moves.
pub fn on_pane(view: &mut LabView, key: KeyEvent, page: usize) -> KeyOutcome {
    let page = page.max(1) as isize;
    if let KeyCode::Char(d @ '1'..='5') = key.code {
        view.tab = LabTab::ALL[(d as usize) - ('1' as usize)];
        view.detail = None;
        return KeyOutcome::Handled;
    }
    let delta = match key.code {
        KeyCode::Down | KeyCode::Char('j') => 1,
        KeyCode::Up | KeyCode::Char('k') => -1,
        KeyCode::PageDown | KeyCode::Char(' ') => page,
        KeyCode::PageUp => -page,
        KeyCode::Home | KeyCode::Char('g') => isize::MIN / 2,
        KeyCode::End | KeyCode::Char('G') => isize::MAX / 2,
        _ => 0,
    };
    if view.detail.is_some() {
        return match key.code {
            KeyCode::Esc | KeyCode::Char('h') | KeyCode::Left | KeyCode::Char('q') => {
                view.detail = None;
                KeyOutcome::Handled
            }
            _ if delta != 0 => {
                view.detail_scroll = scrolled(view.detail_scroll, delta, view.limits.detail.get());
                KeyOutcome::Handled
            }
            _ => KeyOutcome::Handled,
        };
    }
    match view.tab {
        LabTab::Brief => {
            match key.code {
                KeyCode::Char(c @ (']' | '[')) => return brief_heading(view, c == ']'),
                KeyCode::Char(c @ ('n' | 'N')) => return brief_step_match(view, c == 'n'),
                _ => {}
            }
            if delta == 0 {
                return KeyOutcome::Ignored;
            }
            view.brief_scroll = scrolled(view.brief_scroll, delta, view.limits.brief.get());
        }
        LabTab::Results => return on_results(view, key, delta, page),
        LabTab::Traffic => return on_traffic(view, key, delta),
        LabTab::Org => {
            let o = &mut view.org;
            match key.code {
                KeyCode::Enter | KeyCode::Char('l') | KeyCode::Right if !o.in_records => {
                    o.in_records = true;
                    o.record_sel = 0;
                }
                KeyCode::Esc | KeyCode::Char('h') | KeyCode::Left if o.in_records => {
                    o.in_records = false;
                }
                // The record whole: the tab cuts long values at the pane's edge.
                KeyCode::Enter | KeyCode::Char('l') | KeyCode::Right => {
                    let Some((title, text)) = o.record_whole() else {
                        return KeyOutcome::Say("no record to open: this object has none".into());
                    };
                    view.detail = Some(Detail::Text { title, text });
                    view.detail_scroll = 0;
                }
                _ if delta != 0 && o.in_records => {
                    let n = o.selected_records().len();
                    step(&mut o.record_sel, delta, n);
                }
                _ if delta != 0 => {
                    let n = o.snapshot.objects.len();
                    step(&mut o.object_sel, delta, n);
                    o.record_sel = 0;
                }
                _ => return KeyOutcome::Ignored,
            }
        }
        LabTab::Console => {
            let c = &mut view.console;
            match key.code {
                KeyCode::Down | KeyCode::Char('j') => c.move_field(true),
                KeyCode::Up | KeyCode::Char('k') => c.move_field(false),
                KeyCode::Enter | KeyCode::Char('l') | KeyCode::Right => match c.field {
                    ConsoleField::Method => c.next_method(),
                    _ => c.typing = true,
                },
                // On the method, ← h step it back as → l step it on; on the other fields
                // they leave the pane, as everywhere.
                KeyCode::Left | KeyCode::Char('h') if c.field == ConsoleField::Method => {
                    c.previous_method()
                }
                KeyCode::Char('s') => return send(view),
                KeyCode::Home | KeyCode::Char('g') => c.reply_scroll = 0,
                KeyCode::End | KeyCode::Char('G') => {
                    c.reply_scroll = scrolled(0, isize::MAX / 2, view.limits.reply.get())
                }
                KeyCode::PageDown | KeyCode::Char(' ') => {
                    c.reply_scroll = scrolled(c.reply_scroll, page, view.limits.reply.get())
                }
                KeyCode::PageUp => {
                    c.reply_scroll = scrolled(c.reply_scroll, -page, view.limits.reply.get())
                }
                _ => return KeyOutcome::Ignored,
            }
        }
    }
    KeyOutcome::Handled
}

/// The mouse wheel over the lab pane: `lines` rows down (up when negative) in what is shown,
/// as the tab's own keys move it — the detail pane, the Brief, Results and the Console's reply
/// scroll; Traffic's and the Org's lists move their selection a row per notch.
pub fn on_wheel(view: &mut LabView, lines: isize) {
    let limits = &view.limits;
    if view.detail.is_some() {
        view.detail_scroll = scrolled(view.detail_scroll, lines, limits.detail.get());
        return;
    }
    let notch = lines.signum();
    match view.tab {
        LabTab::Brief => view.brief_scroll = scrolled(view.brief_scroll, lines, limits.brief.get()),
        LabTab::Results => {
            view.results_scroll = scrolled(limits.results_top.get(), lines, limits.results.get());
            view.results_follow = false;
        }
        LabTab::Traffic => {
            let n = view.listed_exchanges().len();
            step(&mut view.traffic_sel, notch, n);
        }
        LabTab::Org if view.org.in_records => {
            let n = view.org.selected_records().len();
            step(&mut view.org.record_sel, notch, n);
        }
        LabTab::Org => {
            let n = view.org.snapshot.objects.len();
            step(&mut view.org.object_sel, notch, n);
            view.org.record_sel = 0;
        }
        LabTab::Console => {
            let c = &mut view.console;
            c.reply_scroll = scrolled(c.reply_scroll, lines, limits.reply.get());
        }
    }
}

/// Results: ↑↓ j k g G move the selected rule (the pane follows it), PgUp PgDn space page
/// through the whole tab, ⏎ shows the rule's evidence, d its diff, o the run's whole output.
fn on_results(view: &mut LabView, key: KeyEvent, delta: isize, page: isize) -> KeyOutcome {
    let paged = match key.code {
        KeyCode::PageDown | KeyCode::Char(' ') => Some(page),
        KeyCode::PageUp => Some(-page),
        _ => None,
    };
    if let Some(rows) = paged {
        // A page is what the pane showed (less than the tab's height under a run's line).
        let shown = view.limits.results_rows.get() as isize;
        let rows = if shown > 0 {
            rows.signum() * rows.abs().min(shown)
        } else {
            rows
        };
        let top = view.limits.results_top.get();
        view.results_scroll = scrolled(top, rows, view.limits.results.get());
        view.results_follow = false;
        return KeyOutcome::Handled;
    }
    if key.code == KeyCode::Char('o') {
        return whole_output(view);
    }
    let Some(outcome) = &view.outcome else {
        // ⏎ and d need a judged attempt: say why there is none.
        if !matches!(
            key.code,
            KeyCode::Enter | KeyCode::Char('l') | KeyCode::Right | KeyCode::Char('d')
        ) {
            return KeyOutcome::Ignored;
        }
        return KeyOutcome::Say(if view.running() {
            "the checks are running: their evidence and diffs come when they finish".into()
        } else if view.error.is_some() {
            "the last attempt could not be judged, so it has no evidence or diff".into()
        } else {
            "no results yet: r runs the checks".into()
        });
    };
    let n = outcome.verdicts.len();
    let Some(v) = outcome
        .verdicts
        .get(view.results_sel.min(n.saturating_sub(1)))
    else {
        return KeyOutcome::Ignored;
    };
    match key.code {
        KeyCode::Enter | KeyCode::Char('l') | KeyCode::Right => {
            if v.evidence.is_empty() {
                return KeyOutcome::Say(format!("{} names no exchange as evidence", v.rule));
            }
            let (rule, seqs) = (v.rule.clone(), v.evidence.clone());
            view.traffic_filter = Some((rule, seqs));
            view.traffic_sel = 0;
            view.tab = LabTab::Traffic;
        }
        KeyCode::Char('d') => {
            if v.diff.is_none() {
                return KeyOutcome::Say(format!("{} has no diff to show", v.rule));
            }
            view.detail = Some(Detail::Diff(view.results_sel));
            view.detail_scroll = 0;
        }
        _ if delta != 0 => {
            step(&mut view.results_sel, delta, n);
            // The top goes back to the header with the first rule; otherwise the pane moves
            // from where it is just enough to show the selected rule.
            view.results_scroll = if view.results_sel == 0 {
                0
            } else {
                view.limits.results_top.get()
            };
            view.results_follow = true;
        }
        _ => return KeyOutcome::Ignored,
    }
    KeyOutcome::Handled
}

/// `o` on Results: every run's whole stdout and stderr in the detail pane (Results shows
/// their last lines only).
fn whole_output(view: &mut LabView) -> KeyOutcome {
    if view.runs.is_empty() {
        return KeyOutcome::Say("no run yet: r runs the checks".into());
    }
    if super::output::whole_output(&view.runs).is_none() {
        let which = if view.runs.len() == 1 {
            "the last run"
        } else {
            "the runs"
        };
        return KeyOutcome::Say(format!("{which} wrote nothing to stdout or stderr"));
    }
    view.detail = Some(Detail::Output);
    view.detail_scroll = 0;
    KeyOutcome::Handled
}

/// Closes the rule's evidence listed on Traffic and goes back to Results, where it was
/// opened, with that rule still selected; Traffic lists every exchange again.
pub fn close_evidence(view: &mut LabView) {
    view.traffic_filter = None;
    view.traffic_sel = 0;
    view.tab = LabTab::Results;
}

/// Traffic: ⏎ opens an exchange, s saves a HAR file; over a rule's evidence (opened from
/// Results) Esc / h go back to Results and `a` lists every exchange.
fn on_traffic(view: &mut LabView, key: KeyEvent, delta: isize) -> KeyOutcome {
    let listed: Vec<u64> = view.listed_exchanges().iter().map(|e| e.seq).collect();
    match key.code {
        KeyCode::Enter | KeyCode::Char('l') | KeyCode::Right => {
            if let Some(seq) = listed.get(view.traffic_sel) {
                view.detail = Some(Detail::Exchange(*seq));
                view.detail_scroll = 0;
            }
        }
        // A rule's evidence was opened from Results: back goes there.
        KeyCode::Esc | KeyCode::Char('h') | KeyCode::Left if view.traffic_filter.is_some() => {
            close_evidence(view);
        }
        KeyCode::Char('a') if view.traffic_filter.is_some() => {
            view.traffic_filter = None;
            view.traffic_sel = 0;
        }
        KeyCode::Char('s') => {
            if view.ran_without_traffic() {
                return KeyOutcome::Say(
                    "nothing to save: this run made no request to the org".into(),
                );
            }
            if view.exchanges.is_empty() {
                return KeyOutcome::Say("no traffic to save yet: press r to run the checks".into());
            }
            return KeyOutcome::Command(LabCommand::WriteHar {
                lab: view.lab.clone(),
                exchanges: view.exchanges.clone(),
            });
        }
        _ if delta != 0 => step(&mut view.traffic_sel, delta, listed.len()),
        _ => return KeyOutcome::Ignored,
    }
    KeyOutcome::Handled
}
