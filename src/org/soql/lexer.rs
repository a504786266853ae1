//! The SOQL lexer: turns query text into tokens, each with its row and column (1-based, as
//! Salesforce's error messages count them).
//!
//! Keywords are not special here — they are identifiers the parser recognises without regard
//! to case. Dates (`2024-01-31`) and date-times (`2024-01-31T10:00:00Z`) are single tokens.
//! Strings are single-quoted only (a `"` outside one is an error). String escapes follow
//! SOQL: `\'` `\"` `\n` `\r` `\t` `\b` `\f` `\u0041` resolve; `\%`, `\_` and `\\` are kept
//! escaped, so that a LIKE pattern can tell an escaped wildcard (`'50\%'`) from a backslash
//! before a wildcard (`'C:\\%'`). [`unescaped`] gives the text other comparisons use (`\\`
//! as one backslash; `\%` and `\_` as written).

/// Where a token starts: 1-based row and column.
#[derive(Debug, Clone, Copy, Default, Eq)]
pub struct Pos {
    pub row: u32,
    pub col: u32,
}

/// Positions are not part of a syntax tree's meaning: two trees that differ only in where
/// their parts were written compare equal (this is what makes print → parse round trips
/// comparable).
impl PartialEq for Pos {
    fn eq(&self, _: &Pos) -> bool {
        true
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Ident(String),
    Str(String),
    /// The number's text as written (sign excluded).
    Number(String),
    Date(String),
    DateTime(String),
    LParen,
    RParen,
    Comma,
    Dot,
    Colon,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Minus,
    Plus,
    Eof,
}

impl Tok {
    /// The token as Salesforce quotes it in "unexpected token" messages.
    pub fn shown(&self) -> String {
        match self {
            Tok::Ident(s) | Tok::Number(s) | Tok::Date(s) | Tok::DateTime(s) => s.clone(),
            Tok::Str(s) => format!("'{s}'"),
            Tok::LParen => "(".into(),
            Tok::RParen => ")".into(),
            Tok::Comma => ",".into(),
            Tok::Dot => ".".into(),
            Tok::Colon => ":".into(),
            Tok::Eq => "=".into(),
            Tok::Ne => "!=".into(),
            Tok::Lt => "<".into(),
            Tok::Le => "<=".into(),
            Tok::Gt => ">".into(),
            Tok::Ge => ">=".into(),
            Tok::Minus => "-".into(),
            Tok::Plus => "+".into(),
            Tok::Eof => "<EOF>".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub pos: Pos,
}

/// A lexing failure: where, and what to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    pub pos: Pos,
    pub message: String,
}

struct Cursor<'a> {
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
    src: &'a str,
    row: u32,
    col: u32,
}

impl Cursor<'_> {
    fn peek(&mut self) -> Option<char> {
        self.chars.peek().map(|c| c.1)
    }

