//! The `actions:` section of `lab.yaml`: what the org does around the learner's code, standing
//! in for an administrator in Setup and for Apex or Flow code inside the org.
//!
//! ```yaml
//! actions:
//!   before_run:                      # before each `./run`
//!     - deploy: force-app            # the learner's sfdx metadata, from their lab folder
//!   after_run:                       # after each `./run` has exited
//!     - assign: { user: clerk, permission_set: ERP_Callers }
//!     - callout: { label: order, named_credential: ERP, path: /orders/ERP-1, run_as: clerk }
//!     - callout: { label: slice-1, named_credential: WH, method: POST, vary: [qty], body: … }
//!     - register_service: { name: Courier, named_credential: Courier, spec: courier.yaml }
//!     - invoke: { service: Courier, operation: getShipment, input: { tracking: T1 } }
//!   while_running: [...]             # while `./run` serves on $SERVICE_PORT; then it is stopped
//!   service_port: 18731              # the port the Named Credential names (forwarded there)
//! ```
//!
//! Every action leaves an outcome in the evidence (`org.action_ok` judges it), and every
//! callout the org makes is logged (`callout.made` judges that log).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use super::varied::varied_body;

/// The org-side actions of a lab, by phase.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabActions {
    #[serde(
        default,
        deserialize_with = "de_actions",
        serialize_with = "ser_actions"
    )]
    pub before_run: Vec<LabAction>,
    #[serde(
        default,
        deserialize_with = "de_actions",
        serialize_with = "ser_actions"
    )]
    pub after_run: Vec<LabAction>,
    /// Performed once `./run` accepts connections on `service_port`; `./run` is stopped after.
    #[serde(
        default,
        deserialize_with = "de_actions",
        serialize_with = "ser_actions"
    )]
    pub while_running: Vec<LabAction>,
    /// The 127.0.0.1 port the lab's Named Credential names for the learner's service. Each
    /// attempt's service listens on a free port of its own, given to it as `SERVICE_PORT`;
    /// the mock org forwards its callouts for this port there, so attempts run side by side.
    #[serde(default)]
    pub service_port: Option<u16>,
}

impl LabActions {
    pub fn is_empty(&self) -> bool {
        self.before_run.is_empty() && self.after_run.is_empty() && self.while_running.is_empty()
    }

    /// Problems an author must fix (empty when the section is usable).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        match (self.while_running.is_empty(), self.service_port) {
            (false, None) => out.push(
                "`actions.while_running` needs `actions.service_port`: the port the learner's \
                 service listens on"
                    .to_string(),
            ),
            (true, Some(_)) => out.push(
                "`actions.service_port` is set but `actions.while_running` is empty".to_string(),
            ),
            (_, Some(p)) if p < 1024 => out.push(format!(
                "`actions.service_port` {p} is a privileged port: use 1024 or above"
            )),
            _ => {}
        }
        let all = self
            .before_run
            .iter()
            .chain(&self.after_run)
            .chain(&self.while_running);
        let mut labels: Vec<String> = Vec::new();
        for a in all {
            if let Some(p) = a.problem() {
                out.push(p);
            }
            let label = a.label();
            if labels.contains(&label) {
                out.push(format!(
                    "two actions are labelled {label:?}: give each a distinct `label` so a check \
                     can name one"
                ));
            }
            labels.push(label);
        }
        out
    }

    /// Every label, in phase order (for checks that name an action).
    pub fn labels(&self) -> Vec<String> {
        self.before_run
            .iter()
            .chain(&self.after_run)
            .chain(&self.while_running)
            .map(LabAction::label)
            .collect()
    }
}

/// A callout made by the org (as Apex `Http.send` would), through a Named Credential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalloutAction {
    #[serde(default)]
    pub label: Option<String>,
    pub named_credential: String,
    #[serde(default)]
    pub path: String,
    #[serde(default = "get")]
    pub method: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub body: Option<serde_json::Value>,
    /// The user the callout runs as (username, `ref:` name or alias); default `integration`.
    #[serde(default = "integration")]
    pub run_as: String,
    /// Number properties of `body` given new values for each check (`vary: [qty]`, or
    /// `[qty per sku]` to draw from those properties only), so an answer typed into the
    /// service cannot match: see [`super::varied`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vary: Vec<String>,
}

