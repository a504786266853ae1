//! `http.*` rules: a request was made (within counts), requests came in an order, a budget of
//! calls was kept.

mod miss;
mod queries;
mod subrequests;

use super::cx::{plural, show, Cx};
use super::Verdict;
use crate::matcher::RequestPattern;
use serde::Deserialize;

/// Rules whose parameters carry a request pattern at the top level.
pub(crate) trait WithPattern {
    type Rest: serde::de::DeserializeOwned;
    fn assemble(pattern: RequestPattern, rest: Self::Rest) -> Self;
    /// Why the parameters cannot go together, if they cannot.
    fn conflict(&self) -> Option<String> {
        None
    }
}

/// `http.request`: at least `min` (default 1) and at most `max` requests matched (and, with
/// `status`, were answered with that status); with `runs`, counted in those runs only. With
/// `same_client_start`, for a lab whose `./run` is a test script starting a client per case,
/// the `min` requests must come from one start of that client (see `retry::client_start`):
/// a test that runs a client again after it gave up would otherwise make the second request
/// the client itself never made. With `gave_up_within_ms`, a counted request the client hung
/// up on (no answer recorded: its own deadline closed the connection) must have been given up
/// within that many milliseconds of being sent: a client told to give up after 2 seconds
/// that waits 3.8 still gets its answer in time from a fault that holds it 4. With `soql`, a
/// request counts only when the query it sends (its `q` parameter) reads no more than that
/// statement (see [`super::soql_statement::Statement::reads_no_more_than`]): a program that
/// queries every record and drops the unwanted ones in its own code has pulled more data than
/// the job needs, whatever it prints.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestMade {
    pub pattern: RequestPattern,
    pub min: usize,
    pub max: Option<usize>,
    pub status: Option<u16>,
    pub runs: Option<Vec<usize>>,
    pub same_client_start: bool,
    pub gave_up_within_ms: Option<i64>,
    pub soql: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Counts {
    #[serde(default = "one")]
    min: usize,
    #[serde(default)]
    max: Option<usize>,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    runs: Option<Vec<usize>>,
    #[serde(default)]
    same_client_start: bool,
    #[serde(default)]
    gave_up_within_ms: Option<i64>,
    #[serde(default, deserialize_with = "valid_soql")]
    soql: Option<String>,
}

/// `soql:` as written, refused when the lab loads if it is not SOQL the org reads.
fn valid_soql<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let text = String::deserialize(d)?;
    if let Err(e) = crate::org::soql::parse_query(&text) {
        let said = e.to_string();
        let first = said.lines().next().unwrap_or_default();
        return Err(serde::de::Error::custom(format!(
            "`soql` is not valid SOQL: {first}"
        )));
    }
    Ok(Some(text))
}

/// Whether `e`'s query (`q`) reads no more than `soql`; false when it sends none or none the
/// org reads.
fn reads_no_more(e: &crate::evidence::Exchange, soql: &str) -> bool {
    use super::soql_statement::Statement;
    match (
        e.query_param("q").as_deref().and_then(Statement::parse),
        Statement::parse(soql),
    ) {
        (Some(sent), Some(asked)) => sent.reads_no_more_than(&asked),
        _ => false,
    }
}

fn one() -> usize {
    1
}

impl WithPattern for RequestMade {
    type Rest = Counts;
    fn assemble(pattern: RequestPattern, rest: Counts) -> Self {
        RequestMade {
            pattern,
            min: rest.min,
            max: rest.max,
            status: rest.status,
            runs: rest.runs,
            same_client_start: rest.same_client_start,
            gave_up_within_ms: rest.gave_up_within_ms,
            soql: rest.soql,
        }
    }
}

/// `http.order`: requests matching each step were made in this order (others may come between).
/// With `succeeded`, a step counts only when the org answered it 2xx; with `same_record`, the
/// steps after the first must address the record whose `id` the first step's answer gave (its
/// 18- or 15-character form as a segment of the path) — a create, then read, update, delete
/// of that very record.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Order {
    pub steps: Vec<RequestPattern>,
    #[serde(default)]
    pub succeeded: bool,
    #[serde(default)]
    pub same_record: bool,
}

/// Why a request that matches a step's pattern does not count for it.
fn step_refusal(p: &Order, e: &crate::evidence::Exchange, record: Option<&str>) -> Option<String> {
    if p.succeeded && !matches!(e.status(), Some(s) if (200..300).contains(&s)) {
        // The org's error code and message say what to fix better than the status alone.
        let answer = match (e.status(), miss::answer(e)) {
            (_, Some(answer)) => format!("was answered {answer}"),
            (Some(s), None) => format!("was answered {s}"),
            (None, None) => "got no answer".to_string(),
        };
        return Some(format!(
            "{} {answer}: a step counts when the org accepts it (see what the response says)",
            show(e)
        ));
    }
    if let Some(id) = record {
        let short = id.get(..15).unwrap_or(id);
        let names_it = e.path().split('/').any(|seg| seg == id || seg == short);
        if !names_it {
            return Some(format!(
                "{} addresses another record than {id}, the one step 1 created: keep the id its answer gave and use it",
                show(e)
            ));
        }
    }
    None
}

