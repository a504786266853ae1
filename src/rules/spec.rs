//! Reading a check from lab YAML (`{ rule: …, points: …, … }`) into a [`RuleSpec`], with
//! errors that name the rule, the parameter and what was expected.

use super::{breaker, http, retry, state, Rule};
use crate::matcher::{RequestPattern, PATTERN_KEYS};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// One check of a lab: a rule with its parameters and the points it is worth.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSpec {
    pub rule: Rule,
    pub points: u32,
    /// The check as written, kept so it can be shown and stored.
    pub source: Value,
}

/// Every rule name the catalogue knows.
pub const RULE_NAMES: &[&str] = &[
    "http.request",
    "http.order",
    "http.calls_at_most",
    "oauth.grant_used",
    "oauth.grant_not_used",
    "oauth.pkce_s256",
    "oauth.refresh_then_retry_once",
    "oauth.jwt_claims",
    "oauth.token_reused",
    "oauth.refresh_not_reused",
    "oauth.refresh_token_kept",
    "oauth.device_polling",
    "oauth.scopes_requested",
    "oauth.client_used",
    "rest.upsert_by_external_id",
    "rest.patch_for_update",
    "rest.fields_selected",
    "rest.json_body",
    "query.pagination_followed",
    "state.idempotent",
    "state.soql",
    "state.no_duplicates",
    "retry.honors_retry_after",
    "retry.backoff",
    "retry.no_retry_on_4xx",
    "secrets.not_in_sources",
    "secrets.not_in_output",
    "secrets.files_private",
    "secrets.not_in_url",
    "process.exit_ok",
    "process.exit_refused",
    "process.output_contains",
    "process.output_reports",
    "process.errors_reported",
    "process.failed_records_reported",
    "bulk.failed_results_fetched",
    "bulk.locators_followed",
    "files.csv_rows",
    "design.table",
    "breaker.opens",
    "org.action_ok",
    "callout.made",
    "callout.setup",
    "retry.safe_to_repeat",
    "soap.session_header",
    "soap.no_password_login",
    "soap.all_or_none",
    "soap.call",
    "mcp.tools_called",
    "oauth.nonce_sent",
    "oauth.id_token_not_bearer",
    "oauth.fresh_per_login",
    "oauth.state_checked",
    "oauth.id_token_verified",
    "oauth.replayed_id_token_refused",
    "review.findings",
    "erp.no_duplicate_orders",
    "erp.orders_written_back",
    "events.published",
    "events.subscribed",
    "events.replay_resumed",
    "events.consumer_idempotent",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleSpecError {
    #[error(
        "a check must be a mapping like `{{ rule: http.request, points: 1 }}`, but this one is {0}"
    )]
    NotAMapping(String),
    #[error("a check has no `rule:` key; add one, e.g. `rule: process.exit_ok`")]
    MissingRule,
    #[error("{}", unknown_rule(.name, .suggestion))]
    UnknownRule { name: String, suggestion: String },
    #[error("`points` of rule `{rule}` must be a whole number of 0 or more, not {found}")]
    BadPoints { rule: String, found: String },
    #[error("rule `{rule}`: {message}")]
    BadParameters { rule: String, message: String },
}

