//! A small XML tree for SOAP requests: elements by local name (prefixes and namespaces are
//! ignored, because clients disagree on them), attributes, text, and escaping for writing.
//!
//! Implementation notes: reading goes through `quick-xml`'s pull reader into an owned tree;
//! SOAP bodies are small (the org refuses bodies over [`MAX_SOAP_BYTES`]). Namespace URIs are
//! deliberately not checked: one client declares `sobject.partner.soap.sforce.com` without
//! the `urn:` prefix, and real orgs accept it.

use quick_xml::events::Event;
use quick_xml::Reader;

/// The largest SOAP request body the org reads (real orgs document 50 MB; a classroom needs
/// far less, and a small cap keeps a hostile body from exhausting memory).
pub const MAX_SOAP_BYTES: usize = 8 * 1024 * 1024;

/// Deepest nesting read; anything deeper is refused as malformed.
const MAX_DEPTH: usize = 64;

/// One element: its local name, attributes (by local name), text and children.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
}

/// Why a body is not XML the org can read, and about where (the byte the reader had reached).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the request body is not well-formed XML: {problem}")]
pub struct XmlError {
    pub problem: String,
    /// The byte offset in the text where reading stopped.
    pub at: usize,
}

impl XmlError {
    fn new(problem: impl Into<String>, at: u64) -> XmlError {
        XmlError {
            problem: problem.into(),
            at: usize::try_from(at).unwrap_or(usize::MAX),
        }
    }

    /// The 1-based line of `text` (the parsed document) where reading stopped.
    pub fn line_in(&self, text: &str) -> usize {
        let end = self.at.min(text.len());
        text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }
}

fn local(qname: &[u8]) -> String {
    let s = String::from_utf8_lossy(qname);
    match s.rsplit_once(':') {
        Some((_, l)) => l.to_string(),
        None => s.to_string(),
    }
}

fn start_element(e: &quick_xml::events::BytesStart<'_>, at: u64) -> Result<Element, XmlError> {
    let mut el = Element {
        name: local(e.name().as_ref()),
        ..Element::default()
    };
    for a in e.attributes() {
        let a = a.map_err(|e| XmlError::new(e.to_string(), at))?;
        let value = a
            .unescape_value()
            .map_err(|e| XmlError::new(e.to_string(), at))?
            .to_string();
        el.attrs.push((local(a.key.as_ref()), value));
    }
    Ok(el)
}

/// Parses a document and returns its root element.
pub fn parse(text: &str) -> Result<Element, XmlError> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    loop {
        let event = reader.read_event();
        let at = reader.buffer_position();
        match event {
            Err(e) => return Err(XmlError::new(e.to_string(), reader.error_position())),
            Ok(Event::Start(e)) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError::new("elements are nested too deeply", at));
                }
                stack.push(start_element(&e, at)?);
            }
            Ok(Event::Empty(e)) => {
                let el = start_element(&e, at)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => return Ok(el),
                }
            }
            Ok(Event::End(_)) => {
                let Some(el) = stack.pop() else {
                    return Err(XmlError::new("an end tag has no start tag", at));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => return Ok(el),
                }
            }
            Ok(Event::Text(t)) => {
                if let Some(cur) = stack.last_mut() {
                    let s = t.unescape().map_err(|e| XmlError::new(e.to_string(), at))?;
                    cur.text.push_str(&s);
                }
            }
            Ok(Event::CData(t)) => {
                if let Some(cur) = stack.last_mut() {
                    cur.text.push_str(&String::from_utf8_lossy(&t.into_inner()));
                }
            }
            Ok(Event::Eof) => {
                return Err(XmlError::new(
                    "the document ends before its root closes",
                    at,
                ))
            }
            Ok(_) => {}
        }
    }
}

impl Element {
    /// The first child with this local name (case-sensitive, as XML is).
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child with this local name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of the first child with this name.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }

    /// An attribute by local name (`xsi:nil` → `nil`).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// True for `xsi:nil="true"`.
    pub fn is_nil(&self) -> bool {
        self.attr("nil") == Some("true")
    }
}

/// Escapes text for element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// `<tag>escaped text</tag>`.
pub fn text_element(tag: &str, text: &str) -> String {
    format!("<{tag}>{}</{tag}>", escape(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_dropped_and_text_unescaped() {
        let doc = parse(
            r#"<?xml version="1.0"?><se:Envelope xmlns:se="x"><se:Body><login xmlns="urn:partner.soap.sforce.com"><username>a@b.c</username><password>p&amp;w&lt;</password></login></se:Body></se:Envelope>"#,
        )
        .unwrap();
        assert_eq!(doc.name, "Envelope");
        let login = doc.child("Body").unwrap().child("login").unwrap();
        assert_eq!(login.child_text("password"), Some("p&w<"));
    }

    #[test]
    fn nil_attributes_and_empty_elements_are_read() {
        let doc = parse(r#"<a xmlns:xsi="x"><b xsi:nil="true"/><c/></a>"#).unwrap();
        assert!(doc.child("b").unwrap().is_nil());
        assert!(!doc.child("c").unwrap().is_nil());
    }

    #[test]
    fn broken_documents_are_errors() {
        assert!(parse("<a><b></a>").is_err());
        assert!(parse("<a>").is_err());
        assert!(parse("not xml").is_err());
    }

    #[test]
    fn escape_covers_markup_characters() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;"
        );
    }
}
