//! `/services/data/vXX.X/sobjects/User/{id}/password`: a user's password (simple-salesforce's
//! `set_password`). GET says whether it has expired, POST `{"NewPassword": …}` sets it (204),
//! DELETE resets it to a generated one and returns it. The password is the one SOAP `login`
//! and the username-password flow check.
//!
//! Implementation notes: the policy enforced is Salesforce's default (at least 8 characters,
//! letters and numbers); the error text for a weak password is not in the reference and is
//! written here in the style of the org's other messages. Changing another user's password
//! takes edit access to User, as "Manage Users" does on a real org.

use super::error::{json_response, ApiError};
use super::gateway::Caller;
use super::RestState;
use crate::org::auth::Op;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// Whether `sobject`/`value` name this resource (`User/{id}/password`).
pub fn is_password_path(sobject: &str, value: &str) -> bool {
    sobject.eq_ignore_ascii_case("User") && value == "password"
}

/// Why `password` does not meet the org's policy, if it does not.
fn weak(password: &str) -> Option<&'static str> {
    if password.chars().count() < 8 {
        Some("Your password must be at least 8 characters long.")
    } else if !(password.chars().any(char::is_alphabetic)
        && password.chars().any(|c| c.is_ascii_digit()))
    {
        Some("Your password must include letters and numbers.")
    } else {
        None
    }
}

fn allowed(state: &RestState, caller: &Caller, user_id: &str) -> Result<(), ApiError> {
    let own = caller.0.user_id.get(..15) == user_id.get(..15);
    if own {
        return Ok(());
    }
    state
        .org
        .auth
        .can(&caller.0.user_id, "User", Op::Edit)
        .map_err(|r| ApiError::new(StatusCode::FORBIDDEN, r.error_code, r.message))
}

fn known(state: &RestState, user_id: &str) -> Result<(), ApiError> {
    let store = state.org.store.read();
    store
        .retrieve("User", user_id, Some(&["Id"]), "62.0")
        .map(|_| ())
        .map_err(|_| ApiError::not_found())
}

/// Serves the resource for `method` on user `user_id`.
pub fn serve(
    state: &RestState,
    caller: &Caller,
    method: &str,
    user_id: &str,
    body: Option<&Value>,
) -> Result<Response, ApiError> {
    known(state, user_id)?;
    allowed(state, caller, user_id)?;
    match method {
        "GET" => Ok(json_response(StatusCode::OK, &json!({"isExpired": false}))),
        "POST" => {
            let new = body
                .and_then(|b| b.get("NewPassword"))
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "REQUIRED_FIELD_MISSING",
                        "Required fields are missing: [NewPassword]",
                    )
                })?;
            if let Some(why) = weak(new) {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "INVALID_NEW_PASSWORD",
                    why,
                ));
            }
            state.org.auth.set_password(user_id, new);
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        "DELETE" => {
            let generated = format!("Sf{}9", &uuid::Uuid::new_v4().simple().to_string()[..10]);
            state.org.auth.set_password(user_id, &generated);
            Ok(json_response(
                StatusCode::OK,
                &json!({"NewPassword": generated}),
            ))
        }
        _ => Err(ApiError::method_not_allowed(
            method,
            &["GET", "POST", "DELETE"],
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_policy_wants_eight_characters_with_letters_and_numbers() {
        assert!(weak("short1").is_some());
        assert!(weak("lettersonly").is_some());
        assert!(weak("12345678").is_some());
        assert_eq!(weak("Sflab-2026"), None);
    }
}
