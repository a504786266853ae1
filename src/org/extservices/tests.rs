//! External Services registered against a Named Credential and invoked by operationId.

use super::{as_outputs, invoke, register, ExternalServiceError};
use crate::org::Org;
use serde_json::json;

const SPEC: &str = r##"
openapi: 3.0.3
info: { title: ERP, version: "1" }
servers: [ { url: "https://erp.example.com/ext/erp" } ]
paths:
  /orders:
    post:
      operationId: createOrder
      parameters: [ { name: Idempotency-Key, in: header, required: false, schema: { type: string } } ]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [customer, lines]
              properties:
                customer: { type: string }
                lines: { type: array, items: { type: object, properties: { sku: { type: string }, quantity: { type: number } } } }
      responses:
        "201": { description: Created, content: { application/json: { schema: { $ref: "#/components/schemas/Order" } } } }
  /orders/{id}:
    get:
      operationId: getOrder
      parameters: [ { name: id, in: path, required: true, schema: { type: string } } ]
      responses:
        "200": { description: The order, content: { application/json: { schema: { $ref: "#/components/schemas/Order" } } } }
components:
  schemas:
    Order: { type: object, required: [id], properties: { id: { type: string }, customer: { type: string } } }
"##;

fn org() -> Org {
    let org = Org::default_org();
    let files = vec![
        ("ErpRoot.namedCredential-meta.xml".to_string(), "<NamedCredential><namedCredentialParameters><parameterName>Url</parameterName><parameterType>Url</parameterType><parameterValue>https://mock.sflab.internal</parameterValue></namedCredentialParameters><namedCredentialParameters><externalCredential>Erp_Cc</externalCredential><parameterName>ExternalCredential</parameterName><parameterType>Authentication</parameterType></namedCredentialParameters></NamedCredential>".to_string()),
        ("Erp_Cc.externalCredential-meta.xml".to_string(), "<ExternalCredential><authenticationProtocol>Oauth</authenticationProtocol><externalCredentialParameters><parameterName>Oauth</parameterName><parameterType>AuthProtocolVariant</parameterType><parameterValue>ClientCredentialsClientSecret</parameterValue></externalCredentialParameters><externalCredentialParameters><parameterName>AuthProviderUrl</parameterName><parameterType>AuthProviderUrl</parameterType><parameterValue>https://mock.sflab.internal/ext/erp/oauth/token</parameterValue></externalCredentialParameters><externalCredentialParameters><parameterName>Main</parameterName><parameterType>NamedPrincipal</parameterType></externalCredentialParameters></ExternalCredential>".to_string()),
        ("Erp_Access.permissionset-meta.xml".to_string(), "<PermissionSet><externalCredentialPrincipalAccesses><enabled>true</enabled><externalCredentialPrincipal>Erp_Cc-Main</externalCredentialPrincipal></externalCredentialPrincipalAccesses></PermissionSet>".to_string()),
    ];
    {
        let mut d = org.outbound.deployment.write();
        d.deploy(&files).unwrap();
        d.set_secret("Erp_Cc", "Main", "clientId", "sflab-erp");
        d.set_secret("Erp_Cc", "Main", "clientSecret", "erp-demo-secret");
        let admin = org.users[0].id.to_string();
        d.assign(&admin, "Erp_Access");
    }
    org
}

#[tokio::test]
async fn operations_are_invoked_by_id_with_typed_input() {
    let org = org();
    let svc = register(&org, "ErpOrders", "ErpRoot", SPEC).unwrap();
    assert_eq!(svc.operations.len(), 2);
    let input = json!({"Idempotency-Key": "k-1", "body": {"customer": "Falcon", "lines": [{"sku": "S", "quantity": 1}]}});
    let (status, body) = invoke(&org, "ErpOrders", "createOrder", &input, "admin")
        .await
        .unwrap();
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_str().unwrap().to_string();
    let (again, _) = invoke(&org, "ErpOrders", "createOrder", &input, "admin")
        .await
        .unwrap();
    assert_eq!(again, 201);
    assert_eq!(
        org.outbound.ext.erp_order_count(),
        1,
        "the header parameter carried the idempotency key"
    );
    let (status, got) = invoke(&org, "ErpOrders", "getOrder", &json!({"id": id}), "admin")
        .await
        .unwrap();
    assert_eq!((status, got["customer"].as_str()), (200, Some("Falcon")));
    // The flow gets the outputs the document declares (Order: id, customer), not the rest of
    // what the ERP answers.
    let mut keys: Vec<&String> = got.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["customer", "id"], "{got}");
    assert_eq!(
        org.outbound.callout_log().last().unwrap().url,
        format!("https://mock.sflab.internal/ext/erp/orders/{id}")
    );
}

