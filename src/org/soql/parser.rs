//! The SOQL parser: tokens → [`Query`], by recursive descent.
//!
//! Like Salesforce, it refuses AND and OR mixed at one level without parentheses
//! (`a AND b OR c` is "unexpected token: OR"). Errors carry the offending token's position so
//! the caller can render Salesforce's `ERROR at Row:r:Column:c` layout.
//! TYPEOF select items are parsed in parser_typeof.rs, aliases after FROM in parser_alias.rs.
//!
//! Implementation notes: every parenthesis, NOT and subquery is one level of nesting, and more
//! than [`MAX_NESTING`] levels are refused as MALFORMED_QUERY before the recursion could
//! exhaust a request thread's stack. A syntax tree is never deeper than the nesting that built
//! it, so the planner and the evaluator, which walk the tree recursively, stay as shallow.

use super::ast::*;
use super::dates::is_date_literal;
use super::lexer::{lex, Tok, Token};
use super::unsupported;

/// A syntax error at a position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub pos: Pos,
    pub message: String,
}

const RESERVED: &[&str] = &[
    "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "GROUP", "BY", "HAVING", "ORDER", "LIMIT",
    "OFFSET", "FOR", "WITH", "ASC", "DESC", "NULLS", "FIRST", "LAST", "IN", "LIKE", "INCLUDES",
    "EXCLUDES", "NULL", "TRUE", "FALSE", "USING", "TYPEOF",
];

/// True for words that cannot be field names or aliases.
pub fn is_reserved(word: &str) -> bool {
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(word))
}

/// The deepest nesting of parentheses, NOTs and subqueries a query may have. [U] Salesforce
/// documents no such limit; this one keeps parsing, planning and evaluating a query well
/// within a 2 MiB request thread's stack, in a debug build too, while no hand-written query
/// comes near it.
pub const MAX_NESTING: usize = 100;

struct Parser {
    toks: Vec<Token>,
    at: usize,
    /// Parentheses, NOTs and subqueries open at the current token.
    depth: usize,
}

type PResult<T> = Result<T, ParseError>;

impl Parser {
    fn peek(&self) -> &Token {
        &self.toks[self.at.min(self.toks.len() - 1)]
    }

    fn peek_at(&self, n: usize) -> &Tok {
        &self.toks[(self.at + n).min(self.toks.len() - 1)].tok
    }

    fn next(&mut self) -> Token {
        let t = self.peek().clone();
        if self.at < self.toks.len() - 1 {
            self.at += 1;
        }
        t
    }

    fn unexpected<T>(&self) -> PResult<T> {
        let t = self.peek();
        Err(ParseError {
            pos: t.pos,
            message: format!("unexpected token: {}", t.tok.shown()),
        })
    }

    /// HAVING where no GROUP BY stands before it, refused at the keyword: SOQL's HAVING is part
    /// of its GROUP BY clause, so it filters groups and nothing else, even in a query whose
    /// aggregate functions make one group of every row (`SELECT COUNT(Id) FROM Account HAVING …`).
    ///
    /// [U] The real text was not captured. The rule is the SOQL reference's ("use a HAVING
    /// clause with a GROUP BY clause"), and the grammars written against real orgs (apex-parser,
    /// soql-parser-js) take HAVING only after GROUP BY, so the message follows the parse error a
    /// real org gives a keyword out of place ("unexpected token: HAVING"), with a hint after it
    /// as this parser's other hints are.
    fn having_without_group_by<T>(&self) -> PResult<T> {
        Err(ParseError {
            pos: self.peek().pos,
            message: "unexpected token: HAVING. HAVING filters the groups of a GROUP BY and comes after it: add GROUP BY, or filter records with WHERE instead".into(),
        })
    }

    /// Valid SOQL the mock org does not implement, refused at the current token.
    fn refuse<T>(&self, feature: &str) -> PResult<T> {
        Err(ParseError {
            pos: self.peek().pos,
            message: unsupported::message(feature),
        })
    }

