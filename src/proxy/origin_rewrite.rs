//! Where the proxy puts its own address in place of the org's in an answer: only where the
//! org's address is protocol — the `Location` of a redirect, the `resource_metadata` of an MCP
//! 401's `WWW-Authenticate`, the URLs a sign-in hands out (`instance_url`, `id`, identity
//! `urls`, discovery endpoints, a device login's `verification_uri`), SOAP `login`'s `serverUrl` and `metadataServerUrl`, a WSDL's endpoint
//! and the REST version directory's `identity` — so a client that follows them stays on the
//! proxy and keeps being recorded. Record data is never touched: a Description that holds a
//! link to the org reads back as it was saved (oauth-strictness §3, "forward traffic
//! unchanged"), and code that writes records back saves what the org had.
//!
//! Implementation notes:
//! - What is protocol is decided by the request's path ([`Scope::of`]): the OAuth, identity
//!   and discovery endpoints, the WSDL downloads and the version directory carry no record
//!   data, so their whole text is rewritten; a SOAP call's body may carry records, so only the
//!   `serverUrl` / `metadataServerUrl` elements are.
//! - A compressed answer is inflated, rewritten and compressed again with its own coding, so
//!   the client still gets the compression it asked for; a coding the proxy cannot undo is
//!   passed on unchanged.

use super::coding::Coding;
use bytes::Bytes;

/// SOAP elements whose text is the org's address for later calls.
const SOAP_ADDRESS_ELEMENTS: &[&str] = &["serverUrl", "metadataServerUrl"];

/// What part of an answer carries the org's address as protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The whole text (no record data in it).
    Whole,
    /// Only the SOAP address elements.
    SoapAddresses,
    /// Nothing: the body is record data (or unknown), forwarded as the org sent it.
    Untouched,
}

impl Scope {
    fn of(path: &str) -> Scope {
        let whole_prefixes = [
            "/services/oauth2/",
            "/id/",
            "/.well-known/",
            "/services/wsdl/",
        ];
        if whole_prefixes.iter().any(|p| path.starts_with(p))
            || path == "/soap/wsdl.jsp"
            || is_version_directory(path)
        {
            Scope::Whole
        } else if path.starts_with("/services/Soap/") {
            Scope::SoapAddresses
        } else {
            Scope::Untouched
        }
    }
}

/// `/services/data/v62.0` (or with a trailing `/`): the list of resources, whose `identity` is
/// an absolute URL.
fn is_version_directory(path: &str) -> bool {
    let Some(version) = path.strip_prefix("/services/data/v") else {
        return false;
    };
    let version = version.strip_suffix('/').unwrap_or(version);
    !version.is_empty() && version.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// (org origin, proxy origin) pairs, e.g. `https://127.0.0.1:8443` → `https://127.0.0.1:51234`.
#[derive(Debug, Clone, Default)]
pub(super) struct OriginRewrite {
    pairs: Vec<(String, String)>,
}

impl OriginRewrite {
    pub(super) fn new(pairs: Vec<(String, String)>) -> OriginRewrite {
        OriginRewrite { pairs }
    }

    /// Whether a response header's value holds the org's address as protocol: a redirect's
    /// `Location`, `Content-Location`, and `WWW-Authenticate`, whose `resource_metadata` (MCP's
    /// 401) tells a client where to learn how to sign in.
    pub(super) fn is_address_header(name: &str) -> bool {
        ["location", "content-location", "www-authenticate"]
            .iter()
            .any(|h| name.eq_ignore_ascii_case(h))
    }

    /// A header value that is an address (see [`Self::is_address_header`]), pointed at the
    /// proxy.
    pub(super) fn text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (from, to) in &self.pairs {
            if out.contains(from.as_str()) {
                out = out.replace(from.as_str(), to);
            }
        }
        out
    }

    fn mentions_org(&self, text: &str) -> bool {
        self.pairs
            .iter()
            .any(|(from, _)| text.contains(from.as_str()))
    }

    /// The body of the org's answer to a request for `path`, with the org's address replaced
    /// where it is protocol; `limit` bounds inflating a compressed body.
    pub(super) fn body(
        &self,
        path: &str,
        content_type: Option<&str>,
        content_encoding: Option<&str>,
        body: Bytes,
        limit: usize,
    ) -> Bytes {
        let scope = Scope::of(path);
        if scope == Scope::Untouched || !is_textual(content_type) || body.is_empty() {
            return body;
        }
        let coding = match content_encoding.map(str::trim).filter(|e| !e.is_empty()) {
            None => None,
            Some(e) if e.eq_ignore_ascii_case("identity") => None,
            Some(e) => match Coding::of(Some(e)) {
                Some(c) => Some(c),
                None => return body,
            },
        };
        let plain = match coding {
            Some(c) => match c.decode(&body, limit) {
                Some(p) => p,
                None => return body,
            },
            None => body.to_vec(),
        };
        let Ok(text) = std::str::from_utf8(&plain) else {
            return body;
        };
        if !self.mentions_org(text) {
            return body;
        }
        let changed = match scope {
            Scope::Whole => self.text(text),
            Scope::SoapAddresses => self.in_elements(text, SOAP_ADDRESS_ELEMENTS),
            Scope::Untouched => return body,
        };
        if changed == text {
            return body;
        }
        match coding {
            Some(c) => c.encode(changed.as_bytes()).map_or(body, Bytes::from),
            None => Bytes::from(changed),
        }
    }

    /// `xml` with the org's address replaced in the text of the elements named `names` (with or
    /// without a namespace prefix), and nowhere else.
    fn in_elements(&self, xml: &str, names: &[&str]) -> String {
        let mut out = String::with_capacity(xml.len());
        let mut rest = xml;
        while let Some(lt) = rest.find('<') {
            let (before, tag_on) = rest.split_at(lt);
            out.push_str(before);
            let Some(gt) = tag_on.find('>') else {
                rest = tag_on;
                break;
            };
            let (tag, after) = tag_on.split_at(gt + 1);
            out.push_str(tag);
            rest = after;
            let name = &tag[1..tag.len() - 1];
            let local = name.rsplit(':').next().unwrap_or(name);
            if !name.starts_with('/') && names.contains(&local) {
                let end = rest.find('<').unwrap_or(rest.len());
                out.push_str(&self.text(&rest[..end]));
                rest = &rest[end..];
            }
        }
        out.push_str(rest);
        out
    }
}

