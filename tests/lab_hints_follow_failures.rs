//! A lab's hints follow the failure the learner had: a hint about one failure (a 401 from the
//! learner's service) is not the first thing shown after another (the org had no key to send).

use sflab::lab::hints::{next_hint_among, HintChoice};
use sflab::lab::spec::{parse, LabSpec};
use sflab::rules::Verdict;
use std::path::Path;

fn lab(id: &str) -> LabSpec {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("labs")
        .join(id)
        .join("lab.yaml");
    let yaml = std::fs::read_to_string(&file).expect("lab.yaml");
    parse(&file.display().to_string(), &yaml).expect("lab.yaml parses")
}

fn first_hint(spec: &LabSpec, rule: &str, message: &str) -> String {
    let verdicts = [Verdict::fail(rule, 2, message)];
    match next_hint_among(spec, &[rule.to_string()], &[], &verdicts) {
        HintChoice::Next { text, .. } => text,
        other => panic!("no hint: {other:?}"),
    }
}

#[test]
fn callout_lab_a_principal_without_its_key_is_hinted_to_store_it_not_about_a_401() {
    let spec = lab("callout-to-your-service");
    let hint = first_hint(
        &spec,
        "callout.made",
        "No callout through Inventory was with custom-headers auth injected by the org, answered 200. The last one: GET callout:Inventory/stock/NOPE-404 as integration (auth none, principal StockChecker) refused: principal StockChecker of External Credential Inventory_Auth has no 'ApiKey' set; store it with POST /services/data/vXX.X/named-credentials/credential.",
    );
    assert!(!hint.contains("401"), "{hint}");
    assert!(hint.contains("named-credentials/credential"), "{hint}");
    let hint = first_hint(
        &spec,
        "callout.made",
        "No callout through Inventory was with custom-headers auth injected by the org, answered 200. The last one: GET callout:Inventory/stock/PUMP-7 answered 401.",
    );
    assert!(hint.starts_with("A 401 from your own service"), "{hint}");
}

#[test]
fn callout_lab_a_key_stored_under_another_spelling_is_hinted_to_match_the_merge_field_not_to_store_it(
) {
    let spec = lab("callout-to-your-service");
    let hint = first_hint(
        &spec,
        "callout.made",
        "No callout through Inventory was with custom-headers auth injected by the org, answered 200. The last one: GET callout:Inventory/stock/NOPE-404 as integration (auth none, principal StockChecker) refused: header X-Api-Key of Named Credential Inventory (Inventory.namedCredential-meta.xml) merges {!$Credential.Inventory_Auth.Apikey}, but principal StockChecker of External Credential Inventory_Auth holds 'ApiKey', not 'Apikey': merge-field names are matched exactly, case included. Spell the merge field as the stored parameter, {!$Credential.Inventory_Auth.ApiKey}, or store the value as 'Apikey'.",
    );
    assert!(!hint.contains("holds no `ApiKey`"), "{hint}");
    assert!(
        hint.contains("Inventory.namedCredential-meta.xml"),
        "{hint}"
    );
}

#[test]
fn split_model_a_grant_of_a_principal_that_does_not_exist_is_hinted_at_the_grant_name() {
    let hint = first_hint(
        &lab("nc-split-model"),
        "org.action_ok",
        "The org's deploy failed. deploy before run 1: the deploy failed: Permission Set ERP_Callers grants ERP_Auth-Main, but no External Credential has that principal (the form is ExternalCredential-Principal)",
    );
    assert!(hint.contains("`ERP_Auth-Warehouse`"), "{hint}");
    assert!(!hint.contains("namedCredentialType"), "{hint}");
}

#[test]
fn split_model_an_oauth_credential_without_a_variant_is_hinted_at_the_variant() {
    let hint = first_hint(
        &lab("nc-split-model"),
        "org.action_ok",
        "The org's deploy failed. deploy before run 1: the deploy failed: ERP_Auth.externalCredential-meta.xml: an Oauth External Credential with no AuthProtocolVariant parameter uses the browser flow, which needs an AuthProvider parameter",
    );
    assert!(hint.contains("ClientCredentialsClientSecret"), "{hint}");
}

#[test]
fn split_model_a_callout_sent_without_a_token_is_hinted_at_generate_authorization_header() {
    let hint = first_hint(
        &lab("nc-split-model"),
        "callout.made",
        "No callout through ERP was as ops, with oauth-client-credentials auth injected by the org, answered 201. The last one: POST callout:ERP/orders as ops (auth none, principal Warehouse) answered 401.",
    );
    assert!(
        hint.contains("<generateAuthorizationHeader>true</generateAuthorizationHeader>"),
        "{hint}"
    );
}

