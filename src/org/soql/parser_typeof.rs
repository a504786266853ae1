//! Parsing a TYPEOF select item:
//! `TYPEOF What WHEN Account THEN Phone, Industry [WHEN …] [ELSE Name, Email] END`.
//!
//! At least one WHEN is needed; each THEN and the ELSE take one or more field paths. Whether
//! the names make sense (a polymorphic lookup, types it can point at, their fields) is the
//! planner's business ([`super::super::type_of`]).

use super::{PResult, ParseError, Parser};
use crate::org::soql::ast::{FieldPath, SelectItem, TypeOf, TypeOfWhen};
use crate::org::soql::lexer::Tok;

/// The text for TYPEOF outside the SELECT list of a query ([U]: worded in Salesforce's style).
pub const ONLY_IN_SELECT: &str = "TYPEOF can only be used in the SELECT list of a query";

impl Parser {
    /// The TYPEOF item the current token (the TYPEOF keyword) starts.
    pub(super) fn type_of(&mut self) -> PResult<SelectItem> {
        let pos = self.next().pos;
        let (rel, rel_pos) = self.name()?;
        if !self.is_kw("WHEN") {
            return self.unexpected();
        }
        let mut whens = Vec::new();
        while self.eat_kw("WHEN") {
            let (object, object_pos) = self.any_name()?;
            self.expect_kw("THEN")?;
            let fields = self.type_of_fields()?;
            whens.push(TypeOfWhen {
                object,
                object_pos,
                fields,
            });
        }
        let else_ = if self.eat_kw("ELSE") {
            Some(self.type_of_fields()?)
        } else {
            None
        };
        self.expect_kw("END")?;
        Ok(SelectItem::TypeOf(Box::new(TypeOf {
            pos,
            rel,
            rel_pos,
            whens,
            else_,
        })))
    }

    /// A THEN or ELSE list: field paths separated by commas.
    fn type_of_fields(&mut self) -> PResult<Vec<FieldPath>> {
        let mut fields = vec![self.path()?];
        while self.peek().tok == Tok::Comma {
            self.next();
            fields.push(self.path()?);
        }
        Ok(fields)
    }

    /// Refuses TYPEOF where a field path is expected (WHERE, ORDER BY, GROUP BY, inside a
    /// TYPEOF).
    pub(super) fn refuse_type_of_here(&self) -> PResult<()> {
        if self.is_kw("TYPEOF") {
            return Err(ParseError {
                pos: self.peek().pos,
                message: ONLY_IN_SELECT.to_string(),
            });
        }
        Ok(())
    }
}
