//! sfdx source-format metadata for callouts, read from XML: Named Credentials (the split
//! model and legacy all-in-one ones), External Credentials, the principal access granted by
//! Permission Sets, and Remote Site Settings.
//!
//! Pure parsing; names come from file names (`ERP.namedCredential-meta.xml` → `ERP`), as the
//! sfdx source format has it. Secrets never appear in this metadata for the split model (a real
//! org keeps principal secrets out of metadata too); legacy credentials may carry a password.

use crate::org::soap::xml::{self, Element};

/// How an External Credential authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// OAuth 2.0 client credentials with a client secret.
    OauthClientCredentials,
    /// A JWT the org signs, sent as the bearer token.
    Jwt,
    /// HTTP Basic with the principal's username and password.
    Basic,
    /// No generated header: custom headers with `{!$Credential.…}` merge fields do the work
    /// (API keys).
    Custom,
    NoAuthentication,
}

/// One principal of an External Credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub name: String,
    /// `NamedPrincipal` or `PerUserPrincipal`.
    pub per_user: bool,
    pub sequence: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalCredential {
    pub name: String,
    pub label: String,
    pub protocol: Protocol,
    /// Token endpoint for OAuth client credentials.
    pub token_url: Option<String>,
    /// OAuth scope to ask for.
    pub scope: Option<String>,
    /// JWT claims configured on the credential (`aud`, `iss`, `sub`…).
    pub jwt_claims: Vec<(String, String)>,
    pub principals: Vec<Principal>,
    /// Headers every callout through this credential carries (`AuthHeader` parameters);
    /// values may hold `{!$Credential.X.Y}`.
    pub headers: Vec<(String, String)>,
}

/// A Named Credential: the split model (endpoint + External Credential) or a legacy one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedCredential {
    pub name: String,
    pub label: String,
    pub url: String,
    /// The External Credential (split model); `None` for legacy credentials.
    pub external_credential: Option<String>,
    /// Custom headers (`HttpHeader` parameters); values may hold `{!$Credential.X.Y}`.
    pub headers: Vec<(String, String)>,
    pub generate_authorization_header: bool,
    pub legacy: Option<LegacyAuth>,
}

/// What an all-in-one (legacy) Named Credential holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyAuth {
    /// `Password` or `NoAuthentication` (others are not modelled).
    pub protocol: String,
    pub username: Option<String>,
    pub password: Option<String>,
}

/// A Permission Set's grants that matter to callouts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionSetMeta {
    pub name: String,
    /// `ExternalCredential-Principal` names, enabled ones only.
    pub principal_accesses: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteSite {
    pub name: String,
    pub url: String,
    pub active: bool,
    pub disable_protocol_security: bool,
}

/// Why a metadata file cannot be deployed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {problem}")]
pub struct MetadataError {
    pub file: String,
    pub problem: String,
}

/// One parsed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Component {
    Named(NamedCredential),
    External(ExternalCredential),
    PermissionSet(PermissionSetMeta),
    RemoteSite(RemoteSite),
}

/// The kind of a file by its suffix, and the component name.
pub fn classify(file_name: &str) -> Option<(&'static str, &str)> {
    const KINDS: [(&str, &str); 4] = [
        (".namedCredential-meta.xml", "NamedCredential"),
        (".externalCredential-meta.xml", "ExternalCredential"),
        (".permissionset-meta.xml", "PermissionSet"),
        (".remoteSite-meta.xml", "RemoteSiteSetting"),
    ];
    KINDS
        .iter()
        .find_map(|(suffix, kind)| file_name.strip_suffix(suffix).map(|n| (*kind, n)))
}

