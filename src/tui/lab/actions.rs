//! The lab driver's one-shot actions: the editor (which takes the terminal over until it
//! exits), hints, the reference solution, resetting a lab and writing a HAR file.

use super::driver::LabDriver;
use super::{LabEvent, LabView};
use crate::lab::{next_hint_among, reset_lab, HintChoice};
use crate::tui::event::Event;
use std::time::Duration;

/// Why `H` shows no hint: the checks have not run yet (hints follow the rule that fails),
/// the failing `rule` has none, or nothing failed.
pub fn no_hint_notice(rule: Option<&str>, attempted: bool) -> String {
    match (rule, attempted) {
        (_, false) => {
            "no hint before the first run: r runs the checks, and hints follow the rule that fails"
                .into()
        }
        (Some(r), true) => {
            format!("this lab has no hint for {r}: its message in Results says what is missing")
        }
        (None, true) => {
            "nothing failed in your last attempt, so there is nothing to hint at".into()
        }
    }
}

/// What the status bar says on coming back from `editor` to the lab `view` (when it is the
/// lab open): what runs the checks now — watch, when it is on (it may be running them
/// already), else `r`. With `fallback`, the editor was `vi` for want of $VISUAL or $EDITOR,
/// and the message says how to choose another.
pub fn back_from_editor_notice(view: Option<&LabView>, editor: &str, fallback: bool) -> String {
    let from = if fallback {
        format!("back from {editor} ($EDITOR is not set: export EDITOR=nano to use another)")
    } else {
        "back from the editor".to_string()
    };
    let next = match view {
        Some(v) if v.running() && v.watch => "watch is running the checks",
        Some(v) if v.running() => "the checks are running",
        Some(v) if v.watch => "watch runs the checks on each save",
        _ => "r runs the checks",
    };
    format!("{from}: {next}")
}

/// The rules `H` gives hints for, in order: those `sflab hint` would ([`hint_rules`] of the
/// last stored attempt's `verdicts`), the one asked about (`selected`) first when it is among
/// them — a rule not awarded only because nothing ran is not, while another really failed.
/// Without a stored attempt, the rule asked about alone.
///
/// [`hint_rules`]: crate::lab::hint_rules
pub fn hint_order(
    selected: Option<String>,
    verdicts: Option<&[crate::rules::Verdict]>,
) -> Vec<String> {
    let Some(verdicts) = verdicts else {
        return selected.into_iter().collect();
    };
    let mut rules = crate::lab::hint_rules(verdicts);
    if let Some(at) = selected.and_then(|s| rules.iter().position(|r| *r == s)) {
        let rule = rules.remove(at);
        rules.insert(0, rule);
    }
    rules
}

/// What the status bar says after a reset that kept the learner's files in `backup`. Short,
/// so at 80 columns the backup folder's own name stays whole (the status bar shortens the
/// path's parent to `…`) even for the longest lab names.
pub fn reset_notice(backup: &std::path::Path) -> String {
    format!("reset; yours is in {}", backup.display())
}

impl LabDriver {
    pub(super) fn edit(&mut self, lab: &str) {
        let dir = self.ws.lab_dir(lab);
        let mut targets = self.spec(lab).map(|s| s.files).unwrap_or_default();
        targets.retain(|f| dir.join(f).is_file());
        if targets.is_empty() {
            targets.push("run".into());
        }
        let named = |var: &str| std::env::var(var).ok().filter(|v| !v.trim().is_empty());
        let chosen = named("VISUAL").or_else(|| named("EDITOR"));
        let fallback = chosen.is_none();
        let editor = chosen.unwrap_or_else(|| "vi".into());
        let mut words = editor.split_whitespace();
        let program = words.next().unwrap_or("vi").to_string();
        let args: Vec<&str> = words.collect();
        // The input thread stops reading before the editor starts reading the terminal.
        self.input_paused.pause(Duration::from_millis(500));
        let status = super::super::suspended(|| {
            std::process::Command::new(&program)
                .args(&args)
                .args(&targets)
                .current_dir(&dir)
                .status()
        });
        self.input_paused.resume();
        let _ = self.events.send(Event::Repaint);
        match status {
            Ok(Ok(s)) if s.success() => self.send(LabEvent::BackFromEditor {
                lab: lab.to_string(),
                editor: program.clone(),
                fallback,
            }),
            Ok(Ok(s)) => self.notice(format!("the editor {program} exited with {s}")),
            Ok(Err(e)) | Err(e) => self.notice(format!(
                "could not start the editor {program:?}: {e}. Set $EDITOR (e.g. export EDITOR=nano)."
            )),
        }
        self.send_files(lab);
    }