impl RuleSpec {
    /// The rule's name, e.g. `state.idempotent`.
    pub fn name(&self) -> &'static str {
        match &self.rule {
            Rule::HttpRequest(_) => "http.request",
            Rule::HttpOrder(_) => "http.order",
            Rule::HttpCallsAtMost(_) => "http.calls_at_most",
            Rule::OauthGrantUsed(_) => "oauth.grant_used",
            Rule::OauthGrantNotUsed(_) => "oauth.grant_not_used",
            Rule::OauthPkceS256(_) => "oauth.pkce_s256",
            Rule::OauthRefreshThenRetryOnce(_) => "oauth.refresh_then_retry_once",
            Rule::OauthJwtClaims(_) => "oauth.jwt_claims",
            Rule::OauthTokenReused(_) => "oauth.token_reused",
            Rule::OauthRefreshNotReused(_) => "oauth.refresh_not_reused",
            Rule::OauthRefreshTokenKept(_) => "oauth.refresh_token_kept",
            Rule::OauthDevicePolling(_) => "oauth.device_polling",
            Rule::OauthScopesRequested(_) => "oauth.scopes_requested",
            Rule::OauthClientUsed(_) => "oauth.client_used",
            Rule::RestUpsertByExternalId(_) => "rest.upsert_by_external_id",
            Rule::RestPatchForUpdate(_) => "rest.patch_for_update",
            Rule::RestFieldsSelected(_) => "rest.fields_selected",
            Rule::RestJsonBody(_) => "rest.json_body",
            Rule::QueryPaginationFollowed(_) => "query.pagination_followed",
            Rule::StateIdempotent(_) => "state.idempotent",
            Rule::StateSoql(_) => "state.soql",
            Rule::StateNoDuplicates(_) => "state.no_duplicates",
            Rule::RetryHonorsRetryAfter(_) => "retry.honors_retry_after",
            Rule::RetryBackoff(_) => "retry.backoff",
            Rule::RetryNoRetryOn4xx(_) => "retry.no_retry_on_4xx",
            Rule::SecretsNotInSources(_) => "secrets.not_in_sources",
            Rule::SecretsNotInOutput(_) => "secrets.not_in_output",
            Rule::SecretsFilesPrivate(_) => "secrets.files_private",
            Rule::SecretsNotInUrl(_) => "secrets.not_in_url",
            Rule::ProcessExitOk(_) => "process.exit_ok",
            Rule::ProcessExitRefused(_) => "process.exit_refused",
            Rule::ProcessOutputContains(_) => "process.output_contains",
            Rule::ProcessOutputReports(_) => "process.output_reports",
            Rule::ProcessErrorsReported(_) => "process.errors_reported",
            Rule::ProcessFailedRecordsReported(_) => "process.failed_records_reported",
            Rule::BulkFailedResultsFetched(_) => "bulk.failed_results_fetched",
            Rule::BulkLocatorsFollowed(_) => "bulk.locators_followed",
            Rule::FilesCsvRows(_) => "files.csv_rows",
            Rule::DesignTable(_) => "design.table",
            Rule::BreakerOpens(_) => "breaker.opens",
            Rule::OrgActionOk(_) => "org.action_ok",
            Rule::CalloutMade(_) => "callout.made",
            Rule::CalloutSetup(_) => "callout.setup",
            Rule::RetrySafeToRepeat(_) => "retry.safe_to_repeat",
            Rule::SoapSessionHeader(_) => "soap.session_header",
            Rule::SoapNoPasswordLogin(_) => "soap.no_password_login",
            Rule::SoapAllOrNone(_) => "soap.all_or_none",
            Rule::SoapCall(_) => "soap.call",
            Rule::McpToolsCalled(_) => "mcp.tools_called",
            Rule::OauthNonceSent(_) => "oauth.nonce_sent",
            Rule::OauthIdTokenNotBearer(_) => "oauth.id_token_not_bearer",
            Rule::OauthFreshPerLogin(_) => "oauth.fresh_per_login",
            Rule::OauthStateChecked(_) => "oauth.state_checked",
            Rule::OauthIdTokenVerified(_) => "oauth.id_token_verified",
            Rule::OauthReplayedIdTokenRefused(_) => "oauth.replayed_id_token_refused",
            Rule::ReviewFindings(_) => "review.findings",
            Rule::ErpNoDuplicateOrders(_) => "erp.no_duplicate_orders",
            Rule::ErpOrdersWrittenBack(_) => "erp.orders_written_back",
            Rule::EventsPublished(_) => "events.published",
            Rule::EventsSubscribed(_) => "events.subscribed",
            Rule::EventsReplayResumed(_) => "events.replay_resumed",
            Rule::EventsConsumerIdempotent(_) => "events.consumer_idempotent",
        }
    }

    /// Parses one check (already read from YAML or JSON).
    pub fn from_value(value: Value) -> Result<RuleSpec, RuleSpecError> {
        let Value::Object(mut map) = value.clone() else {
            return Err(RuleSpecError::NotAMapping(kind_of(&value)));
        };
        let name = match map.remove("rule") {
            Some(Value::String(s)) => s,
            Some(other) => {
                return Err(RuleSpecError::UnknownRule {
                    name: other.to_string(),
                    suggestion: String::new(),
                })
            }
            None => return Err(RuleSpecError::MissingRule),
        };
        let points = match map.remove("points") {
            None => 1,
            Some(Value::Number(n)) => {
                n.as_u64()
                    .and_then(|p| u32::try_from(p).ok())
                    .ok_or_else(|| RuleSpecError::BadPoints {
                        rule: name.clone(),
                        found: n.to_string(),
                    })?
            }
            Some(other) => {
                return Err(RuleSpecError::BadPoints {
                    rule: name.clone(),
                    found: other.to_string(),
                })
            }
        };
        let rule = parse_rule(&name, map)?;
        Ok(RuleSpec {
            rule,
            points,
            source: value,
        })
    }
}

