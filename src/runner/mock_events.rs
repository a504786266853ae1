//! The mock org's side of `run.scenario` and of the event evidence: publishing as sflab,
//! record changes as the lab's integration user, redelivery on purpose, counting the bus
//! log's subscriptions and deliveries, and the log as evidence JSON.

use super::parts::{EventMark, JsonMap, OrgChange};
use crate::evidence::EventActivity;
use crate::lab::scenario::EventPick;
use crate::org::events::{ReplayFrom, Transport};
use crate::org::Org;

/// The user scenario changes are made as: the seed's `integration` user, else the first.
fn acting_user(org: &Org) -> Result<crate::org::ids::SfId, String> {
    org.user("integration")
        .or_else(|| org.users.first())
        .map(|u| u.id)
        .ok_or_else(|| "the lab's org has no user to act as; add one under `org: users:`".into())
}

/// Publishes `event` with `fields` as sflab itself; its replay id.
pub fn publish(org: &Org, event: &str, fields: &JsonMap) -> Result<u64, String> {
    let user = acting_user(org)?;
    let store = org.store.read();
    let published = org
        .events
        .publish(&store, event, fields, user.as_str(), Transport::Runner)
        .map_err(|e| e.to_string())?;
    published
        .replay_id
        .ok_or_else(|| format!("{event} was held for a transaction that never committed"))
}

/// Makes `change` in the org; the record's id.
pub fn change(org: &Org, change: &OrgChange) -> Result<String, String> {
    let actor = org.actor(acting_user(org)?);
    let mut store = org.store.write();
    let done = match change {
        OrgChange::Insert { object, fields } => store.insert(object, fields, &actor),
        OrgChange::Update { id, fields } => {
            let object = store
                .locate(&crate::org::store::parse_id(id).map_err(|e| e.to_string())?)
                .map(|l| store.schema().object_at(l.0).name.clone())
                .ok_or_else(|| format!("there is no record {id} to update"))?;
            store.update(&object, id, fields, &actor)
        }
        OrgChange::Delete { ids } => {
            // One transaction: the listeners hear the deletes together.
            let deleted = store.all_or_none(|store| {
                ids.iter()
                    .map(|id| store.delete(None, id, &actor).map(|d| d.to_string()))
                    .collect::<Result<Vec<String>, _>>()
            });
            return deleted.map(|d| d.join(",")).map_err(|e| e.to_string());
        }
    };
    done.map(|c| c.to_string()).map_err(|e| e.to_string())
}

/// Queues the chosen event of `channel` for redelivery; its replay id.
pub fn redeliver(org: &Org, channel: &str, pick: EventPick) -> Result<u64, String> {
    let on_channel: Vec<u64> = org
        .events
        .log
        .published()
        .into_iter()
        .filter(|p| p.channel == channel)
        .map(|p| p.replay_id)
        .collect();
    let chosen = match pick {
        EventPick::Last => on_channel.last().copied(),
        EventPick::Nth(n) => usize::try_from(n)
            .ok()
            .and_then(|n| on_channel.get(n.saturating_sub(1)).copied()),
    }
    .ok_or_else(|| {
        format!(
            "{channel} has {} event(s) published in this attempt; there is no {pick:?} to redeliver",
            on_channel.len()
        )
    })?;
    if org.events.redeliver(channel, chosen) {
        Ok(chosen)
    } else {
        Err(format!("event {chosen} of {channel} is no longer retained"))
    }
}

/// Where the bus log is now.
pub fn mark(org: &Org) -> EventMark {
    EventMark {
        subscriptions: org.events.log.subscriptions().len(),
        deliveries: org.events.log.deliveries().len(),
    }
}

/// Subscriptions and deliveries after `since`, of `channel` or of all channels.
pub fn since(org: &Org, since: EventMark, channel: Option<&str>) -> EventMark {
    let wanted = |c: &str| channel.is_none_or(|w| w == c);
    EventMark {
        subscriptions: org
            .events
            .log
            .subscriptions()
            .iter()
            .skip(since.subscriptions)
            .filter(|s| wanted(&s.channel))
            .count(),
        deliveries: org
            .events
            .log
            .deliveries()
            .iter()
            .skip(since.deliveries)
            .filter(|d| wanted(&d.channel))
            .count(),
    }
}

