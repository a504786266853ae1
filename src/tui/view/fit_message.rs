//! A status-bar message made to fit its one line by shortening the middle of the file paths
//! in it, so the part that matters — the file or folder name (where a HAR file or a reset's
//! backup went) — stays readable instead of being cut off at the end of the line.
//!
//! Implementation notes: widths are counted in characters, which is what paths are made of
//! in practice; text that still does not fit is cut at the end by the status bar as before.

use unicode_width::UnicodeWidthStr;

/// `message` in at most `room` cells where shortening its paths (the longest first) can do
/// it; otherwise as short as its paths allow.
pub fn fit_message(message: &str, room: usize) -> String {
    let width = message.width();
    if width <= room {
        return message.to_string();
    }
    let mut over = width - room;
    let mut words: Vec<String> = message.split(' ').map(str::to_string).collect();
    let mut paths: Vec<usize> = (0..words.len())
        .filter(|&i| words[i].contains('/') && words[i].chars().count() > 2)
        .collect();
    paths.sort_by_key(|&i| std::cmp::Reverse(words[i].chars().count()));
    for i in paths {
        if over == 0 {
            break;
        }
        let len = words[i].chars().count();
        let short = shorten_middle(&words[i], len.saturating_sub(over));
        over = over.saturating_sub(len - short.chars().count());
        words[i] = short;
    }
    words.join(" ")
}

/// `path` in at most `room` characters (never fewer than its last component and `…` need,
/// when those fit): its start, `…`, then its end with the last component whole.
fn shorten_middle(path: &str, room: usize) -> String {
    let chars: Vec<char> = path.chars().collect();
    if chars.len() <= room {
        return path.to_string();
    }
    let name = chars.len() - chars.iter().rposition(|&c| c == '/').unwrap_or(0);
    let keep = room.max(name + 1).min(chars.len()).saturating_sub(1);
    let head = keep.saturating_sub(name);
    let tail = keep - head;
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[chars.len() - tail..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_path_loses_its_middle_and_keeps_the_file_name() {
        let msg = "wrote 1 exchange(s) to /tmp/s12/tui/fresh/sflab-workspace/rest-first-call/traffic-20261130-014524.har (HAR 1.2)";
        let fitted = fit_message(msg, 80);
        assert_eq!(fitted.chars().count(), 80, "{fitted}");
        assert!(
            fitted.starts_with("wrote 1 exchange(s) to /tmp/"),
            "{fitted}"
        );
        assert!(
            fitted.ends_with("…/traffic-20261130-014524.har (HAR 1.2)"),
            "{fitted}"
        );
    }

    #[test]
    fn a_message_that_fits_is_left_alone_and_a_tiny_room_keeps_the_name() {
        assert_eq!(fit_message("watch on", 80), "watch on");
        let backup = "your version is in /home/me/sflab-workspace/rest-crud.backup-20261130-014524";
        let fitted = fit_message(backup, 40);
        assert!(
            fitted.ends_with("…/rest-crud.backup-20261130-014524"),
            "the folder name stays whole even past the room: {fitted}"
        );
    }
}