/// `http.calls_at_most`: no more than `max` requests (matching the pattern, if one is given).
/// With `queries: true` (and no pattern), no more than `max` queries of the org's records,
/// whichever API carries them: REST or SOAP query, search, a Bulk query job (see `queries`).
#[derive(Debug, Clone, PartialEq)]
pub struct CallsAtMost {
    pub pattern: RequestPattern,
    pub max: usize,
    /// Count per learner run rather than over the whole attempt.
    pub per_run: bool,
    /// Count queries of the org's records instead of requests.
    pub queries: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Budget {
    max: usize,
    #[serde(default)]
    per_run: bool,
    #[serde(default)]
    queries: bool,
}

impl WithPattern for CallsAtMost {
    type Rest = Budget;
    fn assemble(pattern: RequestPattern, rest: Budget) -> Self {
        CallsAtMost {
            pattern,
            max: rest.max,
            per_run: rest.per_run,
            queries: rest.queries,
        }
    }

    fn conflict(&self) -> Option<String> {
        (self.queries && self.pattern != RequestPattern::default()).then(|| {
            "`queries: true` counts the queries of the org's records whichever API carries them; give it no request pattern (method, path, query, …)".to_string()
        })
    }
}

pub(crate) fn request_made(p: &RequestMade, cx: &Cx) -> Verdict {
    let in_runs = |e: &&crate::evidence::Exchange| {
        p.runs
            .as_ref()
            .is_none_or(|r| r.contains(&(e.run_index + 1)))
    };
    // Requests of the runs asked about, to the place asked for, answered as asked.
    let as_asked = |e: &&crate::evidence::Exchange| {
        in_runs(e)
            && p.pattern.matches_exchange(e)
            && p.status.is_none_or(|s| e.status() == Some(s))
    };
    let seqs: Vec<u64> = cx
        .ev
        .exchanges
        .iter()
        .filter(as_asked)
        .filter(|e| p.soql.as_deref().is_none_or(|q| reads_no_more(e, q)))
        .map(|e| e.seq)
        .collect();
    let n = seqs.len();
    let mut want = match p.status {
        Some(s) => format!("{} answered {s}", p.pattern.describe()),
        None => p.pattern.describe(),
    };
    if let Some(q) = &p.soql {
        want = format!("{want} whose query reads no more than `{q}`");
    }
    if let Some(runs) = p.runs.as_deref().and_then(crate::wording::runs) {
        want = format!("{want} in {runs}");
    }
    if let (Some(asked), true) = (&p.soql, n < p.min) {
        // Queries sent to the place asked for, answered as asked, that read more: name them,
        // since "none was made" would hide that the filter is missing from the query itself.
        let wider: Vec<&crate::evidence::Exchange> = cx
            .ev
            .exchanges
            .iter()
            .filter(as_asked)
            .filter(|e| !reads_no_more(e, asked))
            .collect();
        if let Some(first) = wider.first() {
            let sent = first
                .query_param("q")
                .map(|q| {
                    format!(
                        "sent `{}`",
                        q.split_whitespace().collect::<Vec<_>>().join(" ")
                    )
                })
                .unwrap_or_else(|| "sent no `q` query".to_string());
            return cx
                .fail(format!(
                    "Expected a request {want}, but {} {sent}, which reads more rows or other fields: filter in the query itself, so the org sends only what the job needs, rather than dropping records in your own code.",
                    show(first)
                ))
                .with_evidence(wider.iter().map(|e| e.seq));
        }
    }
    if n < p.min {
        // Requests that match but were answered otherwise are named: "none was made" would
        // send the learner looking for a call their program did make.
        let answered_otherwise: Vec<&crate::evidence::Exchange> = match p.status {
            Some(s) => cx
                .ev
                .exchanges
                .iter()
                .filter(in_runs)
                .filter(|e| p.pattern.matches_exchange(e) && e.status() != Some(s))
                .collect(),
            None => Vec::new(),
        };
        if let (0, Some(first)) = (n, answered_otherwise.first()) {
            // The org's error code and message name the fault better than the status alone.
            let shown = match (first.status(), miss::answer(first)) {
                (_, Some(answer)) => format!("was answered {answer}"),
                (Some(s), None) => format!("was answered {s}"),
                (None, None) => "got no response".to_string(),
            };
            let doubt = miss::header_doubt(&p.pattern, first)
                .map(|w| format!(" ({} {w})", show(first)))
                .unwrap_or_default();
            let what = match answered_otherwise.len() {
                1 => format!("the one made {shown}{doubt}: see what the response says"),
                k => format!("the {k} made were answered otherwise (the first {shown}{doubt}): see what the responses say"),
            };
            let seqs: Vec<u64> = answered_otherwise.iter().map(|e| e.seq).collect();
            return cx
                .fail(format!("Expected a request {want}, but {what}."))
                .with_evidence(seqs);
        }
        let msg = if n == 0 {
            // Requests to the same place that miss only a filter (a header, a parameter, the
            // body) are named too: the learner made the call, just not as asked.
            let place = crate::matcher::RequestPattern {
                method: p.pattern.method.clone(),
                path: p.pattern.path.clone(),
                ..Default::default()
            };
            let near: Vec<&crate::evidence::Exchange> = cx
                .ev
                .exchanges
                .iter()
                .filter(in_runs)
                .filter(|e| place != p.pattern && place.matches_exchange(e))
                .collect();
            match near.first() {
                Some(first) => {
                    let why = miss::mismatch(&p.pattern, first)
                        .unwrap_or_else(|| "differs from it".to_string());
                    let answer = miss::org_answer(first)
                        .map(|a| format!(" ({a})"))
                        .unwrap_or_default();
                    return cx
                        .fail(format!(
                            "Expected a request {want}, but the {} made to {} did not match it: {} {why}{answer}.",
                            plural(near.len(), "request"),
                            place.describe(),
                            super::cx::show(first)
                        ))
                        .with_evidence(near.iter().map(|e| e.seq));
                }
                None => format!("Expected a request {want}, but none was made."),
            }
        } else {
            format!(
                "Expected at least {} {want}, but saw {n}.",
                plural(p.min, "request")
            )
        };
        return cx.fail(msg).with_evidence(seqs);
    }
    if let Some(max) = p.max {
        if n > max {
            return cx
                .fail(format!(
                    "Expected at most {} {want}, but saw {n}.",
                    plural(max, "request")
                ))
                .with_evidence(seqs);
        }
    }
    if p.same_client_start {
        if let Some(why) = spread_over_starts(p, cx, &seqs, &want) {
            return cx.fail(why).with_evidence(seqs);
        }
    }
    if let Some(limit) = p.gave_up_within_ms {
        if let Some(why) = gave_up_late(cx, &seqs, limit) {
            return cx.fail(why).with_evidence(seqs);
        }
    }
    let refused = match p.status {
        None => refused_note(p, cx, &seqs),
        Some(_) => String::new(),
    };
    cx.pass(format!("Made {} {want}.{refused}", plural(n, "request")))
        .with_evidence(seqs)
}

/// The exchanges a verdict counted, by their sequence numbers, in the order recorded.
fn counted<'a>(cx: &'a Cx, seqs: &[u64]) -> Vec<&'a crate::evidence::Exchange> {
    cx.ev
        .exchanges
        .iter()
        .filter(|e| seqs.contains(&e.seq))
        .collect()
}

