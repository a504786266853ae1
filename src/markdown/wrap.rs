//! Word wrapping of styled text to a display width, and the small line type layout builds on.
//!
//! Widths are terminal cells (`unicode-width`), so wide characters count twice. A word longer
//! than the width is broken between characters, so no line is ever wider than asked — except,
//! in [`wrap_keeping_urls`], a URL too long for any line: it is kept whole on a line of its
//! own (the screen cuts it at the pane's edge, a terminal wraps it), so it can still be
//! copied or clicked as one.

use ratatui::style::Style;
use ratatui::text::Span;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// One laid-out line: styled pieces, the heading level when the line opens a heading, and
/// what it shows of a code block's source.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RLine {
    pub spans: Vec<Span<'static>>,
    pub heading: Option<u8>,
    pub code: Option<CodeLine>,
    /// Where the wrapped text stands in the line, as character indexes (after a list's
    /// bullet, before a call-out's border): for lines of wrapped prose.
    pub text_at: Option<(usize, usize)>,
    /// The line goes on with the text of the line before it, which wrapping cut: `true`
    /// where a space was, `false` inside a word. `None` for a line that starts anew.
    pub continues: Option<bool>,
}

/// A laid-out line of a code block, for output that prints code as it was written (a pipe,
/// where the gutter and the cut of a long line would be copied with the command).
#[derive(Debug, Clone, PartialEq)]
pub enum CodeLine {
    /// The first piece of a source line; the whole line as written.
    Source(String),
    /// A further piece of a source line cut to fit the width.
    Continuation,
}

impl RLine {
    pub fn new(spans: Vec<Span<'static>>) -> RLine {
        RLine {
            spans,
            heading: None,
            code: None,
            text_at: None,
            continues: None,
        }
    }

    pub fn blank() -> RLine {
        RLine::default()
    }

    pub fn width(&self) -> usize {
        self.spans.iter().map(|s| s.content.width()).sum()
    }

    /// Puts `prefix` in front of the line.
    pub fn prefixed(mut self, prefix: &[Span<'static>]) -> RLine {
        let shift: usize = prefix.iter().map(|s| s.content.chars().count()).sum();
        if let Some((from, to)) = self.text_at.as_mut() {
            *from += shift;
            *to += shift;
        }
        let mut spans = prefix.to_vec();
        spans.append(&mut self.spans);
        self.spans = spans;
        self
    }

    /// Pads with spaces (in `style`) up to `width` cells.
    pub fn padded(mut self, width: usize, style: Style) -> RLine {
        let w = self.width();
        if w < width {
            self.spans.push(Span::styled(" ".repeat(width - w), style));
        }
        self
    }
}

/// Puts `first` before the first line and `rest` before every other line.
pub fn prefix_lines(
    lines: Vec<RLine>,
    first: &[Span<'static>],
    rest: &[Span<'static>],
) -> Vec<RLine> {
    lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| l.prefixed(if i == 0 { first } else { rest }))
        .collect()
}

enum Piece {
    Word(Vec<(String, Style)>, usize),
    Space(Style),
    Break,
}

fn pieces(runs: &[(String, Style)]) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut word: Vec<(String, Style)> = Vec::new();
    let mut word_w = 0;
    let finish = |out: &mut Vec<Piece>, word: &mut Vec<(String, Style)>, w: &mut usize| {
        if !word.is_empty() {
            out.push(Piece::Word(std::mem::take(word), *w));
            *w = 0;
        }
    };
    for (text, style) in runs {
        for c in text.chars() {
            if c == '\n' {
                finish(&mut out, &mut word, &mut word_w);
                out.push(Piece::Break);
            } else if c.is_whitespace() {
                finish(&mut out, &mut word, &mut word_w);
                if !matches!(out.last(), Some(Piece::Space(_))) {
                    out.push(Piece::Space(*style));
                }
            } else {
                match word.last_mut() {
                    Some((t, s)) if s == style => t.push(c),
                    _ => word.push((c.to_string(), *style)),
                }
                word_w += c.width().unwrap_or(0);
            }
        }
    }
    finish(&mut out, &mut word, &mut word_w);
    out
}

struct Lines {
    width: usize,
    out: Vec<Vec<Span<'static>>>,
    cur: Vec<Span<'static>>,
    cur_w: usize,
    /// How each line in `out` goes on from the one before (see [`RLine::continues`]).
    joins: Vec<Option<bool>>,
    /// How the current line goes on from the one before.
    join: Option<bool>,
}

impl Lines {
    fn push(&mut self, text: &str, style: Style, w: usize) {
        match self.cur.last_mut() {
            Some(last) if last.style == style => last.content.to_mut().push_str(text),
            _ => self.cur.push(Span::styled(text.to_string(), style)),
        }
        self.cur_w += w;
    }

