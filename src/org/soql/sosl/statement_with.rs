//! The `WITH …` clauses of a SOSL statement, each read with the arguments its own grammar
//! takes, so a clause ends where it should and whatever follows is read as the next clause
//! (a misplaced RETURNING or stray words are "unexpected token", not swallowed):
//!
//! ```text
//! WITH DATA CATEGORY Group__c AT|ABOVE|BELOW|ABOVE_OR_BELOW Cat__c|(Cat__c, …) [AND …]
//! WITH DIVISION = 'name'             WITH PRICEBOOKID = 'id'
//! WITH NETWORK = 'id'                WITH NETWORK IN ('id', …)
//! WITH METADATA = 'LABELS'           WITH SPELL_CORRECTION = true|false
//! WITH SNIPPET [(target_length = n)] WITH HIGHLIGHT   WITH USER_MODE   WITH SYSTEM_MODE
//! ```
//!
//! Implementation notes: only METADATA changes the answer. The others shape results in ways
//! the mock org does not model (divisions, data categories, networks, price books, snippets,
//! highlights, spelling), so they are checked and then accepted as written.

use super::{malformed, Cursor, Statement};
use crate::org::error::SfError;
use crate::org::soql::lexer::{Tok, Token};

/// Reads one WITH clause, the word WITH already read.
pub(super) fn read(c: &mut Cursor, src: &str, stmt: &mut Statement) -> Result<(), SfError> {
    let name = c.bump();
    let Tok::Ident(word) = &name.tok else {
        return Err(malformed(src, &name));
    };
    match word.to_ascii_uppercase().as_str() {
        "HIGHLIGHT" | "USER_MODE" | "SYSTEM_MODE" => Ok(()),
        "DIVISION" | "PRICEBOOKID" => {
            equals(c, src)?;
            string(c, src).map(drop)
        }
        "METADATA" => {
            equals(c, src)?;
            let value = string(c, src)?;
            match &value.tok {
                Tok::Str(v) if v.eq_ignore_ascii_case("LABELS") => {
                    stmt.metadata_labels = true;
                    Ok(())
                }
                _ => Err(malformed(src, &value)),
            }
        }
        "SPELL_CORRECTION" => {
            equals(c, src)?;
            if c.eat_kw("TRUE") || c.eat_kw("FALSE") {
                Ok(())
            } else {
                Err(malformed(src, c.peek()))
            }
        }
        "NETWORK" if c.eat_kw("IN") => list(c, src, string),
        "NETWORK" => {
            equals(c, src)?;
            string(c, src).map(drop)
        }
        "SNIPPET" if c.peek().tok == Tok::LParen => {
            c.bump();
            if !c.eat_kw("TARGET_LENGTH") {
                return Err(malformed(src, c.peek()));
            }
            equals(c, src)?;
            expect(c, src, |t| matches!(t, Tok::Number(_)))?;
            expect(c, src, |t| *t == Tok::RParen).map(drop)
        }
        "SNIPPET" => Ok(()),
        "DATA" => {
            if !c.eat_kw("CATEGORY") {
                return Err(malformed(src, c.peek()));
            }
            data_category(c, src)?;
            while c.eat_kw("AND") {
                data_category(c, src)?;
            }
            Ok(())
        }
        _ => Err(malformed(src, &name)),
    }
}

/// `Group__c SELECTOR Category__c` or `Group__c SELECTOR (Category__c, …)`.
fn data_category(c: &mut Cursor, src: &str) -> Result<(), SfError> {
    name(c, src)?;
    let selector = ["AT", "ABOVE", "BELOW", "ABOVE_OR_BELOW"]
        .iter()
        .any(|s| c.eat_kw(s));
    if !selector {
        return Err(malformed(src, c.peek()));
    }
    if c.peek().tok == Tok::LParen {
        c.bump();
        return list_rest(c, src, name);
    }
    name(c, src).map(drop)
}

/// `(item, …)`, each item read by `item`.
fn list(
    c: &mut Cursor,
    src: &str,
    item: fn(&mut Cursor, &str) -> Result<Token, SfError>,
) -> Result<(), SfError> {
    expect(c, src, |t| *t == Tok::LParen)?;
    list_rest(c, src, item)
}

/// The items and closing parenthesis of a list whose `(` is read.
fn list_rest(
    c: &mut Cursor,
    src: &str,
    item: fn(&mut Cursor, &str) -> Result<Token, SfError>,
) -> Result<(), SfError> {
    item(c, src)?;
    while c.peek().tok == Tok::Comma {
        c.bump();
        item(c, src)?;
    }
    expect(c, src, |t| *t == Tok::RParen).map(drop)
}

fn equals(c: &mut Cursor, src: &str) -> Result<Token, SfError> {
    expect(c, src, |t| *t == Tok::Eq)
}

fn string(c: &mut Cursor, src: &str) -> Result<Token, SfError> {
    expect(c, src, |t| matches!(t, Tok::Str(_)))
}

fn name(c: &mut Cursor, src: &str) -> Result<Token, SfError> {
    expect(c, src, |t| matches!(t, Tok::Ident(_)))
}

/// The next token when `fits` it, else "unexpected token" at it.
fn expect(c: &mut Cursor, src: &str, fits: impl Fn(&Tok) -> bool) -> Result<Token, SfError> {
    if fits(&c.peek().tok) {
        Ok(c.bump())
    } else {
        Err(malformed(src, c.peek()))
    }
}
