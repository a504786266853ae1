//! The SOQL syntax tree, with positions for error messages, and its printer.
//!
//! Printing gives canonical SOQL (upper-case keywords, names as written) that parses back to
//! an equal tree; positions do not take part in equality (see [`Pos`]).

pub use super::date_functions::DateFunc;
pub use super::lexer::Pos;
use std::fmt::{self, Display, Formatter, Write};

/// A dotted field path as written: `Name`, `Account.Owner.Name`; in a SELECT list or a
/// WHERE comparison, possibly the argument of a field function (`toLabel(Status)`).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldPath {
    pub parts: Vec<String>,
    pub pos: Pos,
    /// `toLabel` or `convertCurrency` as written, when the path is that function's argument.
    pub function: Option<String>,
}

impl FieldPath {
    pub fn dotted(&self) -> String {
        self.parts.join(".")
    }
}

/// The path as written, inside its field function if it has one.
impl Display for FieldPath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.function {
            Some(function) => write!(f, "{function}({})", self.dotted()),
            None => f.write_str(&self.dotted()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggFunc {
    Count,
    CountDistinct,
    Sum,
    Avg,
    Min,
    Max,
}

impl AggFunc {
    pub fn name(self) -> &'static str {
        match self {
            AggFunc::Count => "COUNT",
            AggFunc::CountDistinct => "COUNT_DISTINCT",
            AggFunc::Sum => "SUM",
            AggFunc::Avg => "AVG",
            AggFunc::Min => "MIN",
            AggFunc::Max => "MAX",
        }
    }

    pub fn from_name(s: &str) -> Option<AggFunc> {
        Some(match s.to_ascii_uppercase().as_str() {
            "COUNT" => AggFunc::Count,
            "COUNT_DISTINCT" => AggFunc::CountDistinct,
            "SUM" => AggFunc::Sum,
            "AVG" => AggFunc::Avg,
            "MIN" => AggFunc::Min,
            "MAX" => AggFunc::Max,
            _ => return None,
        })
    }
}

/// A date function call: `CALENDAR_YEAR(CloseDate)`, `HOUR_IN_DAY(convertTimezone(CreatedDate))`.
#[derive(Debug, Clone, PartialEq)]
pub struct DateFunction {
    pub func: DateFunc,
    pub arg: FieldPath,
    /// The argument is wrapped in `convertTimezone()`: the user's time zone, not UTC.
    pub convert_tz: bool,
    pub pos: Pos,
}

/// An aggregate call: `COUNT()`, `SUM(Amount)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    pub func: AggFunc,
    pub arg: Option<FieldPath>,
    pub pos: Pos,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldsKind {
    All,
    Standard,
    Custom,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SelectItem {
    Field(FieldPath),
    /// `Industry ind`: a field with an alias, valid only in aggregate queries; or
    /// `toLabel(Status) translatedStatus`, a field function's value (the path's `function`)
    /// under an alias, valid in any query.
    AliasedField {
        path: FieldPath,
        alias: String,
        alias_pos: Pos,
    },
    Aggregate {
        agg: Aggregate,
        alias: Option<String>,
    },
    /// `CALENDAR_YEAR(CloseDate) yr`: valid only in aggregate queries that group by it.
    DateFunction {
        func: DateFunction,
        alias: Option<String>,
    },
    Subquery(Box<Query>),
    Fields {
        kind: FieldsKind,
        pos: Pos,
    },
    /// `TYPEOF What WHEN Account THEN Phone ELSE Name END`: fields chosen by the type of the
    /// record a polymorphic lookup points at.
    TypeOf(Box<TypeOf>),
}

/// One `WHEN Account THEN Phone, Industry` branch of a TYPEOF.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeOfWhen {
    pub object: String,
    pub object_pos: Pos,
    pub fields: Vec<FieldPath>,
}

/// A TYPEOF select item: the polymorphic relationship, its branches and the ELSE fields.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeOf {
    /// Where the TYPEOF keyword is.
    pub pos: Pos,
    pub rel: String,
    pub rel_pos: Pos,
    pub whens: Vec<TypeOfWhen>,
    /// The ELSE fields (Name-entity fields), when there is an ELSE.
    pub else_: Option<Vec<FieldPath>>,
}