/// A request sflab itself sends to the learner's service, as a stranger who found its address
/// would: no Named Credential, so only the headers given here (none, or a wrong key). It goes
/// to the address a Named Credential names (`http://127.0.0.1:<service_port>/…`), forwarded
/// to where the service listens like the org's callouts; it is not in the org's callout log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeAction {
    #[serde(default)]
    pub label: Option<String>,
    pub url: String,
    #[serde(default = "get")]
    pub method: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// A permission set assigned to a user, as an administrator would.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignAction {
    #[serde(default)]
    pub label: Option<String>,
    pub user: String,
    pub permission_set: String,
}

/// An OpenAPI document from the learner's folder registered as an External Service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterAction {
    #[serde(default)]
    pub label: Option<String>,
    pub name: String,
    pub named_credential: String,
    /// The spec file, relative to the lab folder.
    pub spec: String,
}

/// An External Service operation invoked by its operationId with typed input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvokeAction {
    #[serde(default)]
    pub label: Option<String>,
    pub service: String,
    pub operation: String,
    #[serde(default)]
    pub input: serde_json::Value,
    #[serde(default = "integration")]
    pub run_as: String,
}

/// One org-side action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum LabAction {
    /// Deploys every callout metadata file under this folder of the lab (all or nothing).
    Deploy(String),
    Assign(AssignAction),
    Callout(CalloutAction),
    RegisterService(RegisterAction),
    Invoke(InvokeAction),
    Probe(ProbeAction),
}

/// Actions read through JSON: serde_yaml wants YAML tags for enums, lab authors write
/// `- deploy: force-app`.
fn de_actions<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<LabAction>, D::Error> {
    let raw: Vec<serde_json::Value> = Deserialize::deserialize(d)?;
    raw.into_iter()
        .enumerate()
        .map(|(i, v)| {
            serde_json::from_value(v)
                .map_err(|e| serde::de::Error::custom(format!("action {}: {e}", i + 1)))
        })
        .collect()
}

fn ser_actions<S: serde::Serializer>(a: &[LabAction], s: S) -> Result<S::Ok, S::Error> {
    serde_json::to_value(a)
        .map_err(serde::ser::Error::custom)?
        .serialize(s)
}

/// One action from its YAML text (`deploy: force-app`), as a lab file writes it.
pub fn parse_action(yaml: &str) -> Result<LabAction, String> {
    let v: serde_json::Value = serde_yaml::from_str(yaml).map_err(|e| e.to_string())?;
    serde_json::from_value(v).map_err(|e| e.to_string())
}

fn get() -> String {
    "GET".into()
}
fn integration() -> String {
    "integration".into()
}

/// An `http://` URL on this machine's loopback address.
fn loopback_http(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| {
        u.scheme() == "http" && matches!(u.host_str(), Some("127.0.0.1" | "localhost"))
    })
}

/// A path inside the lab folder: relative, without `..`.
fn inside(path: &str) -> bool {
    !path.is_empty() && !path.starts_with('/') && !path.split('/').any(|c| c == "..")
}

