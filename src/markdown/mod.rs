//! Lesson markdown → ratatui text: parsed once into a block list, laid out per width.
//!
//! [`Document::parse`] runs pulldown-cmark once; [`Document::layout`] wraps it to a width and
//! gives back a [`Layout`]: the styled lines, a plain-text copy of each line (for search and
//! for `sflab lesson`), and where each heading starts (for `]` / `[`). [`LayoutCache`] keeps
//! one document per lesson and one layout per (lesson, width).

mod blocks;
mod callout;
mod highlight;
mod layout;
mod table;
mod wrap;

pub use blocks::{parse as parse_blocks, Align, Block, Inline, InlineStyle};
pub use highlight::{highlight, Family};
pub use layout::cut_code_line as cut_runs;
pub use wrap::wrap as wrap_runs;

use crate::tui::theme::Theme;
use ratatui::text::{Line, Text};
use std::collections::HashMap;
use std::sync::Arc;

/// The narrowest width a lesson is laid out at; narrower requests use this.
pub const MIN_WIDTH: u16 = 24;

/// A lesson's markdown, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    blocks: Vec<Block>,
}

/// Where a heading starts in a layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadingMark {
    pub line: usize,
    pub level: u8,
    pub title: String,
}

/// How a line of wrapped prose goes on from the line before it, which wrapping cut: search
/// reads the two as the one line they were (`rest/dome` is found across the cut).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrapJoin {
    /// A space stood where the line was cut (else the cut fell inside a word).
    pub space: bool,
    /// Where the text ends on the line before (a character index).
    pub before_end: usize,
    /// Where the text starts on this line (a character index: after a list's indentation).
    pub start: usize,
}

/// A document laid out at one width.
#[derive(Debug, Clone)]
pub struct Layout {
    pub width: u16,
    pub lines: Vec<Line<'static>>,
    /// The text of each line without styles; same length as `lines`.
    pub plain: Vec<String>,
    pub headings: Vec<HeadingMark>,
    /// For each line, how it goes on from the line before when wrapping cut the text there;
    /// same length as `lines`.
    pub joins: Vec<Option<WrapJoin>>,
}

impl Document {
    pub fn parse(markdown: &str) -> Document {
        Document {
            blocks: blocks::parse(markdown),
        }
    }

    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// Lays the document out so that no line is wider than `width` cells.
    pub fn layout(&self, width: u16, theme: &Theme) -> Layout {
        let width = width.max(MIN_WIDTH);
        let rlines = layout::layout_blocks(&self.blocks, width as usize, 0, false, theme);
        let mut lines = Vec::with_capacity(rlines.len());
        let mut plain = Vec::with_capacity(rlines.len());
        let mut headings = Vec::new();
        let mut joins = Vec::with_capacity(rlines.len());
        let mut before: Option<(usize, usize)> = None;
        for (i, rl) in rlines.into_iter().enumerate() {
            joins.push(match (rl.continues, rl.text_at, before) {
                (Some(space), Some((start, _)), Some((_, before_end))) => Some(WrapJoin {
                    space,
                    before_end,
                    start,
                }),
                _ => None,
            });
            before = rl.text_at;
            let text: String = rl.spans.iter().map(|s| s.content.as_ref()).collect();
            if let Some(level) = rl.heading {
                headings.push(HeadingMark {
                    line: i,
                    level,
                    title: text.trim().to_string(),
                });
            }
            plain.push(text);
            lines.push(Line::from(rl.spans));
        }
        Layout {
            width,
            lines,
            plain,
            headings,
            joins,
        }
    }
}

