//! What a rule sees while it judges: the evidence, its own name and points, and helpers that
//! every family shares (building verdicts, recognising API calls and token requests).

use super::{SoqlEvaluator, Verdict};
use crate::evidence::{Backend, Evidence, Exchange};

pub(crate) struct Cx<'a> {
    pub ev: &'a Evidence,
    pub soql: Option<&'a dyn SoqlEvaluator>,
    pub name: &'static str,
    pub points: u32,
}

impl Cx<'_> {
    pub fn pass(&self, message: impl Into<String>) -> Verdict {
        Verdict::pass(self.name, self.points, message)
    }

    pub fn fail(&self, message: impl Into<String>) -> Verdict {
        Verdict::fail(self.name, self.points, message)
    }

    pub fn not_applicable(&self, reason: impl Into<String>) -> Verdict {
        Verdict::not_applicable(self.name, reason)
    }

    /// `Some(not applicable)` on the sandbox backend, for rules that need the mock's internals.
    pub fn mock_only(&self, needs: &str) -> Option<Verdict> {
        (self.ev.backend == Backend::Sandbox).then(|| {
            self.not_applicable(format!(
                "Not applicable on a sandbox: this check needs {needs}, which only the built-in mock org can show."
            ))
        })
    }

    /// Why the lab folder's file at `path` was left unread (its size, its encoding), as a
    /// message for a rule that needs it; `None` when it was read or is not there at all.
    pub fn unread_why(&self, path: &str) -> Option<String> {
        if let Some((_, bytes)) = self.ev.too_large.iter().find(|(p, _)| p == path) {
            return Some(format!(
                "`{path}` holds {}, more than the 256 KiB sflab reads of a file; keep it shorter.",
                crate::wording::bytes(*bytes)
            ));
        }
        let (_, why) = self.ev.unread.iter().find(|(p, _)| p == path)?;
        Some(format!("`{path}` {why}."))
    }

    /// Calls to the org's APIs (everything but the OAuth endpoints).
    pub fn api_calls(&self) -> impl Iterator<Item = &Exchange> {
        self.ev.exchanges.iter().filter(|e| !is_oauth_endpoint(e))
    }

    /// Requests to the token endpoint.
    pub fn token_requests(&self) -> impl Iterator<Item = &Exchange> {
        self.ev.exchanges.iter().filter(|e| e.is_token_request())
    }
}

pub(crate) fn is_oauth_endpoint(e: &Exchange) -> bool {
    e.path().contains("/services/oauth2/")
}

/// The exchanges a fault of one of `kinds` changed (`forge_state`, `tamper_id_token`…).
pub(crate) fn faulted_by<'a>(cx: &'a Cx, kinds: &[&str]) -> Vec<&'a Exchange> {
    cx.ev
        .exchanges
        .iter()
        .filter(|e| {
            e.fault
                .as_ref()
                .is_some_and(|f| kinds.contains(&f.kind.as_str()))
        })
        .collect()
}

/// The `Location` of a redirect (a 3xx answer), if the exchange got one.
pub(crate) fn redirect_location(e: &Exchange) -> Option<&str> {
    e.status()
        .filter(|s| (300..400).contains(s))
        .and(e.response_header("location"))
}

pub(crate) fn is_success(e: &Exchange) -> bool {
    e.succeeded()
}

/// `METHOD path` for messages, with the query shortened.
pub(crate) fn show(e: &Exchange) -> String {
    format!("#{} {} {}", e.seq, e.method(), e.path())
}

/// Same request again: method, path and query. The path is read as the resource it addresses
/// (`crate::matcher::same_resource`): a trailing slash, or the same SOQL sent to `queryAll`
/// after `query`, asks the same again.
pub(crate) fn same_request(a: &Exchange, b: &Exchange) -> bool {
    a.method().eq_ignore_ascii_case(b.method())
        && crate::matcher::same_resource(a.path(), b.path())
        && same_query(a.request.query.as_deref(), b.request.query.as_deref())
}

/// The same query string once decoded: `q=SELECT+Name` and `q=SELECT%20Name` ask the same
/// (a retry built by another library, or by hand, may encode differently).
fn same_query(a: Option<&str>, b: Option<&str>) -> bool {
    let pairs = |q: Option<&str>| -> Vec<(String, String)> {
        form_urlencoded::parse(q.unwrap_or_default().as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    };
    a == b || pairs(a) == pairs(b)
}

/// Another attempt of the same call: [`same_request`] with the same body (JSON compared as
/// values, so key order, spacing and `2` against `2.0` do not matter). A POST of the next
/// record to the same URL is a new call, not a retry of the last one, even when both carry one
/// Idempotency-Key (a key shared by different bodies is a mistake of its own, not a retry).
pub(crate) fn same_call(a: &Exchange, b: &Exchange) -> bool {
    if !same_request(a, b) {
        return false;
    }
    let (x, y) = (&a.request.body.text, &b.request.body.text);
    if x == y {
        return true;
    }
    let json = |t: &str| serde_json::from_str::<serde_json::Value>(t).ok();
    matches!((json(x), json(y)), (Some(p), Some(q)) if crate::json_canonical::same_value(&p, &q))
}

pub(crate) use crate::wording::plural;

/// "a" or "an" before `word`, by its first letter (`an Order_Number__c`, `a Name`).
pub(crate) fn article(word: &str) -> &'static str {
    match word.chars().next().map(|c| c.to_ascii_lowercase()) {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}

/// Grant names as written in labs → the `grant_type` value on the wire.
pub(crate) fn canonical_grant(grant: &str) -> String {
    match grant {
        "jwt_bearer" | "jwt-bearer" | "jwt" => "urn:ietf:params:oauth:grant-type:jwt-bearer".into(),
        "device_code" | "device" => "device".into(),
        "token_exchange" => "urn:ietf:params:oauth:grant-type:token-exchange".into(),
        "saml_bearer" | "saml2-bearer" | "saml" => {
            "urn:ietf:params:oauth:grant-type:saml2-bearer".into()
        }
        other => other.to_string(),
    }
}
