//! Test fixtures: small builders for exchanges and evidence, and verdict assertions.

use super::{RuleSpec, SoqlEvaluator, Verdict, VerdictStatus};
use crate::evidence::{
    Body, Evidence, Exchange, Header, LearnerRun, RecordedRequest, RecordedResponse,
};
use chrono::{DateTime, Duration, TimeZone, Utc};

pub fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

pub fn req(method: &str, path_and_query: &str, status: u16) -> Exchange {
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (path_and_query.to_string(), None),
    };
    Exchange {
        seq: 0,
        run_index: 0,
        started_at: base_time(),
        finished_at: base_time() + Duration::milliseconds(5),
        request: RecordedRequest {
            method: method.to_string(),
            url: format!(
                "https://127.0.0.1:9/{}",
                path_and_query.trim_start_matches('/')
            ),
            path,
            query,
            headers: vec![],
            body: Body::default(),
            http_version: None,
        },
        response: Some(RecordedResponse {
            status,
            headers: vec![Header::new(
                "Content-Type",
                "application/json;charset=UTF-8",
            )],
            body: Body::default(),
        }),
        fault: None,
        error: None,
        client_processes: Vec::new(),
    }
}

pub fn get(path: &str, status: u16) -> Exchange {
    req("GET", path, status)
}

/// A token request with `grant_type=grant` (form body).
pub fn token(grant: &str, status: u16) -> Exchange {
    req("POST", "/services/oauth2/token", status)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(&format!(
            "grant_type={}",
            form_urlencoded::byte_serialize(grant.as_bytes()).collect::<String>()
        ))
}

pub trait ExchangeBuild {
    fn at(self, start_ms: i64, duration_ms: i64) -> Self;
    fn header(self, name: &str, value: &str) -> Self;
    fn body(self, text: &str) -> Self;
    fn response_header(self, name: &str, value: &str) -> Self;
    fn response_body(self, text: &str) -> Self;
    fn run(self, index: usize) -> Self;
    fn bearer(self, marker: &str) -> Self;
}

impl ExchangeBuild for Exchange {
    fn at(mut self, start_ms: i64, duration_ms: i64) -> Self {
        self.started_at = base_time() + Duration::milliseconds(start_ms);
        self.finished_at = self.started_at + Duration::milliseconds(duration_ms);
        self
    }
    fn header(mut self, name: &str, value: &str) -> Self {
        self.request.headers.push(Header::new(name, value));
        self
    }
    fn body(mut self, text: &str) -> Self {
        self.request.body = Body::text(text);
        self
    }
    fn response_header(mut self, name: &str, value: &str) -> Self {
        if let Some(r) = self.response.as_mut() {
            r.headers.push(Header::new(name, value));
        }
        self
    }
    fn response_body(mut self, text: &str) -> Self {
        if let Some(r) = self.response.as_mut() {
            r.body = Body::text(text);
        }
        self
    }
    fn run(mut self, index: usize) -> Self {
        self.run_index = index;
        self
    }
    fn bearer(self, marker: &str) -> Self {
        self.header(
            "Authorization",
            &format!("Bearer ‹redacted:access_token#{marker}›"),
        )
    }
}

/// Evidence on the mock backend with one successful run and these exchanges, numbered 1, 2, ...
pub fn evidence(exchanges: Vec<Exchange>) -> Evidence {
    let runs = exchanges.iter().map(|e| e.run_index).max().unwrap_or(0) + 1;
    Evidence {
        lab_id: "test-lab".into(),
        exchanges: exchanges
            .into_iter()
            .enumerate()
            .map(|(i, mut e)| {
                e.seq = i as u64 + 1;
                e
            })
            .collect(),
        runs: (0..runs)
            .map(|index| LearnerRun {
                index,
                exit_code: Some(0),
                ..LearnerRun::default()
            })
            .collect(),
        ..Evidence::default()
    }
}

pub fn spec(yaml: &str) -> RuleSpec {
    let v: serde_json::Value = serde_yaml::from_str(yaml).expect("test YAML");
    RuleSpec::from_value(v).unwrap_or_else(|e| panic!("{yaml}: {e}"))
}

pub fn verdict_with(yaml: &str, ev: &Evidence, soql: Option<&dyn SoqlEvaluator>) -> Verdict {
    spec(yaml).check_with(ev, soql)
}

