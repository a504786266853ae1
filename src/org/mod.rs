//! The built-in mock org: a faithful local Salesforce that real clients use unchanged.
//!
//! An [`Org`] is a cheap, cloneable handle to one org's state. `router(org)` gives the axum
//! router for every HTTP surface; `serve(listener, …, shutdown)` runs it on a listener the
//! caller owns (tests bind port 0). The wire behaviour follows the project's reference
//! contract; where real behaviour is not known, the code says so next to the choice.
//!
//! Layout: `clock` (the org's advanceable clock), `session` (token → session), `ids`
//! (record ids), `schema` + `standard_objects` (objects and fields), `value` + `record` +
//! `store` + `dml` (the record store and its DML rules — `store` has the API overview),
//! `repeated_keys` (a record named twice in one list of writes),
//! `change` (what each write changed), `snapshot` (comparable state, save/restore),
//! `describe` (describe JSON), `soql` (queries), `seed` + `default_org` (what an org starts
//! with), `build` (turning a seed into an org), `auth` (the OAuth 2.0 authorization server),
//! `user_activity` (User.IsActive, the one fact of whether a user may sign in).

pub mod apexrest;
pub mod auth;
mod build;
pub mod bulk;
pub mod callout;
mod cascade;
pub mod change;
pub mod clock;
pub mod composite;
pub mod default_org;
pub mod describe;
pub mod dml;
pub mod error;
pub mod events;
// Handlers answer early with a whole response (axum `Response`, tonic `Status`) as their
// frameworks intend; boxing it would only add noise.
#[allow(clippy::result_large_err)]
pub mod external;
pub mod extservices;
pub mod ids;
#[allow(clippy::result_large_err)]
pub mod mcp;
mod order_status;
pub mod origin;
pub(crate) mod overlong;
#[allow(clippy::result_large_err)]
pub mod pubsub;
pub mod read;
pub mod record;
pub mod repeated_keys;
pub mod rest;
pub mod schema;
pub mod seed;
pub(crate) mod seed_check;
pub mod serve;
pub mod session;
mod shapes;
pub mod snapshot;
pub mod soap;
pub mod soql;
pub mod standard_objects;
mod standard_objects_commerce;
mod standard_objects_crm;
mod standard_objects_login_history;
mod standard_objects_profile;
pub mod store;
pub mod streaming;
pub mod tls;
mod unmodelled;
mod user_activity;
mod validate;
pub mod value;
mod write_rules;

pub use change::{Change, ChangeKind};
pub use clock::OrgClock;
pub use error::{ErrorCode, SfError, UpsertError};
pub use ids::SfId;
pub use seed::{OrgSeed, SeedError};
pub use session::{Session, SessionError, SessionTable};
pub use snapshot::{Snapshot, SnapshotOptions};
pub use store::{Actor, Store, UpsertMode};
pub use validate::{Entry, FieldName, Given};

use parking_lot::RwLock;
use std::sync::Arc;

/// A user the org was seeded with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgUser {
    pub id: SfId,
    pub username: String,
    pub profile: Option<String>,
    /// The seed's `ref:` name for this user, if any.
    pub reference: Option<String>,
}

/// Everything one org holds. Other parts of sflab add their own fields here.
#[derive(Debug)]
pub struct OrgInner {
    /// The Organization id (`00D…`, 18 characters).
    pub id: SfId,
    pub clock: OrgClock,
    pub sessions: SessionTable,
    pub store: RwLock<Store>,
    /// The seed the org was built from (other parts read their own sections from `other`).
    pub seed: OrgSeed,
    /// The seeded users, first one first (the admin in the default org).
    pub users: Vec<OrgUser>,
    /// The OAuth 2.0 authorization server: apps, logins, tokens, permissions, decision log.
    pub auth: auth::AuthServer,
    /// Bulk API 2.0 jobs and the seed's `bulk:` settings.
    pub bulk: Arc<bulk::BulkJobs>,
    /// Serialises the all-or-none units of composite calls.
    pub composite: composite::CompositeUnits,
    /// Callouts, credentials, External Services and the built-in mock external services.
    pub outbound: callout::Outbound,
    /// Platform events, Change Data Capture and the event bus (the seed's `events:` section).
    pub events: Arc<events::Events>,
}

/// A cheap, cloneable handle to one mock org.
#[derive(Debug, Clone)]
pub struct Org(Arc<OrgInner>);

impl std::ops::Deref for Org {
    type Target = OrgInner;
    fn deref(&self) -> &OrgInner {
        &self.0
    }
}

impl Org {
    /// Builds an org from a seed, on a fresh clock.
    pub fn new(seed: &OrgSeed) -> Result<Org, SeedError> {
        let clock = OrgClock::new();
        let mut built = build::build(seed, clock.now())?;
        check_fixtures(seed, &built.store)?;
        let auth = auth::AuthConfig::for_seed(seed, &built.users)?;
        build::permission_sets(&mut built, &auth, clock.now())?;
        let bulk = bulk::BulkSettings::from_seed(seed)?;
        Org::assemble(seed.clone(), clock, built, auth, bulk)
    }

    /// The org `sflab org serve` starts with when no seed is given.
    pub fn default_org() -> Org {
        let seed = OrgSeed::from_yaml(default_org::DEFAULT_SEED)
            .expect("the embedded default seed is valid (pinned by a test)");
        let org = Org::new(&seed).expect("the embedded default seed applies (pinned by a test)");
        org.auth
            .install_default_apps(None)
            .expect("the default apps are valid (pinned by a test)");
        org
    }

