//! Object access on every way the org reads or writes records, in an org that enforces it
//! (`auth: { enforce_object_access: true }`): the integration user of the least-privilege
//! lab may read Accounts and nothing else, and one of `Contact_Writer` may create and edit
//! Contacts (and edit one field) but not delete them.

use super::*;

/// The least-privilege lab's org: `digest@` reads Accounts only; `writer@` (second user)
/// creates and edits Contacts, with one editable field besides the required ones.
fn enforcing_org(enforce: bool) -> Org {
    let seed = OrgSeed::from_yaml(&format!(
        "users:\n\
         - {{ username: digest@lab.example, last_name: Digest, profile: Minimum Access - API Only Integrations, permission_sets: [Account_Read] }}\n\
         - {{ username: writer@lab.example, last_name: Writer, profile: Minimum Access - API Only Integrations, permission_sets: [Contact_Writer] }}\n\
         permission_sets:\n\
         - {{ name: Account_Read, objects: {{ Account: [read] }} }}\n\
         - {{ name: Contact_Writer, objects: {{ Contact: [read, create, edit] }}, fields: {{ Contact.Email: [edit] }} }}\n\
         auth: {{ enforce_object_access: {enforce} }}\n\
         records:\n\
         - Account: {{ Name: Falcon Corp }}\n\
         - Account: {{ Name: Harbor Logistics }}\n\
         - Opportunity: {{ Name: Renewal, StageName: Prospecting, CloseDate: \"2026-12-31\" }}\n"
    ))
    .expect("seed");
    Org::new(&seed).expect("org")
}

/// A mock whose token belongs to `username`.
fn as_user(org: Org, username: &str) -> Mock {
    let user = org
        .users
        .iter()
        .find(|u| u.username == username)
        .expect("seeded user")
        .clone();
    Mock {
        token: org.mint_static_token(&user, &["api"]),
        app: router(org.clone()),
        org,
    }
}

fn reader() -> Mock {
    as_user(enforcing_org(true), "digest@lab.example")
}

async fn account_ids(m: &Mock) -> Vec<String> {
    let r = m.get(&format!("{V}/query?q=SELECT+Id+FROM+Account")).await;
    r.body["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Id"].as_str().unwrap().to_string())
        .collect()
}

