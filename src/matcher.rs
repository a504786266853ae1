//! Request patterns shared by fault injection (`proxy`) and rules (`rules`): method, path glob,
//! query parameters, form parameters of the body, a header and a body substring.
//!
//! Path globs work on `/`-separated segments: `*` matches exactly one segment, `**` any number
//! of segments (including none), and `*` inside a segment matches any run of characters within
//! it (`v*.0`). Paths are compared percent-decoded, without a trailing slash and ignoring ASCII
//! case, since clients differ on all three (`/query/?q=` vs `/query?q=`, `/sobjects/account`:
//! Salesforce takes API names in any case).
//!
//! The REST query resource is one resource under two names: `…/queryAll` runs the same SOQL as
//! `…/query` (adding deleted and archived rows), so a path reads `queryAll` as `query` (see
//! [`resource_segments`]). A budget, a "sent once" or a "never retried" over the query then
//! counts the query whichever name it went to, and a fault on the query is not dodged by
//! sending it to `queryAll`.

use crate::evidence::Exchange;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a request must look like; every field given must match, absent fields match anything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestPattern {
    /// HTTP method, case-insensitive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// A path glob, e.g. `/services/data/*/sobjects/Account/**`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Query parameters that must be present; each value must appear in the decoded parameter,
    /// ignoring ASCII case as SOQL and API names do, and reading any run of whitespace as one
    /// space, as SOQL does (`FROM   Account` and a query over several lines hold
    /// `FROM Account`). An empty value only asks for the parameter to be there.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query: BTreeMap<String, String>,
    /// Form parameters the body (`application/x-www-form-urlencoded`) must carry, read as
    /// `query` reads the query string: decoded, each value a part of the parameter ignoring
    /// ASCII case. `grant_type: device` matches both `grant_type=device` and the percent-encoded
    /// `grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code`, where a body
    /// substring would have to spell out every encoding.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub form: BTreeMap<String, String>,
    /// `Name` (the header is present) or `Name: text` (its value contains the text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// Text the request body must contain.
    #[serde(
        default,
        alias = "body",
        rename = "body_contains",
        skip_serializing_if = "Option::is_none"
    )]
    pub body_contains: Option<String>,
}

/// The HTTP methods a pattern's `method` may name (in any case, as [`RequestPattern::matches`]
/// compares them).
/// The methods a pattern may name: the usual ones, and QUERY (the IETF draft's safe,
/// idempotent method with a body, which a lab teaches).
pub const HTTP_METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "QUERY",
];

/// The keys a [`RequestPattern`] reads, for specs that embed one among other parameters.
pub const PATTERN_KEYS: &[&str] = &[
    "method",
    "path",
    "query",
    "form",
    "header",
    "body_contains",
    "body",
];

/// A request seen from the outside, as both the proxy and the recorded evidence can offer it.
pub struct RequestView<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub header: &'a dyn Fn(&str) -> Option<String>,
    pub body: &'a str,
}

impl RequestPattern {
    /// The pattern's `method` when it names no HTTP method (a typo such as `GTE` would never
    /// match a request).
    pub fn unknown_method(&self) -> Option<&str> {
        self.method
            .as_deref()
            .filter(|m| !HTTP_METHODS.iter().any(|h| h.eq_ignore_ascii_case(m)))
    }

    pub fn matches(&self, req: &RequestView<'_>) -> bool {
        if let Some(m) = &self.method {
            if !m.eq_ignore_ascii_case(req.method) {
                return false;
            }
        }
        if let Some(glob) = &self.path {
            if !path_matches(glob, req.path) {
                return false;
            }
        }
        let query = req.query.unwrap_or_default();
        if !self.query.iter().all(|(n, w)| has_param(query, n, w))
            || !self.form.iter().all(|(n, w)| has_param(req.body, n, w))
        {
            return false;
        }
        if let Some(h) = &self.header {
            let (name, want) = match h.split_once(':') {
                Some((n, v)) => (n.trim(), Some(v.trim())),
                None => (h.trim(), None),
            };
            match ((req.header)(name), want) {
                (None, _) => return false,
                (Some(v), Some(w)) if !v.contains(w) => return false,
                _ => {}
            }
        }
        if let Some(text) = &self.body_contains {
            if !req.body.contains(text.as_str()) {
                return false;
            }
        }
        true
    }

