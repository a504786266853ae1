//! Tests of the review labs' checks on the rows testers wrote: security-review's
//! `review.findings` (fixes that keep or spread the problem, evidence that points at nothing,
//! short fixes that name a real change) and mcp-tool-review's table of tool verdicts.

use super::super::fixture::*;
use crate::evidence::SourceFile;

/// The lab's `review.findings` check, as YAML, and its reference `findings.md`.
fn security_review() -> (String, String) {
    let root = env!("CARGO_MANIFEST_DIR");
    let yaml =
        std::fs::read_to_string(format!("{root}/labs/security-review/lab.yaml")).expect("lab.yaml");
    let lab: serde_yaml::Value = serde_yaml::from_str(&yaml).expect("yaml");
    let mut check = lab["checks"]
        .as_sequence()
        .expect("checks")
        .iter()
        .find(|c| c["rule"] == "review.findings")
        .expect("a review.findings check")
        .clone();
    check.as_mapping_mut().expect("a check").remove("points");
    let findings = std::fs::read_to_string(format!("{root}/solutions/security-review/findings.md"))
        .expect("findings.md");
    (serde_yaml::to_string(&check).expect("yaml"), findings)
}

/// The reference findings with the cell under `column` (0 Finding, 1 Evidence, 2 Fix) of the
/// row whose finding starts with `row` replaced by `text`.
fn with_cell(doc: &str, row: &str, column: usize, text: &str) -> crate::evidence::Evidence {
    with_cell_of("findings.md", doc, row, column, text)
}

