//! Rules over what the org did outbound (mock backend only):
//!
//! - `org.action_ok { action, status?, contains?, json?, json_answer?, holds? }`: the lab action labelled `action`
//!   succeeded after the last run (a deploy went through, a callout, invocation or probe was
//!   answered 2xx/3xx or with `status`, its answer holding `contains`, and its JSON answer holding each
//!   value of `json`, keyed by JSON pointer: `json: { /records: 9, /stock/PUMP-7: 12 }`; with
//!   `json_answer`, the answer is a JSON object or list, as an error a program reads must be;
//!   with `holds`, the answer has something at each JSON pointer, whatever its value; with
//!   `totals`, an object of the answer adds up what other callouts sent, for callouts whose
//!   numbers vary from check to check);
//! - `callout.made { named_credential, run_as?, auth?, status? }`: the org called out through
//!   that Named Credential (as that user, injecting that kind of auth) and was answered
//!   `status` (default: any 2xx), from a principal that holds none of its values in clear (a
//!   Custom credential's key stored with `"encrypted": false`, which the org shows back);
//! - `callout.setup { split: [..], legacy_allowed?, remote_sites_allowed? }`: the deployed setup
//!   follows the split model: each named credential exists with an External Credential whose
//!   principal some permission set grants, no URL carries credentials, and (unless allowed) no
//!   legacy credential or Remote Site Setting remains (an inactive one included: it is still
//!   in the org); and each permission set the lab assigns
//!   after the run was deployed (a file named otherwise deploys a set nobody is given).
//!   After a failed deploy it says only that, quoting the deploy's error: nothing of the
//!   learner's metadata reached the org, so no piece of it is missing from the files. So does
//!   a `callout.made` whose last callout the org refused after a failed deploy.
//!
//! A failed `callout.made` whose user was to get a principal from a permission set the lab
//! could not assign says so, naming the set and those that were deployed; one whose last
//! callout the service answered with another status quotes the service's answer (its error
//! body), as a refused token request is quoted.
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
    /// The answer must be a JSON object or list (an error as `{"error": …}`, not plain text),
    /// whatever its status.
    #[serde(default)]
    pub json_answer: bool,
    /// JSON pointers the answer must hold, whatever their values: the outputs an invocation
    /// must give (`holds: [/city, /temperatureC]`).
    #[serde(default)]
    pub holds: Vec<String>,
    /// An object in the answer that must add up what other callouts of the lab sent, when
    /// those vary from check to check (`vary:`): see [`Totals`].
    #[serde(default)]
    pub totals: Option<Totals>,
}

/// `totals: { at: /stock, of: [slice-1, slice-2, slice-3], items: /moves, key: sku, sum: qty }`:
/// the answer's `/stock` maps each `sku` among the `moves` the callouts `slice-1`…`slice-3`
/// sent to the sum of their `qty`, and holds no other key.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Totals {
    pub at: String,
    pub of: Vec<String>,
    pub items: String,
    pub key: String,
    pub sum: String,
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
    let when = match o.phase.as_str() {
        "before_run" => "before",
        "while_running" => "during",
        _ => "after",
    };
    let detail = o.detail.trim();
    let outcome = match (o.status, detail.is_empty()) {
        (Some(s), true) => format!(" ({s}, empty body)."),
        (None, true) => ".".to_string(),
        (Some(s), false) => format!(" ({s}): {detail}"),
        (None, false) => format!(": {detail}"),
    };
    format!("{} {when} run {}{outcome}", o.label, o.run_index + 1)
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
    if p.json_answer && !is_json_document(&o.detail) {
        return cx.fail(format!(
            "The answer is not a JSON document. Answer with JSON, an error too (`{{\"error\": \"not_found\", \"message\": …}}` with `Content-Type: application/json`), so the code that called can read what went wrong. {}",
            describe(o)
        ));
    }
    if let Some(problem) = missing_outputs(&p.holds, &o.detail) {
        return cx.fail(format!("{problem} {}", describe(o)));
    }
    if let Some(problem) = json_mismatch(&p.json, &o.detail) {
        return cx.fail(format!("{problem} {}", describe(o)));
    }
    if let Some(problem) = p
        .totals
        .as_ref()
        .and_then(|t| totals_mismatch(t, cx, &o.detail))
    {
        return cx.fail(format!("{problem} {}", describe(o)));
    }
    let outcome = match p.status {
        Some(s) => format!("was answered {s}"),
        None => "went through".to_string(),
    };
    cx.pass(format!("{who} {outcome}. {}", describe(o)))
}