    /// Runs `inner` one level of nesting deeper, refusing to go past [`MAX_NESTING`].
    fn nested<T>(&mut self, inner: impl FnOnce(&mut Parser) -> PResult<T>) -> PResult<T> {
        if self.depth >= MAX_NESTING {
            return Err(ParseError {
                pos: self.peek().pos,
                message: format!(
                    "the query is nested too deeply: parentheses, NOT and subqueries may nest at most {MAX_NESTING} levels"
                ),
            });
        }
        self.depth += 1;
        let result = inner(self);
        self.depth -= 1;
        result
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.next();
            true
        } else {
            false
        }
    }

    fn expect_kw(&mut self, kw: &str) -> PResult<()> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            self.unexpected()
        }
    }

    fn expect(&mut self, tok: Tok) -> PResult<()> {
        if self.peek().tok == tok {
            self.next();
            Ok(())
        } else {
            self.unexpected()
        }
    }

    fn name(&mut self) -> PResult<(String, Pos)> {
        match &self.peek().tok {
            Tok::Ident(s) if !is_reserved(s) => {
                let t = self.next();
                Ok((s_of(&t.tok), t.pos))
            }
            _ => self.unexpected(),
        }
    }

    /// Any word, reserved or not (object names after FROM, parts after a dot).
    fn any_name(&mut self) -> PResult<(String, Pos)> {
        match &self.peek().tok {
            Tok::Ident(_) => {
                let t = self.next();
                Ok((s_of(&t.tok), t.pos))
            }
            _ => self.unexpected(),
        }
    }

    fn path(&mut self) -> PResult<FieldPath> {
        self.refuse_type_of_here()?;
        if let (Tok::Ident(w), Tok::LParen) = (&self.peek().tok, self.peek_at(1)) {
            if let Some(message) = unsupported::function(w) {
                let pos = self.peek().pos;
                return Err(ParseError { pos, message });
            }
            if w.eq_ignore_ascii_case("convertTimezone") {
                // [U] The reference says convertTimezone() works only inside a date function.
                return Err(ParseError {
                    pos: self.peek().pos,
                    message: "convertTimezone() can only be used inside a date function, as in HOUR_IN_DAY(convertTimezone(CreatedDate))".into(),
                });
            }
        }
        // A reserved word may start a path when a dot follows: `Order.OrderNumber`.
        let (first, pos) = if *self.peek_at(1) == Tok::Dot {
            self.any_name()?
        } else {
            self.name()?
        };
        let mut parts = vec![first];
        while self.peek().tok == Tok::Dot {
            self.next();
            parts.push(self.any_name()?.0);
        }
        Ok(FieldPath {
            parts,
            pos,
            function: None,
        })
    }

    fn query(&mut self) -> PResult<Query> {
        self.expect_kw("SELECT")?;
        let mut select = vec![self.select_item()?];
        while self.peek().tok == Tok::Comma {
            self.next();
            select.push(self.select_item()?);
        }
        self.expect_kw("FROM")?;
        let (from, from_pos) = self.any_name()?;
        let aliases = self.aliases_after_from(&from)?;
        if self.is_kw("USING") {
            return self.refuse("USING SCOPE");
        }
        let mut q = Query {
            select,
            ..Query::of(from, from_pos)
        };
        if self.eat_kw("WHERE") {
            q.where_ = Some(self.cond()?);
        }
        if self.eat_kw("WITH") {
            if self.is_kw("DATA") {
                return self.refuse("WITH DATA CATEGORY");
            }
            let at = self.peek().clone();
            let mode = self.name()?.0.to_ascii_uppercase();
            if !matches!(
                mode.as_str(),
                "SECURITY_ENFORCED" | "USER_MODE" | "SYSTEM_MODE"
            ) {
                // [U] real orgs' text for an unknown WITH filter.
                return Err(ParseError {
                    pos: at.pos,
                    message: format!(
                        "unexpected token: {}. WITH takes SECURITY_ENFORCED, USER_MODE or SYSTEM_MODE",
                        at.tok.shown()
                    ),
                });
            }
            q.with = Some(mode);
        }
        if self.eat_kw("GROUP") {
            self.expect_kw("BY")?;
            for kind in ["ROLLUP", "CUBE"] {
                if self.is_kw(kind) && *self.peek_at(1) == Tok::LParen {
                    return self.refuse(&format!("GROUP BY {kind}"));
                }
            }
            q.group_by.push(self.field_or_date_function()?);
            while self.peek().tok == Tok::Comma {
                self.next();
                q.group_by.push(self.field_or_date_function()?);
            }
        }
        if self.is_kw("HAVING") {
            if q.group_by.is_empty() {
                return self.having_without_group_by();
            }
            self.next();
            q.having = Some(self.cond()?);
        }
        self.order_limit_offset(&mut q)?;
        if self.eat_kw("FOR") {
            q.for_clause = Some(if self.eat_kw("VIEW") {
                ForClause::View
            } else if self.eat_kw("REFERENCE") {
                ForClause::Reference
            } else if self.eat_kw("UPDATE") {
                ForClause::Update
            } else {
                return self.unexpected();
            });
        }
        aliases.apply(&mut q);
        Ok(q)
    }

    /// The optional `ORDER BY …`, `LIMIT n` and `OFFSET n` that end a query or a SOSL
    /// RETURNING object.
    fn order_limit_offset(&mut self, q: &mut Query) -> PResult<()> {
        if self.eat_kw("ORDER") {
            self.expect_kw("BY")?;
            q.order_by.push(self.order_item()?);
            while self.peek().tok == Tok::Comma {
                self.next();
                q.order_by.push(self.order_item()?);
            }
        }
        if self.eat_kw("LIMIT") {
            q.limit = Some(self.integer()?);
        }
        if self.eat_kw("OFFSET") {
            q.offset = Some(self.integer()?);
        }
        Ok(())
    }

    fn integer(&mut self) -> PResult<u64> {
        // Apex binds a LIMIT or OFFSET too (`LIMIT :pageSize`); the API takes only a number.
        if self.peek().tok == Tok::Colon {
            return self.bind_variable();
        }
        if let Tok::Number(n) = &self.peek().tok {
            if let Ok(v) = n.parse::<u64>() {
                self.next();
                return Ok(v);
            }
        }
        self.unexpected()
    }

    fn aggregate(&mut self) -> PResult<Option<Aggregate>> {
        let Tok::Ident(word) = &self.peek().tok else {
            return Ok(None);
        };
        let Some(func) = AggFunc::from_name(word) else {
            return Ok(None);
        };
        if *self.peek_at(1) != Tok::LParen {
            return Ok(None);
        }
        let pos = self.next().pos;
        self.next();
        let arg = if self.peek().tok == Tok::RParen {
            if func != AggFunc::Count {
                return self.unexpected();
            }
            None
        } else {
            Some(self.path()?)
        };
        self.expect(Tok::RParen)?;
        Ok(Some(Aggregate { func, arg, pos }))
    }

    /// A date function call, `CALENDAR_YEAR(CloseDate)` or
    /// `HOUR_IN_DAY(convertTimezone(CreatedDate))`, when one starts here.
    fn date_function(&mut self) -> PResult<Option<DateFunction>> {
        let Tok::Ident(word) = &self.peek().tok else {
            return Ok(None);
        };
        let Some(func) = DateFunc::from_name(word) else {
            return Ok(None);
        };
        if *self.peek_at(1) != Tok::LParen {
            return Ok(None);
        }
        let pos = self.next().pos;
        self.next();
        let convert_tz = self.is_kw("convertTimezone") && *self.peek_at(1) == Tok::LParen;
        if convert_tz {
            self.next();
            self.next();
        }
        let arg = self.path()?;
        if convert_tz {
            self.expect(Tok::RParen)?;
        }
        self.expect(Tok::RParen)?;
        Ok(Some(DateFunction {
            func,
            arg,
            convert_tz,
            pos,
        }))
    }

    /// A field, or a date function of one (GROUP BY keys, WHERE operands).
    fn field_or_date_function(&mut self) -> PResult<Operand> {
        match self.date_function()? {
            Some(d) => Ok(Operand::DateFunction(d)),
            None => Ok(Operand::Field(self.path()?)),
        }
    }

    /// A comparison's or sort key's left side: an aggregate, a date function or a field.
    fn operand(&mut self) -> PResult<Operand> {
        match self.aggregate()? {
            Some(a) => Ok(Operand::Aggregate(a)),
            None => self.field_or_date_function(),
        }
    }

    fn select_item(&mut self) -> PResult<SelectItem> {
        if self.peek().tok == Tok::LParen {
            self.next();
            let q = self.nested(Parser::query)?;
            self.expect(Tok::RParen)?;
            return Ok(SelectItem::Subquery(Box::new(q)));
        }
        if self.is_kw("FIELDS") && *self.peek_at(1) == Tok::LParen {
            let pos = self.next().pos;
            self.next();
            let kind = if self.eat_kw("ALL") {
                FieldsKind::All
            } else if self.eat_kw("STANDARD") {
                FieldsKind::Standard
            } else if self.eat_kw("CUSTOM") {
                FieldsKind::Custom
            } else {
                return self.unexpected();
            };
            self.expect(Tok::RParen)?;
            return Ok(SelectItem::Fields { kind, pos });
        }
        if self.is_kw("TYPEOF") {
            return self.type_of();
        }
        if let Some(agg) = self.aggregate()? {
            let alias = match &self.peek().tok {
                Tok::Ident(s) if !is_reserved(s) => Some(self.name()?.0),
                _ => None,
            };
            return Ok(SelectItem::Aggregate { agg, alias });
        }
        if let Some(func) = self.date_function()? {
            let alias = match &self.peek().tok {
                Tok::Ident(s) if !is_reserved(s) => Some(self.name()?.0),
                _ => None,
            };
            return Ok(SelectItem::DateFunction { func, alias });
        }
        // toLabel(Industry), convertCurrency(AnnualRevenue): the column keeps the field's
        // name, or takes the alias after it (needed when the field is selected twice). The mock
        // org's picklist labels are their values and it has one currency, so both give the
        // stored value.
        if let Some(function) = self.field_function() {
            let path = self.path()?;
            self.expect(Tok::RParen)?;
            return Ok(self.aliased(FieldPath {
                function: Some(function),
                ..path
            }));
        }
        let path = self.path()?;
        // An alias after a field is kept for the planner: aggregate queries allow it.
        Ok(self.aliased(path))
    }

    /// `toLabel(` or `convertCurrency(` when one starts here, consumed; the name as written.
    fn field_function(&mut self) -> Option<String> {
        let is_function = (self.is_kw("TOLABEL") || self.is_kw("CONVERTCURRENCY"))
            && *self.peek_at(1) == Tok::LParen;
        if !is_function {
            return None;
        }
        let name = s_of(&self.next().tok);
        self.next();
        Some(name)
    }

    /// The select item for `path`, with the alias that follows it if one does.
    fn aliased(&mut self, path: FieldPath) -> SelectItem {
        match &self.peek().tok {
            Tok::Ident(s) if !is_reserved(s) => {
                let t = self.next();
                SelectItem::AliasedField {
                    path,
                    alias: s_of(&t.tok),
                    alias_pos: t.pos,
                }
            }
            _ => SelectItem::Field(path),
        }
    }

    fn order_item(&mut self) -> PResult<OrderItem> {
        let key = self.operand()?;
        let desc = if self.eat_kw("DESC") {
            true
        } else {
            self.eat_kw("ASC");
            false
        };
        let nulls_first = if self.eat_kw("NULLS") {
            if self.eat_kw("FIRST") {
                Some(true)
            } else if self.eat_kw("LAST") {
                Some(false)
            } else {
                return self.unexpected();
            }
        } else {
            None
        };
        Ok(OrderItem {
            key,
            desc,
            nulls_first,
        })
    }

    /// A chain of primaries joined by one connective (AND or OR, never both).
    fn cond(&mut self) -> PResult<Cond> {
        let first = self.unary()?;
        let word = if self.is_kw("AND") {
            "AND"
        } else if self.is_kw("OR") {
            "OR"
        } else {
            return Ok(first);
        };
        let mut parts = vec![first];
        while self.eat_kw(word) {
            parts.push(self.unary()?);
        }
        if self.is_kw("AND") || self.is_kw("OR") {
            return self.unexpected();
        }
        Ok(if word == "AND" {
            Cond::And(parts)
        } else {
            Cond::Or(parts)
        })
    }

    fn unary(&mut self) -> PResult<Cond> {
        if self.is_kw("NOT") {
            let inner = self.nested(|p| {
                p.next();
                p.unary()
            })?;
            return Ok(Cond::Not(Box::new(inner)));
        }
        if self.peek().tok == Tok::LParen {
            let c = self.nested(|p| {
                p.next();
                p.cond()
            })?;
            self.expect(Tok::RParen)?;
            return Ok(c);
        }
        self.comparison()
    }

    fn comparison(&mut self) -> PResult<Cond> {
        let pos = self.peek().pos;
        // `toLabel(Status) = 'Open'` filters on the label, which in the mock org is the value.
        let to_label = if self.is_kw("TOLABEL") {
            self.field_function()
        } else {
            None
        };
        let left = match to_label {
            Some(function) => {
                let path = self.path()?;
                self.expect(Tok::RParen)?;
                Operand::Field(FieldPath {
                    function: Some(function),
                    ..path
                })
            }
            None => self.operand()?,
        };
        let op = match &self.peek().tok {
            Tok::Eq => CmpOp::Eq,
            Tok::Ne => CmpOp::Ne,
            Tok::Lt => CmpOp::Lt,
            Tok::Le => CmpOp::Le,
            Tok::Gt => CmpOp::Gt,
            Tok::Ge => CmpOp::Ge,
            Tok::Ident(w) if w.eq_ignore_ascii_case("LIKE") => CmpOp::Like,
            Tok::Ident(w) if w.eq_ignore_ascii_case("IN") => CmpOp::In,
            Tok::Ident(w) if w.eq_ignore_ascii_case("INCLUDES") => CmpOp::Includes,
            Tok::Ident(w) if w.eq_ignore_ascii_case("EXCLUDES") => CmpOp::Excludes,
            Tok::Ident(w) if w.eq_ignore_ascii_case("NOT") => {
                self.next();
                if !self.is_kw("IN") {
                    return self.unexpected();
                }
                CmpOp::NotIn
            }
            _ => return self.unexpected(),
        };
        self.next();
        let rhs = match op {
            CmpOp::In | CmpOp::NotIn | CmpOp::Includes | CmpOp::Excludes => {
                if self.peek().tok == Tok::Colon {
                    return self.bind_variable();
                }
                self.expect(Tok::LParen)?;
                if self.is_kw("SELECT") {
                    let q = self.nested(Parser::query)?;
                    self.expect(Tok::RParen)?;
                    Rhs::Subquery(Box::new(q))
                } else {
                    let mut items = vec![self.literal()?];
                    while self.peek().tok == Tok::Comma {
                        self.next();
                        items.push(self.literal()?);
                    }
                    self.expect(Tok::RParen)?;
                    Rhs::List(items)
                }
            }
            _ => Rhs::One(self.literal()?),
        };
        Ok(Cond::Cmp { left, op, rhs, pos })
    }

    fn literal(&mut self) -> PResult<Literal> {
        let t = self.peek().clone();
        let lit = match &t.tok {
            Tok::Str(s) => Literal::Str(s.clone()),
            Tok::Number(n) => Literal::Number(n.clone()),
            Tok::Date(d) => Literal::Date(d.clone()),
            Tok::DateTime(d) => Literal::DateTime(d.clone()),
            Tok::Minus | Tok::Plus => {
                let negative = t.tok == Tok::Minus;
                self.next();
                return match &self.peek().tok {
                    Tok::Number(n) => {
                        let n = if negative { format!("-{n}") } else { n.clone() };
                        self.next();
                        Ok(Literal::Number(n))
                    }
                    _ => self.unexpected(),
                };
            }
            Tok::Ident(w) => match w.to_ascii_uppercase().as_str() {
                "NULL" => Literal::Null,
                "TRUE" => Literal::Bool(true),
                "FALSE" => Literal::Bool(false),
                upper if is_date_literal(upper) => {
                    self.next();
                    let name = upper.to_string();
                    let n = if self.peek().tok == Tok::Colon {
                        self.next();
                        let neg = self.peek().tok == Tok::Minus;
                        if neg {
                            self.next();
                        }
                        match &self.peek().tok {
                            Tok::Number(n) => match n.parse::<i64>() {
                                Ok(v) => {
                                    self.next();
                                    Some(if neg { -v } else { v })
                                }
                                Err(_) => return self.unexpected(),
                            },
                            _ => return self.unexpected(),
                        }
                    } else {
                        None
                    };
                    return Ok(Literal::DateLiteral { name, n });
                }
                // A bare name where a value belongs is a bind (a field of the same record
                // cannot be compared with), unless it starts a mistyped `NAME:n` literal.
                _ if self.peek_at(1) != &Tok::Colon => return self.bind_variable(),
                _ => return self.unexpected(),
            },
            Tok::Colon => return self.bind_variable(),
            _ => return self.unexpected(),
        };
        self.next();
        Ok(lit)
    }

    /// An Apex bind (`:acctName`, or a bare name such as another field) where the API takes
    /// only a literal: refused as a real org refuses it, at the bind.
    fn bind_variable<T>(&self) -> PResult<T> {
        Err(ParseError {
            pos: self.peek().pos,
            message: "Bind variables only allowed in Apex code".into(),
        })
    }
}

