//! API versions: the list at `/services/data`, parsing `vXX.X` path segments, and the
//! resource map at `/services/data/vXX.X`.
//!
//! Every version is two-digit `NN.0`: the sf CLI takes the highest with a string comparison
//! and validates it with `^[1-9]\d\.0$`. v51.0 must always be served because the CLI's login
//! hard-codes it; the clients' defaults (50.0, 51.0, 59.0) are all inside the range.

use serde_json::{json, Map, Value};

/// The oldest version served.
pub const OLDEST: u32 = 31;
/// The oldest version that ever existed: 7.0 to 30.0 are retired (410 Gone).
pub const RETIRED_FROM: u32 = 7;
/// The newest version served (Summer '26): the newest the current reference documents
/// (sf-wire-contract.md §2.1). 68.0 is only a preview there, so it answers 404 as a version a
/// real org does not serve yet.
pub const NEWEST: u32 = 67;

/// A supported API version such as `62.0`, held as its major number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ApiVersion(pub u32);

impl ApiVersion {
    /// Parses a path segment `v62.0` (the `v` is required); `None` if it is not a served version.
    pub fn from_segment(segment: &str) -> Option<ApiVersion> {
        let rest = segment.strip_prefix('v')?;
        let (major, minor) = rest.split_once('.')?;
        if minor != "0" || major.len() != 2 || !major.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u32 = major.parse().ok()?;
        (OLDEST..=NEWEST).contains(&n).then_some(ApiVersion(n))
    }

    /// The major number of a path segment naming a version Salesforce has retired (`v7.0` to
    /// `v30.0`), which real orgs answer with 410 Gone.
    pub fn retired(segment: &str) -> Option<u32> {
        let (major, minor) = segment.strip_prefix('v')?.split_once('.')?;
        if minor != "0" || major.is_empty() || major.len() > 2 {
            return None;
        }
        let n: u32 = major.parse().ok()?;
        (RETIRED_FROM..OLDEST).contains(&n).then_some(n)
    }

    /// `62.0`
    pub fn number(self) -> String {
        format!("{}.0", self.0)
    }

    /// `/services/data/v62.0`
    pub fn base_path(self) -> String {
        format!("/services/data/v{}.0", self.0)
    }

    /// The release name, e.g. `Winter '25` for 62.0. Three releases a year since Winter '15 (32.0).
    pub fn label(self) -> String {
        let offset = self.0 as i64 - 32;
        let year = 15 + offset.div_euclid(3);
        let season = ["Winter", "Spring", "Summer"][offset.rem_euclid(3) as usize];
        format!("{season} '{year:02}")
    }
}

/// The body of `GET /services/data`: oldest first, as real orgs list them.
pub fn version_list() -> Value {
    Value::Array(
        (OLDEST..=NEWEST)
            .map(ApiVersion)
            .map(|v| json!({"label": v.label(), "url": v.base_path(), "version": v.number()}))
            .collect(),
    )
}

/// The body of `GET /services/data/vXX.X`: resource name → path; `identity` is absolute.
pub fn resource_map(version: ApiVersion, identity_url: &str) -> Value {
    let base = version.base_path();
    let mut map = Map::new();
    for name in [
        "tooling",
        "metadata",
        "folders",
        "tabs",
        "appMenu",
        "quickActions",
        "queryAll",
        "search",
        "identity",
        "composite",
        "parameterizedSearch",
        "theme",
        "event",
        "recent",
        "connect",
        "licensing",
        "limits",
        "process",
        "query",
        "jobs",
        "sobjects",
        "actions",
        "chatter",
    ] {
        if name == "jobs" && version.0 < crate::org::bulk::routes::INGEST_SINCE {
            continue;
        }
        let value = if name == "identity" {
            identity_url.to_string()
        } else {
            format!("{base}/{name}")
        };
        map.insert(name.to_string(), Value::String(value));
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_the_release_calendar() {
        assert_eq!(ApiVersion(62).label(), "Winter '25");
        assert_eq!(ApiVersion(66).label(), "Spring '26");
        assert_eq!(ApiVersion(67).label(), "Summer '26");
        assert_eq!(ApiVersion(31).label(), "Summer '14");
        assert_eq!(ApiVersion(59).label(), "Winter '24");
    }

    #[test]
    fn only_two_digit_served_versions_parse() {
        assert_eq!(ApiVersion::from_segment("v51.0"), Some(ApiVersion(51)));
        assert_eq!(ApiVersion::from_segment("v66.0"), Some(ApiVersion(66)));
        assert_eq!(ApiVersion::from_segment("v67.0"), Some(ApiVersion(67)));
        for bad in [
            "51.0", "v30.0", "v68.0", "v51.1", "v5.0", "vab.0", "v051.0", "v",
        ] {
            assert_eq!(ApiVersion::from_segment(bad), None, "{bad}");
        }
    }

    #[test]
    fn version_list_covers_the_clients_defaults_and_matches_the_cli_pattern() {
        let list = version_list();
        let versions: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["version"].as_str().unwrap())
            .collect();
        for needed in ["31.0", "50.0", "51.0", "59.0", "66.0", "67.0"] {
            assert!(versions.contains(&needed), "{needed}");
        }
        assert_eq!(versions.last(), Some(&"67.0"));
        assert!(versions.iter().all(|v| v.len() == 4 && v.ends_with(".0")));
        assert_eq!(list[0]["url"], "/services/data/v31.0");
    }

    #[test]
    fn resource_map_has_relative_paths_and_an_absolute_identity() {
        let m = resource_map(ApiVersion(59), "https://127.0.0.1:8443/id/00D/005");
        assert_eq!(m["sobjects"], "/services/data/v59.0/sobjects");
        assert_eq!(m["queryAll"], "/services/data/v59.0/queryAll");
        assert_eq!(m["identity"], "https://127.0.0.1:8443/id/00D/005");
    }

    #[test]
    fn bulk_jobs_are_listed_from_the_version_that_introduced_them() {
        let id = "https://127.0.0.1:8443/id/00D/005";
        assert!(resource_map(ApiVersion(40), id).get("jobs").is_none());
        assert_eq!(
            resource_map(ApiVersion(41), id)["jobs"],
            "/services/data/v41.0/jobs"
        );
    }
}