/// Why an XML file that [`classify`] does not know is left out of a deploy: a callout file
/// named almost right (`ERP.namedCredential.xml`, `ERP.NamedCredential-meta.xml`) is told its
/// right name; any other is said to be of a type sflab does not deploy.
pub fn why_not_deployed(file_name: &str) -> String {
    const SUFFIXES: [&str; 4] = [
        ".namedCredential-meta.xml",
        ".externalCredential-meta.xml",
        ".permissionset-meta.xml",
        ".remoteSite-meta.xml",
    ];
    let lower = file_name.to_ascii_lowercase();
    let near = SUFFIXES.iter().find_map(|suffix| {
        let kind = suffix.trim_end_matches("-meta.xml").to_ascii_lowercase();
        let (stem, _) = lower.rsplit_once(".xml")?;
        let stem = stem.trim_end_matches("-meta");
        stem.ends_with(&kind).then(|| {
            let name = &file_name[..stem.len() - kind.len()];
            format!("{name}{suffix}")
        })
    });
    match near {
        Some(right) => format!(
            "{file_name} (not read as callout metadata: name it {right}, as the sfdx source format does)"
        ),
        None => format!(
            "{file_name} (sflab deploys only Named and External Credentials, permission sets and Remote Site Settings)"
        ),
    }
}

