//! Random requests: none answers 5xx, every error is Salesforce's JSON array.

use super::*;
use proptest::prelude::*;

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("services".to_string()),
        Just("data".to_string()),
        Just("v59.0".to_string()),
        Just("v20.0".to_string()),
        Just("latest".to_string()),
        Just("sobjects".to_string()),
        Just("Account".to_string()),
        Just("ERP_Id__c".to_string()),
        Just("query".to_string()),
        Just("queryAll".to_string()),
        Just("describe".to_string()),
        Just("search".to_string()),
        Just("parameterizedSearch".to_string()),
        Just("updated".to_string()),
        Just("deleted".to_string()),
        Just("recent".to_string()),
        Just("0015g0000000001AAA".to_string()),
        Just("01g5g0000000001AAA-2000".to_string()),
        Just("%FF%00".to_string()),
        Just("".to_string()),
        "[a-zA-Z0-9_.%~-]{0,20}",
    ]
}

fn request() -> impl Strategy<Value = (String, String, Option<String>, String)> {
    let method = prop_oneof![
        Just("GET"),
        Just("POST"),
        Just("PATCH"),
        Just("DELETE"),
        Just("PUT"),
        Just("HEAD"),
        Just("OPTIONS")
    ]
    .prop_map(str::to_string);
    let path = proptest::collection::vec(segment(), 0..8).prop_map(|s| format!("/{}", s.join("/")));
    let body = proptest::option::of(prop_oneof![
        Just(r#"{"Name":"x"}"#.to_string()),
        Just("[1,2]".to_string()),
        Just("{".to_string()),
        "\\PC{0,40}",
    ]);
    let query = prop_oneof![
        Just(String::new()),
        Just("?q=SELECT+Id+FROM+Account".to_string()),
        Just("?fields=Name,%FF".to_string()),
        Just("?_HttpMethod=PATCH".to_string()),
        Just("?q=FIND+%7Bacme*%7D+RETURNING+Account(Name)".to_string()),
        Just("?explain=SELECT+Id+FROM+Account+WHERE+Id+%3D+%27x%27".to_string()),
        Just("?start=2026-01-01T00:00:00Z&end=%FF".to_string()),
        "\\?[a-z=&%0-9]{0,20}",
    ];
    (method, path, body, query)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]
    #[test]
    fn no_request_answers_5xx_or_a_non_json_error((method, path, body, query) in request()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let m = mock();
            let Ok(method) = Method::from_bytes(method.as_bytes()) else { return };
            let uri = format!("{path}{query}");
            if uri.parse::<axum::http::Uri>().is_err() {
                return;
            }
            let r = m.send(method, &uri, body.as_deref(), &[]).await;
            assert!(!r.status.is_server_error(), "{uri}: {}", r.status);
            if r.status.is_client_error() {
                assert_eq!(r.headers["content-type"], "application/json;charset=UTF-8", "{uri}");
                assert!(r.body[0]["errorCode"].is_string(), "{uri}: {}", r.body);
            }
        });
    }
}
