//! The sessions a request names, for the `session_expired` fault: wherever the org reads a
//! session from — `Authorization: Bearer` (or `OAuth`), `X-SFDC-Session`, the `sessionId` of
//! a SOAP `SessionHeader`, and the `sid` cookie (the WSDL download, a browser's calls).
//!
//! Implementation notes: the SOAP header is found by its element name whatever its prefix
//! (`<sessionId>`, `<urn:sessionId>`, `<ns1:sessionId>`), without parsing the envelope: a
//! body the org cannot read is answered with a fault of its own, and expiring a session it
//! names does no harm. The XML entities a serializer may write are decoded.

/// Every distinct session token the request carries, in the order above.
pub(super) fn named_sessions(headers: &http::HeaderMap, body: &[u8]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |token: &str| {
        let token = token.trim();
        if !token.is_empty() && !out.iter().any(|t| t == token) {
            out.push(token.to_string());
        }
    };
    let text = |name: &str| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    for value in text("authorization") {
        if let Some((scheme, token)) = value.trim().split_once(' ') {
            if scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth") {
                add(token);
            }
        }
    }
    for value in text("x-sfdc-session") {
        add(&value);
    }
    if let Some(token) = soap_session_id(&String::from_utf8_lossy(body)) {
        add(&token);
    }
    for value in text("cookie") {
        for pair in value.split(';') {
            if let Some(("sid", token)) = pair.trim().split_once('=') {
                add(token);
            }
        }
    }
    out
}

/// The text of the first `sessionId` element (any prefix) of a SOAP envelope.
fn soap_session_id(xml: &str) -> Option<String> {
    let mut rest = xml;
    while let Some(at) = rest.find("sessionId") {
        let before = &rest[..at];
        let after = &rest[at + "sessionId".len()..];
        rest = after;
        // The element's start tag: `<sessionId>` or `<prefix:sessionId>` (attributes allowed).
        let open = before.rfind('<')?;
        let name = &before[open + 1..];
        let prefixed = name.is_empty()
            || (name.ends_with(':')
                && name[..name.len() - 1]
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.')));
        if !prefixed || !after.starts_with(['>', ' ', '\t', '\r', '\n']) {
            continue;
        }
        let content = &after[after.find('>')? + 1..];
        let end = content.find('<')?;
        let token = unescape(content[..end].trim());
        if !token.is_empty() {
            return Some(token);
        }
    }
    None
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#33;", "!")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        for (n, v) in pairs {
            h.append(
                http::HeaderName::from_bytes(n.as_bytes()).unwrap(),
                http::HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn a_soap_session_header_names_its_session_whatever_its_prefix() {
        for envelope in [
            "<soapenv:Header><SessionHeader><sessionId>00D!AQ.tok</sessionId></SessionHeader></soapenv:Header>",
            "<env:Header><urn:SessionHeader><urn:sessionId>00D!AQ.tok</urn:sessionId></urn:SessionHeader>",
            "<ns1:sessionId xmlns:ns1=\"urn:partner.soap.sforce.com\">\n  00D&#33;AQ.tok\n</ns1:sessionId>",
        ] {
            assert_eq!(
                named_sessions(&headers(&[]), envelope.as_bytes()),
                ["00D!AQ.tok"],
                "{envelope}"
            );
        }
        // A longer element name that ends alike is not the session header.
        let other = "<x:notsessionId>nope</x:notsessionId><sessionIdHint>no</sessionIdHint>";
        assert!(named_sessions(&headers(&[]), other.as_bytes()).is_empty());
    }

    #[test]
    fn bearer_session_header_and_sid_cookie_each_name_a_session_once() {
        let h = headers(&[
            ("Authorization", "Bearer tok-a"),
            ("X-SFDC-Session", "tok-b"),
            ("Cookie", "theme=dark; sid=tok-c"),
        ]);
        let body = b"<sessionId>tok-a</sessionId>";
        assert_eq!(named_sessions(&h, body), ["tok-a", "tok-b", "tok-c"]);
        let basic = headers(&[("Authorization", "Basic dXNlcjpwdw==")]);
        assert!(
            named_sessions(&basic, b"").is_empty(),
            "no session in Basic"
        );
    }
}
