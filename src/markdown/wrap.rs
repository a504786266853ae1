//! Word wrapping of styled text to a display width, and the small line type layout builds on.
//!
//! Widths are terminal cells (`unicode-width`), so wide characters count twice. A word longer
//! than the width is broken between characters, so no line is ever wider than asked. In
//! prose ([`wrap_prose`]) each further piece of a broken word — a long URL, most often —
//! starts with the `┆ ` mark code blocks use for a cut line, so the whole word can be read
//! and the break is not taken for a space; a pipe joins the pieces again
//! ([`RLine::rest_of_word`]).

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
    /// The line starts with the [`BROKEN_WORD_MARK`] and the rest of a word that the line
    /// before could not hold (its text starts at `text_at`).
    pub rest_of_word: bool,
}

/// What starts each further piece of a word broken to fit a line of prose.
pub const BROKEN_WORD_MARK: &str = "┆ ";

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
            rest_of_word: false,
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
            } else if c.is_whitespace() && c != '\u{a0}' {
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
    /// Whether each further piece of a broken word starts with [`BROKEN_WORD_MARK`].
    mark_breaks: bool,
    /// For each line in `out`, whether it starts with the mark.
    marked: Vec<bool>,
    /// Whether the current line starts with the mark.
    cur_marked: bool,
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
        self.marked.push(std::mem::take(&mut self.cur_marked));
        self.cur_w = 0;
    }

    /// Starts a line with the rest of a word the line before broke.
    fn newline_in_word(&mut self) {
        self.newline(Some(false));
        if self.mark_breaks && self.width > BROKEN_WORD_MARK.width() {
            self.push(BROKEN_WORD_MARK, Style::new(), BROKEN_WORD_MARK.width());
            self.cur_marked = true;
        }
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
                if self.cur_w == 0 || self.cur_marked && self.cur_w == BROKEN_WORD_MARK.width() {
                    // Wider than a whole line (a wide character in a narrow column).
                    self.push_chars(&chars[i..i + 1]);
                    i += 1;
                }
                self.newline_in_word();
                continue;
            }
            let end = (i + 1..fit)
                .rev()
                .find(|&k| matches!(chars[k - 1].0, '-' | '/'))
                .unwrap_or(fit);
            self.push_chars(&chars[i..end]);
            self.newline_in_word();
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

/// Wraps styled runs to `width` cells. Spaces collapse; `\n` forces a break; a no-break
/// space (U+00A0) holds the words either side of it together.
pub fn wrap(runs: &[(String, Style)], width: usize) -> Vec<Vec<Span<'static>>> {
    wrap_with(runs, width, false).0
}

/// Like [`wrap`], for prose (a lesson's paragraph, a hint): each further piece of a word too
/// long for a line (a lesson's sources, a link's address) starts with [`BROKEN_WORD_MARK`].
pub fn wrap_prose(runs: &[(String, Style)], width: usize) -> Vec<RLine> {
    let (lines, joins, marked) = wrap_with(runs, width, true);
    lines
        .into_iter()
        .zip(joins)
        .zip(marked)
        .map(|((spans, continues), rest_of_word)| {
            let chars = spans.iter().map(|s| s.content.chars().count()).sum();
            let start = if rest_of_word {
                BROKEN_WORD_MARK.chars().count()
            } else {
                0
            };
            RLine {
                text_at: Some((start, chars)),
                continues,
                rest_of_word,
                ..RLine::new(spans)
            }
        })
        .collect()
}

/// The wrapped lines, how each goes on from the one before, and which start with the mark.
type Wrapped = (Vec<Vec<Span<'static>>>, Vec<Option<bool>>, Vec<bool>);

fn wrap_with(runs: &[(String, Style)], width: usize, mark_breaks: bool) -> Wrapped {
    let width = width.max(1);
    let mut lines = Lines {
        width,
        out: Vec::new(),
        cur: Vec::new(),
        cur_w: 0,
        joins: Vec::new(),
        join: None,
        mark_breaks,
        marked: Vec::new(),
        cur_marked: false,
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
                if lines.cur_w + w <= width {
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
    (lines.out, lines.joins, lines.marked)
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
    fn a_url_too_long_for_a_line_goes_on_over_lines_marked_as_cut() {
        let url = "https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_upsert.htm";
        let runs = vec![(
            format!("Upsert a Record — {url} and more"),
            Style::default(),
        )];
        let lines = wrap_prose(&runs, 40);
        let shown = prose(&lines);
        assert!(shown.iter().all(|l| l.width() <= 40), "{shown:#?}");
        assert_eq!(shown[0], "Upsert a Record —");
        assert!(shown[1].starts_with("https://"), "{shown:#?}");
        // Each further piece is marked, and the pieces read back as the whole URL.
        let pieces: Vec<&RLine> = lines.iter().filter(|l| l.rest_of_word).collect();
        assert!(!pieces.is_empty(), "{shown:#?}");
        let mut whole = shown[1].clone();
        for (line, text) in lines.iter().zip(&shown).skip(2) {
            if !line.rest_of_word {
                assert!(text.ends_with("and more"), "{shown:#?}");
                break;
            }
            assert!(text.starts_with(BROKEN_WORD_MARK), "{shown:#?}");
            assert_eq!(line.continues, Some(false));
            let (start, end) = line.text_at.unwrap();
            let piece: String = text.chars().skip(start).take(end - start).collect();
            whole.push_str(piece.split(' ').next().unwrap());
        }
        assert_eq!(whole, url);
        // Where nothing marks the cut (a table's cell), it is broken plain.
        let plain = text(&wrap(&runs, 40));
        assert!(plain.iter().all(|l| l.width() <= 40 && !l.contains('┆')));
    }

    #[test]
    fn a_no_break_space_keeps_its_words_on_one_line() {
        let runs = vec![("checks it  1\u{a0}point".to_string(), Style::new())];
        assert_eq!(text(&wrap(&runs, 10)), vec!["checks it", "1\u{a0}point"]);
    }

    #[test]
    fn hard_break_keeps_every_character() {
        assert_eq!(hard_break("abcdef", 4), vec!["abcd", "ef"]);
        assert_eq!(hard_break("", 4), vec![""]);
    }
}