/// Keys every check takes besides its rule's own parameters.
const CHECK_KEYS: &[&str] = &["points", "hidden"];

/// A serde message about a check's parameters, made plain: Rust type names in words and, for
/// an unknown key, the closest key the check takes ("did you mean") and every key it takes —
/// serde names only the fields of the part that failed (a rule's own counts, not the request
/// pattern or `points`).
fn parameter_message(e: &serde_json::Error, also: &[&str]) -> String {
    let message = crate::yaml_input::plain_types(&e.to_string());
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message;
    };
    let Some((typed, expected)) = rest.split_once('`') else {
        return message;
    };
    let mut keys: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    keys.extend(also.iter().copied().filter(|k| !CHECK_KEYS.contains(k)));
    keys.extend_from_slice(CHECK_KEYS);
    let tip = match crate::suggest::closest(typed, keys.iter().copied()).first() {
        Some(close) => format!(" (did you mean `{close}`?)"),
        None => String::new(),
    };
    let named: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
    format!(
        "unknown field `{typed}`{tip}; this check takes {}",
        crate::wording::either(named)
    )
}

fn parse_rule(name: &str, map: Map<String, Value>) -> Result<Rule, RuleSpecError> {
    let bad = |e: serde_json::Error| RuleSpecError::BadParameters {
        rule: name.to_string(),
        message: parameter_message(&e, &[]),
    };
    let rule = match name {
        "http.request" => Rule::HttpRequest(with_pattern(map, name)?),
        "http.order" => Rule::HttpOrder(params(map).map_err(bad)?),
        "http.calls_at_most" => Rule::HttpCallsAtMost(with_pattern(map, name)?),
        "oauth.grant_used" => Rule::OauthGrantUsed(params(map).map_err(bad)?),
        "oauth.grant_not_used" => Rule::OauthGrantNotUsed(params(map).map_err(bad)?),
        "oauth.pkce_s256" => Rule::OauthPkceS256(params(map).map_err(bad)?),
        "oauth.refresh_then_retry_once" => {
            Rule::OauthRefreshThenRetryOnce(params(map).map_err(bad)?)
        }
        "oauth.jwt_claims" => Rule::OauthJwtClaims(params(map).map_err(bad)?),
        "oauth.token_reused" => Rule::OauthTokenReused(params(map).map_err(bad)?),
        "oauth.refresh_not_reused" => Rule::OauthRefreshNotReused(params(map).map_err(bad)?),
        "oauth.refresh_token_kept" => Rule::OauthRefreshTokenKept(params(map).map_err(bad)?),
        "oauth.device_polling" => Rule::OauthDevicePolling(params(map).map_err(bad)?),
        "oauth.scopes_requested" => Rule::OauthScopesRequested(params(map).map_err(bad)?),
        "oauth.client_used" => Rule::OauthClientUsed(params(map).map_err(bad)?),
        "rest.upsert_by_external_id" => Rule::RestUpsertByExternalId(params(map).map_err(bad)?),
        "rest.patch_for_update" => Rule::RestPatchForUpdate(params(map).map_err(bad)?),
        "rest.fields_selected" => Rule::RestFieldsSelected(params(map).map_err(bad)?),
        "rest.json_body" => Rule::RestJsonBody(with_pattern(map, name)?),
        "query.pagination_followed" => Rule::QueryPaginationFollowed(params(map).map_err(bad)?),
        "state.idempotent" => Rule::StateIdempotent(params(map).map_err(bad)?),
        "state.soql" => {
            let p: state::SoqlExpectation = params(map).map_err(bad)?;
            if p.count.is_none() && p.rows.is_none() {
                return Err(RuleSpecError::BadParameters {
                    rule: name.to_string(),
                    message: "give `count:` (how many rows) or `rows:` (the expected rows)".into(),
                });
            }
            // The query's syntax is checked when the lab loads; its objects and fields, which
            // depend on the lab's org, when it runs.
            if let Err(e) = crate::org::soql::parse_query(&p.query) {
                return Err(RuleSpecError::BadParameters {
                    rule: name.to_string(),
                    message: format!("`query:` is not valid SOQL: {}", one_line(&e.to_string())),
                });
            }
            Rule::StateSoql(p)
        }
        "state.no_duplicates" => Rule::StateNoDuplicates(params(map).map_err(bad)?),
        "retry.honors_retry_after" => {
            let p: retry::HonorsRetryAfter = params(map).map_err(bad)?;
            Rule::RetryHonorsRetryAfter(sensible(name, p.problem(), p)?)
        }
        "retry.backoff" => {
            let p: retry::Backoff = params(map).map_err(bad)?;
            Rule::RetryBackoff(sensible(name, p.problem(), p)?)
        }
        "retry.no_retry_on_4xx" => {
            let p: retry::NoRetryOn4xx = params(map).map_err(bad)?;
            Rule::RetryNoRetryOn4xx(sensible(name, p.problem(), p)?)
        }
        "secrets.not_in_sources" => Rule::SecretsNotInSources(params(map).map_err(bad)?),
        "secrets.not_in_output" => Rule::SecretsNotInOutput(params(map).map_err(bad)?),
        "secrets.files_private" => Rule::SecretsFilesPrivate(params(map).map_err(bad)?),
        "secrets.not_in_url" => Rule::SecretsNotInUrl(params(map).map_err(bad)?),
        "process.exit_ok" => {
            let p: super::hygiene::ExitOk = params(map).map_err(bad)?;
            if let Some(message) = p.problem() {
                return Err(RuleSpecError::BadParameters {
                    rule: name.to_string(),
                    message: message.into(),
                });
            }
            Rule::ProcessExitOk(p)
        }
        "process.exit_refused" => {
            let p: super::hygiene::ExitRefused = params(map).map_err(bad)?;
            if let Some(message) = p.problem() {
                return Err(RuleSpecError::BadParameters {
                    rule: name.to_string(),
                    message: message.into(),
                });
            }
            Rule::ProcessExitRefused(p)
        }
        "process.output_contains" => {
            let p: super::output::OutputContains = params(map).map_err(bad)?;
            if let Some(message) = p.problem() {
                return Err(RuleSpecError::BadParameters {
                    rule: name.to_string(),
                    message: message.into(),
                });
            }
            Rule::ProcessOutputContains(p)
        }
        "process.output_reports" => {
            let p: super::output::OutputReports = with_pattern(map, name)?;
            if let Some(message) = p.problem() {
                return Err(RuleSpecError::BadParameters {
                    rule: name.to_string(),
                    message,
                });
            }
            Rule::ProcessOutputReports(p)
        }
        "process.errors_reported" => Rule::ProcessErrorsReported(with_pattern(map, name)?),
        "process.failed_records_reported" => {
            Rule::ProcessFailedRecordsReported(with_pattern(map, name)?)
        }
        "bulk.failed_results_fetched" => Rule::BulkFailedResultsFetched(params(map).map_err(bad)?),
        "bulk.locators_followed" => Rule::BulkLocatorsFollowed(params(map).map_err(bad)?),
        "files.csv_rows" => {
            let p: super::files::CsvRows = params(map).map_err(bad)?;
            if p.rows.is_none() && p.query.is_none() && p.same_as.is_none() {
                return Err(RuleSpecError::BadParameters {
                    rule: name.to_string(),
                    message: "give `rows:` (how many data rows), `query:` (a SOQL query whose row count is expected) or `same_as:` (the request whose CSV answer the file holds)".into(),
                });
            }
            Rule::FilesCsvRows(p)
        }
        "design.table" => {
            // A value of the wrong shape is told by its field; serde's message names neither.
            if let Some(message) = super::design_params::shape_problem(&map) {
                return Err(RuleSpecError::BadParameters {
                    rule: name.to_string(),
                    message,
                });
            }
            let p: super::design::TableCheck = params(map).map_err(bad)?;
            if p.columns.is_empty() {
                return Err(RuleSpecError::BadParameters {
                    rule: name.to_string(),
                    message: "list the table's `columns:`; the first names each row".into(),
                });
            }
            if let Some(message) = p.problem() {
                return Err(RuleSpecError::BadParameters {
                    rule: name.to_string(),
                    message,
                });
            }
            Rule::DesignTable(p)
        }
        "breaker.opens" => Rule::BreakerOpens(breaker_params(map, name)?),
        "org.action_ok" => Rule::OrgActionOk(params(map).map_err(bad)?),
        "callout.made" => Rule::CalloutMade(params(map).map_err(bad)?),
        "callout.setup" => Rule::CalloutSetup(params(map).map_err(bad)?),
        "retry.safe_to_repeat" => Rule::RetrySafeToRepeat(with_pattern(map, name)?),
        "soap.session_header" => Rule::SoapSessionHeader(params(map).map_err(bad)?),
        "soap.no_password_login" => Rule::SoapNoPasswordLogin(params(map).map_err(bad)?),
        "soap.all_or_none" => Rule::SoapAllOrNone(params(map).map_err(bad)?),
        "soap.call" => Rule::SoapCall(params(map).map_err(bad)?),
        "mcp.tools_called" => {
            let p: super::mcp::ToolsCalled = params(map).map_err(bad)?;
            Rule::McpToolsCalled(sensible(name, p.problem(), p)?)
        }
        "oauth.nonce_sent" => Rule::OauthNonceSent(params(map).map_err(bad)?),
        "oauth.id_token_not_bearer" => Rule::OauthIdTokenNotBearer(params(map).map_err(bad)?),
        "oauth.fresh_per_login" => Rule::OauthFreshPerLogin(params(map).map_err(bad)?),
        "oauth.state_checked" => Rule::OauthStateChecked(params(map).map_err(bad)?),
        "oauth.id_token_verified" => Rule::OauthIdTokenVerified(params(map).map_err(bad)?),
        "oauth.replayed_id_token_refused" => {
            Rule::OauthReplayedIdTokenRefused(params(map).map_err(bad)?)
        }
        "review.findings" => {
            let p: super::review::Findings = params(map).map_err(bad)?;
            if let Some(unknown) = p.evidence.as_ref().and_then(|e| {
                e.places
                    .keys()
                    .find(|label| !p.findings.contains_key(*label))
            }) {
                return Err(RuleSpecError::BadParameters {
                    rule: name.to_string(),
                    message: format!(
                        "`evidence: places:` names {unknown:?}, which is not one of `findings:`"
                    ),
                });
            }
            if let Some(message) = p.problem() {
                return Err(RuleSpecError::BadParameters {
                    rule: name.to_string(),
                    message,
                });
            }
            Rule::ReviewFindings(p)
        }
        "erp.no_duplicate_orders" => Rule::ErpNoDuplicateOrders(params(map).map_err(bad)?),
        "erp.orders_written_back" => Rule::ErpOrdersWrittenBack(params(map).map_err(bad)?),
        "events.published" => Rule::EventsPublished(params(map).map_err(bad)?),
        "events.subscribed" => Rule::EventsSubscribed(params(map).map_err(bad)?),
        "events.replay_resumed" => Rule::EventsReplayResumed(params(map).map_err(bad)?),
        "events.consumer_idempotent" => Rule::EventsConsumerIdempotent(params(map).map_err(bad)?),
        unknown => {
            let suggestion = closest(unknown)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            return Err(RuleSpecError::UnknownRule {
                name: unknown.to_string(),
                suggestion,
            });
        }
    };
    Ok(rule)
}

