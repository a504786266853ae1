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
