//! A status-bar message made to fit its one line by shortening the middle of the file paths
//! in it, so the part that matters — the file or folder name (where a HAR file or a reset's
//! backup went) — stays readable instead of being cut off at the end of the line.
//!
//! A message too long for one line even so goes on over a few rows ([`message_rows`]), so
//! the whole instruction (a command to run, where a file went) can be read.
//!
//! Implementation notes: widths are counted in characters, which is what paths are made of
//! in practice. Fewer rows win over whole paths: a message takes another row only when
//! shortening its paths cannot keep it to the rows it has.

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

/// `message` in at most `max_rows` rows of `width` cells, in as few rows as shortening its
/// paths allows. Rows break at spaces (a word longer than a row is cut where the row ends);
/// when `max_rows` rows are too few even so, the last one ends in `…`.
pub fn message_rows(message: &str, width: usize, max_rows: usize) -> Vec<String> {
    let width = width.max(1);
    let max_rows = max_rows.max(1);
    for rows in 1..=max_rows {
        // Each step down shortens the paths by one more character, until they can give no more.
        let mut budget = rows * width;
        loop {
            let fitted = fit_message(message, budget);
            let wrapped = wrap(&fitted, width);
            if wrapped.len() <= rows {
                return wrapped;
            }
            if fitted.width() > budget || budget == 0 {
                break;
            }
            budget = budget.min(fitted.width()) - 1;
        }
    }
    let mut wrapped = wrap(&fit_message(message, max_rows * width), width);
    wrapped.truncate(max_rows);
    if let Some(last) = wrapped.last_mut() {
        let cut: String = last
            .chars()
            .scan(0, |w, c| {
                *w += c.to_string().width();
                (*w < width).then_some(c)
            })
            .collect();
        *last = format!("{cut}…");
    }
    wrapped
}

/// `text` in rows of at most `width` cells, broken at spaces; a word longer than a row is cut
/// where the row ends and goes on in the next.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut rows = Vec::new();
    let mut row = String::new();
    for word in text.split_whitespace() {
        let gap = usize::from(!row.is_empty());
        if row.width() + gap + word.width() <= width {
            if gap == 1 {
                row.push(' ');
            }
            row.push_str(word);
            continue;
        }
        if !row.is_empty() {
            rows.push(std::mem::take(&mut row));
        }
        for c in word.chars() {
            if row.width() + c.to_string().width() > width {
                rows.push(std::mem::take(&mut row));
            }
            row.push(c);
        }
    }
    if !row.is_empty() || rows.is_empty() {
        rows.push(row);
    }
    rows
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
    fn a_message_too_long_for_one_row_goes_on_over_the_next_with_every_word() {
        let msg = "no sandbox is logged in, so the checks run on the mock org: `sflab org login` connects one";
        let rows = message_rows(msg, 78, 3);
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert!(rows.iter().all(|r| r.width() <= 78), "{rows:?}");
        assert_eq!(rows.join(" "), msg, "nothing is cut");
        assert_eq!(message_rows("watch on", 78, 3), ["watch on"]);
    }

    #[test]
    fn a_path_gives_way_before_a_message_takes_another_row() {
        let msg = "wrote 1 exchange to /home/learner/projects/sflab-workspace/rest-first-call/traffic-20261130-014524.har (HAR 1.2, opens in a browser's network panel)";
        let rows = message_rows(msg, 78, 3);
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert!(rows.iter().all(|r| r.width() <= 78), "{rows:?}");
        let joined = rows.join(" ");
        assert!(joined.contains("…/traffic-20261130-014524.har"), "{joined}");
        assert!(
            joined.ends_with("(HAR 1.2, opens in a browser's network panel)"),
            "{joined}"
        );
    }

    #[test]
    fn a_message_too_long_for_every_row_ends_in_an_ellipsis() {
        let msg = "word ".repeat(60);
        let rows = message_rows(&msg, 20, 3);
        assert_eq!(rows.len(), 3);
        assert!(rows[2].ends_with('…'), "{rows:?}");
        assert!(rows.iter().all(|r| r.width() <= 20), "{rows:?}");
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
