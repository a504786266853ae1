//! What a mock service answers for a path or method it does not serve: 404 or 405 in the
//! service's own error format (`{"error", "message"}`), never Salesforce's
//! `[{"message", "errorCode"}]` — a third-party API knows nothing of Salesforce. The message
//! names the endpoints the service does serve, so a learner who followed another API's docs
//! (a `/current.json?q=` weather call, say) sees what this one expects.
//!
//! Implementation notes:
//! - Only the path is echoed back, never the query string: some APIs take their key there.
//! - These answers come before the service's key check and planted faults: the path is the
//!   mistake to report, and a request that reaches no endpoint is not a call the service got.
//! - [`ENDPOINTS`] is the services' documented surface; a test checks each is routed.

use super::{err, Service};
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;

/// One endpoint as the service's documentation lists it: `{…}` marks a path parameter, and
/// a `?…` tail the query the endpoint needs.
pub(super) struct Endpoint {
    pub service: Service,
    pub method: &'static str,
    pub path: &'static str,
}

const fn endpoint(service: Service, method: &'static str, path: &'static str) -> Endpoint {
    Endpoint {
        service,
        method,
        path,
    }
}

/// Every endpoint of the mock services, in the order their documentation lists them.
pub(super) const ENDPOINTS: [Endpoint; 7] = [
    endpoint(Service::Weather, "GET", "/ext/weather/current?city=<name>"),
    endpoint(Service::Erp, "POST", "/ext/erp/oauth/token"),
    endpoint(Service::Erp, "POST", "/ext/erp/orders"),
    endpoint(Service::Erp, "GET", "/ext/erp/orders/{id}"),
    endpoint(Service::Erp, "QUERY", "/ext/erp/orders/search"),
    endpoint(Service::Erp, "POST", "/ext/erp/orders/search"),
    endpoint(Service::Courier, "GET", "/ext/courier/shipments/{tracking}"),
];

impl Service {
    /// The service's name, as its `/ext/{name}` path spells it.
    pub fn name(self) -> &'static str {
        match self {
            Service::Weather => "weather",
            Service::Erp => "erp",
            Service::Courier => "courier",
        }
    }
}

/// What the service's successful answer holds, where another API's docs might suggest
/// otherwise.
fn answer_note(service: Service) -> &'static str {
    match service {
        Service::Weather => {
            " (X-Api-Key header), answering {city, date, temperatureC, conditions, humidity}"
        }
        Service::Erp | Service::Courier => "",
    }
}

/// `GET /ext/weather/current?city=<name> (X-Api-Key header), answering {…}`, `POST …, GET …`.
fn served_by(service: Service) -> String {
    let list: Vec<String> = ENDPOINTS
        .iter()
        .filter(|e| e.service == service)
        .map(|e| format!("{} {}", e.method, e.path))
        .collect();
    format!("{}{}", list.join(", "), answer_note(service))
}

/// The service a path under `/ext/` names, if it names one.
fn service_of(path: &str) -> Option<Service> {
    let rest = path.strip_prefix("/ext/")?;
    Service::parse(rest.split('/').next().unwrap_or(""))
}

/// Whether a request path fits an endpoint's documented path (`{…}` takes one segment).
fn fits(endpoint_path: &str, path: &str) -> bool {
    let documented = endpoint_path.split('?').next().unwrap_or("");
    let want: Vec<&str> = documented.split('/').collect();
    let got: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    want.len() == got.len()
        && want
            .iter()
            .zip(&got)
            .all(|(w, g)| w == g || (w.starts_with('{') && !g.is_empty()))
}

/// A path under `/ext` that no endpoint serves: 404 naming what the service serves, or, when
/// the path names no service, what each service serves.
pub(super) fn no_such_endpoint(method: &Method, path: &str) -> Response {
    let message = match service_of(path) {
        Some(service) => format!(
            "The {} service has no endpoint {method} {path}. It serves {}.",
            service.name(),
            served_by(service)
        ),
        None => {
            let services: Vec<String> = [Service::Weather, Service::Erp, Service::Courier]
                .into_iter()
                .map(|s| format!("{} ({})", s.name(), served_by(s)))
                .collect();
            format!(
                "There is no mock service at {path}. sflab's mock services are {}.",
                services.join("; ")
            )
        }
    };
    err(StatusCode::NOT_FOUND, "not_found", message)
}

/// A served path called with a method it does not take: 405 with `Allow`.
pub(super) fn wrong_method(method: &Method, path: &str) -> Response {
    let allowed: Vec<&str> = ENDPOINTS
        .iter()
        .filter(|e| fits(e.path, path))
        .map(|e| e.method)
        .collect();
    let name = service_of(path).map_or("mock", Service::name);
    let mut r = err(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!(
            "The {name} service does not take {method} at {path}; send {}.",
            allowed.join(" or ")
        ),
    );
    if let Ok(v) = HeaderValue::from_str(&allowed.join(", ")) {
        r.headers_mut().insert(header::ALLOW, v);
    }
    r
}

/// The route handler for [`no_such_endpoint`].
pub(super) async fn unknown_path(method: Method, uri: Uri) -> Response {
    no_such_endpoint(&method, uri.path())
}

/// The method fallback for [`wrong_method`].
pub(super) async fn unserved_method(method: Method, uri: Uri) -> Response {
    wrong_method(&method, uri.path())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_documented_path_fits_its_requests_and_no_others() {
        assert!(fits(
            "/ext/weather/current?city=<name>",
            "/ext/weather/current"
        ));
        assert!(!fits(
            "/ext/weather/current?city=<name>",
            "/ext/weather/current.json"
        ));
        assert!(fits("/ext/erp/orders/{id}", "/ext/erp/orders/ERP-1"));
        assert!(!fits("/ext/erp/orders/{id}", "/ext/erp/orders/ERP-1/lines"));
    }
}