/// Whether an answer (an outcome's detail: the body's first characters, `…` marking a cut) is
/// a JSON object or list; a cut one counts when it starts as one.
fn is_json_document(detail: &str) -> bool {
    let text = detail.trim();
    match serde_json::from_str::<Json>(text) {
        Ok(v) => v.is_object() || v.is_array(),
        Err(_) => text.ends_with('…') && text.starts_with(['{', '[']),
    }
}

/// Why an answer does not hold each of `holds` (`None` when it does, or nothing is asked).
fn missing_outputs(holds: &[String], answer: &str) -> Option<String> {
    if holds.is_empty() {
        return None;
    }
    let Ok(body) = serde_json::from_str::<Json>(answer) else {
        return Some("The answer is not a JSON document (or is too long to read whole).".into());
    };
    let missing: Vec<&str> = holds
        .iter()
        .filter(|pointer| body.pointer(pointer).is_none())
        .map(String::as_str)
        .collect();
    (!missing.is_empty()).then(|| {
        format!(
            "The answer holds no {}: an invocation passes on only the outputs its document declares, a callout only what the service sent.",
            missing.join(", ")
        )
    })
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

/// What the callouts `t.of` sent, added up: each key's sum, in key order.
fn sent_totals(t: &Totals, cx: &Cx) -> Result<BTreeMap<String, f64>, String> {
    let mut sums = BTreeMap::new();
    for label in &t.of {
        let sent = cx
            .ev
            .outbound
            .actions
            .iter()
            .rfind(|o| &o.label == label)
            .and_then(|o| o.sent.as_ref())
            .ok_or_else(|| {
                format!(
                    "The org has no record of what {label:?} sent, so the totals cannot be judged."
                )
            })?;
        let items = sent.pointer(&t.items).and_then(Json::as_array);
        for item in items.into_iter().flatten() {
            let key = match item.get(&t.key) {
                Some(Json::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => continue,
            };
            let n = item.get(&t.sum).and_then(Json::as_f64).unwrap_or(0.0);
            *sums.entry(key).or_insert(0.0) += n;
        }
    }
    Ok(sums)
}

/// Why the answer's `t.at` does not add up what the callouts sent (`None` when it does).
fn totals_mismatch(t: &Totals, cx: &Cx, answer: &str) -> Option<String> {
    let want = match sent_totals(t, cx) {
        Ok(w) => w,
        Err(e) => return Some(e),
    };
    let shown = |m: &BTreeMap<String, f64>| {
        m.iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Ok(body) = serde_json::from_str::<Json>(answer) else {
        return Some("The answer is not a JSON document (or is too long to read whole).".into());
    };
    let Some(got) = body.pointer(&t.at).and_then(Json::as_object) else {
        return Some(format!(
            "The answer holds no object at {}; expected {{{}}}, what the callouts {} sent this check.",
            t.at,
            shown(&want),
            t.of.join(", ")
        ));
    };
    let got_sums: BTreeMap<String, f64> = got
        .iter()
        .map(|(k, v)| (k.clone(), v.as_f64().unwrap_or(f64::NAN)))
        .collect();
    let wrong: Vec<String> = want
        .iter()
        .filter(|(k, v)| got_sums.get(*k) != Some(v))
        .map(|(k, v)| match got.get(k) {
            Some(g) => format!("{}/{k} is {g}, expected {v}", t.at),
            None => format!("{}/{k} is missing, expected {v}", t.at),
        })
        .chain(
            got.keys()
                .filter(|k| !want.contains_key(*k))
                .map(|k| format!("{}/{k} is there, but no callout sent {k}", t.at)),
        )
        .collect();
    (!wrong.is_empty()).then(|| {
        format!(
            "The answer does not add up what the callouts {} sent this check ({}): {}. The {} change from one check to the next, so only totals worked out from the requests match.",
            t.of.join(", "),
            shown(&want),
            wrong.join("; "),
            t.sum
        )
    })
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
        Some(c) => match stored_in_clear(cx, c).as_slice() {
            [] => cx.pass(format!("The org called out: {}.", show_callout(c))),
            in_clear => cx.fail(format!(
                "The org called out: {}. But the principal's {} {} stored with \"encrypted\": false, \
                 so the org keeps {} in clear and shows {} back to anyone who reads the credential \
                 (GET …/named-credentials/credential). Store a key or a password with \"encrypted\": true.",
                show_callout(c),
                in_clear.join(" and "),
                if in_clear.len() == 1 { "is" } else { "are" },
                if in_clear.len() == 1 { "it" } else { "them" },
                if in_clear.len() == 1 { "it" } else { "them" },
            )),
        },
        // The org refused for want of what the failed deploy held: its refusal ("deploy its
        // .namedCredential-meta.xml first") would send the learner to a file they have.
        None if last.error.is_some() && failed_deploy(cx).is_some() => {
            let failed = failed_deploy(cx).map(deploy_failure).unwrap_or_default();
            cx.fail(format!(
                "No callout through {nc} went out: the org refused {} {} as {}, because {failed}. \
                 A deploy is all or nothing, so Named Credential {nc} never reached the org; fix \
                 what the deploy reported first.",
                last.method,
                last.target,
                last.run_as,
                nc = p.named_credential,
            ))
        }
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
            // A refusal for want of a permission set is explained by the assignment that
            // failed, not by the permission sets the user happens to hold.
            // (Only once the Named Credential is deployed: before that, the org's refusal
            // names what is missing.)
            let deployed = cx
                .ev
                .outbound
                .setup
                .named
                .iter()
                .any(|n| n.name == p.named_credential);
            let why = unassigned(cx)
                .first()
                .filter(|_| deployed)
                .map(|u| {
                    format!(
                        " No permission set granting {} a principal was assigned: {u}.",
                        last.run_as
                    )
                })
                .unwrap_or_default();
            cx.fail(format!(
                "No callout through {} was {}. The last one: {}.{}{why}{}",
                p.named_credential,
                wanted.join(", "),
                show_callout(last),
                service_answer(cx, last),
                refused_credential_write(cx, last)
            ))
        }
    }
}

/// The parameters the principal of callout `c` holds unencrypted (`ApiKey`), by name, from
/// the External Credential its Named Credential names (see [`crate::evidence::ExternalSeen::in_clear`]).
fn stored_in_clear(cx: &Cx, c: &CalloutSeen) -> Vec<String> {
    let setup = &cx.ev.outbound.setup;
    let (Some(nc), Some(principal)) = (c.named_credential.as_deref(), c.principal.as_deref())
    else {
        return Vec::new();
    };
    let external = setup
        .named
        .iter()
        .find(|n| n.name == nc)
        .and_then(|n| n.external_credential.as_deref());
    setup
        .external
        .iter()
        .filter(|e| Some(e.name.as_str()) == external)
        .flat_map(|e| &e.in_clear)
        .filter_map(|p| p.strip_prefix(principal)?.strip_prefix('.'))
        .map(str::to_string)
        .collect()
}

/// What the service answered to `last`, a callout it answered with a status, quoted from the
/// lab action that made it (its outcome keeps the start of the body): ` The service answered:
/// {"error":"not_found",…}`, so a 404 or 400 reads with the service's own reason. Empty when
/// the callout was refused before it was sent (the refusal is quoted already), or no lab
/// action of that status kept a body. The callout log does not tie a callout to its action, so
/// the last callout or invocation outcome of the same status stands for it.
fn service_answer(cx: &Cx, last: &CalloutSeen) -> String {
    let Some(status) = last.status.filter(|_| last.error.is_none()) else {
        return String::new();
    };
    cx.ev
        .outbound
        .actions
        .iter()
        .rev()
        .filter(|o| matches!(o.kind.as_str(), "callout" | "invoke"))
        .find(|o| o.status == Some(status))
        .map(|o| o.detail.trim())
        .filter(|d| !d.is_empty())
        .map(|d| format!(" The service answered: {d}"))
        .unwrap_or_default()
}

/// When `last` was refused for a credential the principal does not hold, and the program's
/// last write to the credential store was refused: ` Your POST to …/named-credentials/credential
/// was refused (400): {the org's message}. …`, so the verdict names the field the org refused
/// (`clientSecret` sent without `"encrypted": true`) rather than the first one the principal
/// lacks, which the program may well have sent. Empty otherwise.
fn refused_credential_write(cx: &Cx, last: &CalloutSeen) -> String {
    if !last
        .error
        .as_deref()
        .is_some_and(|e| e.contains(" set; store it with"))
    {
        return String::new();
    }
    let Some((x, status)) = cx
        .ev
        .exchanges
        .iter()
        .filter(|x| x.path().ends_with("/named-credentials/credential"))
        .filter(|x| matches!(x.method(), "POST" | "PUT" | "PATCH"))
        .filter_map(|x| x.response.as_ref().map(|r| (x, r.status)))
        .next_back()
        .filter(|(_, status)| *status >= 400)
    else {
        return String::new();
    };
    let said = x
        .response
        .as_ref()
        .and_then(|r| r.body.json())
        .and_then(|j| j[0]["message"].as_str().map(str::to_string))
        .map(|m| format!(": {}", m.trim_end_matches('.')))
        .unwrap_or_default();
    format!(
        " Your {} to …/named-credentials/credential was refused ({status}){said}. The org \
         stores none of a refused body's values, the ones it did not object to included.",
        x.method()
    )
}

/// Each permission set the lab assigns after the run that sflab could not assign (one not
/// deployed, most often: a file named other than the brief says), as the assign action said
/// it, with the permission sets that were deployed.
fn unassigned(cx: &Cx) -> Vec<String> {
    let deployed: Vec<&str> = cx
        .ev
        .outbound
        .setup
        .grants
        .iter()
        .map(|g| g.permission_set.as_str())
        .collect();
    let deployed = match deployed.as_slice() {
        [] => "no permission set was deployed".to_string(),
        [one] => format!("the one deployed is {one}"),
        many => format!("those deployed are {}", many.join(", ")),
    };
    cx.ev
        .outbound
        .actions
        .iter()
        .filter(|o| o.kind == "assign" && !o.ok)
        .map(|o| {
            format!(
                "the lab's assignment after the run failed: {} ({deployed})",
                o.detail
            )
        })
        .collect()
}

/// The lab's last deploy, when it failed: then the setup holds none of the learner's files,
/// and each missing piece (a permission set "to add") would be a symptom of that failure.
fn failed_deploy<'e>(cx: &Cx<'e>) -> Option<&'e ActionOutcome> {
    cx.ev
        .outbound
        .actions
        .iter()
        .rfind(|o| o.kind == "deploy")
        .filter(|o| !o.ok)
}