pub fn assert_passes(yaml: &str, ev: &Evidence) -> Verdict {
    let v = spec(yaml).check(ev);
    assert_eq!(v.status, VerdictStatus::Pass, "{yaml}: {}", v.message);
    assert_eq!(v.points_awarded, v.points_possible);
    v
}

pub fn assert_fails(yaml: &str, ev: &Evidence) -> Verdict {
    let v = spec(yaml).check(ev);
    assert_eq!(v.status, VerdictStatus::Fail, "{yaml}: {}", v.message);
    assert_eq!(v.points_awarded, 0);
    assert!(!v.message.is_empty());
    v
}

pub fn assert_not_applicable(yaml: &str, ev: &Evidence) -> Verdict {
    let v = spec(yaml).check(ev);
    assert!(
        matches!(v.status, VerdictStatus::NotApplicable { .. }),
        "{yaml}: {:?} {}",
        v.status,
        v.message
    );
    v
}

/// A bridge that handled order SO-2's event, then got it again: the first ERP create lost its
/// reply (504), the retry answered ERP-2 (with no replay header, as if new), the write-back
/// wrote T2; the runner queued the repeat at 100 ms (while that handling was still retrying)
/// and the repeat reached the subscriber at 1 s. `second` is what handling it again got back
/// from the ERP: `None` for a replay of ERP-2, `Some(("ERP-5", "T5"))` for a new order (whose
/// tracking number the second write-back then writes). One Order SO-2 either way.
pub fn redelivered_order(second: Option<(&str, &str)>) -> Evidence {
    use crate::evidence::OrgSnapshot;
    use serde_json::json;
    let order = |id: &str, trk: &str| json!({"id": id, "trackingNumber": trk}).to_string();
    let create =
        r#"{"customer": "A-1", "lines": [{"sku": "V", "quantity": 2}], "salesforceId": "SO-2"}"#;
    let erp = "/ext/erp/orders";
    let write_back = "/services/data/v62.0/sobjects/Order/ERP_Order_Id__c/SO-2";
    let (again, again_trk) = second.unwrap_or(("ERP-2", "T2"));
    let mut repeat = req("POST", erp, 201)
        .at(1100, 5)
        .body(create)
        .response_body(&order(again, again_trk));
    if second.is_none() {
        repeat = repeat.response_header("Idempotent-Replayed", "true");
    }
    let mut ev = evidence(vec![
        req("POST", erp, 504).at(0, 5).body(create),
        req("POST", erp, 201)
            .at(500, 5)
            .body(create)
            .response_body(&order("ERP-2", "T2")),
        req("PATCH", write_back, 200)
            .at(600, 5)
            .body(r#"{"Tracking_Number__c": "T2"}"#),
        repeat,
        req("PATCH", write_back, 200)
            .at(1200, 5)
            .body(&format!(r#"{{"Tracking_Number__c": "{again_trk}"}}"#)),
    ]);
    let at = |ms: i64| (base_time() + Duration::milliseconds(ms)).to_rfc3339();
    let channel = "/event/OrderActivated__e";
    ev.events.published = vec![
        json!({"replay_id": 2, "channel": channel, "event_name": "OrderActivated__e", "via": "runner", "at": at(-10), "payload": {"ERP_Order_Id__c": "SO-2", "Account_Number__c": "A-1"}}),
    ];
    ev.events.delivered = vec![
        json!({"replay_id": 2, "channel": channel, "subscriber": "s", "via": "cometd", "at": at(-5)}),
        json!({"replay_id": 2, "channel": channel, "subscriber": "s", "via": "cometd", "at": at(1000)}),
    ];
    ev.events.scenario = vec![
        json!({"step": 3, "action": "redeliver", "channel": channel, "replay_id": 2, "at": at(100)}),
    ];
    let mut book = vec![json!({"id": "ERP-2", "salesforceId": "SO-2", "trackingNumber": "T2"})];
    if let Some((id, trk)) = second {
        book.push(json!({"id": id, "salesforceId": "SO-2", "trackingNumber": trk}));
    }
    let mut snap = OrgSnapshot::default();
    snap.objects.insert(super::ERP_ORDER_BOOK.into(), book);
    snap.objects.insert(
        "Order".into(),
        vec![json!({"Id": "8012", "ERP_Order_Id__c": "SO-2", "Tracking_Number__c": again_trk})],
    );
    ev.snapshots.after_runs.push(snap);
    ev
}
