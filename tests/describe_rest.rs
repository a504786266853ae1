//! REST describe through the org router: change events of the objects with Change Data
//! Capture selected (in describe global, basic info and their own describe, never queryable),
//! and describe's fields narrowed to the caller's field-level security where the org enforces
//! object access (`createable`/`updateable` to what they may edit, the list to what they may
//! read).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};
use sflab::org::{Org, OrgSeed};
use tower::ServiceExt;

const V: &str = "/services/data/v62.0";

/// An org with Change Data Capture on Account; `admin@` may do everything, `reader@` reads
/// Accounts only, `writer@` creates and edits Contacts with one editable optional field and
/// reads one more.
fn org(enforce: bool) -> Org {
    let seed = OrgSeed::from_yaml(&format!(
        "users:\n\
         - {{ username: admin@describe.example, last_name: Admin, profile: System Administrator }}\n\
         - {{ username: reader@describe.example, last_name: Reader, profile: Minimum Access - API Only Integrations, permission_sets: [Account_Read] }}\n\
         - {{ username: writer@describe.example, last_name: Writer, profile: Minimum Access - API Only Integrations, permission_sets: [Contact_Writer] }}\n\
         permission_sets:\n\
         - {{ name: Account_Read, objects: {{ Account: [read] }} }}\n\
         - {{ name: Contact_Writer, objects: {{ Contact: [read, create, edit] }}, fields: {{ Contact.Email: [edit], Contact.Title: [read] }} }}\n\
         auth: {{ enforce_object_access: {enforce} }}\n\
         events:\n  change_data_capture: [Account]\n\
         records:\n\
         - Account: {{ Name: Falcon Corp }}\n"
    ))
    .expect("seed");
    Org::new(&seed).expect("org")
}

/// GET `path` as `username`: (status, JSON body).
async fn get_as(org: &Org, username: &str, path: &str) -> (StatusCode, Value) {
    let user = org
        .users
        .iter()
        .find(|u| u.username == username)
        .expect("seeded user")
        .clone();
    let token = org.mint_static_token(&user, &["api"]);
    let req = Request::builder()
        .uri(path)
        .header("host", "127.0.0.1:8443")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let resp = sflab::org::rest::router(org.clone())
        .oneshot(req)
        .await
        .unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn field<'a>(describe: &'a Value, name: &str) -> &'a Value {
    describe["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no field {name} in {describe}"))
}

fn entry<'a>(global: &'a Value, name: &str) -> Option<&'a Value> {
    global["sobjects"]
        .as_array()
        .expect("sobjects")
        .iter()
        .find(|o| o["name"] == name)
}

