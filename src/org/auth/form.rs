//! Request parameters for the OAuth endpoints: form or multipart bodies, strictly read.
//!
//! A parameter may appear once (RFC 6749 §3.1, §3.2): a repeat is refused rather than
//! resolved by "first wins" or "last wins", because the two halves of a split client disagree
//! about which one counts. The sf CLI's device flow posts `multipart/form-data`, so text parts
//! of a multipart body are read too; file parts are refused.

use super::error::OAuthError;
use std::collections::BTreeMap;

/// Decoded parameters, each present at most once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    values: BTreeMap<String, String>,
}

impl Params {
    /// Parameters from `a=1&b=2`, refusing repeats.
    pub fn from_urlencoded(raw: &[u8]) -> Result<Params, OAuthError> {
        let mut values = BTreeMap::new();
        for (k, v) in form_urlencoded::parse(raw) {
            if values.insert(k.to_string(), v.to_string()).is_some() {
                return Err(repeated(&k));
            }
        }
        Ok(Params { values })
    }

    /// Parameters from a body of the given `Content-Type`.
    pub fn from_body(content_type: Option<&str>, body: &[u8]) -> Result<Params, OAuthError> {
        let ct = content_type.unwrap_or("").trim();
        let essence = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/x-www-form-urlencoded" => Params::from_urlencoded(body),
            "multipart/form-data" => {
                let boundary = boundary_of(ct).ok_or_else(|| {
                    OAuthError::invalid_request(
                        "invalid multipart body",
                        "the multipart Content-Type has no boundary parameter",
                    )
                })?;
                Params::from_multipart(&boundary, body)
            }
            "" if body.is_empty() => Ok(Params::default()),
            _ => Err(OAuthError::invalid_request(
                "unsupported content type",
                format!(
                    "the body was sent as '{ct}'; send it as application/x-www-form-urlencoded \
                     (curl -d / --data-urlencode does this)"
                ),
            )),
        }
    }

    fn from_multipart(boundary: &str, body: &[u8]) -> Result<Params, OAuthError> {
        let text =
            std::str::from_utf8(body).map_err(|_| malformed("the body is not UTF-8 text"))?;
        let delimiter = format!("--{boundary}");
        let mut values = BTreeMap::new();
        let mut sections = text.split(delimiter.as_str());
        sections.next(); // preamble
        for section in sections {
            if section.starts_with("--") {
                break; // closing delimiter
            }
            let section = section.strip_prefix("\r\n").unwrap_or(section);
            let (head, content) = section
                .split_once("\r\n\r\n")
                .ok_or_else(|| malformed("a part has no blank line after its headers"))?;
            let content = content.strip_suffix("\r\n").unwrap_or(content);
            let name = part_name(head)?;
            if values.insert(name.clone(), content.to_string()).is_some() {
                return Err(repeated(&name));
            }
        }
        Ok(Params { values })
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// A parameter that must be present and non-empty.
    pub fn require(&self, name: &str) -> Result<&str, OAuthError> {
        match self.get(name) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(OAuthError::invalid_request(
                &format!("missing required parameter: {name}"),
                format!("the request did not include '{name}'"),
            )),
        }
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }
}

/// Names whose value is a credential and so must never travel in a URL.
pub const SECRET_PARAMS: &[&str] = &[
    "client_secret",
    "password",
    "refresh_token",
    "assertion",
    "code_verifier",
    "client_assertion",
    "token",
];

/// The parameters of a POST to an OAuth endpoint: none may ride in its URL
/// ([`refuse_query`]), and the form body, of at most `max` bytes, is read by its
/// `Content-Type`. `endpoint` names it in the learner's reason ("the token endpoint").
pub async fn post_form(
    parts: &axum::http::request::Parts,
    body: axum::body::Body,
    endpoint: &str,
    max: usize,
) -> Result<Params, OAuthError> {
    refuse_query(parts.uri.query(), endpoint)?;
    let bytes = axum::body::to_bytes(body, max).await.map_err(|_| {
        OAuthError::invalid_request(
            "request body too large",
            format!("the body could not be read or is over {} KB", max / 1024),
        )
    })?;
    let content_type = parts
        .headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok());
    Params::from_body(content_type, &bytes)
}

