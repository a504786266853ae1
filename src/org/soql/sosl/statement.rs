//! A SOSL statement's clauses, in the order Salesforce accepts them:
//!
//! ```text
//! FIND {search expression}
//! [IN ALL | NAME | EMAIL | PHONE | SIDEBAR FIELDS]
//! [RETURNING Object[(Field, … [WHERE …] [ORDER BY …] [LIMIT n] [OFFSET n])], …]
//! [WITH …]…            (DIVISION, DATA CATEGORY, SNIPPET, NETWORK, PRICEBOOKID, METADATA,
//!                       SPELL_CORRECTION, HIGHLIGHT, USER_MODE, SYSTEM_MODE: statement_with.rs)
//! [LIMIT n]
//! [UPDATE TRACKING | VIEWSTAT, …]
//! ```
//!
//! Everything after the closing brace is lexed with the SOQL lexer over the statement with the
//! `FIND {…}` part blanked out, so every position in an error message is a position in the
//! statement the learner wrote.

use super::super::error::located;
use super::super::lexer::{lex, Tok, Token};
use super::super::parser::parse_returning;
use super::term::{self, TermError, TermExpr};
use crate::org::error::{ErrorCode, SfError};
use crate::org::soql::ast::Query;

/// Which fields the search expression is looked for in (`IN … FIELDS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All,
    Name,
    Email,
    Phone,
    Sidebar,
}

impl Scope {
    /// The scope named by `IN <word> FIELDS` or by parameterizedSearch's `in`.
    pub fn from_word(word: &str) -> Option<Scope> {
        Some(match word.to_ascii_uppercase().as_str() {
            "ALL" => Scope::All,
            "NAME" => Scope::Name,
            "EMAIL" => Scope::Email,
            "PHONE" => Scope::Phone,
            "SIDEBAR" => Scope::Sidebar,
            _ => return None,
        })
    }
}

/// A parsed SOSL statement.
#[derive(Debug, Clone)]
pub struct Statement {
    /// The text between the braces, as written.
    pub term_text: String,
    pub term: TermExpr,
    pub scope: Scope,
    /// One spec per object after RETURNING (empty: every searchable object, Id only).
    pub returning: Vec<Query>,
    /// The overall LIMIT.
    pub limit: Option<u64>,
    /// `WITH METADATA = 'LABELS'`: the response also describes the returned fields.
    pub metadata_labels: bool,
}

const NO_TERM: &str = "No search term found. The search term must be enclosed in braces.";

fn malformed(src: &str, t: &Token) -> SfError {
    located(
        ErrorCode::MALFORMED_SEARCH,
        src,
        t.pos,
        &format!("unexpected token: {}", t.tok.shown()),
    )
}

/// Finds `FIND {` and the matching unescaped `}`: byte offsets of the term's start and end.
fn term_span(src: &str) -> Result<(usize, usize), SfError> {
    let trimmed = src.trim_start();
    let lead = src.len() - trimmed.len();
    let word_end = trimmed
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(trimmed.len());
    if !trimmed[..word_end].eq_ignore_ascii_case("FIND") {
        let toks = lex(src).unwrap_or_default();
        return Err(match toks.first() {
            Some(t) if t.tok != Tok::Eof => malformed(src, t),
            _ => SfError::new(ErrorCode::MALFORMED_SEARCH, NO_TERM),
        });
    }
    let after = &trimmed[word_end..];
    let rest = after.trim_start();
    if !rest.starts_with('{') {
        return Err(SfError::new(ErrorCode::MALFORMED_SEARCH, NO_TERM));
    }
    let open = lead + word_end + (after.len() - rest.len());
    let mut escaped = false;
    for (i, c) in src[open + 1..].char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '}' => return Ok((open + 1, open + 1 + i)),
            _ => {}
        }
    }
    Err(SfError::new(ErrorCode::MALFORMED_SEARCH, NO_TERM))
}

/// The statement with everything up to `end` blanked (newlines kept), so lexing it yields
/// tokens positioned as in the original.
fn blanked_from(src: &str, end: usize) -> String {
    src.char_indices()
        .map(|(i, c)| if i < end && c != '\n' { ' ' } else { c })
        .collect()
}

/// Parses the search expression of a statement, with Salesforce's errors.
pub fn parse_term(text: &str) -> Result<TermExpr, SfError> {
    term::parse(text).map_err(|e| match e {
        // Real orgs answer this text; the error code is not verified (INVALID_SEARCH is the
        // code of Salesforce's search-term exceptions).
        TermError::TooShort => SfError::new(
            ErrorCode::INVALID_SEARCH,
            format!("search term must be longer than one character: {text}"),
        ),
        TermError::Malformed(why) => SfError::new(
            ErrorCode::MALFORMED_SEARCH,
            format!("Invalid search term {{{text}}}: {why}."),
        ),
    })
}

/// The largest OFFSET a RETURNING object may have [D: SOSL OFFSET, "The maximum offset is
/// 2,000 rows"].
pub const MAX_OFFSET: u64 = 2000;

