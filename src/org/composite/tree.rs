//! `/composite/tree/{sObject}`: a tree of new records — parents with nested children — created
//! all or nothing, each identified by the caller's `referenceId`.
//!
//! Children sit under their parent in a child relationship (`"Contacts": {"records": [...]}`);
//! the relationship gives the child object and the lookup field that is filled with the new
//! parent's id. The whole tree is one all-or-none store batch. Where the org enforces
//! object access, each record asks it (see `collections::RecordGate`): a record the caller
//! may not create, or with fields they may not edit — the parent lookup the tree fills
//! among them — fails with the refusal, and so does the tree.
//!
//! Records are created and listed level by level: every root record in request order, then
//! their children, and so on down. A referenceId used twice refuses the tree with a
//! `hasErrors` result for each record using it.
//!
//! Implementation notes: limits are documented (200 records in all, five object types,
//! five levels); the texts for breaking them are not, so they name the limit. The result
//! order follows the current documented example (`ref1, ref4, ref2, ref3`: both root
//! Accounts before the first one's Contacts); older releases' example listed them depth
//! first.

use super::collections::{open_gate, ObjectGate, RecordError};
use super::error::CompositeError;
use crate::org::auth::access::Op;
use crate::org::store::{Actor, Store};
use serde_json::{json, Map, Value};

pub const MAX_TREE_RECORDS: usize = 200;
pub const MAX_TREE_DEPTH: usize = 5;
/// How many object types one tree may create (documented: "up to five records of
/// different types").
pub const MAX_TREE_TYPES: usize = 5;

/// One record of the tree, flattened: what to insert and where its parent is.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeNode {
    pub reference_id: String,
    pub object: String,
    pub fields: Map<String, Value>,
    /// The parent's position in the flattened list, and the lookup field to fill.
    pub parent: Option<(usize, String)>,
}

/// The article before an object's name: "an Account", "an Opportunity", "a Contact". Names
/// starting with a vowel letter take "an", except those sounded with a "y" or "w" first
/// ("a User", "a Unit__c", "a One_Off__c").
fn a_or_an(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    let sounds_like_y_or_w = ["use", "usa", "usu", "uni", "uti", "eu", "one", "once"]
        .iter()
        .any(|p| lower.starts_with(p));
    match lower.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') if !sounds_like_y_or_w => "an",
        _ => "a",
    }
}

fn invalid(msg: String) -> CompositeError {
    CompositeError::InvalidInput(msg)
}

/// Checks the body and flattens it, parents first.
pub fn flatten(store: &Store, object: &str, body: &[u8]) -> Result<Vec<TreeNode>, CompositeError> {
    let body: Value = serde_json::from_slice(body)
        .map_err(|e| CompositeError::Json(crate::org::rest::body::jackson_message(body, &e)))?;
    let top = store
        .schema()
        .object(object)
        .ok_or_else(|| CompositeError::UnknownObject(object.to_string()))?
        .name
        .clone();
    let records = body
        .get("records")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            invalid("The body needs a \"records\" array of records to create.".into())
        })?;
    let mut out = Vec::new();
    for r in records {
        walk(store, &top, r, None, 1, &mut out)?;
    }
    if out.len() > MAX_TREE_RECORDS {
        return Err(CompositeError::LimitExceeded(format!(
            "A tree can create at most {MAX_TREE_RECORDS} records in all; this one has {}.",
            out.len()
        )));
    }
    let mut types: Vec<&str> = out.iter().map(|n| n.object.as_str()).collect();
    types.sort_unstable();
    types.dedup();
    if types.len() > MAX_TREE_TYPES {
        return Err(CompositeError::LimitExceeded(format!(
            "A tree can create records of at most {MAX_TREE_TYPES} object types; this one has {} ({}). Create the others in another call.",
            types.len(),
            types.join(", ")
        )));
    }
    Ok(level_order(out))
}

