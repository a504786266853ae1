//! The intermediate block list: a lesson's markdown parsed once, laid out many times.
//!
//! pulldown-cmark events are folded into [`Block`]s holding styled [`Inline`] runs; call-outs
//! are recognised as paragraphs close (see `callout`).

use super::callout::{paragraph_or_callout, quote_or_callout};
use crate::tui::theme::CalloutKind;
use pulldown_cmark::{
    Alignment, BlockQuoteKind, CodeBlockKind, Event, Options, Parser, Tag, TagEnd,
};

/// How a run of inline text is styled; flags combine (a strong link, emphasised code…).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InlineStyle {
    pub emphasis: bool,
    pub strong: bool,
    pub strike: bool,
    pub code: bool,
    pub link: bool,
    /// The " (https://…)" shown after a link's text.
    pub url: bool,
}

/// A run of text in one style. A `\n` inside `text` is a hard line break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inline {
    pub text: String,
    pub style: InlineStyle,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

/// One block of a lesson, in reading order.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading {
        level: u8,
        text: Vec<Inline>,
    },
    Paragraph(Vec<Inline>),
    Code {
        lang: String,
        text: String,
    },
    /// `start` is the first number of an ordered list, `None` for bullets. A `loose` list
    /// (items separated by blank lines in the source) keeps blank lines between its blocks.
    List {
        start: Option<u64>,
        items: Vec<Vec<Block>>,
        loose: bool,
    },
    Quote(Vec<Block>),
    Callout {
        kind: CalloutKind,
        body: Vec<Block>,
    },
    Table {
        aligns: Vec<Align>,
        header: Vec<Vec<Inline>>,
        rows: Vec<Vec<Vec<Inline>>>,
    },
    Rule,
}

/// Plain text of a run of inlines.
pub fn plain(inlines: &[Inline]) -> String {
    inlines.iter().map(|i| i.text.as_str()).collect()
}

enum Container {
    Root(Vec<Block>),
    /// A block quote; a GitHub alert (`> [!NOTE]`) carries the call-out it maps to.
    Quote(Vec<Block>, Option<CalloutKind>),
    List {
        start: Option<u64>,
        items: Vec<Vec<Block>>,
        loose: bool,
    },
    Item(Vec<Block>),
}

impl Container {
    fn blocks(&mut self) -> Option<&mut Vec<Block>> {
        match self {
            Container::Root(b) | Container::Quote(b, _) | Container::Item(b) => Some(b),
            Container::List { .. } => None,
        }
    }
}

#[derive(Default)]
struct TableBuilder {
    aligns: Vec<Align>,
    header: Vec<Vec<Inline>>,
    rows: Vec<Vec<Vec<Inline>>>,
    row: Vec<Vec<Inline>>,
}

struct Builder {
    stack: Vec<Container>,
    inline: Vec<Inline>,
    style: InlineStyle,
    emphasis: u32,
    strong: u32,
    strike: u32,
    links: Vec<String>,
    code: Option<(String, String)>,
    heading: Option<u8>,
    table: Option<TableBuilder>,
    html_block: bool,
}

/// Parses markdown (GFM tables, strikethrough and task lists on) into blocks.
pub fn parse(markdown: &str) -> Vec<Block> {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_GFM;
    let mut b = Builder {
        stack: vec![Container::Root(Vec::new())],
        inline: Vec::new(),
        style: InlineStyle::default(),
        emphasis: 0,
        strong: 0,
        strike: 0,
        links: Vec::new(),
        code: None,
        heading: None,
        table: None,
        html_block: false,
    };
    // Control characters in a lesson file are shown, never sent to the terminal.
    let markdown = crate::visible::lesson_source(markdown);
    for event in Parser::new_ext(&markdown, options) {
        b.event(event);
    }
    b.flush_paragraph();
    while b.stack.len() > 1 {
        b.close_container();
    }
    match b.stack.pop() {
        Some(Container::Root(blocks)) => blocks,
        _ => Vec::new(),
    }
}

impl Builder {
    fn push_text(&mut self, text: &str, style: InlineStyle) {
        if text.is_empty() {
            return;
        }
        match self.inline.last_mut() {
            Some(last) if last.style == style => last.text.push_str(text),
            _ => self.inline.push(Inline {
                text: text.to_string(),
                style,
            }),
        }
    }

    fn refresh_style(&mut self) {
        self.style.emphasis = self.emphasis > 0;
        self.style.strong = self.strong > 0;
        self.style.strike = self.strike > 0;
        self.style.link = !self.links.is_empty();
    }

