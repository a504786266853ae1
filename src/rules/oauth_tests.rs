//! Table tests for the `oauth.*` rules: passing and failing evidence for each.

use super::super::fixture::*;
use crate::evidence::{AuthDecision, Backend};
use base64::Engine;

const Q: &str = "/services/data/v62.0/query";

#[test]
fn grant_used_passes_on_an_issued_token_and_fails_otherwise() {
    let ev = evidence(vec![token("client_credentials", 200)]);
    assert_passes("{ rule: oauth.grant_used, grant: client_credentials }", &ev);
    let v = assert_fails("{ rule: oauth.grant_used, grant: jwt_bearer }", &ev);
    assert!(v.message.contains("client_credentials"), "{}", v.message);
    let refused = evidence(vec![token("client_credentials", 400).response_body(
        r#"{"error":"invalid_client","error_description":"invalid client credentials"}"#,
    )]);
    let v = assert_fails(
        "{ rule: oauth.grant_used, grant: client_credentials }",
        &refused,
    );
    assert!(v.message.contains("invalid client credentials"));
}

#[test]
fn a_refused_assertion_is_explained_with_the_org_logs_reason() {
    // The wire answer is as bare as a real org's; the mock's log names the part that was wrong.
    let saml = "urn:ietf:params:oauth:grant-type:saml2-bearer";
    let mut ev = evidence(vec![token(saml, 400).response_body(
        r#"{"error":"invalid_grant","error_description":"invalid assertion"}"#,
    )]);
    ev.auth_log.push(AuthDecision {
        grant: "saml_bearer".into(),
        outcome: "denied".into(),
        error: Some("invalid_grant: the assertion expired at 2026-11-30T17:00:00Z".into()),
        ..AuthDecision::default()
    });
    let v = assert_fails(
        &format!("{{ rule: oauth.grant_used, grant: \"{saml}\" }}"),
        &ev,
    );
    assert!(
        v.message
            .contains("refused it: invalid assertion. The mock org's log says why")
            && v.message
                .contains("the assertion expired at 2026-11-30T17:00:00Z."),
        "{}",
        v.message
    );
    // A log that says no more than the answer adds nothing.
    ev.auth_log[0].error = Some("invalid_grant: invalid assertion".into());
    let v = assert_fails("{ rule: oauth.grant_used, grant: saml_bearer }", &ev);
    assert!(!v.message.contains("log says"), "{}", v.message);
}

#[test]
fn grant_used_reads_a_grant_sent_in_the_query_string() {
    let ev = evidence(vec![req(
        "POST",
        "/services/oauth2/token?grant_type=password&username=u",
        200,
    )]);
    assert_passes("{ rule: oauth.grant_used, grant: password }", &ev);
    assert_fails("{ rule: oauth.grant_not_used, grant: password }", &ev);
}

#[test]
fn grant_not_used_fails_when_the_grant_appears() {
    let ev = evidence(vec![token("password", 200)]);
    assert_fails("{ rule: oauth.grant_not_used, grant: password }", &ev);
    assert_passes(
        "{ rule: oauth.grant_not_used, grant: client_credentials }",
        &ev,
    );
}

#[test]
fn grant_not_used_password_fails_on_another_grant_that_still_sends_the_password() {
    // The password login with only its grant_type changed: the password still goes out.
    let kept = req("POST", "/services/oauth2/token", 200)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&client_id=c&client_secret=s&username=integration%40lab.example&password=%E2%80%B9redacted%3Apassword%E2%80%BA");
    let ev = evidence(vec![kept]);
    let v = assert_fails("{ rule: oauth.grant_not_used, grant: password }", &ev);
    assert!(
        v.message.contains(
            "(#1 POST /services/oauth2/token) asked for the client_credentials grant but still sent the password grant's password and username"
        ) && v.message.contains("the stored password went over the wire"),
        "{}",
        v.message
    );
    assert_eq!(v.evidence, vec![1]);
    // A username alone is a leftover of the same login.
    let named = token("client_credentials", 200).body("grant_type=client_credentials&username=u");
    let v = assert_fails(
        "{ rule: oauth.grant_not_used, grant: password }",
        &evidence(vec![named]),
    );
    assert!(
        v.message
            .contains("grant's username: the org ignores them, yet they went"),
        "{}",
        v.message
    );
    // Client credentials alone sends neither.
    assert_passes(
        "{ rule: oauth.grant_not_used, grant: password }",
        &evidence(vec![token("client_credentials", 200)]),
    );
}

/// A partner-API `login()` as jsforce sends it (the password already a redaction marker), and
/// the org's answer.
fn soap_login(response: &str) -> crate::evidence::Exchange {
    req("POST", "/services/Soap/u/62.0", 200)
        .header("Content-Type", "text/xml")
        .body(
            r#"<?xml version="1.0" encoding="utf-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/envelope/" xmlns:urn="urn:partner.soap.sforce.com"><soapenv:Body><urn:login><urn:username>integration@lab.example</urn:username><urn:password>‹redacted:password›</urn:password></urn:login></soapenv:Body></soapenv:Envelope>"#,
        )
        .response_body(response)
}

