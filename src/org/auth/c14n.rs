//! Exclusive XML canonicalisation (<http://www.w3.org/2001/10/xml-exc-c14n#>, without
//! comments) of one element of a document, optionally leaving out one element inside it (the
//! enveloped signature): what XML-DSig digests and signs, whatever serialiser wrote the XML.
//!
//! What it renders, per Exclusive XML Canonicalization 1.0 and Canonical XML 1.0: empty
//! elements as start and end tags; attributes with double quotes, sorted by namespace URI then
//! local name (unqualified ones first), their values normalised and escaped; on each element
//! only the namespace declarations its own name and attributes use and the nearest output
//! ancestor has not already rendered (inherited from the whole document for the apex), sorted
//! by prefix; text with `&`, `<`, `>` and CR escaped, line ends as LF; comments dropped.
//!
//! Implementation notes: an `InclusiveNamespaces PrefixList` is not supported (every prefix is
//! treated exclusively; signers of SAML assertions seldom send one). A document with a DOCTYPE
//! is refused: its entities could make the text mean something else than it reads.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::collections::BTreeMap;

/// Why a document could not be canonicalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotCanonicalisable;

type Namespaces = BTreeMap<String, String>;

/// The exclusive canonical form of the element starting at byte `start` of `doc`, without
/// the element that starts at `exclude` (if any), comments removed.
pub fn canonicalise(
    doc: &str,
    start: usize,
    exclude: Option<(usize, usize)>,
) -> Result<String, NotCanonicalisable> {
    let mut reader = Reader::from_str(doc);
    reader.config_mut().trim_text(false);
    // In-scope namespaces of the document, per open element.
    let mut in_scope: Vec<Namespaces> = vec![Namespaces::new()];
    // Namespaces rendered in the output, per open output element.
    let mut rendered: Vec<Namespaces> = Vec::new();
    let mut out = String::new();
    let mut depth = 0usize; // open elements of the output region
    loop {
        let at = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|_| NotCanonicalisable)?;
        let skipped = exclude.is_some_and(|(s, e)| at >= s && at < e);
        let inside = depth > 0 && !skipped;
        match event {
            Event::Eof => return Err(NotCanonicalisable),
            Event::DocType(_) => return Err(NotCanonicalisable),
            Event::Start(_) | Event::Empty(_) => {
                let (e, empty) = match event {
                    Event::Empty(e) => (e, true),
                    Event::Start(e) => (e, false),
                    _ => unreachable!("matched as a start or empty tag"),
                };
                let scope = declare(&e, in_scope.last().cloned().unwrap_or_default())?;
                let apex = depth == 0 && at == start;
                if apex || inside {
                    let parent = rendered.last().cloned().unwrap_or_default();
                    let (tag, now_rendered) = start_tag(&e, &scope, parent)?;
                    out.push_str(&tag);
                    if empty {
                        out.push_str(&format!("</{}>", name(&e)?));
                    } else {
                        rendered.push(now_rendered);
                    }
                }
                if !empty {
                    in_scope.push(scope);
                    if apex || depth > 0 {
                        depth += 1;
                    }
                } else if apex {
                    return Ok(out);
                }
            }
            Event::End(e) => {
                in_scope.pop();
                if depth > 0 {
                    if !skipped {
                        let q = std::str::from_utf8(e.name().as_ref())
                            .map_err(|_| NotCanonicalisable)?
                            .to_string();
                        out.push_str(&format!("</{q}>"));
                        rendered.pop();
                    }
                    depth -= 1;
                    if depth == 0 {
                        return Ok(out);
                    }
                }
            }
            Event::Text(t) if inside => {
                let raw = std::str::from_utf8(&t).map_err(|_| NotCanonicalisable)?;
                let raw = line_ends(raw);
                let text = quick_xml::escape::unescape(&raw).map_err(|_| NotCanonicalisable)?;
                out.push_str(&escape_text(&text));
            }
            Event::CData(c) if inside => {
                let raw = std::str::from_utf8(&c).map_err(|_| NotCanonicalisable)?;
                out.push_str(&escape_text(&line_ends(raw)));
            }
            Event::PI(p) if inside => {
                let raw = std::str::from_utf8(&p).map_err(|_| NotCanonicalisable)?;
                out.push_str(&format!("<?{}?>", line_ends(raw)));
            }
            _ => {}
        }
    }
}

/// The qualified name of a start tag.
fn name(e: &BytesStart<'_>) -> Result<String, NotCanonicalisable> {
    std::str::from_utf8(e.name().as_ref())
        .map(str::to_string)
        .map_err(|_| NotCanonicalisable)
}

/// The in-scope namespaces inside `e`: its parent's plus its own declarations.
fn declare(e: &BytesStart<'_>, mut scope: Namespaces) -> Result<Namespaces, NotCanonicalisable> {
    for a in e.attributes() {
        let a = a.map_err(|_| NotCanonicalisable)?;
        let key = std::str::from_utf8(a.key.as_ref()).map_err(|_| NotCanonicalisable)?;
        let prefix = match key.strip_prefix("xmlns") {
            Some("") => "",
            Some(p) if p.starts_with(':') => &p[1..],
            _ => continue,
        };
        let raw = std::str::from_utf8(&a.value).map_err(|_| NotCanonicalisable)?;
        scope.insert(prefix.to_string(), attribute_value(raw)?);
    }
    Ok(scope)
}

