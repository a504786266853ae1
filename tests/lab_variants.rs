//! Real labs judged on variants of their reference solutions that the brief allows: a
//! learner's program that differs from the reference where the brief leaves the choice open
//! must pass as the reference does.

use sflab::lab::spec::{parse, LabSpec};
use sflab::rules::VerdictStatus;
use sflab::runner::wiring::mock_parts;
use sflab::runner::{run_lab, RunOptions};
use sflab::workspace::Workspace;
use std::path::Path;

fn curriculum(path: &str) -> String {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

fn lab(id: &str) -> LabSpec {
    parse("lab.yaml", &curriculum(&format!("labs/{id}/lab.yaml"))).expect("lab.yaml parses")
}

/// Runs `script` as the lab's `./run` on the mock org: the report's failed checks, by rule
/// and message (empty when the attempt passed).
fn failures(spec: &LabSpec, script: &str) -> Vec<String> {
    failures_with(spec, script, &[])
}

/// Like [`failures`], with other files of the lab folder beside `./run` (name, text).
fn failures_with(spec: &LabSpec, script: &str, files: &[(&str, String)]) -> Vec<String> {
    let t = tempfile::tempdir().unwrap();
    let ws = Workspace::at(t.path()).unwrap();
    let dir = ws.lab_dir(&spec.id);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    std::fs::write(dir.join("run"), script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.join("run"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let report = rt
        .block_on(run_lab(spec, &RunOptions::new(ws.clone(), mock_parts())))
        .unwrap();
    report
        .verdicts
        .iter()
        .filter(|v| v.status == VerdictStatus::Fail)
        .map(|v| format!("{}: {}", v.rule, v.message))
        .collect()
}

#[test]
fn eca_least_privilege_takes_the_refusal_note_on_standard_error() {
    let reference = curriculum("solutions/eca-least-privilege/run");
    let on_stdout = "400|403|404) echo \"Opportunities: not permitted for this integration ($(jq -r '.[0].errorCode' \"$body\"))\" ;;";
    assert!(
        reference.contains(on_stdout),
        "the reference prints its note so"
    );
    let on_stderr = reference.replace(
        on_stdout,
        "400|403|404) echo \"Opportunities: not permitted for this integration ($(jq -r '.[0].errorCode' \"$body\"))\" >&2 ;;",
    );
    let spec = lab("eca-least-privilege");
    assert_eq!(failures(&spec, &on_stderr), Vec::<String>::new());
    // A made-up count is still ruled out there.
    let zero_on_stderr = reference.replace(
        on_stdout,
        "400|403|404) echo \"Opportunities: 0 ($(jq -r '.[0].errorCode' \"$body\"))\" >&2 ;;",
    );
    let failed = failures(&spec, &zero_on_stderr);
    assert!(
        failed.len() == 1 && failed[0].starts_with("process.output_contains:"),
        "{failed:?}"
    );
}

#[test]
fn mcp_tool_review_takes_the_retail_query_sorted_or_with_a_list_of_one_industry() {
    let reference = curriculum("solutions/mcp-tool-review/run");
    let listed = r#"query="SELECT Name FROM Account WHERE Industry = 'Retail'""#;
    assert!(
        reference.contains(listed),
        "the reference sends the query so"
    );
    let spec = lab("mcp-tool-review");
    let review = [(
        "review.md",
        curriculum("solutions/mcp-tool-review/review.md"),
    )];
    for query in [
        r#"query="SELECT Name FROM Account WHERE Industry = 'Retail' ORDER BY Name""#,
        r#"query="SELECT Name FROM Account WHERE Industry IN ('Retail')""#,
    ] {
        assert_eq!(
            failures_with(&spec, &reference.replace(listed, query), &review),
            Vec::<String>::new(),
            "{query}"
        );
    }
    // Another filter is still more than the job needs.
    let every = reference.replace(
        listed,
        r#"query="SELECT Name FROM Account WHERE Industry IN ('Retail', 'Manufacturing')""#,
    );
    let failed = failures_with(&spec, &every, &review);
    assert!(
        failed.iter().any(|f| f.starts_with("mcp.tools_called:")),
        "{failed:?}"
    );
}

#[test]
fn oauth_client_credentials_reads_the_contact_count_from_the_count_query_alone() {
    let reference = curriculum("solutions/oauth-client-credentials/run");
    let count = r#"echo "Contacts: $(call -G "$api/query" --data-urlencode "q=SELECT COUNT() FROM Contact" | jq -r .totalSize)""#;
    assert!(reference.contains(count), "the reference counts so");
    // Another query of Contacts, whose answer holds other numbers, before the count.
    let with_another = reference.replace(
        count,
        &format!(
            "call -G \"$api/query\" --data-urlencode \"q=SELECT Name FROM Contact WHERE LastName = 'Nobody'\" >/dev/null\n{count}"
        ),
    );
    assert_eq!(
        failures(&lab("oauth-client-credentials"), &with_another),
        Vec::<String>::new()
    );
}

#[test]
fn query_pagination_takes_smaller_pages_asked_for_with_batch_size() {
    let reference = curriculum("solutions/query-pagination/run");
    let auth = r#"auth="Authorization: Bearer $SF_ACCESS_TOKEN""#;
    assert!(
        reference.contains(auth),
        "the reference names its header so"
    );
    // Pages of 500 (a size real orgs take: 200 to 2,000) make nine calls, the query one.
    let smaller_pages = reference
        .replace(
            auth,
            &format!("{auth}\nopt=\"Sforce-Query-Options: batchSize=500\""),
        )
        .replace(r#"-H "$auth""#, r#"-H "$auth" -H "$opt""#);
    assert!(
        smaller_pages.contains("batchSize=500")
            && smaller_pages.matches(r#"-H "$opt""#).count() == 2
    );
    assert_eq!(
        failures(&lab("query-pagination"), &smaller_pages),
        Vec::<String>::new()
    );
}