/// What an unknown rule name is told: the rules of the family it names (`http.` …), or the
/// families when it names none — not all sixty rules.
fn unknown_rule(name: &str, suggestion: &str) -> String {
    let family = |rule: &str| rule.split_once('.').map_or("", |(f, _)| f).to_string();
    let typed = family(name).to_lowercase();
    let same: Vec<&str> = RULE_NAMES
        .iter()
        .copied()
        .filter(|r| !typed.is_empty() && family(r) == typed)
        .collect();
    if same.is_empty() {
        let mut families: Vec<String> = RULE_NAMES.iter().map(|r| family(r)).collect();
        families.sort();
        families.dedup();
        let families: Vec<String> = families.iter().map(|f| format!("{f}.")).collect();
        format!(
            "unknown rule `{name}`{suggestion}; a rule's name starts with its family, one of {} (an unknown rule in a family is told that family's rules)",
            families.join(", ")
        )
    } else {
        format!(
            "unknown rule `{name}`{suggestion}; the `{typed}.` rules are {}",
            same.join(", ")
        )
    }
}

/// The parameters, unless `problem` says why they make no sense.
fn sensible<T>(name: &str, problem: Option<String>, p: T) -> Result<T, RuleSpecError> {
    match problem {
        Some(message) => Err(RuleSpecError::BadParameters {
            rule: name.to_string(),
            message,
        }),
        None => Ok(p),
    }
}