/// Refuses a POST whose URL carries parameters: credentials there end up in logs and proxies
/// (RFC 6749 §2.3.1), and the endpoint reads its parameters from the form body only.
/// `endpoint` names it in the learner's reason ("the token endpoint").
pub fn refuse_query(query: Option<&str>, endpoint: &str) -> Result<(), OAuthError> {
    let Some(q) = query else {
        return Ok(());
    };
    let query = Params::from_urlencoded(q.as_bytes())?;
    if let Some(name) = query.names().find(|n| SECRET_PARAMS.contains(n)) {
        return Err(OAuthError::invalid_request(
            "credentials must not be sent in the URL",
            format!(
                "'{name}' was sent in the query string, where logs and proxies keep it; \
                 send it in the POST body"
            ),
        ));
    }
    if query.names().next().is_some() {
        return Err(OAuthError::invalid_request(
            "parameters must be sent in the POST body",
            format!("{endpoint} reads parameters from the form body only, not the query string"),
        ));
    }
    Ok(())
}

fn repeated(name: &str) -> OAuthError {
    OAuthError::invalid_request(
        &format!("repeated parameter: {name}"),
        format!("'{name}' was sent more than once; send each parameter once"),
    )
}

fn malformed(why: &str) -> OAuthError {
    OAuthError::invalid_request("invalid multipart body", why.to_string())
}

fn boundary_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case("boundary"))
            .then(|| v.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty())
    })
}

fn part_name(head: &str) -> Result<String, OAuthError> {
    for line in head.split("\r\n") {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        if !k.trim().eq_ignore_ascii_case("content-disposition") {
            continue;
        }
        if v.contains("filename=") {
            return Err(malformed(
                "file parts are not accepted by the token endpoint",
            ));
        }
        for attr in v.split(';').skip(1) {
            if let Some((ak, av)) = attr.split_once('=') {
                if ak.trim() == "name" {
                    return Ok(av.trim().trim_matches('"').to_string());
                }
            }
        }
    }
    Err(malformed("a part has no Content-Disposition name"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlencoded_parameters_are_decoded() {
        let p = Params::from_urlencoded(b"grant_type=client_credentials&scope=api+web").unwrap();
        assert_eq!(p.get("grant_type"), Some("client_credentials"));
        assert_eq!(p.get("scope"), Some("api web"));
    }

    #[test]
    fn a_repeated_parameter_is_refused() {
        let e = Params::from_urlencoded(b"code=a&code=b").unwrap_err();
        assert_eq!(e.code, "invalid_request");
        assert!(e.description.contains("code"));
    }

    #[test]
    fn multipart_text_parts_are_read() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"client_id\"\r\n\r\nPlatformCLI\r\n\
                    --XyZ\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\ndevice\r\n--XyZ--\r\n";
        let p =
            Params::from_body(Some("multipart/form-data; boundary=XyZ"), body.as_bytes()).unwrap();
        assert_eq!(p.get("client_id"), Some("PlatformCLI"));
        assert_eq!(p.get("grant_type"), Some("device"));
    }

    #[test]
    fn multipart_repeats_and_files_are_refused() {
        let rep = "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n2\r\n--b--\r\n";
        assert!(
            Params::from_body(Some("multipart/form-data; boundary=b"), rep.as_bytes()).is_err()
        );
        let file = "--b\r\nContent-Disposition: form-data; name=\"a\"; filename=\"x\"\r\n\r\n1\r\n--b--\r\n";
        assert!(
            Params::from_body(Some("multipart/form-data; boundary=b"), file.as_bytes()).is_err()
        );
    }

    #[test]
    fn json_bodies_are_refused_with_a_hint() {
        let e = Params::from_body(Some("application/json"), b"{}").unwrap_err();
        assert!(e.reason.contains("x-www-form-urlencoded"));
    }

    #[test]
    fn require_refuses_empty_values() {
        let p = Params::from_urlencoded(b"code=").unwrap();
        assert!(p.require("code").is_err());
    }
}