fn is_textual(content_type: Option<&str>) -> bool {
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    ct.contains("json")
        || ct.contains("xml")
        || ct.starts_with("text/")
        || ct.contains("urlencoded")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORG: &str = "http://127.0.0.1:8443";
    const PROXY: &str = "https://127.0.0.1:5000";

    fn rewrite() -> OriginRewrite {
        OriginRewrite::new(vec![(ORG.into(), PROXY.into())])
    }

    fn body(path: &str, ct: &str, text: &str) -> String {
        let out = rewrite().body(path, Some(ct), None, Bytes::from(text.to_string()), 1 << 20);
        String::from_utf8(out.to_vec()).unwrap()
    }

    #[test]
    fn record_data_that_holds_the_orgs_address_is_forwarded_unchanged() {
        let record = format!(r#"{{"Id":"001","Description":"{ORG}/x"}}"#);
        for path in [
            "/services/data/v62.0/sobjects/Account/001",
            "/services/data/v62.0/query",
            "/services/data/v62.0/composite",
            "/services/data/v62.0/jobs/query/750/results",
            "/services/apexrest/orders",
        ] {
            assert_eq!(body(path, "application/json", &record), record, "{path}");
        }
    }

    #[test]
    fn a_challenges_resource_metadata_points_at_the_proxy() {
        assert!(OriginRewrite::is_address_header("WWW-Authenticate"));
        assert!(OriginRewrite::is_address_header("location"));
        assert!(!OriginRewrite::is_address_header("content-type"));
        let rewrite = OriginRewrite::new(vec![(ORG.to_string(), PROXY.to_string())]);
        let www = format!(
            r#"Bearer realm="sflab", resource_metadata="{ORG}/.well-known/oauth-protected-resource/services/mcp""#
        );
        assert_eq!(
            rewrite.text(&www),
            format!(
                r#"Bearer realm="sflab", resource_metadata="{PROXY}/.well-known/oauth-protected-resource/services/mcp""#
            )
        );
    }

    #[test]
    fn sign_in_identity_and_discovery_answers_point_at_the_proxy() {
        let token = format!(r#"{{"instance_url":"{ORG}","id":"{ORG}/id/00D/005"}}"#);
        let want = format!(r#"{{"instance_url":"{PROXY}","id":"{PROXY}/id/00D/005"}}"#);
        for path in [
            "/services/oauth2/token",
            "/services/oauth2/userinfo",
            "/id/00D/005",
            "/.well-known/openid-configuration",
            "/services/data/v62.0",
            "/services/data/v62.0/",
        ] {
            assert_eq!(body(path, "application/json", &token), want, "{path}");
        }
        let wsdl = format!(r#"<soap:address location="{ORG}/services/Soap/u/64.0"/>"#);
        assert!(body("/soap/wsdl.jsp", "text/xml", &wsdl).contains(PROXY));
    }

    #[test]
    fn soap_rewrites_only_the_login_addresses_never_a_records_field() {
        let login = format!(
            "<loginResponse><result><metadataServerUrl>{ORG}/services/Soap/m/62.0/00D</metadataServerUrl>\
             <serverUrl>{ORG}/services/Soap/u/62.0/00D</serverUrl></result></loginResponse>"
        );
        let got = body("/services/Soap/u/62.0", "text/xml", &login);
        assert!(!got.contains(ORG), "{got}");
        assert_eq!(got.matches(PROXY).count(), 2, "{got}");
        let query = format!("<records><sf:Description>{ORG}/x</sf:Description></records>");
        assert_eq!(body("/services/Soap/u/62.0/00D", "text/xml", &query), query);
        let prefixed = format!("<sf:serverUrl>{ORG}/a</sf:serverUrl>");
        assert_eq!(
            body("/services/Soap/c/62.0", "text/xml", &prefixed),
            format!("<sf:serverUrl>{PROXY}/a</sf:serverUrl>")
        );
    }

    #[test]
    fn a_compressed_sign_in_answer_is_rewritten_and_stays_compressed() {
        let token = format!(r#"{{"instance_url":"{ORG}"}}"#);
        let zipped = Bytes::from(Coding::Gzip.encode(token.as_bytes()).unwrap());
        let out = rewrite().body(
            "/services/oauth2/token",
            Some("application/json"),
            Some("gzip"),
            zipped,
            1 << 20,
        );
        let text = Coding::Gzip.decode(&out, 1 << 20).expect("still gzip");
        assert_eq!(text, format!(r#"{{"instance_url":"{PROXY}"}}"#).as_bytes());
        let unknown = Bytes::from_static(b"\x00br-bytes");
        let out = rewrite().body(
            "/services/oauth2/token",
            Some("application/json"),
            Some("br"),
            unknown.clone(),
            1 << 20,
        );
        assert_eq!(out, unknown);
    }
}