fn text(el: &Element, name: &str) -> Option<String> {
    el.child_text(name)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn flag(el: &Element, name: &str, default: bool) -> bool {
    el.child_text(name)
        .map_or(default, |v| v.eq_ignore_ascii_case("true"))
}

/// Parses one file by its name and content.
pub fn parse_component(file_name: &str, content: &str) -> Result<Component, MetadataError> {
    let bad = |problem: String| MetadataError {
        file: file_name.to_string(),
        problem,
    };
    let (kind, name) = classify(file_name).ok_or_else(|| {
        bad("not a callout metadata file (expected *.namedCredential-meta.xml, *.externalCredential-meta.xml, *.permissionset-meta.xml or *.remoteSite-meta.xml)".into())
    })?;
    let root = xml::parse(content).map_err(|e| {
        bad(format!(
            "not well-formed XML at line {}: {}",
            e.line_in(content),
            e.problem
        ))
    })?;
    if root.name != kind {
        return Err(bad(format!(
            "the root element is <{}> but this file must hold <{kind}>",
            root.name
        )));
    }
    let name = name.to_string();
    Ok(match kind {
        "NamedCredential" => Component::Named(named(&root, name).map_err(bad)?),
        "ExternalCredential" => Component::External(external(&root, name).map_err(bad)?),
        "PermissionSet" => Component::PermissionSet(PermissionSetMeta {
            principal_accesses: permission_set_accesses(&root).map_err(bad)?,
            name,
        }),
        _ => {
            check_spelling(&root, "RemoteSiteSetting", REMOTE_SITE).map_err(bad)?;
            Component::RemoteSite(RemoteSite {
                url: text(&root, "url")
                    .ok_or_else(|| bad("a Remote Site Setting needs a <url>".into()))?,
                active: flag(&root, "isActive", true),
                disable_protocol_security: flag(&root, "disableProtocolSecurity", false),
                name,
            })
        }
    })
}

/// The External Credential principals a permission set enables.
fn permission_set_accesses(root: &Element) -> Result<Vec<String>, String> {
    for a in root.children_named("externalCredentialPrincipalAccesses") {
        check_spelling(
            a,
            "PermissionSetExternalCredentialPrincipalAccess",
            PRINCIPAL_ACCESS,
        )?;
    }
    Ok(root
        .children_named("externalCredentialPrincipalAccesses")
        .filter(|a| flag(a, "enabled", false))
        .filter_map(|a| text(a, "externalCredentialPrincipal"))
        .collect())
}

/// The elements of each metadata type (and of its parameter elements) as the Metadata API
/// documents them — the ones sflab reads and the ones it accepts and leaves alone.
const NAMED_CREDENTIAL: &[&str] = &[
    "allowMergeFieldsInBody",
    "allowMergeFieldsInHeader",
    "authProvider",
    "authTokenEndpointUrl",
    "awsAccessKey",
    "awsAccessSecret",
    "awsRegion",
    "awsService",
    "calloutStatus",
    "certificate",
    "description",
    "endpoint",
    "fullName",
    "generateAuthorizationHeader",
    "jwtAudience",
    "jwtFormulaSubject",
    "jwtIssuer",
    "jwtSigningCertificate",
    "jwtTextSubject",
    "jwtValidityPeriodSeconds",
    "label",
    "namedCredentialParameters",
    "namedCredentialType",
    "oauthRefreshToken",
    "oauthScope",
    "oauthToken",
    "outboundNetworkConnection",
    "password",
    "principalType",
    "privateConnection",
    "protocol",
    "username",
];
const NAMED_CREDENTIAL_PARAMETER: &[&str] = &[
    "certificate",
    "description",
    "externalCredential",
    "globalNamedPrincipalCredential",
    "managedFeatureEnabledCallout",
    "outboundNetworkConnection",
    "parameterName",
    "parameterType",
    "parameterValue",
    "readOnlyNamedCredential",
    "sequenceNumber",
    "systemUserNamedCredential",
];
const EXTERNAL_CREDENTIAL: &[&str] = &[
    "authenticationProtocol",
    "description",
    "externalCredentialParameters",
    "fullName",
    "label",
];
const EXTERNAL_CREDENTIAL_PARAMETER: &[&str] = &[
    "authProvider",
    "certificate",
    "description",
    "externalAuthIdentityProvider",
    "parameterGroup",
    "parameterName",
    "parameterType",
    "parameterValue",
    "sequenceNumber",
];
const REMOTE_SITE: &[&str] = &[
    "description",
    "disableProtocolSecurity",
    "fullName",
    "isActive",
    "url",
];
const PRINCIPAL_ACCESS: &[&str] = &["enabled", "externalCredentialPrincipal"];

/// Refuses a child of `el` whose name is a near miss of one of `known` (`namedCredentialParamters`,
/// `Label`): the Metadata API refuses an element it does not know, where sflab would only
/// read past it and then report what it found missing. Names far from every known one are
/// left alone (sflab does not list every element of every type).
fn check_spelling(el: &Element, type_name: &str, known: &[&str]) -> Result<(), String> {
    for child in &el.children {
        if known.contains(&child.name.as_str()) {
            continue;
        }
        let near = known
            .iter()
            .filter(|k| {
                crate::suggest::distance(&child.name.to_lowercase(), &k.to_lowercase()) <= 2
            })
            .min_by_key(|k| crate::suggest::distance(&child.name, k));
        if let Some(meant) = near {
            return Err(format!(
                "Element {} invalid at this location in type {type_name}: did you mean <{meant}>? (element names are case-sensitive)",
                child.name
            ));
        }
    }
    Ok(())
}

fn named(root: &Element, name: String) -> Result<NamedCredential, String> {
    check_spelling(root, "NamedCredential", NAMED_CREDENTIAL)?;
    for p in root.children_named("namedCredentialParameters") {
        check_spelling(p, "NamedCredentialParameter", NAMED_CREDENTIAL_PARAMETER)?;
    }
    let label = text(root, "label").unwrap_or_else(|| name.clone());
    let kind = text(root, "namedCredentialType");
    let legacy_endpoint = text(root, "endpoint");
    if kind.as_deref() == Some("Legacy") || (kind.is_none() && legacy_endpoint.is_some()) {
        let url = legacy_endpoint.ok_or("a legacy Named Credential needs an <endpoint>")?;
        let protocol = text(root, "protocol").unwrap_or_else(|| "NoAuthentication".into());
        if protocol != "Password" && protocol != "NoAuthentication" {
            return Err(format!("legacy protocol '{protocol}' is not modelled; use Password or NoAuthentication, or the split model"));
        }
        return Ok(NamedCredential {
            name,
            label,
            url,
            external_credential: None,
            headers: Vec::new(),
            generate_authorization_header: flag(root, "generateAuthorizationHeader", true),
            legacy: Some(LegacyAuth {
                protocol,
                username: text(root, "username"),
                password: text(root, "password"),
            }),
        });
    }
    let mut url = None;
    let mut ext = None;
    let mut headers = Vec::new();
    for p in root.children_named("namedCredentialParameters") {
        match p.child_text("parameterType") {
            Some("Url") => url = text(p, "parameterValue"),
            Some("Authentication") => ext = text(p, "externalCredential"),
            Some("HttpHeader") => {
                let n = text(p, "parameterName")
                    .ok_or("an HttpHeader parameter needs a <parameterName>")?;
                headers.push((
                    sequence_number(p),
                    (n, text(p, "parameterValue").unwrap_or_default()),
                ));
            }
            _ => {}
        }
    }
    Ok(NamedCredential {
        name,
        label,
        url: url.ok_or("the Named Credential has no Url parameter")?,
        external_credential: Some(ext.ok_or(
            "the Named Credential names no External Credential (an Authentication parameter)",
        )?),
        headers: in_sequence(headers),
        generate_authorization_header: flag(root, "generateAuthorizationHeader", true),
        legacy: None,
    })
}

/// A parameter's `<sequenceNumber>`, if it has one.
fn sequence_number(p: &Element) -> Option<u32> {
    p.child_text("sequenceNumber")
        .and_then(|s| s.trim().parse().ok())
}

/// Custom headers in the order they are sent: by sequence number, as Setup's "Custom Headers"
/// orders them; those without one after the numbered ones, in file order.
fn in_sequence(mut headers: Vec<(Option<u32>, (String, String))>) -> Vec<(String, String)> {
    headers.sort_by_key(|(n, _)| n.unwrap_or(u32::MAX));
    headers.into_iter().map(|(_, h)| h).collect()
}

/// The `AuthProtocolVariant` values of an `Oauth` External Credential, as the Connect API
/// reference lists them (`ConnectApi.CredentialAuthenticationProtocolVariant`); sflab models
/// `ClientCredentialsClientSecret` only.
const OAUTH_VARIANTS: [&str; 4] = [
    "ClientCredentialsClientSecret",
    "ClientCredentialsClientSecretBasic",
    "ClientCredentialsJwtAssertion",
    "JwtBearer",
];

/// Why an `Oauth` External Credential without an `AuthProtocolVariant` is refused. Without a
/// variant a real org runs the browser flow: a person signs in through the Auth Provider the
/// credential names (an `AuthProvider` parameter), and the org keeps that person's tokens. It
/// is no client credentials flow, so a credential written for one must not work as one.
/// [U] The exact text a real deploy gives is not recorded; sflab, which does not model the
/// browser flow, refuses it either way and says what to add.
fn oauth_without_variant(has_auth_provider: bool) -> String {
    let add = "For client credentials add the parameter <externalCredentialParameters><parameterName>Oauth</parameterName><parameterType>AuthProtocolVariant</parameterType><parameterValue>ClientCredentialsClientSecret</parameterValue></externalCredentialParameters>";
    if has_auth_provider {
        format!("an Oauth External Credential with no AuthProtocolVariant parameter uses the browser flow (a person signs in through its Auth Provider), which sflab's mock org does not model. {add}.")
    } else {
        format!("an Oauth External Credential with no AuthProtocolVariant parameter uses the browser flow, which needs an AuthProvider parameter (the Auth Provider a person signs in through); it is not client credentials. {add}.")
    }
}

fn external(root: &Element, name: String) -> Result<ExternalCredential, String> {
    check_spelling(root, "ExternalCredential", EXTERNAL_CREDENTIAL)?;
    for p in root.children_named("externalCredentialParameters") {
        check_spelling(
            p,
            "ExternalCredentialParameter",
            EXTERNAL_CREDENTIAL_PARAMETER,
        )?;
    }
    let label = text(root, "label").unwrap_or_else(|| name.clone());
    let raw = text(root, "authenticationProtocol")
        .ok_or("an External Credential needs an <authenticationProtocol>")?;
    let mut variant = None;
    let mut token_url = None;
    let mut scope = None;
    let mut jwt_claims = Vec::new();
    let mut principals = Vec::new();
    let mut headers = Vec::new();
    let mut has_auth_provider = false;
    for p in root.children_named("externalCredentialParameters") {
        let pname = text(p, "parameterName").unwrap_or_default();
        let value = text(p, "parameterValue");
        match p.child_text("parameterType") {
            Some("AuthProtocolVariant") => variant = value,
            Some("AuthProviderUrl") => token_url = value,
            Some("AuthProvider") => has_auth_provider = true,
            Some("AuthParameter") if pname == "Scope" => scope = value,
            Some("JwtBodyClaim") => jwt_claims.push((pname, value.unwrap_or_default())),
            Some("AuthHeader") if !pname.is_empty() => {
                headers.push((sequence_number(p), (pname, value.unwrap_or_default())))
            }
            Some(t @ ("NamedPrincipal" | "PerUserPrincipal")) => principals.push(Principal {
                name: pname,
                per_user: t == "PerUserPrincipal",
                sequence: p
                    .child_text("sequenceNumber")
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(1),
            }),
            _ => {}
        }
    }
    let protocol = match (raw.as_str(), variant.as_deref()) {
        ("Oauth", Some("ClientCredentialsClientSecret")) => Protocol::OauthClientCredentials,
        ("Oauth", None) => return Err(oauth_without_variant(has_auth_provider)),
        ("Oauth", Some(v)) if OAUTH_VARIANTS.contains(&v) => return Err(format!("OAuth variant '{v}' is not modelled by sflab's mock org; use ClientCredentialsClientSecret (client credentials with a client secret)")),
        ("Oauth", Some(v)) => return Err(format!("'{v}' is not an OAuth variant (AuthProtocolVariant): the variants are {} (variant names are case-sensitive); client credentials with a client secret is ClientCredentialsClientSecret", OAUTH_VARIANTS.join(", "))),
        ("Jwt", _) => Protocol::Jwt,
        ("Basic", _) => Protocol::Basic,
        ("Custom", _) => Protocol::Custom,
        ("NoAuthentication", _) => Protocol::NoAuthentication,
        (other, _) => return Err(format!("authentication protocol '{other}' is not modelled; use Oauth, Jwt, Basic, Custom or NoAuthentication")),
    };
    if protocol == Protocol::OauthClientCredentials && token_url.is_none() {
        return Err(
            "OAuth client credentials need an AuthProviderUrl parameter (the token endpoint)"
                .into(),
        );
    }
    if principals.is_empty() && protocol != Protocol::NoAuthentication {
        return Err("the External Credential has no principal (a NamedPrincipal parameter)".into());
    }
    principals.sort_by_key(|p| p.sequence);
    Ok(ExternalCredential {
        name,
        label,
        protocol,
        token_url,
        scope,
        jwt_claims,
        principals,
        headers: in_sequence(headers),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub const ERP_NC: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<NamedCredential xmlns="http://soap.sforce.com/2006/04/metadata">
    <generateAuthorizationHeader>true</generateAuthorizationHeader>
    <label>ERP</label>
    <namedCredentialParameters><parameterName>Url</parameterName><parameterType>Url</parameterType><parameterValue>https://mock.sflab.internal/ext/erp</parameterValue></namedCredentialParameters>
    <namedCredentialParameters><externalCredential>ERP_Auth</externalCredential><parameterName>ExternalCredential</parameterName><parameterType>Authentication</parameterType></namedCredentialParameters>
    <namedCredentialType>SecuredEndpoint</namedCredentialType>
</NamedCredential>"#;

    #[test]
    fn split_model_named_credential_names_url_and_external_credential() {
        let Component::Named(nc) = parse_component("ERP.namedCredential-meta.xml", ERP_NC).unwrap()
        else {
            panic!()
        };
        assert_eq!(nc.name, "ERP");
        assert_eq!(nc.url, "https://mock.sflab.internal/ext/erp");
        assert_eq!(nc.external_credential.as_deref(), Some("ERP_Auth"));
        assert!(nc.legacy.is_none());
    }

    #[test]
    fn legacy_named_credentials_carry_their_own_auth() {
        let x = "<NamedCredential><endpoint>https://x.example</endpoint><label>X</label><principalType>NamedUser</principalType><protocol>Password</protocol><username>u</username><password>p</password></NamedCredential>";
        let Component::Named(nc) = parse_component("X.namedCredential-meta.xml", x).unwrap() else {
            panic!()
        };
        assert_eq!(nc.legacy.unwrap().username.as_deref(), Some("u"));
    }

    #[test]
    fn external_credential_without_token_url_is_refused_with_the_reason() {
        let x = "<ExternalCredential><authenticationProtocol>Oauth</authenticationProtocol><externalCredentialParameters><parameterName>Oauth</parameterName><parameterType>AuthProtocolVariant</parameterType><parameterValue>ClientCredentialsClientSecret</parameterValue></externalCredentialParameters><externalCredentialParameters><parameterName>P</parameterName><parameterType>NamedPrincipal</parameterType></externalCredentialParameters></ExternalCredential>";
        let e = parse_component("E.externalCredential-meta.xml", x).unwrap_err();
        assert!(e.problem.contains("AuthProviderUrl"), "{e}");
    }

    const ERP_AUTH_TAIL: &str = "<externalCredentialParameters><parameterName>AuthProviderUrl</parameterName><parameterType>AuthProviderUrl</parameterType><parameterValue>https://mock.sflab.internal/ext/erp/oauth/token</parameterValue></externalCredentialParameters><externalCredentialParameters><parameterName>Warehouse</parameterName><parameterType>NamedPrincipal</parameterType></externalCredentialParameters></ExternalCredential>";

    fn oauth_credential(variant: Option<&str>) -> String {
        let variant = variant.map_or(String::new(), |v| format!("<externalCredentialParameters><parameterName>Oauth</parameterName><parameterType>AuthProtocolVariant</parameterType><parameterValue>{v}</parameterValue></externalCredentialParameters>"));
        format!("<ExternalCredential><authenticationProtocol>Oauth</authenticationProtocol>{variant}{ERP_AUTH_TAIL}")
    }

    #[test]
    fn an_oauth_credential_with_the_client_secret_variant_is_client_credentials() {
        let x = oauth_credential(Some("ClientCredentialsClientSecret"));
        let Component::External(e) =
            parse_component("ERP_Auth.externalCredential-meta.xml", &x).unwrap()
        else {
            panic!()
        };
        assert_eq!(e.protocol, Protocol::OauthClientCredentials);
    }

    #[test]
    fn an_oauth_credential_without_a_variant_is_the_browser_flow_and_refused() {
        let e = parse_component(
            "ERP_Auth.externalCredential-meta.xml",
            &oauth_credential(None),
        )
        .unwrap_err();
        assert!(
            e.problem
                .contains("no AuthProtocolVariant parameter uses the browser flow"),
            "{e}"
        );
        assert!(e.problem.contains("needs an AuthProvider parameter"), "{e}");
        assert!(
            e.problem
                .contains("<parameterValue>ClientCredentialsClientSecret</parameterValue>"),
            "{e}"
        );
        let with_provider = oauth_credential(None).replace(
            "<authenticationProtocol>Oauth</authenticationProtocol>",
            "<authenticationProtocol>Oauth</authenticationProtocol><externalCredentialParameters><authProvider>ErpLogin</authProvider><parameterName>AuthProvider</parameterName><parameterType>AuthProvider</parameterType></externalCredentialParameters>",
        );
        let e =
            parse_component("ERP_Auth.externalCredential-meta.xml", &with_provider).unwrap_err();
        assert!(e.problem.contains("does not model"), "{e}");
    }

    #[test]
    fn an_unknown_oauth_variant_is_told_the_known_ones() {
        let e = parse_component(
            "ERP_Auth.externalCredential-meta.xml",
            &oauth_credential(Some("ClientCredentials")),
        )
        .unwrap_err();
        assert!(
            e.problem
                .contains("'ClientCredentials' is not an OAuth variant"),
            "{e}"
        );
        assert!(e.problem.contains("ClientCredentialsClientSecret"), "{e}");
        let e = parse_component(
            "ERP_Auth.externalCredential-meta.xml",
            &oauth_credential(Some("JwtBearer")),
        )
        .unwrap_err();
        assert!(e.problem.contains("'JwtBearer' is not modelled"), "{e}");
    }

    #[test]
    fn permission_sets_keep_enabled_principal_accesses_only() {
        let x = "<PermissionSet><externalCredentialPrincipalAccesses><enabled>true</enabled><externalCredentialPrincipal>ERP_Auth-Main</externalCredentialPrincipal></externalCredentialPrincipalAccesses><externalCredentialPrincipalAccesses><enabled>false</enabled><externalCredentialPrincipal>ERP_Auth-Other</externalCredentialPrincipal></externalCredentialPrincipalAccesses></PermissionSet>";
        let Component::PermissionSet(p) =
            parse_component("ERP_Access.permissionset-meta.xml", x).unwrap()
        else {
            panic!()
        };
        assert_eq!(p.principal_accesses, ["ERP_Auth-Main"]);
    }

    #[test]
    fn wrong_root_and_unknown_suffix_are_errors() {
        assert!(parse_component("A.namedCredential-meta.xml", "<ExternalCredential/>").is_err());
        assert!(parse_component("A.object-meta.xml", "<CustomObject/>").is_err());
    }

    #[test]
    fn broken_xml_is_placed_by_its_line_and_called_a_file() {
        let x = "<NamedCredential>\n  <label>ERP</label>\n  <namedCredentialParameters>\n    <parameterValue>https://x</parameterType>\n</NamedCredential>";
        let e = parse_component("ERP.namedCredential-meta.xml", x).unwrap_err();
        assert!(
            e.problem.starts_with("not well-formed XML at line 4:"),
            "{e}"
        );
        assert!(!e.to_string().contains("request body"), "{e}");
    }

    #[test]
    fn a_misspelled_element_is_named_with_the_one_meant() {
        let x = ERP_NC.replace("namedCredentialParameters", "namedCredentialParamters");
        let e = parse_component("ERP.namedCredential-meta.xml", &x).unwrap_err();
        assert!(
            e.problem.contains(
                "Element namedCredentialParamters invalid at this location in type NamedCredential"
            ) && e.problem.contains("<namedCredentialParameters>"),
            "{e}"
        );
        let x = ERP_NC.replace("<label>ERP</label>", "<Label>ERP</Label>");
        let e = parse_component("ERP.namedCredential-meta.xml", &x).unwrap_err();
        assert!(e.problem.contains("did you mean <label>?"), "{e}");
        // A documented element sflab does not read, and a name far from any, are let be.
        let x = ERP_NC.replace(
            "<label>ERP</label>",
            "<label>ERP</label><allowMergeFieldsInHeader>true</allowMergeFieldsInHeader><somethingElseEntirely>x</somethingElseEntirely>",
        );
        assert!(parse_component("ERP.namedCredential-meta.xml", &x).is_ok());
    }

    #[test]
    fn an_xml_file_named_almost_right_is_told_its_right_name() {
        assert_eq!(
            why_not_deployed("ERP.namedCredential.xml"),
            "ERP.namedCredential.xml (not read as callout metadata: name it ERP.namedCredential-meta.xml, as the sfdx source format does)"
        );
        assert!(why_not_deployed("ERP.NamedCredential-meta.xml")
            .contains("name it ERP.namedCredential-meta.xml"));
        assert!(why_not_deployed("Svc.cls-meta.xml").contains("sflab deploys only"));
    }
}