fn s_of(t: &Tok) -> String {
    match t {
        Tok::Ident(s) => s.clone(),
        other => other.shown(),
    }
}

/// Parses one SOQL query.
pub fn parse(src: &str) -> Result<Query, ParseError> {
    let toks = lex(src).map_err(|e| ParseError {
        pos: e.pos,
        message: e.message,
    })?;
    let mut p = Parser {
        toks,
        at: 0,
        depth: 0,
    };
    let q = p.query()?;
    if p.peek().tok != Tok::Eof {
        return p.unexpected();
    }
    Ok(q)
}

/// Parses a SOSL `RETURNING` list from `toks` (lexed from the text after `RETURNING`): one or
/// more `Object` or `Object(Field, … [WHERE …] [ORDER BY …] [LIMIT n] [OFFSET n])` specs
/// separated by commas. Each spec comes back as a [`Query`] whose select list is empty when no
/// fields were given; the index is that of the first token after the list.
pub fn parse_returning(toks: Vec<Token>) -> Result<(Vec<Query>, usize), ParseError> {
    let mut p = Parser {
        toks,
        at: 0,
        depth: 0,
    };
    let mut specs = vec![p.returning_object()?];
    while p.peek().tok == Tok::Comma {
        p.next();
        specs.push(p.returning_object()?);
    }
    Ok((specs, p.at))
}

