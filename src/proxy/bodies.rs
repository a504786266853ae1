//! Salesforce-shaped error bodies for injected responses.
//!
//! REST errors are a JSON array of `{message, errorCode}` (clients such as simple-salesforce
//! index `[0]['errorCode']`); the OAuth endpoints answer `{error, error_description}`.
//! `INVALID_SESSION_ID` / "Session expired or invalid" and `REQUEST_LIMIT_EXCEEDED` follow the
//! reference contract. The texts for 429, 503, 500 and `UNABLE_TO_LOCK_ROW` are not verified
//! against a real org: they follow the shape of the verified ones, with messages in the same
//! style. An injected 429 stands for a throttle in front of the org (a gateway, a burst
//! limit): its code is `TOO_MANY_REQUESTS` [U], not `REQUEST_LIMIT_EXCEEDED`, which the
//! lessons teach as "the daily allocation is spent: stop, do not retry".

use serde_json::{json, Value};

/// The default body of an injected response with `status` on `path`.
pub fn default_body(status: u16, path: &str) -> Value {
    if path.contains("/services/oauth2/") {
        return oauth_body(status);
    }
    let (code, message) = match status {
        400 => ("BAD_REQUEST", "The request could not be processed."),
        401 => ("INVALID_SESSION_ID", "Session expired or invalid"),
        403 => ("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
        404 => ("NOT_FOUND", "The requested resource does not exist"),
        409 => ("CONFLICT", "The request conflicts with the current state of the resource."),
        429 => (
            "TOO_MANY_REQUESTS",
            "Rate limit exceeded: too many requests in a short time.",
        ),
        500 => (
            "UNKNOWN_EXCEPTION",
            "An unexpected error occurred. Please include this ErrorId if you contact support: 1955823841-58621 (-1297427149)",
        ),
        502 => ("SERVER_UNAVAILABLE", "Bad gateway"),
        503 => ("SERVER_UNAVAILABLE", "Service Unavailable. Try again later."),
        504 => ("SERVER_UNAVAILABLE", "The server did not answer in time."),
        _ => ("UNKNOWN_EXCEPTION", "The server could not process the request."),
    };
    json!([{ "message": message, "errorCode": code }])
}

fn oauth_body(status: u16) -> Value {
    let (error, description) = match status {
        400 => ("invalid_grant", "authentication failure"),
        401 => ("invalid_client", "invalid client credentials"),
        429 => ("rate_limit_exceeded", "too many requests; retry later"),
        502..=504 => (
            "temporarily_unavailable",
            "the server is temporarily unavailable",
        ),
        _ => ("server_error", "the server could not process the request"),
    };
    json!({ "error": error, "error_description": description })
}

/// 400 `UNABLE_TO_LOCK_ROW`, as when another transaction holds the record.
pub fn lock_row_body() -> Value {
    json!([{
        "message": "unable to obtain exclusive access to this record",
        "errorCode": "UNABLE_TO_LOCK_ROW",
        "fields": []
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_errors_are_arrays_and_oauth_errors_are_objects() {
        let rest = default_body(401, "/services/data/v62.0/query");
        assert_eq!(rest[0]["errorCode"], "INVALID_SESSION_ID");
        let oauth = default_body(503, "/services/oauth2/token");
        assert_eq!(oauth["error"], "temporarily_unavailable");
        assert_eq!(lock_row_body()[0]["errorCode"], "UNABLE_TO_LOCK_ROW");
    }
}