/// Why the counted requests fall short of `min` once only those from one start of the client
/// count: `None` when some start made `min` of them in one run, or when the proxy could not
/// tell which process sent a request (nothing is then guessed).
fn spread_over_starts(p: &RequestMade, cx: &Cx, seqs: &[u64], want: &str) -> Option<String> {
    use super::retry::client_start;
    let counted = counted(cx, seqs);
    let starts: Vec<(usize, u32)> = counted
        .iter()
        .map(|e| Some((e.run_index, client_start(e)?)))
        .collect::<Option<_>>()?;
    let most = starts
        .iter()
        .map(|k| starts.iter().filter(|o| *o == k).count())
        .max()
        .unwrap_or(0);
    if most >= p.min {
        return None;
    }
    let senders: Vec<String> = counted
        .iter()
        .zip(&starts)
        .map(|(e, (_, pid))| format!("#{} by process {pid}", e.seq))
        .collect();
    Some(format!(
        "Expected at least {} {want} from one start of your client, but the {} came from different starts ({}): your test ran the client again, so the retry was not the client's own. The client itself must try again.",
        plural(p.min, "request"),
        plural(counted.len(), "request"),
        senders.join(", ")
    ))
}

/// How much later than `limit_ms` a client may hang up on a request and still count as
/// giving up in time: the proxy sees the connection close a little after the client's timer
/// fires.
const GAVE_UP_SLACK_MS: i64 = 500;

/// Why the counted requests show a client that waited too long on a hung request before it
/// gave up (see [`RequestMade`]): the first one with no answer whose client hung up later
/// than `limit_ms` (and [`GAVE_UP_SLACK_MS`]) after sending it.
fn gave_up_late(cx: &Cx, seqs: &[u64], limit_ms: i64) -> Option<String> {
    let late = counted(cx, seqs).into_iter().find(|e| {
        e.response.is_none()
            && (e.finished_at - e.started_at).num_milliseconds() > limit_ms + GAVE_UP_SLACK_MS
    })?;
    let waited = (late.finished_at - late.started_at).num_milliseconds();
    Some(format!(
        "Your client waited {:.1}s on {} before it gave up; it must give up on an answer that has not come within {:.0} seconds and try again (curl: `--max-time {:.0}`).",
        waited as f64 / 1000.0,
        show(late),
        limit_ms as f64 / 1000.0,
        limit_ms as f64 / 1000.0
    ))
}

/// A word for a passing verdict whose every counted request the org answered with an error
/// (4xx or 5xx): the request was made as asked, but what came back is an error the later
/// checks will trip over, so its status, error code and message are quoted (a retired API
/// version's 410, an empty bearer token's 401). A lab that needs the call accepted says so
/// with `status:`; some labs want a refused call (a 400 a client must not retry).
fn refused_note(p: &RequestMade, cx: &Cx, seqs: &[u64]) -> String {
    let counted = counted(cx, seqs);
    let Some(last) = counted.last() else {
        return String::new();
    };
    if !counted.iter().all(|e| e.status().is_some_and(|s| s >= 400)) {
        return String::new();
    }
    let Some(answer) = miss::answer(last) else {
        return String::new();
    };
    let doubt = miss::header_doubt(&p.pattern, last)
        .map(|w| format!("; {} {w}", show(last)))
        .unwrap_or_default();
    let which = match counted.len() {
        1 => "it".to_string(),
        _ => format!("every one (the last, {})", show(last)),
    };
    format!(" The org answered {which} with an error: {answer}{doubt}.")
}