async fn account_names(m: &Mock) -> Vec<String> {
    let r = m
        .get(&format!(
            "{V}/query?q=SELECT+Name+FROM+Account+ORDER+BY+Name"
        ))
        .await;
    r.body["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn sobject_writes_the_user_may_not_make_are_refused_and_change_nothing() {
    let m = reader();
    let ids = account_ids(&m).await;
    let create = m
        .post(&format!("{V}/sobjects/Account"), json!({"Name": "Sneaky"}))
        .await;
    assert_eq!(create.status, StatusCode::BAD_REQUEST, "{}", create.body);
    assert_eq!(error_code(&create), "INSUFFICIENT_ACCESS_OR_READONLY");
    assert_eq!(
        create.body[0]["message"],
        "entity type cannot be inserted: Account"
    );
    assert_eq!(create.body[0]["fields"], json!([]));
    let update = m
        .patch(
            &format!("{V}/sobjects/Account/{}", ids[0]),
            json!({"Name": "Renamed"}),
        )
        .await;
    assert_eq!(update.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        update.body[0]["message"],
        "entity type cannot be updated: Account"
    );
    let delete = m.delete(&format!("{V}/sobjects/Account/{}", ids[1])).await;
    assert_eq!(delete.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        delete.body[0]["message"],
        "entity type cannot be deleted: Account"
    );
    let upsert = m
        .patch(
            &format!("{V}/sobjects/Account/Id/{}", ids[0]),
            json!({"Name": "Up"}),
        )
        .await;
    assert_eq!(upsert.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        upsert.body[0]["message"],
        "entity type cannot be updated: Account"
    );
    let create_by_id = m
        .post(&format!("{V}/sobjects/Account/Id"), json!({"Name": "New"}))
        .await;
    assert_eq!(create_by_id.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        account_names(&m).await,
        ["Falcon Corp", "Harbor Logistics"],
        "no write went through"
    );
    // Reading what the user may read still works.
    let read = m.get(&format!("{V}/sobjects/Account/{}", ids[0])).await;
    assert_eq!(read.status, StatusCode::OK);
}

#[tokio::test]
async fn an_object_the_user_cannot_read_is_unknown_to_every_sobject_resource() {
    let m = reader();
    let opp_id = {
        let actor = m.org.actor(m.org.users[0].id);
        let mut opp = Map::new();
        opp.insert("Name".into(), json!("Second"));
        opp.insert("StageName".into(), json!("Prospecting"));
        opp.insert("CloseDate".into(), json!("2026-12-31"));
        let mut store = m.org.store.write();
        store
            .insert("Opportunity", &opp, &actor)
            .unwrap()
            .to_string()
    };
    let create = m
        .post(
            &format!("{V}/sobjects/Opportunity"),
            json!({"Name": "x", "StageName": "Prospecting", "CloseDate": "2026-12-31"}),
        )
        .await;
    let describe = m.get(&format!("{V}/sobjects/Opportunity/describe")).await;
    let info = m.get(&format!("{V}/sobjects/Opportunity")).await;
    let read = m.get(&format!("{V}/sobjects/Opportunity/{opp_id}")).await;
    let by_name = m
        .get(&format!("{V}/sobjects/Opportunity/Name/Renewal"))
        .await;
    let delete = m
        .delete(&format!("{V}/sobjects/Opportunity/{opp_id}"))
        .await;
    for r in [create, describe, info, read, by_name, delete] {
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        assert_eq!(error_code(&r), "NOT_FOUND");
        assert_eq!(
            r.body[0]["message"],
            "The requested resource does not exist"
        );
    }
    assert_eq!(m.org.store.read().count("Opportunity"), 2);
}

#[tokio::test]
async fn describe_reports_the_users_own_rights() {
    let m = reader();
    let d = m.get(&format!("{V}/sobjects/Account/describe")).await;
    assert_eq!(d.status, StatusCode::OK);
    for (flag, value) in [
        ("queryable", true),
        ("retrieveable", true),
        ("createable", false),
        ("updateable", false),
        ("deletable", false),
        ("undeletable", false),
    ] {
        assert_eq!(d.body[flag], json!(value), "{flag}");
    }
    let info = m.get(&format!("{V}/sobjects/Account")).await;
    assert_eq!(info.body["objectDescribe"]["createable"], json!(false));
    assert_eq!(info.body["objectDescribe"]["queryable"], json!(true));
}

#[tokio::test]
async fn describe_global_lists_only_what_the_user_can_read_with_their_rights() {
    let m = reader();
    let g = m.get(&format!("{V}/sobjects")).await;
    assert_eq!(g.status, StatusCode::OK);
    let sobjects = g.body["sobjects"].as_array().unwrap();
    let names: Vec<&str> = sobjects
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Account", "User"], "every user reads User");
    assert_eq!(sobjects[0]["createable"], json!(false));
    assert_eq!(sobjects[0]["queryable"], json!(true));
    assert_eq!(sobjects[1]["createable"], json!(false));
}

#[tokio::test]
async fn every_user_reads_users_so_owner_paths_and_their_own_record_work() {
    let m = reader();
    let q = |soql: &str| {
        let q: String = url::form_urlencoded::byte_serialize(soql.as_bytes()).collect();
        let path = format!("{V}/query?q={q}");
        let m = &m;
        async move { m.get(&path).await }
    };
    let owners = q("SELECT Id, Name, Owner.Name FROM Account ORDER BY Name").await;
    assert_eq!(owners.status, StatusCode::OK, "{}", owners.body);
    assert!(owners.body["records"][0]["Owner"]["Name"].is_string());
    let me = q("SELECT Id FROM User WHERE Username = 'digest@lab.example'").await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.body["totalSize"], 1);
    let id = me.body["records"][0]["Id"].as_str().unwrap();
    let own = m.get(&format!("{V}/sobjects/User/{id}")).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    assert_eq!(own.body["Username"], "digest@lab.example");
    let edit = m
        .send(
            Method::PATCH,
            &format!("{V}/sobjects/User/{id}"),
            Some(r#"{"Title":"Boss"}"#),
            &[],
        )
        .await;
    assert_eq!(edit.status, StatusCode::BAD_REQUEST, "{}", edit.body);
    let opportunities = q("SELECT COUNT() FROM Opportunity").await;
    assert_eq!(error_code(&opportunities), "INVALID_TYPE", "still refused");
}

#[tokio::test]
async fn orgs_that_do_not_enforce_object_access_let_every_write_through() {
    let m = as_user(enforcing_org(false), "digest@lab.example");
    let create = m
        .post(
            &format!("{V}/sobjects/Opportunity"),
            json!({"Name": "x", "StageName": "Prospecting", "CloseDate": "2026-12-31"}),
        )
        .await;
    assert_eq!(create.status, StatusCode::CREATED, "{}", create.body);
    let d = m.get(&format!("{V}/sobjects/Account/describe")).await;
    assert_eq!(d.body["createable"], json!(true));
    let g = m.get(&format!("{V}/sobjects")).await;
    assert!(g.body["sobjects"].as_array().unwrap().len() > 1);
    let tree = m
        .post(
            &format!("{V}/composite/tree/Account"),
            json!({"records": [{"attributes": {"type": "Account", "referenceId": "a"}, "Name": "Tree"}]}),
        )
        .await;
    assert_eq!(tree.status, StatusCode::CREATED, "{}", tree.body);
}

#[tokio::test]
async fn fields_the_user_may_not_edit_refuse_the_write() {
    let m = as_user(enforcing_org(true), "writer@lab.example");
    let ok = m
        .post(
            &format!("{V}/sobjects/Contact"),
            json!({"LastName": "Lane", "Email": "lane@example.com"}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    let id = ok.body["id"].as_str().unwrap().to_string();
    let r = m
        .patch(
            &format!("{V}/sobjects/Contact/{id}"),
            json!({"Title": "CEO", "Email": "l@example.com"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(error_code(&r), "INVALID_FIELD_FOR_INSERT_UPDATE");
    assert_eq!(r.body[0]["fields"], json!(["Title"]));
    assert!(r.body[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("Unable to create/update fields: Title."));
    // Contact_Writer has no Delete.
    let d = m.delete(&format!("{V}/sobjects/Contact/{id}")).await;
    assert_eq!(
        d.body[0]["message"],
        "entity type cannot be deleted: Contact"
    );
}

#[tokio::test]
async fn composite_subrequests_meet_the_same_refusals_and_all_or_none_rolls_back() {
    let m = as_user(enforcing_org(true), "writer@lab.example");
    let r = m
        .post(
            &format!("{V}/composite"),
            json!({"allOrNone": true, "compositeRequest": [
                {"method": "POST", "url": format!("{V}/sobjects/Contact"), "referenceId": "c", "body": {"LastName": "Kept?"}},
                {"method": "POST", "url": format!("{V}/sobjects/Account"), "referenceId": "a", "body": {"Name": "Nope"}},
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let results = &r.body["compositeResponse"];
    assert_eq!(results[1]["httpStatusCode"], 404, "{}", r.body);
    assert_eq!(results[0]["body"][0]["errorCode"], "PROCESSING_HALTED");
    assert_eq!(m.org.store.read().count("Contact"), 0, "rolled back");
}

#[tokio::test]
async fn sobject_collections_refuse_each_record_the_user_may_not_write() {
    let m = reader();
    let ids = account_ids(&m).await;
    let create = m
        .post(
            &format!("{V}/composite/sobjects"),
            json!({"allOrNone": false, "records": [
                {"attributes": {"type": "Account"}, "Name": "A"},
                {"attributes": {"type": "Opportunity"}, "Name": "O", "StageName": "Prospecting", "CloseDate": "2026-12-31"},
            ]}),
        )
        .await;
    assert_eq!(create.status, StatusCode::OK);
    assert_eq!(create.body[0]["success"], false);
    assert_eq!(
        create.body[0]["errors"][0],
        json!({"statusCode": "INSUFFICIENT_ACCESS_OR_READONLY", "message": "entity type cannot be inserted: Account", "fields": []})
    );
    assert_eq!(create.body[1]["errors"][0]["statusCode"], "NOT_FOUND");
    let update = m
        .patch(
            &format!("{V}/composite/sobjects"),
            json!({"records": [{"attributes": {"type": "Account"}, "id": ids[0], "Name": "R"}]}),
        )
        .await;
    assert_eq!(
        update.body[0]["errors"][0]["message"],
        "entity type cannot be updated: Account"
    );
    let delete = m
        .delete(&format!("{V}/composite/sobjects?ids={}", ids.join(",")))
        .await;
    assert_eq!(
        delete.body[1]["errors"][0]["message"],
        "entity type cannot be deleted: Account"
    );
    let upsert = m
        .patch(
            &format!("{V}/composite/sobjects/Account/Id"),
            json!({"records": [{"attributes": {"type": "Account"}, "Id": ids[0], "Name": "U"}]}),
        )
        .await;
    assert_eq!(
        upsert.body[0]["errors"][0]["statusCode"], "INSUFFICIENT_ACCESS_OR_READONLY",
        "{}",
        upsert.body
    );
    let hidden = m
        .get(&format!(
            "{V}/composite/sobjects/Opportunity?ids={}&fields=Name",
            ids[0]
        ))
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(account_names(&m).await, ["Falcon Corp", "Harbor Logistics"]);
}

#[tokio::test]
async fn collections_all_or_none_rolls_back_records_the_user_could_write() {
    let m = as_user(enforcing_org(true), "writer@lab.example");
    let r = m
        .post(
            &format!("{V}/composite/sobjects"),
            json!({"allOrNone": true, "records": [
                {"attributes": {"type": "Contact"}, "LastName": "Kept?"},
                {"attributes": {"type": "Account"}, "Name": "Nope"},
            ]}),
        )
        .await;
    assert_eq!(
        r.body[0]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert_eq!(r.body[1]["errors"][0]["statusCode"], "NOT_FOUND");
    assert_eq!(m.org.store.read().count("Contact"), 0);
}

#[tokio::test]
async fn a_tree_with_a_record_the_user_may_not_create_is_refused_whole() {
    let m = reader();
    let r = m
        .post(
            &format!("{V}/composite/tree/Account"),
            json!({"records": [{"attributes": {"type": "Account", "referenceId": "a"}, "Name": "Tree"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.body["hasErrors"], true);
    assert_eq!(
        r.body["results"][0]["errors"][0]["message"],
        "entity type cannot be inserted: Account"
    );
    let hidden = m
        .post(
            &format!("{V}/composite/tree/Opportunity"),
            json!({"records": [{"attributes": {"type": "Opportunity", "referenceId": "o"}, "Name": "O"}]}),
        )
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(account_names(&m).await, ["Falcon Corp", "Harbor Logistics"]);
}

#[tokio::test]
async fn bulk_jobs_on_objects_the_user_may_not_touch_are_refused_at_creation() {
    let m = reader();
    let insert = m
        .post(
            &format!("{V}/jobs/ingest"),
            json!({"object": "Account", "operation": "insert"}),
        )
        .await;
    assert_eq!(insert.status, StatusCode::BAD_REQUEST, "{}", insert.body);
    assert_eq!(error_code(&insert), "INVALIDJOB");
    assert_eq!(
        insert.body[0]["message"],
        "InvalidJob : entity type cannot be inserted: Account"
    );
    let hidden = m
        .post(
            &format!("{V}/jobs/ingest"),
            json!({"object": "Opportunity", "operation": "delete"}),
        )
        .await;
    assert_eq!(
        hidden.body[0]["message"],
        "InvalidJob : Unable to find object: Opportunity"
    );
    let query = m
        .post(
            &format!("{V}/jobs/query"),
            json!({"operation": "query", "query": "SELECT Name FROM Opportunity"}),
        )
        .await;
    assert_eq!(query.status, StatusCode::BAD_REQUEST, "{}", query.body);
    assert_eq!(error_code(&query), "INVALID_TYPE");
    let readable = m
        .post(
            &format!("{V}/jobs/query"),
            json!({"operation": "query", "query": "SELECT Name FROM Account"}),
        )
        .await;
    assert_eq!(readable.status, StatusCode::OK, "{}", readable.body);
}

/// Runs an MCP tool as `username` of `org` (the server's own checks of the token aside).
fn mcp_tool(
    org: &Org,
    username: &str,
    tool: &str,
    args: Value,
) -> Result<Value, crate::org::mcp::tools::ToolError> {
    use crate::org::mcp::tools::{call, McpFixture};
    let m = as_user(org.clone(), username);
    let session = org
        .sessions
        .validate(&m.token, org.clock.now())
        .expect("a live token");
    let args = args.as_object().cloned().unwrap_or_default();
    call(org, &session, &McpFixture::default(), tool, &args).expect("a built-in tool")
}

#[test]
fn mcp_writes_naming_fields_the_user_may_not_edit_are_refused_as_rest_refuses_them() {
    let org = enforcing_org(true);
    let create = |fields: Value| {
        mcp_tool(
            &org,
            "writer@lab.example",
            "create_record",
            json!({"object": "Contact", "fields": fields}),
        )
    };
    let e = create(json!({"LastName": "Lane", "Title": "CEO"})).unwrap_err();
    assert!(
        e.0.starts_with("INVALID_FIELD_FOR_INSERT_UPDATE: Unable to create/update fields: Title."),
        "{e}"
    );
    let before = org.store.read().count("Contact");
    let ok = create(json!({"LastName": "Lane", "Email": "lane@example.com"})).unwrap();
    assert_eq!(org.store.read().count("Contact"), before + 1);
    let id = ok["id"].as_str().unwrap().to_string();
    let e = mcp_tool(
        &org,
        "writer@lab.example",
        "update_record",
        json!({"object": "Contact", "id": id, "fields": {"Title": "CEO"}}),
    )
    .unwrap_err();
    assert!(
        e.0.contains("Unable to create/update fields: Title."),
        "{e}"
    );
    let d = mcp_tool(
        &org,
        "writer@lab.example",
        "describe_object",
        json!({"object": "Contact"}),
    )
    .unwrap();
    let updateable = |name: &str| {
        d["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .map(|f| f["updateable"].clone())
    };
    // Title, which writer@ may neither edit nor read, is not listed at all.
    assert_eq!(updateable("Title"), None);
    assert_eq!(updateable("Email"), Some(json!(true)));
    assert_eq!(updateable("LastName"), Some(json!(true)));
    // Object rights keep their texts: Contact_Writer may not create Accounts.
    let e = mcp_tool(
        &org,
        "writer@lab.example",
        "create_record",
        json!({"object": "Opportunity", "fields": {"Name": "X"}}),
    )
    .unwrap_err();
    assert!(
        e.0.starts_with("INVALID_TYPE: sObject type 'Opportunity'"),
        "{e}"
    );
}

#[test]
fn mcp_writes_in_an_org_that_does_not_enforce_object_access_skip_field_security() {
    let org = enforcing_org(false);
    let ok = mcp_tool(
        &org,
        "writer@lab.example",
        "create_record",
        json!({"object": "Contact", "fields": {"LastName": "Lane", "Title": "CEO"}}),
    );
    assert!(ok.is_ok(), "{ok:?}");
}

#[tokio::test]
async fn record_counts_leave_out_objects_the_user_cannot_read() {
    let names = |r: &Reply| -> Vec<String> {
        r.body["sObjects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap().to_string())
            .collect()
    };
    for path in [
        "/limits/recordCount",
        "/limits/recordCount?sObjects=Account,Opportunity",
    ] {
        let r = reader().get(&format!("{V}{path}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let expected: &[&str] = if path.contains("sObjects=") {
            &["Account"]
        } else {
            &["Account", "User"]
        };
        assert_eq!(names(&r), expected, "{path}: {}", r.body);
        let open = as_user(enforcing_org(false), "digest@lab.example");
        let r = open.get(&format!("{V}{path}")).await;
        assert!(names(&r).contains(&"Opportunity".to_string()), "{path}");
    }
}

#[tokio::test]
async fn recent_lists_only_records_of_objects_the_user_can_read() {
    for enforce in [true, false] {
        let m = as_user(enforcing_org(enforce), "writer@lab.example");
        let writer = m
            .org
            .users
            .iter()
            .find(|u| u.username == "writer@lab.example")
            .unwrap()
            .id;
        {
            let actor = m.org.actor(writer);
            let mut store = m.org.store.write();
            for (object, name) in [("Account", "Hidden Co"), ("Contact", "Lane")] {
                let field = if object == "Contact" {
                    "LastName"
                } else {
                    "Name"
                };
                let mut fields = Map::new();
                fields.insert(field.into(), json!(name));
                store.insert(object, &fields, &actor).unwrap();
            }
        }
        let r = m.get(&format!("{V}/recent")).await;
        let types: Vec<&str> = r
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["attributes"]["type"].as_str().unwrap())
            .collect();
        if enforce {
            assert_eq!(types, ["Contact"], "{}", r.body);
        } else {
            assert!(types.contains(&"Account"), "{}", r.body);
        }
    }
}

#[tokio::test]
async fn collections_and_trees_refuse_each_record_naming_fields_the_user_may_not_edit() {
    let m = as_user(enforcing_org(true), "writer@lab.example");
    let create = m
        .post(
            &format!("{V}/composite/sobjects"),
            json!({"allOrNone": false, "records": [
                {"attributes": {"type": "Contact"}, "LastName": "Lane", "Email": "lane@example.com"},
                {"attributes": {"type": "Contact"}, "LastName": "Reyes", "Title": "CEO"},
            ]}),
        )
        .await;
    assert_eq!(create.status, StatusCode::OK, "{}", create.body);
    assert_eq!(create.body[0]["success"], true, "{}", create.body);
    let error = &create.body[1]["errors"][0];
    assert_eq!(error["statusCode"], "INVALID_FIELD_FOR_INSERT_UPDATE");
    assert_eq!(error["fields"], json!(["Title"]));
    assert!(error["message"]
        .as_str()
        .unwrap()
        .starts_with("Unable to create/update fields: Title."));
    let id = create.body[0]["id"].as_str().unwrap().to_string();
    let update = m
        .patch(
            &format!("{V}/composite/sobjects"),
            json!({"records": [{"attributes": {"type": "Contact"}, "id": id, "Title": "CTO"}]}),
        )
        .await;
    assert_eq!(update.body[0]["errors"][0]["fields"], json!(["Title"]));
    let tree = m
        .post(
            &format!("{V}/composite/tree/Contact"),
            json!({"records": [{"attributes": {"type": "Contact", "referenceId": "c"}, "LastName": "Tree", "Title": "CEO"}]}),
        )
        .await;
    assert_eq!(tree.status, StatusCode::BAD_REQUEST, "{}", tree.body);
    assert_eq!(
        tree.body["results"][0]["errors"][0]["statusCode"],
        "INVALID_FIELD_FOR_INSERT_UPDATE"
    );
    assert_eq!(
        m.org.store.read().count("Contact"),
        1,
        "only Lane was written"
    );
    // Where access is not enforced the same writes go through.
    let open = as_user(enforcing_org(false), "writer@lab.example");
    let r = open
        .post(
            &format!("{V}/composite/tree/Contact"),
            json!({"records": [{"attributes": {"type": "Contact", "referenceId": "c"}, "LastName": "Tree", "Title": "CEO"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

#[test]
fn bulk_ingest_rows_naming_fields_the_user_may_not_edit_fail_naming_them() {
    use crate::org::bulk::job::IngestOperation;
    use crate::org::bulk::process::plan_columns;
    let judged = |enforce: bool, header: &[&str], op: IngestOperation| {
        let org = enforcing_org(enforce);
        let writer = org
            .users
            .iter()
            .find(|u| u.username == "writer@lab.example")
            .unwrap()
            .id
            .to_string();
        let store = org.store.read();
        let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
        let mut plan = plan_columns(&store, "Contact", None, op, &header).unwrap();
        plan.refuse_uneditable(&store, &org.auth, &writer, op);
        plan.refused
    };
    let refused = judged(true, &["LastName", "Title"], IngestOperation::Insert).unwrap();
    assert!(
        refused
            .starts_with("INVALID_FIELD_FOR_INSERT_UPDATE:Unable to create/update fields: Title."),
        "{refused}"
    );
    assert!(refused.contains("permission set.:Title"), "{refused}");
    assert_eq!(
        judged(true, &["LastName", "Email"], IngestOperation::Insert),
        None
    );
    // A delete's file holds only ids (see `plan_columns`), so no field is written.
    assert_eq!(judged(true, &["Id"], IngestOperation::Delete), None);
    assert_eq!(
        judged(false, &["LastName", "Title"], IngestOperation::Insert),
        None
    );
}