    fn push_block(&mut self, block: Block) {
        // A list holds items, never loose blocks; pulldown-cmark never asks for that, but be safe.
        if let Some(blocks) = self.stack.iter_mut().rev().find_map(|c| c.blocks()) {
            blocks.push(block);
        }
    }

    /// Text gathered outside an explicit paragraph (tight list items) becomes one.
    fn flush_paragraph(&mut self) {
        if self.inline.iter().all(|i| i.text.trim().is_empty()) {
            self.inline.clear();
            return;
        }
        let inlines = std::mem::take(&mut self.inline);
        let block = paragraph_or_callout(inlines);
        self.push_block(block);
    }

    fn close_container(&mut self) {
        self.flush_paragraph();
        let Some(top) = self.stack.pop() else { return };
        match top {
            Container::Root(blocks) => self.stack.push(Container::Root(blocks)),
            Container::Quote(blocks, alert) => {
                let block = match alert {
                    Some(kind) => Block::Callout { kind, body: blocks },
                    None => quote_or_callout(blocks),
                };
                self.push_block(block);
            }
            Container::List {
                start,
                items,
                loose,
            } => self.push_block(Block::List {
                start,
                items,
                loose,
            }),
            Container::Item(blocks) => match self.stack.last_mut() {
                Some(Container::List { items, .. }) => items.push(blocks),
                _ => {
                    for block in blocks {
                        self.push_block(block);
                    }
                }
            },
        }
    }