pub(crate) fn order(p: &Order, cx: &Cx) -> Verdict {
    let mut found = Vec::new();
    let mut from = 0;
    // The record step 1 created, once step 1 is found (`same_record`).
    let mut record: Option<String> = None;
    for (i, step) in p.steps.iter().enumerate() {
        let hit = cx.ev.exchanges[from..].iter().position(|e| {
            step.matches_exchange(e) && step_refusal(p, e, record.as_deref()).is_none()
        });
        match hit {
            Some(pos) => {
                let e = &cx.ev.exchanges[from + pos];
                found.push(e.seq);
                from += pos + 1;
                if p.same_record && i == 0 {
                    record = e
                        .response_json()
                        .and_then(|j| j.get("id").and_then(|v| v.as_str()).map(String::from));
                    if record.is_none() {
                        return cx
                            .fail(format!(
                                "Step 1 ({}) was made ({}), but its answer gave no record `id` for the next steps to use.",
                                step.describe(),
                                show(e)
                            ))
                            .with_evidence(found);
                    }
                }
            }
            None => {
                let refused = cx.ev.exchanges[from..]
                    .iter()
                    .filter(|e| step.matches_exchange(e))
                    .find_map(|e| step_refusal(p, e, record.as_deref()).map(|why| (e.seq, why)));
                if let Some((seq, why)) = refused {
                    return cx
                        .fail(format!(
                            "Step {} ({}) did not count: {why}.",
                            i + 1,
                            step.describe()
                        ))
                        .with_evidence(found.into_iter().chain([seq]));
                }
                let anywhere = cx.ev.exchanges.iter().find(|e| step.matches_exchange(e));
                let msg = match (i, anywhere) {
                    (_, None) => match other_method(step, &cx.ev.exchanges[from..]) {
                        Some(e) => format!(
                            "Step {} ({}) never happened; {} went to that address with another method.",
                            i + 1,
                            step.describe(),
                            show(e)
                        ),
                        None => format!("Step {} ({}) never happened.", i + 1, step.describe()),
                    },
                    (_, Some(e)) => format!(
                        "Step {} ({}) happened ({}) but not after step {}: the order matters here.",
                        i + 1,
                        step.describe(),
                        show(e),
                        i
                    ),
                };
                let extra = anywhere
                    .or_else(|| other_method(step, &cx.ev.exchanges[from..]))
                    .map(|e| e.seq);
                return cx.fail(msg).with_evidence(found.into_iter().chain(extra));
            }
        }
    }
    cx.pass(format!(
        "All {} happened in order.",
        plural(p.steps.len(), "step")
    ))
    .with_evidence(found)
}

/// A request that matches `step` but for its method, when the step names one.
fn other_method<'a>(
    step: &RequestPattern,
    exchanges: &'a [crate::evidence::Exchange],
) -> Option<&'a crate::evidence::Exchange> {
    step.method.as_ref()?;
    let any_method = RequestPattern {
        method: None,
        ..step.clone()
    };
    exchanges.iter().find(|e| any_method.matches_exchange(e))
}

pub(crate) fn calls_at_most(p: &CallsAtMost, cx: &Cx) -> Verdict {
    // A call matching the pattern counts once; a composite-family call that does not, once for
    // each subrequest that does (a query sent inside /composite/batch is still a query). A
    // budget on all calls counts HTTP calls, as the org's API limit does.
    let whole = p.pattern == RequestPattern::default();
    // A call counted for itself, not for the subrequests it carries.
    let itself = |e: &crate::evidence::Exchange| {
        if p.queries {
            queries::is_query(e)
        } else {
            p.pattern.matches_exchange(e)
        }
    };
    let matching: Vec<&crate::evidence::Exchange> = cx
        .ev
        .exchanges
        .iter()
        .flat_map(|e| {
            let n = if p.queries {
                queries::count(e)
            } else if p.pattern.matches_exchange(e) {
                1
            } else if whole {
                0
            } else {
                subrequests::matching(&p.pattern, e)
            };
            std::iter::repeat_n(e, n)
        })
        .collect();
    let nested = matching.iter().filter(|e| !itself(e)).count();
    let what = if p.queries {
        "queries of the org's records (REST or SOAP query, search, Bulk query job)".to_string()
    } else if whole {
        "requests".to_string()
    } else {
        format!("requests {}", p.pattern.describe())
    };
    if p.per_run {
        let runs = cx.ev.runs.len().max(1);
        for run in 0..runs {
            let mut in_run: Vec<u64> = matching
                .iter()
                .filter(|e| e.run_index == run)
                .map(|e| e.seq)
                .collect();
            if in_run.len() > p.max {
                let made = in_run.len();
                let nested = matching
                    .iter()
                    .filter(|e| e.run_index == run && !itself(e))
                    .count();
                in_run.dedup();
                return cx
                    .fail(format!(
                        "Run {} made {made} {what}{}; the budget is {} per run.",
                        run + 1,
                        inside(nested, made),
                        p.max
                    ))
                    .with_evidence(in_run);
            }
        }
        return cx.pass(format!("Every run stayed within {} {what}.", p.max));
    }
    let n = matching.len();
    let what = if n == 1 {
        what.replacen("requests", "request", 1)
            .replacen("queries", "query", 1)
    } else {
        what
    };
    if n > p.max {
        let mut seqs: Vec<u64> = matching.iter().map(|e| e.seq).collect();
        seqs.dedup();
        return cx
            .fail(format!(
                "Made {n} {what}{}; the budget is {}. Look for calls you can combine or skip.",
                inside(nested, n),
                p.max
            ))
            .with_evidence(seqs);
    }
    cx.pass(format!(
        "Made {n} {what}{}, within the budget of {}.",
        inside(nested, n),
        p.max
    ))
}