#[tokio::test]
async fn describe_global_lists_the_change_events_of_cdc_objects_as_not_queryable() {
    let org = org(false);
    let (status, g) = get_as(&org, "admin@describe.example", &format!("{V}/sobjects")).await;
    assert_eq!(status, StatusCode::OK, "{g}");
    let e = entry(&g, "AccountChangeEvent").expect("AccountChangeEvent is listed");
    for (flag, value) in [
        ("queryable", false),
        ("createable", false),
        ("updateable", false),
        ("deletable", false),
        ("undeletable", false),
        ("searchable", false),
        ("layoutable", false),
        ("triggerable", true),
    ] {
        assert_eq!(e[flag], json!(value), "{flag}");
    }
    assert_eq!(e["associateEntityType"], "ChangeEvent");
    assert_eq!(e["associateParentEntity"], "Account");
    assert_eq!(e["keyPrefix"], Value::Null);
    assert_eq!(
        e["urls"]["eventSchema"],
        "/services/data/v62.0/sobjects/AccountChangeEvent/eventSchema"
    );
    // Only the objects with Change Data Capture selected have one.
    assert!(entry(&g, "ContactChangeEvent").is_none());
    let account = entry(&g, "Account").unwrap();
    assert_eq!(account["associateEntityType"], Value::Null);
    assert_eq!(account["queryable"], json!(true));
    let names: Vec<&str> = g["sobjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "describe global stays alphabetical");
}

#[tokio::test]
async fn a_change_event_describes_with_its_header_and_the_objects_fields_read_only() {
    let org = org(false);
    let admin = "admin@describe.example";
    let (status, d) = get_as(
        &org,
        admin,
        &format!("{V}/sobjects/AccountChangeEvent/describe"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["name"], "AccountChangeEvent");
    assert_eq!(d["queryable"], json!(false));
    let header = field(&d, "ChangeEventHeader");
    assert_eq!(header["type"], "complexvalue");
    assert_eq!(header["soapType"], "tns:ChangeEventHeader");
    assert_eq!(field(&d, "ReplayId")["type"], "string");
    let name = field(&d, "Name");
    assert_eq!(name["type"], "string");
    assert_eq!(name["createable"], json!(false));
    assert_eq!(name["updateable"], json!(false));
    assert_eq!(field(&d, "OwnerId")["referenceTo"], json!(["User"]));
    for left_out in ["IsDeleted", "SystemModstamp"] {
        assert!(
            d["fields"]
                .as_array()
                .unwrap()
                .iter()
                .all(|f| f["name"] != left_out),
            "{left_out} is not in a change event"
        );
    }
    let (status, info) = get_as(&org, admin, &format!("{V}/sobjects/AccountChangeEvent")).await;
    assert_eq!(status, StatusCode::OK, "{info}");
    assert_eq!(info["objectDescribe"]["name"], "AccountChangeEvent");
    assert_eq!(info["recentItems"], json!([]));
    // Not an object with Change Data Capture selected: no such sObject.
    let (status, _) = get_as(
        &org,
        admin,
        &format!("{V}/sobjects/ContactChangeEvent/describe"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_change_event_is_still_refused_by_soql() {
    let org = org(false);
    let (status, r) = get_as(
        &org,
        "admin@describe.example",
        &format!("{V}/query?q=SELECT+Id+FROM+AccountChangeEvent"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{r}");
    assert_eq!(r[0]["errorCode"], "INVALID_TYPE");
    // Listed by describe but not queryable: said as such, not as an unknown object.
    assert!(
        r[0]["message"]
            .as_str()
            .unwrap()
            .ends_with("entity type AccountChangeEvent does not support query"),
        "{r}"
    );
}

#[tokio::test]
async fn a_change_event_goes_with_read_access_to_its_object() {
    let org = org(true);
    let (_, g) = get_as(&org, "reader@describe.example", &format!("{V}/sobjects")).await;
    assert!(entry(&g, "AccountChangeEvent").is_some(), "{g}");
    let (status, _) = get_as(
        &org,
        "reader@describe.example",
        &format!("{V}/sobjects/AccountChangeEvent/describe"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // The Contact writer cannot read Accounts, so neither their change events.
    let (_, g) = get_as(&org, "writer@describe.example", &format!("{V}/sobjects")).await;
    assert!(entry(&g, "AccountChangeEvent").is_none(), "{g}");
    let (status, _) = get_as(
        &org,
        "writer@describe.example",
        &format!("{V}/sobjects/AccountChangeEvent/describe"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn describe_fields_follow_the_callers_field_security_where_access_is_enforced() {
    let org = org(true);
    let (status, d) = get_as(
        &org,
        "writer@describe.example",
        &format!("{V}/sobjects/Contact/describe"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    let title = field(&d, "Title");
    assert_eq!(title["createable"], json!(false), "{title}");
    assert_eq!(title["updateable"], json!(false), "{title}");
    let email = field(&d, "Email");
    assert_eq!(email["createable"], json!(true));
    assert_eq!(email["updateable"], json!(true));
    // Required fields carry no field-level security.
    let last_name = field(&d, "LastName");
    assert_eq!(last_name["createable"], json!(true));
    assert_eq!(last_name["updateable"], json!(true));
    // A field the caller may not read is not listed.
    let listed = |name: &str| {
        d["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == name)
    };
    assert!(!listed("Phone"), "{d}");
}

#[tokio::test]
async fn describe_fields_are_unchanged_where_access_is_not_enforced() {
    let org = org(false);
    let (status, d) = get_as(
        &org,
        "writer@describe.example",
        &format!("{V}/sobjects/Contact/describe"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    let title = field(&d, "Title");
    assert_eq!(title["createable"], json!(true));
    assert_eq!(title["updateable"], json!(true));
}