#[test]
fn grant_not_used_password_fails_on_a_soap_login_that_sends_the_password() {
    let fault = r#"<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/envelope/"><soapenv:Body><soapenv:Fault><faultcode>sf:INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: Invalid username, password, security token; or user locked out.</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#;
    // "Just in case" SOAP login first, its answer ignored, then client credentials.
    let ev = evidence(vec![soap_login(fault), token("client_credentials", 200)]);
    let v = assert_fails("{ rule: oauth.grant_not_used, grant: password }", &ev);
    assert!(
        v.message
            .contains("A password was sent in a SOAP login() call (#1 POST /services/Soap/u/62.0 (refused: INVALID_LOGIN))"),
        "{}",
        v.message
    );
    assert_eq!(v.evidence, vec![1]);
    // Another grant's rule is not about passwords.
    assert_passes("{ rule: oauth.grant_not_used, grant: jwt_bearer }", &ev);
    // With the password grant too, the SOAP login is named as well.
    let both = evidence(vec![soap_login(""), token("password", 200)]);
    let v = assert_fails("{ rule: oauth.grant_not_used, grant: password }", &both);
    assert!(
        v.message
            .contains("The password grant was used (1 request)")
            && v.message
                .contains("also sent in a SOAP login() call (#1 POST /services/Soap/u/62.0)"),
        "{}",
        v.message
    );
    // Other SOAP calls send no password.
    let query = req("POST", "/services/Soap/u/62.0", 200).body(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/envelope/"><soapenv:Header><SessionHeader><sessionId>x</sessionId></SessionHeader></soapenv:Header><soapenv:Body><query><queryString>SELECT Id FROM Account</queryString></query></soapenv:Body></soapenv:Envelope>"#,
    );
    assert_passes(
        "{ rule: oauth.grant_not_used, grant: password }",
        &evidence(vec![token("client_credentials", 200), query]),
    );
}

fn pkce_evidence(method: Option<&str>, matched: Option<bool>) -> crate::evidence::Evidence {
    let mut ev = evidence(vec![token("authorization_code", 200)]);
    ev.auth_log.push(AuthDecision {
        grant: "authorization_code".into(),
        pkce_method: method.map(String::from),
        verifier_matched: matched,
        outcome: "issued".into(),
        ..AuthDecision::default()
    });
    ev
}

#[test]
fn pkce_without_a_challenge_method_fails_though_the_org_assumed_s256() {
    let authorize = |query: &str| req("GET", &format!("/services/oauth2/authorize?{query}"), 302);
    let mut ev = pkce_evidence(Some("S256"), Some(true));
    ev.exchanges
        .insert(0, authorize("response_type=code&code_challenge=abc"));
    let v = assert_fails("{ rule: oauth.pkce_s256 }", &ev);
    assert!(
        v.message.contains("no code_challenge_method"),
        "{}",
        v.message
    );
    let mut ev = pkce_evidence(Some("S256"), Some(true));
    ev.exchanges.insert(
        0,
        authorize("response_type=code&code_challenge=abc&code_challenge_method=S256"),
    );
    assert_passes("{ rule: oauth.pkce_s256 }", &ev);
}

#[test]
fn pkce_s256_needs_s256_and_a_matching_verifier() {
    let rule = "{ rule: oauth.pkce_s256 }";
    assert_passes(rule, &pkce_evidence(Some("S256"), Some(true)));
    let v = assert_fails(rule, &pkce_evidence(Some("plain"), Some(true)));
    assert!(v.message.contains("plain"));
    assert_fails(rule, &pkce_evidence(Some("S256"), Some(false)));
    assert_fails(rule, &pkce_evidence(None, None));
    assert_fails(rule, &evidence(vec![]));
    let mut sandbox = pkce_evidence(Some("S256"), Some(true));
    sandbox.backend = Backend::Sandbox;
    assert_not_applicable(rule, &sandbox);
}

#[test]
fn pkce_s256_points_at_a_refused_authorize_request_not_at_the_code() {
    let refused = |error: &str, desc: &str| {
        get(
            "/services/oauth2/authorize?response_type=code&client_id=k",
            302,
        )
        .response_header(
            "Location",
            &format!("http://localhost:8080/callback?error={error}&error_description={desc}"),
        )
    };
    // The client went on to redeem whatever it read from the redirect.
    let mut ev = evidence(vec![
        refused("invalid_scope", "scope+not+allowed"),
        token("authorization_code", 400).response_body(
            r#"{"error":"invalid_grant","error_description":"this code was never issued"}"#,
        ),
    ]);
    ev.auth_log.push(decision(
        None,
        None,
        "denied",
        Some("invalid_grant: this code was never issued; copy the whole code"),
    ));
    let v = assert_fails("{ rule: oauth.pkce_s256 }", &ev);
    assert!(
        v.message.contains("authorize request (#1 GET")
            && v.message.contains("invalid_scope: scope not allowed")
            && v.message.contains("token request after it (#2 POST")
            && v.message.contains("scopes the app allows"),
        "{}",
        v.message
    );
    assert!(!v.message.contains("never issued"), "{}", v.message);
    assert_eq!(v.evidence, vec![1, 2]);
    // The client stopped at the refusal: no token request, no decision.
    let ev = evidence(vec![refused(
        "invalid_request",
        "code_challenge+must+be+base64url",
    )]);
    let v = assert_fails("{ rule: oauth.pkce_s256 }", &ev);
    assert!(
        v.message.contains("code_challenge must be base64url")
            && v.message.contains("no token request followed")
            && v.message.contains("no `=` padding"),
        "{}",
        v.message
    );
}

