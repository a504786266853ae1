//! The safety gates before a lab touches a real org, as pure decisions: production orgs are
//! refused without an explicit typed confirmation, a nearly spent daily API allocation is
//! refused, and each lab run gets a call cap.

use serde_json::Value;

/// Refuse when fewer than this many daily API requests remain…
pub const MIN_REMAINING_CALLS: u64 = 1_000;
/// …or less than this percentage of the allocation.
pub const MIN_REMAINING_PERCENT: u64 = 10;
/// Calls a learner's lab run may make through the proxy on a sandbox.
pub const DEFAULT_CALL_CAP: u64 = 200;

/// What the learner must type to run labs against a production org.
pub fn production_phrase(org_name: &str) -> String {
    format!("I understand {org_name} is production")
}

/// Whether the org may be used: sandboxes always; production only with `--allow-production`
/// and the exact typed phrase.
pub fn org_allowed(
    is_sandbox: bool,
    org_name: &str,
    allow_production: bool,
    typed: Option<&str>,
) -> Result<(), String> {
    if is_sandbox {
        return Ok(());
    }
    let phrase = production_phrase(org_name);
    if !allow_production {
        return Err(format!(
            "{org_name:?} is a production org (Organization.IsSandbox is false). sflab creates and deletes records while a lab runs, so it only uses sandboxes. Log in to a sandbox (https://test.salesforce.com or your sandbox's My Domain), or, if you really mean it, pass --allow-production and type the confirmation."
        ));
    }
    match typed {
        Some(t) if t.trim() == phrase => Ok(()),
        _ => Err(format!(
            "{org_name:?} is a production org; the confirmation did not match. Type exactly: {phrase}"
        )),
    }
}

/// Whether the daily allocation leaves enough room, from a `/limits` body.
pub fn allocation_allows(limits: &Value) -> Result<(u64, u64), String> {
    let daily = &limits["DailyApiRequests"];
    let (Some(max), Some(remaining)) = (daily["Max"].as_u64(), daily["Remaining"].as_u64()) else {
        return Err("the org's /limits answer has no DailyApiRequests; sflab cannot tell whether running a lab would eat into an allocation others need, so it stops here".into());
    };
    let pct_floor = max.saturating_mul(MIN_REMAINING_PERCENT) / 100;
    if remaining < MIN_REMAINING_CALLS || remaining < pct_floor {
        return Err(format!(
            "the org has {remaining} of its {max} daily API requests left (sflab stops below {MIN_REMAINING_CALLS} or {MIN_REMAINING_PERCENT}%); running a lab now could starve the org's other integrations. Try again when the 24-hour window has moved on."
        ));
    }
    Ok((remaining, max))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn production_needs_both_the_flag_and_the_exact_phrase() {
        assert!(org_allowed(true, "Falcon", false, None).is_ok());
        let e = org_allowed(false, "Falcon", false, None).unwrap_err();
        assert!(e.contains("IsSandbox is false") && e.contains("--allow-production"));
        assert!(org_allowed(false, "Falcon", true, Some("yes")).is_err());
        assert!(org_allowed(
            false,
            "Falcon",
            true,
            Some("I understand Falcon is production\n")
        )
        .is_ok());
    }

    #[test]
    fn nearly_spent_allocation_is_refused() {
        let l = |max: u64, rem: u64| json!({"DailyApiRequests": {"Max": max, "Remaining": rem}});
        assert!(allocation_allows(&l(15_000, 14_000)).is_ok());
        assert!(allocation_allows(&l(15_000, 999)).is_err());
        assert!(allocation_allows(&l(100_000, 9_000))
            .unwrap_err()
            .contains("9000 of its 100000"));
        assert!(allocation_allows(&json!({})).is_err());
    }
}