/// `doc`, saved as `file`, with the cell under `column` of the row starting `row` replaced.
fn with_cell_of(
    file: &str,
    doc: &str,
    row: &str,
    column: usize,
    text: &str,
) -> crate::evidence::Evidence {
    let prefix = format!("| {row}");
    assert!(doc.lines().any(|l| l.starts_with(&prefix)), "no row {row}");
    let doc = doc
        .lines()
        .map(|l| {
            if !l.starts_with(&prefix) {
                return l.to_string();
            }
            let mut cells: Vec<String> = l
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect();
            cells[column] = text.to_string();
            format!("| {} |", cells.join(" | "))
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut ev = evidence(vec![]);
    ev.sources.push(SourceFile {
        path: file.into(),
        text: doc,
    });
    ev
}

/// mcp-tool-review's `design.table` check, as YAML, and its reference `review.md`.
fn mcp_tool_review() -> (String, String) {
    let root = env!("CARGO_MANIFEST_DIR");
    let yaml =
        std::fs::read_to_string(format!("{root}/labs/mcp-tool-review/lab.yaml")).expect("lab.yaml");
    let lab: serde_yaml::Value = serde_yaml::from_str(&yaml).expect("yaml");
    let mut check = lab["checks"]
        .as_sequence()
        .expect("checks")
        .iter()
        .find(|c| c["rule"] == "design.table")
        .expect("a design.table check")
        .clone();
    check.as_mapping_mut().expect("a check").remove("points");
    let review = std::fs::read_to_string(format!("{root}/solutions/mcp-tool-review/review.md"))
        .expect("review.md");
    (serde_yaml::to_string(&check).expect("yaml"), review)
}

#[test]
fn mcp_review_takes_e_mail_spelt_with_a_hyphen_and_keeping_it_from_the_user_as_the_trick() {
    let (rule, doc) = mcp_tool_review();
    for reason in [
        "Its description demands that the agent pull up every customer's e-mail and attach them to the tool's notes field",
        "The description pushes the model into hiding a data grab from the user",
        "Contacts' addresses are gathered and attached to the call, and that kept from the user",
    ] {
        assert_passes(
            &rule,
            &with_cell_of("review.md", &doc, "shipment_eta", 2, reason),
        );
    }
    assert_fails(
        &rule,
        &with_cell_of(
            "review.md",
            &doc,
            "shipment_eta",
            2,
            "Just another tool the job does not need.",
        ),
    );
}

const TOKEN: &str = "Access token sent";
const SCOPES: &str = "Requested scopes";
const SECRET: &str = "Client secret";
const TLS: &str = "TLS certificate";

#[test]
fn security_review_refuses_a_fix_that_keeps_its_problem_beside_a_real_change() {
    let (rule, doc) = security_review();
    for (row, fix) in [
        (
            TOKEN,
            "Send it in the `Authorization: Bearer` header; the access_token query parameter can stay for the old proxy",
        ),
        (
            SCOPES,
            "Drop web and refresh_token; api and full are all the sync needs",
        ),
        (
            SECRET,
            "Move the client secret into its own secrets.yaml next to courier-sync.yaml, so the main config holds no secret",
        ),
        (SECRET, "Rotate it and write the new one to courier-sync.local.yaml"),
    ] {
        let v = assert_fails(&rule, &with_cell(&doc, row, 2, fix));
        assert!(v.message.contains("keeps or spreads"), "{fix}: {}", v.message);
    }
}

#[test]
fn security_review_accepts_a_fix_that_names_the_problem_only_to_take_it_away() {
    let (rule, doc) = security_review();
    for (row, fix) in [
        (
            TOKEN,
            "Send it only in the Authorization header; the access_token parameter is removed from every URL",
        ),
        (SCOPES, "Drop full, web and refresh_token; ask for api only"),
        (SCOPES, "Remove web, refresh_token and full from the request"),
        (SCOPES, "Replace full with api"),
        (
            SECRET,
            "Move it into a vault and delete it from courier-sync.yaml; rotate it",
        ),
        (
            SECRET,
            "Rotate it, move it to an environment variable and remove it from the yaml file",
        ),
    ] {
        assert_passes(&rule, &with_cell(&doc, row, 2, fix));
    }
}

#[test]
fn security_review_refuses_fixes_that_keep_or_spread_the_problem() {
    let (rule, doc) = security_review();
    for (row, fix, label) in [
        (
            TLS,
            "Trust every certificate the proxy presents",
            "certificate verification off",
        ),
        (
            TLS,
            "Accept any certificate",
            "certificate verification off",
        ),
        (
            SCOPES,
            "Request only full, which covers everything the sync does",
            "scopes wider than the job",
        ),
        (
            SCOPES,
            "Keep requesting full; it covers the sync",
            "scopes wider than the job",
        ),
        (
            TOKEN,
            "Also put it in the Authorization header as a bearer token",
            "token in the URL",
        ),
        (
            TOKEN,
            "Send it in the Authorization header as well as in the URL",
            "token in the URL",
        ),
        (
            SECRET,
            "Move it to a second yaml file in the same repo",
            "secret stored in the config file",
        ),
        (
            SECRET,
            "Move it to another file in the repository",
            "secret stored in the config file",
        ),
    ] {
        let v = assert_fails(&rule, &with_cell(&doc, row, 2, fix));
        assert!(
            v.message
                .contains(&format!("{label} (the fix keeps or spreads")),
            "{fix}: {}",
            v.message
        );
    }
}

#[test]
fn security_review_refuses_evidence_that_says_nothing_was_found() {
    let (rule, doc) = security_review();
    for evidence in [
        "not found in either file; no secret seen",
        "no client_secret in the config",
    ] {
        let v = assert_fails(&rule, &with_cell(&doc, SECRET, 1, evidence));
        assert!(
            v.message.contains("evidence that does not point at it")
                && v.message.contains("secret stored in the config file"),
            "{evidence}: {}",
            v.message
        );
    }
}

#[test]
fn security_review_accepts_short_fixes_that_name_a_real_change() {
    let (rule, doc) = security_review();
    for (row, fix) in [
        (TLS, "Enable verification"),
        (TLS, "verify: true"),
        (SECRET, "Vault it"),
        (SECRET, "Rotate it"),
        (SCOPES, "api only"),
        (TOKEN, "Bearer header"),
        (SCOPES, "Request only api instead of full"),
        (SCOPES, "Replace full with api"),
        (
            TOKEN,
            "Move it to the Authorization header and out of the URL",
        ),
        (TLS, "Turn verification on; never trust every certificate"),
        (
            SECRET,
            "Move it to a secrets manager; nothing stays in the same repo",
        ),
    ] {
        assert_passes(&rule, &with_cell(&doc, row, 2, fix));
    }
}

#[test]
fn security_review_accepts_fixes_that_name_a_bad_alternative_to_reject_it() {
    let (rule, doc) = security_review();
    for (row, fix) in [
        (
            SECRET,
            "Move it to a secrets manager; base64 would not protect it",
        ),
        (
            SECRET,
            "Rotate it and read it from a secrets manager at run time; base64 in the yaml would not hide it",
        ),
        (TOKEN, "Use a Bearer header; a proxy that strips it is not a fix"),
        (
            SCOPES,
            "Remove full; requesting full is what made the token dangerous",
        ),
        (SECRET, "Move it to a vault instead of a second yaml file"),
        (SECRET, "Read it from a vault rather than base64 in the repo"),
        (SCOPES, "Request api rather than requesting full"),
        (TOKEN, "Bearer header instead of logs are internal excuses"),
    ] {
        assert_passes(&rule, &with_cell(&doc, row, 2, fix));
    }
    // A rejection of something else in its own clause does not clear the bad alternative.
    for (row, fix) in [
        (SECRET, "Commit it to the same repo so CI cannot break"),
        (
            SCOPES,
            "Keep requesting full, which would not break the sync",
        ),
        (
            SECRET,
            "Move it to another file in the repo; it is not a fix to vault it",
        ),
    ] {
        assert_fails(&rule, &with_cell(&doc, row, 2, fix));
    }
}

#[test]
fn a_short_fix_is_refused_in_plain_words_where_the_lab_lists_no_remedies() {
    let rule = "{ rule: review.findings, file: findings.md, columns: [Finding, Evidence, Fix], fix: Fix, findings: { TLS off: [verify, tls] } }";
    let doc = "| Finding | Evidence | Fix |\n|---|---|---|\n| TLS verification off | config.yaml line 9 | Enable it |\n";
    let mut ev = evidence(vec![]);
    ev.sources.push(SourceFile {
        path: "findings.md".into(),
        text: doc.into(),
    });
    let v = assert_fails(rule, &ev);
    assert!(
        v.message
            .contains("TLS off (the fix has fewer than three words: say what to change)"),
        "{}",
        v.message
    );
}

#[test]
fn every_area_the_security_review_brief_audits_is_a_section_of_its_lesson() {
    let root = env!("CARGO_MANIFEST_DIR");
    let lesson =
        std::fs::read_to_string(format!("{root}/lessons/L6-architect/03-security-review.md"))
            .expect("lesson");
    let brief =
        std::fs::read_to_string(format!("{root}/labs/security-review/lab.yaml")).expect("lab.yaml");
    let brief = brief.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        brief.contains("identity and access, secrets, and transport"),
        "the brief names the areas it audits"
    );
    for heading in ["## Identity and access", "## Secrets", "## Transport"] {
        assert!(
            lesson.lines().any(|l| l.trim() == heading),
            "the lesson has no {heading:?} section"
        );
    }
    // The transport section names both planted transport problems.
    let transport = lesson
        .split("## Transport")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("a transport section");
    for said in ["verify: false", "Authorization", "access_token="] {
        assert!(
            transport.contains(said),
            "the transport section says {said:?}"
        );
    }
}
