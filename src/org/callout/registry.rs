//! What has been deployed for callouts: components by name, principal secrets (set apart from
//! metadata, as the org's credential store does), permission-set assignments made for labs,
//! and cached OAuth tokens. Also answers "which principal may this user call out as".

use super::metadata::{
    parse_component, Component, ExternalCredential, MetadataError, NamedCredential,
    PermissionSetMeta, RemoteSite,
};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The deployed state.
#[derive(Debug, Clone, Default)]
pub struct Deployment {
    pub named: BTreeMap<String, NamedCredential>,
    pub external: BTreeMap<String, ExternalCredential>,
    pub permission_sets: BTreeMap<String, PermissionSetMeta>,
    pub remote_sites: BTreeMap<String, RemoteSite>,
    /// `ExtCred-Principal` → parameter → stored value.
    secrets: BTreeMap<String, BTreeMap<String, StoredValue>>,
    /// User id → permission sets assigned through sflab (beside the seed's).
    assignments: BTreeMap<String, BTreeSet<String>>,
    /// `ExtCred-Principal` → (token, expiry).
    tokens: BTreeMap<String, (String, DateTime<Utc>)>,
}

/// One parameter of a principal's credential, as the credential store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredValue {
    pub value: String,
    /// Stored encrypted: never shown back (`GET` answers its value as null).
    pub encrypted: bool,
}

/// What a deploy changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeploySummary {
    /// `Kind:Name` of each component deployed, in file order.
    pub deployed: Vec<String>,
    /// The XML files of the folder left out, each with why (see [`read_folder`]).
    pub not_deployed: Vec<String>,
}

/// The callout metadata files of a folder, and the other XML files in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FolderFiles {
    /// (file name, content) of each callout metadata file, in a stable order.
    pub files: Vec<(String, String)>,
    /// Each other `.xml` file, with why it is not deployed.
    pub not_deployed: Vec<String>,
}

/// Why a deploy failed (nothing is deployed then).
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error("{0}")]
    Metadata(#[from] MetadataError),
    #[error("could not read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("Named Credential {named} uses External Credential {external}, which is neither in this deploy nor deployed before")]
    MissingExternal { named: String, external: String },
    #[error("Permission Set {set} grants {principal}, but no External Credential has that principal (the form is ExternalCredential-Principal)")]
    UnknownPrincipal { set: String, principal: String },
    #[error("{folder} holds no callout metadata files (*.namedCredential-meta.xml, *.externalCredential-meta.xml, *.permissionset-meta.xml, *.remoteSite-meta.xml){}", if not_deployed.is_empty() { String::new() } else { format!("; not deployed: {}", not_deployed.join("; ")) })]
    Empty {
        folder: String,
        not_deployed: Vec<String>,
    },
}

/// Reads every callout metadata file under `folder` (recursively), in a stable order, and
/// names the other XML files, which are not deployed.
pub fn read_folder(folder: &Path) -> Result<FolderFiles, DeployError> {
    let mut out = FolderFiles::default();
    let mut stack = vec![folder.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|source| DeployError::Read {
            path: dir.display().to_string(),
            source,
        })?;
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Some(name) = p.file_name().and_then(|n| n.to_str()) {
                if super::metadata::classify(name).is_some() {
                    let text = std::fs::read_to_string(&p).map_err(|source| DeployError::Read {
                        path: p.display().to_string(),
                        source,
                    })?;
                    out.files.push((name.to_string(), text));
                } else if name.to_ascii_lowercase().ends_with(".xml") {
                    out.not_deployed
                        .push(super::metadata::why_not_deployed(name));
                }
            }
        }
    }
    out.files.sort();
    out.not_deployed.sort();
    if out.files.is_empty() {
        return Err(DeployError::Empty {
            folder: folder.display().to_string(),
            not_deployed: out.not_deployed,
        });
    }
    Ok(out)
}

