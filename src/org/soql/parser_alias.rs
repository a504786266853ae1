//! Alias notation after FROM: `FROM Contact c` names the queried object `c`, and
//! `FROM Contact c, c.Account a` names a parent relationship path `a`, so that `c.LastName`
//! and `a.Name` read as `LastName` and `Account.Name`.
//!
//! Aliases are resolved while parsing: the syntax tree holds the paths they stand for (and
//! prints without them), so the planner and everything after it never see an alias.
//!
//! Implementation notes: an alias covers the query's own SELECT list, WHERE, GROUP BY, HAVING
//! and ORDER BY; a subquery (child or semi-join) has its own FROM and aliases. A path whose
//! first part names an alias is read through the alias, even where a relationship has the
//! same name [U: which one real orgs prefer was not captured].

use super::{PResult, Parser};
use crate::org::soql::ast::{Cond, FieldPath, Operand, Query, SelectItem};
use crate::org::soql::lexer::Tok;

/// The aliases one FROM clause declares: each name with the path parts it stands for (none for
/// the queried object itself).
#[derive(Debug, Default)]
pub(super) struct Aliases(Vec<(String, Vec<String>)>);

impl Aliases {
    /// `parts` with a leading alias replaced by what it stands for.
    fn expand(&self, parts: &[String]) -> Option<Vec<String>> {
        let (first, rest) = parts.split_first()?;
        if rest.is_empty() {
            return None;
        }
        let (_, prefix) = self.0.iter().find(|(a, _)| a.eq_ignore_ascii_case(first))?;
        Some(prefix.iter().chain(rest).cloned().collect())
    }

    fn path(&self, p: &mut FieldPath) {
        if let Some(parts) = self.expand(&p.parts) {
            p.parts = parts;
        }
    }

    fn operand(&self, o: &mut Operand) {
        match o {
            Operand::Field(p) => self.path(p),
            Operand::Aggregate(a) => {
                if let Some(p) = &mut a.arg {
                    self.path(p);
                }
            }
            Operand::DateFunction(d) => self.path(&mut d.arg),
        }
    }

    fn cond(&self, c: &mut Cond) {
        match c {
            Cond::And(parts) | Cond::Or(parts) => parts.iter_mut().for_each(|c| self.cond(c)),
            Cond::Not(inner) => self.cond(inner),
            Cond::Cmp { left, .. } => self.operand(left),
        }
    }

    /// Replaces the aliases in `q`'s own clauses (not in its subqueries).
    pub(super) fn apply(&self, q: &mut Query) {
        if self.0.is_empty() {
            return;
        }
        for item in &mut q.select {
            match item {
                SelectItem::Field(p) | SelectItem::AliasedField { path: p, .. } => self.path(p),
                SelectItem::Aggregate { agg, .. } => {
                    if let Some(p) = &mut agg.arg {
                        self.path(p);
                    }
                }
                SelectItem::DateFunction { func, .. } => self.path(&mut func.arg),
                SelectItem::Subquery(_) | SelectItem::Fields { .. } | SelectItem::TypeOf(_) => {}
            }
        }
        for c in q.where_.iter_mut().chain(q.having.iter_mut()) {
            self.cond(c);
        }
        for o in q.group_by.iter_mut() {
            self.operand(o);
        }
        for o in q.order_by.iter_mut() {
            self.operand(&mut o.key);
        }
    }
}

impl Parser {
    /// The aliases after a FROM object, if any: `c`, then `, c.Account a` and the like.
    pub(super) fn aliases_after_from(&mut self, object: &str) -> PResult<Aliases> {
        let mut aliases = Aliases::default();
        if matches!(&self.peek().tok, Tok::Ident(w) if !super::is_reserved(w)) {
            let (alias, _) = self.name()?;
            aliases.0.push((alias, Vec::new()));
        }
        while self.peek().tok == Tok::Comma {
            self.next();
            let path = self.path()?;
            let mut parts = aliases.expand(&path.parts).unwrap_or(path.parts);
            if parts.len() > 1 && parts[0].eq_ignore_ascii_case(object) {
                parts.remove(0);
            }
            let (alias, _) = self.name()?;
            aliases.0.push((alias, parts));
        }
        Ok(aliases)
    }
}