    /// An org around a store restored from a data file; `seed` supplies the other sections.
    pub fn from_store(seed: &OrgSeed, store: Store) -> Result<Org, SeedError> {
        let built = build::adopt(seed, store)?;
        check_fixtures(seed, &built.store)?;
        let auth = auth::AuthConfig::for_seed(seed, &built.users)?;
        let bulk = bulk::BulkSettings::from_seed(seed)?;
        Org::assemble(seed.clone(), OrgClock::new(), built, auth, bulk)
    }

    /// Saves the store and what of the org outlives a restart beside it (the event bus's
    /// counters and the Bulk job counter, so replay ids, event ids and job ids are never
    /// given out twice), atomically.
    pub fn save(&self, path: &std::path::Path) -> Result<(), snapshot::PersistError> {
        let kept = KeptAcrossRestart {
            events: self.events.bus.marks(),
            next_event_number: events::rest::next_event_number(),
            bulk_job_ids: self.bulk.job_ids_issued(),
        };
        let kept = serde_json::to_value(kept).unwrap_or_default();
        self.store.read().save_with(path, kept)
    }

    /// Carries on from what [`Org::save`] kept beside the store (a null value keeps nothing).
    pub fn continue_from(&self, kept: &serde_json::Value) {
        let Ok(kept) = serde_json::from_value::<KeptAcrossRestart>(kept.clone()) else {
            return;
        };
        self.events.bus.continue_from(&kept.events);
        events::rest::continue_event_numbers_from(kept.next_event_number);
        self.bulk.continue_job_ids_after(kept.bulk_job_ids);
    }

    fn assemble(
        seed: OrgSeed,
        clock: OrgClock,
        built: build::Built,
        auth: auth::AuthConfig,
        bulk: bulk::BulkSettings,
    ) -> Result<Org, SeedError> {
        let mut store = built.store;
        let defs = events::EventDefs::from_seed(&seed)?;
        let events = Arc::new(events::Events::new(defs, store.schema(), clock.clone())?);
        store.on_transaction_of(
            events.change_capture_objects(),
            events::Events::transaction_listener(&events),
        );
        let sessions = SessionTable::new();
        // The ID-token signing key is shared by the process; generating one can only fail
        // if the system's random source fails, which nothing here could recover from.
        let keys = auth::OrgKeys::shared().expect("the system random source works");
        let auth = auth::AuthServer::new(
            auth,
            built.org_id.as_str(),
            clock.clone(),
            sessions.clone(),
            keys,
        );
        user_activity::follow(&mut store, &auth);
        let org = Org(Arc::new(OrgInner {
            id: built.org_id,
            clock,
            sessions,
            store: RwLock::new(store),
            seed,
            users: built.users,
            auth,
            bulk: Arc::new(bulk::BulkJobs::new(bulk)),
            composite: composite::CompositeUnits::default(),
            outbound: callout::Outbound::default(),
            events,
        }));
        standard_objects_login_history::feed_from(&org);
        Ok(org)
    }

    /// `user` acting now, on the org's clock.
    pub fn actor(&self, user: SfId) -> Actor {
        Actor::new(user, self.clock.now())
    }

    /// Issues a token that never expires for `user` (static tokens for `sflab org serve` and
    /// labs that are not about authentication), in the `00D…!…` shape clients expect.
    pub fn mint_static_token(&self, user: &OrgUser, scopes: &[&str]) -> String {
        let token = rest::static_token::new_token(self.id.as_str());
        self.sessions.insert(
            &token,
            Session {
                user_id: user.id.to_string(),
                org_id: self.id.to_string(),
                username: user.username.clone(),
                client_id: None,
                scopes: scopes.iter().map(|s| s.to_string()).collect(),
                issued_at: self.clock.now(),
                expires_at: None,
                family: None,
                interactive: false,
            },
        );
        token
    }

    /// A seeded user by username (case-insensitive) or by `ref:` name.
    pub fn user(&self, name: &str) -> Option<&OrgUser> {
        self.users
            .iter()
            .find(|u| u.username.eq_ignore_ascii_case(name) || u.reference.as_deref() == Some(name))
    }
}

#[cfg(test)]
mod dml_tests;

/// The seed's outbound sections, checked on their own and (Apex REST) against the built
/// schema: a broken fixture stops the org from starting with a message naming it.
fn check_fixtures(seed: &OrgSeed, store: &Store) -> Result<(), SeedError> {
    callout::check_fixtures(seed).map_err(|e| SeedError::Fixture(e.to_string()))?;
    let apex = apexrest::resource::resources(seed.other.get("apex_rest"))
        .map_err(|e| SeedError::Fixture(e.to_string()))?;
    apexrest::resource::check_schema(&apex, store.schema()).map_err(SeedError::Fixture)
}

/// What an org saved to a file keeps beside its store.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct KeptAcrossRestart {
    #[serde(default)]
    events: events::bus::BusMarks,
    #[serde(default)]
    next_event_number: u64,
    /// Bulk API 2.0 job ids given out (the jobs themselves are not kept).
    #[serde(default)]
    bulk_job_ids: u64,
}
