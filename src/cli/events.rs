//! The events part of `sflab org serve`: the connection variables event clients need.

use crate::org::Org;

/// Adds the Pub/Sub endpoint (`host:port`) and the org id (Pub/Sub's `tenantid`).
pub fn add_event_env(env: &mut Vec<(&'static str, String)>, org: &Org, pubsub_endpoint: &str) {
    env.push(("SF_PUBSUB_ENDPOINT", pubsub_endpoint.to_string()));
    env.push(("SF_ORG_ID", org.id.as_str().to_string()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_env_names_the_pubsub_endpoint_and_the_tenant() {
        let org = Org::default_org();
        let mut env = Vec::new();
        add_event_env(&mut env, &org, "127.0.0.1:7443");
        assert_eq!(env[0], ("SF_PUBSUB_ENDPOINT", "127.0.0.1:7443".to_string()));
        assert_eq!(env[1].1, org.id.as_str());
    }
}