    /// Whether a recorded exchange's request matches.
    pub fn matches_exchange(&self, e: &Exchange) -> bool {
        let lookup = |name: &str| e.request_header(name).map(str::to_string);
        self.matches(&RequestView {
            method: e.effective_method(),
            path: &e.request.path,
            query: e.request.query.as_deref(),
            header: &lookup,
            body: &e.request.body.text,
        })
    }

    /// A short description for messages: `PATCH /services/data/*/sobjects/Account/**`.
    pub fn describe(&self) -> String {
        let mut out = format!(
            "{} {}",
            self.method.as_deref().unwrap_or("any method"),
            self.path.as_deref().unwrap_or("any path")
        );
        for (k, v) in &self.query {
            // The value is matched as a part of the parameter, ignoring case.
            if v.is_empty() {
                out.push_str(&format!(" with a `{k}` parameter"));
            } else {
                out.push_str(&format!(" with `{k}` containing \"{v}\""));
            }
        }
        for (k, v) in &self.form {
            out.push_str(&format!(" with form field `{k}` containing \"{v}\""));
        }
        if let Some(h) = &self.header {
            out.push_str(&format!(" with header {h}"));
        }
        if let Some(b) = &self.body_contains {
            out.push_str(&format!(" with a body containing \"{b}\""));
        }
        out
    }
}

/// Whether the urlencoded `params` (a query string or a form body) hold `name`, its first
/// occurrence with `want` in the decoded value, ignoring ASCII case and comparing runs of
/// whitespace as one space on both sides (an empty `want` only asks for the parameter).
fn has_param(params: &str, name: &str, want: &str) -> bool {
    form_urlencoded::parse(params.as_bytes())
        .find(|(k, _)| k == name)
        .is_some_and(|(_, v)| {
            contains_ignore_ascii_case(&collapse_whitespace(&v), &collapse_whitespace(want))
        })
}

/// `text` with every run of whitespace (spaces, tabs, line breaks) read as one space: SOQL
/// separates its words by any whitespace, so a formatted query over several lines says the
/// same as the one-line form a pattern names.
fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    needle.is_empty()
        || haystack
            .as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// The segments of `path` (a path or a glob) as the resource it addresses: percent-decoded,
/// without empty segments (so without a trailing slash), and with the REST query resource read
/// under one name: `/services/data/v62.0/queryAll/…` is `/services/data/v62.0/query/…`.
pub fn resource_segments(path: &str) -> Vec<String> {
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let mut segments: Vec<String> = decoded
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if let [services, data, _, resource, ..] = segments.as_mut_slice() {
        if services.eq_ignore_ascii_case("services")
            && data.eq_ignore_ascii_case("data")
            && resource.eq_ignore_ascii_case("queryAll")
        {
            *resource = "query".to_string();
        }
    }
    segments
}

/// Whether two request paths address the same resource (see [`resource_segments`]).
pub fn same_resource(a: &str, b: &str) -> bool {
    resource_segments(a) == resource_segments(b)
}

fn normalise(path: &str) -> Vec<String> {
    resource_segments(path)
}

/// Whether `path` matches the segment glob `glob`.
pub fn path_matches(glob: &str, path: &str) -> bool {
    let g = normalise(glob);
    let p = normalise(path.split('?').next().unwrap_or(path));
    let g: Vec<&str> = g.iter().map(String::as_str).collect();
    let p: Vec<&str> = p.iter().map(String::as_str).collect();
    segments_match(&g, &p)
}