impl Display for TypeOf {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let list = |ps: &[FieldPath]| ps.iter().map(FieldPath::dotted).collect::<Vec<_>>();
        write!(f, "TYPEOF {}", self.rel)?;
        for w in &self.whens {
            write!(f, " WHEN {} THEN {}", w.object, list(&w.fields).join(", "))?;
        }
        if let Some(e) = &self.else_ {
            write!(f, " ELSE {}", list(e).join(", "))?;
        }
        f.write_str(" END")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Like,
    In,
    NotIn,
    Includes,
    Excludes,
}

impl CmpOp {
    pub fn text(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Like => "LIKE",
            CmpOp::In => "IN",
            CmpOp::NotIn => "NOT IN",
            CmpOp::Includes => "INCLUDES",
            CmpOp::Excludes => "EXCLUDES",
        }
    }
}

/// A literal value in a condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    /// The number as written, sign included (`-12.50`).
    Number(String),
    Str(String),
    Date(String),
    DateTime(String),
    /// `TODAY`, `LAST_N_DAYS:30` — name upper-cased, with its parameter.
    DateLiteral {
        name: String,
        n: Option<i64>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Rhs {
    One(Literal),
    List(Vec<Literal>),
    /// A semi-join: `Id IN (SELECT AccountId FROM Contact)`.
    Subquery(Box<Query>),
}

/// The left side of a comparison, a sort key or a GROUP BY key: a field, a date function, or
/// (in HAVING and ORDER BY) an aggregate. GROUP BY holds fields and date functions only.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Field(FieldPath),
    Aggregate(Aggregate),
    DateFunction(DateFunction),
}

impl Operand {
    /// Where the operand starts in the query text.
    pub fn pos(&self) -> Pos {
        match self {
            Operand::Field(p) => p.pos,
            Operand::Aggregate(a) => a.pos,
            Operand::DateFunction(d) => d.pos,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    Cmp {
        left: Operand,
        op: CmpOp,
        rhs: Rhs,
        pos: Pos,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderItem {
    pub key: Operand,
    pub desc: bool,
    /// `Some(true)` for NULLS FIRST, `Some(false)` for NULLS LAST.
    pub nulls_first: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForClause {
    View,
    Reference,
    Update,
}

/// A whole query (or a child subquery, whose `from` is a relationship name).
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub select: Vec<SelectItem>,
    pub from: String,
    pub from_pos: Pos,
    pub where_: Option<Cond>,
    /// `WITH SECURITY_ENFORCED`, USER_MODE or SYSTEM_MODE (no other), accepted and otherwise
    /// ignored.
    pub with: Option<String>,
    pub group_by: Vec<Operand>,
    pub having: Option<Cond>,
    pub order_by: Vec<OrderItem>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
    pub for_clause: Option<ForClause>,
}

impl Query {
    /// A statement of object `from` with nothing else yet: no fields, filter or clauses.
    pub fn of(from: String, from_pos: Pos) -> Query {
        Query {
            select: Vec::new(),
            from,
            from_pos,
            where_: None,
            with: None,
            group_by: Vec::new(),
            having: None,
            order_by: Vec::new(),
            limit: None,
            offset: None,
            for_clause: None,
        }
    }
}

fn quote(s: &str) -> String {
    let mut out = String::from("'");
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            // Kept escapes (`\\`, and LIKE's `\%` and `\_`) print back as themselves.
            '\\' => match chars.peek().copied() {
                Some(kept @ ('%' | '_' | '\\')) => {
                    chars.next();
                    out.push('\\');
                    out.push(kept);
                }
                _ => out.push_str("\\\\"),
            },
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Null => f.write_str("NULL"),
            Literal::Bool(b) => f.write_str(if *b { "TRUE" } else { "FALSE" }),
            Literal::Number(n) | Literal::Date(n) | Literal::DateTime(n) => f.write_str(n),
            Literal::Str(s) => f.write_str(&quote(s)),
            Literal::DateLiteral { name, n: Some(n) } => write!(f, "{name}:{n}"),
            Literal::DateLiteral { name, n: None } => f.write_str(name),
        }
    }
}

impl Display for Aggregate {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.arg {
            Some(a) => write!(f, "{}({})", self.func.name(), a.dotted()),
            None => write!(f, "{}()", self.func.name()),
        }
    }
}

impl Display for DateFunction {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.convert_tz {
            write!(
                f,
                "{}(convertTimezone({}))",
                self.func.name(),
                self.arg.dotted()
            )
        } else {
            write!(f, "{}({})", self.func.name(), self.arg.dotted())
        }
    }
}