fn params<T: DeserializeOwned>(map: Map<String, Value>) -> Result<T, serde_json::Error> {
    serde_json::from_value(Value::Object(map))
}

/// Rules whose parameters embed a request pattern at the top level (`method:`, `path:`, ...).
fn with_pattern<T: http::WithPattern>(
    mut map: Map<String, Value>,
    name: &str,
) -> Result<T, RuleSpecError> {
    let mut pattern = Map::new();
    for key in PATTERN_KEYS {
        if let Some(v) = map.remove(*key) {
            pattern.insert((*key).to_string(), v);
        }
    }
    let bad = |e: serde_json::Error| RuleSpecError::BadParameters {
        rule: name.to_string(),
        message: parameter_message(&e, PATTERN_KEYS),
    };
    let pattern: RequestPattern = params(pattern).map_err(bad)?;
    known_method(&pattern, name)?;
    let rest: T::Rest = params(map).map_err(bad)?;
    let rule = T::assemble(pattern, rest);
    match rule.conflict() {
        Some(message) => Err(RuleSpecError::BadParameters {
            rule: name.to_string(),
            message,
        }),
        None => Ok(rule),
    }
}

/// A pattern's `method` must be an HTTP method: `GTE` would never match, and the check would
/// fail every learner for the author's typo.
fn known_method(pattern: &RequestPattern, name: &str) -> Result<(), RuleSpecError> {
    match pattern.unknown_method() {
        None => Ok(()),
        Some(m) => Err(RuleSpecError::BadParameters {
            rule: name.to_string(),
            message: format!(
                "`method: {m}` is not an HTTP method: use GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or QUERY"
            ),
        }),
    }
}