#[test]
fn courier_lab_a_401_without_an_authorization_header_is_hinted_at_generate_authorization_header() {
    let spec = lab("nc-vs-remote-site");
    let hint = first_hint(
        &spec,
        "callout.made",
        "No callout through Courier was as dan, with basic auth injected by the org, answered 200. The last one: GET callout:Courier/shipments/TRK41000001 as dan (auth none, principal Dispatch) answered 401.",
    );
    assert!(
        hint.contains("<generateAuthorizationHeader>true</generateAuthorizationHeader>"),
        "{hint}"
    );
    assert!(!hint.contains("are not `$COURIER_USERNAME`"), "{hint}");
    let hint = first_hint(
        &spec,
        "callout.made",
        "No callout through Courier was as dan, with basic auth injected by the org, answered 200. The last one: GET callout:Courier/shipments/TRK41000001 as dan (auth basic, principal Dispatch) answered 401.",
    );
    assert!(hint.contains("refused them"), "{hint}");
    assert!(!hint.contains("generateAuthorizationHeader"), "{hint}");
}

#[test]
fn callout_lab_the_hint_to_store_the_key_gives_a_body_the_org_accepts() {
    let hint = first_hint(
        &lab("callout-to-your-service"),
        "callout.made",
        "No callout through Inventory was with custom-headers auth injected by the org, answered 200. The last one: GET callout:Inventory/stock/NOPE-404 as integration (auth none, principal StockChecker) refused: principal StockChecker of External Credential Inventory_Auth has no 'ApiKey' set; store it with POST /services/data/vXX.X/named-credentials/credential.",
    );
    assert!(
        hint.contains("{ApiKey: {value: …, encrypted: true}}"),
        "{hint}"
    );
}

#[test]
fn auth_provider_design_a_wrong_provider_is_told_why_its_row_needs_another() {
    let hint = first_hint(
        &lab("auth-provider-design"),
        "design.table",
        "`design.md`: 1 problem(s): \"Vendor API\" → Provider: \"openid connect\" is not the best fit.",
    );
    assert!(
        hint.starts_with("Vendor API: the vendor's token answer has a non-standard shape"),
        "{hint}"
    );
}

#[test]
fn eca_scopes_an_unprinted_grant_is_hinted_at_the_scope_field_not_the_account_names() {
    let hint = first_hint(
        &lab("eca-scopes"),
        "process.output_reports",
        "The org answered #2 POST /services/oauth2/token with a value that your standard output does not show: api refresh_token. Print the values from the response, not ones worked out or typed in.",
    );
    assert!(hint.contains("`scope` field"), "{hint}");
}

#[test]
fn collections_a_report_on_standard_error_is_hinted_at_standard_output_not_at_pairing() {
    let spec = lab("collections-200-leads");
    let rule = "process.failed_records_reported";
    let hint = first_hint(
        &spec,
        rule,
        "In answer to #1 POST /services/data/v62.0/composite/sobjects, the org refused 4 records that your standard output does not name beside its status code: W-0023 REQUIRED_FIELD_MISSING, W-0077 INVALID_EMAIL_ADDRESS, W-0130 REQUIRED_FIELD_MISSING, W-0188 INVALID_EMAIL_ADDRESS. Your program printed those lines on standard error, and only standard output is read as the report: print each failed record's line to standard output.",
    );
    assert!(hint.starts_with("Only standard output is read"), "{hint}");
    let hint = first_hint(
        &spec,
        rule,
        "In answer to #1 POST /services/data/v62.0/composite/sobjects, the org refused 4 records (W-0023 REQUIRED_FIELD_MISSING, W-0077 INVALID_EMAIL_ADDRESS, W-0130 REQUIRED_FIELD_MISSING, W-0188 INVALID_EMAIL_ADDRESS), and your program printed nothing on standard output, where the report is read. Print a line for each failed record there: its Web_Ref__c and its errors' statusCode from the answer.",
    );
    assert!(!hint.contains("n-th result"), "{hint}");
    let hint = first_hint(
        &spec,
        rule,
        "In answer to #1 POST /services/data/v62.0/composite/sobjects, the org refused 1 record that your standard output does not name beside its status code on a line of its own: W-0077 INVALID_EMAIL_ADDRESS. The n-th result belongs to the n-th record you sent; print each failed record's Web_Ref__c and its errors' statusCode from the answer, not lines worked out or typed in.",
    );
    assert!(hint.starts_with("The n-th result belongs"), "{hint}");
}
