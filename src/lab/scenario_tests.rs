//! Tests of `run.scenario` parsing and planning.

use super::*;

fn items(yaml: &str) -> Vec<Value> {
    serde_yaml::from_str(yaml).expect("test yaml")
}

#[test]
fn a_kill_restart_scenario_plans_in_order() {
    let steps = plan(&items(
        "- wait_for: { subscribed: /event/A__e, within: 5s }\n\
         - publish: { event: A__e, count: 3, fields: { N__c: 'x-{n}' } }\n\
         - wait_for: { delivered: 2, channel: /event/A__e }\n\
         - kill\n\
         - start\n\
         - redeliver: { channel: /event/A__e, event: 2 }\n\
         - wait: 500ms\n",
    ))
    .unwrap();
    assert_eq!(steps.len(), 7);
    assert_eq!(
        steps[0],
        Step::WaitFor {
            condition: Condition::Subscribed {
                channel: "/event/A__e".into()
            },
            within: Duration::from_secs(5)
        }
    );
    assert!(matches!(&steps[1], Step::Publish { count: 3, .. }));
    assert_eq!(
        steps[2],
        Step::WaitFor {
            condition: Condition::Delivered {
                count: 2,
                channel: Some("/event/A__e".into())
            },
            within: DEFAULT_WITHIN
        }
    );
    assert_eq!(steps[3], Step::Kill);
    assert_eq!(steps[4], Step::Start);
    assert_eq!(
        steps[5],
        Step::Redeliver {
            channel: "/event/A__e".into(),
            event: EventPick::Nth(2)
        }
    );
    assert_eq!(steps[6], Step::Wait(Duration::from_millis(500)));
}

#[test]
fn start_while_running_and_kill_while_stopped_are_refused() {
    let e = plan(&items("- start\n- kill\n- kill\n")).unwrap_err();
    assert_eq!(e.len(), 2, "{e:?}");
    assert_eq!(e[0].step, 1);
    assert!(e[0].message.contains("still going"));
    assert_eq!(e[1].step, 3);
}

#[test]
fn updates_must_name_a_record_an_earlier_insert_created() {
    let ok = plan(&items(
        "- change: { insert: Account, as: acme, fields: { Name: Acme } }\n\
         - change: { update: acme, fields: { Phone: '1' } }\n\
         - change: { delete: acme }\n",
    ))
    .unwrap();
    assert!(matches!(&ok[2], Step::Change(RecordChange::Delete { names }) if names == &["acme"]));
    let e = plan(&items("- change: { delete: ghost }\n")).unwrap_err();
    assert!(e[0].message.contains("ghost"), "{e:?}");
}

#[test]
fn a_delete_may_list_several_records_each_inserted_earlier() {
    let ok = plan(&items(
        "- change: { insert: Account, as: a, fields: { Name: A } }\n\
         - change: { insert: Account, as: b, fields: { Name: B } }\n\
         - change: { delete: [a, b] }\n",
    ))
    .unwrap();
    assert!(matches!(&ok[2], Step::Change(RecordChange::Delete { names }) if names == &["a", "b"]));
    let e = plan(&items(
        "- change: { insert: Account, as: a, fields: { Name: A } }\n\
         - change: { delete: [a, ghost, phantom] }\n",
    ))
    .unwrap_err();
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(e[0].message.contains("ghost") && e[1].message.contains("phantom"));
    for bad in ["[]", "[a, 3]", "{ x: 1 }"] {
        let e = plan(&items(&format!("- change: {{ delete: {bad} }}\n"))).unwrap_err();
        assert!(e[0].message.contains("delete"), "{bad}: {e:?}");
    }
}

#[test]
fn unknown_steps_and_settings_get_a_message_naming_the_choices() {
    let e = plan(&items(
        "- explode\n- wait: forever\n- publish: { event: A__e, colour: red }\n- wait_for: {}\n",
    ))
    .unwrap_err();
    assert_eq!(e.len(), 4, "{e:?}");
    assert!(e[0].message.contains("wait_for"));
    assert!(e[1].message.contains("duration"));
    assert!(e[2].message.contains("colour"));
    assert!(e[3].message.contains("subscribed"));
}

#[test]
fn waits_longer_than_five_minutes_are_refused() {
    let e = plan(&items("- wait: 10m\n")).unwrap_err();
    assert!(e[0].message.contains("5m"));
}

#[test]
fn numbered_fields_replace_n_in_text_only() {
    let mut f = serde_json::Map::new();
    f.insert("A".into(), "SO-{n}".into());
    f.insert("B".into(), 7.into());
    let out = numbered(&f, 3);
    assert_eq!(out["A"], "SO-3");
    assert_eq!(out["B"], 7);
}