impl Deployment {
    /// Deploys files (name, content) all or nothing, checking references between them.
    pub fn deploy(&mut self, files: &[(String, String)]) -> Result<DeploySummary, DeployError> {
        let mut next = self.clone();
        let mut summary = DeploySummary::default();
        for (name, content) in files {
            match parse_component(name, content)? {
                Component::Named(n) => {
                    summary.deployed.push(format!("NamedCredential:{}", n.name));
                    next.named.insert(n.name.clone(), n);
                }
                Component::External(e) => {
                    summary
                        .deployed
                        .push(format!("ExternalCredential:{}", e.name));
                    next.external.insert(e.name.clone(), e);
                }
                Component::PermissionSet(p) => {
                    summary.deployed.push(format!("PermissionSet:{}", p.name));
                    next.permission_sets.insert(p.name.clone(), p);
                }
                Component::RemoteSite(r) => {
                    summary
                        .deployed
                        .push(format!("RemoteSiteSetting:{}", r.name));
                    next.remote_sites.insert(r.name.clone(), r);
                }
            }
        }
        for n in next.named.values() {
            if let Some(e) = &n.external_credential {
                if !next.external.contains_key(e) {
                    return Err(DeployError::MissingExternal {
                        named: n.name.clone(),
                        external: e.clone(),
                    });
                }
            }
        }
        for s in next.permission_sets.values() {
            for p in &s.principal_accesses {
                let known = p.split_once('-').is_some_and(|(ext, pr)| {
                    next.external
                        .get(ext)
                        .is_some_and(|e| e.principals.iter().any(|x| x.name == pr))
                });
                if !known {
                    return Err(DeployError::UnknownPrincipal {
                        set: s.name.clone(),
                        principal: p.clone(),
                    });
                }
            }
        }
        *self = next;
        Ok(summary)
    }

    /// Stores a principal's secret parameter (`clientId`, `clientSecret`, `Username`,
    /// `Password`, `ApiKey`…), as the org's credential store does; drops any cached token.
    pub fn set_secret(&mut self, external: &str, principal: &str, parameter: &str, value: &str) {
        self.store_value(external, principal, parameter, value, true);
    }

    /// Stores one parameter, encrypted or not; drops any cached token.
    pub fn store_value(
        &mut self,
        external: &str,
        principal: &str,
        parameter: &str,
        value: &str,
        encrypted: bool,
    ) {
        let key = format!("{external}-{principal}");
        self.tokens.remove(&key);
        self.secrets.entry(key).or_default().insert(
            parameter.to_string(),
            StoredValue {
                value: value.to_string(),
                encrypted,
            },
        );
    }

    /// Forgets every stored parameter of a principal (and its cached token).
    pub fn clear_values(&mut self, external: &str, principal: &str) {
        let key = format!("{external}-{principal}");
        self.tokens.remove(&key);
        self.secrets.remove(&key);
    }

    /// The stored parameters of a principal, by name.
    pub fn stored_values(
        &self,
        external: &str,
        principal: &str,
    ) -> Option<&BTreeMap<String, StoredValue>> {
        self.secrets.get(&format!("{external}-{principal}"))
    }

    pub(crate) fn secret(&self, external: &str, principal: &str, parameter: &str) -> Option<&str> {
        self.secrets
            .get(&format!("{external}-{principal}"))
            .and_then(|m| m.get(parameter))
            .map(|v| v.value.as_str())
    }

    /// Assigns a deployed permission set to a user (by user id).
    pub fn assign(&mut self, user_id: &str, permission_set: &str) {
        self.assignments
            .entry(user_id.to_string())
            .or_default()
            .insert(permission_set.to_string());
    }