/// `breaker.opens`: a request pattern plus `failures` and `cooldown`.
fn breaker_params(
    mut map: Map<String, Value>,
    name: &str,
) -> Result<breaker::Opens, RuleSpecError> {
    let bad = |message: String| RuleSpecError::BadParameters {
        rule: name.to_string(),
        message,
    };
    let mut pattern = Map::new();
    for key in PATTERN_KEYS {
        if let Some(v) = map.remove(*key) {
            pattern.insert((*key).to_string(), v);
        }
    }
    let pattern: RequestPattern =
        params(pattern).map_err(|e| bad(parameter_message(&e, PATTERN_KEYS)))?;
    known_method(&pattern, name)?;
    let rest = params(map).map_err(|e| bad(parameter_message(&e, PATTERN_KEYS)))?;
    breaker::Opens::assemble(pattern, rest).map_err(bad)
}

fn kind_of(v: &Value) -> String {
    match v {
        Value::Null => "empty".into(),
        Value::Bool(_) => "a true/false value".into(),
        Value::Number(_) => "a number".into(),
        Value::String(s) => format!("the text \"{s}\""),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}

/// The known rule nearest to a misspelt one, if close enough.
fn closest(name: &str) -> Option<&'static str> {
    RULE_NAMES
        .iter()
        .map(|k| (similar::TextDiff::from_chars(name, k).ratio(), *k))
        .filter(|(r, _)| *r >= 0.75)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

impl<'de> Deserialize<'de> for RuleSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        RuleSpec::from_value(value).map_err(serde::de::Error::custom)
    }
}

impl Serialize for RuleSpec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.source.serialize(s)
    }
}