    fn bump(&mut self) -> Option<char> {
        let (_, c) = self.chars.next()?;
        if c == '\n' {
            self.row += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn offset(&mut self) -> usize {
        self.chars.peek().map(|c| c.0).unwrap_or(self.src.len())
    }
}

fn is_date_at(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
}

/// Length of a date-time tail after `YYYY-MM-DD` (`T10:00:00`, fraction, `Z` or offset).
fn datetime_tail_len(s: &str) -> usize {
    let b = s.as_bytes();
    if b.len() < 9 || b[0] != b'T' {
        return 0;
    }
    let hms = &b[1..9];
    let ok = hms[0..2].iter().all(u8::is_ascii_digit)
        && hms[2] == b':'
        && hms[3..5].iter().all(u8::is_ascii_digit)
        && hms[5] == b':'
        && hms[6..8].iter().all(u8::is_ascii_digit);
    if !ok {
        return 0;
    }
    let mut i = 9;
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    match b.get(i) {
        Some(b'Z') | Some(b'z') => i + 1,
        Some(b'+') | Some(b'-') => {
            let z = &b[i + 1..];
            if z.len() >= 5
                && z[..2].iter().all(u8::is_ascii_digit)
                && z[2] == b':'
                && z[3..5].iter().all(u8::is_ascii_digit)
            {
                i + 6
            } else if z.len() >= 4 && z[..4].iter().all(u8::is_ascii_digit) {
                i + 5
            } else {
                0
            }
        }
        _ => 0,
    }
}

/// Splits `src` into tokens, ending with [`Tok::Eof`].
pub fn lex(src: &str) -> Result<Vec<Token>, LexError> {
    let mut c = Cursor {
        chars: src.char_indices().peekable(),
        src,
        row: 1,
        col: 1,
    };
    let mut out = Vec::new();
    loop {
        while c.peek().is_some_and(char::is_whitespace) {
            c.bump();
        }
        let pos = Pos {
            row: c.row,
            col: c.col,
        };
        let start = c.offset();
        let Some(ch) = c.peek() else {
            out.push(Token { tok: Tok::Eof, pos });
            return Ok(out);
        };
        let tok = if ch.is_ascii_alphabetic() || ch == '_' {
            let mut s = String::new();
            while let Some(x) = c.peek().filter(|x| x.is_ascii_alphanumeric() || *x == '_') {
                s.push(x);
                c.bump();
            }
            Tok::Ident(s)
        } else if ch.is_ascii_digit() {
            let rest = &src[start..];
            if is_date_at(rest) {
                let tail = datetime_tail_len(&rest[10..]);
                let len = 10 + tail;
                for _ in 0..len {
                    c.bump();
                }
                let text = rest[..len].to_string();
                if tail > 0 {
                    Tok::DateTime(text)
                } else {
                    Tok::Date(text)
                }
            } else {
                let mut s = String::new();
                while let Some(x) = c.peek().filter(|x| x.is_ascii_digit() || *x == '.') {
                    s.push(x);
                    c.bump();
                }
                if s.matches('.').count() > 1 || s.ends_with('.') {
                    return Err(LexError {
                        pos,
                        message: format!("unexpected token: {s}"),
                    });
                }
                Tok::Number(s)
            }
        } else if ch == '"' {
            // SOQL strings are single-quoted only; `"` is kept for escapes inside them.
            // [U] the exact text real orgs give for a double-quoted literal.
            return Err(LexError {
                pos,
                message: "unexpected token: \". SOQL string literals are enclosed in single quotes ('Falcon Corp'), not double quotes".into(),
            });
        } else if ch == '\'' {
            let quote = ch;
            c.bump();
            let mut s = String::new();
            loop {
                match c.bump() {
                    None => {
                        return Err(LexError {
                            pos,
                            message: "unterminated string literal: add the closing quote".into(),
                        })
                    }
                    Some(x) if x == quote => break,
                    Some('\\') => match c.bump() {
                        Some('n') => s.push('\n'),
                        Some('r') => s.push('\r'),
                        Some('t') => s.push('\t'),
                        Some('b') => s.push('\u{8}'),
                        Some('f') => s.push('\u{c}'),
                        Some(q @ ('\'' | '"')) => s.push(q),
                        Some(w @ ('%' | '_' | '\\')) => {
                            s.push('\\');
                            s.push(w);
                        }
                        Some('u') => {
                            let mut hex = String::new();
                            for _ in 0..4 {
                                if let Some(h) = c.bump() {
                                    hex.push(h);
                                }
                            }
                            match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                                Some('\\') => s.push_str("\\\\"),
                                Some(u) => s.push(u),
                                None => {
                                    return Err(LexError {
                                        pos,
                                        message: format!(
                                            "Invalid unicode escape sequence: \\u{hex}"
                                        ),
                                    })
                                }
                            }
                        }
                        other => {
                            let shown: String = other.into_iter().collect();
                            return Err(LexError {
                                pos,
                                message: format!(
                                    "Invalid string literal '\\{shown}'. Illegal character sequence '\\{shown}' in string literal."
                                ),
                            });
                        }
                    },
                    Some(x) => s.push(x),
                }
            }
            Tok::Str(s)
        } else {
            c.bump();
            match ch {
                '(' => Tok::LParen,
                ')' => Tok::RParen,
                ',' => Tok::Comma,
                '.' => Tok::Dot,
                ':' => Tok::Colon,
                '=' => Tok::Eq,
                '-' => Tok::Minus,
                '+' => Tok::Plus,
                '!' if c.peek() == Some('=') => {
                    c.bump();
                    Tok::Ne
                }
                '<' => match c.peek() {
                    Some('=') => {
                        c.bump();
                        Tok::Le
                    }
                    Some('>') => {
                        c.bump();
                        Tok::Ne
                    }
                    _ => Tok::Lt,
                },
                '>' => {
                    if c.peek() == Some('=') {
                        c.bump();
                        Tok::Ge
                    } else {
                        Tok::Gt
                    }
                }
                other => {
                    return Err(LexError {
                        pos,
                        message: format!("unexpected token: {other}"),
                    })
                }
            }
        };
        out.push(Token { tok, pos });
    }
}

/// A string token's text as `=`, `IN` and the other non-LIKE comparisons read it: a kept
/// `\\` is one backslash, while `\%` and `\_` stay as written (they are LIKE's escapes).
pub fn unescaped(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains("\\\\") {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '\\' {
            match chars.next() {
                Some('\\') | None => {}
                Some(next) => out.push(next),
            }
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        lex(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn words_numbers_dates_and_operators() {
        assert_eq!(
            toks("Amount >= 10.5 AND CloseDate < 2024-01-31 OR x <> y"),
            vec![
                Tok::Ident("Amount".into()),
                Tok::Ge,
                Tok::Number("10.5".into()),
                Tok::Ident("AND".into()),
                Tok::Ident("CloseDate".into()),
                Tok::Lt,
                Tok::Date("2024-01-31".into()),
                Tok::Ident("OR".into()),
                Tok::Ident("x".into()),
                Tok::Ne,
                Tok::Ident("y".into()),
                Tok::Eof
            ]
        );
        assert_eq!(
            toks("2024-01-31T10:00:00.000+0100")[0],
            Tok::DateTime("2024-01-31T10:00:00.000+0100".into())
        );
    }

    #[test]
    fn string_escapes_resolve_but_backslashes_and_like_wildcards_stay_escaped() {
        assert_eq!(
            toks(r"'O\'Brien \\ \n 50\%'")[0],
            Tok::Str(r"O'Brien \\ ".to_string() + "\n" + r" 50\%")
        );
        assert_eq!(unescaped(r"C:\\Temp\\%  50\%"), r"C:\Temp\%  50\%");
        assert_eq!(toks(r"'\u005c'")[0], Tok::Str(r"\\".into()));
    }

    #[test]
    fn positions_count_rows_and_columns_from_one() {
        let t = lex("SELECT Id\nFROM Account").unwrap();
        assert_eq!((t[2].pos.row, t[2].pos.col), (2, 1));
        assert_eq!((t[1].pos.row, t[1].pos.col), (1, 8));
    }

    #[test]
    fn double_quoted_strings_are_refused_but_escaped_quotes_inside_single_quotes_are_kept() {
        let e = lex("SELECT Id FROM Account WHERE Name = \"Falcon Corp\"").unwrap_err();
        assert_eq!(e.pos.col, 37);
        assert!(e.message.starts_with("unexpected token: \""));
        assert_eq!(toks(r#"'say \"hi\"'"#)[0], Tok::Str("say \"hi\"".into()));
    }

    #[test]
    fn an_unterminated_string_is_an_error_not_a_panic() {
        assert!(lex("SELECT Id FROM Account WHERE Name = 'abc").is_err());
        assert!(lex("'\\").is_err());
    }
}