#[tokio::test]
async fn an_answer_the_document_does_not_describe_gives_the_flow_no_outputs() {
    let org = org();
    let input = json!({"body": {"customer": "Falcon", "lines": [{"sku": "S", "quantity": 1}]}});
    // A list where the service answers an object.
    let as_list = SPEC.replace(
        r##""201": { description: Created, content: { application/json: { schema: { $ref: "#/components/schemas/Order" } } } }"##,
        r##""201": { description: Created, content: { application/json: { schema: { type: array, items: { type: string } } } } }"##,
    );
    register(&org, "AsList", "ErpRoot", &as_list).unwrap();
    let e = invoke(&org, "AsList", "createOrder", &input, "admin")
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ExternalServiceError::Output(m) if m.contains("response must be of type array")),
        "{e}"
    );
    // No success answer described at all.
    let undescribed = SPEC.replace(
        r##""201": { description: Created, content: { application/json: { schema: { $ref: "#/components/schemas/Order" } } } }"##,
        r##""default": { description: Whatever }"##,
    );
    register(&org, "Undescribed", "ErpRoot", &undescribed).unwrap();
    let e = invoke(&org, "Undescribed", "createOrder", &input, "admin")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("declares no JSON body"), "{e}");
    // An object with no properties: nothing the flow can read by name.
    let bare = SPEC.replace(
        r##""201": { description: Created, content: { application/json: { schema: { $ref: "#/components/schemas/Order" } } } }"##,
        r##""201": { description: Created, content: { application/json: { schema: { type: object } } } }"##,
    );
    register(&org, "Bare", "ErpRoot", &bare).unwrap();
    let e = invoke(&org, "Bare", "createOrder", &input, "admin")
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ExternalServiceError::Output(m) if m.contains("an object with no properties")),
        "{e}"
    );
    // Every call did reach the service: the org only fails to read the answer.
    assert_eq!(org.outbound.callout_log().len(), 3);
}

#[tokio::test]
async fn input_that_does_not_fit_the_spec_is_refused_before_any_call() {
    let org = org();
    register(&org, "ErpOrders", "ErpRoot", SPEC).unwrap();
    let bad = [
        (json!({}), "input.id is required"),
        (json!({"id": 5}), "input.id must be of type string"),
        (
            json!({"id": "x", "colour": "red"}),
            "input.colour is not a parameter of getOrder",
        ),
    ];
    for (input, message) in bad {
        let e = invoke(&org, "ErpOrders", "getOrder", &input, "admin")
            .await
            .unwrap_err();
        assert!(
            matches!(&e, ExternalServiceError::Input(m) if m.starts_with(message)),
            "{e}"
        );
    }
    let e = invoke(
        &org,
        "ErpOrders",
        "createOrder",
        &json!({"body": {"customer": "F"}}),
        "admin",
    )
    .await
    .unwrap_err();
    assert_eq!(e.to_string(), "input.body.lines is required");
    assert!(org.outbound.callout_log().is_empty());
    let e = invoke(&org, "ErpOrders", "nope", &json!({}), "admin")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("createOrder, getOrder"));
}

#[tokio::test]
async fn registration_needs_a_deployed_named_credential_and_a_valid_spec() {
    let org = org();
    assert!(matches!(
        register(&org, "X", "Missing", SPEC),
        Err(ExternalServiceError::NoNamedCredential(_))
    ));
    assert!(matches!(
        register(&org, "1x", "ErpRoot", SPEC),
        Err(ExternalServiceError::BadName(_))
    ));
    assert!(matches!(
        register(&org, "X", "ErpRoot", "openapi: 3.1.0\npaths: {}"),
        Err(ExternalServiceError::Spec(_))
    ));
}

#[test]
fn the_flow_gets_only_the_declared_properties_of_an_answer() {
    let schema = json!({"type": "object", "properties": {
        "city": {"type": "string"},
        "days": {"type": "array", "items": {"type": "object", "properties": {"high": {"type": "number"}}}}
    }});
    let answer = json!({"city": "Oslo", "humidity": 81, "days": [{"high": 3, "low": -2}]});
    assert_eq!(
        as_outputs(&answer, &schema),
        json!({"city": "Oslo", "days": [{"high": 3}]})
    );
    // Open objects keep what they get: which outputs a real org gives for them is unknown.
    let open = json!({"type": "object", "properties": {"city": {"type": "string"}}, "additionalProperties": true});
    assert_eq!(as_outputs(&answer, &open), answer);
}
