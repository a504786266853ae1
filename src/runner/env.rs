//! The environment a learner's process receives: where the org is (always the proxy), who to
//! be, and the CA bundle variables that curl, Python (requests, ssl), OpenSSL and Node honour.
//!
//! Pure: built from values, no IO. Inherited variables that would bend the traffic around the
//! proxy (`HTTPS_PROXY`, …) or smuggle in the learner's own org (`SF_*`) are removed.

use std::path::Path;

/// What the org hands the learner's code for one attempt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabCredentials {
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub username: Option<String>,
    /// A ready token, handed over only when the lab is not about getting one.
    pub access_token: Option<String>,
    /// A refresh token, for labs about refreshing.
    pub refresh_token: Option<String>,
}

/// The API version labs speak unless they say otherwise.
pub const API_VERSION: &str = "62.0";

/// Inherited variables always removed from the learner's environment.
pub const REMOVED: &[&str] = &[
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "SF_INSTANCE_URL",
    "SF_LOGIN_URL",
    "SF_ACCESS_TOKEN",
    "SF_REFRESH_TOKEN",
    "SF_CLIENT_ID",
    "SF_CLIENT_SECRET",
    "SF_USERNAME",
    "SF_PASSWORD",
    "SF_API_VERSION",
    "SF_CA_BUNDLE",
    "SFDX_ACCESS_TOKEN",
    "SF_TARGET_ORG",
];

/// The variables that point a client at the org's CA bundle: each tool reads its own
/// (httplib2, Google's Python clients, and gRPC among them).
pub const CA_BUNDLE_VARIABLES: [&str; 7] = [
    "SF_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "REQUESTS_CA_BUNDLE",
    "SSL_CERT_FILE",
    "NODE_EXTRA_CA_CERTS",
    "HTTPLIB2_CA_CERTS",
    "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH",
];

/// The variables set for the learner's process, in a stable order.
pub fn lab_environment(
    proxy_url: &str,
    ca_bundle: Option<&Path>,
    creds: &LabCredentials,
    hand_over_token: bool,
    extra: &std::collections::BTreeMap<String, String>,
) -> Vec<(String, String)> {
    let url = proxy_url.trim_end_matches('/').to_string();
    let mut env = vec![
        ("SF_INSTANCE_URL".to_string(), url.clone()),
        ("SF_LOGIN_URL".to_string(), url),
        ("SF_API_VERSION".to_string(), API_VERSION.to_string()),
        ("NO_PROXY".to_string(), "127.0.0.1,localhost".to_string()),
        ("no_proxy".to_string(), "127.0.0.1,localhost".to_string()),
    ];
    let mut put = |k: &str, v: &Option<String>| {
        if let Some(v) = v {
            env.push((k.to_string(), v.clone()));
        }
    };
    put("SF_CLIENT_ID", &creds.client_id);
    put("SF_CLIENT_SECRET", &creds.client_secret);
    put("SF_USERNAME", &creds.username);
    if hand_over_token {
        put("SF_ACCESS_TOKEN", &creds.access_token);
    }
    put("SF_REFRESH_TOKEN", &creds.refresh_token);
    if let Some(ca) = ca_bundle {
        let ca = ca.display().to_string();
        for k in CA_BUNDLE_VARIABLES {
            env.push((k.to_string(), ca.clone()));
        }
    }
    for (k, v) in extra {
        env.retain(|(name, _)| name != k);
        env.push((k.clone(), v.clone()));
    }
    env
}

/// Adds what the org serves beside its REST API to the variables an attempt sets over the
/// defaults: `SF_PUBSUB_ENDPOINT` (the Pub/Sub API's `host:port`) and `SF_ORG_ID` (its
/// `tenantid`), each where the org has one. A value the lab's own `run.env` sets is kept.
/// The runner passes the live values, the lab brief placeholders: both list the same names.
pub fn add_org_services(
    extra: &mut std::collections::BTreeMap<String, String>,
    pubsub_endpoint: Option<String>,
    org_id: Option<String>,
) {
    for (k, v) in pubsub_endpoint
        .map(|e| ("SF_PUBSUB_ENDPOINT", e))
        .into_iter()
        .chain(org_id.map(|id| ("SF_ORG_ID", id)))
    {
        extra.entry(k.to_string()).or_insert(v);
    }
}

