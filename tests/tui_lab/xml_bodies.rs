//! SOAP bodies in the Traffic detail are laid out one element a line, as JSON bodies are
//! pretty-printed.

use super::{app, exchange, key, lab_event, open, screen};
use crossterm::event::KeyCode;
use sflab::evidence::{Body, Header};
use sflab::rules::Verdict;
use sflab::tui::lab::{LabEvent, Outcome};
use sflab::tui::update;

const FAULT: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body><soapenv:Fault><faultcode>sf:INVALID_FIELD</faultcode><faultstring>No such column &apos;Foo__c&apos; on entity &apos;Account&apos;</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>";

#[test]
fn a_soap_fault_in_the_traffic_detail_is_indented_one_element_a_line() {
    let mut a = app();
    open(&mut a, "rest-upsert-twice");
    let mut call = exchange(1, 0, "POST", "/services/Soap/u/62.0", 500);
    if let Some(r) = call.response.as_mut() {
        r.headers = vec![Header::new("content-type", "text/xml;charset=UTF-8")];
        r.body = Body::text(FAULT);
    }
    lab_event(
        &mut a,
        LabEvent::Finished {
            lab: "rest-upsert-twice".into(),
            outcome: Ok(Outcome {
                verdicts: vec![Verdict::pass("a", 1, "ok")],
                passed: true,
                points: 1,
                max_points: 1,
                duration_ms: 40,
            }),
            exchanges: vec![call],
            runs: Vec::new(),
        },
    );
    update(&mut a, key(KeyCode::Char('3')));
    update(&mut a, key(KeyCode::Home));
    update(&mut a, key(KeyCode::Enter));
    let s = screen(&a);
    assert!(
        s.contains("      <faultcode>sf:INVALID_FIELD</faultcode>"),
        "{s}"
    );
    insta::assert_snapshot!(s);
}