    /// Ends the current line; the next one goes on from it as `next` says.
    fn newline(&mut self, next: Option<bool>) {
        self.out.push(std::mem::take(&mut self.cur));
        self.joins.push(std::mem::replace(&mut self.join, next));
        self.cur_w = 0;
    }

    /// Places a word too long for any line. It breaks after a `-` or `/` when one falls on
    /// the line ("Request-" / "reply"), else between characters.
    fn place_broken(&mut self, word: &[(String, Style)]) {
        let chars: Vec<(char, Style, usize)> = word
            .iter()
            .flat_map(|(t, s)| t.chars().map(move |c| (c, *s, c.width().unwrap_or(0))))
            .collect();
        let mut i = 0;
        while i < chars.len() {
            let room = self.width.saturating_sub(self.cur_w);
            let mut used = 0;
            let mut fit = i;
            while fit < chars.len() && used + chars[fit].2 <= room {
                used += chars[fit].2;
                fit += 1;
            }
            if fit == chars.len() {
                self.push_chars(&chars[i..]);
                break;
            }
            if fit == i {
                if self.cur_w == 0 {
                    // Wider than a whole line (a wide character in a narrow column).
                    self.push_chars(&chars[i..i + 1]);
                    i += 1;
                }
                self.newline(Some(false));
                continue;
            }
            let end = (i + 1..fit)
                .rev()
                .find(|&k| matches!(chars[k - 1].0, '-' | '/'))
                .unwrap_or(fit);
            self.push_chars(&chars[i..end]);
            self.newline(Some(false));
            i = end;
        }
    }

    fn push_chars(&mut self, chars: &[(char, Style, usize)]) {
        for (c, style, w) in chars {
            let mut buf = [0u8; 4];
            self.push(c.encode_utf8(&mut buf), *style, *w);
        }
    }
}

/// Wraps styled runs to `width` cells. Spaces collapse; `\n` forces a break.
pub fn wrap(runs: &[(String, Style)], width: usize) -> Vec<Vec<Span<'static>>> {
    wrap_with(runs, width, false).0
}

/// Like [`wrap`], but a URL wider than `width` is never broken: it goes on a line of its own,
/// whole, wider than `width` (prose: a lesson's sources, a link's address).
pub fn wrap_keeping_urls(runs: &[(String, Style)], width: usize) -> Vec<RLine> {
    let (lines, joins) = wrap_with(runs, width, true);
    lines
        .into_iter()
        .zip(joins)
        .map(|(spans, continues)| {
            let chars = spans.iter().map(|s| s.content.chars().count()).sum();
            RLine {
                text_at: Some((0, chars)),
                continues,
                ..RLine::new(spans)
            }
        })
        .collect()
}

/// Whether a word is a web address (after an opening bracket or quote, as in a link's
/// " (https://…)").
fn is_url(word: &[(String, Style)]) -> bool {
    let text: String = word.iter().map(|(t, _)| t.as_str()).collect();
    let text = text.trim_start_matches(['(', '<', '[', '"', '\'']);
    ["https://", "http://"].iter().any(|s| text.starts_with(s))
}

