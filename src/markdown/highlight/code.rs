//! Tokenizers for programming languages: shell, Python, the C family (Java, Apex, JavaScript,
//! Rust) and SQL/SOQL.

use super::scanner::{is_ident, is_ident_start, Scanner};
use crate::tui::theme::TokenKind;

pub const JAVA_KEYWORDS: &str = "\
    abstract boolean break byte case catch char class const continue default do double else \
    enum extends final finally float for if implements import instanceof int interface long \
    new package private protected public return short static super switch this throw throws \
    try var void while record func";

/// Apex is case-insensitive; these are compared in lower case.
pub const APEX_KEYWORDS: &str = "\
    abstract after before break catch class continue delete do else enum extends final \
    finally for global if implements insert instanceof interface merge new on override \
    private protected public return sharing static super switch testmethod this throw \
    trigger try undelete update upsert virtual void webservice when while with without \
    inherited";

pub const JS_KEYWORDS: &str = "\
    async await break case catch class const continue default delete do else export extends \
    finally for from function if import in instanceof interface let new of return switch \
    this throw try type typeof var void while yield";

pub const RUST_KEYWORDS: &str = "\
    as async await break const continue crate else enum fn for if impl in let loop match mod \
    move mut pub ref return self Self static struct trait type use where while";

const SHELL_KEYWORDS: &str = "\
    if then else elif fi for while until do done case esac in function return local export \
    set exit break continue readonly unset";

const PYTHON_KEYWORDS: &str = "\
    and as assert async await break class continue def del elif else except finally for from \
    global if import in is lambda nonlocal not or pass raise return try while with yield";

const SQL_KEYWORDS: &str = "\
    select from where and or not in like limit offset order by group having asc desc nulls \
    first last with typeof when then else end using scope includes excludes for update view \
    reference all rows insert into values delete set find returning security_enforced \
    user_mode count";

fn word_kind(word: &str, keywords: &str, ignore_case: bool, literals: &[&str]) -> TokenKind {
    if literals.contains(&word) {
        return TokenKind::Literal;
    }
    let hit = if ignore_case {
        let lower = word.to_ascii_lowercase();
        keywords.split_whitespace().any(|k| k == lower)
    } else {
        keywords.split_whitespace().any(|k| k == word)
    };
    if hit {
        TokenKind::Keyword
    } else {
        TokenKind::Plain
    }
}

fn word(s: &mut Scanner, keywords: &str, ignore_case: bool, literals: &[&str]) {
    let start = s.pos;
    let w = s.eat_while(is_ident);
    let kind = word_kind(w, keywords, ignore_case, literals);
    s.emit(kind, start);
}

pub fn shell(code: &str) -> Vec<(TokenKind, String)> {
    let mut s = Scanner::new(code);
    while let Some(c) = s.peek() {
        let at_word_start = s.prev().is_none_or(|p| p.is_whitespace() || p == ';');
        match c {
            '#' if at_word_start => {
                let start = s.pos;
                s.eat_line();
                s.emit(TokenKind::Comment, start);
            }
            '"' => s.string('"', true, true),
            '\'' => s.string('\'', false, true),
            '$' => {
                let start = s.pos;
                s.pos += 1;
                match s.peek() {
                    Some('{') => s.eat_until_after("}"),
                    Some(c) if is_ident_start(c) => {
                        s.eat_while(is_ident);
                    }
                    Some(c) if c.is_ascii_digit() || "?@#*!$-".contains(c) => s.pos += 1,
                    _ => {
                        s.emit(TokenKind::Punctuation, start);
                        continue;
                    }
                }
                s.emit(TokenKind::Variable, start);
            }
            '-' if at_word_start => {
                let start = s.pos;
                s.eat_while(|c| !c.is_whitespace() && c != '=' && c != ';');
                s.emit(TokenKind::Key, start);
            }
            _ if s.at_number() => s.number(),
            _ if is_ident_start(c) => word(&mut s, SHELL_KEYWORDS, false, &["true", "false"]),
            _ => s.bump(TokenKind::Plain),
        }
    }
    s.finish()
}

