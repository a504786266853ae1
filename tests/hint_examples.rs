//! The commands hints give as examples work when a learner pastes them: a curl call that sends
//! a JSON body says so with a Content-Type (without it the org answers 415), and a hint that
//! reads `Retry-After` out of a saved headers file strips the header line's carriage return
//! (HTTP header lines end in CR LF, and `sleep "4\r"` fails).

use sflab::lab::spec::parse;
use std::path::Path;

/// Every hint of every lab: (lab id, rule, text).
fn hints() -> Vec<(String, String, String)> {
    let labs = Path::new(env!("CARGO_MANIFEST_DIR")).join("labs");
    let mut out = Vec::new();
    for dir in std::fs::read_dir(&labs).expect("labs/") {
        let file = dir.expect("a lab folder").path().join("lab.yaml");
        let Ok(yaml) = std::fs::read_to_string(&file) else {
            continue;
        };
        let spec = parse(&file.display().to_string(), &yaml).expect("lab.yaml parses");
        for h in &spec.hints {
            out.push((
                spec.id.clone(),
                h.rule.clone().unwrap_or_default(),
                h.text.clone(),
            ));
        }
    }
    assert!(!out.is_empty(), "no hints found under {}", labs.display());
    out
}

#[test]
fn a_hint_that_sends_a_json_body_with_curl_names_its_content_type() {
    let bad: Vec<String> = hints()
        .into_iter()
        .filter(|(_, _, t)| {
            ["-d '{", "-d \"{", "--data '{", "--data-raw '{"]
                .iter()
                .any(|d| t.contains(d))
                && !t.contains("Content-Type")
        })
        .map(|(lab, rule, _)| format!("{lab} ({rule})"))
        .collect();
    assert!(
        bad.is_empty(),
        "these hints send a JSON body without `-H \"Content-Type: application/json\"`: {bad:?}"
    );
}

#[test]
fn a_hint_that_greps_retry_after_from_saved_headers_strips_the_carriage_return() {
    let bad: Vec<String> = hints()
        .into_iter()
        .filter(|(_, _, t)| {
            let lower = t.to_lowercase();
            lower.contains("grep") && lower.contains("retry-after:") && !t.contains(r"\r")
        })
        .map(|(lab, rule, _)| format!("{lab} ({rule})"))
        .collect();
    assert!(
        bad.is_empty(),
        "these hints read Retry-After with grep but keep the line's \\r: {bad:?}"
    );
}
