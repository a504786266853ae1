//! A character scanner shared by the per-language tokenizers.

use crate::tui::theme::TokenKind;

/// Walks a source string, emitting `(kind, text)` tokens that together spell the source.
pub struct Scanner<'a> {
    pub src: &'a str,
    pub pos: usize,
    out: Vec<(TokenKind, String)>,
}

impl<'a> Scanner<'a> {
    pub fn new(src: &'a str) -> Scanner<'a> {
        Scanner {
            src,
            pos: 0,
            out: Vec::new(),
        }
    }

    pub fn done(&self) -> bool {
        self.pos >= self.src.len()
    }

    pub fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    pub fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    pub fn peek_at(&self, n: usize) -> Option<char> {
        self.rest().chars().nth(n)
    }

    /// The character before the cursor, if any.
    pub fn prev(&self) -> Option<char> {
        self.src[..self.pos].chars().next_back()
    }

    pub fn starts_with(&self, s: &str) -> bool {
        self.rest().starts_with(s)
    }

    /// Emits `src[start..pos]` as one token, merging with the previous token of the same kind.
    pub fn emit(&mut self, kind: TokenKind, start: usize) {
        if start >= self.pos {
            return;
        }
        let text = &self.src[start..self.pos];
        match self.out.last_mut() {
            Some((k, t)) if *k == kind => t.push_str(text),
            _ => self.out.push((kind, text.to_string())),
        }
    }

    /// Advances one character and emits it as `kind`.
    pub fn bump(&mut self, kind: TokenKind) {
        let start = self.pos;
        if let Some(c) = self.peek() {
            self.pos += c.len_utf8();
        }
        self.emit(kind, start);
    }

    /// Advances while `f` holds; returns the consumed text.
    pub fn eat_while(&mut self, f: impl Fn(char) -> bool) -> &'a str {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if !f(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
        &self.src[start..self.pos]
    }

    /// Advances past `s` if the rest starts with it.
    pub fn eat(&mut self, s: &str) -> bool {
        if self.starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    /// Consumes up to and including `end` (or to the end of the source).
    pub fn eat_until_after(&mut self, end: &str) {
        match self.rest().find(end) {
            Some(i) => self.pos += i + end.len(),
            None => self.pos = self.src.len(),
        }
    }

    /// Consumes to the end of the line (not the newline itself).
    pub fn eat_line(&mut self) {
        self.eat_while(|c| c != '\n');
    }

    /// A quoted string opening at the cursor; `escapes` honours backslashes. A single-line
    /// string stops at the end of the line when unterminated.
    pub fn string(&mut self, quote: char, escapes: bool, multiline: bool) {
        let start = self.pos;
        self.skip_string(quote, escapes, multiline);
        self.emit(TokenKind::String, start);
    }

    /// Like [`Scanner::string`] but emits nothing, so the caller picks the kind.
    pub fn skip_string(&mut self, quote: char, escapes: bool, multiline: bool) {
        self.pos += quote.len_utf8();
        while let Some(c) = self.peek() {
            if c == '\n' && !multiline {
                break;
            }
            self.pos += c.len_utf8();
            if escapes && c == '\\' {
                if let Some(n) = self.peek() {
                    self.pos += n.len_utf8();
                }
            } else if c == quote {
                break;
            }
        }
    }

    /// A number at the cursor: digits with `.`, `_`, hex letters and exponents.
    pub fn number(&mut self) {
        let start = self.pos;
        self.eat_while(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_');
        self.emit(TokenKind::Number, start);
    }

    /// True when the cursor starts a number that is not the tail of an identifier.
    pub fn at_number(&self) -> bool {
        self.peek().is_some_and(|c| c.is_ascii_digit())
            && !self.prev().is_some_and(|p| p.is_alphanumeric() || p == '_')
    }

    pub fn finish(self) -> Vec<(TokenKind, String)> {
        self.out
    }
}

pub fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

pub fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}
