//! CometD through the org's HTTP surface.

use super::*;
use crate::org::rest::static_token::issue_static_token;
use axum::body::Body;
use axum::http::Request;
use tower::ServiceExt;

struct Cometd {
    org: Org,
    app: Router,
    token: String,
    /// The client's cookie jar: the `BAYEUX_BROWSER=…` pair the last handshake set.
    jar: Mutex<Option<String>>,
}

impl Cometd {
    fn new() -> Cometd {
        Cometd::with_deadline(Duration::from_secs(110))
    }

    fn with_deadline(client_deadline: Duration) -> Cometd {
        let org = Org::default_org();
        let token = issue_static_token(&org, None).unwrap().token;
        Cometd::for_org(org, token, client_deadline)
    }

    fn for_org(org: Org, token: String, client_deadline: Duration) -> Cometd {
        let mut s = Streaming::new(org.clone());
        s.hold = Duration::from_millis(200);
        s.client_deadline = client_deadline;
        Cometd {
            app: router_with(Arc::new(s)),
            org,
            token,
            jar: Mutex::new(None),
        }
    }

    /// Posts as a client that keeps cookies: sends the jar's cookie, keeps the one it is set.
    async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        let cookie = self.jar.lock().clone();
        let (status, set, v) = self.send(path, token, body, cookie.as_deref()).await;
        if let Some(set) = set {
            let pair = set.split(';').next().unwrap_or_default().to_string();
            *self.jar.lock() = Some(pair);
        }
        (status, v)
    }

    /// Posts with exactly `cookie` (or none); answers the status, `Set-Cookie` and body.
    async fn send(
        &self,
        path: &str,
        token: &str,
        body: Value,
        cookie: Option<&str>,
    ) -> (StatusCode, Option<String>, Value) {
        let mut req = Request::builder()
            .method("POST")
            .uri(path)
            .header("authorization", format!("OAuth {token}"))
            .header("content-type", "application/json");
        if let Some(cookie) = cookie {
            req = req.header("cookie", cookie);
        }
        let req = req.body(Body::from(body.to_string())).unwrap();
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let set = resp
            .headers()
            .get("set-cookie")
            .map(|h| h.to_str().unwrap().to_string());
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, set, serde_json::from_slice(&bytes).unwrap())
    }

    /// Posts `body` as it is, which need not be JSON; the reply must be.
    async fn send_raw(&self, path: &str, body: &str) -> (StatusCode, Value) {
        let req = Request::builder()
            .method("POST")
            .uri(path)
            .header("authorization", format!("OAuth {}", self.token))
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    async fn handshake(&self) -> String {
        let (_, r) = self
            .post("/cometd/62.0", &self.token, json!([{"channel": "/meta/handshake", "id": "1", "version": "1.0", "supportedConnectionTypes": ["long-polling"]}]))
            .await;
        assert_eq!(r[0]["successful"], true, "{r}");
        assert_eq!(r[0]["ext"]["replay"], true);
        r[0]["clientId"].as_str().unwrap().to_string()
    }

    async fn subscribe(&self, client: &str, channel: &str, replay: i64) -> Value {
        let (_, r) = self
            .post(
                "/cometd/62.0",
                &self.token,
                json!([{"channel": "/meta/subscribe", "clientId": client,
                "subscription": channel, "id": "2", "ext": {"replay": {channel: replay}}}]),
            )
            .await;
        r[0].clone()
    }

    async fn connect(&self, client: &str) -> Vec<Value> {
        let (_, r) = self
            .post("/cometd/62.0/connect", &self.token, json!({"channel": "/meta/connect", "clientId": client, "connectionType": "long-polling", "id": "3"}))
            .await;
        r.as_array().unwrap().clone()
    }

    fn publish(&self, order: &str) {
        let store = self.org.store.read();
        let mut fields = Map::new();
        fields.insert("Order_Number__c".into(), json!(order));
        let user = self.org.users[0].id.as_str().to_string();
        self.org
            .events
            .publish(
                &store,
                "OrderShipped__e",
                &fields,
                &user,
                crate::org::events::Transport::Runner,
            )
            .unwrap();
    }
}

