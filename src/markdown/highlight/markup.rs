//! Tokenizers for data and markup: JSON, YAML, XML (SOAP envelopes) and raw HTTP messages.

use super::scanner::{is_ident, Scanner};
use crate::tui::theme::TokenKind;

fn json_into(s: &mut Scanner) {
    while let Some(c) = s.peek() {
        match c {
            '"' => {
                let start = s.pos;
                s.skip_string('"', true, false);
                let after = s.rest().trim_start_matches([' ', '\t']);
                let kind = if after.starts_with(':') {
                    TokenKind::Key
                } else {
                    TokenKind::String
                };
                s.emit(kind, start);
            }
            '-' | '0'..='9' if s.peek_at(1).is_some_and(|d| d.is_ascii_digit()) || c != '-' => {
                let start = s.pos;
                s.pos += 1;
                s.eat_while(|c| c.is_ascii_digit() || ".eE+-".contains(c));
                s.emit(TokenKind::Number, start);
            }
            '{' | '}' | '[' | ']' | ':' | ',' => s.bump(TokenKind::Punctuation),
            _ if c.is_alphabetic() => {
                let start = s.pos;
                let w = s.eat_while(|c| c.is_alphanumeric());
                let kind = if matches!(w, "true" | "false" | "null") {
                    TokenKind::Literal
                } else {
                    TokenKind::Plain
                };
                s.emit(kind, start);
            }
            _ => s.bump(TokenKind::Plain),
        }
    }
}

pub fn json(code: &str) -> Vec<(TokenKind, String)> {
    let mut s = Scanner::new(code);
    json_into(&mut s);
    s.finish()
}

fn yaml_value(s: &mut Scanner, line_end: usize) {
    while s.pos < line_end {
        let Some(c) = s.peek() else { break };
        match c {
            '#' if s.prev().is_none_or(|p| p == ' ' || p == '\t') => {
                let start = s.pos;
                s.pos = line_end;
                s.emit(TokenKind::Comment, start);
            }
            '"' => s.string('"', true, false),
            '\'' => s.string('\'', false, false),
            '{' | '}' | '[' | ']' | ',' | '|' | '>' | '&' | '*' => s.bump(TokenKind::Punctuation),
            ' ' | '\t' => s.bump(TokenKind::Plain),
            _ => {
                let start = s.pos;
                while s.pos < line_end {
                    let rest = &s.src[s.pos..line_end];
                    if rest.starts_with(" #") || rest.starts_with([',', ']', '}']) {
                        break;
                    }
                    match s.peek() {
                        Some(c) => s.pos += c.len_utf8(),
                        None => break,
                    }
                }
                let word = s.src[start..s.pos].trim_end();
                let kind = if matches!(
                    word,
                    "true" | "false" | "null" | "~" | "yes" | "no" | "True" | "False"
                ) {
                    TokenKind::Literal
                } else if !word.is_empty() && word.parse::<f64>().is_ok() {
                    TokenKind::Number
                } else {
                    TokenKind::Plain
                };
                s.emit(kind, start);
            }
        }
    }
}

pub fn yaml(code: &str) -> Vec<(TokenKind, String)> {
    let mut s = Scanner::new(code);
    while !s.done() {
        let line_end = s.pos + s.rest().find('\n').unwrap_or(s.rest().len());
        let start = s.pos;
        s.eat_while(|c| c == ' ' || c == '\t');
        while s.starts_with("- ") {
            s.pos += 2;
            s.eat_while(|c| c == ' ');
        }
        s.emit(TokenKind::Plain, start);
        let line = &s.src[s.pos..line_end];
        if line.starts_with('#') {
            let start = s.pos;
            s.pos = line_end;
            s.emit(TokenKind::Comment, start);
        } else if let Some(colon) = key_colon(line) {
            let start = s.pos;
            s.pos += colon;
            s.emit(TokenKind::Key, start);
            s.bump(TokenKind::Punctuation);
        }
        yaml_value(&mut s, line_end);
        if !s.done() {
            s.bump(TokenKind::Plain);
        }
    }
    s.finish()
}

/// Where a `key:` ends on a YAML line, if the line starts with a key.
fn key_colon(line: &str) -> Option<usize> {
    if line.starts_with(['"', '\'', '{', '[', '#']) {
        return None;
    }
    let i = line.find(':')?;
    let after = line[i + 1..].chars().next();
    let key = &line[..i];
    (after.is_none_or(|c| c == ' ' || c == '\t') && !key.contains(" #") && !key.is_empty())
        .then_some(i)
}

pub fn xml(code: &str) -> Vec<(TokenKind, String)> {
    let mut s = Scanner::new(code);
    let mut in_tag = false;
    while let Some(c) = s.peek() {
        if s.starts_with("<!--") {
            let start = s.pos;
            s.eat_until_after("-->");
            s.emit(TokenKind::Comment, start);
        } else if s.starts_with("<![CDATA[") {
            let start = s.pos;
            s.eat_until_after("]]>");
            s.emit(TokenKind::String, start);
        } else if c == '<' {
            let start = s.pos;
            s.pos += 1;
            s.eat(if s.starts_with("/") { "/" } else { "?" });
            s.emit(TokenKind::Punctuation, start);
            let start = s.pos;
            s.eat_while(|c| is_ident(c) || ":.-".contains(c));
            s.emit(TokenKind::Tag, start);
            in_tag = true;
        } else if in_tag && (c == '>' || s.starts_with("/>") || s.starts_with("?>")) {
            let start = s.pos;
            s.eat_until_after(">");
            s.emit(TokenKind::Punctuation, start);
            in_tag = false;
        } else if in_tag && (c == '"' || c == '\'') {
            s.string(c, false, true);
        } else if in_tag && (is_ident(c) || c == ':') {
            let start = s.pos;
            s.eat_while(|c| is_ident(c) || ":.-".contains(c));
            s.emit(TokenKind::Key, start);
        } else if !in_tag && c == '&' {
            let start = s.pos;
            s.eat_while(|c| c != ';' && !c.is_whitespace());
            s.eat(";");
            s.emit(TokenKind::Literal, start);
        } else {
            s.bump(if in_tag {
                TokenKind::Punctuation
            } else {
                TokenKind::Plain
            });
        }
    }
    s.finish()
}

/// A raw HTTP request or response: start line, `Name: value` headers, then a (JSON) body.
pub fn http(code: &str) -> Vec<(TokenKind, String)> {
    let mut s = Scanner::new(code);
    let mut first = true;
    while !s.done() {
        let line_end = s.pos + s.rest().find('\n').unwrap_or(s.rest().len());
        let line = &s.src[s.pos..line_end];
        if line.trim().is_empty() && !first {
            s.pos = line_end;
            s.emit(TokenKind::Plain, s.pos - line.len());
            if !s.done() {
                s.bump(TokenKind::Plain);
            }
            json_into(&mut s);
            break;
        }
        if first {
            let start = s.pos;
            s.eat_while(|c| !c.is_whitespace());
            s.emit(TokenKind::Keyword, start);
            while s.pos < line_end {
                if s.at_number() {
                    s.number();
                } else {
                    s.bump(TokenKind::Plain);
                }
            }
        } else if let Some(colon) = line.find(':') {
            let start = s.pos;
            s.pos += colon;
            s.emit(TokenKind::Key, start);
            let start = s.pos;
            s.pos = line_end;
            s.emit(TokenKind::Plain, start);
        } else {
            let start = s.pos;
            s.pos = line_end;
            s.emit(TokenKind::Plain, start);
        }
        first = false;
        if !s.done() {
            s.bump(TokenKind::Plain);
        }
    }
    s.finish()
}
