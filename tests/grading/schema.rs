//! Schema checks for the grading outputs: the CSV header and totals, a JSON-Schema-like
//! structural check of `grades.json`, and a strict little XML reader that proves `junit.xml`
//! well formed and carrying the attributes CI systems require.

use serde_json::Value;
use std::collections::BTreeMap;

pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A JSON-Schema-like check: every listed field is present with one of the allowed types.
pub fn require(v: &Value, at: &str, fields: &[(&str, &[&str])]) {
    for (name, types) in fields {
        let got = v
            .get(name)
            .unwrap_or_else(|| panic!("{at}: missing {name}"));
        assert!(
            types.contains(&kind(got)),
            "{at}.{name} is {} not {types:?}",
            kind(got)
        );
    }
}

pub fn assert_json_schema(doc: &Value) {
    require(
        doc,
        "$",
        &[
            ("lab", &["string"]),
            ("title", &["string"]),
            ("max_points", &["number"]),
            ("rubric", &["array"]),
            ("submissions", &["array"]),
        ],
    );
    for (i, item) in doc["rubric"].as_array().unwrap().iter().enumerate() {
        require(
            item,
            &format!("$.rubric[{i}]"),
            &[
                ("column", &["string"]),
                ("rule", &["string"]),
                ("points", &["number"]),
            ],
        );
    }
    for s in doc["submissions"].as_array().unwrap() {
        let at = format!("$.submissions[{}]", s["submission"]);
        require(
            s,
            &at,
            &[
                ("submission", &["string"]),
                ("points", &["number"]),
                ("max_points", &["number"]),
                ("passed", &["boolean"]),
                ("error", &["null", "object"]),
                ("feedback_file", &["null", "string"]),
                ("rules", &["array"]),
                ("copied_files", &["array"]),
                ("skipped_files", &["array"]),
                ("stray_files", &["array"]),
                ("exchanges_left_out", &["number"]),
                ("wall_ms", &["number"]),
                ("overhead_ms", &["number"]),
                ("report", &["null", "object"]),
            ],
        );
        assert_eq!(
            s["rules"].as_array().unwrap().len(),
            doc["rubric"].as_array().unwrap().len()
        );
        for r in s["rules"].as_array().unwrap() {
            require(
                r,
                &at,
                &[
                    ("column", &["string"]),
                    ("rule", &["string"]),
                    ("points_possible", &["number"]),
                    ("points_awarded", &["number", "null"]),
                    ("status", &["string"]),
                ],
            );
            assert!(["pass", "fail", "not_applicable", "error"]
                .contains(&r["status"].as_str().unwrap()));
        }
        if let Some(report) = s["report"].as_object() {
            let report = Value::Object(report.clone());
            require(
                &report,
                &at,
                &[
                    ("verdicts", &["array"]),
                    ("exchanges", &["array"]),
                    ("runs", &["array"]),
                    ("points", &["number"]),
                    ("passed", &["boolean"]),
                ],
            );
            for v in report["verdicts"].as_array().unwrap() {
                require(
                    v,
                    &at,
                    &[
                        ("rule", &["string"]),
                        ("status", &["object"]),
                        ("message", &["string"]),
                        ("evidence", &["array"]),
                        ("points_awarded", &["number"]),
                        ("points_possible", &["number"]),
                    ],
                );
            }
        }
    }
}

/// One element of a parsed XML document.
#[derive(Debug, Default)]
pub struct Element {
    pub name: String,
    pub attrs: BTreeMap<String, String>,
    pub children: Vec<Element>,
}

fn check_entities(text: &str) {
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        let after = &rest[i..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
                .iter()
                .any(|e| after.starts_with(e)),
            "bad entity near {:?}",
            &after[..after.len().min(12)]
        );
        rest = &rest[i + 1..];
    }
    assert!(!text.contains('<'), "a raw < in text");
}