pub fn python(code: &str) -> Vec<(TokenKind, String)> {
    let mut s = Scanner::new(code);
    while let Some(c) = s.peek() {
        match c {
            '#' => {
                let start = s.pos;
                s.eat_line();
                s.emit(TokenKind::Comment, start);
            }
            '"' | '\'' => {
                let triple = c.to_string().repeat(3);
                if s.starts_with(&triple) {
                    let start = s.pos;
                    s.pos += 3;
                    s.eat_until_after(&triple);
                    s.emit(TokenKind::String, start);
                } else {
                    s.string(c, true, false);
                }
            }
            '@' if s.prev().is_none_or(|p| p == '\n' || p == ' ') => {
                let start = s.pos;
                s.pos += 1;
                s.eat_while(|c| is_ident(c) || c == '.');
                s.emit(TokenKind::Tag, start);
            }
            _ if s.at_number() => s.number(),
            _ if is_ident_start(c) => {
                // String prefixes: f"…", rb'…'.
                let rest = s.rest();
                let prefix_len = rest
                    .find(['"', '\''])
                    .filter(|&i| i <= 2 && rest[..i].chars().all(|p| "rRbBfFuU".contains(p)));
                match prefix_len {
                    Some(i) if i > 0 => {
                        let start = s.pos;
                        s.pos += i;
                        s.emit(TokenKind::String, start);
                    }
                    _ => word(&mut s, PYTHON_KEYWORDS, false, &["True", "False", "None"]),
                }
            }
            _ => s.bump(TokenKind::Plain),
        }
    }
    s.finish()
}

/// Java, Apex, JavaScript, Rust: `//` and `/* */` comments, quoted strings, `@` annotations.
pub fn c_like(
    code: &str,
    keywords: &str,
    ignore_case: bool,
    backticks: bool,
) -> Vec<(TokenKind, String)> {
    let mut s = Scanner::new(code);
    let literals: &[&str] = if ignore_case {
        &[
            "true", "false", "null", "TRUE", "FALSE", "NULL", "True", "False", "Null",
        ]
    } else {
        &[
            "true",
            "false",
            "null",
            "undefined",
            "None",
            "Some",
            "Ok",
            "Err",
        ]
    };
    while let Some(c) = s.peek() {
        match c {
            '/' if s.starts_with("//") => {
                let start = s.pos;
                s.eat_line();
                s.emit(TokenKind::Comment, start);
            }
            '/' if s.starts_with("/*") => {
                let start = s.pos;
                s.pos += 2;
                s.eat_until_after("*/");
                s.emit(TokenKind::Comment, start);
            }
            '"' if s.starts_with("\"\"\"") => {
                let start = s.pos;
                s.pos += 3;
                s.eat_until_after("\"\"\"");
                s.emit(TokenKind::String, start);
            }
            '"' => s.string('"', true, false),
            '\'' => s.string('\'', true, false),
            '`' if backticks => s.string('`', true, true),
            '@' => {
                let start = s.pos;
                s.pos += 1;
                s.eat_while(|c| is_ident(c) || c == '.');
                s.emit(TokenKind::Tag, start);
            }
            _ if s.at_number() => s.number(),
            _ if is_ident_start(c) => word(&mut s, keywords, ignore_case, literals),
            _ => s.bump(TokenKind::Plain),
        }
    }
    s.finish()
}

/// SQL and SOQL: keywords in any case, `'…'` strings, `--` comments.
pub fn sql(code: &str) -> Vec<(TokenKind, String)> {
    let mut s = Scanner::new(code);
    while let Some(c) = s.peek() {
        match c {
            '-' if s.starts_with("--") => {
                let start = s.pos;
                s.eat_line();
                s.emit(TokenKind::Comment, start);
            }
            '\'' => s.string('\'', true, false),
            ':' if s.peek_at(1).is_some_and(is_ident_start) => {
                let start = s.pos;
                s.pos += 1;
                s.eat_while(is_ident);
                s.emit(TokenKind::Variable, start);
            }
            _ if s.at_number() => s.number(),
            _ if is_ident_start(c) => word(
                &mut s,
                SQL_KEYWORDS,
                true,
                &["true", "false", "null", "TRUE", "FALSE", "NULL"],
            ),
            _ => s.bump(TokenKind::Plain),
        }
    }
    s.finish()
}
