//! The Org tab cuts a long value at the pane's edge; ⏎ on a record opens it whole in the
//! detail pane (as ⏎ on an exchange does in Traffic), and Esc goes back to the records.

use super::{key, lab_event, open, screen};
use crossterm::event::KeyCode;
use sflab::evidence::OrgSnapshot;
use sflab::tui::lab::{LabEvent, OrgSource};
use sflab::tui::theme::Theme;
use sflab::tui::{update, App};
use std::sync::Arc;

const DESCRIPTION: &str = "Ships machine parts to the northern depots every Tuesday; invoices go to accounts payable in Leeds, never to the plant.";

fn org() -> OrgSnapshot {
    let mut snapshot = OrgSnapshot::default();
    snapshot.objects.insert(
        "Account".into(),
        vec![
            serde_json::json!({
                "Id": "001000000000001AAA",
                "Name": "Falcon Corp",
                "Description": DESCRIPTION,
                "Industry": null,
                "NumberOfEmployees": 1200,
            }),
            serde_json::json!({ "Id": "001000000000002AAA", "Name": "Harbor Logistics" }),
        ],
    );
    snapshot
}

#[test]
fn enter_on_a_record_in_the_org_tab_shows_every_value_whole_and_esc_goes_back() {
    let mut a = App::new(Arc::new(super::fixture()), Theme::colored(), 80, 24);
    open(&mut a, "rest-first-call");
    lab_event(
        &mut a,
        LabEvent::Org {
            lab: "rest-first-call".into(),
            snapshot: org(),
            source: OrgSource::Console,
        },
    );
    update(&mut a, key(KeyCode::Char('4')));
    update(&mut a, key(KeyCode::Enter));
    let s = screen(&a);
    assert!(s.contains("Description       Ships machine …"), "{s}");
    assert!(!s.contains("never to the plant."), "the tab cuts it: {s}");
    assert!(
        s.contains("⏎ whole record"),
        "the status bar offers it: {s}"
    );

    update(&mut a, key(KeyCode::Enter));
    let s = screen(&a);
    assert!(s.contains("Account 001000000000001AAA"), "{s}");
    let shown: String = s
        .lines()
        .map(|l| {
            l.split('│')
                .nth(4)
                .unwrap_or("")
                .trim()
                .trim_start_matches('┆')
        })
        .collect::<Vec<_>>()
        .join(" ");
    let shown = shown.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(shown.contains(DESCRIPTION), "the whole value: {s}");
    assert!(s.contains("NumberOfEmployees  1200"), "{s}");
    assert!(
        !s.contains("Industry"),
        "nulls left out, as in the tab: {s}"
    );
    insta::assert_snapshot!(s);

    update(&mut a, key(KeyCode::Esc));
    let v = a.lab_view().expect("the lab is open");
    assert!(
        v.detail.is_none() && v.org.in_records,
        "back to the records"
    );
}
