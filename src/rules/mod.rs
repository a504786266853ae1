//! The rule catalogue: small values from lab YAML that judge an [`Evidence`].
//!
//! A check in `lab.yaml` reads `{ rule: state.idempotent, points: 3, ... }`. [`RuleSpec`]
//! deserialises it, rejecting unknown rules and bad parameters with a message an author can
//! act on, so a broken lab fails when the curriculum loads rather than when a learner runs it.
//! [`RuleSpec::check`] is pure and synchronous: evidence in, [`Verdict`] out, no IO.
//!
//! Families: `http` (requests made, order, budgets), `oauth` (grants, PKCE, a fresh challenge
//! and state per sign-in, refresh, JWT claims, token reuse), `rest` and `query` (upsert, PATCH, explicit fields, pagination),
//! `state` (idempotence, SOQL expectations, duplicates), `retry` (Retry-After, backoff, no
//! retry on 4xx, retries safe to repeat), `hygiene` (secrets in sources and output, exit
//! status), `process` (what the program printed, that it reports what the org answered, and the errors it gave up on), `bulk` (failed results, locators), `files`
//! (CSV files the program wrote), `design` (tables in a design document), `breaker` (circuit
//! breakers), `org` and `callout` (lab actions the org performed, its callouts and deployed
//! callout setup), `soap` (partner API envelopes: session header, no password login,
//! all-or-none, faults), `mcp` (MCP tools called), `review` (findings of a security review),
//! `events` (published, subscribed, replay resumed, idempotent consumers), `erp` (the mock
//! ERP's order book).
//!
//! Rules that need the mock org's internals (its auth log, its snapshots) answer
//! "not applicable" on the sandbox backend and say why.

mod breaker;
mod bulk;
mod callout;
mod choice;
mod cx;
mod design;
mod design_params;
mod design_waits;
mod doc_table;
mod erp;
mod errors_reported;
mod events;
mod failed_records;
mod files;
mod http;
mod hygiene;
mod json_body;
mod mcp;
mod mcp_arguments;
mod mention;
mod negation;
mod oauth;
mod oauth_flow;
mod oauth_jwt;
mod oauth_replayed;
mod oauth_tokens;
mod oauth_usage;
mod output;
mod pairing;
mod pkce_shape;
mod reasons;
mod redelivery;
mod refusal;
mod rest;
mod retry;
mod retry_deliveries;
mod retry_safety;
mod review;
mod soap;
mod soql_statement;
mod spec;
mod state;
mod verdict;

#[cfg(test)]
pub(crate) mod fixture;

pub use erp::ERP_ORDER_BOOK;
pub use spec::{RuleSpec, RuleSpecError, RULE_NAMES};
pub use verdict::{Verdict, VerdictStatus, NOT_AWARDED};

use crate::evidence::{Evidence, OrgSnapshot};
use cx::Cx;

/// Evaluates SOQL against a snapshot; the runner supplies one backed by the org's SOQL engine.
pub trait SoqlEvaluator {
    /// The rows `soql` returns on `snapshot`, as JSON objects, or a message saying why not.
    fn query(&self, snapshot: &OrgSnapshot, soql: &str) -> Result<Vec<serde_json::Value>, String>;
}