fn segments_match(g: &[&str], p: &[&str]) -> bool {
    match g.first() {
        None => p.is_empty(),
        Some(&"**") => (0..=p.len()).any(|skip| segments_match(&g[1..], &p[skip..])),
        Some(seg) => match p.first() {
            Some(first) if segment_matches(seg, first) => segments_match(&g[1..], &p[1..]),
            _ => false,
        },
    }
}

/// `*` inside one segment matches any run of characters; letters match in either case.
fn segment_matches(pattern: &str, text: &str) -> bool {
    if !pattern.contains('*') {
        return pattern.eq_ignore_ascii_case(text);
    }
    let (pattern, text) = (pattern.to_ascii_lowercase(), text.to_ascii_lowercase());
    let (pattern, text) = (pattern.as_str(), text.as_str());
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(pos) => rest = &rest[pos + part.len()..],
                None => return false,
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_names_in_a_path_match_in_any_case() {
        assert!(path_matches(
            "/services/data/*/sobjects/Account",
            "/services/data/v62.0/sobjects/account"
        ));
        assert!(path_matches(
            "/services/data/v*.0/query",
            "/services/data/V62.0/Query"
        ));
        assert!(!path_matches(
            "/services/data/*/sobjects/Account",
            "/services/data/v62.0/sobjects/Contact"
        ));
    }

    #[test]
    fn star_matches_exactly_one_segment() {
        assert!(path_matches(
            "/services/data/*/sobjects/Account",
            "/services/data/v62.0/sobjects/Account/"
        ));
        assert!(!path_matches(
            "/services/data/*/sobjects",
            "/services/data/v62.0/x/sobjects"
        ));
    }

    #[test]
    fn double_star_matches_any_number_of_segments() {
        assert!(path_matches("/services/**", "/services/data/v62.0/query"));
        assert!(path_matches(
            "/services/data/**/query",
            "/services/data/query"
        ));
        assert!(!path_matches(
            "/services/**/query",
            "/services/data/v62.0/limits"
        ));
    }

    #[test]
    fn query_all_is_the_query_resource_under_another_name() {
        for path in [
            "/services/data/v62.0/queryAll",
            "/services/data/v62.0/queryall/",
            "/services/data/v62.0/query/",
        ] {
            assert!(path_matches("/services/data/*/query", path), "{path}");
        }
        assert!(!path_matches(
            "/services/data/*/query",
            "/services/data/v62.0/queryAll/01gxx0000000001-2000"
        ));
        assert!(!path_matches(
            "/services/data/*/query",
            "/services/data/v62.0/jobs/query"
        ));
        assert!(same_resource(
            "/services/data/v62.0/query/",
            "/services/data/v62.0/queryAll"
        ));
        assert!(!same_resource(
            "/services/data/v62.0/query",
            "/services/data/v62.0/search"
        ));
    }

    #[test]
    fn star_inside_a_segment_and_encoded_paths() {
        assert!(path_matches(
            "/services/data/v*.0/limits",
            "/services/data/v62.0/limits"
        ));
        assert!(path_matches(
            "/sobjects/Account/ERP_Id__c/A 1",
            "/sobjects/Account/ERP_Id__c/A%201"
        ));
    }

    #[test]
    fn a_query_parameter_reads_as_present_or_containing_a_value() {
        let p: RequestPattern = serde_yaml::from_str(
            "{ method: GET, path: /services/oauth2/authorize, query: { state: '' } }",
        )
        .expect("pattern");
        assert_eq!(
            p.describe(),
            "GET /services/oauth2/authorize with a `state` parameter"
        );
        let p: RequestPattern =
            serde_yaml::from_str("{ path: /q, query: { q: Contact } }").expect("pattern");
        assert_eq!(
            p.describe(),
            "any method /q with `q` containing \"Contact\""
        );
    }

    #[test]
    fn pattern_checks_method_query_header_and_body() {
        let p: RequestPattern = serde_yaml::from_str(
            "{ method: get, path: /q, query: { q: Account }, header: 'Accept: json', body: x }",
        )
        .expect("pattern");
        let hdr = |n: &str| (n == "Accept").then(|| "application/json".to_string());
        let mut view = RequestView {
            method: "GET",
            path: "/q/",
            query: Some("q=SELECT+Id+FROM+Account"),
            header: &hdr,
            body: "xyz",
        };
        assert!(p.matches(&view));
        view.body = "nothing";
        assert!(!p.matches(&view));
        view.body = "x";
        view.query = Some("q=SELECT+Id+FROM+Contact");
        assert!(!p.matches(&view));
        // SOQL is case-insensitive, and so is the match on a query parameter's value.
        view.query = Some("q=select+id+from+account");
        assert!(p.matches(&view));
    }

    #[test]
    fn a_query_parameter_matches_soql_laid_out_over_several_lines() {
        let p: RequestPattern =
            serde_yaml::from_str("{ path: /q, query: { q: 'FROM Account' } }").expect("pattern");
        let no_header = |_: &str| None;
        let query = |q| RequestView {
            method: "GET",
            path: "/q",
            query: Some(q),
            header: &no_header,
            body: "",
        };
        for q in [
            "q=SELECT+Name+FROM+++Account",
            "q=%0A++++SELECT+Name%0A++++FROM+++Account%0A++++ORDER++BY+Name",
            "q=SELECT%09Name%09FROM%09Account",
            "q=SELECT+Name+FROM%0D%0AAccount",
        ] {
            assert!(p.matches(&query(q)), "{q}");
        }
        assert!(!p.matches(&query("q=SELECT+Name+FROMAccount")));
        // The pattern's own spacing is read the same way.
        let p: RequestPattern =
            serde_yaml::from_str("{ path: /q, query: { q: \"FROM  Account\" } }").expect("pattern");
        assert!(p.matches(&query("q=SELECT+Name+FROM+Account")));
    }

    #[test]
    fn a_method_must_name_an_http_method_in_any_case() {
        let with = |m: &str| RequestPattern {
            method: Some(m.to_string()),
            ..RequestPattern::default()
        };
        for ok in [
            "GET", "post", "Put", "PATCH", "delete", "HEAD", "options", "QUERY",
        ] {
            assert_eq!(with(ok).unknown_method(), None, "{ok}");
        }
        assert_eq!(with("GTE").unknown_method(), Some("GTE"));
        assert_eq!(with("").unknown_method(), Some(""));
        assert_eq!(RequestPattern::default().unknown_method(), None);
    }

    #[test]
    fn a_form_field_matches_every_spelling_of_the_device_grant() {
        let p: RequestPattern = serde_yaml::from_str(
            "{ method: POST, path: /services/oauth2/token, form: { grant_type: device } }",
        )
        .expect("pattern");
        let no_header = |_: &str| None;
        let poll = |body| RequestView {
            method: "POST",
            path: "/services/oauth2/token",
            query: None,
            header: &no_header,
            body,
        };
        for body in [
            "grant_type=device&client_id=c&code=D1",
            "client_id=c&grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=D1",
            "grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=D1",
        ] {
            assert!(p.matches(&poll(body)), "{body}");
        }
        // The start of the login names the device only in another parameter.
        assert!(!p.matches(&poll("response_type=device_code&client_id=c&scope=api")));
        assert!(!p.matches(&poll("grant_type=refresh_token&note=device")));
        assert_eq!(
            p.describe(),
            "POST /services/oauth2/token with form field `grant_type` containing \"device\""
        );
    }

    #[test]
    fn unknown_pattern_keys_are_rejected() {
        let r: Result<RequestPattern, _> = serde_yaml::from_str("{ methd: GET }");
        assert!(r.is_err());
    }
}
