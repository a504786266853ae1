//! Performing a lab's `actions:` on the mock org, as an administrator and as code inside the
//! org would: deploy the learner's callout metadata, assign a permission set, call out through
//! a Named Credential as a user, register an OpenAPI spec as an External Service, invoke one
//! of its operations — and, from outside the org, probe the learner's service without the
//! credential. Each gives an [`ActionOutcome`]; failures carry the org's own message.
//!
//! Also reads back what the rules judge: the org's callout log and its deployed callout setup
//! (reduced so that no secret, and no URL that may hold one, reaches the evidence).

use crate::evidence::{
    ActionOutcome, CalloutSeen, CalloutSetup, ExternalSeen, GrantSeen, NamedSeen,
};
use crate::lab::actions::{CalloutAction, InvokeAction, LabAction, ProbeAction, RegisterAction};
use crate::org::callout::metadata::{NamedCredential, Principal, Protocol};
use crate::org::callout::{CalloutRequest, Deployment};
use crate::org::Org;
use serde_json::Value as Json;
use std::path::Path;

/// Characters of a response body kept in an outcome's detail.
const DETAIL_CHARS: usize = 600;

/// What one action did: ok, the remote status when something was sent, and the detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Performed {
    pub ok: bool,
    pub status: Option<u16>,
    pub detail: String,
    /// The body a callout sent when the lab varied it (see [`ActionOutcome::sent`]).
    pub sent: Option<Json>,
}

impl Performed {
    pub fn failed(detail: impl Into<String>) -> Performed {
        Performed {
            ok: false,
            status: None,
            detail: detail.into(),
            sent: None,
        }
    }

    fn done(detail: impl Into<String>) -> Performed {
        Performed {
            ok: true,
            status: None,
            detail: detail.into(),
            sent: None,
        }
    }

    fn answered(status: u16, body: &str) -> Performed {
        let mut detail: String = body.chars().take(DETAIL_CHARS).collect();
        if body.chars().count() > DETAIL_CHARS {
            detail.push('…');
        }
        Performed {
            ok: (200..400).contains(&status),
            status: Some(status),
            detail,
            sent: None,
        }
    }

    /// The outcome as evidence.
    pub fn outcome(self, action: &LabAction, phase: &str, run_index: usize) -> ActionOutcome {
        ActionOutcome {
            run_index,
            phase: phase.to_string(),
            label: action.label(),
            kind: action.kind().to_string(),
            ok: self.ok,
            status: self.status,
            detail: self.detail,
            sent: self.sent,
        }
    }
}

/// Performs one action against `org`; files are read from `lab_dir`.
pub async fn perform(org: &Org, action: &LabAction, lab_dir: &Path) -> Performed {
    match action {
        LabAction::Deploy(folder) => deploy(org, &lab_dir.join(folder), folder),
        LabAction::Assign(a) => assign(org, &a.user, &a.permission_set),
        LabAction::Callout(c) => callout(org, c).await,
        LabAction::RegisterService(r) => register(org, r, lab_dir),
        LabAction::Invoke(i) => invoke(org, i).await,
        LabAction::Probe(p) => probe(org, p).await,
    }
}

fn deploy(org: &Org, folder: &Path, shown: &str) -> Performed {
    if !folder.is_dir() {
        return Performed::failed(format!(
            "the folder {shown} does not exist in your lab folder: put your sfdx metadata there"
        ));
    }
    match org.outbound.deploy_folder(folder) {
        Ok(summary) if summary.not_deployed.is_empty() => {
            Performed::done(format!("deployed {}", summary.deployed.join(", ")))
        }
        Ok(summary) => Performed::done(format!(
            "deployed {}; not deployed: {}",
            summary.deployed.join(", "),
            summary.not_deployed.join("; ")
        )),
        Err(e) => Performed::failed(format!("the deploy failed: {e}")),
    }
}

fn assign(org: &Org, user: &str, permission_set: &str) -> Performed {
    let Some(u) = org.auth.config().users.find(user).cloned() else {
        return Performed::failed(format!("no user '{user}' in this org"));
    };
    let mut dep = org.outbound.deployment.write();
    if !dep.permission_sets.contains_key(permission_set) {
        return Performed::failed(format!(
            "permission set {permission_set} is not deployed: add \
             permissionsets/{permission_set}.permissionset-meta.xml to your metadata"
        ));
    }
    dep.assign(&u.id, permission_set);
    Performed::done(format!("assigned {permission_set} to {}", u.username))
}