impl Display for Operand {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Field(p) => p.fmt(f),
            Operand::Aggregate(a) => a.fmt(f),
            Operand::DateFunction(d) => d.fmt(f),
        }
    }
}

impl Display for Cond {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let join = |f: &mut Formatter<'_>, parts: &[Cond], word: &str| -> fmt::Result {
            for (i, c) in parts.iter().enumerate() {
                if i > 0 {
                    write!(f, " {word} ")?;
                }
                write!(f, "({c})")?;
            }
            Ok(())
        };
        match self {
            Cond::And(parts) => join(f, parts, "AND"),
            Cond::Or(parts) => join(f, parts, "OR"),
            Cond::Not(c) => write!(f, "NOT ({c})"),
            Cond::Cmp { left, op, rhs, .. } => {
                write!(f, "{left} {} ", op.text())?;
                match rhs {
                    Rhs::One(l) => write!(f, "{l}"),
                    Rhs::List(items) => {
                        let items: Vec<String> = items.iter().map(|l| l.to_string()).collect();
                        write!(f, "({})", items.join(", "))
                    }
                    Rhs::Subquery(q) => write!(f, "({q})"),
                }
            }
        }
    }
}

impl Display for Query {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let items: Vec<String> = self
            .select
            .iter()
            .map(|s| match s {
                SelectItem::Field(p) => p.to_string(),
                SelectItem::AliasedField { path, alias, .. } => format!("{path} {alias}"),
                SelectItem::Aggregate {
                    agg,
                    alias: Some(a),
                } => format!("{agg} {a}"),
                SelectItem::Aggregate { agg, alias: None } => agg.to_string(),
                SelectItem::DateFunction {
                    func,
                    alias: Some(a),
                } => format!("{func} {a}"),
                SelectItem::DateFunction { func, alias: None } => func.to_string(),
                SelectItem::Subquery(q) => format!("({q})"),
                SelectItem::TypeOf(t) => t.to_string(),
                SelectItem::Fields { kind, .. } => format!(
                    "FIELDS({})",
                    match kind {
                        FieldsKind::All => "ALL",
                        FieldsKind::Standard => "STANDARD",
                        FieldsKind::Custom => "CUSTOM",
                    }
                ),
            })
            .collect();
        write!(f, "SELECT {} FROM {}", items.join(", "), self.from)?;
        if let Some(w) = &self.where_ {
            write!(f, " WHERE {w}")?;
        }
        if let Some(w) = &self.with {
            write!(f, " WITH {w}")?;
        }
        if !self.group_by.is_empty() {
            let g: Vec<String> = self.group_by.iter().map(Operand::to_string).collect();
            write!(f, " GROUP BY {}", g.join(", "))?;
        }
        if let Some(h) = &self.having {
            write!(f, " HAVING {h}")?;
        }
        if !self.order_by.is_empty() {
            let o: Vec<String> = self
                .order_by
                .iter()
                .map(|o| {
                    let mut s = o.key.to_string();
                    s.push_str(if o.desc { " DESC" } else { " ASC" });
                    match o.nulls_first {
                        Some(true) => s.push_str(" NULLS FIRST"),
                        Some(false) => s.push_str(" NULLS LAST"),
                        None => {}
                    }
                    s
                })
                .collect();
            write!(f, " ORDER BY {}", o.join(", "))?;
        }
        if let Some(l) = self.limit {
            write!(f, " LIMIT {l}")?;
        }
        if let Some(o) = self.offset {
            write!(f, " OFFSET {o}")?;
        }
        match self.for_clause {
            Some(ForClause::View) => f.write_str(" FOR VIEW")?,
            Some(ForClause::Reference) => f.write_str(" FOR REFERENCE")?,
            Some(ForClause::Update) => f.write_str(" FOR UPDATE")?,
            None => {}
        }
        Ok(())
    }
}
