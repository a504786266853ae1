//! A small XML tree for SOAP requests: elements by local name (prefixes are dropped, because
//! clients disagree on them) with the namespace URI each name resolves to, attributes, text,
//! and escaping for writing.
//!
//! Implementation notes: reading goes through `quick-xml`'s pull reader into an owned tree;
//! SOAP bodies are bounded (the org refuses bodies over [`MAX_SOAP_BYTES`]). The tree records
//! namespaces but does not judge them: the SOAP endpoints check the envelope, header blocks and
//! call element (see `soap::read_envelope`) and leave the names inside a call alone, because one
//! client declares `sobject.partner.soap.sforce.com` without the `urn:` prefix, and real orgs
//! accept it.

use quick_xml::events::Event;
use quick_xml::Reader;

/// The largest SOAP request body the org reads: the 50 MB real orgs document for a SOAP message,
/// the same as the REST API's, so a batch a real org takes is never refused here.
pub const MAX_SOAP_BYTES: usize = 50 * 1024 * 1024;

/// Deepest nesting read; anything deeper is refused as malformed.
const MAX_DEPTH: usize = 64;

/// One element: its local name, attributes (by local name), text and children.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    pub name: String,
    /// The namespace URI the element's prefix (or the default namespace) resolves to; empty
    /// when none is in scope.
    pub ns: String,
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

/// The `xmlns` declarations in scope: one frame (prefix → URI, `""` for the default) per open
/// element.
type Scopes = Vec<Vec<(String, String)>>;

fn prefix_of(qname: &[u8]) -> String {
    let s = String::from_utf8_lossy(qname);
    s.rsplit_once(':')
        .map(|(p, _)| p.to_string())
        .unwrap_or_default()
}

/// Reads a start tag; returns the element and the declarations it makes (its scope frame).
fn start_element(
    e: &quick_xml::events::BytesStart<'_>,
    at: u64,
    scopes: &Scopes,
) -> Result<(Element, Vec<(String, String)>), XmlError> {
    let mut el = Element {
        name: local(e.name().as_ref()),
        ..Element::default()
    };
    let mut frame = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|e| XmlError::new(e.to_string(), at))?;
        let value = a
            .unescape_value()
            .map_err(|e| XmlError::new(e.to_string(), at))?
            .to_string();
        let key = String::from_utf8_lossy(a.key.as_ref()).to_string();
        if key == "xmlns" {
            frame.push((String::new(), value.clone()));
        } else if let Some(p) = key.strip_prefix("xmlns:") {
            frame.push((p.to_string(), value.clone()));
        }
        el.attrs.push((local(a.key.as_ref()), value));
    }
    let prefix = prefix_of(e.name().as_ref());
    el.ns = frame
        .iter()
        .rev()
        .chain(scopes.iter().rev().flat_map(|f| f.iter().rev()))
        .find(|(p, _)| *p == prefix)
        .map(|(_, uri)| uri.clone())
        .unwrap_or_default();
    Ok((el, frame))
}

/// Parses a document and returns its root element.
pub fn parse(text: &str) -> Result<Element, XmlError> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut scopes: Scopes = Vec::new();
    loop {
        let event = reader.read_event();
        let at = reader.buffer_position();
        match event {
            Err(e) => return Err(XmlError::new(e.to_string(), reader.error_position())),
            Ok(Event::Start(e)) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError::new("elements are nested too deeply", at));
                }
                let (el, frame) = start_element(&e, at, &scopes)?;
                stack.push(el);
                scopes.push(frame);
            }
            Ok(Event::Empty(e)) => {
                let (el, _) = start_element(&e, at, &scopes)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => return Ok(el),
                }
            }
            Ok(Event::End(_)) => {
                let Some(el) = stack.pop() else {
                    return Err(XmlError::new("an end tag has no start tag", at));
                };
                scopes.pop();
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
    /// The first child with this local name in namespace `ns`.
    pub fn child_in(&self, ns: &str, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name && c.ns == ns)
    }

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
    fn elements_carry_the_namespace_their_prefix_resolves_to() {
        let doc = parse(
            r#"<se:Envelope xmlns:se="urn:env"><se:Body xmlns="urn:d"><call><x xmlns=""/></call><p:y xmlns:p="urn:p"/></se:Body><z/></se:Envelope>"#,
        )
        .unwrap();
        assert_eq!(doc.ns, "urn:env");
        let body = doc.child("Body").unwrap();
        assert_eq!(body.ns, "urn:env");
        assert_eq!(body.child("call").unwrap().ns, "urn:d");
        assert_eq!(body.child("call").unwrap().child("x").unwrap().ns, "");
        assert_eq!(body.child_in("urn:p", "y").unwrap().name, "y");
        assert_eq!(doc.child("z").unwrap().ns, "");
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
