//! Call-outs: a paragraph (or a block quote whose first paragraph) that starts with
//! "Common mistake:", "Note:" or "Why" becomes a [`Block::Callout`] drawn as a box.
//!
//! The "Common mistake:" and "Note:" markers are dropped from the text (the box's label says
//! it); "Why" usually opens a sentence ("Why it matters: …"), so that text is kept and only
//! a bare "Why:" label is dropped.

use super::blocks::{plain, Block, Inline};
use crate::tui::theme::CalloutKind;

/// Which call-out a paragraph opens, and how many leading characters are its marker.
fn callout_marker(text: &str) -> Option<(CalloutKind, usize)> {
    let lead = text.len() - text.trim_start().len();
    let t = &text[lead..];
    for (marker, kind) in [
        ("Common mistake:", CalloutKind::CommonMistake),
        ("Note:", CalloutKind::Note),
    ] {
        if t.starts_with(marker) {
            return Some((kind, (lead + marker.len())));
        }
    }
    // "Why" opens a call-out when it is a whole word: "Why it matters", "Why?", "Why:".
    let rest = t.strip_prefix("Why")?;
    match rest.chars().next() {
        Some(':') => Some((CalloutKind::Why, lead + 4)),
        Some(c) if c.is_alphanumeric() => None,
        _ => Some((CalloutKind::Why, 0)),
    }
}

/// Drops the first `bytes` bytes of text (the marker) and the spaces after it.
fn strip_marker(inlines: Vec<Inline>, mut bytes: usize) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut leading = true;
    for mut inline in inlines {
        if bytes > 0 {
            let cut = bytes.min(inline.text.len());
            inline.text.drain(..cut);
            bytes -= cut;
        }
        if leading {
            let trimmed = inline.text.trim_start().to_string();
            inline.text = trimmed;
            leading = inline.text.is_empty();
        }
        if !inline.text.is_empty() {
            out.push(inline);
        }
    }
    out
}

pub fn paragraph_or_callout(inlines: Vec<Inline>) -> Block {
    match callout_marker(&plain(&inlines)) {
        Some((kind, n)) => {
            let rest = strip_marker(inlines, n);
            let body = if rest.is_empty() {
                Vec::new()
            } else {
                vec![Block::Paragraph(rest)]
            };
            Block::Callout { kind, body }
        }
        None => Block::Paragraph(inlines),
    }
}

/// A quote whose first block became a call-out is that call-out, holding the rest too.
pub fn quote_or_callout(mut blocks: Vec<Block>) -> Block {
    if let Some(Block::Callout { kind, body }) = blocks.first_mut() {
        let kind = *kind;
        let mut all = std::mem::take(body);
        all.extend(blocks.drain(1..));
        return Block::Callout { kind, body: all };
    }
    Block::Quote(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::blocks::parse;

    #[test]
    fn note_paragraph_becomes_a_callout_without_its_marker() {
        let blocks = parse("**Note:** tokens expire.\n");
        let Block::Callout { kind, body } = &blocks[0] else {
            panic!("{blocks:?}")
        };
        assert_eq!(*kind, CalloutKind::Note);
        let Block::Paragraph(p) = &body[0] else {
            panic!("{body:?}")
        };
        assert_eq!(plain(p), "tokens expire.");
    }

    #[test]
    fn why_must_be_a_whole_word_to_open_a_callout() {
        assert!(matches!(
            parse("Why it matters: retries.")[0],
            Block::Callout {
                kind: CalloutKind::Why,
                ..
            }
        ));
        assert!(matches!(parse("Whyever not.")[0], Block::Paragraph(_)));
    }

    #[test]
    fn quoted_common_mistake_keeps_every_paragraph() {
        let blocks = parse("> Common mistake: retrying a 400.\n>\n> It never succeeds.\n");
        let Block::Callout { kind, body } = &blocks[0] else {
            panic!("{blocks:?}")
        };
        assert_eq!(*kind, CalloutKind::CommonMistake);
        assert_eq!(body.len(), 2);
    }
}