#[test]
fn a_flow_stopped_at_a_refused_authorize_names_the_refusal_not_a_missing_token_request() {
    // The user-agent flow without a nonce: the refusal comes back in the fragment, and no
    // token request ever follows (the flow has none).
    let refused = get(
        "/services/oauth2/authorize?response_type=token%20id_token&client_id=k",
        302,
    )
    .response_header(
        "Location",
        "http://localhost:8080/callback#error=invalid_request&error_description=nonce+is+required&state=s",
    );
    let mut ev = evidence(vec![refused]);
    ev.auth_log.push(AuthDecision {
        grant: "user_agent".into(),
        outcome: "denied".into(),
        error: Some("invalid_request: response_type=token id_token returns an ID token in the browser: send a fresh nonce and check that the ID token echoes it".into()),
        ..AuthDecision::default()
    });
    let v = assert_fails("{ rule: oauth.grant_used, grant: user_agent }", &ev);
    assert!(
        v.message.starts_with(
            "The authorize request (#1 GET /services/oauth2/authorize) was refused (invalid_request: nonce is required), so no token came back in its redirect."
        ) && v.message.contains("send a fresh nonce"),
        "{}",
        v.message
    );
    assert!(!v.message.contains("no token request"), "{}", v.message);
    assert_eq!(v.evidence, vec![1]);
    // The lab's first hint is then about the refusal, not about the missing token request.
    let curriculum = crate::curriculum::Curriculum::embedded().expect("the curriculum loads");
    let meta = curriculum
        .lab("oauth-user-agent-tokens")
        .expect("the user-agent lab");
    let lab = crate::lab::spec::parse(&meta.dir, &meta.yaml).expect("its lab.yaml");
    let failing = ["oauth.grant_used".to_string()];
    let hint = crate::lab::hints::next_hint_among(&lab, &failing, &[], &[v]);
    let crate::lab::hints::HintChoice::Next { text, .. } = hint else {
        panic!("no hint: {hint:?}");
    };
    assert!(
        text.contains("error_description") && text.contains("nonce"),
        "{text}"
    );
    // A web server flow that stopped at its refused authorize: no code to redeem.
    let refused = get(
        "/services/oauth2/authorize?response_type=code&client_id=k",
        302,
    )
    .response_header(
        "Location",
        "http://localhost:8080/callback?error=invalid_scope&error_description=scope+not+allowed",
    );
    let v = assert_fails(
        "{ rule: oauth.grant_used, grant: authorization_code }",
        &evidence(vec![refused.clone()]),
    );
    assert!(
        v.message.contains(
            "was refused (invalid_scope: scope not allowed), so there was no code to redeem."
        ),
        "{}",
        v.message
    );
    // Tried again and not refused: the old refusal is not why.
    let again = get(
        "/services/oauth2/authorize?response_type=code&client_id=k",
        302,
    )
    .response_header("Location", "http://localhost:8080/callback?code=c");
    let v = assert_fails(
        "{ rule: oauth.grant_used, grant: authorization_code }",
        &evidence(vec![refused, again]),
    );
    assert!(
        v.message.contains("no token request was made"),
        "{}",
        v.message
    );
}

fn refresh() -> crate::evidence::Exchange {
    token("refresh_token", 200)
}

#[test]
fn a_code_grant_refused_for_want_of_a_code_names_the_refused_sign_in() {
    let refused = get(
        "/services/oauth2/authorize?response_type=code&client_id=k",
        302,
    )
    .response_header(
        "Location",
        "http://localhost:8080/callback?error=invalid_request&error_description=missing+required+code+challenge&state=s",
    );
    let ev = evidence(vec![refused, token("authorization_code", 400)]);
    let v = assert_fails("{ rule: oauth.grant_used, grant: authorization_code }", &ev);
    assert!(
        v.message.contains(
            "(invalid_request: missing required code challenge), so there was no code to redeem"
        ),
        "{}",
        v.message
    );
    assert_eq!(v.evidence, vec![1, 2]);
}

#[test]
fn refresh_then_retry_once_passes_on_the_textbook_recovery() {
    let ev = evidence(vec![
        get(Q, 200).bearer("aaaa"),
        get(Q, 401).bearer("aaaa"),
        refresh(),
        get(Q, 200).bearer("bbbb"),
    ]);
    let v = assert_passes("{ rule: oauth.refresh_then_retry_once }", &ev);
    assert_eq!(v.evidence, vec![2, 3, 4]);
}

#[test]
fn refresh_then_retry_once_fails_each_wrong_recovery() {
    let rule = "{ rule: oauth.refresh_then_retry_once }";
    // Never saw a 401.
    assert_fails(rule, &evidence(vec![get(Q, 200).bearer("aaaa")]));
    // Gave up.
    assert_fails(rule, &evidence(vec![get(Q, 401).bearer("aaaa")]));
    // Retried without refreshing.
    let v = assert_fails(
        rule,
        &evidence(vec![get(Q, 401).bearer("aaaa"), get(Q, 401).bearer("aaaa")]),
    );
    assert!(v.message.contains("without refreshing"), "{}", v.message);
    // Refreshed twice.
    assert_fails(
        rule,
        &evidence(vec![
            get(Q, 401).bearer("aaaa"),
            refresh(),
            refresh(),
            get(Q, 200).bearer("cccc"),
        ]),
    );
    // Retried with the old token.
    let v = assert_fails(
        rule,
        &evidence(vec![
            get(Q, 401).bearer("aaaa"),
            refresh(),
            get(Q, 401).bearer("aaaa"),
        ]),
    );
    assert!(v.message.contains("same expired token"), "{}", v.message);
    // Loop: refresh, retry, still failing, retry again.
    let v = assert_fails(
        rule,
        &evidence(vec![
            get(Q, 401).bearer("aaaa"),
            refresh(),
            get(Q, 401).bearer("bbbb"),
            get(Q, 401).bearer("bbbb"),
        ]),
    );
    assert!(v.message.contains("in a row"), "{}", v.message);
    // Logged in again instead of refreshing.
    let v = assert_fails(
        rule,
        &evidence(vec![
            get(Q, 401).bearer("aaaa"),
            token("client_credentials", 200),
            get(Q, 200).bearer("bbbb"),
        ]),
    );
    assert!(v.message.contains("client_credentials"), "{}", v.message);
    // Refreshed before every call, the one the 401 answered included.
    let v = assert_fails(
        rule,
        &evidence(vec![
            refresh(),
            get(Q, 401).bearer("aaaa"),
            refresh(),
            get(Q, 200).bearer("bbbb"),
        ]),
    );
    assert!(
        v.message.contains("no call had been answered 401"),
        "{}",
        v.message
    );
    assert!(v.evidence.contains(&1), "{:?}", v.evidence);
}

/// A query the lab's `session_expired` fault answered 401 (the session was expired under it).
fn expired(run: usize, marker: &str) -> crate::evidence::Exchange {
    let mut e = get(Q, 401).bearer(marker).run(run);
    e.fault = Some(crate::evidence::FaultFired {
        index: 1,
        kind: "session_expired".into(),
        action: "expired the session".into(),
    });
    e
}