    pub(super) fn hint(&mut self, lab: &str, failing: Option<String>) {
        let Some(spec) = self.spec(lab) else { return };
        let Some(mut store) = self.store() else {
            return;
        };
        let last = store.last_attempt(lab).ok().flatten();
        let attempted = last.is_some() || failing.is_some();
        let failing = hint_order(failing, last.as_ref().map(|a| a.verdicts.as_slice()));
        let revealed: Vec<(String, u32)> = store
            .hints_revealed(lab)
            .unwrap_or_default()
            .into_iter()
            .map(|h| (h.rule, h.tier))
            .collect();
        let verdicts = last
            .as_ref()
            .map(|a| a.verdicts.as_slice())
            .unwrap_or_default();
        match next_hint_among(&spec, &failing, &revealed, verdicts) {
            HintChoice::Next {
                rule,
                tier,
                nth,
                of,
                ..
            } => {
                let _ = store.reveal_hint(lab, rule.as_deref().unwrap_or(""), tier);
                self.send_hints(lab, &spec, true);
                let about = rule.map(|r| format!(" for {r}")).unwrap_or_default();
                self.notice(format!("hint {nth} of {of}{about}"));
            }
            HintChoice::Exhausted { rule } => self.notice(match rule {
                Some(r) => format!("every hint for {r} is already shown in the brief"),
                None => "every hint is already shown in the brief".into(),
            }),
            HintChoice::NoneAvailable { rule } => {
                self.notice(no_hint_notice(rule.as_deref(), attempted))
            }
        }
    }

    pub(super) fn solution(&mut self, lab: &str) {
        let passed = self
            .store()
            .and_then(|s| s.ever_passed(lab).ok())
            .unwrap_or(false);
        if !passed {
            return self.notice("the solution opens after you pass this lab");
        }
        let prefix = format!("solutions/{lab}/");
        let mut text = String::new();
        for p in self.files.list(&prefix) {
            let rel = &p[prefix.len()..];
            if rel.starts_with("wrong/") {
                continue;
            }
            let body = self.files.read(&p).unwrap_or_default();
            text.push_str(&format!("── {rel}\n{}\n", String::from_utf8_lossy(&body)));
        }
        if text.is_empty() {
            return self.notice("this lab has no reference solution");
        }
        self.send(LabEvent::Text {
            lab: lab.to_string(),
            title: "reference solution".into(),
            text,
        });
    }

    pub(super) fn reset(&mut self, lab: &str) {
        let Some(meta) = self.curriculum.lab(lab) else {
            return;
        };
        match reset_lab(self.files.as_ref(), meta, &self.ws) {
            Ok(out) => {
                if let Some(mut s) = self.store() {
                    let _ = s.mark_started(lab);
                }
                // The folder was moved aside and made anew: a watch follows the new one.
                if self.watch.as_ref().is_some_and(|(w, _)| w == lab) {
                    self.set_watch(lab, true);
                }
                self.notice(match out.backup {
                    Some(b) => reset_notice(&b),
                    None => "starter files restored".into(),
                });
                self.send_files(lab);
                self.send_progress();
            }
            Err(e) => self.notice(e.to_string()),
        }
    }

    pub(super) fn write_har(&self, lab: &str, exchanges: &[crate::evidence::Exchange]) {
        let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
        let path = self.ws.lab_dir(lab).join(format!("traffic-{stamp}.har"));
        let har = crate::har::to_har_string(exchanges);
        match crate::fsutil::write_private_atomic(&path, har.as_bytes()) {
            Ok(()) => self.notice(har_notice(exchanges.len(), &path)),
            Err(e) => self.notice(format!("could not write {}: {e}", path.display())),
        }
    }
}

/// What the status bar says once `count` exchanges are saved to the HAR file at `path`.
pub fn har_notice(count: usize, path: &std::path::Path) -> String {
    format!(
        "wrote {count} exchange{} to {} (HAR 1.2, opens in a browser's network panel)",
        if count == 1 { "" } else { "s" },
        path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::no_hint_notice;

    #[test]
    fn before_the_first_run_no_hint_asks_for_a_run_not_for_more_hints() {
        let before = no_hint_notice(None, false);
        assert!(before.contains("r runs the checks"), "{before}");
        assert!(!before.contains("no hint for"), "{before}");
        let failing = no_hint_notice(Some("state.idempotent"), true);
        assert!(
            failing.contains("no hint for state.idempotent"),
            "{failing}"
        );
        assert!(no_hint_notice(None, true).contains("nothing failed"));
    }
}