impl Parser {
    fn returning_object(&mut self) -> PResult<Query> {
        let (from, from_pos) = self.any_name()?;
        let mut q = Query::of(from, from_pos);
        if self.peek().tok != Tok::LParen {
            return Ok(q);
        }
        self.next();
        q.select.push(self.returning_field()?);
        while self.peek().tok == Tok::Comma {
            self.next();
            q.select.push(self.returning_field()?);
        }
        if self.eat_kw("WHERE") {
            q.where_ = Some(self.cond()?);
        }
        self.order_limit_offset(&mut q)?;
        self.expect(Tok::RParen)?;
        Ok(q)
    }

    /// A field of a RETURNING object: a path, or `toLabel(…)` / `convertCurrency(…)` of one
    /// with an optional alias, as in a SOQL select list.
    fn returning_field(&mut self) -> PResult<SelectItem> {
        let Some(function) = self.field_function() else {
            return Ok(SelectItem::Field(self.path()?));
        };
        let path = self.path()?;
        self.expect(Tok::RParen)?;
        Ok(self.aliased(FieldPath {
            function: Some(function),
            ..path
        }))
    }
}

#[path = "parser_typeof.rs"]
mod type_of;

#[path = "parser_alias.rs"]
mod alias;

#[cfg(test)]
#[path = "parser_tests.rs"]
mod tests;
