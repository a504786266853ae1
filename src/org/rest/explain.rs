//! `GET /query?explain=…`: the query plans of a SOQL query, computed without running it
//! (see [`crate::org::soql::explain`]). A report or list view ID may be given instead of a
//! query; the mock org has neither reports nor list views, so every such ID is answered
//! INVALID_ID, as the documentation says an invalid one is. Where the org enforces object
//! access, a query naming an object or a field the user may not read is refused as `?q=`
//! refuses it (INVALID_TYPE, INVALID_FIELD) instead of being explained.

use super::error::{json_response, ApiError};
use super::gateway::Caller;
use super::RestState;
use crate::org::auth::Op;
use crate::org::schema::{FieldDef, ObjectDef};
use crate::org::soql;
use axum::http::StatusCode;
use axum::response::Response;

/// True for a value shaped like a 15- or 18-character record ID rather than a query.
fn looks_like_id(value: &str) -> bool {
    matches!(value.len(), 15 | 18) && value.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Answers `explain=<value>` for the caller.
pub fn respond(state: &RestState, caller: &Caller, value: &str) -> Result<Response, ApiError> {
    let value = value.trim();
    if looks_like_id(value) {
        // The message text is not verified; the code is the documented one.
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_ID",
            format!(
                "{value} is not the ID of a report or list view in this org; pass a SOQL query to explain instead."
            ),
        ));
    }
    let plans = {
        let store = state.org.store.read();
        soql::explain::explain(&store, value, state.org.clock.now())?
    };
    // A plan is refused as the query itself would be: its cardinalities and notes would
    // otherwise tell apart values of objects and fields the user may not read.
    let user = &caller.0.user_id;
    if state.org.auth.enforces_object_access() {
        let read = soql::parse_query(value)
            .map(|q| soql::reads::objects_read(state.org.store.read().schema(), &q))
            .unwrap_or_default();
        let auth = &state.org.auth;
        if let Some(object) = read
            .iter()
            .find(|o| auth.object_refusal(user, o, Op::Read).is_some())
        {
            return Err(
                soql::reads::unreadable(state.org.store.read().schema(), value, object).into(),
            );
        }
    }
    if let Some(reads) = state.org.auth.field_reads(user) {
        let readable = |object: &ObjectDef, field: &FieldDef| reads.readable(object, field);
        soql::field_security::check(&state.org.store.read(), value, &readable)?;
    }
    Ok(json_response(StatusCode::OK, &plans))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_and_list_view_ids_are_told_apart_from_queries() {
        assert!(looks_like_id("00O5e000008XyZqEAK"));
        assert!(looks_like_id("00B5e000001AbCd"));
        assert!(!looks_like_id("SELECT Id FROM Account"));
        assert!(!looks_like_id("00B5e000001AbC"));
    }
}