#[test]
fn refresh_then_retry_once_passes_a_client_that_stops_when_the_retry_is_refused_too() {
    let ev = evidence(vec![
        expired(0, "aaaa"),
        refresh(),
        get(Q, 200).bearer("bbbb"),
        expired(1, "aaaa"),
        refresh().run(1),
        expired(1, "cccc"),
    ]);
    let v = assert_passes("{ rule: oauth.refresh_then_retry_once }", &ev);
    assert!(
        v.message.contains("Run 2:") && v.message.contains("the client stopped there"),
        "{}",
        v.message
    );
    assert_eq!(v.evidence, vec![1, 2, 3, 4, 5, 6]);
}

#[test]
fn refresh_then_retry_once_fails_a_client_that_refreshes_again_after_a_refused_retry() {
    let rule = "{ rule: oauth.refresh_then_retry_once }";
    let first_run = || vec![expired(0, "aaaa"), refresh(), get(Q, 200).bearer("bbbb")];
    // `while (status === 401) { refresh(); retry(); }` and "up to 3 times" alike.
    let mut looping = first_run();
    looping.extend([
        expired(1, "aaaa"),
        refresh().run(1),
        expired(1, "cccc"),
        refresh().run(1),
        expired(1, "dddd"),
    ]);
    let v = assert_fails(rule, &evidence(looping));
    assert!(
        v.message.starts_with("Run 2:")
            && v.message
                .contains("refreshed the token again and sent the call again (first: #7")
            && v.message.contains("stop and report the error"),
        "{}",
        v.message
    );
    assert_eq!(v.evidence, vec![4, 5, 6, 7, 8]);
    // Sending the refused call again without a refresh is no better.
    let mut resending = first_run();
    resending.extend([
        expired(1, "aaaa"),
        refresh().run(1),
        expired(1, "cccc"),
        expired(1, "cccc"),
    ]);
    let v = assert_fails(rule, &evidence(resending));
    assert!(v.message.contains("sent the call again"), "{}", v.message);
}

#[test]
fn a_retry_refused_without_the_labs_doing_is_still_the_clients_mistake() {
    // The retry carried a new token the org did not know (no fault fired on it).
    let v = assert_fails(
        "{ rule: oauth.refresh_then_retry_once }",
        &evidence(vec![
            expired(0, "aaaa"),
            refresh(),
            get(Q, 401).bearer("bbbb"),
        ]),
    );
    assert!(v.message.contains("was answered 401"), "{}", v.message);
}