/// The channels subscribed to after `since`, each once, in the order first subscribed.
pub fn channels_since(org: &Org, since: EventMark) -> Vec<String> {
    let mut channels: Vec<String> = Vec::new();
    for s in org
        .events
        .log
        .subscriptions()
        .iter()
        .skip(since.subscriptions)
    {
        if !channels.contains(&s.channel) {
            channels.push(s.channel.clone());
        }
    }
    channels
}

fn to_json<T: serde::Serialize>(items: Vec<T>) -> Vec<serde_json::Value> {
    items
        .into_iter()
        .filter_map(|i| serde_json::to_value(i).ok())
        .collect()
}

/// The bus log as evidence; each published platform event carries its `payload` while the
/// bus retains it (change events are described by their header, which rules do not need).
pub fn activity(org: &Org) -> EventActivity {
    let now = org.clock.now();
    let mut published = to_json(org.events.log.published());
    let mut retained: std::collections::BTreeMap<String, Vec<_>> = Default::default();
    for p in published.iter_mut() {
        let (Some(channel), Some(replay)) = (
            p.get("channel")
                .and_then(|c| c.as_str())
                .map(str::to_string),
            p.get("replay_id").and_then(|r| r.as_u64()),
        ) else {
            continue;
        };
        if !channel.starts_with("/event/") {
            continue;
        }
        let events = retained.entry(channel.clone()).or_insert_with(|| {
            org.events
                .bus
                .read(&channel, ReplayFrom::Earliest, usize::MAX, now)
                .unwrap_or_default()
        });
        let payload = events
            .iter()
            .find(|e| e.replay_id == replay)
            .map(|e| serde_json::Value::Object(e.payload().into_owned()));
        if let (Some(payload), Some(m)) = (payload, p.as_object_mut()) {
            m.insert("payload".into(), payload);
        }
    }
    EventActivity {
        published,
        delivered: to_json(org.events.log.deliveries()),
        subscriptions: to_json(org.events.log.subscriptions()),
        refused: to_json(org.events.log.refusals()),
        scenario: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> Org {
        let seed = crate::org::OrgSeed::from_yaml(
            "events:\n  platform:\n    Ping__e:\n      fields: { Note__c: text }\n  change_data_capture: [Account]\n",
        )
        .expect("seed");
        Org::new(&seed).expect("org")
    }

    #[test]
    fn scenario_publishes_and_changes_reach_the_bus_log() {
        let org = org();
        let mut f = JsonMap::new();
        f.insert("Note__c".into(), "hi".into());
        let first = publish(&org, "Ping__e", &f).unwrap();
        let mut a = JsonMap::new();
        a.insert("Name".into(), "Acme".into());
        let id = change(
            &org,
            &OrgChange::Insert {
                object: "Account".into(),
                fields: a.clone(),
            },
        )
        .unwrap();
        change(
            &org,
            &OrgChange::Update {
                id: id.clone(),
                fields: a,
            },
        )
        .unwrap();
        change(&org, &OrgChange::Delete { ids: vec![id] }).unwrap();
        let log = activity(&org);
        let vias: Vec<_> = log.published.iter().map(|p| p["via"].clone()).collect();
        assert_eq!(vias[0], "runner");
        assert_eq!(log.published[0]["replay_id"], first);
        assert_eq!(log.published[0]["payload"]["Note__c"], "hi");
        let cdc = log
            .published
            .iter()
            .filter(|p| p["channel"] == "/data/AccountChangeEvent")
            .count();
        assert_eq!(cdc, 3, "{:?}", log.published);
    }

    #[test]
    fn redeliver_picks_the_nth_event_of_the_channel_and_refuses_a_missing_one() {
        let org = org();
        let f = JsonMap::new();
        let ids: Vec<u64> = (0..3)
            .map(|_| publish(&org, "Ping__e", &f).unwrap())
            .collect();
        assert_eq!(
            redeliver(&org, "/event/Ping__e", EventPick::Nth(2)),
            Ok(ids[1])
        );
        assert_eq!(
            redeliver(&org, "/event/Ping__e", EventPick::Last),
            Ok(ids[2])
        );
        let e = redeliver(&org, "/event/Ping__e", EventPick::Nth(9)).unwrap_err();
        assert!(e.contains("3 event(s)"), "{e}");
    }
}