/// One parameterised rule (the part of a check after `rule:` and `points:`).
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    HttpRequest(http::RequestMade),
    HttpOrder(http::Order),
    HttpCallsAtMost(http::CallsAtMost),
    OauthGrantUsed(oauth::Grant),
    OauthGrantNotUsed(oauth::Grant),
    OauthPkceS256(oauth::NoParams),
    OauthRefreshThenRetryOnce(oauth::NoParams),
    OauthJwtClaims(oauth_jwt::JwtClaims),
    OauthTokenReused(oauth::TokenReused),
    OauthRefreshNotReused(oauth_usage::RefreshNotReused),
    OauthDevicePolling(oauth_usage::DevicePolling),
    OauthScopesRequested(oauth_usage::ScopesRequested),
    OauthClientUsed(oauth_usage::ClientUsed),
    OauthRefreshTokenKept(oauth::NoParams),
    RestUpsertByExternalId(rest::Upsert),
    RestPatchForUpdate(rest::PatchForUpdate),
    RestFieldsSelected(rest::NoParams),
    RestJsonBody(json_body::JsonBody),
    QueryPaginationFollowed(rest::Pagination),
    StateIdempotent(state::Idempotent),
    StateSoql(state::SoqlExpectation),
    StateNoDuplicates(state::NoDuplicates),
    RetryHonorsRetryAfter(retry::HonorsRetryAfter),
    RetryBackoff(retry::Backoff),
    RetryNoRetryOn4xx(retry::NoRetryOn4xx),
    SecretsNotInSources(hygiene::NoParams),
    SecretsNotInOutput(hygiene::NoParams),
    SecretsFilesPrivate(hygiene::NoParams),
    SecretsNotInUrl(hygiene::NoParams),
    ProcessExitOk(hygiene::ExitOk),
    ProcessExitRefused(hygiene::ExitRefused),
    ProcessOutputContains(output::OutputContains),
    ProcessOutputReports(output::OutputReports),
    ProcessErrorsReported(errors_reported::ErrorsReported),
    ProcessFailedRecordsReported(failed_records::FailedRecordsReported),
    BulkFailedResultsFetched(bulk::NoParams),
    BulkLocatorsFollowed(bulk::NoParams),
    FilesCsvRows(files::CsvRows),
    DesignTable(design::TableCheck),
    BreakerOpens(breaker::Opens),
    OrgActionOk(callout::ActionOk),
    CalloutMade(callout::CalloutMade),
    CalloutSetup(callout::Setup),
    RetrySafeToRepeat(retry_safety::SafeToRepeat),
    SoapSessionHeader(soap::NoParams),
    SoapNoPasswordLogin(soap::NoParams),
    SoapAllOrNone(soap::AllOrNone),
    SoapCall(soap::CallMade),
    McpToolsCalled(mcp::ToolsCalled),
    OauthNonceSent(oauth_tokens::NoParams),
    OauthIdTokenNotBearer(oauth_tokens::NoParams),
    OauthFreshPerLogin(oauth_flow::NoParams),
    OauthStateChecked(oauth_flow::NoParams),
    OauthIdTokenVerified(oauth_tokens::IdTokenVerified),
    OauthReplayedIdTokenRefused(oauth_replayed::ReplayedIdTokenRefused),
    ReviewFindings(review::Findings),
    ErpNoDuplicateOrders(erp::NoDuplicateOrders),
    ErpOrdersWrittenBack(erp::WrittenBack),
    EventsPublished(events::Published),
    EventsSubscribed(events::Subscribed),
    EventsReplayResumed(events::ReplayResumed),
    EventsConsumerIdempotent(events::ConsumerIdempotent),
}

impl RuleSpec {
    /// Judges the evidence; `state.soql` is not applicable without a SOQL evaluator.
    pub fn check(&self, evidence: &Evidence) -> Verdict {
        self.check_with(evidence, None)
    }

