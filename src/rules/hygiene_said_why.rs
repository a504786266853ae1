//! Whether a run that ended in an error said why on standard error *after* the failure it
//! stopped on, for `process.exit_refused`: a progress note written before the last failed
//! request ("session expired; refreshing once") says nothing about why the program stopped.
//!
//! Implementation notes:
//! - Each line of a run's output carries when it arrived, on the clock the proxy stamps
//!   requests with; a line counts when it arrived after the last failed request of the run
//!   *started* (not finished), so a reason written the instant the answer came can never be
//!   placed before it.
//! - Lines kept without a time (records made before sflab kept it), and output so long that
//!   lines between its head and tail were left out, are taken as saying why, as before.
//! - Signing off (revoking the token, a SOAP `logout`) is tidying up on the way out, not the
//!   work the program stopped on: a sign-off that fails after the reason was written does not
//!   hide the reason. It is the failure looked at only when nothing else failed.

use crate::evidence::{Exchange, LearnerRun, OutputStream};
use crate::rules::soap::SoapCall;

/// The failure `run` stopped on: its last failed request (no answer, a fault sflab injected, or
/// a status of 400 or more) other than a sign-off, when the run wrote on stderr only before it;
/// `None` when the run said something after it, met no failed request, or the record cannot
/// tell.
pub(super) fn silent_after<'a>(
    run: &LearnerRun,
    exchanges: &'a [Exchange],
) -> Option<&'a Exchange> {
    let failed = exchanges
        .iter()
        .filter(|e| e.run_index == run.index)
        .filter(|e| e.fault.is_some() || e.response.as_ref().is_none_or(|r| r.status >= 400))
        .max_by_key(|e| (!signs_off(e), e.started_at, e.seq))?;
    let lines: Vec<_> = run.output.lines().collect();
    if run.output.left_out > 0 || lines.is_empty() || lines.iter().any(|l| l.at.is_none()) {
        return None;
    }
    let said_after = lines.iter().any(|l| {
        l.stream == OutputStream::Stderr
            && !l.text.trim().is_empty()
            && l.at.is_some_and(|at| at >= failed.started_at)
    });
    (!said_after).then_some(failed)
}

/// Whether `e` ends the session rather than doing the program's work: a token revocation
/// (`/services/oauth2/revoke`, by POST or GET) or the partner API's `logout`.
fn signs_off(e: &Exchange) -> bool {
    e.path().trim_end_matches('/').ends_with("/oauth2/revoke")
        || SoapCall::of(e).is_some_and(|c| c.operation == "logout")
}