#[tokio::test]
async fn a_subscriber_receives_events_with_replay_ids_and_resumes_after_a_stored_one() {
    let c = Cometd::new();
    c.publish("SO-1");
    c.publish("SO-2");
    let client = c.handshake().await;
    let sub = c.subscribe(&client, "/event/OrderShipped__e", -2).await;
    assert_eq!(sub["successful"], true, "{sub}");
    let got = c.connect(&client).await;
    assert_eq!(got.len(), 3, "two events then the connect reply: {got:?}");
    assert_eq!(got[0]["channel"], "/event/OrderShipped__e");
    assert_eq!(got[0]["data"]["payload"]["Order_Number__c"], "SO-1");
    assert!(got[0]["data"]["event"]["EventUuid"].is_string());
    let first = got[0]["data"]["event"]["replayId"].as_i64().unwrap();
    assert_eq!(got[2]["channel"], "/meta/connect");
    assert_eq!(got[2]["successful"], true);

    // A new client resuming from the first replay id gets only the second event.
    let again = c.handshake().await;
    c.subscribe(&again, "/event/OrderShipped__e", first).await;
    let got = c.connect(&again).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[0]["data"]["payload"]["Order_Number__c"], "SO-2");
    let subs = c.org.events.log.subscriptions();
    assert_eq!(subs.last().unwrap().from, first);
}

#[tokio::test]
async fn latest_waits_for_new_events_and_a_connect_answers_empty_after_the_hold() {
    let c = Cometd::new();
    c.publish("SO-old");
    let client = c.handshake().await;
    c.subscribe(&client, "/event/OrderShipped__e", -1).await;
    let got = c.connect(&client).await;
    assert_eq!(got.len(), 1, "only the connect reply: {got:?}");
    c.publish("SO-new");
    let got = c.connect(&client).await;
    assert_eq!(got[0]["data"]["payload"]["Order_Number__c"], "SO-new");
}

#[tokio::test]
async fn change_events_arrive_on_data_channels_with_the_header() {
    let c = Cometd::new();
    let client = c.handshake().await;
    c.subscribe(&client, "/data/ChangeEvents", -1).await;
    let actor = c.org.actor(c.org.users[0].id);
    let mut body = Map::new();
    body.insert("LastName".into(), json!("Ng"));
    c.org
        .store
        .write()
        .insert("Contact", &body, &actor)
        .unwrap();
    let got = c.connect(&client).await;
    assert_eq!(got[0]["channel"], "/data/ChangeEvents");
    let h = &got[0]["data"]["payload"]["ChangeEventHeader"];
    assert_eq!(h["entityName"], "Contact");
    assert_eq!(h["changeType"], "CREATE");
    assert_eq!(got[0]["data"]["payload"]["Name"], json!({"LastName": "Ng"}));
}

