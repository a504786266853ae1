//! Planning aggregate queries: GROUP BY keys (fields and date functions), aggregate slots,
//! the SELECT list's output names (`expr0`, `expr1`… for unaliased aggregates and date
//! functions), HAVING operands and ORDER BY over groups.

use super::*;

impl Planner<'_> {
    pub(super) fn agg_slot(
        &self,
        base: usize,
        a: &Aggregate,
        agg: &mut AggPlan,
    ) -> Result<usize, SfError> {
        let arg = match &a.arg {
            Some(p) => Some(self.path(base, p)?),
            None => None,
        };
        if let Some(f) = &arg {
            let numeric = f.ftype.is_numeric();
            let ok = match a.func {
                AggFunc::Sum | AggFunc::Avg => numeric,
                AggFunc::Min | AggFunc::Max => {
                    !matches!(f.ftype, FieldType::TextArea | FieldType::MultiPicklist)
                }
                _ => f.ftype != FieldType::TextArea,
            };
            if !ok {
                return Err(qerr::malformed(
                    self.src,
                    a.pos,
                    &format!(
                        "field {} does not support aggregate operator {}",
                        f.name,
                        a.func.name()
                    ),
                ));
            }
        }
        let display = match &a.arg {
            Some(p) => format!("{}({})", a.func.name().to_ascii_lowercase(), p.dotted()),
            None => format!("{}()", a.func.name().to_ascii_lowercase()),
        };
        if let Some(i) = agg
            .aggs
            .iter()
            .position(|s| s.display.eq_ignore_ascii_case(&display))
        {
            return Ok(agg.keys.len() + i);
        }
        agg.aggs.push(AggSpec {
            func: a.func,
            arg,
            display,
        });
        Ok(agg.keys.len() + agg.aggs.len() - 1)
    }

    fn key_slot(&self, base: usize, p: &FieldPath, agg: &AggPlan) -> Result<usize, SfError> {
        let f = self.path(base, p)?;
        agg.keys
            .iter()
            .position(|k| matches!(k, Key::Field(g) if same_field(g, &f)))
            .ok_or_else(|| {
                qerr::malformed(
                    self.src,
                    p.pos,
                    &format!("Field must be grouped or aggregated: {}", f.name),
                )
            })
    }

    pub(super) fn aggregate(
        &self,
        q: &Query,
        base: usize,
        plan: &mut Plan,
    ) -> Result<AggPlan, SfError> {
        let mut agg = AggPlan {
            keys: Vec::new(),
            aggs: Vec::new(),
            outputs: Vec::new(),
            having: None,
        };
        for key in &q.group_by {
            match key {
                Operand::Field(p) => {
                    let f = self.path_used(base, p, "grouped", FieldDef::groupable)?;
                    agg.keys.push(Key::Field(f));
                }
                Operand::DateFunction(d) => agg.keys.push(self.date_key(base, d)?),
                // The parser puts no aggregate in GROUP BY.
                Operand::Aggregate(a) => {
                    return Err(qerr::malformed(self.src, a.pos, "unexpected token: ("))
                }
            }
        }
        // Date functions of grouped date fields get their keys before aggregates take slots.
        let derived = q
            .select
            .iter()
            .filter_map(|s| match s {
                SelectItem::DateFunction { func, .. } => Some(func),
                _ => None,
            })
            .chain(q.order_by.iter().filter_map(|o| match &o.key {
                Operand::DateFunction(d) => Some(d),
                _ => None,
            }));
        for d in derived {
            self.derive_key(base, d, &mut agg.keys)?;
        }
        // Aggregates first claim their slots in SELECT order, so expr numbering is stable.
        let mut expr = 0;
        let mut pending = Vec::new();
        for item in &q.select {
            match item {
                SelectItem::Aggregate { agg: a, alias } => {
                    let slot = self.agg_slot(base, a, &mut agg)?;
                    let name = alias.clone().unwrap_or_else(|| {
                        expr += 1;
                        format!("expr{}", expr - 1)
                    });
                    pending.push((name, slot, None));
                }
                SelectItem::DateFunction { func, alias } => {
                    let slot = self.date_slot(base, func, &agg.keys)?;
                    let name = alias.clone().unwrap_or_else(|| {
                        expr += 1;
                        format!("expr{}", expr - 1)
                    });
                    pending.push((name, slot, Some(agg.keys[slot].clone())));
                }
                SelectItem::Field(p) => {
                    let slot = self.key_slot(base, p, &agg)?;
                    let f = agg.keys[slot].clone();
                    pending.push((f.as_field().name, slot, Some(f)));
                }
                SelectItem::AliasedField { path, alias, .. } => {
                    let slot = self.key_slot(base, path, &agg)?;
                    let f = agg.keys[slot].clone();
                    pending.push((alias.clone(), slot, Some(f)));
                }
                SelectItem::Subquery(sub) => {
                    return Err(qerr::malformed(
                        self.src,
                        sub.from_pos,
                        "Grouped query cannot use child relationships in the SELECT list",
                    ));
                }
                SelectItem::Fields { pos, .. } => {
                    return Err(qerr::malformed(
                        self.src,
                        *pos,
                        "FIELDS() cannot be used in a grouped query",
                    ));
                }
                SelectItem::TypeOf(t) => {
                    return Err(qerr::malformed(
                        self.src,
                        t.pos,
                        super::super::type_of::IN_AGGREGATE,
                    ));
                }
            }
        }
        if let Some(h) = &q.having {
            agg.having = Some(self.cond(h, base, Some(&mut agg))?);
        }
        for o in &q.order_by {
            let slot = match &o.key {
                Operand::Field(p) => self.key_slot(base, p, &agg)?,
                Operand::Aggregate(a) => self.agg_slot(base, a, &mut agg)?,
                Operand::DateFunction(d) => self.date_slot(base, d, &agg.keys)?,
            };
            plan.order.push(OrderKey {
                left: Left::Slot(slot),
                desc: o.desc,
                nulls_first: o.nulls_first.unwrap_or(!o.desc),
            });
        }
        // Slots of aggregates are offsets past the keys; keys never change after this point.
        agg.outputs = pending
            .into_iter()
            .map(|(name, slot, group)| AggOutput { name, slot, group })
            .collect();
        Ok(agg)
    }

    /// The field a HAVING operand stands for (aggregates get their result type).
    pub(super) fn having_ref(
        &self,
        base: usize,
        op: &Operand,
        agg: &mut AggPlan,
    ) -> Result<(usize, FieldRef), SfError> {
        match op {
            Operand::Field(p) => {
                let slot = self.key_slot(base, p, agg)?;
                Ok((slot, agg.keys[slot].as_field()))
            }
            Operand::DateFunction(d) => {
                let slot = self.date_slot(base, d, &agg.keys)?;
                Ok((slot, agg.keys[slot].as_field()))
            }
            Operand::Aggregate(a) => {
                let slot = self.agg_slot(base, a, agg)?;
                let spec = &agg.aggs[slot - agg.keys.len()];
                let ftype = match (spec.func, &spec.arg) {
                    (AggFunc::Count | AggFunc::CountDistinct, _) => FieldType::Int,
                    (AggFunc::Sum | AggFunc::Avg, _) => FieldType::Double,
                    (_, Some(f)) => f.ftype,
                    (_, None) => FieldType::Int,
                };
                Ok((
                    slot,
                    FieldRef {
                        hops: Vec::new(),
                        obj: base,
                        field: 0,
                        name: spec.display.clone(),
                        ftype,
                        reads: Reads::Stored,
                    },
                ))
            }
        }
    }
}