/// A multi-line org error (SOQL's `query ^ ERROR at Row:1:Column:8 …` form) on one line, the
/// caret line left out.
pub fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && l.chars().any(|c| c != '^'))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> Result<RuleSpec, RuleSpecError> {
        let v: Value = serde_yaml::from_str(yaml).expect("yaml");
        RuleSpec::from_value(v)
    }

    #[test]
    fn known_rule_with_points_parses() {
        let s = parse("{ rule: state.idempotent, points: 3 }").expect("valid");
        assert_eq!(s.name(), "state.idempotent");
        assert_eq!(s.points, 3);
    }

    #[test]
    fn a_state_soql_query_that_is_not_soql_is_refused_when_the_lab_loads() {
        let e = parse("{ rule: state.soql, query: SELEKT nonsense, count: 1 }").expect_err("bad");
        let text = e.to_string();
        assert!(text.contains("`query:` is not valid SOQL"), "{text}");
        assert!(text.contains("ERROR at Row:1:Column:1"), "{text}");
        assert!(!text.contains('\n'), "one line: {text}");
        assert!(parse("{ rule: state.soql, query: SELECT Id FROM Account, count: 1 }").is_ok());
    }

    #[test]
    fn retry_parameters_that_make_no_sense_are_refused_when_the_lab_loads() {
        for (yaml, says) in [
            (
                "{ rule: retry.honors_retry_after, tries: 0 }",
                "rule `retry.honors_retry_after`: `tries: 0` allows no call at all",
            ),
            (
                "{ rule: retry.honors_retry_after, at_most_extra_ms: -5 }",
                "`at_most_extra_ms: -5`",
            ),
            (
                "{ rule: retry.backoff, min_growth: 0.1 }",
                "rule `retry.backoff`: `min_growth: 0.1` is below 1",
            ),
            (
                "{ rule: retry.backoff, cap_ms: 0 }",
                "`cap_ms: 0` leaves no room",
            ),
            ("{ rule: retry.backoff, cap_ms: -100 }", "`cap_ms: -100`"),
            (
                "{ rule: retry.no_retry_on_4xx, statuses: [200, 503] }",
                "rule `retry.no_retry_on_4xx`: `statuses:` lists 200, 503, which are not 4xx statuses",
            ),
            (
                "{ rule: retry.no_retry_on_4xx, statuses: [] }",
                "names no status",
            ),
        ] {
            let text = parse(yaml).expect_err(yaml).to_string();
            assert!(text.contains(says), "{yaml}: {text}");
        }
        for ok in [
            "{ rule: retry.honors_retry_after, tries: 3, at_most_extra_ms: 1000 }",
            "{ rule: retry.backoff, min_growth: 1.0, cap_ms: 30000 }",
            "{ rule: retry.backoff }",
            "{ rule: retry.no_retry_on_4xx, statuses: [400, 403, 404] }",
        ] {
            assert!(parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn a_misspelt_key_is_told_the_nearest_key_the_check_takes() {
        let e = parse("{ rule: http.calls_at_most, metod: GET, max: 3 }").expect_err("typo");
        let text = e.to_string();
        assert!(
            text.contains("unknown field `metod` (did you mean `method`?)"),
            "{text}"
        );
        assert!(
            text.contains("`path`") && text.contains("`points`"),
            "{text}"
        );
        let e = parse("{ rule: http.request, path: /x, pionts: 1 }").expect_err("typo");
        assert!(e.to_string().contains("(did you mean `points`?)"), "{}", e);
        let e = parse("{ rule: process.exit_ok, zzzzzz: 1 }").expect_err("unknown");
        assert!(!e.to_string().contains("did you mean"), "{e}");
    }

    #[test]
    fn a_check_whose_method_is_no_http_method_is_refused() {
        let e = parse("{ rule: http.request, method: GTE, path: /x }").expect_err("typo");
        assert!(
            e.to_string()
                .contains("`method: GTE` is not an HTTP method"),
            "{e}"
        );
        assert!(parse("{ rule: http.request, method: get, path: /x }").is_ok());
    }

    #[test]
    fn points_default_to_one() {
        assert_eq!(parse("{ rule: process.exit_ok }").map(|s| s.points), Ok(1));
    }

    #[test]
    fn unknown_rule_suggests_the_nearest_name() {
        let e = parse("{ rule: state.idempotant }").expect_err("unknown");
        assert!(
            e.to_string().contains("did you mean `state.idempotent`"),
            "{e}"
        );
    }

    #[test]
    fn unknown_parameter_is_named() {
        let e = parse("{ rule: http.calls_at_most, max: 3, maxx: 4 }").expect_err("bad");
        assert!(e.to_string().contains("maxx"), "{e}");
        let e = parse("{ rule: process.exit_ok, strict: true }").expect_err("bad");
        assert!(e.to_string().contains("strict"), "{e}");
    }

    #[test]
    fn missing_required_parameter_is_named() {
        let e = parse("{ rule: rest.upsert_by_external_id, object: Account }").expect_err("bad");
        assert!(e.to_string().contains("field"), "{e}");
        let e = parse("{ rule: state.soql, query: SELECT Id FROM Account }").expect_err("bad");
        assert!(e.to_string().contains("count"), "{e}");
    }

    #[test]
    fn negative_points_and_missing_rule_are_rejected() {
        assert!(matches!(
            parse("{ rule: process.exit_ok, points: -1 }"),
            Err(RuleSpecError::BadPoints { .. })
        ));
        assert_eq!(parse("{ points: 1 }"), Err(RuleSpecError::MissingRule));
    }

    #[test]
    fn every_listed_rule_name_parses_with_its_minimal_parameters() {
        let minimal = |name: &str| -> &'static str {
            match name {
                "http.order" => "steps: [ { method: GET } ]",
                "http.calls_at_most" => "max: 5",
                "oauth.grant_used" | "oauth.grant_not_used" => "grant: client_credentials",
                "rest.upsert_by_external_id" => "object: Account, field: ERP_Id__c",
                "state.soql" => "query: SELECT Id FROM Account, count: 1",
                "state.no_duplicates" => "object: Account, field: Name",
                "process.output_contains" => "texts: [done]",
                "process.exit_refused" => "runs: [1]",
                "process.output_reports" => "path: /services/data/*/limits, values: [/Max]",
                "process.failed_records_reported" => "key: Web_Ref__c",
                "files.csv_rows" => "file: out.csv, rows: 1",
                "design.table" => "file: design.md, columns: [Question]",
                "breaker.opens" => "failures: 3, cooldown: 5s",
                "oauth.scopes_requested" => "allowed: [api]",
                "oauth.client_used" => "client_id: 3MVG9x",
                "org.action_ok" => "action: callout",
                "callout.made" => "named_credential: ERP",
                "callout.setup" => "split: [ERP]",
                "soap.call" => "operation: upsert",
                "mcp.tools_called" => "allowed: [soql_query]",
                "review.findings" => "file: f.md, columns: [Finding], findings: { a: [b] }",
                "erp.orders_written_back" => "object: Order, field: ERP_Order_Id__c",
                "events.published" => "event: OrderShipped__e",
                "events.subscribed" | "events.replay_resumed" => "channel: /event/A__e",
                "events.consumer_idempotent" => "object: Account, field: Name",
                _ => "",
            }
        };
        for name in RULE_NAMES {
            let yaml = format!("{{ rule: {name}, {} }}", minimal(name));
            let spec = parse(&yaml).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(spec.name(), *name);
        }
    }

    #[test]
    fn deserialises_inside_a_lab_yaml_list() {
        let checks: Result<Vec<RuleSpec>, _> =
            serde_yaml::from_str("- { rule: process.exit_ok }\n- { rule: nope }\n");
        let e = checks.expect_err("nope is unknown").to_string();
        assert!(e.contains("unknown rule `nope`"), "{e}");
    }

    #[test]
    fn an_unknown_rule_is_told_its_familys_rules_not_every_rule() {
        let e = parse("{ rule: http.requestt }").unwrap_err().to_string();
        assert!(
            e.contains("(did you mean `http.request`?)") && e.contains("the `http.` rules are"),
            "{e}"
        );
        assert!(!e.contains("process.exit_ok"), "{e}");
        let e = parse("{ rule: nope }").unwrap_err().to_string();
        assert!(e.contains("one of ") && e.contains("http., "), "{e}");
        assert!(!e.contains("http.request"), "{e}");
    }
}