#[tokio::test]
async fn a_checkbox_set_to_false_arrives_as_false_on_create_and_update() {
    let c = Cometd::new();
    let client = c.handshake().await;
    c.subscribe(&client, "/data/ContactChangeEvent", -1).await;
    let actor = c.org.actor(c.org.users[0].id);
    let body = |json: &str| serde_json::from_str::<Map<String, Value>>(json).unwrap();
    let id = {
        let mut store = c.org.store.write();
        let id = store
            .insert("Contact", &body(r#"{"LastName":"Quiet"}"#), &actor)
            .unwrap();
        let on = body(r#"{"HasOptedOutOfEmail":true}"#);
        store.update("Contact", id.as_str(), &on, &actor).unwrap();
        let off = body(r#"{"HasOptedOutOfEmail":false}"#);
        store.update("Contact", id.as_str(), &off, &actor).unwrap();
        id
    };
    let got = c.connect(&client).await;
    let payloads: Vec<&Value> = got
        .iter()
        .filter(|m| m["channel"] == "/data/ContactChangeEvent")
        .map(|m| &m["data"]["payload"])
        .collect();
    assert_eq!(payloads.len(), 3, "{got:?}");
    // The create carries the default (false); the updates carry the value set.
    let carried: Vec<(&Value, &Value)> = payloads
        .iter()
        .map(|p| {
            (
                &p["ChangeEventHeader"]["changeType"],
                &p["HasOptedOutOfEmail"],
            )
        })
        .collect();
    assert_eq!(
        carried,
        [
            (&json!("CREATE"), &json!(false)),
            (&json!("UPDATE"), &json!(true)),
            (&json!("UPDATE"), &json!(false)),
        ]
    );
    assert_eq!(
        payloads[2]["ChangeEventHeader"]["recordIds"][0],
        id.as_str()
    );
    assert_eq!(payloads[2]["ChangeEventHeader"]["nulledFields"], json!([]));
}

#[tokio::test]
async fn a_replay_id_that_is_no_whole_number_is_refused_not_taken_as_latest() {
    let c = Cometd::new();
    let client = c.handshake().await;
    for given in [json!("2"), json!(2.0), json!("abc")] {
        let (_, r) = c
            .post(
                "/cometd/62.0",
                &c.token,
                json!([{"channel": "/meta/subscribe", "clientId": client,
                "subscription": "/event/OrderShipped__e", "id": "2",
                "ext": {"replay": {"/event/OrderShipped__e": given.clone()}}}]),
            )
            .await;
        assert_eq!(r[0]["successful"], false, "{given}");
        let error = r[0]["error"].as_str().unwrap();
        assert!(error.contains(&format!("{{{given}}}")), "{error}");
    }
    let refused = c.org.events.log.refusals();
    assert_eq!(refused.len(), 3);
    assert_eq!(refused[0].from, crate::org::events::log::NOT_A_NUMBER);
    assert!(c.org.events.log.subscriptions().is_empty());
}

#[tokio::test]
async fn a_change_channel_of_an_object_without_capture_says_what_is_selected() {
    let c = Cometd::new();
    let client = c.handshake().await;
    let sub = c
        .subscribe(&client, "/data/OpportunityChangeEvent", -1)
        .await;
    assert_eq!(sub["successful"], false);
    let error = sub["error"].as_str().unwrap();
    assert!(
        error.contains("Change Data Capture is not selected for Opportunity")
            && error.contains("Account, Contact"),
        "{error}"
    );
    let sub = c
        .subscribe(&client, "/data/NoSuchThingChangeEvent", -1)
        .await;
    assert!(sub["error"]
        .as_str()
        .unwrap()
        .contains("does not exist in this org"));
}

#[tokio::test]
async fn bad_tokens_unknown_clients_and_bad_replay_ids_are_bayeux_errors() {
    let c = Cometd::new();
    let (_, r) = c
        .post(
            "/cometd/62.0",
            "nope",
            json!([{"channel": "/meta/handshake", "id": "1"}]),
        )
        .await;
    assert_eq!(r[0]["error"], "403::Handshake denied");
    assert_eq!(
        r[0]["ext"]["sfdc"]["failureReason"],
        "401::Authentication invalid"
    );
    assert_eq!(r[0]["advice"]["reconnect"], "none");
    let (_, r) = c
        .post(
            "/cometd/62.0",
            "nope",
            json!([{"channel": "/meta/connect", "clientId": "abc", "connectionType": "long-polling"}]),
        )
        .await;
    assert_eq!(r[0]["error"], "403::Unknown client");
    assert_eq!(
        r[0]["ext"]["sfdc"]["failureReason"],
        "401::Authentication invalid"
    );
    let identity_only = c
        .org
        .mint_static_token(&c.org.users[0], &["openid", "id", "web"]);
    let (_, r) = c
        .post(
            "/cometd/62.0",
            &identity_only,
            json!([{"channel": "/meta/handshake", "id": "1"}]),
        )
        .await;
    assert_eq!(
        r[0]["ext"]["sfdc"]["failureReason"], "401::Authentication invalid",
        "a token without the api scope is no session for Streaming"
    );
    let got = c.connect("no-such-client").await;
    assert_eq!(got[0]["error"], "403::Unknown client");
    let client = c.handshake().await;
    let sub = c.subscribe(&client, "/event/OrderShipped__e", 999).await;
    assert_eq!(sub["successful"], false);
    assert!(sub["error"]
        .as_str()
        .unwrap()
        .contains("-2 to replay all events"));
    let refused = c.org.events.log.refusals();
    assert_eq!(refused.len(), 1, "the refusal is logged for the rules");
    assert_eq!(
        (refused[0].channel.as_str(), refused[0].from),
        ("/event/OrderShipped__e", 999)
    );
    assert!(refused[0].message.contains("999"), "{}", refused[0].message);
    assert!(c.org.events.log.subscriptions().is_empty());
    let (status, r) = c
        .post(
            "/cometd",
            &c.token,
            json!([{"channel": "/meta/handshake", "id": "1"}]),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(r[0]["error"]
        .as_str()
        .unwrap()
        .contains("API version in the URI is mandatory"));
    // A version-less handshake URL is the same mistake (sfdx-core matches this reply).
    let (status, r) = c
        .post(
            "/cometd/handshake",
            &c.token,
            json!([{"channel": "/meta/handshake", "id": "2"}]),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(r[0]["channel"], "/meta/handshake");
    assert!(r[0]["error"]
        .as_str()
        .unwrap()
        .starts_with("400::API version in the URI is mandatory"));
}

#[tokio::test]
async fn a_redelivery_hands_an_event_out_again_after_the_subscriber_passed_it() {
    let c = Cometd::new();
    c.publish("SO-1");
    c.publish("SO-2");
    let client = c.handshake().await;
    c.subscribe(&client, "/event/OrderShipped__e", -2).await;
    let got = c.connect(&client).await;
    let first = got[0]["data"]["event"]["replayId"].as_u64().unwrap();
    assert!(c.org.events.redeliver("/event/OrderShipped__e", first));
    assert!(!c.org.events.redeliver("/event/OrderShipped__e", 999));
    let again = c.connect(&client).await;
    assert_eq!(again.len(), 2, "{again:?}");
    assert_eq!(again[0]["data"]["event"]["replayId"], first);
    let deliveries = c.org.events.log.deliveries();
    assert_eq!(
        deliveries.iter().filter(|d| d.replay_id == first).count(),
        2
    );
}

#[tokio::test]
async fn a_held_connect_of_an_ended_subscriber_hands_out_nothing_published_after_the_stop() {
    let c = Arc::new(Cometd::new());
    let client = c.handshake().await;
    c.subscribe(&client, "/event/OrderShipped__e", -1).await;
    c.connect(&client).await; // the first connect is answered at once
    let held = {
        let (c, client) = (c.clone(), client.clone());
        tokio::spawn(async move { c.connect(&client).await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    // The program behind the client is stopped while its connect is held, then an event
    // goes out.
    c.org.events.log.end_subscribers_after(0);
    c.publish("SO-9");
    let got = held.await.unwrap();
    assert!(got.iter().all(|m| m.get("data").is_none()), "{got:?}");
    assert_eq!(got[0]["error"], "403::Unknown client", "{got:?}");
    assert!(c.org.events.log.deliveries().is_empty());
}

#[tokio::test]
async fn ending_the_subscribers_after_a_mark_leaves_earlier_ones_receiving() {
    let c = Cometd::new();
    let first = c.handshake().await;
    c.subscribe(&first, "/event/OrderShipped__e", -1).await;
    c.connect(&first).await;
    let mark = c.org.events.log.subscriptions().len();
    let second = c.handshake().await;
    c.subscribe(&second, "/event/OrderShipped__e", -1).await;
    c.org.events.log.end_subscribers_after(mark);
    c.publish("SO-1");
    let got = c.connect(&first).await;
    assert_eq!(
        got.len(),
        2,
        "the earlier subscriber still receives: {got:?}"
    );
    assert!(!c.org.events.log.has_ended(&first));
    assert!(c.org.events.log.has_ended(&second));
}

#[tokio::test]
async fn a_client_away_past_the_reconnect_deadline_is_forgotten_and_told_to_handshake() {
    let c = Cometd::with_deadline(Duration::from_millis(400));
    let client = c.handshake().await;
    c.subscribe(&client, "/event/OrderShipped__e", -1).await;
    let got = c.connect(&client).await;
    assert_eq!(got.last().unwrap()["successful"], true);
    // Back within the deadline (a held connect does not count against it): still known.
    tokio::time::sleep(Duration::from_millis(250)).await;
    let got = c.connect(&client).await;
    assert_eq!(got.last().unwrap()["successful"], true, "{got:?}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    c.publish("SO-9");
    let got = c.connect(&client).await;
    assert_eq!(got.len(), 1, "no event for a forgotten client: {got:?}");
    assert_eq!(got[0]["successful"], false);
    assert_eq!(got[0]["error"], "403::Unknown client");
    assert_eq!(got[0]["advice"]["reconnect"], "handshake");
    // Its subscriptions went with it.
    let again = c.connect(&client).await;
    assert_eq!(again[0]["error"], "403::Unknown client");
}

#[tokio::test]
async fn a_handshake_sets_the_bayeux_browser_cookie_and_messages_without_it_are_refused() {
    let c = Cometd::new();
    let handshake = json!([{"channel": "/meta/handshake", "id": "1", "version": "1.0", "supportedConnectionTypes": ["long-polling"]}]);
    let (_, set, r) = c
        .send("/cometd/62.0", &c.token, handshake.clone(), None)
        .await;
    let set = set.expect("a successful handshake sets a cookie");
    assert!(set.starts_with("BAYEUX_BROWSER="), "{set}");
    assert!(set.contains("Path=/") && set.contains("HttpOnly"), "{set}");
    assert!(set.contains("Secure"), "served over https here: {set}");
    let client = r[0]["clientId"].as_str().unwrap().to_string();
    let cookie = set.split(';').next().unwrap().to_string();
    let subscribe = json!([{"channel": "/meta/subscribe", "clientId": client,
        "subscription": "/event/OrderShipped__e", "id": "2"}]);
    let connect = json!([{"channel": "/meta/connect", "clientId": client, "connectionType": "long-polling", "id": "3"}]);
    let missing = format!(
        "400::Client {client} has established a session, but no BAYEUX_BROWSER cookie present"
    );
    for body in [&subscribe, &connect] {
        let (status, _, r) = c.send("/cometd/62.0", &c.token, body.clone(), None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(r[0]["successful"], false, "{r}");
        assert_eq!(r[0]["error"], missing.as_str());
        assert_eq!(r[0]["advice"]["reconnect"], "handshake");
    }
    let refused = c.org.events.log.refusals();
    assert_eq!(
        refused.len(),
        1,
        "the cookie-less subscribe is noted for the rules"
    );
    assert!(refused[0].message.contains("no BAYEUX_BROWSER cookie"));
    assert!(c.org.events.log.subscriptions().is_empty());
    // Another browser's cookie does not belong to this client.
    let (_, _, r) = c
        .send(
            "/cometd/62.0",
            &c.token,
            subscribe.clone(),
            Some("BAYEUX_BROWSER=someoneelse"),
        )
        .await;
    assert_eq!(r[0]["error"], "403::Unknown client");
    let unsubscribe = json!([{"channel": "/meta/unsubscribe", "clientId": client,
        "subscription": "/event/OrderShipped__e", "id": "4"}]);
    let (_, _, r) = c.send("/cometd/62.0", &c.token, unsubscribe, None).await;
    assert_eq!(r[0]["error"], missing.as_str());
    // With the cookie kept, the same client subscribes and connects.
    let (_, _, r) = c
        .send("/cometd/62.0", &c.token, subscribe, Some(&cookie))
        .await;
    assert_eq!(r[0]["successful"], true, "{r}");
    let (_, _, r) = c
        .send("/cometd/62.0", &c.token, connect, Some(&cookie))
        .await;
    assert_eq!(
        r.as_array().unwrap().last().unwrap()["successful"],
        true,
        "{r}"
    );
    // A handshake that brings the cookie keeps it: nothing new to set.
    let (_, set, r) = c
        .send("/cometd/62.0", &c.token, handshake, Some(&cookie))
        .await;
    assert_eq!(r[0]["successful"], true);
    assert_eq!(set, None);
}

#[tokio::test]
async fn a_refused_handshake_sets_no_cookie() {
    let c = Cometd::new();
    let (_, set, r) = c
        .send(
            "/cometd/62.0",
            "nope",
            json!([{"channel": "/meta/handshake", "id": "1"}]),
            None,
        )
        .await;
    assert_eq!(r[0]["error"], "403::Handshake denied");
    assert_eq!(set, None);
}

#[tokio::test]
async fn over_plain_http_the_cookie_is_not_marked_secure() {
    let c = Cometd::new();
    let mut req = Request::builder()
        .method("POST")
        .uri("/cometd/62.0")
        .header("authorization", format!("OAuth {}", c.token))
        .header("content-type", "application/json")
        .body(Body::from(
            json!([{"channel": "/meta/handshake", "id": "1"}]).to_string(),
        ))
        .unwrap();
    req.extensions_mut()
        .insert(InstanceUrl("http://127.0.0.1:8080".to_string()));
    let resp = c.app.clone().oneshot(req).await.unwrap();
    let set = resp.headers()["set-cookie"].to_str().unwrap();
    assert_eq!(set.split(';').nth(1), Some(" Path=/"), "{set}");
    assert!(!set.contains("Secure"), "{set}");
}

#[tokio::test]
async fn refusals_before_the_messages_carry_each_message_channel_and_id() {
    let c = Cometd::new();
    let handshake = json!([{"channel": "/meta/handshake", "id": "7", "version": "1.0"}]);
    // A version not served: matched to the handshake, and told not to try again.
    let (status, r) = c.post("/cometd/20.0", &c.token, handshake.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        (&r[0]["channel"], &r[0]["id"]),
        (&json!("/meta/handshake"), &json!("7"))
    );
    assert_eq!(r[0]["successful"], false);
    assert!(
        r[0]["error"]
            .as_str()
            .unwrap()
            .contains("20.0 is not served"),
        "{r}"
    );
    assert_eq!(r[0]["advice"]["reconnect"], "none");
    // A body over 32,768 bytes: each message of the batch gets its refusal.
    let big = json!([{"channel": "/meta/subscribe", "id": "8", "clientId": "c1",
        "subscription": "/event/OrderShipped__e", "ext": {"pad": "x".repeat(MAX_BODY)}},
        {"channel": "/meta/connect", "id": "9", "clientId": "c1"}]);
    let (status, r) = c.post("/cometd/62.0", &c.token, big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let ids: Vec<(&Value, &Value)> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (&m["channel"], &m["id"]))
        .collect();
    assert_eq!(
        ids,
        [
            (&json!("/meta/subscribe"), &json!("8")),
            (&json!("/meta/connect"), &json!("9"))
        ]
    );
    assert!(r[0]["error"].as_str().unwrap().starts_with("413::"), "{r}");
    assert_eq!(r[0]["clientId"], "c1");
    // JSON that is no Bayeux message: the objects it holds are still answered by id.
    let (status, r) = c
        .post(
            "/cometd/62.0",
            &c.token,
            json!([{"channel": "/meta/handshake", "id": "10"}, 3]),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(r[0]["id"], "10");
    assert!(r[0]["error"]
        .as_str()
        .unwrap()
        .contains("must be a Bayeux message"));
    // A body that is not JSON at all has no id to name: one refusal, no channel.
    let (status, r) = c.send_raw("/cometd/62.0", "{not json").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(r.as_array().unwrap().len(), 1);
    assert!(
        r[0].get("channel").is_none() && r[0].get("id").is_none(),
        "{r}"
    );
    assert_eq!(r[0]["successful"], false);
}

#[tokio::test]
async fn the_v36_replay_endpoint_is_served_and_other_replay_versions_are_named() {
    let c = Cometd::new();
    c.publish("SO-1");
    let (_, r) = c
        .post("/cometd/replay/36.0", &c.token, json!([{"channel": "/meta/handshake", "id": "1", "version": "1.0", "supportedConnectionTypes": ["long-polling"]}]))
        .await;
    assert_eq!(r[0]["successful"], true, "{r}");
    let client = r[0]["clientId"].as_str().unwrap().to_string();
    let (_, r) = c
        .post(
            "/cometd/replay/36.0",
            &c.token,
            json!([{"channel": "/meta/subscribe", "clientId": client, "id": "2",
                "subscription": "/event/OrderShipped__e",
                "ext": {"replay": {"/event/OrderShipped__e": -2}}}]),
        )
        .await;
    assert_eq!(r[0]["successful"], true, "{r}");
    let (_, got) = c
        .post("/cometd/replay/36.0/connect", &c.token, json!([{"channel": "/meta/connect", "clientId": client, "connectionType": "long-polling", "id": "3"}]))
        .await;
    assert_eq!(
        got[0]["data"]["payload"]["Order_Number__c"], "SO-1",
        "{got}"
    );
    let (status, r) = c
        .post(
            "/cometd/replay/62.0",
            &c.token,
            json!([{"channel": "/meta/handshake", "id": "4"}]),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(r[0]["id"], "4");
    let error = r[0]["error"].as_str().unwrap();
    assert!(!error.contains("mandatory"), "{error}");
    assert!(
        error.contains("36.0 only") && error.contains("/cometd/62.0"),
        "{error}"
    );
}

#[tokio::test]
async fn a_version_with_a_v_is_told_to_drop_it_and_versions_newer_than_the_org_are_refused() {
    let c = Cometd::new();
    let handshake = json!([{"channel": "/meta/handshake", "id": "1", "version": "1.0"}]);
    let (status, r) = c.post("/cometd/v62.0", &c.token, handshake.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error = r[0]["error"].as_str().unwrap();
    assert!(
        error.starts_with("400::")
            && error.contains("without a 'v'")
            && error.contains("/cometd/62.0"),
        "{error}"
    );
    assert_eq!(r[0]["advice"]["reconnect"], "none");
    let newest = crate::org::rest::versions::NEWEST;
    for version in ["99.0", "1000.0", &format!("{}.0", newest + 1)] {
        let (status, r) = c
            .post(&format!("/cometd/{version}"), &c.token, handshake.clone())
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{version}");
        assert_eq!(r[0]["successful"], false, "{version}: {r}");
        assert!(
            r[0]["error"].as_str().unwrap().contains("is not served"),
            "{r}"
        );
    }
    let (_, r) = c
        .post(&format!("/cometd/{newest}.0"), &c.token, handshake)
        .await;
    assert_eq!(r[0]["successful"], true, "{r}");
}

#[tokio::test]
async fn connects_advise_a_two_second_interval_and_the_handshake_gives_no_advice() {
    let c = Cometd::new();
    let (_, r) = c
        .post("/cometd/62.0", &c.token, json!([{"channel": "/meta/handshake", "id": "1", "version": "1.0", "supportedConnectionTypes": ["long-polling"]}]))
        .await;
    assert_eq!(r[0]["successful"], true, "{r}");
    assert!(r[0].get("advice").is_none(), "{r}");
    let client = r[0]["clientId"].as_str().unwrap().to_string();
    let got = c.connect(&client).await;
    let advice = &got.last().unwrap()["advice"];
    assert_eq!(
        advice,
        &json!({"interval": 2000, "timeout": 110000, "reconnect": "retry"})
    );
    // A second client in the same browser: the server says so, as CometD servers do.
    let (_, r) = c
        .post(
            "/cometd/62.0",
            &c.token,
            json!([{"channel": "/meta/handshake", "id": "4", "version": "1.0"}]),
        )
        .await;
    let second = r[0]["clientId"].as_str().unwrap().to_string();
    let got = c.connect(&second).await;
    assert_eq!(got.last().unwrap()["advice"]["multiple-clients"], true);
    assert_eq!(got.last().unwrap()["advice"]["interval"], 2000);
}

#[tokio::test]
async fn where_object_access_is_enforced_subscriptions_need_the_permissions_cdc_and_events_ask() {
    use crate::org::events::access::tests::least_privilege_org;
    let org = least_privilege_org(true);
    let as_user = |name: &str| {
        let user = org
            .users
            .iter()
            .find(|u| u.username == name)
            .unwrap()
            .clone();
        Cometd::for_org(
            org.clone(),
            org.mint_static_token(&user, &["api"]),
            Duration::from_secs(110),
        )
    };
    let digest = as_user("digest@lab.example");
    let client = digest.handshake().await;
    for channel in [
        "/event/OrderShipped__e",
        "/data/AccountChangeEvent",
        "/data/ContactChangeEvent",
    ] {
        let r = digest.subscribe(&client, channel, -1).await;
        assert_eq!(r["successful"], false, "{channel}: {r}");
        assert!(r["error"].as_str().unwrap().starts_with("403::"), "{r}");
    }
    assert!(digest
        .org
        .events
        .log
        .refusals()
        .iter()
        .any(|f| f.channel == "/data/AccountChangeEvent"));
    // /data/ChangeEvents is open, but delivers only what the user may View All.
    let r = digest.subscribe(&client, "/data/ChangeEvents", -1).await;
    assert_eq!(r["successful"], true, "{r}");
    let watcher = as_user("watcher@lab.example");
    let watching = watcher.handshake().await;
    let r = watcher.subscribe(&watching, "/data/ChangeEvents", -1).await;
    assert_eq!(r["successful"], true, "{r}");
    let r = watcher
        .subscribe(&watching, "/data/AccountChangeEvent", -1)
        .await;
    assert_eq!(r["successful"], true, "{r}");
    digest.connect(&client).await;
    watcher.connect(&watching).await;
    let admin = org.actor(org.users[0].id);
    let mut f = Map::new();
    f.insert("Name".into(), json!("Falcon Corp"));
    org.store.write().insert("Account", &f, &admin).unwrap();
    let got = watcher.connect(&watching).await;
    let deliveries = got.iter().filter(|m| m.get("data").is_some()).count();
    assert_eq!(deliveries, 2, "on both channels: {got:?}");
    let got = digest.connect(&client).await;
    assert!(got.iter().all(|m| m.get("data").is_none()), "{got:?}");
}
