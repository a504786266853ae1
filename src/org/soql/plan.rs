//! Query planning: checks a parsed [`Query`] against the schema and turns it into a [`Plan`]
//! — resolved columns, compiled conditions, sort keys, child subquery plans, and for
//! aggregate queries the group keys, aggregate slots and output names (`expr0`, `expr1`…),
//! planned in plan_aggregate.rs.

use super::ast::*;
use super::date_functions::{self, DateFnRef, Key};
use super::error as qerr;
use super::resolve::{compile_test, resolve_path, FieldRef, Reads, Test};
use crate::org::error::SfError;
use crate::org::schema::{FieldDef, FieldType};
use crate::org::store::Store;
use chrono::NaiveDate;

/// What a condition or sort key reads: a record's field, a date function of one, or a slot of
/// an aggregate row.
#[derive(Debug, Clone)]
pub enum Left {
    Field(FieldRef),
    DateFn(Box<DateFnRef>),
    Slot(usize),
}

#[derive(Debug, Clone)]
pub enum CCond {
    And(Vec<CCond>),
    Or(Vec<CCond>),
    Not(Box<CCond>),
    Test(Left, Test),
    /// `Id IN (SELECT AccountId FROM Opportunity)`: the left side tested against what the
    /// subquery selects when the query runs (see [`SemiJoin`]).
    SemiJoin(Left, Box<SemiJoin>),
}

/// A semi-join (`IN`) or anti-join (`NOT IN`) subquery, planned with the query that holds it.
/// A plan holds no data: the subquery runs each time the query runs
/// ([`super::eval::bound`]), so a plan kept in [`super::cache`] answers from the records of
/// the moment.
#[derive(Debug, Clone)]
pub struct SemiJoin {
    pub plan: Plan,
    /// The one Id or reference field the subquery selects.
    pub field: FieldRef,
    /// `NOT IN`: the anti-join.
    pub negate: bool,
}

#[derive(Debug, Clone)]
pub struct ChildPlan {
    /// The relationship name as the schema spells it (`Contacts`).
    pub rel_name: String,
    /// The lookup field on the child pointing at the parent.
    pub lookup_field: usize,
    pub plan: Plan,
}

#[derive(Debug, Clone)]
pub enum Column {
    Field(FieldRef),
    Child(Box<ChildPlan>),
    /// `TYPEOF What WHEN … END`: the record a polymorphic lookup reaches, by its type.
    TypeOf(Box<super::type_of::TypeOfPlan>),
    /// A compound address field of the queried object (`BillingAddress`).
    Address(Box<super::address::Address>),
}

#[derive(Debug, Clone)]
pub struct OrderKey {
    pub left: Left,
    pub desc: bool,
    pub nulls_first: bool,
}

#[derive(Debug, Clone)]
pub struct AggSpec {
    pub func: AggFunc,
    pub arg: Option<FieldRef>,
    /// `count(Id)`, as `columns=true` displays it.
    pub display: String,
}

#[derive(Debug, Clone)]
pub struct AggOutput {
    pub name: String,
    pub slot: usize,
    /// Set for group keys: the grouped field or date function.
    pub group: Option<Key>,
}

#[derive(Debug, Clone)]
pub struct AggPlan {
    /// GROUP BY's keys, then any a date function of a grouped date field adds.
    pub keys: Vec<Key>,
    pub aggs: Vec<AggSpec>,
    pub outputs: Vec<AggOutput>,
    pub having: Option<CCond>,
}

/// A checked, resolved query ready to run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub base: usize,
    pub columns: Vec<Column>,
    pub filter: Option<CCond>,
    pub order: Vec<OrderKey>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
    pub agg: Option<AggPlan>,
    /// `SELECT COUNT() FROM …`: only the number is returned.
    pub count_only: bool,
    /// Where a child subquery first sits inside another (valid from API v58.0 only).
    pub nested_at: Option<Pos>,
}

/// Levels of parent-to-child subqueries SOQL allows, the whole query being the first.
pub const MAX_LEVELS: usize = 5;

/// The `depth` [`Planner::plan`] gets for a semi-join's subquery.
pub const SEMI_JOIN: usize = usize::MAX;