    /// The first principal (by sequence) of `ext` that one of `user_sets` grants.
    pub fn principal_for<'a>(
        &'a self,
        ext: &'a ExternalCredential,
        user_id: &str,
        seed_sets: &[String],
    ) -> Option<&'a str> {
        let mut sets: BTreeSet<&str> = seed_sets.iter().map(String::as_str).collect();
        if let Some(a) = self.assignments.get(user_id) {
            sets.extend(a.iter().map(String::as_str));
        }
        ext.principals.iter().map(|p| p.name.as_str()).find(|pr| {
            let wanted = format!("{}-{pr}", ext.name);
            sets.iter().any(|s| {
                self.permission_sets
                    .get(*s)
                    .is_some_and(|ps| ps.principal_accesses.contains(&wanted))
            })
        })
    }

    pub(crate) fn cached_token(&self, key: &str, now: DateTime<Utc>) -> Option<String> {
        self.tokens
            .get(key)
            .filter(|(_, exp)| *exp > now)
            .map(|(t, _)| t.clone())
    }

    pub(crate) fn cache_token(&mut self, key: &str, token: String, expires: DateTime<Utc>) {
        self.tokens.insert(key.to_string(), (token, expires));
    }

    /// Whether an active Remote Site Setting covers `url` (same scheme and host, path prefix).
    pub fn remote_site_allows(&self, url: &url::Url) -> bool {
        self.remote_sites.values().filter(|r| r.active).any(|r| {
            url::Url::parse(&r.url).is_ok_and(|site| {
                site.host_str() == url.host_str()
                    && site.port_or_known_default() == url.port_or_known_default()
                    && (site.scheme() == url.scheme()
                        || (r.disable_protocol_security && url.scheme() == "http"))
                    && url.path().starts_with(site.path().trim_end_matches('/'))
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Vec<(String, String)> {
        vec![
            ("ERP.namedCredential-meta.xml".into(), "<NamedCredential><namedCredentialParameters><parameterName>Url</parameterName><parameterType>Url</parameterType><parameterValue>https://mock.sflab.internal/ext/erp</parameterValue></namedCredentialParameters><namedCredentialParameters><externalCredential>ERP_Auth</externalCredential><parameterName>ExternalCredential</parameterName><parameterType>Authentication</parameterType></namedCredentialParameters></NamedCredential>".into()),
            ("ERP_Auth.externalCredential-meta.xml".into(), "<ExternalCredential><authenticationProtocol>Basic</authenticationProtocol><externalCredentialParameters><parameterName>Main</parameterName><parameterType>NamedPrincipal</parameterType><sequenceNumber>1</sequenceNumber></externalCredentialParameters></ExternalCredential>".into()),
            ("ERP_Access.permissionset-meta.xml".into(), "<PermissionSet><externalCredentialPrincipalAccesses><enabled>true</enabled><externalCredentialPrincipal>ERP_Auth-Main</externalCredentialPrincipal></externalCredentialPrincipalAccesses></PermissionSet>".into()),
        ]
    }

    #[test]
    fn a_deploy_with_a_dangling_reference_changes_nothing() {
        let mut d = Deployment::default();
        let e = d.deploy(&files()[..1]).unwrap_err();
        assert!(matches!(e, DeployError::MissingExternal { .. }));
        assert!(d.named.is_empty());
    }

    #[test]
    fn principals_are_granted_through_deployed_permission_sets() {
        let mut d = Deployment::default();
        let s = d.deploy(&files()).unwrap();
        assert_eq!(s.deployed.len(), 3);
        let ext = d.external["ERP_Auth"].clone();
        assert_eq!(d.principal_for(&ext, "005A", &[]), None);
        assert_eq!(
            d.principal_for(&ext, "005A", &["ERP_Access".to_string()]),
            Some("Main")
        );
        d.assign("005B", "ERP_Access");
        assert_eq!(d.principal_for(&ext, "005B", &[]), Some("Main"));
    }

    #[test]
    fn remote_sites_match_scheme_host_and_path_prefix() {
        let mut d = Deployment::default();
        d.deploy(&[("Wx.remoteSite-meta.xml".into(), "<RemoteSiteSetting><isActive>true</isActive><url>https://api.example.com/v1</url></RemoteSiteSetting>".into())]).unwrap();
        let ok = url::Url::parse("https://api.example.com/v1/x").unwrap();
        let other = url::Url::parse("https://evil.example.com/v1/x").unwrap();
        let http = url::Url::parse("http://api.example.com/v1/x").unwrap();
        assert!(d.remote_site_allows(&ok));
        assert!(!d.remote_site_allows(&other));
        assert!(!d.remote_site_allows(&http));
    }
}