/// A start tag in canonical form, and the namespaces rendered once it is written.
fn start_tag(
    e: &BytesStart<'_>,
    scope: &Namespaces,
    mut rendered: Namespaces,
) -> Result<(String, Namespaces), NotCanonicalisable> {
    let qname = name(e)?;
    let prefix_of = |q: &str| q.split_once(':').map_or("", |(p, _)| p).to_string();
    let mut used = vec![prefix_of(&qname)];
    let mut attrs: Vec<(String, String, String, String)> = Vec::new(); // (ns uri, local, qname, value)
    for a in e.attributes() {
        let a = a.map_err(|_| NotCanonicalisable)?;
        let key = std::str::from_utf8(a.key.as_ref())
            .map_err(|_| NotCanonicalisable)?
            .to_string();
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let raw = std::str::from_utf8(&a.value).map_err(|_| NotCanonicalisable)?;
        let value = attribute_value(raw)?;
        let (uri, local) = match key.split_once(':') {
            Some(("xml", local)) => ("http://www.w3.org/XML/1998/namespace".to_string(), local),
            Some((p, local)) => {
                used.push(p.to_string());
                (scope.get(p).cloned().ok_or(NotCanonicalisable)?, local)
            }
            None => (String::new(), key.as_str()),
        };
        attrs.push((uri, local.to_string(), key.clone(), value));
    }
    attrs.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    used.sort();
    used.dedup();
    let mut tag = format!("<{qname}");
    for p in used {
        let uri = scope.get(&p).cloned().unwrap_or_default();
        let shown = rendered.get(&p).cloned().unwrap_or_default();
        // An unprefixed element in no namespace needs `xmlns=""` only to undo a default
        // namespace an output ancestor rendered.
        let needed = if p.is_empty() && uri.is_empty() {
            !shown.is_empty()
        } else {
            rendered.get(&p) != Some(&uri)
        };
        if !needed {
            continue;
        }
        if p.is_empty() {
            tag.push_str(&format!(" xmlns=\"{}\"", escape_attr(&uri)));
        } else {
            tag.push_str(&format!(" xmlns:{p}=\"{}\"", escape_attr(&uri)));
        }
        rendered.insert(p, uri);
    }
    for (_, _, key, value) in attrs {
        tag.push_str(&format!(" {key}=\"{}\"", escape_attr(&value)));
    }
    tag.push('>');
    Ok((tag, rendered))
}

/// An attribute's value as a parser reports it: line ends and whitespace characters as
/// spaces, references replaced.
fn attribute_value(raw: &str) -> Result<String, NotCanonicalisable> {
    let spaced: String = line_ends(raw)
        .chars()
        .map(|c| if matches!(c, '\t' | '\n') { ' ' } else { c })
        .collect();
    quick_xml::escape::unescape(&spaced)
        .map(|v| v.into_owned())
        .map_err(|_| NotCanonicalisable)
}

fn line_ends(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

fn escape_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\r', "&#xD;")
}

fn escape_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
        .replace('\t', "&#x9;")
        .replace('\n', "&#xA;")
        .replace('\r', "&#xD;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c14n(doc: &str) -> String {
        canonicalise(doc, 0, None).unwrap()
    }

    #[test]
    fn empty_elements_are_written_with_an_end_tag() {
        assert_eq!(c14n(r#"<a><b x="1"/></a>"#), r#"<a><b x="1"></b></a>"#);
    }

    #[test]
    fn attributes_are_sorted_double_quoted_and_escaped() {
        assert_eq!(
            c14n("<a z='2' b=\"x&amp;y&quot;\" xmlns:p=\"urn:p\" p:c=\"&lt;\"></a>"),
            r#"<a xmlns:p="urn:p" b="x&amp;y&quot;" z="2" p:c="&lt;"></a>"#
        );
    }

    #[test]
    fn only_used_namespaces_are_declared_once_and_inherited_ones_are_brought_in() {
        let doc = r#"<r:R xmlns:r="urn:r" xmlns:s="urn:s" xmlns:x="urn:x"><s:A xmlns:s="urn:s"><s:B xmlns:x="urn:x">t</s:B></s:A></r:R>"#;
        let a = doc.find("<s:A").unwrap();
        assert_eq!(
            canonicalise(doc, a, None).unwrap(),
            r#"<s:A xmlns:s="urn:s"><s:B>t</s:B></s:A>"#
        );
    }

    #[test]
    fn text_is_escaped_comments_dropped_and_an_excluded_element_left_out() {
        let doc = "<a>1 &gt; 0 &amp; <!-- note -->ok<sig><x/></sig>\r\n</a>";
        let s = doc.find("<sig>").unwrap();
        let e = doc.find("</sig>").unwrap() + "</sig>".len();
        assert_eq!(
            canonicalise(doc, 0, Some((s, e))).unwrap(),
            "<a>1 &gt; 0 &amp; ok\n</a>"
        );
    }

    #[test]
    fn a_doctype_is_refused() {
        assert!(canonicalise("<!DOCTYPE a><a/>", 15, None).is_err());
    }
}