    /// Judges the evidence, evaluating `state.soql` queries with `soql`.
    pub fn check_with(&self, evidence: &Evidence, soql: Option<&dyn SoqlEvaluator>) -> Verdict {
        let cx = Cx {
            ev: evidence,
            soql,
            name: self.name(),
            points: self.points,
        };
        match &self.rule {
            Rule::HttpRequest(p) => http::request_made(p, &cx),
            Rule::HttpOrder(p) => http::order(p, &cx),
            Rule::HttpCallsAtMost(p) => http::calls_at_most(p, &cx),
            Rule::OauthGrantUsed(p) => oauth::grant_used(p, &cx),
            Rule::OauthGrantNotUsed(p) => oauth::grant_not_used(p, &cx),
            Rule::OauthPkceS256(_) => oauth::pkce_s256(&cx),
            Rule::OauthRefreshThenRetryOnce(_) => oauth::refresh_then_retry_once(&cx),
            Rule::OauthJwtClaims(p) => oauth_jwt::jwt_claims(p, &cx),
            Rule::OauthTokenReused(p) => oauth::token_reused(p, &cx),
            Rule::OauthRefreshNotReused(p) => oauth_usage::refresh_not_reused(p, &cx),
            Rule::OauthDevicePolling(p) => oauth_usage::device_polling(p, &cx),
            Rule::OauthScopesRequested(p) => oauth_usage::scopes_requested(p, &cx),
            Rule::OauthClientUsed(p) => oauth_usage::client_used(p, &cx),
            Rule::OauthRefreshTokenKept(_) => oauth_usage::refresh_token_kept(&cx),
            Rule::RestUpsertByExternalId(p) => rest::upsert_by_external_id(p, &cx),
            Rule::RestPatchForUpdate(p) => rest::patch_for_update(p, &cx),
            Rule::RestFieldsSelected(_) => rest::fields_selected(&cx),
            Rule::RestJsonBody(p) => json_body::json_body(p, &cx),
            Rule::QueryPaginationFollowed(p) => rest::pagination_followed(p, &cx),
            Rule::StateIdempotent(p) => state::idempotent(p, &cx),
            Rule::StateSoql(p) => state::soql(p, &cx),
            Rule::StateNoDuplicates(p) => state::no_duplicates(p, &cx),
            Rule::RetryHonorsRetryAfter(p) => retry::honors_retry_after(p, &cx),
            Rule::RetryBackoff(p) => retry::backoff(p, &cx),
            Rule::RetryNoRetryOn4xx(p) => retry::no_retry_on_4xx(p, &cx),
            Rule::SecretsNotInSources(_) => hygiene::secrets_not_in_sources(&cx),
            Rule::SecretsNotInOutput(_) => hygiene::secrets_not_in_output(&cx),
            Rule::SecretsFilesPrivate(_) => hygiene::secrets_files_private(&cx),
            Rule::SecretsNotInUrl(_) => hygiene::secrets_not_in_url(&cx),
            Rule::ProcessExitOk(p) => hygiene::exit_ok(p, &cx),
            Rule::ProcessExitRefused(p) => hygiene::exit_refused(p, &cx),
            Rule::ProcessOutputContains(p) => output::output_contains(p, &cx),
            Rule::ProcessOutputReports(p) => output::output_reports(p, &cx),
            Rule::ProcessErrorsReported(p) => errors_reported::errors_reported(p, &cx),
            Rule::ProcessFailedRecordsReported(p) => {
                failed_records::failed_records_reported(p, &cx)
            }
            Rule::BulkFailedResultsFetched(_) => bulk::failed_results_fetched(&cx),
            Rule::BulkLocatorsFollowed(_) => bulk::locators_followed(&cx),
            Rule::FilesCsvRows(p) => files::csv_rows(p, &cx),
            Rule::DesignTable(p) => design::table(p, &cx),
            Rule::BreakerOpens(p) => breaker::opens(p, &cx),
            Rule::OrgActionOk(p) => callout::action_ok(p, &cx),
            Rule::CalloutMade(p) => callout::callout_made(p, &cx),
            Rule::CalloutSetup(p) => callout::setup(p, &cx),
            Rule::RetrySafeToRepeat(p) => retry_safety::safe_to_repeat(p, &cx),
            Rule::SoapSessionHeader(_) => soap::session_header(&cx),
            Rule::SoapNoPasswordLogin(_) => soap::no_password_login(&cx),
            Rule::SoapAllOrNone(p) => soap::all_or_none(p, &cx),
            Rule::SoapCall(p) => soap::call_made(p, &cx),
            Rule::McpToolsCalled(p) => mcp::tools_called(p, &cx),
            Rule::OauthNonceSent(_) => oauth_tokens::nonce_sent(&cx),
            Rule::OauthIdTokenNotBearer(_) => oauth_tokens::id_token_not_bearer(&cx),
            Rule::OauthFreshPerLogin(_) => oauth_flow::fresh_per_login(&cx),
            Rule::OauthStateChecked(_) => oauth_flow::state_checked(&cx),
            Rule::OauthIdTokenVerified(p) => oauth_tokens::id_token_verified(p, &cx),
            Rule::OauthReplayedIdTokenRefused(p) => {
                oauth_replayed::replayed_id_token_refused(p, &cx)
            }
            Rule::ReviewFindings(p) => review::findings(p, &cx),
            Rule::ErpNoDuplicateOrders(p) => erp::no_duplicate_orders(p, &cx),
            Rule::ErpOrdersWrittenBack(p) => erp::orders_written_back(p, &cx),
            Rule::EventsPublished(p) => events::published(p, &cx),
            Rule::EventsSubscribed(p) => events::subscribed(p, &cx),
            Rule::EventsReplayResumed(p) => events::replay_resumed(p, &cx),
            Rule::EventsConsumerIdempotent(p) => events::consumer_idempotent(p, &cx),
        }
    }
}

/// Judges every check of a lab, in order.
pub fn check_all(
    specs: &[RuleSpec],
    evidence: &Evidence,
    soql: Option<&dyn SoqlEvaluator>,
) -> Vec<Verdict> {
    specs.iter().map(|s| s.check_with(evidence, soql)).collect()
}

/// Points awarded and possible over a set of verdicts (not-applicable ones count for neither).
pub fn score(verdicts: &[Verdict]) -> (u32, u32) {
    verdicts.iter().fold((0, 0), |(a, p), v| {
        (a + v.points_awarded, p + v.points_possible)
    })
}

/// True when no verdict failed (passes and not-applicable ones only).
pub fn all_passed(verdicts: &[Verdict]) -> bool {
    !verdicts.iter().any(Verdict::failed)
}
