//! Tests of the modernisation audit's replacement column: a replacement that keeps the risk
//! it should remove (the same Full access on the new app, another flow that posts a stored
//! password, the password grant kept as a fallback, a version retired with v29.0) is refused,
//! and the same ideas said as what goes away still pass.

use super::super::fixture::*;
use super::super::VerdictStatus;
use super::tests::{assert_lab_passes, lab_tables, with_cell};
use crate::evidence::SourceFile;

const LAB: &str = "modernisation-audit";
const COLUMN: &str = "Modern replacement";

/// The messages of the lab's failing `design.table` checks on its reference with one
/// replacement cell swapped.
fn problems(row: &str, text: &str) -> Vec<String> {
    let (checks, answer) = lab_tables(LAB, "audit.md");
    let mut ev = evidence(vec![]);
    ev.sources.push(SourceFile {
        path: "audit.md".into(),
        text: with_cell(&answer, row, COLUMN, text),
    });
    checks
        .iter()
        .map(|c| verdict_with(c, &ev, None))
        .filter(|v| v.status != VerdictStatus::Pass)
        .map(|v| v.message)
        .collect()
}

#[test]
fn a_replacement_that_keeps_the_risk_is_refused() {
    for (row, text, said) in [
        (
            "ERP Sync app",
            "External Client App with the same Full access scope and relaxed IP rules, so nothing breaks",
            "full access",
        ),
        (
            "Warehouse SOAP client",
            "OAuth username-password flow: post the scanner user's password to /services/oauth2/token and use that access token as the session id",
            "password",
        ),
        (
            "Nightly login",
            "Client credentials flow, and the job keeps the settings.ini password grant as a fallback when the token call fails",
            "password",
        ),
        (
            "Nightly login",
            "JWT bearer flow, falling back to the stored login when the certificate fails",
            "falling back",
        ),
        (
            "API version",
            "v30.0, the newest version our middleware supports",
            "v30",
        ),
        ("API version", "upgrade the clients to 30.0", "to 30.0"),
        (
            "ERP Sync app",
            "External Client App granted full and refresh_token",
            "full",
        ),
        (
            "ERP Sync app",
            "External Client App copying the old app's OAuth settings",
            "copying",
        ),
        (
            "Nightly login",
            "JWT bearer flow where possible, the ROPC grant for the rest",
            "ropc",
        ),
        (
            "Warehouse SOAP client",
            "OAuth ROPC grant, then the access token as session id",
            "ropc",
        ),
        (
            "Warehouse SOAP client",
            "the OAuth resource owner grant, then its access token as the session id",
            "resource owner",
        ),
    ] {
        let found = problems(row, text);
        assert!(
            found
                .iter()
                .any(|m| m.contains(&format!("\"{row}\" → {COLUMN} says \"")) && m.contains(said)),
            "{row}: {text:?} should be refused for {said:?}: {found:?}"
        );
    }
}

#[test]
fn a_replacement_that_names_the_risk_it_removes_passes() {
    for (row, text) in [
        (
            "ERP Sync app",
            "External Client App with only the api scope instead of Full access",
        ),
        (
            "ERP Sync app",
            "External Client App with the api scope; drop Full access and the relaxed IP rules",
        ),
        (
            "Nightly login",
            "JWT bearer flow with a certificate; no password is stored",
        ),
        (
            "Nightly login",
            "Client credentials flow; the settings.ini password is deleted",
        ),
        (
            "Warehouse SOAP client",
            "an OAuth access token from client credentials as the session id, without the user's password",
        ),
        (
            "Warehouse SOAP client",
            "Keep the SOAP calls, but send an OAuth access token instead of a password",
        ),
        (
            "ERP Sync app",
            "External Client App with the api scope; the full scope and the old app's settings are dropped",
        ),
        (
            "ERP Sync app",
            "External Client App with only the api and refresh_token scopes, a full review of each policy",
        ),
        (
            "Nightly login",
            "JWT bearer flow; the ROPC grant is switched off",
        ),
        ("API version", "Move every client from v29.0 to v62.0 and retest"),
        (
            "API version",
            "the current version (v62.0), not v30.0, which was retired too",
        ),
    ] {
        assert_lab_passes(LAB, "audit.md", row, COLUMN, text);
    }
}