/// The first API version whose REST queries may nest child subqueries.
pub const NESTED_SUBQUERY_VERSION: f64 = 58.0;

pub struct Planner<'a> {
    pub store: &'a Store,
    pub src: &'a str,
    /// Today where the running user is (date literals count from it).
    pub today: NaiveDate,
    /// The user's time zone, for `convertTimezone()` and date literals on dateTime fields.
    pub zone: chrono_tz::Tz,
}

pub(super) fn same_field(a: &FieldRef, b: &FieldRef) -> bool {
    a.obj == b.obj
        && a.field == b.field
        && a.hops.len() == b.hops.len()
        && a.hops
            .iter()
            .zip(&b.hops)
            .all(|(x, y)| x.from_obj == y.from_obj && x.field == y.field)
}

impl Planner<'_> {
    fn path(&self, base: usize, p: &FieldPath) -> Result<FieldRef, SfError> {
        resolve_path(self.store, self.src, base, p)
    }

    /// The compound address field `p` names on object `base` (`BillingAddress`, or
    /// `Account.BillingAddress` FROM Account), if it names one.
    fn address(&self, base: usize, p: &FieldPath) -> Option<super::address::Address> {
        let object = self.store.object(base);
        let name = match p.parts.as_slice() {
            [name] => name,
            [own, name] if own.eq_ignore_ascii_case(&object.name) => name,
            _ => return None,
        };
        if p.function.is_some() {
            return None;
        }
        super::address::address_named(object, name)
    }

    /// The field `p` names, to be `used` ("filtered", "sorted", "grouped"): a compound
    /// address may only be selected, and is refused with the error describe's
    /// `filterable: false` (and the rest) foretell, as a real org refuses it; any other field
    /// as [`Planner::usable`] finds it.
    fn path_used(
        &self,
        base: usize,
        p: &FieldPath,
        used: &str,
        allowed: fn(&FieldDef) -> bool,
    ) -> Result<FieldRef, SfError> {
        if let Some(a) = self.address(base, p) {
            return Err(qerr::located(
                crate::org::error::ErrorCode::INVALID_FIELD,
                self.src,
                p.pos,
                &format!("field '{}' can not be {used} in a query call", a.name),
            ));
        }
        let f = self.path(base, p)?;
        self.usable(&f, p.pos, used, allowed)?;
        Ok(f)
    }

    /// INVALID_FIELD unless the field may be `use`d ("filtered", "sorted", "grouped"), as
    /// describe's `filterable` / `sortable` / `groupable` report (Name-entity fields may).
    fn usable(
        &self,
        f: &FieldRef,
        pos: Pos,
        used: &str,
        allowed: fn(&FieldDef) -> bool,
    ) -> Result<(), SfError> {
        if f.reads != Reads::Stored || allowed(f.def(self.store)) {
            return Ok(());
        }
        Err(qerr::located(
            crate::org::error::ErrorCode::INVALID_FIELD,
            self.src,
            pos,
            &format!("field '{}' can not be {used} in a query call", f.name),
        ))
    }

    /// Plans `q` over object `base` (a child subquery passes the child object).
    /// `depth` counts the subqueries `q` sits in (0 for the whole query; [`SEMI_JOIN`] for a
    /// semi-join's subquery, which takes no child subqueries).
    pub fn plan(&self, q: &Query, base: usize, depth: usize) -> Result<Plan, SfError> {
        let grouped = !q.group_by.is_empty()
            || q.select.iter().any(|s| {
                matches!(
                    s,
                    SelectItem::Aggregate { .. } | SelectItem::DateFunction { .. }
                )
            });
        let count_only = q.group_by.is_empty()
            && matches!(
                q.select.as_slice(),
                [SelectItem::Aggregate {
                    agg: Aggregate {
                        func: AggFunc::Count,
                        arg: None,
                        ..
                    },
                    ..
                }]
            );
        let mut plan = Plan {
            base,
            columns: Vec::new(),
            filter: None,
            order: Vec::new(),
            limit: q.limit,
            offset: q.offset,
            agg: None,
            count_only,
            nested_at: None,
        };
        if q.offset.is_some_and(|o| o > 2000) {
            return Err(SfError::new(
                crate::org::error::ErrorCode::NUMBER_OUTSIDE_VALID_RANGE,
                "Maximum SOQL offset allowed is 2000",
            ));
        }
        if let Some(w) = &q.where_ {
            plan.filter = Some(self.cond(w, base, None)?);
        }
        if count_only {
            return Ok(plan);
        }
        if grouped {
            let agg = self.aggregate(q, base, &mut plan)?;
            plan.agg = Some(agg);
            return Ok(plan);
        }
        let mut seen: Vec<String> = Vec::new();
        let mut through = super::type_of::Through::default();
        for item in &q.select {
            match item {
                SelectItem::Field(p) if self.address(base, p).is_some() => {
                    let key = p.dotted().to_ascii_lowercase();
                    if seen.contains(&key) {
                        return Err(qerr::malformed(
                            self.src,
                            p.pos,
                            &format!("duplicate field selected: {}", p.dotted()),
                        ));
                    }
                    seen.push(key);
                    if let Some(a) = self.address(base, p) {
                        plan.columns.push(Column::Address(Box::new(a)));
                    }
                }
                SelectItem::Field(p) => {
                    let f = self.path(base, p)?;
                    through.field(&f, p);
                    let key = p.dotted().to_ascii_lowercase();
                    if seen.contains(&key) {
                        return Err(qerr::malformed(
                            self.src,
                            p.pos,
                            &format!("duplicate field selected: {}", p.dotted()),
                        ));
                    }
                    seen.push(key);
                    plan.columns.push(Column::Field(f));
                }
                SelectItem::Fields { kind, pos } => {
                    if *kind != FieldsKind::Standard && q.limit.is_none_or(|l| l > 200) {
                        return Err(qerr::malformed(
                            self.src,
                            *pos,
                            "The SOQL FIELDS function must have a LIMIT of at most 200",
                        ));
                    }
                    let obj = self.store.object(base);
                    for (i, f) in obj.fields.iter().enumerate() {
                        let wanted = match kind {
                            FieldsKind::All => true,
                            FieldsKind::Standard => !f.custom,
                            FieldsKind::Custom => f.custom,
                        };
                        let key = f.name.to_ascii_lowercase();
                        if wanted && !seen.contains(&key) {
                            seen.push(key);
                            plan.columns.push(Column::Field(FieldRef {
                                hops: Vec::new(),
                                obj: base,
                                field: i,
                                name: f.name.clone(),
                                ftype: f.field_type,
                                reads: Reads::Stored,
                            }));
                        }
                    }
                }
                SelectItem::Subquery(sub) => {
                    if depth == SEMI_JOIN {
                        return Err(qerr::malformed(
                            self.src,
                            sub.from_pos,
                            "Nesting of subqueries is not supported",
                        ));
                    }
                    if depth + 2 > MAX_LEVELS {
                        // [U]
                        return Err(qerr::malformed(
                            self.src,
                            sub.from_pos,
                            "SOQL statements cannot query child relationships more than 5 levels deep",
                        ));
                    }
                    if depth > 0 {
                        plan.nested_at.get_or_insert(sub.from_pos);
                    }
                    let parent = self.store.object(base);
                    let rel = parent.child_relationship(&sub.from).ok_or_else(|| {
                        qerr::bad_child_relationship(self.src, sub.from_pos, &sub.from)
                    })?;
                    let child = self
                        .store
                        .schema()
                        .object_index(&rel.child_object)
                        .ok_or_else(|| {
                            qerr::bad_child_relationship(self.src, sub.from_pos, &sub.from)
                        })?;
                    let lookup_field = self
                        .store
                        .object(child)
                        .field_index(&rel.field)
                        .unwrap_or(0);
                    let child_plan = self.plan(sub, child, depth + 1)?;
                    if let Some(at) = child_plan.nested_at {
                        plan.nested_at.get_or_insert(at);
                    }
                    plan.columns.push(Column::Child(Box::new(ChildPlan {
                        rel_name: rel.relationship_name.clone(),
                        lookup_field,
                        plan: child_plan,
                    })));
                }
                SelectItem::TypeOf(t) => {
                    if depth > 0 {
                        return Err(qerr::malformed(
                            self.src,
                            t.pos,
                            super::type_of::IN_SUBQUERY,
                        ));
                    }
                    let key = format!("typeof {}", t.rel.to_ascii_lowercase());
                    if seen.contains(&key) {
                        return Err(qerr::malformed(
                            self.src,
                            t.pos,
                            &format!("duplicate field selected: TYPEOF {}", t.rel),
                        ));
                    }
                    seen.push(key);
                    let plan_ = super::type_of::plan(self.store, self.src, base, t)?;
                    through.type_of(&plan_);
                    plan.columns.push(Column::TypeOf(Box::new(plan_)));
                }
                // Aggregates and date functions send the query down the grouped path above.
                SelectItem::Aggregate { .. } | SelectItem::DateFunction { .. } => {}
                // `toLabel(Status) translatedStatus`: the field's value under the alias.
                SelectItem::AliasedField {
                    path:
                        path @ FieldPath {
                            function: Some(function),
                            ..
                        },
                    alias,
                    alias_pos,
                } => {
                    let mut f = self.path(base, path)?;
                    if !f.hops.is_empty() || f.reads != Reads::Stored {
                        return Err(qerr::malformed(
                            self.src,
                            *alias_pos,
                            &super::unsupported::message(&format!(
                                "An alias for {function}() of a field of another object"
                            )),
                        ));
                    }
                    let key = alias.to_ascii_lowercase();
                    if seen.contains(&key) {
                        // [U] The text follows the grouped queries' "duplicate alias".
                        return Err(qerr::malformed(
                            self.src,
                            *alias_pos,
                            &format!("duplicate alias: {alias}"),
                        ));
                    }
                    seen.push(key);
                    f.name = alias.clone();
                    plan.columns.push(Column::Field(f));
                }
                // Refused by `rules` outside aggregate queries.
                SelectItem::AliasedField { alias_pos, .. } => {
                    return Err(qerr::malformed(
                        self.src,
                        *alias_pos,
                        "Only aggregate expressions use field aliasing",
                    ));
                }
            }
        }
        through.check(self.src)?;
        for o in &q.order_by {
            let left = match &o.key {
                Operand::Field(p) => {
                    Left::Field(self.path_used(base, p, "sorted", FieldDef::sortable)?)
                }
                Operand::Aggregate(a) => {
                    return Err(qerr::malformed(
                        self.src,
                        a.pos,
                        "Ordered field must be grouped or aggregated",
                    ));
                }
                Operand::DateFunction(d) => {
                    // [U] A date function sorts only the groups of a query grouped by it.
                    return Err(qerr::malformed(
                        self.src,
                        d.pos,
                        &format!("Ordered field must be grouped or aggregated: {d}"),
                    ));
                }
            };
            plan.order.push(OrderKey {
                left,
                desc: o.desc,
                nulls_first: o.nulls_first.unwrap_or(!o.desc),
            });
        }
        Ok(plan)
    }

    /// The checked form of a condition. Implementation notes: this recurses once per level of
    /// the tree, so its frame is kept small (a comparison is checked in a function of its own,
    /// the parts in a plain loop): a debug build spends a few hundred bytes of stack per level
    /// instead of kilobytes.
    fn cond(&self, c: &Cond, base: usize, agg: Option<&mut AggPlan>) -> Result<CCond, SfError> {
        match c {
            Cond::And(parts) => Ok(CCond::And(self.conds(parts, base, agg)?)),
            Cond::Or(parts) => Ok(CCond::Or(self.conds(parts, base, agg)?)),
            Cond::Not(inner) => Ok(CCond::Not(Box::new(self.cond(inner, base, agg)?))),
            Cond::Cmp { left, op, rhs, pos } => self.comparison(left, op, rhs, pos, base, agg),
        }
    }

    fn conds(
        &self,
        parts: &[Cond],
        base: usize,
        mut agg: Option<&mut AggPlan>,
    ) -> Result<Vec<CCond>, SfError> {
        let mut checked = Vec::with_capacity(parts.len());
        for part in parts {
            checked.push(self.cond(part, base, agg.as_deref_mut())?);
        }
        Ok(checked)
    }

    /// The checked form of one comparison.
    #[inline(never)]
    fn comparison(
        &self,
        left: &Operand,
        op: &CmpOp,
        rhs: &Rhs,
        pos: &Pos,
        base: usize,
        agg: Option<&mut AggPlan>,
    ) -> Result<CCond, SfError> {
        let (l, f) = match (left, agg) {
            (Operand::Field(p), None) => {
                let f = self.path_used(base, p, "filtered", FieldDef::filterable)?;
                if matches!(rhs, Rhs::Subquery(_))
                    && !matches!(f.ftype, FieldType::Id | FieldType::Reference)
                {
                    // [U]
                    return Err(qerr::malformed(
                                self.src,
                                p.pos,
                                &format!("The left operand of a semi join or anti join must be an Id or reference field, not '{}'", f.name),
                            ));
                }
                (Left::Field(f.clone()), f)
            }
            (Operand::Aggregate(a), None) => {
                return Err(qerr::malformed(
                    self.src,
                    a.pos,
                    "Aggregate functions can only be used in HAVING, not in WHERE",
                ));
            }
            (Operand::DateFunction(d), None) => {
                let r = self.date_fn_filter(base, d)?;
                match rhs {
                    Rhs::One(Literal::DateLiteral { .. }) => {
                        return Err(date_functions::no_date_literal(self.src, *pos, &r.display));
                    }
                    Rhs::Subquery(_) => {
                        // [U]
                        return Err(qerr::malformed(
                                    self.src,
                                    d.pos,
                                    &format!("The left operand of a semi join or anti join must be an Id or reference field, not '{}'", r.display),
                                ));
                    }
                    _ => {}
                }
                let f = r.as_field();
                (Left::DateFn(Box::new(r)), f)
            }
            (op_, Some(agg)) => {
                if let (Operand::DateFunction(d), Rhs::One(Literal::DateLiteral { .. })) =
                    (op_, rhs)
                {
                    return Err(date_functions::no_date_literal(
                        self.src,
                        *pos,
                        &d.to_string(),
                    ));
                }
                let (slot, f) = self.having_ref(base, op_, agg)?;
                (Left::Slot(slot), f)
            }
        };
        if let Rhs::Subquery(sub) = rhs {
            let (plan, field) = self.semi_join(sub)?;
            return Ok(CCond::SemiJoin(
                l,
                Box::new(SemiJoin {
                    plan,
                    field,
                    negate: *op == CmpOp::NotIn,
                }),
            ));
        }
        let test = compile_test(self.src, *pos, &f, *op, rhs, (self.today, self.zone))?;
        let exact = matches!(l, Left::Field(_))
            && f.reads == Reads::Stored
            && f.ftype.is_text()
            && self
                .store
                .object(f.obj)
                .fields
                .get(f.field)
                .is_some_and(|d| d.unique && d.case_sensitive);
        Ok(CCond::Test(
            l,
            if exact { test.case_sensitive() } else { test },
        ))
    }

    /// Plans a semi-join subquery: its plan and its one selected field.
    fn semi_join(&self, sub: &Query) -> Result<(Plan, FieldRef), SfError> {
        let t = self
            .store
            .schema()
            .object_index(&sub.from)
            .ok_or_else(|| qerr::unsupported_type(self.src, sub.from_pos, &sub.from))?;
        let plan = self.plan(sub, t, SEMI_JOIN)?;
        let [Column::Field(f)] = plan.columns.as_slice() else {
            return Err(qerr::malformed(
                self.src,
                sub.from_pos,
                "A semi-join subquery must select exactly one Id or reference field",
            ));
        };
        if !matches!(f.ftype, FieldType::Id | FieldType::Reference) {
            return Err(qerr::malformed(
                self.src,
                sub.from_pos,
                "A semi-join subquery must select exactly one Id or reference field",
            ));
        }
        let field = f.clone();
        Ok((plan, field))
    }
}

#[path = "plan_aggregate.rs"]
mod aggregate;
