//! The `BAYEUX_BROWSER` cookie: which browser (HTTP client with a cookie jar) a CometD client
//! belongs to. A successful handshake sets it; connect, subscribe and unsubscribe must send it
//! back, as on a real org.
//!
//! Implementation notes (what a real org does, and how sure sflab is):
//! - A real org's handshake answers `Set-Cookie: BAYEUX_BROWSER=…` (and a load-balancer cookie
//!   sflab does not imitate); the Streaming API guide ("Clients and Cookies for Streaming API")
//!   says the client must accept and send back all cookies for the domain and `/cometd` path.
//!   Sure: the guide, cometd/cometd#881 (the header seen in a browser against Salesforce) and
//!   faye's cookie fix for Salesforce (faye/faye#263, #301) agree.
//! - A known client whose request carries no `BAYEUX_BROWSER` cookie is answered
//!   `400::Client <clientId> has established a session, but no BAYEUX_BROWSER cookie present`.
//!   Fairly sure of the text: quoted from a real org on `/meta/connect` in cometd/cometd#881
//!   (2019) and, for `/meta/subscribe`, in the title of restforce/restforce#161 (2014). The
//!   advice is not quoted: sflab sends `reconnect: "handshake"`, which fits restforce#97, where a
//!   client without cookies kept handshaking anew (that org, in 2014, said `402::Unknown client`).
//!   The HTTP status stays 200, as for every Bayeux error [U: not quoted].
//! - A cookie that is present but not the one the client's handshake was given (another
//!   browser's) is answered `403::Unknown client` with `reconnect: "handshake"`, the answer a
//!   real org gives a client id it does not know [U: what a real org says here is not quoted].
//! - A handshake that brings a `BAYEUX_BROWSER` cookie keeps it (one browser, several clients,
//!   as CometD servers do); only a handshake without one is given a new cookie.
//! - The cookie has `Path=/` and `HttpOnly`, and `Secure` when the org is served over HTTPS.

use axum::http::{header, HeaderMap};

/// The cookie's name, as a real org spells it.
pub const NAME: &str = "BAYEUX_BROWSER";

/// The `BAYEUX_BROWSER` value a request carries, if any (any of its `Cookie` headers).
pub fn sent(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == NAME)
        .map(|(_, value)| value.trim_matches('"').to_string())
        .filter(|value| !value.is_empty())
}

/// A new browser id, for a handshake that brought none.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The `Set-Cookie` header value that hands `id` to the client.
pub fn set_cookie(id: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{NAME}={id}; Path=/; HttpOnly{secure}")
}

/// The answer to a known client whose request carried no `BAYEUX_BROWSER` cookie.
pub fn missing(client_id: &str) -> String {
    format!("400::Client {client_id} has established a session, but no {NAME} cookie present")
}

/// The browser of one request: the cookie it carried, or the id a handshake will set.
#[derive(Debug, Clone)]
pub struct Browser {
    pub id: String,
    /// True when the request carried the cookie (nothing to set then).
    pub carried: bool,
}

impl Browser {
    pub fn of(headers: &HeaderMap) -> Browser {
        match sent(headers) {
            Some(id) => Browser { id, carried: true },
            None => Browser {
                id: new_id(),
                carried: false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_cookie_is_found_among_others_and_in_any_cookie_header() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("sfdc-stream=abc"));
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; BAYEUX_BROWSER=xyz; b=2"),
        );
        assert_eq!(sent(&h).as_deref(), Some("xyz"));
        let mut other = HeaderMap::new();
        other.append(
            header::COOKIE,
            HeaderValue::from_static("MY_BAYEUX_BROWSER=1"),
        );
        assert_eq!(sent(&other), None);
        assert_eq!(sent(&HeaderMap::new()), None);
    }

    #[test]
    fn the_set_cookie_is_http_only_for_the_whole_site_and_secure_over_https() {
        assert_eq!(set_cookie("x", false), "BAYEUX_BROWSER=x; Path=/; HttpOnly");
        assert_eq!(
            set_cookie("x", true),
            "BAYEUX_BROWSER=x; Path=/; HttpOnly; Secure"
        );
    }

    #[test]
    fn a_request_without_the_cookie_gets_a_new_browser_to_set() {
        let b = Browser::of(&HeaderMap::new());
        assert!(!b.carried);
        assert_eq!(b.id.len(), 32);
    }
}