fn body_text(body: &Option<Json>) -> Option<String> {
    body.as_ref().map(|v| match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    })
}

async fn callout(org: &Org, c: &CalloutAction) -> Performed {
    let path = if c.path.is_empty() || c.path.starts_with('/') || c.path.starts_with('?') {
        c.path.clone()
    } else {
        format!("/{}", c.path)
    };
    let body = match (&c.body, c.vary.is_empty()) {
        (Some(b), false) => Some(crate::lab::actions::varied_body(
            b,
            &c.vary,
            org.outbound.attempt_seed(),
        )),
        (b, _) => b.clone(),
    };
    let mut headers: Vec<(String, String)> = c.headers.clone().into_iter().collect();
    if c.body.is_some()
        && !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        headers.push(("Content-Type".into(), "application/json".into()));
    }
    let req = CalloutRequest {
        target: format!("callout:{}{path}", c.named_credential),
        method: c.method.to_ascii_uppercase(),
        headers,
        body: body_text(&body),
        run_as: c.run_as.clone(),
    };
    let sent = body.filter(|_| !c.vary.is_empty());
    let mut performed = match org.outbound.callout(org, req).await {
        Ok(r) => Performed::answered(r.status, &r.body),
        Err(e) => Performed::failed(e.to_string()),
    };
    performed.sent = sent;
    performed
}

async fn probe(org: &Org, p: &ProbeAction) -> Performed {
    let headers = p.headers.clone().into_iter().collect();
    match org.outbound.probe(org, &p.method, &p.url, headers).await {
        Ok(r) => Performed::answered(r.status, &r.body),
        Err(e) => Performed::failed(e.to_string()),
    }
}