/// The wrapped lines, and how each goes on from the one before.
type Wrapped = (Vec<Vec<Span<'static>>>, Vec<Option<bool>>);

fn wrap_with(runs: &[(String, Style)], width: usize, keep_urls: bool) -> Wrapped {
    let width = width.max(1);
    let mut lines = Lines {
        width,
        out: Vec::new(),
        cur: Vec::new(),
        cur_w: 0,
        joins: Vec::new(),
        join: None,
    };
    let mut space: Option<Style> = None;
    for piece in pieces(runs) {
        match piece {
            Piece::Break => {
                lines.newline(None);
                space = None;
            }
            Piece::Space(style) => space = Some(style),
            Piece::Word(word, w) => {
                if lines.cur_w > 0 {
                    if lines.cur_w + 1 + w <= width {
                        lines.push(" ", space.unwrap_or_default(), 1);
                    } else {
                        lines.newline(Some(true));
                    }
                }
                space = None;
                // (A word that does not fit starts a line of its own here.)
                if lines.cur_w + w <= width || (keep_urls && is_url(&word)) {
                    for (text, style) in &word {
                        lines.push(text, *style, 0);
                    }
                    lines.cur_w += w;
                } else {
                    lines.place_broken(&word);
                }
            }
        }
    }
    if !lines.cur.is_empty() || lines.out.is_empty() {
        lines.newline(None);
    }
    (lines.out, lines.joins)
}

/// The widest unbreakable word, and the width of the whole text on one line (per `\n` part).
pub fn word_and_line_width(runs: &[(String, Style)]) -> (usize, usize) {
    let mut longest_word = 0;
    let mut longest_line = 0;
    let mut line = 0;
    let mut pending_space = false;
    for piece in pieces(runs) {
        match piece {
            Piece::Word(_, w) => {
                longest_word = longest_word.max(w);
                line += w + usize::from(pending_space && line > 0);
                pending_space = false;
            }
            Piece::Space(_) => pending_space = true,
            Piece::Break => {
                longest_line = longest_line.max(line);
                line = 0;
                pending_space = false;
            }
        }
    }
    (longest_word, longest_line.max(line))
}

/// Cuts plain text into pieces of at most `width` cells (for code, which must not reflow).
pub fn hard_break(text: &str, width: usize) -> Vec<&str> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut start = 0;
    let mut w = 0;
    for (i, c) in text.char_indices() {
        let cw = c.width().unwrap_or(0);
        if w + cw > width && i > start {
            out.push(&text[start..i]);
            start = i;
            w = 0;
        }
        w += cw;
    }
    out.push(&text[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prose(lines: &[RLine]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    fn text(lines: &[Vec<Span<'static>>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn words_wrap_at_the_width() {
        let runs = vec![("one two three four".to_string(), Style::new())];
        assert_eq!(text(&wrap(&runs, 9)), vec!["one two", "three", "four"]);
    }

    #[test]
    fn overlong_word_breaks_between_characters() {
        let runs = vec![("abcdefghij".to_string(), Style::new())];
        let lines = text(&wrap(&runs, 4));
        assert_eq!(lines, vec!["abcd", "efgh", "ij"]);
    }

    #[test]
    fn a_word_spanning_two_styles_is_not_split() {
        let bold = Style::new().add_modifier(ratatui::style::Modifier::BOLD);
        let runs = vec![
            ("see ".to_string(), Style::new()),
            ("bold".to_string(), bold),
            (", then".to_string(), Style::new()),
        ];
        assert_eq!(text(&wrap(&runs, 9)), vec!["see bold,", "then"]);
    }

    #[test]
    fn an_overlong_word_breaks_after_a_hyphen_or_slash_on_the_line() {
        let runs = vec![("Request-reply".to_string(), Style::default())];
        assert_eq!(text(&wrap(&runs, 11)), vec!["Request-", "reply"]);
        let runs = vec![("/event/OrderActivated__e".to_string(), Style::default())];
        assert_eq!(
            text(&wrap(&runs, 16)),
            vec!["/event/", "OrderActivated__", "e"]
        );
    }

    #[test]
    fn a_url_too_long_for_a_line_is_kept_whole_on_a_line_of_its_own() {
        let url = "https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_upsert.htm";
        let runs = vec![(
            format!("Upsert a Record — {url} and more"),
            Style::default(),
        )];
        assert_eq!(
            prose(&wrap_keeping_urls(&runs, 40)),
            vec!["Upsert a Record —", url, "and more"]
        );
        let link = vec![(format!("the docs ({url})"), Style::default())];
        assert_eq!(
            prose(&wrap_keeping_urls(&link, 40)),
            vec!["the docs".to_string(), format!("({url})")]
        );
        // Where every line must fit (a table's cell), it is still broken.
        assert!(wrap(&runs, 40)
            .iter()
            .all(|l| l.iter().map(|s| s.content.width()).sum::<usize>() <= 40));
    }

    #[test]
    fn hard_break_keeps_every_character() {
        assert_eq!(hard_break("abcdef", 4), vec!["abcd", "ef"]);
        assert_eq!(hard_break("", 4), vec![""]);
    }
}
