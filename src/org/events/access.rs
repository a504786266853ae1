//! Who may subscribe to a channel and publish an event, where the org enforces object access
//! (`auth: { enforce_object_access: true }`), as REST enforces it for records: the Streaming
//! API and the Pub/Sub API ask here before they subscribe, publish or deliver.
//!
//! Implementation notes (the CDC guide's "Required Permissions for Change Event Subscribers";
//! the Platform Events guide's permissions for platform events):
//! - A platform event's channel (`/event/X__e`) needs Read on the event; publishing it needs
//!   Create, as the REST publish asks.
//! - A single object's change channel (`/data/AccountChangeEvent`) needs View All Records on
//!   the object, or View All Data ([`Op::ViewAll`]). Without it the subscription is refused.
//! - `/data/ChangeEvents` may be subscribed by anyone: the org enforces the permissions on
//!   delivery, each subscriber receiving only the change events of objects they may View All
//!   ([`may_receive`]).
//! - Field-level security on delivered change events (the guide: events carry only fields
//!   the subscriber may read) is not applied: a subscriber who may View All an object reads
//!   all its fields in sflab's labs, and filtering payloads per subscriber is left for later.
//! - Where the org does not enforce object access, everyone may do everything, as in REST.

use super::schema::{EventKind, EventType};
use super::{BusEvent, ALL_CHANGE_EVENTS};
use crate::org::auth::access::Op;
use crate::org::Org;

/// Why `user_id` may not subscribe to `channel`, when the org enforces object access: a
/// sentence naming the permission that is missing. `None` when allowed (or the channel is
/// unknown: that refusal is the caller's).
pub fn subscribe_refusal(org: &Org, user_id: &str, channel: &str) -> Option<String> {
    if channel == ALL_CHANGE_EVENTS || !org.auth.enforces_object_access() {
        return None;
    }
    let ty = org.events.type_of_channel(channel)?;
    match &ty.kind {
        EventKind::Platform(_) => org
            .auth
            .object_refusal(user_id, &ty.name, Op::Read)
            .map(|_| {
                format!(
                    "Insufficient permissions to subscribe to {channel}: the user needs Read on the platform event {}.",
                    ty.name
                )
            }),
        EventKind::Change { object } => org
            .auth
            .object_refusal(user_id, object, Op::ViewAll)
            .map(|_| {
                format!(
                    "Insufficient permissions to subscribe to {channel}: the user needs View All Records on {object} (or View All Data) to receive its change events."
                )
            }),
    }
}

/// Why `user_id` may not publish `ty`, when the org enforces object access: Create on the
/// event, as the REST publish asks. `None` when allowed.
pub fn publish_refusal(org: &Org, user_id: &str, ty: &EventType) -> Option<String> {
    if !matches!(ty.kind, EventKind::Platform(_)) {
        return None;
    }
    org.auth
        .object_refusal(user_id, &ty.name, Op::Create)
        .map(|_| {
            format!(
                "Insufficient permissions to publish {}: the user needs Create on the platform event.",
                ty.name
            )
        })
}

/// Whether `user_id` receives `event` on `channel`: on `/data/ChangeEvents` only change events
/// of objects they may View All (see the module notes); everything on other channels (their
/// subscription was checked).
pub fn may_receive(org: &Org, user_id: &str, channel: &str, event: &BusEvent) -> bool {
    if channel != ALL_CHANGE_EVENTS || !org.auth.enforces_object_access() {
        return true;
    }
    match org.events.event_type(&event.event_name).map(|t| &t.kind) {
        Some(EventKind::Change { object }) => org
            .auth
            .object_refusal(user_id, object, Op::ViewAll)
            .is_none(),
        _ => true,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::org::OrgSeed;

    /// An org enforcing object access (or not) with `digest@lab.example`, who may read
    /// Account only, and `watcher@lab.example`, who may View All Account and read and create
    /// OrderShipped__e; CDC on Account and Contact.
    pub(crate) fn least_privilege_org(enforce: bool) -> Org {
        let seed = OrgSeed::from_yaml(&format!(
            "users:\n\
             - {{ username: digest@lab.example, last_name: Digest, profile: Minimum Access - API Only Integrations, permission_sets: [Account_Read] }}\n\
             - {{ username: watcher@lab.example, last_name: Watcher, profile: Minimum Access - API Only Integrations, permission_sets: [Watcher] }}\n\
             permission_sets:\n\
             - {{ name: Account_Read, objects: {{ Account: [read] }} }}\n\
             - {{ name: Watcher, objects: {{ Account: [view_all], OrderShipped__e: [read, create] }} }}\n\
             auth: {{ enforce_object_access: {enforce} }}\n\
             events:\n\
             \x20 platform:\n\
             \x20   OrderShipped__e: {{ label: Order Shipped, fields: {{ Order_Number__c: text }} }}\n\
             \x20 change_data_capture: [Account, Contact]\n"
        ))
        .expect("seed");
        Org::new(&seed).expect("org")
    }

    pub(crate) fn user_id(org: &Org, username: &str) -> String {
        org.users
            .iter()
            .find(|u| u.username == username)
            .expect("seeded user")
            .id
            .to_string()
    }

    #[test]
    fn subscribing_needs_read_on_an_event_and_view_all_on_a_changed_object() {
        let org = least_privilege_org(true);
        let digest = user_id(&org, "digest@lab.example");
        let watcher = user_id(&org, "watcher@lab.example");
        let refused = |u: &str, c: &str| subscribe_refusal(&org, u, c);
        let why = refused(&digest, "/event/OrderShipped__e").expect("refused");
        assert!(
            why.contains("Read on the platform event OrderShipped__e"),
            "{why}"
        );
        let why = refused(&digest, "/data/AccountChangeEvent").expect("refused");
        assert!(why.contains("View All Records on Account"), "{why}");
        assert!(refused(&digest, "/data/ContactChangeEvent").is_some());
        // The channel of every change event is open to all; delivery is filtered.
        assert!(refused(&digest, ALL_CHANGE_EVENTS).is_none());
        assert!(refused(&watcher, "/event/OrderShipped__e").is_none());
        assert!(refused(&watcher, "/data/AccountChangeEvent").is_none());
        assert!(refused(&watcher, "/data/ContactChangeEvent").is_some());
        let shipped = org.events.event_type("OrderShipped__e").unwrap().clone();
        assert!(publish_refusal(&org, &digest, &shipped).is_some());
        assert!(publish_refusal(&org, &watcher, &shipped).is_none());
    }

    #[test]
    fn orgs_that_do_not_enforce_object_access_let_everyone_subscribe_and_publish() {
        let org = least_privilege_org(false);
        let digest = user_id(&org, "digest@lab.example");
        assert!(subscribe_refusal(&org, &digest, "/event/OrderShipped__e").is_none());
        assert!(subscribe_refusal(&org, &digest, "/data/AccountChangeEvent").is_none());
        let shipped = org.events.event_type("OrderShipped__e").unwrap().clone();
        assert!(publish_refusal(&org, &digest, &shipped).is_none());
    }
}