/// The nodes root level first, then each level below in turn, in request order within a
/// level (the documented results list ref1, ref4 — two root Accounts — before ref2, ref3,
/// the first one's Contacts); parent positions follow the new order.
fn level_order(nodes: Vec<TreeNode>) -> Vec<TreeNode> {
    let mut depth: Vec<usize> = Vec::with_capacity(nodes.len());
    for n in &nodes {
        let d = n.parent.as_ref().map_or(0, |(p, _)| depth[*p] + 1);
        depth.push(d);
    }
    let mut order: Vec<usize> = (0..nodes.len()).collect();
    order.sort_by_key(|&i| depth[i]);
    let mut position = vec![0; nodes.len()];
    for (new, &old) in order.iter().enumerate() {
        position[old] = new;
    }
    let mut slots: Vec<Option<TreeNode>> = nodes.into_iter().map(Some).collect();
    order
        .iter()
        .filter_map(|&old| slots[old].take())
        .map(|mut n| {
            n.parent = n.parent.map(|(p, field)| (position[p], field));
            n
        })
        .collect()
}

/// A referenceId used by more than one record: the tree is refused before anything is
/// created, with one result per record using it (documented; the code and text are those
/// captured from real orgs).
fn repeated_reference_ids(nodes: &[TreeNode]) -> Option<Value> {
    let mut uses: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for n in nodes {
        *uses.entry(n.reference_id.to_ascii_lowercase()).or_default() += 1;
    }
    let results: Vec<Value> = nodes
        .iter()
        .filter(|n| uses[&n.reference_id.to_ascii_lowercase()] > 1)
        .map(|n| {
            json!({"referenceId": n.reference_id, "errors": [{
                "statusCode": "INVALID_INPUT",
                "message": "Duplicate ReferenceId provided in the request.",
                "fields": []
            }]})
        })
        .collect();
    (!results.is_empty()).then(|| json!({"hasErrors": true, "results": results}))
}

fn walk(
    store: &Store,
    object: &str,
    record: &Value,
    parent: Option<(usize, String)>,
    depth: usize,
    out: &mut Vec<TreeNode>,
) -> Result<(), CompositeError> {
    if depth > MAX_TREE_DEPTH {
        return Err(CompositeError::LimitExceeded(format!(
            "A tree can nest records at most {MAX_TREE_DEPTH} levels deep."
        )));
    }
    let map = record
        .as_object()
        .ok_or_else(|| invalid("Each entry of \"records\" must be a JSON object.".into()))?;
    let attributes = map.get("attributes").and_then(Value::as_object);
    let declared = attributes
        .and_then(|a| a.get("type"))
        .and_then(Value::as_str);
    let reference_id = attributes
        .and_then(|a| a.get("referenceId"))
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| {
            invalid("Each record needs attributes.referenceId, a name you choose to find it in the results.".into())
        })?
        .to_string();
    super::request::check_reference_id(&reference_id)?;
    // The documented body names each record's type; the answer to leaving it out is not
    // known, so it is refused in sflab's words.
    let Some(t) = declared else {
        return Err(invalid(format!(
            "Record '{reference_id}' needs attributes.type, the object it is ({object} at this place in the tree)."
        )));
    };
    if !t.eq_ignore_ascii_case(object) {
        return Err(invalid(format!(
            "Record '{reference_id}' says it is {} {t}, but at this place in the tree it must be {} {object}.",
            a_or_an(t),
            a_or_an(object)
        )));
    }
    let schema = store.schema();
    let obj = schema
        .object(object)
        .ok_or_else(|| CompositeError::UnknownObject(object.to_string()))?;
    let mut fields = Map::new();
    let mut children = Vec::new();
    for (k, v) in map {
        if k == "attributes" {
            continue;
        }
        if let Some(rel) = obj.child_relationship(k) {
            let list = v.get("records").and_then(Value::as_array).ok_or_else(|| {
                invalid(format!(
                    "The child relationship {k} of '{reference_id}' needs {{\"records\": [...]}}."
                ))
            })?;
            children.push((rel.child_object.clone(), rel.field.clone(), list.clone()));
        } else {
            fields.insert(k.clone(), v.clone());
        }
    }
    let index = out.len();
    out.push(TreeNode {
        reference_id,
        object: obj.name.clone(),
        fields,
        parent,
    });
    for (child_object, field, list) in children {
        for child in &list {
            walk(
                store,
                &child_object,
                child,
                Some((index, field.clone())),
                depth + 1,
                out,
            )?;
        }
    }
    Ok(())
}