fn assertion(claims: &str) -> String {
    let e = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    format!(
        "{}.{}.‹redacted:jwt_signature#00000000›",
        e(r#"{"alg":"RS256"}"#),
        e(claims)
    )
}

fn jwt_evidence(claims: &str) -> crate::evidence::Evidence {
    let sent = base_time().timestamp();
    let claims = claims.replace("$EXP", &(sent + 120).to_string());
    evidence(vec![token(
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
        200,
    )
    .body(&format!(
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion={}",
        assertion(&claims)
    ))])
}

#[test]
fn jwt_claims_checks_iss_sub_aud_and_exp() {
    let rule = "{ rule: oauth.jwt_claims, iss: 3MVG9lab, sub: integration@example.com, aud: [https://login.salesforce.com, https://test.salesforce.com] }";
    let good = r#"{"iss":"3MVG9lab","sub":"integration@example.com","aud":"https://login.salesforce.com","exp":$EXP}"#;
    assert_passes(rule, &jwt_evidence(good));
    let wrong_aud = good.replace(
        "https://login.salesforce.com",
        "https://acme.my.salesforce.com",
    );
    let v = assert_fails(rule, &jwt_evidence(&wrong_aud));
    assert!(v.message.contains("aud"));
    assert_fails(
        rule,
        &jwt_evidence(&good.replace("3MVG9lab", "someone-else")),
    );
    let far = good.replace("$EXP", &(base_time().timestamp() + 3600).to_string());
    let v = assert_fails(rule, &jwt_evidence(&far));
    assert!(v.message.contains("within 180s"), "{}", v.message);
    let past = good.replace("$EXP", &(base_time().timestamp() - 10).to_string());
    assert_fails(rule, &jwt_evidence(&past));
    assert_fails(rule, &evidence(vec![token("client_credentials", 200)]));
}

#[test]
fn jwt_claims_says_an_unsigned_assertion_was_sent_unsigned_not_missing() {
    // An `alg: none` JWT has an empty signature, so the recording keeps it only as a marker.
    let unsigned = |ev_error: Option<&str>| {
        let mut ev = evidence(vec![token(
            "urn:ietf:params:oauth:grant-type:jwt-bearer",
            400,
        )
        .body("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=%E2%80%B9redacted%3Aassertion%2300000000%E2%80%BA")]);
        if let Some(error) = ev_error {
            ev.auth_log.push(AuthDecision {
                grant: "urn:ietf:params:oauth:grant-type:jwt-bearer".into(),
                outcome: "denied".into(),
                error: Some(error.into()),
                ..AuthDecision::default()
            });
        }
        ev
    };
    let rule = "{ rule: oauth.jwt_claims, sub: integration@example.com }";
    let v = assert_fails(
        rule,
        &unsigned(Some(
            "invalid_grant: the JWT is signed with 'none'; only RS256 is accepted",
        )),
    );
    assert!(
        v.message.starts_with("#1 POST /services/oauth2/token sent an `assertion`, but not a signed JWT (the mock org's log says: the JWT is signed with 'none'; only RS256 is accepted)")
            && v.message.contains("`alg: none`"),
        "{}",
        v.message
    );
    assert!(!v.message.contains("no readable"), "{}", v.message);
    // A sandbox keeps no log: the verdict still says the assertion came but unsigned.
    let v = assert_fails(rule, &unsigned(None));
    assert!(
        v.message
            .contains("sent an `assertion`, but not a signed JWT:"),
        "{}",
        v.message
    );
    // No assertion at all is said so.
    let missing = evidence(vec![token(
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
        400,
    )]);
    let v = assert_fails(rule, &missing);
    assert!(v.message.contains("sent no `assertion`"), "{}", v.message);
}

const SUBJECT: &str = "{ rule: oauth.jwt_claims, sub: integration@example.com }";

#[test]
fn jwt_subject_is_read_from_prn_when_present_as_the_org_reads_it() {
    // `prn` wins over `sub`: a right `sub` does not help when `prn` names someone else.
    let prn_wins = r#"{"sub":"integration@example.com","prn":"admin@example.com","exp":$EXP}"#;
    let v = assert_fails(SUBJECT, &jwt_evidence(prn_wins));
    assert!(
        v.message
            .contains("read from `prn`, is \"admin@example.com\"")
            && v.message.contains("over `sub`"),
        "{}",
        v.message
    );
    // The right user in `prn` is the user the org signs in, whatever `sub` says.
    let prn_right = r#"{"sub":"someone@example.com","prn":"integration@example.com","exp":$EXP}"#;
    assert_passes(SUBJECT, &jwt_evidence(prn_right));
    let prn_only = r#"{"prn":"integration@example.com","exp":$EXP}"#;
    assert_passes(SUBJECT, &jwt_evidence(prn_only));
    // Without `prn`, `sub` is read, and the message says so.
    let v = assert_fails(
        SUBJECT,
        &jwt_evidence(r#"{"sub":"other@example.com","exp":$EXP}"#),
    );
    assert!(v.message.contains("read from `sub`"), "{}", v.message);
}

#[test]
fn jwt_subject_matches_the_username_in_any_case_as_the_org_signs_in() {
    let shouted = r#"{"sub":"Integration@Example.COM","exp":$EXP}"#;
    assert_passes(SUBJECT, &jwt_evidence(shouted));
}

#[test]
fn a_jwt_without_a_subject_is_told_about_the_subject_not_exp() {
    let v = assert_fails(SUBJECT, &jwt_evidence(r#"{"exp":$EXP}"#));
    assert!(
        v.message.contains("no `sub` claim") && v.message.contains("username"),
        "{}",
        v.message
    );
    assert!(!v.message.contains("exp"), "{}", v.message);
}

const LOGIN_AUD: &str =
    "{ rule: oauth.jwt_claims, aud: [https://login.salesforce.com, https://test.salesforce.com] }";

#[test]
fn jwt_exp_may_be_a_string_of_digits_as_simple_salesforce_sends_it() {
    let quoted = r#"{"aud":"https://login.salesforce.com","exp":"$EXP"}"#;
    assert_passes(LOGIN_AUD, &jwt_evidence(quoted));
    let v = assert_fails(
        LOGIN_AUD,
        &jwt_evidence(r#"{"aud":"https://login.salesforce.com","exp":"soon"}"#),
    );
    assert!(v.message.contains("no `exp`"), "{}", v.message);
}

#[test]
fn jwt_exp_in_milliseconds_fails_though_the_org_let_it_through_and_a_fraction_passes() {
    // The org reads a huge exp as milliseconds (the sf CLI sends them); a claim built by hand
    // must be seconds, as the lesson and the brief say.
    let sent = base_time().timestamp();
    let ms = (sent + 120) * 1000;
    let millis = format!(r#"{{"aud":"https://login.salesforce.com","exp":{ms}}}"#);
    let v = assert_fails(LOGIN_AUD, &jwt_evidence(&millis));
    assert!(
        v.message
            .contains(&format!("`exp` ({ms}) is in milliseconds")),
        "{}",
        v.message
    );
    let fraction = r#"{"aud":"https://login.salesforce.com","exp":"$EXP.5"}"#;
    assert_passes(LOGIN_AUD, &jwt_evidence(fraction));
}

#[test]
fn jwt_aud_naming_the_login_url_the_assertion_is_posted_to_passes() {
    // The fixture posts to https://127.0.0.1:9/services/oauth2/token: that My Domain-style
    // login URL is the token's issuer, so it is a right audience too.
    let posted_to = r#"{"aud":"https://127.0.0.1:9/","exp":$EXP}"#;
    assert_passes(LOGIN_AUD, &jwt_evidence(posted_to));
    let by_name = r#"{"aud":"https://localhost:9","exp":$EXP}"#;
    assert_passes(LOGIN_AUD, &jwt_evidence(by_name));
    let other_port = r#"{"aud":"https://127.0.0.1:10","exp":$EXP}"#;
    let v = assert_fails(LOGIN_AUD, &jwt_evidence(other_port));
    assert!(v.message.contains("https://127.0.0.1:9"), "{}", v.message);
    assert!(v.message.contains("not the instance"), "{}", v.message);
}

#[test]
fn jwt_aud_with_a_trailing_slash_names_the_same_login_server() {
    let slash = r#"{"aud":"https://login.salesforce.com/","exp":$EXP}"#;
    assert_passes(LOGIN_AUD, &jwt_evidence(slash));
    let upper = r#"{"aud":["https://TEST.salesforce.com/"],"exp":$EXP}"#;
    assert_passes(LOGIN_AUD, &jwt_evidence(upper));
    let mine = r#"{"aud":"https://acme.my.salesforce.com/","exp":$EXP}"#;
    assert_fails(LOGIN_AUD, &jwt_evidence(mine));
}

#[test]
fn jwt_exp_rounded_to_whole_seconds_is_not_taken_for_a_longer_lifetime() {
    // Sent 0.6s into the second; exp = round(now + 180) lands 180.4s later.
    let sent = base_time() + chrono::Duration::milliseconds(600);
    let exp = base_time().timestamp() + 181;
    let claims = format!(r#"{{"aud":"https://login.salesforce.com","exp":{exp}}}"#);
    let mut ev = jwt_evidence(&claims);
    ev.exchanges[0].started_at = sent;
    assert_passes(LOGIN_AUD, &ev);
    let far = format!(
        r#"{{"aud":"https://login.salesforce.com","exp":{}}}"#,
        base_time().timestamp() + 183
    );
    let mut ev = jwt_evidence(&far);
    ev.exchanges[0].started_at = sent;
    let v = assert_fails(LOGIN_AUD, &ev);
    assert!(v.message.contains("182s after"), "{}", v.message);
}

#[test]
fn token_reused_fails_when_each_call_fetches_a_token() {
    let rule = "{ rule: oauth.token_reused }";
    let reused = evidence(vec![
        token("client_credentials", 200),
        get(Q, 200).bearer("aaaa"),
        get(Q, 200).bearer("aaaa"),
    ]);
    assert_passes(rule, &reused);
    let wasteful = evidence(vec![
        token("client_credentials", 200),
        get(Q, 200).bearer("aaaa"),
        token("client_credentials", 200),
        get(Q, 200).bearer("bbbb"),
    ]);
    let v = assert_fails(rule, &wasteful);
    assert!(
        v.message.contains("2 different access tokens"),
        "{}",
        v.message
    );
    assert_passes("{ rule: oauth.token_reused, max_per_run: 2 }", &wasteful);
    assert_fails(rule, &evidence(vec![get(Q, 200).bearer("aaaa")]));
}

fn code_exchange(verifier: bool) -> crate::evidence::Exchange {
    let body = if verifier {
        "grant_type=authorization_code&code=c&code_verifier=%E2%80%B9redacted%E2%80%BA"
    } else {
        "grant_type=authorization_code&code=c"
    };
    req("POST", "/services/oauth2/token", 200)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
}

fn decision(
    method: Option<&str>,
    matched: Option<bool>,
    outcome: &str,
    error: Option<&str>,
) -> AuthDecision {
    AuthDecision {
        grant: "authorization_code".into(),
        pkce_method: method.map(String::from),
        verifier_matched: matched,
        outcome: outcome.into(),
        error: error.map(String::from),
        ..AuthDecision::default()
    }
}

#[test]
fn pkce_s256_names_a_reused_code_not_a_verifier_mismatch() {
    let mut ev = evidence(vec![code_exchange(true), code_exchange(true)]);
    ev.auth_log
        .push(decision(Some("S256"), Some(true), "issued", None));
    ev.auth_log.push(decision(
        Some("S256"),
        None,
        "denied",
        Some("invalid_grant: this code was already exchanged; a code works once"),
    ));
    let v = assert_fails("{ rule: oauth.pkce_s256 }", &ev);
    assert!(v.message.contains("redeemed twice"), "{}", v.message);
    assert!(!v.message.contains("did not match"), "{}", v.message);
}

#[test]
fn pkce_s256_says_it_could_not_judge_codes_refused_for_their_redirect_uri_once() {
    // Each of two runs sent a different redirect_uri to the token endpoint than to authorize.
    let mut ev = evidence(vec![code_exchange(true), code_exchange(true).run(1)]);
    let redirect = "invalid_grant: send the same redirect_uri as in the authorization request";
    for _ in 0..2 {
        ev.auth_log
            .push(decision(Some("S256"), None, "denied", Some(redirect)));
    }
    let v = assert_fails("{ rule: oauth.pkce_s256 }", &ev);
    assert_eq!(
        v.message,
        format!("PKCE could not be judged: the token endpoint refused the code for its redirect_uri ({redirect}) before it checked the code_verifier.")
    );
    // The PKCE lab's first hint is then about the redirect_uri.
    let curriculum = crate::curriculum::Curriculum::embedded().expect("the curriculum loads");
    let meta = curriculum
        .lab("oauth-web-server-pkce")
        .expect("the PKCE lab");
    let lab = crate::lab::spec::parse(&meta.dir, &meta.yaml).expect("its lab.yaml");
    let failing = ["oauth.pkce_s256".to_string()];
    let hint = crate::lab::hints::next_hint_among(&lab, &failing, &[], &[v]);
    let crate::lab::hints::HintChoice::Next { text, .. } = hint else {
        panic!("no hint: {hint:?}");
    };
    assert!(text.contains("`redirect_uri` differs"), "{text}");
    // Different refusals are each said once, and not taken for a redirect problem.
    ev.auth_log.push(decision(
        Some("S256"),
        None,
        "denied",
        Some("invalid_grant: the code expired"),
    ));
    let v = assert_fails("{ rule: oauth.pkce_s256 }", &ev);
    assert!(
        v.message.starts_with("No authorization code was redeemed")
            && v.message.matches("same redirect_uri").count() == 1
            && v.message.contains("the code expired"),
        "{}",
        v.message
    );
}

#[test]
fn pkce_s256_says_when_no_verifier_was_sent() {
    let mut ev = evidence(vec![code_exchange(false)]);
    ev.auth_log.push(decision(
        Some("S256"),
        Some(false),
        "denied",
        Some("invalid_grant"),
    ));
    let v = assert_fails("{ rule: oauth.pkce_s256 }", &ev);
    assert!(
        v.message.contains("carried no code_verifier"),
        "{}",
        v.message
    );
}

#[test]
fn pkce_s256_points_at_the_authorize_request_for_a_missing_challenge() {
    let mut ev = evidence(vec![
        get("/services/oauth2/authorize?response_type=code", 302),
        code_exchange(false),
    ]);
    ev.auth_log.push(decision(None, None, "issued", None));
    let v = assert_fails("{ rule: oauth.pkce_s256 }", &ev);
    assert!(v.message.contains("no code_challenge"), "{}", v.message);
    assert_eq!(v.evidence, vec![1]);
}

#[test]
fn pkce_s256_fails_when_every_code_was_refused_for_another_reason() {
    let mut ev = evidence(vec![code_exchange(true)]);
    ev.auth_log.push(decision(
        Some("S256"),
        None,
        "denied",
        Some("invalid_grant: redirect uri does not match configuration"),
    ));
    let v = assert_fails("{ rule: oauth.pkce_s256 }", &ev);
    assert!(
        v.message.contains("redirect uri does not match"),
        "{}",
        v.message
    );
}

#[test]
fn grant_used_device_needs_a_token_not_just_a_device_code() {
    let polls = (0..3).map(|_| token("device", 400)).collect();
    let mut ev = evidence(polls);
    ev.auth_log.push(AuthDecision {
        grant: "device_code".into(),
        outcome: "issued".into(),
        ..AuthDecision::default()
    });
    assert_fails("{ rule: oauth.grant_used, grant: device_code }", &ev);
    ev.auth_log.push(AuthDecision {
        grant: "device".into(),
        outcome: "issued".into(),
        ..AuthDecision::default()
    });
    assert_passes("{ rule: oauth.grant_used, grant: device_code }", &ev);
}

#[test]
fn pkce_s256_names_a_malformed_verifier_rather_than_a_mismatch() {
    let mut ev = evidence(vec![code_exchange(true)]);
    ev.auth_log.push(decision(
        Some("S256"),
        Some(false),
        "denied",
        Some(
            "invalid_grant: code_verifier must be 43-256 characters of A-Z a-z 0-9 - . _ ~ (got 20 characters)",
        ),
    ));
    let v = assert_fails("{ rule: oauth.pkce_s256 }", &ev);
    assert!(v.message.contains("malformed"), "{}", v.message);
    assert!(v.message.contains("43 to 256"), "{}", v.message);
    assert!(!v.message.contains("did not match"), "{}", v.message);
}

#[test]
fn a_refused_refresh_without_a_retry_names_the_refusal_not_the_missing_retry() {
    let refused = token("refresh_token", 400).response_body(
        r#"{"error":"invalid_client","error_description":"invalid client credentials"}"#,
    );
    let ev = evidence(vec![
        get(Q, 200).bearer("aaaa"),
        get(Q, 401).bearer("aaaa"),
        refused,
    ]);
    let v = assert_fails("{ rule: oauth.refresh_then_retry_once }", &ev);
    assert!(
        v.message.contains("the token endpoint refused it (#3 POST /services/oauth2/token was answered 400: invalid_client, invalid client credentials)"),
        "{}",
        v.message
    );
    assert!(!v.message.contains("never retried"), "{}", v.message);
}

#[test]
fn token_reused_says_when_a_second_token_was_fetched_but_not_used() {
    let ev = evidence(vec![
        token("client_credentials", 200),
        token("client_credentials", 200),
        get(Q, 200).bearer("aaaa"),
        get(Q, 200).bearer("aaaa"),
    ]);
    let v = assert_fails("{ rule: oauth.token_reused }", &ev);
    assert!(
        v.message
            .contains("Run 1 fetched 2 access tokens but its API calls used 1 token"),
        "{}",
        v.message
    );
}

#[test]
fn the_jwt_labs_first_hint_for_a_subject_failure_is_about_the_subject() {
    let curriculum = crate::curriculum::Curriculum::embedded().expect("the curriculum loads");
    let meta = curriculum.lab("oauth-jwt-bearer").expect("the JWT lab");
    let lab = crate::lab::spec::parse(&meta.dir, &meta.yaml).expect("its lab.yaml");
    let check = lab
        .checks
        .iter()
        .find(|c| c.rule == "oauth.jwt_claims")
        .and_then(|c| c.rule_spec().ok())
        .expect("a jwt_claims check");
    let rest = r#""iss":"3MVG9lab.warehouse.jwt","aud":"https://login.salesforce.com","exp":$EXP"#;
    for claims in [
        format!("{{{rest}}}"),
        format!(r#"{{"sub":"integration@lab.example","prn":"admin@lab.example",{rest}}}"#),
    ] {
        let v = check.check(&jwt_evidence(&claims));
        assert!(v.failed(), "{claims}: {}", v.message);
        let failing = ["oauth.jwt_claims".to_string()];
        let hint = crate::lab::hints::next_hint_among(&lab, &failing, &[], &[v]);
        let crate::lab::hints::HintChoice::Next { text, .. } = hint else {
            panic!("{claims}: no hint: {hint:?}");
        };
        assert!(
            text.contains("`sub`") && !text.contains("`exp`"),
            "{claims}: {text}"
        );
    }
}

#[test]
fn the_pkce_labs_first_hint_after_a_refused_authorize_is_about_its_cause() {
    let curriculum = crate::curriculum::Curriculum::embedded().expect("the curriculum loads");
    let meta = curriculum
        .lab("oauth-web-server-pkce")
        .expect("the PKCE lab");
    let lab = crate::lab::spec::parse(&meta.dir, &meta.yaml).expect("its lab.yaml");
    let refused = |error: &str, desc: &str| {
        evidence(vec![get(
            "/services/oauth2/authorize?response_type=code&client_id=k",
            302,
        )
        .response_header(
            "Location",
            &format!("http://localhost:8080/callback?error={error}&error_description={desc}"),
        )])
    };
    for (ev, about) in [
        (refused("invalid_scope", "scope+not+allowed"), "scope=api"),
        (
            refused("invalid_request", "invalid+code+challenge"),
            "code_challenge",
        ),
    ] {
        let v = assert_fails("{ rule: oauth.pkce_s256 }", &ev);
        let failing = ["oauth.pkce_s256".to_string()];
        let hint = crate::lab::hints::next_hint_among(&lab, &failing, &[], &[v]);
        let crate::lab::hints::HintChoice::Next { text, .. } = hint else {
            panic!("no hint: {hint:?}");
        };
        assert!(text.contains(about), "{about}: {text}");
    }
}

#[test]
fn a_challenge_written_in_hex_is_named_and_the_hints_about_refused_authorizes_are_held_back() {
    let mut ev = pkce_evidence(Some("S256"), Some(false));
    ev.exchanges = vec![req(
        "POST",
        "/services/oauth2/token?grant_type=authorization_code&code_verifier=v",
        400,
    )];
    ev.sources.push(crate::evidence::SourceFile {
        path: "run".into(),
        text: "const challenge = createHash('sha256').update(verifier).digest('hex');\n".into(),
    });
    let v = assert_fails("{ rule: oauth.pkce_s256 }", &ev);
    assert!(
        v.message
            .contains("did not match the code_challenge: `run` line 1 writes the SHA-256 in hex"),
        "{}",
        v.message
    );
    let curriculum = crate::curriculum::Curriculum::embedded().expect("the curriculum loads");
    let meta = curriculum
        .lab("oauth-web-server-pkce")
        .expect("the PKCE lab");
    let lab = crate::lab::spec::parse(&meta.dir, &meta.yaml).expect("its lab.yaml");
    let failing = ["oauth.pkce_s256".to_string()];
    let mut revealed = Vec::new();
    while let crate::lab::hints::HintChoice::Next { tier, text, .. } =
        crate::lab::hints::next_hint_among(&lab, &failing, &revealed, std::slice::from_ref(&v))
    {
        assert!(!text.contains("was refused"), "{text}");
        revealed.push(("oauth.pkce_s256".to_string(), tier));
    }
    assert_eq!(revealed.len(), 2, "{revealed:?}");
}

/// A refresh sent as JSON, as a learner who copies an API call's habits writes it.
fn json_refresh() -> crate::evidence::Exchange {
    req("POST", "/services/oauth2/token", 400)
        .header("Content-Type", "application/json")
        .body(r#"{"grant_type":"refresh_token","refresh_token":"r","client_id":"k"}"#)
        .response_body(
            r#"{"error":"invalid_request","error_description":"unsupported content type"}"#,
        )
}

#[test]
fn a_token_request_sent_as_json_is_named_as_such_not_as_another_grant() {
    let ev = evidence(vec![
        get(Q, 401).bearer("aaaa"),
        json_refresh(),
        get(Q, 401).bearer("aaaa"),
    ]);
    let v = assert_fails("{ rule: oauth.refresh_then_retry_once }", &ev);
    assert!(
        v.message.contains("#2 POST /services/oauth2/token (grant_type refresh_token) was sent as JSON; the token endpoint takes application/x-www-form-urlencoded"),
        "{}",
        v.message
    );
    assert!(
        v.message
            .contains("(the org answered 400 invalid_request \"unsupported content type\")"),
        "{}",
        v.message
    );
    assert!(!v.message.contains("logged in again"), "{}", v.message);
    let v = assert_fails("{ rule: oauth.grant_used, grant: refresh_token }", &ev);
    assert!(v.message.contains("was sent as JSON"), "{}", v.message);
    assert!(
        !v.message.contains("no token request was made"),
        "{}",
        v.message
    );
}

#[test]
fn a_misspelt_grant_type_is_named_with_the_grant_it_meant() {
    let ev = evidence(vec![
        get(Q, 401).bearer("aaaa"),
        token("refresh", 400).response_body(
            r#"{"error":"unsupported_grant_type","error_description":"grant type not supported"}"#,
        ),
        get(Q, 401).bearer("aaaa"),
    ]);
    let v = assert_fails("{ rule: oauth.refresh_then_retry_once }", &ev);
    assert!(
        v.message.contains("sent grant_type=refresh, which is not a grant type; use refresh_token (the org answered 400 unsupported_grant_type"),
        "{}",
        v.message
    );
    let v = assert_fails("{ rule: oauth.grant_used, grant: refresh_token }", &ev);
    assert!(v.message.contains("use refresh_token"), "{}", v.message);
}

/// `e` as sent by a start of the learner's client (`client`) under the program sflab ran.
fn from_client(mut e: crate::evidence::Exchange, client: u32) -> crate::evidence::Exchange {
    e.client_processes = vec![client * 10, client, 1];
    e
}

#[test]
fn clients_run_side_by_side_each_answer_their_own_401() {
    // A test that starts three clients at once: the expired session refuses each one's call,
    // and each refreshes once and retries, interleaved with the others.
    let ev = evidence(vec![
        from_client(get(Q, 401).bearer("aaaa"), 2),
        from_client(get(Q, 401).bearer("aaaa"), 3),
        from_client(refresh(), 2),
        from_client(get(Q, 401).bearer("aaaa"), 4),
        from_client(refresh(), 3),
        from_client(get(Q, 200).bearer("bbbb"), 2),
        from_client(refresh(), 4),
        from_client(get(Q, 200).bearer("cccc"), 3),
        from_client(get(Q, 200).bearer("dddd"), 4),
    ]);
    let v = verdict_with("{ rule: oauth.refresh_then_retry_once }", &ev, None);
    assert!(
        !v.message.contains("no call had been answered 401"),
        "{}",
        v.message
    );
    assert!(v.passed(), "{}", v.message);
}

/// A device login whose start the org refused for its scope, in each of `runs` runs.
fn refused_device_starts(runs: usize) -> crate::evidence::Evidence {
    evidence(
        (0..runs)
            .map(|run| {
                req("POST", "/services/oauth2/token", 400)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .body("response_type=device_code&client_id=k&scope=api+refresh_token")
                    .response_body(
                        r#"{"error":"invalid_scope","error_description":"the requested scope is not allowed"}"#,
                    )
                    .run(run)
            })
            .collect(),
    )
}

#[test]
fn a_refused_device_start_is_named_by_grant_used_and_device_polling_and_their_hints() {
    let curriculum = crate::curriculum::Curriculum::embedded().expect("the curriculum loads");
    let meta = curriculum.lab("oauth-device-flow").expect("the device lab");
    let lab = crate::lab::spec::parse(&meta.dir, &meta.yaml).expect("its lab.yaml");
    let ev = refused_device_starts(3);
    for rule in [
        "{ rule: oauth.grant_used, grant: device }",
        "{ rule: oauth.device_polling, ended_in_runs: [2, 3] }",
    ] {
        let v = assert_fails(rule, &ev);
        assert!(
            v.message.contains("The start of the device login (#")
                && v.message
                    .contains("was refused (invalid_scope: the requested scope is not allowed)"),
            "{rule}: {}",
            v.message
        );
        let failing = [v.rule.clone()];
        let hint = crate::lab::hints::next_hint_among(&lab, &failing, &[], &[v]);
        let crate::lab::hints::HintChoice::Next { text, .. } = hint else {
            panic!("no hint: {hint:?}");
        };
        assert!(text.contains("`scope=api` alone"), "{rule}: {text}");
    }
}