/// The environment as the lab brief shows it: secrets masked. A variable is a secret when its
/// name says so, by the same test the redactor applies to what a run prints
/// ([`crate::redact::names_a_secret`]: `…_SECRET`, `…_TOKEN`, `…_PASSWORD`, `…_API_KEY`…), so
/// the brief never shows a value that the run's transcript would hide.
pub fn masked(env: &[(String, String)]) -> Vec<(String, String)> {
    env.iter()
        .map(|(k, v)| {
            let shown = if crate::redact::names_a_secret(k) {
                "••••••".to_string()
            } else {
                v.clone()
            };
            (k.clone(), shown)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn creds() -> LabCredentials {
        LabCredentials {
            client_id: Some("3MVG9lab".into()),
            client_secret: Some("s3cr3t-value".into()),
            username: Some("integration@lab.example".into()),
            access_token: Some("00Dlab!token".into()),
            refresh_token: None,
        }
    }

    fn get<'a>(env: &'a [(String, String)], k: &str) -> Option<&'a str> {
        env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }

    #[test]
    fn the_org_is_always_the_proxy_and_every_ca_variable_points_at_the_bundle() {
        let env = lab_environment(
            "https://127.0.0.1:4000/",
            Some(Path::new("/ws/.sflab/ca.pem")),
            &creds(),
            true,
            &BTreeMap::new(),
        );
        assert_eq!(get(&env, "SF_INSTANCE_URL"), Some("https://127.0.0.1:4000"));
        assert_eq!(get(&env, "SF_LOGIN_URL"), Some("https://127.0.0.1:4000"));
        for k in [
            "CURL_CA_BUNDLE",
            "REQUESTS_CA_BUNDLE",
            "SSL_CERT_FILE",
            "NODE_EXTRA_CA_CERTS",
            // httplib2 (Google's Python clients) and gRPC read their own variables.
            "HTTPLIB2_CA_CERTS",
            "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH",
        ] {
            assert_eq!(get(&env, k), Some("/ws/.sflab/ca.pem"), "{k}");
        }
        assert_eq!(get(&env, "SF_ACCESS_TOKEN"), Some("00Dlab!token"));
    }

    #[test]
    fn an_auth_lab_gets_no_ready_token() {
        let env = lab_environment(
            "http://127.0.0.1:1",
            None,
            &creds(),
            false,
            &BTreeMap::new(),
        );
        assert_eq!(get(&env, "SF_ACCESS_TOKEN"), None);
        assert_eq!(get(&env, "SF_CLIENT_SECRET"), Some("s3cr3t-value"));
        assert_eq!(
            get(&env, "CURL_CA_BUNDLE"),
            None,
            "plain HTTP needs no bundle"
        );
    }

    #[test]
    fn the_pub_sub_endpoint_and_org_id_are_added_unless_the_lab_sets_its_own() {
        let mut extra = BTreeMap::new();
        extra.insert("SF_ORG_ID".to_string(), "00Dlab".to_string());
        add_org_services(
            &mut extra,
            Some("127.0.0.1:7443".into()),
            Some("00D000000000001AAA".into()),
        );
        let env = lab_environment("http://x", None, &creds(), true, &extra);
        assert_eq!(get(&env, "SF_PUBSUB_ENDPOINT"), Some("127.0.0.1:7443"));
        assert_eq!(get(&env, "SF_ORG_ID"), Some("00Dlab"));
    }

    #[test]
    fn lab_variables_override_defaults_and_secrets_are_masked_for_display() {
        let mut extra = BTreeMap::new();
        extra.insert("SF_API_VERSION".to_string(), "60.0".to_string());
        let env = lab_environment("http://x", None, &creds(), true, &extra);
        assert_eq!(get(&env, "SF_API_VERSION"), Some("60.0"));
        let shown = masked(&env);
        assert_eq!(get(&shown, "SF_CLIENT_SECRET"), Some("••••••"));
        assert_eq!(get(&shown, "SF_ACCESS_TOKEN"), Some("••••••"));
        assert_eq!(get(&shown, "SF_USERNAME"), Some("integration@lab.example"));
    }

    #[test]
    fn every_variable_the_redactor_treats_as_secret_is_masked_for_display() {
        let mut extra = BTreeMap::new();
        for (k, v) in [
            ("INVENTORY_API_KEY", "inv-7f3a-demo-key"),
            ("WEATHER_API_KEY", "wx-demo-key"),
            ("COURIER_PASSWORD", "courier-pw"),
            ("ERP_CLIENT_SECRET", "erp-demo-secret"),
            ("SIGNING_KEY", "-----BEGIN PRIVATE KEY-----"),
            ("ERP_TOKEN_URL", "https://erp.example/oauth/token"),
        ] {
            extra.insert(k.to_string(), v.to_string());
        }
        let env = lab_environment("http://x", None, &creds(), true, &extra);
        let shown = masked(&env);
        for (k, _) in &env {
            let hidden = get(&shown, k) == Some("••••••");
            assert_eq!(hidden, crate::redact::names_a_secret(k), "{k}");
        }
        assert_eq!(get(&shown, "INVENTORY_API_KEY"), Some("••••••"));
        assert_eq!(get(&shown, "WEATHER_API_KEY"), Some("••••••"));
        assert_eq!(
            get(&shown, "ERP_TOKEN_URL"),
            Some("https://erp.example/oauth/token")
        );
    }
}