/// Inserts every node in order, parents first; the ids made, or every error met.
fn insert_nodes(
    store: &mut Store,
    actor: &Actor,
    gate: ObjectGate,
    nodes: &[TreeNode],
) -> Result<Vec<String>, Vec<(usize, RecordError)>> {
    let mut ids: Vec<String> = Vec::with_capacity(nodes.len());
    let mut errors: Vec<(usize, RecordError)> = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        let mut fields = n.fields.clone();
        if let Some((p, lookup)) = &n.parent {
            match ids.get(*p).filter(|id| !id.is_empty()) {
                Some(pid) => {
                    fields.insert(lookup.clone(), Value::String(pid.clone()));
                }
                // The parent failed; its own error is reported.
                None => {
                    ids.push(String::new());
                    continue;
                }
            }
        }
        let denied = gate.object(&n.object, Op::Create).map(RecordError::from);
        // The fields asked about include the parent lookup the tree fills: writing it is
        // writing that field, as it is when the body names it.
        let denied = denied.or_else(|| {
            let object = store.schema().object(&n.object)?;
            gate.fields(object, &fields.keys().collect::<Vec<_>>())
        });
        if let Some(denied) = denied {
            errors.push((i, denied));
            ids.push(String::new());
            continue;
        }
        match store.insert(&n.object, &fields, actor) {
            Ok(c) => ids.push(c.to_string()),
            Err(e) => {
                errors.push((i, e.into()));
                ids.push(String::new());
            }
        }
    }
    if errors.is_empty() {
        Ok(ids)
    } else {
        Err(errors)
    }
}

/// Creates the tree all or nothing; returns (HTTP status, body).
pub fn create(store: &mut Store, actor: &Actor, nodes: &[TreeNode]) -> (u16, Value) {
    create_through(store, actor, &open_gate, nodes)
}

