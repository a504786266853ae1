//! Which address a request to the proxy names, and whether the proxy serves it: only loopback
//! names (against DNS rebinding, oauth-strictness §3 Storage 3), compared without regard to
//! case as host names are (RFC 3986 §3.2.2); a `Host` that is repeated or is not a host and
//! port is refused with 400, as RFC 9112 §3.2 requires.
//!
//! Implementation notes: a request with no `Host` (HTTP/1.0 allows it) is taken as addressed
//! to the proxy itself, so its record has a whole URL. HTTP/2 names the address in
//! `:authority`, which hyper puts in the request's URI.

/// Where a request is addressed, as the proxy judges it.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Addressed {
    /// A loopback name (or none given): served. The authority as the record shows it.
    Here(String),
    /// A well-formed name that is not loopback: 421.
    Elsewhere(String),
    /// A malformed or repeated `Host`: 400, with the reason.
    Invalid(String),
}

/// Judges a request whose URI names `uri_authority` (absolute form, HTTP/2) and whose `Host`
/// header lines are `hosts`; `own` is the proxy's `127.0.0.1:PORT`.
pub(super) fn addressed(uri_authority: Option<&str>, hosts: &[&[u8]], own: &str) -> Addressed {
    if hosts.len() > 1 {
        return Addressed::Invalid(format!(
            "the request has {} Host headers; send exactly one",
            hosts.len()
        ));
    }
    let named = match (uri_authority, hosts.first()) {
        (Some(a), _) => a.to_string(),
        (None, Some(h)) => match std::str::from_utf8(h) {
            Ok(text) => text.trim().to_string(),
            Err(_) => return Addressed::Invalid("its Host header is not text".into()),
        },
        (None, None) => String::new(),
    };
    if named.is_empty() {
        return Addressed::Here(own.to_string());
    }
    let Some(host) = host_of(&named) else {
        return Addressed::Invalid(format!(
            "its Host header `{}` is not a host name and port",
            named.escape_debug()
        ));
    };
    if is_loopback(host) {
        Addressed::Here(named)
    } else {
        Addressed::Elsewhere(named)
    }
}

/// The host part of `authority` (`uri-host [ ":" port ]`), if that is all it is: no user
/// information, no path, a port of digits.
fn host_of(authority: &str) -> Option<&str> {
    if authority.contains(['@', '/', '?', '#', ' ', '\\']) {
        return None;
    }
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (inside, port)
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    (!host.is_empty() && port_ok).then_some(host)
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host == "127.0.0.1" || host == "::1"
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWN: &str = "127.0.0.1:5000";

    fn by_host(host: &str) -> Addressed {
        addressed(None, &[host.as_bytes()], OWN)
    }

    #[test]
    fn loopback_names_are_served_in_any_case() {
        for host in [
            "127.0.0.1:5000",
            "localhost:5000",
            "LOCALHOST:5000",
            "LocalHost",
            "[::1]:5000",
        ] {
            assert_eq!(by_host(host), Addressed::Here(host.into()), "{host}");
        }
    }

    #[test]
    fn other_names_are_elsewhere() {
        assert_eq!(
            by_host("evil.example:5000"),
            Addressed::Elsewhere("evil.example:5000".into())
        );
    }

    #[test]
    fn user_information_a_bad_port_or_two_hosts_are_invalid() {
        for host in [
            "127.0.0.1:5000@evil",
            "127.0.0.1:50x0",
            "127.0.0.1:",
            "localhost/x",
            "[::1",
        ] {
            assert!(matches!(by_host(host), Addressed::Invalid(_)), "{host}");
        }
        let two = addressed(None, &[b"127.0.0.1:5000", b"evil.example"], OWN);
        assert_eq!(
            two,
            Addressed::Invalid("the request has 2 Host headers; send exactly one".into())
        );
    }

    #[test]
    fn no_host_is_the_proxys_own_address() {
        assert_eq!(addressed(None, &[], OWN), Addressed::Here(OWN.into()));
        assert_eq!(
            addressed(Some("localhost:5000"), &[], OWN),
            Addressed::Here("localhost:5000".into())
        );
    }
}