    fn event(&mut self, event: Event<'_>) {
        if let Some((_, text)) = self.code.as_mut() {
            match event {
                Event::Text(t) => text.push_str(&t),
                Event::End(TagEnd::CodeBlock) => {
                    if let Some((lang, mut text)) = self.code.take() {
                        if text.ends_with('\n') {
                            text.pop();
                        }
                        self.push_block(Block::Code { lang, text });
                    }
                }
                _ => {}
            }
            return;
        }
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => {
                if !self.html_block {
                    self.push_text(&t, self.style);
                }
            }
            Event::Code(t) => {
                let style = InlineStyle {
                    code: true,
                    ..self.style
                };
                self.push_text(&t, style);
            }
            Event::InlineMath(t) | Event::DisplayMath(t) => self.push_text(&t, self.style),
            Event::InlineHtml(t) => self.push_text(&t, self.style),
            // HTML blocks (usually author comments) are not part of the lesson's text.
            Event::Html(_) => {}
            Event::FootnoteReference(t) => self.push_text(&format!("[{t}]"), self.style),
            Event::SoftBreak => self.push_text(" ", self.style),
            Event::HardBreak => self.push_text("\n", self.style),
            Event::Rule => {
                self.flush_paragraph();
                self.push_block(Block::Rule);
            }
            Event::TaskListMarker(done) => {
                self.push_text(if done { "[x] " } else { "[ ] " }, self.style)
            }
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph => self.flush_paragraph(),
            Tag::Heading { level, .. } => {
                self.flush_paragraph();
                self.heading = Some(level as u8);
            }
            Tag::BlockQuote(alert) => {
                self.flush_paragraph();
                // GitHub alerts: cautions and warnings are the mistakes to avoid.
                let kind = alert.map(|a| match a {
                    BlockQuoteKind::Warning | BlockQuoteKind::Caution => CalloutKind::CommonMistake,
                    BlockQuoteKind::Note | BlockQuoteKind::Tip | BlockQuoteKind::Important => {
                        CalloutKind::Note
                    }
                });
                self.stack.push(Container::Quote(Vec::new(), kind));
            }
            Tag::CodeBlock(kind) => {
                self.flush_paragraph();
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split([' ', ',', '{']).next().unwrap_or("").to_string()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((lang, String::new()));
            }
            Tag::HtmlBlock => self.html_block = true,
            Tag::List(start) => {
                self.flush_paragraph();
                self.stack.push(Container::List {
                    start,
                    items: Vec::new(),
                    loose: false,
                });
            }
            Tag::Item => self.stack.push(Container::Item(Vec::new())),
            Tag::Table(aligns) => {
                self.flush_paragraph();
                self.table = Some(TableBuilder {
                    aligns: aligns
                        .iter()
                        .map(|a| match a {
                            Alignment::Center => Align::Center,
                            Alignment::Right => Align::Right,
                            _ => Align::Left,
                        })
                        .collect(),
                    ..TableBuilder::default()
                });
            }
            Tag::TableHead | Tag::TableRow => {}
            Tag::TableCell => self.inline.clear(),
            Tag::Emphasis => {
                self.emphasis += 1;
                self.refresh_style();
            }
            Tag::Strong => {
                self.strong += 1;
                self.refresh_style();
            }
            Tag::Strikethrough => {
                self.strike += 1;
                self.refresh_style();
            }
            Tag::Link { dest_url, .. } => {
                self.links.push(dest_url.to_string());
                self.refresh_style();
            }
            Tag::Image { .. } => self.push_text("[image: ", self.style),
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => {
                // pulldown-cmark wraps item text in paragraphs only in loose lists.
                let n = self.stack.len();
                if n >= 2 && matches!(self.stack[n - 1], Container::Item(_)) {
                    if let Container::List { loose, .. } = &mut self.stack[n - 2] {
                        *loose = true;
                    }
                }
                self.flush_paragraph()
            }
            TagEnd::Heading(_) => {
                let level = self.heading.take().unwrap_or(1);
                let text = std::mem::take(&mut self.inline);
                self.push_block(Block::Heading { level, text });
            }
            TagEnd::BlockQuote(_) | TagEnd::List(_) | TagEnd::Item => self.close_container(),
            TagEnd::HtmlBlock => self.html_block = false,
            TagEnd::TableCell => {
                let cell = std::mem::take(&mut self.inline);
                if let Some(t) = self.table.as_mut() {
                    t.row.push(cell);
                }
            }
            TagEnd::TableHead => {
                if let Some(t) = self.table.as_mut() {
                    t.header = std::mem::take(&mut t.row);
                }
            }
            TagEnd::TableRow => {
                if let Some(t) = self.table.as_mut() {
                    let row = std::mem::take(&mut t.row);
                    t.rows.push(row);
                }
            }
            TagEnd::Table => {
                if let Some(t) = self.table.take() {
                    self.push_block(Block::Table {
                        aligns: t.aligns,
                        header: t.header,
                        rows: t.rows,
                    });
                }
            }
            TagEnd::Emphasis => {
                self.emphasis = self.emphasis.saturating_sub(1);
                self.refresh_style();
            }
            TagEnd::Strong => {
                self.strong = self.strong.saturating_sub(1);
                self.refresh_style();
            }
            TagEnd::Strikethrough => {
                self.strike = self.strike.saturating_sub(1);
                self.refresh_style();
            }
            TagEnd::Link => {
                let url = self.links.pop().unwrap_or_default();
                self.refresh_style();
                let shown = self
                    .inline
                    .last()
                    .map(|i| i.text.trim() == url)
                    .unwrap_or(false);
                if !url.is_empty() && !url.starts_with('#') && !shown {
                    let style = InlineStyle {
                        url: true,
                        ..InlineStyle::default()
                    };
                    self.push_text(&format!(" ({url})"), style);
                }
            }
            TagEnd::Image => self.push_text("]", self.style),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_alerts_become_callouts() {
        let blocks = parse("> [!WARNING]\n> Never log the token.\n");
        let Block::Callout { kind, body } = &blocks[0] else {
            panic!("{blocks:?}")
        };
        assert_eq!(*kind, CalloutKind::CommonMistake);
        assert_eq!(
            body,
            &vec![Block::Paragraph(vec![Inline {
                text: "Never log the token.".into(),
                style: InlineStyle::default()
            }])]
        );
    }

    #[test]
    fn tight_nested_lists_keep_their_structure() {
        let blocks = parse("- one\n  - inner\n- two\n");
        let Block::List {
            start: None,
            items,
            loose: false,
        } = &blocks[0]
        else {
            panic!("{blocks:?}")
        };
        assert_eq!(items.len(), 2);
        assert!(matches!(items[0][1], Block::List { .. }));
    }

    #[test]
    fn link_keeps_text_and_url() {
        let blocks = parse("See [the docs](https://example.com/x).");
        let Block::Paragraph(p) = &blocks[0] else {
            panic!()
        };
        assert_eq!(plain(p), "See the docs (https://example.com/x).");
        assert!(p.iter().any(|i| i.style.link && i.text == "the docs"));
    }

    #[test]
    fn table_cells_and_code_language_are_kept() {
        let blocks = parse("| a | b |\n|---|--:|\n| 1 | 2 |\n\n```json\n{}\n```\n");
        let Block::Table {
            aligns,
            header,
            rows,
        } = &blocks[0]
        else {
            panic!("{blocks:?}")
        };
        assert_eq!(aligns, &vec![Align::Left, Align::Right]);
        assert_eq!(header.len(), 2);
        assert_eq!(plain(&rows[0][1]), "2");
        assert_eq!(
            blocks[1],
            Block::Code {
                lang: "json".into(),
                text: "{}".into()
            }
        );
    }
}