/// OFFSET in RETURNING: at most [`MAX_OFFSET`], and only when one object is searched.
fn check_offsets(src: &str, specs: &[Query]) -> Result<(), SfError> {
    for spec in specs {
        let Some(offset) = spec.offset else { continue };
        if offset > MAX_OFFSET {
            // The code and text the SOSL reference quotes ("MALFORMED_SEARCH: SOSL offset
            // should be between 0 to 2000"), which gives no row and column.
            return Err(SfError::new(
                ErrorCode::MALFORMED_SEARCH,
                format!("SOSL offset should be between 0 to {MAX_OFFSET}"),
            ));
        }
        if specs.len() > 1 {
            // [U] The rule is the SOSL reference's ("OFFSET can be used only when querying a
            // single object"); the real text was not captured.
            return Err(located(
                ErrorCode::MALFORMED_SEARCH,
                src,
                spec.from_pos,
                &format!(
                    "OFFSET can be used only when searching a single object, and RETURNING lists {}: return {} alone, or drop the OFFSET",
                    specs.len(),
                    spec.from
                ),
            ));
        }
    }
    Ok(())
}

struct Cursor {
    toks: Vec<Token>,
    at: usize,
}

impl Cursor {
    fn peek(&self) -> &Token {
        &self.toks[self.at.min(self.toks.len() - 1)]
    }

    fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if self.at < self.toks.len() - 1 {
            self.at += 1;
        }
        t
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        let hit = self.is_kw(kw);
        if hit {
            self.bump();
        }
        hit
    }
}

/// Parses a whole SOSL statement.
pub fn parse(src: &str) -> Result<Statement, SfError> {
    let (start, end) = term_span(src)?;
    let term_text = src[start..end].to_string();
    let term = parse_term(&term_text)?;
    let tail = blanked_from(src, end + 1);
    let toks =
        lex(&tail).map_err(|e| located(ErrorCode::MALFORMED_SEARCH, src, e.pos, &e.message))?;
    let mut c = Cursor { toks, at: 0 };
    let mut stmt = Statement {
        term_text,
        term,
        scope: Scope::All,
        returning: Vec::new(),
        limit: None,
        metadata_labels: false,
    };
    if c.eat_kw("IN") {
        let word = c.bump();
        let scope = match &word.tok {
            Tok::Ident(w) => Scope::from_word(w),
            _ => None,
        };
        stmt.scope = scope.ok_or_else(|| malformed(src, &word))?;
        if !c.eat_kw("FIELDS") {
            return Err(malformed(src, c.peek()));
        }
    }
    if c.eat_kw("RETURNING") {
        let rest = c.toks[c.at..].to_vec();
        let (specs, used) = parse_returning(rest)
            .map_err(|e| located(ErrorCode::MALFORMED_SEARCH, src, e.pos, &e.message))?;
        check_offsets(src, &specs)?;
        stmt.returning = specs;
        c.at += used;
    }
    while c.eat_kw("WITH") {
        with_clause::read(&mut c, src, &mut stmt)?;
    }
    if c.eat_kw("LIMIT") {
        let t = c.bump();
        match &t.tok {
            Tok::Number(n) => stmt.limit = Some(n.parse().map_err(|_| malformed(src, &t))?),
            _ => return Err(malformed(src, &t)),
        }
    }
    if c.eat_kw("UPDATE") {
        loop {
            if !(c.eat_kw("TRACKING") || c.eat_kw("VIEWSTAT")) {
                return Err(malformed(src, c.peek()));
            }
            if c.peek().tok != Tok::Comma {
                break;
            }
            c.bump();
        }
    }
    if c.peek().tok != Tok::Eof {
        return Err(malformed(src, c.peek()));
    }
    Ok(stmt)
}