/// How many of the `total` counted requests were subrequests of composite-family calls, for a
/// message.
fn inside(nested: usize, total: usize) -> String {
    const CALLS: &str = "/composite, /composite/batch or /composite/graph calls";
    match (nested, total) {
        (0, _) => String::new(),
        (1, 1) => format!(" (sent as a subrequest of one of the {CALLS})"),
        (n, t) if n == t => format!(" (all sent as subrequests of {CALLS})"),
        (1, _) => format!(" (one of them a subrequest of one of the {CALLS})"),
        (n, _) => format!(" ({n} of them subrequests of {CALLS})"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn request_made_with_runs_counts_only_the_requests_of_those_runs() {
        let q = "/services/data/v62.0/query";
        let ev = evidence(vec![get(q, 200), get(q, 200).run(1)]);
        let rule = "{ rule: http.request, path: /services/data/*/query, min: 2, runs: [1] }";
        let v = assert_fails(rule, &ev);
        assert!(v.message.contains("in run 1"), "{}", v.message);
        assert_passes(
            "{ rule: http.request, path: /services/data/*/query, min: 2 }",
            &ev,
        );
        let ev = evidence(vec![get(q, 200), get(q, 200), get(q, 200).run(1)]);
        assert_passes(rule, &ev);
    }

    const FILTERED: &str = "{ rule: http.request, method: GET, path: /services/data/*/query, status: 200, soql: \"SELECT Name FROM Account WHERE Courier_Id__c != null\" }";

    fn query(soql: &str) -> crate::evidence::Exchange {
        let q: String = url::form_urlencoded::byte_serialize(soql.as_bytes()).collect();
        get(&format!("/services/data/v62.0/query?q={q}"), 200)
    }

    #[test]
    fn with_soql_a_query_of_every_record_filtered_in_the_programs_own_code_fails() {
        let v = assert_fails(
            FILTERED,
            &evidence(vec![query("SELECT Name FROM Account ORDER BY Name")]),
        );
        assert!(
            v.message.contains("#1 GET /services/data/v62.0/query sent `SELECT Name FROM Account ORDER BY Name`, which reads more")
                && v.message.contains("filter in the query itself"),
            "{}",
            v.message
        );
        assert_eq!(v.evidence, vec![1]);
        // A filter the rows do not need to pass leaves every record in.
        assert_fails(
            FILTERED,
            &evidence(vec![query(
                "SELECT Name FROM Account WHERE Courier_Id__c != null OR Name != null",
            )]),
        );
        // Another field read beside the names is more data too.
        assert_fails(
            FILTERED,
            &evidence(vec![query(
                "SELECT Name, Courier_Id__c FROM Account WHERE Courier_Id__c != null",
            )]),
        );
    }

    #[test]
    fn with_soql_the_same_statement_in_any_spelling_order_or_cut_passes() {
        for soql in [
            "SELECT Name FROM Account WHERE Courier_Id__c != null ORDER BY Name",
            "select name from account where courier_id__c<>NULL",
            "SELECT Account.Name FROM Account WHERE Courier_Id__c != null LIMIT 200",
        ] {
            assert_passes(FILTERED, &evidence(vec![query(soql)]));
        }
        let both = evidence(vec![
            query("SELECT Name FROM Account"),
            query("SELECT Name FROM Account WHERE Courier_Id__c != null"),
        ]);
        assert_passes(FILTERED, &both);
    }

    #[test]
    fn soql_that_is_not_soql_is_refused_when_the_lab_loads() {
        let v: serde_json::Value = serde_yaml::from_str(
            "{ rule: http.request, path: /services/data/*/query, soql: \"SELECT FROM Account WHERE\" }",
        )
        .unwrap();
        let e = super::super::RuleSpec::from_value(v)
            .unwrap_err()
            .to_string();
        assert!(e.contains("`soql` is not valid SOQL"), "{e}");
    }

    const FIRST_CALL: &str = "{ rule: http.request, method: GET, path: /services/data/*/query, query: { q: FROM Account }, header: \"Authorization: Bearer\" }";
    const SESSION_REFUSED: &str =
        r#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#;

    #[test]
    fn a_call_to_the_right_place_names_the_part_that_differs_and_the_orgs_answer() {
        let q = "/services/data/v62.0/query?q=SELECT+Name+FROM+Account";
        let no_header = evidence(vec![get(q, 401).response_body(SESSION_REFUSED)]);
        let v = assert_fails(FIRST_CALL, &no_header);
        assert!(
            v.message.contains(
                "did not match it: #1 GET /services/data/v62.0/query sent no Authorization header (the org answered 401 INVALID_SESSION_ID \"Session expired or invalid\")."
            ),
            "{}",
            v.message
        );
        assert_eq!(v.evidence, vec![1]);
        let misspelt = evidence(vec![get(q, 401)
            .header("Authorization", "Baerer 00Dxx!secret")
            .response_body(SESSION_REFUSED)]);
        let v = assert_fails(FIRST_CALL, &misspelt);
        assert!(
            v.message.contains("sent an Authorization header that is not `Bearer <token>` (it begins `Baerer`) (the org answered 401 INVALID_SESSION_ID"),
            "{}",
            v.message
        );
        assert!(!v.message.contains("secret"), "{}", v.message);
        let other_object = evidence(vec![get(
            "/services/data/v62.0/query?q=SELECT+Name+FROM+Contact",
            200,
        )
        .header("Authorization", "Bearer abc")]);
        let v = assert_fails(FIRST_CALL, &other_object);
        assert!(
            v.message
                .contains("has a `q` parameter without \"FROM Account\" in it."),
            "{}",
            v.message
        );
    }

    #[test]
    fn a_matching_call_the_org_refused_is_quoted_with_its_error() {
        let q = "/services/data/v62.0/query?q=SELECT+Name+FROM+Account";
        let empty_token = evidence(vec![get(q, 401)
            .header("Authorization", "Bearer ")
            .response_body(SESSION_REFUSED)]);
        // A lab that needs the call accepted says `status: 200`.
        let accepted = FIRST_CALL.replace("\" }", "\", status: 200 }");
        let v = assert_fails(&accepted, &empty_token);
        assert!(
            v.message.contains("but the one made was answered 401 INVALID_SESSION_ID \"Session expired or invalid\" (#1 GET /services/data/v62.0/query sent `Authorization: Bearer` with an empty token"),
            "{}",
            v.message
        );
        let retired = evidence(vec![get("/services/data/v20.0/query?q=SELECT+Name+FROM+Account", 410)
            .header("Authorization", "Bearer abc")
            .response_body(r#"[{"message":"API version 20.0 is retired and no longer available. Call a current version (31.0 to 66.0); /services/data lists them.","errorCode":"GONE"}]"#)]);
        let v = assert_fails(&accepted, &retired);
        assert!(
            v.message.contains("was answered 410 GONE \"API version 20.0 is retired and no longer available. Call a current version (31.0 to 66.0); /services/data lists them\""),
            "{}",
            v.message
        );
        // Without `status`, the call was made as asked (some labs want a refused call), and
        // the verdict still says what the org answered.
        let v = assert_passes(FIRST_CALL, &retired);
        assert!(
            v.message.ends_with("The org answered it with an error: 410 GONE \"API version 20.0 is retired and no longer available. Call a current version (31.0 to 66.0); /services/data lists them\"."),
            "{}",
            v.message
        );
        let retried = evidence(vec![
            get(q, 503).header("Authorization", "Bearer abc"),
            get(q, 200).header("Authorization", "Bearer abc"),
        ]);
        let v = assert_passes(FIRST_CALL, &retried);
        assert!(!v.message.contains("error"), "{}", v.message);
    }

    #[test]
    fn request_made_counts_matches_against_min_and_max() {
        let ev = evidence(vec![
            get("/services/data/v62.0/query", 200),
            get("/services/data/v62.0/query", 200),
        ]);
        assert_passes(
            "{ rule: http.request, method: GET, path: /services/data/*/query }",
            &ev,
        );
        assert_fails(
            "{ rule: http.request, method: POST, path: /services/data/*/query }",
            &ev,
        );
        assert_fails("{ rule: http.request, path: /services/**, max: 1 }", &ev);
        assert_fails("{ rule: http.request, path: /services/**, min: 3 }", &ev);
        assert_passes(
            "{ rule: http.request, path: /services/**, status: 200 }",
            &ev,
        );
        let v = assert_fails(
            "{ rule: http.request, path: /services/**, status: 404 }",
            &ev,
        );
        assert!(
            v.message
                .contains("the 2 made were answered otherwise (the first was answered 200)"),
            "{}",
            v.message
        );
        assert_eq!(v.evidence.len(), 2);
        let v = assert_fails("{ rule: http.request, path: /other, status: 200 }", &ev);
        assert!(v.message.ends_with("but none was made."), "{}", v.message);
        let one = evidence(vec![get("/services/data/v62.0/query", 401)]);
        let v = assert_fails(
            "{ rule: http.request, path: /services/**, status: 200 }",
            &one,
        );
        assert!(
            v.message
                .ends_with("but the one made was answered 401: see what the response says."),
            "{}",
            v.message
        );
    }

    #[test]
    fn with_same_client_start_the_retries_must_come_from_one_start_of_the_client() {
        let q = "/services/data/v62.0/query";
        let by = |mut e: crate::evidence::Exchange, chain: &[u32]| {
            e.client_processes = chain.to_vec();
            e
        };
        let rule =
            "{ rule: http.request, path: /services/data/*/query, min: 2, same_client_start: true }";
        // ./run (10) started the client (20), which gave up; the test started it again (21).
        let rerun = evidence(vec![
            by(get(q, 200), &[30, 20, 10]),
            by(get(q, 200), &[31, 21, 10]),
        ]);
        let v = assert_fails(rule, &rerun);
        assert!(
            v.message.contains("from different starts")
                && v.message.contains("process 20")
                && v.message.contains("process 21"),
            "{}",
            v.message
        );
        // The same client (20) tried twice, each try a curl of its own (30, 31).
        let retried = evidence(vec![
            by(get(q, 200), &[30, 20, 10]),
            by(get(q, 200), &[31, 20, 10]),
        ]);
        assert_passes(rule, &retried);
        // Without the flag, or when the senders are unknown, the count alone decides.
        assert_passes(
            "{ rule: http.request, path: /services/data/*/query, min: 2 }",
            &rerun,
        );
        assert_passes(rule, &evidence(vec![get(q, 200), get(q, 200)]));
    }

    #[test]
    fn score_and_all_passed_sum_the_verdicts() {
        use super::super::{all_passed, check_all, score};
        let ev = evidence(vec![get("/a", 200)]);
        let specs = vec![
            spec("{ rule: http.request, path: /a, points: 2 }"),
            spec("{ rule: http.request, path: /b, points: 3 }"),
            spec("{ rule: oauth.pkce_s256, points: 5 }"),
        ];
        let mut verdicts = check_all(&specs, &ev, None);
        assert_eq!(score(&verdicts), (2, 10));
        assert!(!all_passed(&verdicts));
        verdicts.remove(1);
        verdicts.remove(1);
        assert!(all_passed(&verdicts));
    }

    #[test]
    fn order_needs_each_step_after_the_previous() {
        let ev = evidence(vec![
            token("client_credentials", 200),
            get("/services/data/v62.0/limits", 200),
        ]);
        let ok = "{ rule: http.order, steps: [ { path: /services/oauth2/token }, { path: /services/data/*/limits } ] }";
        let bad = "{ rule: http.order, steps: [ { path: /services/data/*/limits }, { path: /services/oauth2/token } ] }";
        assert_passes(ok, &ev);
        let v = assert_fails(bad, &ev);
        assert!(v.message.contains("not after step 1"), "{}", v.message);
    }

    #[test]
    fn order_quotes_the_orgs_error_for_a_step_it_refused() {
        let rule = "{ rule: http.order, succeeded: true, same_record: true, steps: [ { method: POST, path: /s/Account }, { method: PATCH, path: /s/Account/* } ] }";
        let created = req("POST", "/s/Account", 201)
            .response_body(r#"{"id":"001000000000042AAA","success":true}"#);
        let unsupported = evidence(vec![
            created,
            req("PATCH", "/s/Account/001000000000042AAA", 415).response_body(
                r#"[{"message":"MediaType of 'application/x-www-form-urlencoded' is not supported by this resource","errorCode":"UNSUPPORTED_MEDIA_TYPE"}]"#,
            ),
        ]);
        let v = assert_fails(rule, &unsupported);
        assert!(
            v.message.contains("was answered 415 UNSUPPORTED_MEDIA_TYPE \"MediaType of 'application/x-www-form-urlencoded' is not supported by this resource\": a step counts"),
            "the org's error is quoted: {}",
            v.message
        );
    }

    #[test]
    fn order_with_succeeded_and_same_record_needs_accepted_steps_on_the_created_record() {
        let rule = "{ rule: http.order, succeeded: true, same_record: true, steps: [ { method: POST, path: /s/Account }, { method: PATCH, path: /s/Account/* }, { method: DELETE, path: /s/Account/* } ] }";
        let created = req("POST", "/s/Account", 201)
            .response_body(r#"{"id":"001000000000042AAA","success":true}"#);
        let ok = evidence(vec![
            created.clone(),
            req("PATCH", "/s/Account/001000000000042AAA", 204),
            req("DELETE", "/s/Account/001000000000042", 204),
        ]);
        assert_passes(rule, &ok);
        let refused = evidence(vec![
            created.clone(),
            req("PATCH", "/s/Account/001000000000042AAA", 400),
            req("DELETE", "/s/Account/001000000000042AAA", 204),
        ]);
        let v = assert_fails(rule, &refused);
        assert!(
            v.message.contains("Step 2 (PATCH /s/Account/*) did not count: #2 PATCH /s/Account/001000000000042AAA was answered 400"),
            "{}",
            v.message
        );
        assert_eq!(v.evidence, vec![1, 2]);
        let other = evidence(vec![
            created,
            req("PATCH", "/s/Account/001000000000001AAA", 204),
            req("DELETE", "/s/Account/001000000000042AAA", 204),
        ]);
        let v = assert_fails(rule, &other);
        assert!(
            v.message.contains("another record than 001000000000042AAA"),
            "{}",
            v.message
        );
        let put = evidence(vec![
            req("POST", "/s/Account", 201).response_body(r#"{"id":"001000000000042AAA"}"#),
            req("PUT", "/s/Account/001000000000042AAA", 405),
        ]);
        let v = assert_fails(rule, &put);
        assert!(
            v.message.contains("never happened; #2 PUT /s/Account/001000000000042AAA went to that address with another method"),
            "{}",
            v.message
        );
        // Without the options the same traffic passes: the order alone is judged.
        assert_passes(
            "{ rule: http.order, steps: [ { method: POST, path: /s/Account }, { method: PATCH, path: /s/Account/* } ] }",
            &refused,
        );
    }

    #[test]
    fn calls_at_most_counts_all_or_per_run() {
        let ev = evidence(vec![get("/a", 200), get("/b", 200), get("/c", 200)]);
        assert_passes("{ rule: http.calls_at_most, max: 3 }", &ev);
        assert_fails("{ rule: http.calls_at_most, max: 2 }", &ev);
        let one = assert_passes("{ rule: http.calls_at_most, max: 1, path: /a }", &ev);
        assert!(
            one.message.starts_with("Made 1 request "),
            "{}",
            one.message
        );
        let ev = evidence(vec![get("/a", 200), get("/b", 200), get("/c", 200).run(1)]);
        assert_passes("{ rule: http.calls_at_most, max: 2, per_run: true }", &ev);
        assert_fails("{ rule: http.calls_at_most, max: 1, per_run: true }", &ev);
    }

    #[test]
    fn gave_up_within_needs_the_client_to_hang_up_on_a_hung_request_in_time() {
        let q =
            "/services/data/v62.0/query?q=SELECT+BillingCity+FROM+Account+WHERE+Name='Heron+Air'";
        let hung = |ms: i64| {
            let mut e = get(q, 200).at(0, ms);
            e.response = None;
            e
        };
        let rule = "{ rule: http.request, method: GET, path: /services/data/*/query, query: { q: Heron }, min: 2, gave_up_within_ms: 2000 }";
        let v = assert_fails(rule, &evidence(vec![hung(3800), get(q, 200).at(3810, 5)]));
        assert!(
            v.message.contains("waited 3.8s on #1 GET") && v.message.contains("before it gave up"),
            "{}",
            v.message
        );
        assert_passes(rule, &evidence(vec![hung(2050), get(q, 200).at(2060, 5)]));
    }

    #[test]
    fn a_budget_of_queries_counts_a_soap_query_as_one() {
        let rule = "{ rule: http.calls_at_most, queries: true, max: 0 }";
        let soap = req("POST", "/services/Soap/u/62.0", 200).body(
            r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com"><soapenv:Body><urn:query><urn:queryString>SELECT Id, Name FROM Account</urn:queryString></urn:query></soapenv:Body></soapenv:Envelope>"#,
        );
        let v = assert_fails(rule, &evidence(vec![get("/cometd/62.0", 200), soap]));
        assert!(
            v.message.starts_with("Made 1 query of the org's records"),
            "{}",
            v.message
        );
        assert_eq!(v.evidence, vec![2]);
        let v = assert_passes(rule, &evidence(vec![get("/cometd/62.0", 200)]));
        assert!(v.message.starts_with("Made 0 queries"), "{}", v.message);
        let both: serde_json::Value =
            serde_yaml::from_str("{ rule: http.calls_at_most, queries: true, path: /a, max: 0 }")
                .unwrap();
        assert!(matches!(
            super::super::spec::RuleSpec::from_value(both),
            Err(super::super::spec::RuleSpecError::BadParameters { .. })
        ));
    }

    #[test]
    fn a_budget_on_queries_counts_the_queries_sent_inside_composite_calls() {
        let rule = "{ rule: http.calls_at_most, method: GET, path: \"/services/data/*/query*/**\", max: 0 }";
        let batch = req("POST", "/services/data/v62.0/composite/batch", 200).body(
            r#"{"batchRequests":[{"method":"GET","url":"v62.0/query?q=SELECT+Id,Name+FROM+Account"}]}"#,
        );
        let composite = req("POST", "/services/data/v62.0/composite", 200).body(
            r#"{"compositeRequest":[{"method":"GET","url":"/services/data/v62.0/query?q=SELECT+Id+FROM+Account","referenceId":"q"}]}"#,
        );
        let v = assert_fails(rule, &evidence(vec![batch.clone(), composite]));
        assert!(v.message.starts_with("Made 2 requests"), "{}", v.message);
        assert!(
            v.message.contains("all sent as subrequests"),
            "{}",
            v.message
        );
        assert_eq!(v.evidence, vec![1, 2]);
        // A budget on all calls still counts HTTP calls: one batch is one call.
        assert_passes(
            "{ rule: http.calls_at_most, max: 1 }",
            &evidence(vec![batch]),
        );
        let create = req("POST", "/services/data/v62.0/composite", 200).body(
            r#"{"compositeRequest":[{"method":"POST","url":"/services/data/v62.0/sobjects/Account","referenceId":"a","body":{}}]}"#,
        );
        assert_passes(rule, &evidence(vec![create]));
    }
}