fn register(org: &Org, r: &RegisterAction, lab_dir: &Path) -> Performed {
    let path = lab_dir.join(&r.spec);
    let text = match std::fs::read(&path) {
        Ok(b) if b.len() > crate::org::extservices::openapi::MAX_SPEC_BYTES => {
            return Performed::failed(format!(
                "{} is {} bytes; External Services accepts at most 2 MB",
                r.spec,
                b.len()
            ))
        }
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => {
            return Performed::failed(format!(
                "could not read {} from your lab folder: {e}",
                r.spec
            ))
        }
    };
    match crate::org::extservices::register(org, &r.name, &r.named_credential, &text) {
        Ok(svc) => Performed::done(format!(
            "registered {} with operations {}",
            svc.name,
            svc.operations
                .iter()
                .map(|o| o.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Err(e) => Performed::failed(format!("the spec was refused: {e}")),
    }
}

async fn invoke(org: &Org, i: &InvokeAction) -> Performed {
    match crate::org::extservices::invoke(org, &i.service, &i.operation, &i.input, &i.run_as).await
    {
        Ok((status, body)) => {
            let text = match &body {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            };
            Performed::answered(status, &text)
        }
        Err(e) => Performed::failed(e.to_string()),
    }
}

/// The org's callout log, as evidence.
pub fn callouts_of(org: &Org) -> Vec<CalloutSeen> {
    org.outbound
        .callout_log()
        .into_iter()
        .map(|r| CalloutSeen {
            run_as: r.run_as,
            target: r.target,
            method: r.method,
            url: r.url,
            named_credential: r.named_credential,
            principal: r.principal,
            auth: r.auth.to_string(),
            status: r.status,
            error: r.error,
        })
        .collect()
}

/// The parameters of `principals` of External Credential `external` stored unencrypted, as
/// `Principal.Parameter`.
fn stored_in_clear(dep: &Deployment, external: &str, principals: &[Principal]) -> Vec<String> {
    principals
        .iter()
        .flat_map(|p| {
            dep.stored_values(external, &p.name)
                .into_iter()
                .flatten()
                .filter(|(_, v)| !v.encrypted)
                .map(move |(param, _)| format!("{}.{param}", p.name))
        })
        .collect()
}

fn protocol_name(p: Protocol) -> &'static str {
    match p {
        Protocol::OauthClientCredentials => "oauth-client-credentials",
        Protocol::Jwt => "jwt",
        Protocol::Basic => "basic",
        Protocol::Custom => "custom",
        Protocol::NoAuthentication => "no-authentication",
    }
}

/// Whether a URL's query parameter name suggests a credential.
fn secret_like(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "secret", "key", "token", "password", "passwd", "pwd", "sig", "auth",
    ]
    .iter()
    .any(|w| n.contains(w))
}

/// Whether a Named Credential's URL or legacy settings hold credentials.
pub fn carries_credentials(nc: &NamedCredential) -> bool {
    let legacy_password = nc
        .legacy
        .as_ref()
        .is_some_and(|l| l.password.as_deref().is_some_and(|p| !p.is_empty()));
    let url_creds = url::Url::parse(&nc.url).is_ok_and(|u| {
        !u.username().is_empty()
            || u.password().is_some()
            || u.query_pairs().any(|(k, _)| secret_like(&k))
    });
    legacy_password || url_creds
}

/// The deployed callout setup, as evidence.
pub fn setup_of(org: &Org) -> CalloutSetup {
    let dep = org.outbound.deployment.read();
    CalloutSetup {
        named: dep
            .named
            .values()
            .map(|n| NamedSeen {
                name: n.name.clone(),
                split: n.external_credential.is_some(),
                external_credential: n.external_credential.clone(),
                carries_credentials: carries_credentials(n),
            })
            .collect(),
        external: dep
            .external
            .values()
            .map(|e| ExternalSeen {
                name: e.name.clone(),
                protocol: protocol_name(e.protocol).to_string(),
                principals: e.principals.iter().map(|p| p.name.clone()).collect(),
                in_clear: if e.protocol == Protocol::Custom {
                    stored_in_clear(&dep, &e.name, &e.principals)
                } else {
                    Vec::new()
                },
            })
            .collect(),
        grants: dep
            .permission_sets
            .values()
            .map(|p| GrantSeen {
                permission_set: p.name.clone(),
                principals: p.principal_accesses.clone(),
            })
            .collect(),
        remote_sites: dep
            .remote_sites
            .values()
            .filter(|r| r.active)
            .map(|r| r.name.clone())
            .collect(),
        inactive_remote_sites: dep
            .remote_sites
            .values()
            .filter(|r| !r.active)
            .map(|r| r.name.clone())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NC: &str = "<NamedCredential><namedCredentialParameters><parameterName>Url</parameterName><parameterType>Url</parameterType><parameterValue>URL</parameterValue></namedCredentialParameters><namedCredentialParameters><externalCredential>Wx_Auth</externalCredential><parameterName>ExternalCredential</parameterName><parameterType>Authentication</parameterType></namedCredentialParameters><namedCredentialParameters><parameterName>X-Api-Key</parameterName><parameterType>HttpHeader</parameterType><parameterValue>{!$Credential.Wx_Auth.ApiKey}</parameterValue></namedCredentialParameters></NamedCredential>";
    const EC: &str = "<ExternalCredential><authenticationProtocol>Custom</authenticationProtocol><externalCredentialParameters><parameterName>Main</parameterName><parameterType>NamedPrincipal</parameterType><sequenceNumber>1</sequenceNumber></externalCredentialParameters></ExternalCredential>";
    const PS: &str = "<PermissionSet><externalCredentialPrincipalAccesses><enabled>true</enabled><externalCredentialPrincipal>Wx_Auth-Main</externalCredentialPrincipal></externalCredentialPrincipalAccesses></PermissionSet>";

    fn lab_folder(url: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        let meta = dir.path().join("force-app");
        std::fs::create_dir_all(&meta).expect("mkdir");
        let write = |name: &str, text: &str| std::fs::write(meta.join(name), text).expect("write");
        write("Wx.namedCredential-meta.xml", &NC.replace("URL", url));
        write("Wx_Auth.externalCredential-meta.xml", EC);
        write("Wx_Callers.permissionset-meta.xml", PS);
        dir
    }

    fn action(yaml: &str) -> LabAction {
        crate::lab::actions::parse_action(yaml).expect("test yaml")
    }

    #[tokio::test]
    async fn deploy_assign_then_callout_as_the_user_reaches_the_service() {
        let org = Org::default_org();
        let dir = lab_folder("https://mock.sflab.internal/ext/weather");
        let d = perform(&org, &action("deploy: force-app"), dir.path()).await;
        assert!(d.ok, "{d:?}");
        org.outbound
            .deployment
            .write()
            .set_secret("Wx_Auth", "Main", "ApiKey", "wx-demo-key");
        let call = action(
            "callout: { named_credential: Wx, path: /current?city=Oslo, run_as: integration }",
        );
        let refused = perform(&org, &call, dir.path()).await;
        assert!(!refused.ok);
        assert!(
            refused.detail.contains("may not use Named Credential Wx"),
            "{}",
            refused.detail
        );
        let a = perform(
            &org,
            &action("assign: { user: integration, permission_set: Wx_Callers }"),
            dir.path(),
        )
        .await;
        assert!(a.ok, "{a:?}");
        let done = perform(&org, &call, dir.path()).await;
        assert_eq!(done.status, Some(200), "{done:?}");
        assert!(done.detail.contains("Oslo"));
        let log = callouts_of(&org);
        assert_eq!(log.len(), 2);
        assert_eq!(log[1].auth, "custom-headers");
        let setup = setup_of(&org);
        assert!(setup.named[0].split && !setup.named[0].carries_credentials);
        assert_eq!(setup.grants[0].principals, vec!["Wx_Auth-Main"]);
    }

    #[tokio::test]
    async fn a_missing_folder_and_an_unknown_permission_set_say_what_to_add() {
        let org = Org::default_org();
        let dir = tempfile::tempdir().expect("tempdir");
        let d = perform(&org, &action("deploy: force-app"), dir.path()).await;
        assert!(!d.ok && d.detail.contains("does not exist"), "{d:?}");
        let a = perform(
            &org,
            &action("assign: { user: integration, permission_set: Nope }"),
            dir.path(),
        )
        .await;
        assert!(
            !a.ok && a.detail.contains("Nope.permissionset-meta.xml"),
            "{a:?}"
        );
    }

    #[tokio::test]
    async fn a_spec_is_registered_from_the_lab_folder_and_an_unknown_operation_is_named() {
        let org = Org::default_org();
        let dir = lab_folder("https://mock.sflab.internal/ext/weather");
        assert!(
            perform(&org, &action("deploy: force-app"), dir.path())
                .await
                .ok
        );
        let spec = "openapi: 3.0.0\ninfo: { title: Wx, version: '1' }\npaths:\n  /current:\n    get:\n      operationId: currentWeather\n      parameters:\n        - { name: city, in: query, required: true, schema: { type: string } }\n      responses: { '200': { description: ok } }\n";
        std::fs::write(dir.path().join("wx.yaml"), spec).expect("write");
        let reg = perform(
            &org,
            &action("register_service: { name: Wx, named_credential: Wx, spec: wx.yaml }"),
            dir.path(),
        )
        .await;
        assert!(reg.ok && reg.detail.contains("currentWeather"), "{reg:?}");
        let wrong = perform(
            &org,
            &action("invoke: { service: Wx, operation: getWeather, input: { city: Oslo } }"),
            dir.path(),
        )
        .await;
        assert!(
            !wrong.ok && wrong.detail.contains("currentWeather"),
            "{wrong:?}"
        );
        let missing = perform(
            &org,
            &action("register_service: { name: Wx, named_credential: Wx, spec: nope.yaml }"),
            dir.path(),
        )
        .await;
        assert!(
            !missing.ok && missing.detail.contains("nope.yaml"),
            "{missing:?}"
        );
    }

    #[test]
    fn credentials_in_a_url_are_noticed_without_keeping_the_url() {
        let nc = |url: &str| NamedCredential {
            name: "N".into(),
            label: "N".into(),
            url: url.into(),
            external_credential: Some("E".into()),
            headers: Vec::new(),
            generate_authorization_header: true,
            legacy: None,
        };
        assert!(carries_credentials(&nc("https://u:p@api.example.com")));
        assert!(carries_credentials(&nc(
            "https://api.example.com/x?api_key=abc"
        )));
        assert!(carries_credentials(&nc(
            "https://api.example.com/x?client_secret=abc"
        )));
        assert!(!carries_credentials(&nc(
            "https://api.example.com/x?city=Oslo"
        )));
        assert!(!carries_credentials(&nc("https://api.example.com/x")));
    }
}
