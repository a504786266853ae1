//! Rules over what the org did outbound (mock backend only):
//!
//! - `org.action_ok { action, status?, contains?, json? }`: the lab action labelled `action`
//!   succeeded after the last run (a deploy went through, a callout, invocation or probe was
//!   answered 2xx/3xx or with `status`, its answer holding `contains`, and its JSON answer holding each
//!   value of `json`, keyed by JSON pointer: `json: { /records: 9, /stock/PUMP-7: 12 }`);
//! - `callout.made { named_credential, run_as?, auth?, status? }`: the org called out through
//!   that Named Credential (as that user, injecting that kind of auth) and was answered
//!   `status` (default: any 2xx);
//! - `callout.setup { split: [..], legacy_allowed?, remote_sites_allowed? }`: the deployed setup
//!   follows the split model: each named credential exists with an External Credential whose
//!   principal some permission set grants, no URL carries credentials, and (unless allowed) no
//!   legacy credential or Remote Site Setting remains.
//!
//! Each verdict quotes what the org recorded, so a learner sees the org's own error.

use super::cx::Cx;
use super::Verdict;
use crate::evidence::{ActionOutcome, CalloutSeen, CalloutSetup};
use serde::Deserialize;
use serde_json::Value as Json;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionOk {
    pub action: String,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub contains: Option<String>,
    /// JSON pointer → the value the answer must hold there (numbers compare by value).
    #[serde(default)]
    pub json: BTreeMap<String, serde_json::Value>,
    /// The action must be refused (by the org, before or after its callout); `contains` then
    /// looks in the refusal's message.
    #[serde(default)]
    pub refused: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalloutMade {
    pub named_credential: String,
    #[serde(default)]
    pub run_as: Option<String>,
    #[serde(default)]
    pub auth: Option<String>,
    #[serde(default)]
    pub status: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    pub split: Vec<String>,
    #[serde(default)]
    pub legacy_allowed: bool,
    #[serde(default)]
    pub remote_sites_allowed: bool,
}

fn describe(o: &ActionOutcome) -> String {
    let status = o.status.map(|s| format!(" ({s})")).unwrap_or_default();
    let when = match o.phase.as_str() {
        "before_run" => "before",
        "while_running" => "during",
        _ => "after",
    };
    format!(
        "{} {when} run {}{status}: {}",
        o.label,
        o.run_index + 1,
        o.detail
    )
}

pub(crate) fn action_ok(p: &ActionOk, cx: &Cx) -> Verdict {
    if let Some(v) = cx.mock_only("the org's own actions") {
        return v;
    }
    let Some(o) = cx.ev.outbound.actions.iter().rfind(|o| o.label == p.action) else {
        return cx.fail(format!(
            "The org never performed {:?}: an earlier step of the lab failed, or your run \
             ended before it.",
            p.action
        ));
    };
    let who = if o.kind == "probe" {
        "sflab's probe".to_string()
    } else {
        format!("The org's {}", o.kind)
    };
    if p.refused {
        if o.ok {
            return cx.fail(format!(
                "{who} went through, but it should have been refused. {}",
                describe(o)
            ));
        }
        if let Some(text) = p
            .contains
            .as_ref()
            .filter(|t| !o.detail.contains(t.as_str()))
        {
            let what = match o.status {
                Some(s) => format!("{who} was not stopped by the org: it called out, and the service answered {s}; the org should have refused it first ({text:?})."),
                None => format!("{who} was refused, but not for {text:?}."),
            };
            return cx.fail(format!("{what} {}", describe(o)));
        }
        return cx.pass(format!(
            "{who} was refused, as it should be. {}",
            describe(o)
        ));
    }
    if !o.ok && p.status.is_none() {
        return cx.fail(format!("{who} failed. {}", describe(o)));
    }
    if let Some(want) = p.status {
        if o.status != Some(want) {
            return cx.fail(format!("Expected status {want}. {}", describe(o)));
        }
    }
    if let Some(text) = &p.contains {
        if !o.detail.contains(text.as_str()) {
            return cx.fail(format!(
                "The answer does not mention {text:?}. {}",
                describe(o)
            ));
        }
    }
    if let Some(problem) = json_mismatch(&p.json, &o.detail) {
        return cx.fail(format!("{problem} {}", describe(o)));
    }
    let outcome = match p.status {
        Some(s) => format!("was answered {s}"),
        None => "went through".to_string(),
    };
    cx.pass(format!("{who} {outcome}. {}", describe(o)))
}

fn same_value(want: &Json, got: &Json) -> bool {
    match (want, got) {
        (Json::Number(a), Json::Number(b)) => a.as_f64() == b.as_f64(),
        _ => want == got,
    }
}

/// Why an answer does not hold the expected values (`None` when it does, or nothing is asked).
fn json_mismatch(want: &BTreeMap<String, Json>, answer: &str) -> Option<String> {
    if want.is_empty() {
        return None;
    }
    let Ok(body) = serde_json::from_str::<Json>(answer) else {
        return Some("The answer is not a JSON document (or is too long to read whole).".into());
    };
    let wrong: Vec<String> = want
        .iter()
        .filter_map(|(pointer, value)| match body.pointer(pointer) {
            Some(got) if same_value(value, got) => None,
            Some(got) => Some(format!("{pointer} is {got}, expected {value}")),
            None => Some(format!("{pointer} is missing, expected {value}")),
        })
        .collect();
    (!wrong.is_empty())
        .then(|| format!("The answer is not what was expected: {}.", wrong.join("; ")))
}

fn show_callout(c: &CalloutSeen) -> String {
    let how = match (&c.status, &c.error) {
        (_, Some(e)) => format!("refused: {}", e.trim_end_matches('.')),
        (Some(s), None) => format!("answered {s}"),
        (None, None) => "no answer".to_string(),
    };
    format!(
        "{} {} as {} (auth {}, principal {}) {how}",
        c.method,
        c.target,
        c.run_as,
        c.auth,
        c.principal.as_deref().unwrap_or("none")
    )
}

fn status_fits(c: &CalloutSeen, want: Option<u16>) -> bool {
    match (want, c.status) {
        (Some(w), Some(s)) => s == w,
        (None, Some(s)) => (200..300).contains(&s),
        _ => false,
    }
}

pub(crate) fn callout_made(p: &CalloutMade, cx: &Cx) -> Verdict {
    if let Some(v) = cx.mock_only("the org's callout log") {
        return v;
    }
    let through: Vec<&CalloutSeen> = cx
        .ev
        .outbound
        .callouts
        .iter()
        .filter(|c| c.named_credential.as_deref() == Some(p.named_credential.as_str()))
        .collect();
    let Some(last) = through.last() else {
        return cx.fail(format!(
            "The org made no callout through Named Credential {}.",
            p.named_credential
        ));
    };
    let fits = |c: &&&CalloutSeen| {
        p.run_as
            .as_ref()
            .is_none_or(|u| c.run_as.eq_ignore_ascii_case(u))
            && p.auth.as_ref().is_none_or(|a| &c.auth == a)
            && status_fits(c, p.status)
    };
    match through.iter().rfind(fits) {
        Some(c) => cx.pass(format!("The org called out: {}.", show_callout(c))),
        None => {
            let mut wanted = Vec::new();
            if let Some(u) = &p.run_as {
                wanted.push(format!("as {u}"));
            }
            if let Some(a) = &p.auth {
                wanted.push(format!("with {a} auth injected by the org"));
            }
            wanted.push(match p.status {
                Some(s) => format!("answered {s}"),
                None => "answered 2xx".into(),
            });
            cx.fail(format!(
                "No callout through {} was {}. The last one: {}.",
                p.named_credential,
                wanted.join(", "),
                show_callout(last)
            ))
        }
    }
}

/// What is wrong with the setup, one sentence each (pure, for the table tests).
pub fn setup_problems(p: &Setup, s: &CalloutSetup) -> Vec<String> {
    let mut out = Vec::new();
    for name in &p.split {
        let Some(nc) = s.named.iter().find(|n| &n.name == name) else {
            out.push(format!("Named Credential {name} is not deployed"));
            continue;
        };
        let Some(ext) = nc.external_credential.as_deref().filter(|_| nc.split) else {
            out.push(format!(
                "{name} is a legacy all-in-one credential: point it at an External Credential"
            ));
            continue;
        };
        let principals: Vec<String> = s
            .external
            .iter()
            .filter(|e| e.name == ext)
            .flat_map(|e| e.principals.iter().map(|p| format!("{ext}-{p}")))
            .collect();
        let granted = s
            .grants
            .iter()
            .any(|g| g.principals.iter().any(|p| principals.contains(p)));
        if !granted {
            out.push(format!(
                "no permission set grants a principal of {ext} (add \
                 externalCredentialPrincipalAccesses for {ext}-<principal>)"
            ));
        }
    }
    for nc in s.named.iter().filter(|n| n.carries_credentials) {
        out.push(format!(
            "{} carries credentials in its URL or metadata: secrets belong in the External \
             Credential's principal, stored apart from metadata",
            nc.name
        ));
    }
    if !p.legacy_allowed {
        for nc in s.named.iter().filter(|n| !n.split) {
            out.push(format!(
                "legacy Named Credential {} is still deployed: delete it once the split one works",
                nc.name
            ));
        }
    }
    if !p.remote_sites_allowed && !s.remote_sites.is_empty() {
        out.push(format!(
            "Remote Site Settings remain ({}): callouts through a Named Credential need none",
            s.remote_sites.join(", ")
        ));
    }
    out
}

pub(crate) fn setup(p: &Setup, cx: &Cx) -> Verdict {
    if let Some(v) = cx.mock_only("the org's deployed callout setup") {
        return v;
    }
    let s = &cx.ev.outbound.setup;
    let problems = setup_problems(p, s);
    if problems.is_empty() {
        return cx.pass(format!(
            "The split model is in place: {} with External Credentials {}, principals granted \
             by {}.",
            p.split.join(", "),
            s.external
                .iter()
                .map(|e| format!("{} ({})", e.name, e.protocol))
                .collect::<Vec<_>>()
                .join(", "),
            s.grants
                .iter()
                .map(|g| g.permission_set.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    cx.fail(format!(
        "The callout setup is not right: {}.",
        problems.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::evidence;
    use super::super::RuleSpec;
    use crate::evidence::{ExternalSeen, GrantSeen, NamedSeen};

    fn rule(yaml: &str) -> RuleSpec {
        RuleSpec::from_value(serde_yaml::from_str(yaml).expect("yaml")).expect("rule")
    }

    fn action(label: &str, ok: bool, status: Option<u16>, detail: &str) -> ActionOutcome {
        ActionOutcome {
            label: label.into(),
            kind: "callout".into(),
            ok,
            status,
            detail: detail.into(),
            ..Default::default()
        }
    }
    use super::*;

    #[test]
    fn action_ok_judges_the_last_outcome_of_the_label() {
        let cases: &[(&str, Vec<ActionOutcome>, bool, &str)] = &[
            (
                "{ rule: org.action_ok, action: order }",
                vec![action("order", true, Some(200), "{\"id\":1}")],
                true,
                "went through",
            ),
            (
                "{ rule: org.action_ok, action: order }",
                vec![
                    action("order", true, Some(200), ""),
                    action("order", false, None, "may not use Named Credential ERP"),
                ],
                false,
                "may not use",
            ),
            (
                "{ rule: org.action_ok, action: order }",
                vec![],
                false,
                "never performed",
            ),
            (
                "{ rule: org.action_ok, action: order, status: 201 }",
                vec![action("order", true, Some(200), "")],
                false,
                "Expected status 201",
            ),
            (
                "{ rule: org.action_ok, action: order, status: 404 }",
                vec![action("order", false, Some(404), "")],
                true,
                "The org's callout was answered 404",
            ),
            (
                "{ rule: org.action_ok, action: no-key, status: 401 }",
                vec![ActionOutcome {
                    kind: "probe".into(),
                    ..action("no-key", false, Some(200), "{\"available\": 12}")
                }],
                false,
                "Expected status 401",
            ),
            (
                "{ rule: org.action_ok, action: no-key, status: 401 }",
                vec![ActionOutcome {
                    kind: "probe".into(),
                    ..action("no-key", false, Some(401), "")
                }],
                true,
                "sflab's probe was answered 401",
            ),
            (
                "{ rule: org.action_ok, action: order, contains: Oslo }",
                vec![action("order", true, Some(200), "Bergen")],
                false,
                "does not mention",
            ),
            (
                "{ rule: org.action_ok, action: no-city, refused: true, contains: input.city is required }",
                vec![action("no-city", false, None, "input.city is required")],
                true,
                "was refused, as it should be",
            ),
            (
                "{ rule: org.action_ok, action: no-city, refused: true }",
                vec![action("no-city", true, Some(200), "{\"city\":null}")],
                false,
                "should have been refused",
            ),
            (
                "{ rule: org.action_ok, action: no-city, refused: true, contains: input.city is required }",
                vec![action("no-city", false, None, "no Named Credential 'Weather' is deployed")],
                false,
                "not for \"input.city is required\"",
            ),
            (
                "{ rule: org.action_ok, action: no-city, refused: true, contains: input.city is required }",
                vec![action("no-city", false, Some(400), "{\"error\":\"missing_city\"}")],
                false,
                "it called out, and the service answered 400",
            ),
            (
                "{ rule: org.action_ok, action: sum, json: { /records: 9, /stock/PUMP-7: 12 } }",
                vec![action(
                    "sum",
                    true,
                    Some(200),
                    "{\"records\":9.0,\"stock\":{\"PUMP-7\":12}}",
                )],
                true,
                "went through",
            ),
            (
                "{ rule: org.action_ok, action: sum, json: { /records: 9 } }",
                vec![action("sum", true, Some(200), "{\"records\": 15}")],
                false,
                "/records is 15, expected 9",
            ),
            (
                "{ rule: org.action_ok, action: sum, json: { /stock/PUMP-7: 12 } }",
                vec![action("sum", true, Some(200), "{\"records\": 9}")],
                false,
                "/stock/PUMP-7 is missing",
            ),
            (
                "{ rule: org.action_ok, action: sum, json: { /records: 9 } }",
                vec![action("sum", true, Some(200), "records=9")],
                false,
                "not a JSON document",
            ),
        ];
        for (yaml, actions, pass, text) in cases {
            let mut ev = evidence(vec![]);
            ev.outbound.actions = actions.clone();
            let v = rule(yaml).check(&ev);
            assert_eq!(v.passed(), *pass, "{yaml}: {}", v.message);
            assert!(v.message.contains(text), "{yaml}: {}", v.message);
        }
    }

    fn call(
        nc: &str,
        run_as: &str,
        auth: &str,
        status: Option<u16>,
        error: Option<&str>,
    ) -> CalloutSeen {
        CalloutSeen {
            run_as: run_as.into(),
            target: format!("callout:{nc}/x"),
            method: "GET".into(),
            named_credential: Some(nc.into()),
            auth: auth.into(),
            status,
            error: error.map(str::to_string),
            ..Default::default()
        }
    }

    #[test]
    fn callout_made_matches_credential_user_auth_and_status() {
        let log = vec![
            call(
                "ERP",
                "clerk",
                "none",
                None,
                Some("user clerk may not use Named Credential ERP"),
            ),
            call(
                "ERP",
                "integration",
                "oauth-client-credentials",
                Some(200),
                None,
            ),
        ];
        let cases = [
            ("{ rule: callout.made, named_credential: ERP }", true),
            ("{ rule: callout.made, named_credential: ERP, run_as: integration, auth: oauth-client-credentials }", true),
            ("{ rule: callout.made, named_credential: ERP, run_as: clerk }", false),
            ("{ rule: callout.made, named_credential: ERP, auth: basic }", false),
            ("{ rule: callout.made, named_credential: ERP, status: 201 }", false),
            ("{ rule: callout.made, named_credential: Weather }", false),
        ];
        for (yaml, pass) in cases {
            let mut ev = evidence(vec![]);
            ev.outbound.callouts = log.clone();
            let v = rule(yaml).check(&ev);
            assert_eq!(v.passed(), pass, "{yaml}: {}", v.message);
        }
        let mut ev = evidence(vec![]);
        ev.outbound.callouts = log[..1].to_vec();
        let v = rule("{ rule: callout.made, named_credential: ERP }").check(&ev);
        assert!(
            v.message.contains("may not use Named Credential ERP"),
            "{}",
            v.message
        );
    }

    fn setup_of(named: Vec<NamedSeen>, granted: bool, sites: &[&str]) -> CalloutSetup {
        CalloutSetup {
            named,
            external: vec![ExternalSeen {
                name: "ERP_Auth".into(),
                protocol: "oauth-client-credentials".into(),
                principals: vec!["Main".into()],
            }],
            grants: vec![GrantSeen {
                permission_set: "ERP_Callers".into(),
                principals: if granted {
                    vec!["ERP_Auth-Main".into()]
                } else {
                    vec![]
                },
            }],
            remote_sites: sites.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn nc(name: &str, split: bool, creds: bool) -> NamedSeen {
        NamedSeen {
            name: name.into(),
            split,
            external_credential: split.then(|| "ERP_Auth".into()),
            carries_credentials: creds,
        }
    }

    #[test]
    fn setup_problems_name_each_departure_from_the_split_model() {
        let p = Setup {
            split: vec!["ERP".into()],
            legacy_allowed: false,
            remote_sites_allowed: false,
        };
        let cases: Vec<(CalloutSetup, Option<&str>)> = vec![
            (setup_of(vec![nc("ERP", true, false)], true, &[]), None),
            (setup_of(vec![], true, &[]), Some("not deployed")),
            (
                setup_of(vec![nc("ERP", false, false)], true, &[]),
                Some("legacy all-in-one"),
            ),
            (
                setup_of(vec![nc("ERP", true, false)], false, &[]),
                Some("no permission set grants"),
            ),
            (
                setup_of(vec![nc("ERP", true, true)], true, &[]),
                Some("carries credentials"),
            ),
            (
                setup_of(
                    vec![nc("ERP", true, false), nc("Old", false, false)],
                    true,
                    &[],
                ),
                Some("legacy Named Credential Old"),
            ),
            (
                setup_of(vec![nc("ERP", true, false)], true, &["ErpSite"]),
                Some("Remote Site Settings remain (ErpSite)"),
            ),
        ];
        for (s, want) in cases {
            let got = setup_problems(&p, &s).join("; ");
            match want {
                None => assert!(got.is_empty(), "{got}"),
                Some(w) => assert!(got.contains(w), "want {w}: {got}"),
            }
        }
        let lenient = Setup {
            split: vec!["ERP".into()],
            legacy_allowed: true,
            remote_sites_allowed: true,
        };
        let s = setup_of(
            vec![nc("ERP", true, false), nc("Old", false, false)],
            true,
            &["ErpSite"],
        );
        assert!(setup_problems(&lenient, &s).is_empty());
    }

    #[test]
    fn outbound_rules_are_not_applicable_on_a_sandbox() {
        let mut ev = evidence(vec![]);
        ev.backend = crate::evidence::Backend::Sandbox;
        for yaml in [
            "{ rule: org.action_ok, action: x }",
            "{ rule: callout.made, named_credential: X }",
            "{ rule: callout.setup, split: [X] }",
        ] {
            let v = rule(yaml).check(&ev);
            assert!(!v.passed() && !v.failed(), "{yaml}: {v:?}");
        }
    }
}
