//! Just enough XML reading for SAML assertions: find an element by local name, read its
//! attributes and text, keep byte offsets so the signed elements can be found for `c14n`.
//!
//! This is a scanner, not a parser: it assumes well-formed input, no comments or CDATA inside
//! the elements it reads, and no element nested inside another of the same qualified name.
//! The SAML check refuses documents outside these assumptions rather than guessing.

/// Byte offsets of one element in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Offset of `<`.
    pub start: usize,
    /// Offset just after the start tag's `>`.
    pub content_start: usize,
    /// Offset of the end tag's `<` (equals `content_start` for `<x/>`).
    pub content_end: usize,
    /// Offset just after the end tag's `>`.
    pub end: usize,
}

/// The qualified name of the element starting at `at` (which points at `<`).
pub fn qname_at(xml: &str, at: usize) -> &str {
    let rest = &xml[at + 1..];
    let len = rest
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .unwrap_or(rest.len());
    &rest[..len]
}

/// Every element whose local name is `local`, within `xml[from..to]`.
pub fn find_all(xml: &str, local: &str, from: usize, to: usize) -> Vec<Span> {
    let mut out = Vec::new();
    let mut pos = from;
    while let Some(rel) = xml.get(pos..to).and_then(|s| s.find('<')) {
        let at = pos + rel;
        pos = at + 1;
        let q = qname_at(xml, at);
        if q.starts_with('/') || q.starts_with('?') || q.starts_with('!') {
            continue;
        }
        let name_local = q.rsplit(':').next().unwrap_or(q);
        if name_local != local {
            continue;
        }
        let Some(tag_end) = xml[at..to].find('>').map(|i| at + i + 1) else {
            break;
        };
        if xml[..tag_end].ends_with("/>") {
            out.push(Span {
                start: at,
                content_start: tag_end,
                content_end: tag_end,
                end: tag_end,
            });
            pos = tag_end;
            continue;
        }
        let close = format!("</{q}>");
        let Some(close_at) = xml[tag_end..to].find(&close).map(|i| tag_end + i) else {
            break;
        };
        out.push(Span {
            start: at,
            content_start: tag_end,
            content_end: close_at,
            end: close_at + close.len(),
        });
        pos = close_at + close.len();
    }
    out
}

/// The first element named `local` within `within` (or the whole document).
pub fn find(xml: &str, local: &str, within: Option<Span>) -> Option<Span> {
    let (from, to) = within
        .map(|s| (s.content_start, s.content_end))
        .unwrap_or((0, xml.len()));
    find_all(xml, local, from, to).into_iter().next()
}

/// The start tag's text, `<…>`.
pub fn start_tag(xml: &str, span: Span) -> &str {
    &xml[span.start..span.content_start]
}

/// An attribute of the element's start tag, unescaped.
pub fn attr(xml: &str, span: Span, name: &str) -> Option<String> {
    let tag = start_tag(xml, span);
    let mut search = 0;
    while let Some(i) = tag[search..].find(name) {
        let at = search + i;
        search = at + name.len();
        let before_ok = tag[..at].ends_with(|c: char| c.is_whitespace());
        let rest = tag[at + name.len()..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let rest = rest[1..].trim_start();
        let quote = rest.chars().next()?;
        if quote != '"' && quote != '\'' {
            return None;
        }
        let value = &rest[1..];
        let close = value.find(quote)?;
        return Some(unescape(&value[..close]));
    }
    None
}

/// The element's text content, trimmed and unescaped.
pub fn text(xml: &str, span: Span) -> String {
    unescape(xml[span.content_start..span.content_end].trim())
}

pub fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"<a:Root xmlns:a="urn:a"><a:Item ID="x1" Kind='k'>one &amp; two</a:Item><Item/><a:Other><a:Item>in</a:Item></a:Other></a:Root>"#;

    #[test]
    fn elements_are_found_by_local_name_with_offsets() {
        let items = find_all(DOC, "Item", 0, DOC.len());
        assert_eq!(items.len(), 3);
        assert_eq!(text(DOC, items[0]), "one & two");
        assert_eq!(items[1].content_start, items[1].content_end, "self-closing");
        assert_eq!(&DOC[items[2].start..items[2].end], "<a:Item>in</a:Item>");
    }

    #[test]
    fn attributes_are_read_with_either_quote() {
        let item = find(DOC, "Item", None).unwrap();
        assert_eq!(attr(DOC, item, "ID").as_deref(), Some("x1"));
        assert_eq!(attr(DOC, item, "Kind").as_deref(), Some("k"));
        assert_eq!(
            attr(DOC, item, "D"),
            None,
            "a suffix of another name does not match"
        );
    }

    #[test]
    fn search_can_be_limited_to_an_element() {
        let other = find(DOC, "Other", None).unwrap();
        let inner = find(DOC, "Item", Some(other)).unwrap();
        assert_eq!(text(DOC, inner), "in");
    }
}