/// [`create`], each record asking `gate` first.
pub fn create_through(
    store: &mut Store,
    actor: &Actor,
    gate: ObjectGate,
    nodes: &[TreeNode],
) -> (u16, Value) {
    if let Some(refused) = repeated_reference_ids(nodes) {
        return (400, refused);
    }
    // A savepoint (see collections) so the tree is undone alone even inside a unit.
    let sp = store.savepoint();
    let outcome = insert_nodes(store, actor, gate, nodes);
    match &outcome {
        Ok(_) => store.release(sp),
        Err(_) => store.rollback_to(sp),
    }
    match outcome {
        Ok(ids) => {
            let results: Vec<Value> = nodes
                .iter()
                .zip(ids)
                .map(|(n, id)| json!({"referenceId": n.reference_id, "id": id}))
                .collect();
            (201, json!({"hasErrors": false, "results": results}))
        }
        Err(errors) => {
            let results: Vec<Value> = errors
                .into_iter()
                .map(|(i, e)| {
                    json!({"referenceId": nodes[i].reference_id, "errors": [{"statusCode": e.status_code, "message": e.message, "fields": e.fields}]})
                })
                .collect();
            (400, json!({"hasErrors": true, "results": results}))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::a_or_an;
    use super::{create_through, flatten};
    use crate::org::auth::access::{ObjectDenial, Op};
    use crate::org::composite::collections::{RecordError, RecordGate};
    use crate::org::schema::ObjectDef;
    use crate::org::{Org, OrgSeed};

    /// The org's own object access and field-level security for one user, as the composite
    /// routes ask them.
    struct UserGate<'a> {
        org: &'a Org,
        user_id: String,
    }

    impl RecordGate for UserGate<'_> {
        fn object(&self, object: &str, op: Op) -> Option<ObjectDenial> {
            self.org.auth.object_denial(&self.user_id, object, op)
        }

        fn fields(&self, object: &ObjectDef, keys: &[&String]) -> Option<RecordError> {
            let (r, fields) =
                self.org
                    .auth
                    .field_write_refusal(&self.user_id, object, keys.iter().copied())?;
            Some(RecordError {
                status_code: r.error_code.to_string(),
                message: r.message,
                fields,
            })
        }
    }

    /// Creates an Account with one Contact under it as a user who may create both but may
    /// edit no Contact field besides Email (so not AccountId, the lookup the tree fills).
    fn account_with_contact(enforce: bool) -> (Org, u16, serde_json::Value) {
        let seed = OrgSeed::from_yaml(&format!(
            "users:\n\
             - {{ username: tree@x.example, last_name: Tree, profile: Minimum Access - API Only Integrations, permission_sets: [Tree_Writer] }}\n\
             permission_sets:\n\
             - {{ name: Tree_Writer, objects: {{ Account: [read, create], Contact: [read, create] }}, fields: {{ Contact.Email: [edit] }} }}\n\
             auth: {{ enforce_object_access: {enforce} }}\n"
        ))
        .unwrap();
        let org = Org::new(&seed).unwrap();
        let user = org
            .users
            .iter()
            .find(|u| u.username == "tree@x.example")
            .unwrap()
            .id;
        let body = serde_json::json!({"records": [{
            "attributes": {"type": "Account", "referenceId": "acct"},
            "Name": "Falcon Corp",
            "Contacts": {"records": [{
                "attributes": {"type": "Contact", "referenceId": "ct"},
                "LastName": "Lane", "Email": "lane@example.com"
            }]}
        }]});
        let (status, result) = {
            let mut store = org.store.write();
            let nodes = flatten(&store, "Account", body.to_string().as_bytes()).unwrap();
            let gate = UserGate {
                org: &org,
                user_id: user.to_string(),
            };
            create_through(&mut store, &org.actor(user), &gate, &nodes)
        };
        (org, status, result)
    }

    #[test]
    fn a_childs_parent_lookup_is_refused_when_the_user_may_not_edit_it() {
        let (org, status, result) = account_with_contact(true);
        assert_eq!(status, 400, "{result}");
        let error = &result["results"][0];
        assert_eq!(error["referenceId"], "ct");
        assert_eq!(
            error["errors"][0]["statusCode"],
            "INVALID_FIELD_FOR_INSERT_UPDATE"
        );
        assert_eq!(
            error["errors"][0]["fields"],
            serde_json::json!(["AccountId"])
        );
        let store = org.store.read();
        assert_eq!((store.count("Account"), store.count("Contact")), (0, 0));
    }

    #[test]
    fn a_childs_parent_lookup_is_filled_where_access_is_not_enforced() {
        let (org, status, result) = account_with_contact(false);
        assert_eq!(status, 201, "{result}");
        assert_eq!(org.store.read().count("Contact"), 1);
    }

    #[test]
    fn object_names_take_the_article_they_are_spoken_with() {
        for (name, article) in [
            ("Account", "an"),
            ("Opportunity", "an"),
            ("Order", "an"),
            ("Invoice__c", "an"),
            ("Event", "an"),
            ("Contact", "a"),
            ("Lead", "a"),
            ("User", "a"),
            ("Unit__c", "a"),
        ] {
            assert_eq!(a_or_an(name), article, "{name}");
        }
    }
}