/// A strict little parser for the XML subset JUnit uses: well-formedness or panic.
pub fn parse_xml(xml: &str) -> Element {
    let body = xml
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        .expect("XML declaration");
    let mut stack: Vec<Element> = vec![Element::default()];
    let mut rest = body;
    while let Some(open) = rest.find('<') {
        check_entities(&rest[..open]);
        let close = rest[open..].find('>').expect("unclosed tag") + open;
        let tag = &rest[open + 1..close];
        rest = &rest[close + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let done = stack.pop().expect("balanced");
            assert_eq!(done.name, name.trim(), "mismatched closing tag");
            stack.last_mut().expect("a parent").children.push(done);
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let (name, mut attrs_text) = tag.split_once(' ').unwrap_or((tag, ""));
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
            "tag name {name:?}"
        );
        let mut el = Element {
            name: name.to_string(),
            ..Default::default()
        };
        loop {
            attrs_text = attrs_text.trim_start();
            if attrs_text.is_empty() {
                break;
            }
            let eq = attrs_text.find("=\"").expect("attribute = \"value\"");
            let key = &attrs_text[..eq];
            let end = attrs_text[eq + 2..].find('"').expect("closing quote") + eq + 2;
            let value = &attrs_text[eq + 2..end];
            check_entities(value);
            assert!(
                el.attrs
                    .insert(key.to_string(), value.to_string())
                    .is_none(),
                "duplicate attribute {key}"
            );
            attrs_text = &attrs_text[end + 1..];
        }
        if self_closing {
            stack.last_mut().unwrap().children.push(el);
        } else {
            stack.push(el);
        }
    }
    assert!(rest.trim().is_empty());
    assert_eq!(stack.len(), 1, "every element closed");
    let mut root = stack.pop().unwrap();
    assert_eq!(root.children.len(), 1, "one root element");
    root.children.pop().unwrap()
}

pub fn assert_junit_schema(xml: &str, submissions: usize) -> Element {
    let root = parse_xml(xml);
    assert_eq!(root.name, "testsuites");
    for a in ["name", "tests", "failures", "errors"] {
        assert!(root.attrs.contains_key(a), "testsuites@{a}");
    }
    assert_eq!(
        root.children.len(),
        submissions,
        "a testsuite per submission"
    );
    let mut failures = 0;
    for suite in &root.children {
        assert_eq!(suite.name, "testsuite");
        for a in ["name", "tests", "failures", "errors", "skipped", "time"] {
            assert!(suite.attrs.contains_key(a), "testsuite@{a}");
        }
        let cases: Vec<&Element> = suite
            .children
            .iter()
            .filter(|c| c.name == "testcase")
            .collect();
        assert_eq!(suite.attrs["tests"], cases.len().to_string());
        let f = cases
            .iter()
            .filter(|c| c.children.iter().any(|x| x.name == "failure"))
            .count();
        assert_eq!(suite.attrs["failures"], f.to_string());
        failures += f;
        for c in cases {
            for a in ["name", "classname", "time"] {
                assert!(c.attrs.contains_key(a), "testcase@{a}");
            }
            for x in &c.children {
                assert!(["failure", "error", "skipped"].contains(&x.name.as_str()));
                assert!(x.attrs.contains_key("message"), "{}@message", x.name);
            }
        }
    }
    assert_eq!(root.attrs["failures"], failures.to_string());
    root
}

/// The gradebook CSV of the rest-upsert-twice lab: column order and totals.
pub fn assert_csv_schema(header: &[String], rows: &BTreeMap<String, BTreeMap<String, String>>) {
    let rules = [
        "rest.upsert_by_external_id",
        "state.idempotent",
        "state.no_duplicates",
        "state.soql",
        "http.calls_at_most",
        "process.exit_ok",
    ];
    // Not declared by the lab: the gates every lab gets on printed secrets and on secrets in
    // URLs, worth 0 points, so their cells say how they ended rather than a 0 either way.
    let gates = ["secrets.not_in_output", "secrets.not_in_url"];
    let mut expected = vec!["submission"];
    expected.extend(rules);
    expected.extend(gates);
    expected.extend(["total", "max", "passed", "error", "notes", "feedback"]);
    assert_eq!(
        header, expected,
        "stable column order: the lab's checks in order"
    );
    for (name, row) in rows {
        let sum: u32 = rules
            .iter()
            .map(|r| {
                row[*r]
                    .parse::<u32>()
                    .unwrap_or_else(|_| panic!("{name} {r} is a number"))
            })
            .sum();
        assert_eq!(
            row["total"].parse::<u32>().unwrap(),
            sum,
            "{name}: total is the sum"
        );
        assert_eq!(
            row["max"], "10",
            "{name}: the curriculum's rubric, never the submission's"
        );
        assert!(row["passed"] == "true" || row["passed"] == "false");
        for gate in gates {
            assert!(
                ["pass", "fail", "error"].contains(&row[gate].as_str()),
                "{name}: {gate} reads {:?}",
                row[gate]
            );
        }
    }
}