#[path = "statement_with.rs"]
mod with_clause;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_clause() {
        let s = parse("FIND {Acme*} IN NAME FIELDS RETURNING Account(Id, Name WHERE Industry = 'Energy' ORDER BY Name LIMIT 5), Contact WITH SPELL_CORRECTION = false LIMIT 20 UPDATE TRACKING")
            .expect("parses");
        assert_eq!(s.term_text, "Acme*");
        assert_eq!(s.scope, Scope::Name);
        assert_eq!(s.returning.len(), 2);
        assert_eq!(s.returning[0].from, "Account");
        assert_eq!(s.returning[0].select.len(), 2);
        assert_eq!(s.returning[0].limit, Some(5));
        assert!(s.returning[1].select.is_empty());
        assert_eq!(s.limit, Some(20));
    }

    #[test]
    fn an_escaped_brace_stays_inside_the_term() {
        let s = parse("find {a\\}b} returning Account").expect("parses");
        assert_eq!(s.term_text, "a\\}b");
    }

    #[test]
    fn a_term_without_braces_is_malformed_search() {
        let e = parse("FIND Acme RETURNING Account").expect_err("no braces");
        assert_eq!(e.code, ErrorCode::MALFORMED_SEARCH);
        assert_eq!(e.message, NO_TERM);
        let e = parse("FIND {Acme RETURNING Account").expect_err("no closing brace");
        assert_eq!(e.code, ErrorCode::MALFORMED_SEARCH);
    }

    #[test]
    fn an_unknown_clause_points_at_its_column() {
        let e = parse("FIND {Acme} RETURNIN Account").expect_err("typo");
        assert_eq!(e.code, ErrorCode::MALFORMED_SEARCH);
        assert!(
            e.message
                .contains("ERROR at Row:1:Column:13\nunexpected token: RETURNIN"),
            "{}",
            e.message
        );
    }

    #[test]
    fn a_one_character_term_is_too_short() {
        let e = parse("FIND {a}").expect_err("too short");
        assert_eq!(e.code, ErrorCode::INVALID_SEARCH);
        assert_eq!(
            e.message,
            "search term must be longer than one character: a"
        );
    }

    #[test]
    fn metadata_labels_is_recognised() {
        assert!(
            parse("FIND {Acme} RETURNING Account(Name) WITH METADATA = 'LABELS'")
                .expect("parses")
                .metadata_labels
        );
    }

    fn unexpected_at(sosl: &str, col: u32, token: &str) {
        let e = parse(sosl).expect_err(sosl);
        assert_eq!(e.code, ErrorCode::MALFORMED_SEARCH, "{sosl}");
        assert!(
            e.message.ends_with(&format!(
                "ERROR at Row:1:Column:{col}\nunexpected token: {token}"
            )),
            "{sosl}: {}",
            e.message
        );
    }

    #[test]
    fn each_with_clause_takes_only_its_own_arguments() {
        for sosl in [
            "FIND {Falcon} RETURNING Contact(LastName) WITH SNIPPET",
            "FIND {Falcon} WITH SNIPPET (target_length = 120) LIMIT 5",
            "FIND {Falcon} WITH DIVISION = 'Global' WITH HIGHLIGHT",
            "FIND {Falcon} WITH NETWORK IN ('0DB000000000001', '0DB000000000002')",
            "FIND {Falcon} WITH NETWORK = '0DB000000000001' WITH PRICEBOOKID = '01s000000000001'",
            "FIND {Falcon} WITH DATA CATEGORY Geography__c AT (usa__c, uk__c) AND Product__c ABOVE_OR_BELOW phones__c",
            "FIND {Falcon} WITH SPELL_CORRECTION = true WITH USER_MODE UPDATE VIEWSTAT",
        ] {
            assert!(parse(sosl).is_ok(), "{sosl}: {:?}", parse(sosl).err());
        }
        unexpected_at(
            "FIND {Falcon} WITH SNIPPET RETURNING Contact(LastName)",
            28,
            "RETURNING",
        );
        unexpected_at(
            "FIND {Falcon} WITH DIVISION = 'x' this is not sosl at all",
            35,
            "this",
        );
        unexpected_at("FIND {Falcon} WITH DIVISION 'x'", 29, "'x'");
        unexpected_at("FIND {Falcon} WITH SPELL_CORRECTION = maybe", 39, "maybe");
        unexpected_at("FIND {Falcon} WITH HIGHLIGHT IN NAME FIELDS", 30, "IN");
    }

    #[test]
    fn offset_is_at_most_2000_and_only_for_one_object() {
        let e = parse("FIND {Falcon} RETURNING Account(Name OFFSET 2001)").expect_err("2001");
        assert_eq!(e.code, ErrorCode::MALFORMED_SEARCH);
        assert_eq!(e.message, "SOSL offset should be between 0 to 2000");
        assert!(parse("FIND {Falcon} RETURNING Account(Name LIMIT 5 OFFSET 2000)").is_ok());
        let e = parse("FIND {Falcon} RETURNING Account(Name OFFSET 1), Contact(LastName)")
            .expect_err("two objects");
        assert_eq!(e.code, ErrorCode::MALFORMED_SEARCH);
        assert!(
            e.message.contains(
                "ERROR at Row:1:Column:25\nOFFSET can be used only when searching a single object"
            ),
            "{}",
            e.message
        );
    }

    #[test]
    fn returning_fields_may_be_wrapped_in_to_label() {
        let s = parse("FIND {Falcon} RETURNING Account(Name, toLabel(Industry), toLabel(Type) t)")
            .expect("parses");
        let items = &s.returning[0].select;
        assert!(
            matches!(&items[1], crate::org::soql::ast::SelectItem::Field(p) if p.function.as_deref() == Some("toLabel"))
        );
        let o = crate::org::Org::default_org();
        let found = super::super::search(
            &o.store.read(),
            "FIND {Falcon} RETURNING Account(Name, toLabel(Industry))",
            &crate::org::soql::QueryOptions::new(o.clock.now(), "62.0"),
            super::super::everything(),
        )
        .expect("searches");
        let falcon = &found.records[0];
        assert_eq!(falcon["Name"], "Falcon Corp");
        assert!(falcon["Industry"].is_string(), "{falcon}");
    }

    #[test]
    fn an_unknown_scope_is_refused() {
        let e = parse("FIND {Acme} IN BOGUS FIELDS").expect_err("bad scope");
        assert_eq!(e.code, ErrorCode::MALFORMED_SEARCH);
    }
}