impl LabAction {
    /// What it is, e.g. `deploy`.
    pub fn kind(&self) -> &'static str {
        match self {
            LabAction::Deploy(_) => "deploy",
            LabAction::Assign(_) => "assign",
            LabAction::Callout(_) => "callout",
            LabAction::RegisterService(_) => "register_service",
            LabAction::Invoke(_) => "invoke",
            LabAction::Probe(_) => "probe",
        }
    }

    /// The label checks name it by: its own `label`, or its kind.
    pub fn label(&self) -> String {
        let own = match self {
            LabAction::Deploy(_) => None,
            LabAction::Assign(a) => a.label.clone(),
            LabAction::Callout(a) => a.label.clone(),
            LabAction::RegisterService(a) => a.label.clone(),
            LabAction::Invoke(a) => a.label.clone(),
            LabAction::Probe(a) => a.label.clone(),
        };
        own.unwrap_or_else(|| self.kind().to_string())
    }

    fn problem(&self) -> Option<String> {
        match self {
            LabAction::Deploy(folder) if !inside(folder) => Some(format!(
                "`deploy: {folder}` must name a folder inside the lab folder"
            )),
            LabAction::RegisterService(r) if !inside(&r.spec) => Some(format!(
                "`register_service.spec: {}` must name a file inside the lab folder",
                r.spec
            )),
            LabAction::Callout(c) if c.method.parse::<axum::http::Method>().is_err() => Some(
                format!("`callout.method: {}` is not an HTTP method", c.method),
            ),
            LabAction::Callout(c) => c.vary.iter().find_map(|e| super::varied::problem(e)),
            LabAction::Probe(p) if p.method.parse::<axum::http::Method>().is_err() => Some(
                format!("`probe.method: {}` is not an HTTP method", p.method),
            ),
            LabAction::Probe(p) if !loopback_http(&p.url) => Some(format!(
                "`probe.url: {}` must be an http URL on 127.0.0.1 or localhost: a probe only \
                 reaches the learner's own service",
                p.url
            )),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> LabActions {
        serde_yaml::from_str(yaml).expect("test yaml")
    }

    #[test]
    fn actions_read_by_phase_with_labels_defaulting_to_their_kind() {
        let a = parse(
            "before_run: [ { deploy: force-app } ]\n\
             after_run:\n  - assign: { user: clerk, permission_set: P }\n  - callout: { label: order, named_credential: ERP, path: /orders }\n",
        );
        assert_eq!(a.labels(), vec!["deploy", "assign", "order"]);
        let LabAction::Callout(c) = &a.after_run[1] else {
            panic!("{a:?}")
        };
        assert_eq!(
            (c.method.as_str(), c.run_as.as_str()),
            ("GET", "integration")
        );
        assert!(a.problems().is_empty(), "{:?}", a.problems());
    }

    #[test]
    fn a_vary_entry_naming_no_property_is_a_problem() {
        let a = parse(
            "after_run:\n  - callout: { named_credential: WH, method: POST, vary: [qty per], body: { qty: 1 } }\n",
        );
        assert!(
            a.problems().iter().any(|p| p.contains("`vary: qty per`")),
            "{:?}",
            a.problems()
        );
    }

    #[test]
    fn a_probe_reaches_only_the_learners_own_service() {
        let a = parse(
            "service_port: 18731\nwhile_running:\n  - probe: { label: no-key, url: \"http://127.0.0.1:18731/stock/PUMP-7\" }\n",
        );
        assert_eq!(a.labels(), vec!["no-key"]);
        assert!(a.problems().is_empty(), "{:?}", a.problems());
        let a = parse(
            "service_port: 18731\nwhile_running: [ { probe: { url: \"https://example.com/x\" } } ]\n",
        );
        let p = a.problems().join("\n");
        assert!(p.contains("must be an http URL on 127.0.0.1"), "{p}");
    }

    #[test]
    fn an_unknown_action_is_refused() {
        let r: Result<LabActions, _> = serde_yaml::from_str("after_run: [ { launch: rocket } ]");
        assert!(r.is_err());
    }

    #[test]
    fn paths_outside_the_lab_and_duplicate_labels_are_problems() {
        let a = parse(
            "before_run: [ { deploy: ../elsewhere } ]\n\
             after_run: [ { register_service: { name: S, named_credential: N, spec: /etc/passwd } }, { deploy: x } ]\n",
        );
        let p = a.problems().join("\n");
        assert!(p.contains("../elsewhere"), "{p}");
        assert!(p.contains("/etc/passwd"), "{p}");
        assert!(p.contains("two actions are labelled \"deploy\""), "{p}");
    }

    #[test]
    fn a_service_phase_needs_a_port_and_a_port_needs_a_service_phase() {
        let a = parse("while_running: [ { callout: { named_credential: Mine } } ]");
        assert!(a.problems()[0].contains("service_port"));
        let b = parse("service_port: 18080");
        assert!(b.problems()[0].contains("while_running"));
        let c =
            parse("service_port: 80\nwhile_running: [ { callout: { named_credential: Mine } } ]");
        assert!(c.problems()[0].contains("privileged"));
    }
}