impl Layout {
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The styled lines `[from, from + count)`.
    pub fn window(&self, from: usize, count: usize) -> Text<'static> {
        let from = from.min(self.lines.len());
        let to = (from + count).min(self.lines.len());
        Text::from(self.lines[from..to].to_vec())
    }

    /// The whole layout as plain text, one line per line, trailing spaces trimmed.
    pub fn to_plain_text(&self) -> String {
        let mut out = String::new();
        for line in &self.plain {
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Renders markdown as plain text wrapped at `width` (for pipes and screen readers).
pub fn render_plain(markdown: &str, width: u16) -> String {
    Document::parse(markdown)
        .layout(width, &Theme::monochrome())
        .to_plain_text()
}

/// Renders markdown as plain text for a pipe or a file: like [`render_plain`], but each line
/// of a code block is printed as written, with no gutter and never cut, so a command copied
/// from the output runs, and a word broken over lines (a URL) is printed whole. The boxes'
/// top and bottom lines stay, on lines of their own.
pub fn render_for_pipe(markdown: &str, width: u16) -> String {
    let width = width.max(MIN_WIDTH);
    let blocks = blocks::parse(markdown);
    let theme = Theme::monochrome();
    // Each line's characters, and where its wrapped text ends among them.
    let mut lines: Vec<(Vec<char>, Option<usize>)> = Vec::new();
    for line in layout::layout_blocks(&blocks, width as usize, 0, false, &theme) {
        let text: String = match line.code {
            Some(wrap::CodeLine::Continuation) => continue,
            Some(wrap::CodeLine::Source(written)) => written,
            None => line.spans.iter().map(|s| s.content.as_ref()).collect(),
        };
        let text: Vec<char> = text.chars().collect();
        let end = line.text_at.map(|(_, end)| end);
        // A word broken to fit (a URL) is printed whole, so it can be copied as one: the
        // piece goes back where the line before broke it (inside a call-out's border).
        match (line.rest_of_word, line.text_at, lines.last_mut()) {
            (true, Some((start, end)), Some((before, Some(before_end)))) => {
                let after = before.split_off((*before_end).min(before.len()));
                let piece = text.get(start..end).unwrap_or_default();
                before.extend_from_slice(piece);
                *before_end += piece.len();
                before.extend(after);
            }
            _ => lines.push((text, end)),
        }
    }
    let mut out = String::new();
    for (text, _) in lines {
        let text: String = text.into_iter().collect();
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out
}

/// Parsed documents per lesson and layouts per (lesson, width).
#[derive(Debug)]
pub struct LayoutCache {
    theme: Theme,
    documents: HashMap<String, Arc<Document>>,
    layouts: HashMap<(String, u16), Arc<Layout>>,
}

/// Layouts kept before the cache starts over (a user dragging a window edge makes many).
const MAX_LAYOUTS: usize = 64;

impl LayoutCache {
    pub fn new(theme: Theme) -> LayoutCache {
        LayoutCache {
            theme,
            documents: HashMap::new(),
            layouts: HashMap::new(),
        }
    }

    pub fn theme(&self) -> Theme {
        self.theme
    }

    /// The layout of lesson `key` at `width`, parsing `markdown` only the first time.
    pub fn layout(&mut self, key: &str, markdown: &str, width: u16) -> Arc<Layout> {
        let width = width.max(MIN_WIDTH);
        if let Some(l) = self.layouts.get(&(key.to_string(), width)) {
            return l.clone();
        }
        let doc = self
            .documents
            .entry(key.to_string())
            .or_insert_with(|| Arc::new(Document::parse(markdown)))
            .clone();
        if self.layouts.len() >= MAX_LAYOUTS {
            self.layouts.clear();
        }
        let layout = Arc::new(doc.layout(width, &self.theme));
        self.layouts
            .insert((key.to_string(), width), layout.clone());
        layout
    }

    /// How many layouts are cached (for tests and benchmarks).
    pub fn cached_layouts(&self) -> usize {
        self.layouts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_width::UnicodeWidthStr;

    fn text(md: &str, width: u16) -> Vec<String> {
        render_plain(md, width)
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn assert_fits(lines: &[String], width: usize) {
        for l in lines {
            assert!(l.width() <= width, "line wider than {width}: {l:?}");
        }
    }

    #[test]
    fn control_characters_in_a_lesson_are_shown_not_sent_to_the_terminal() {
        let out = render_plain(
            "abc\x00def\x01\x1b[31mRED\x1b]0;pwned\x07\r\n\r\nnext\r\n",
            80,
        );
        assert!(out.contains("abc␀def␁␛[31mRED␛]0;pwned␇"), "{out}");
        assert!(
            !out.contains(|c: char| c.is_control() && c != '\n'),
            "{out:?}"
        );
        assert!(
            out.contains("\nnext"),
            "CRLF line breaks still break lines: {out:?}"
        );
    }

    #[test]
    fn wide_table_cells_wrap_within_the_width() {
        let md = "| field | meaning |\n|---|---|\n| ExternalId__c | the key an upsert matches on, so that running the same load twice updates the record instead of creating a duplicate |\n";
        let lines = text(md, 40);
        assert_fits(&lines, 40);
        assert!(lines[0].starts_with('┌') && lines[0].ends_with('┐'));
        let body_rows = lines.iter().filter(|l| l.starts_with("│ ")).count();
        assert!(
            body_rows >= 4,
            "the long cell should wrap over several lines: {lines:#?}"
        );
        assert!(lines.iter().any(|l| l.contains("ExternalId__c")));
        assert!(lines.last().is_some_and(|l| l.starts_with('└')));
    }

    #[test]
    fn table_with_an_unbreakable_word_still_fits() {
        let md = "| a | b | c |\n|---|---|---|\n| https://example.my.salesforce.com/services/data/v62.0/sobjects | x | y |\n";
        for width in [24u16, 30, 50] {
            assert_fits(&text(md, width), width as usize);
        }
    }

    #[test]
    fn nested_lists_indent_under_their_parent() {
        let lines = text("- outer\n  - inner\n    - deepest\n- next\n", 60);
        assert_eq!(lines[0], " • outer");
        assert_eq!(lines[1], "    ◦ inner");
        assert_eq!(lines[2], "       ▪ deepest");
        assert_eq!(lines[3], " • next");
    }

    #[test]
    fn loose_list_items_keep_their_paragraphs_apart() {
        let lines = text("- first\n\n  more about it\n\n- second\n", 60);
        assert_eq!(
            lines,
            vec![" • first", "", "   more about it", "", " • second"]
        );
    }

    #[test]
    fn third_level_headings_are_underlined_lightly() {
        assert_eq!(
            text("### Retry budget", 40),
            vec!["Retry budget", "┄┄┄┄┄┄┄┄┄┄┄┄"]
        );
    }

    #[test]
    fn ordered_list_items_wrap_with_a_hanging_indent() {
        let lines = text("1. first step is long enough to wrap here\n2. second\n", 28);
        assert_eq!(lines[0], " 1. first step is long");
        assert_eq!(lines[1], "    enough to wrap here");
        assert_eq!(lines[2], " 2. second");
    }

    #[test]
    fn code_block_shows_its_language_label() {
        let lines = text("```bash\ncurl -s \"$SF_INSTANCE_URL\"\n```\n", 60);
        assert_eq!(lines[0], "╭─ bash");
        assert_eq!(lines[1], "│ curl -s \"$SF_INSTANCE_URL\"");
        assert_eq!(lines[2], "╰─");
    }

    #[test]
    fn output_for_a_pipe_prints_code_lines_as_written() {
        let long = format!("curl -sS \"$SF_INSTANCE_URL/{}\"", "x".repeat(70));
        let md = format!("Run this:\n\n```bash\n{long}\necho done\n```\n\n- in a list:\n\n  ```\n  jq -r .id\n  ```\n");
        let out = render_for_pipe(&md, 40);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines.contains(&long.as_str()), "{lines:#?}");
        assert!(lines.contains(&"echo done"), "{lines:#?}");
        assert!(lines.contains(&"jq -r .id"), "{lines:#?}");
        assert!(!out.contains('┆') && !out.contains("│ "), "{out}");
        // On a terminal the code stays boxed.
        assert!(render_plain(&md, 40).contains("│ echo done"));
    }

    #[test]
    fn a_long_url_in_a_lesson_wraps_marked_on_screen_and_prints_whole_to_a_pipe() {
        let url = "https://help.salesforce.com/s/articleView?id=xcloud.external_client_apps_overview.htm&type=5";
        let md = format!("## Sources\n\n- [External Client Apps]({url})\n\n> Note: see {url}\n");
        let lines = text(&md, 40);
        assert_fits(&lines, 40);
        assert!(lines.iter().any(|l| l.contains("┆ ")), "{lines:#?}");
        let out = render_for_pipe(&md, 40);
        assert!(out.contains(&format!("({url})")), "{out}");
        assert!(out.contains(&format!("│ {url}")), "{out}");
        assert!(!out.contains('┆'), "{out}");
    }

    #[test]
    fn long_code_lines_continue_instead_of_overflowing() {
        let long = "x".repeat(70);
        let lines = text(&format!("```\n{long}\n```\n"), 40);
        assert_fits(&lines, 40);
        assert!(lines[2].starts_with("┆ "), "{lines:#?}");
    }

    #[test]
    fn callouts_are_boxed_with_a_glyph_and_label() {
        let lines = text("Common mistake: retrying a 400 Bad Request.\n", 60);
        assert!(lines[0].starts_with("╭─ ⚠ Common mistake "), "{lines:#?}");
        assert_eq!(lines[1], "│ retrying a 400 Bad Request. │");
        assert!(lines[2].starts_with('╰') && lines[2].ends_with('╯'));
        let w = lines[0].width();
        assert!(
            lines.iter().all(|l| l.width() == w),
            "box edges line up: {lines:#?}"
        );
    }

    #[test]
    fn headings_are_indexed_for_jumping() {
        let layout =
            Document::parse("# One\n\ntext\n\n## Two\n\nmore\n").layout(40, &Theme::monochrome());
        let marks: Vec<_> = layout
            .headings
            .iter()
            .map(|h| (h.line, h.level, h.title.as_str()))
            .collect();
        assert_eq!(marks, vec![(0, 1, "One"), (5, 2, "Two")]);
        assert_eq!(layout.plain[1], "═══");
    }

    #[test]
    fn links_show_text_and_url() {
        let lines = text("Read [the REST guide](https://example.com/rest).", 80);
        assert_eq!(lines[0], "Read the REST guide (https://example.com/rest).");
    }

    proptest::proptest! {
        #[test]
        fn no_line_is_ever_wider_than_the_layout(
            cells in proptest::collection::vec("[a-zA-Z0-9_ ./:-]{0,60}", 6),
            words in "[a-z ]{0,200}",
            width in 24u16..140,
        ) {
            let md = format!(
                "# {words}\n\n| {} | {} | {} |\n|---|---|---|\n| {} | {} | {} |\n\n- {words}\n  - {words}\n\n> Note: {words}\n\n```bash\n{words}{words}\n```\n",
                cells[0], cells[1], cells[2], cells[3], cells[4], cells[5]
            );
            for line in text(&md, width) {
                proptest::prop_assert!(line.width() <= width as usize, "{:?} at {}", line, width);
            }
        }
    }

    #[test]
    fn cache_parses_once_and_lays_out_per_width() {
        let mut cache = LayoutCache::new(Theme::monochrome());
        let a = cache.layout("l", "# T\n\nbody", 60);
        let b = cache.layout("l", "ignored: already parsed", 60);
        assert!(Arc::ptr_eq(&a, &b));
        let c = cache.layout("l", "", 40);
        assert_eq!(c.width, 40);
        assert_eq!(c.plain[0], "T");
        assert_eq!(cache.cached_layouts(), 2);
    }
}
