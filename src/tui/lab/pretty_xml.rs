//! XML bodies (SOAP requests, replies and faults) laid out one element a line, indented by
//! depth, as JSON bodies are pretty-printed: what the Console and the Traffic detail show.
//!
//! Text is kept exactly as it came (entities and all): an element holding only text stays on
//! one line with it, whitespace between elements (the sender's own layout) is dropped, and
//! anything that is not well-formed XML (a cut body, HTML, plain text) is left as it was.
//!
//! Implementation notes: quick-xml only tokenises and checks that end tags match; each token
//! is copied from the body by its position, so nothing is unescaped or escaped again.

use quick_xml::events::Event;
use quick_xml::Reader;

/// One piece of an XML body, as it was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    Start(&'a str),
    End(&'a str),
    /// Text or CDATA.
    Text(&'a str),
    /// A self-closing element, the declaration, a comment, a processing instruction.
    Other(&'a str),
}

const INDENT: &str = "  ";

/// `body` indented one element a line; `None` when it is not a well-formed XML document.
pub fn pretty_xml(body: &str) -> Option<String> {
    let tokens = tokens(body)?;
    let mut lines: Vec<String> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < tokens.len() {
        let pad = INDENT.repeat(depth);
        match tokens[i] {
            Token::Start(start) => match (tokens.get(i + 1), tokens.get(i + 2)) {
                // An element with nothing or only text in it: one line.
                (Some(Token::End(end)), _) => {
                    lines.push(format!("{pad}{start}{end}"));
                    i += 1;
                }
                (Some(Token::Text(text)), Some(Token::End(end))) => {
                    lines.push(format!("{pad}{start}{text}{end}"));
                    i += 2;
                }
                _ => {
                    lines.push(format!("{pad}{start}"));
                    depth += 1;
                }
            },
            Token::End(end) => {
                depth = depth.saturating_sub(1);
                lines.push(format!("{}{end}", INDENT.repeat(depth)));
            }
            Token::Text(text) if text.trim().is_empty() => {}
            Token::Text(text) => lines.push(format!("{pad}{}", text.trim())),
            Token::Other(raw) => lines.push(format!("{pad}{raw}")),
        }
        i += 1;
    }
    Some(lines.join("\n"))
}

/// The body's tokens, each as written; `None` unless it is one well-formed document: it
/// starts with `<`, its tags match, and it holds no text outside its root element.
fn tokens(body: &str) -> Option<Vec<Token<'_>>> {
    if !body.trim_start().starts_with('<') {
        return None;
    }
    let mut reader = Reader::from_str(body);
    reader.config_mut().trim_text(false);
    let mut tokens = Vec::new();
    let mut depth = 0usize;
    let mut roots = 0usize;
    loop {
        let from = usize::try_from(reader.buffer_position()).ok()?;
        let event = reader.read_event().ok()?;
        let to = usize::try_from(reader.buffer_position()).ok()?;
        let raw = body.get(from..to)?;
        let token = match event {
            Event::Eof => break,
            Event::Start(_) => {
                roots += usize::from(depth == 0);
                depth += 1;
                Token::Start(raw)
            }
            Event::End(_) => {
                depth = depth.checked_sub(1)?;
                Token::End(raw)
            }
            Event::Empty(_) => {
                roots += usize::from(depth == 0);
                Token::Other(raw)
            }
            Event::Text(_) | Event::CData(_) if depth == 0 => {
                if !raw.trim().is_empty() {
                    return None;
                }
                continue;
            }
            Event::Text(_) | Event::CData(_) => Token::Text(raw),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {
                Token::Other(raw)
            }
        };
        tokens.push(token);
    }
    (depth == 0 && roots == 1).then_some(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_soap_fault_is_indented_one_element_a_line_with_its_text_exact() {
        let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope \
            xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>\
            <soapenv:Fault><faultcode>sf:INVALID_FIELD</faultcode><faultstring>No such \
            column &apos;Foo__c&apos; on  entity</faultstring><detail/></soapenv:Fault>\
            </soapenv:Body></soapenv:Envelope>";
        assert_eq!(
            pretty_xml(body).as_deref(),
            Some(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
                 <soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">\n\
                 \x20 <soapenv:Body>\n\
                 \x20   <soapenv:Fault>\n\
                 \x20     <faultcode>sf:INVALID_FIELD</faultcode>\n\
                 \x20     <faultstring>No such column &apos;Foo__c&apos; on  entity</faultstring>\n\
                 \x20     <detail/>\n\
                 \x20   </soapenv:Fault>\n\
                 \x20 </soapenv:Body>\n\
                 </soapenv:Envelope>"
            )
        );
    }

    #[test]
    fn layout_already_there_is_replaced_and_empty_elements_stay_on_one_line() {
        let body = "<a>\n    <b></b>\n\t<c>x</c>\n</a>\n";
        assert_eq!(
            pretty_xml(body).as_deref(),
            Some("<a>\n  <b></b>\n  <c>x</c>\n</a>")
        );
    }

    #[test]
    fn what_is_not_one_well_formed_document_is_not_xml() {
        for body in [
            "<a><b></a>",
            "<a><b>cut off",
            "not xml",
            "<a/><b/>",
            "<a/>trailing",
            "",
        ] {
            assert_eq!(pretty_xml(body), None, "{body}");
        }
    }
}