/// "the deploy before run 1 failed: {its error}", for a failed deploy.
fn deploy_failure(failed: &ActionOutcome) -> String {
    let why = failed.detail.trim().trim_end_matches('.');
    format!(
        "the deploy {} run {} failed: {}",
        match failed.phase.as_str() {
            "before_run" => "before",
            "while_running" => "during",
            _ => "after",
        },
        failed.run_index + 1,
        why.strip_prefix("the deploy failed: ").unwrap_or(why)
    )
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
    // Deactivating one is a step on the way (it allows no callout), not the end: it is still
    // in the org, to be switched back on, so the migration is finished once it is deleted.
    if !p.remote_sites_allowed && !s.inactive_remote_sites.is_empty() {
        out.push(format!(
            "Remote Site Settings remain, though inactive ({}): deactivating one shows nothing \
             needs it; now delete its .remoteSite-meta.xml, as callouts through a Named \
             Credential need none",
            s.inactive_remote_sites.join(", ")
        ));
    }
    out
}

pub(crate) fn setup(p: &Setup, cx: &Cx) -> Verdict {
    if let Some(v) = cx.mock_only("the org's deployed callout setup") {
        return v;
    }
    if let Some(failed) = failed_deploy(cx) {
        return cx.fail(format!(
            "The callout setup is not in the org, because {}. A deploy is all or nothing, so \
             none of its files reached the org and no permission set could be assigned; fix \
             what the deploy reported first.",
            deploy_failure(failed)
        ));
    }
    let s = &cx.ev.outbound.setup;
    let mut problems = setup_problems(p, s);
    problems.extend(unassigned(cx));
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
#[path = "callout_tests.rs"]
mod tests;
