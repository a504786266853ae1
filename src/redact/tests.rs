//! Redaction tests: every format the recorder stores, and a scan for known secret values.

use super::*;
use base64::Engine;

const TOKEN: &str = "00D5g000004Xyz1!AQ8AQHc2.sEcReTtOkEnVaLuE_1234";
const REFRESH: &str = "5Aep861refreshTokenSecretValue==";
const CLIENT_SECRET: &str = "9F3A2B1C0D9E8F7A6B5C4D3E2F1A0B9C";

fn redactor() -> Redactor {
    Redactor::new(b"workspace-key")
}

fn jwt() -> String {
    let e = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    format!(
        "{}.{}.{}",
        e(r#"{"alg":"RS256"}"#),
        e(
            r#"{"iss":"3MVG9abc","sub":"integration@example.com","aud":"https://login.salesforce.com","exp":1900000000}"#
        ),
        "c2lnbmF0dXJlLWJ5dGVzLXRoYXQtbWF0dGVy"
    )
}

#[test]
fn same_value_same_marker_different_values_differ() {
    let r = redactor();
    let a = r.marker("access_token", "one-token-value");
    assert_eq!(a, r.marker("access_token", "one-token-value"));
    assert_ne!(a, r.marker("access_token", "another-token-value"));
    assert!(a.starts_with("‹redacted:access_token#") && a.ends_with('›'));
    // A different workspace key gives a different hash.
    assert_ne!(
        a,
        Redactor::new(b"other").marker("access_token", "one-token-value")
    );
}

#[test]
fn bearer_and_oauth_headers_keep_scheme_and_hide_token() {
    let r = redactor();
    let bearer = r.header("Authorization", &format!("Bearer {TOKEN}"));
    assert!(bearer.starts_with("Bearer ‹redacted:access_token#"));
    assert!(!bearer.contains(TOKEN));
    let oauth = r.header("authorization", &format!("OAuth {TOKEN}"));
    assert_eq!(oauth.replace("OAuth", "Bearer"), bearer);
}

#[test]
fn authorization_header_without_a_credential_is_kept_as_sent() {
    let r = redactor();
    assert_eq!(r.header("Authorization", "Bearer "), "Bearer ");
    assert_eq!(r.header("authorization", "OAuth"), "OAuth");
    assert_eq!(r.header("Authorization", ""), "");
    // A lone word that is not a scheme may be the credential itself: still masked.
    let bare = r.header("Authorization", TOKEN);
    assert!(bare.starts_with("‹redacted:authorization#"), "{bare}");
    let short = r.header("Authorization", "Bearer x");
    assert!(short.starts_with("Bearer ‹redacted:"), "{short}");
}

#[test]
fn basic_header_hides_the_pair_and_learns_the_secret() {
    let r = redactor();
    let cred =
        base64::engine::general_purpose::STANDARD.encode(format!("3MVG9client:{CLIENT_SECRET}"));
    let h = r.header("Authorization", &format!("Basic {cred}"));
    assert!(!h.contains(&cred));
    let out = r.text(&format!("echo {CLIENT_SECRET}"));
    assert!(!out.contains(CLIENT_SECRET), "{out}");
}

#[test]
fn header_values_lose_cr_and_lf() {
    let r = redactor();
    assert_eq!(r.header("X-Note", "a\r\nInjected: yes"), "aInjected: yes");
}

#[test]
fn api_key_and_other_secret_headers_are_redacted_like_the_authorization_header() {
    let r = redactor();
    for name in [
        "X-Api-Key",
        "api-key",
        "X-Auth-Token",
        "X-Amz-Security-Token",
    ] {
        let h = r.header(name, "wx-demo-key-0123");
        assert!(h.starts_with("‹redacted:"), "{name}: {h}");
    }
    // Learnt: the same key is hidden wherever else the record shows it.
    assert!(!r.text("key=wx-demo-key-0123").contains("wx-demo-key-0123"));
    for (name, value) in [("X-Request-Id", "abc-123"), ("Content-Type", "text/plain")] {
        assert_eq!(r.header(name, value), value, "{name} is no secret");
    }
}

#[test]
fn cookies_keep_names_and_hide_values() {
    let r = redactor();
    let c = r.header("Cookie", "sid=abcdef123456; theme=dark");
    assert!(c.starts_with("sid=‹redacted:sid#"), "{c}");
    assert!(c.contains("theme=‹redacted:cookie#"));
    let s = r.header("Set-Cookie", "sid=abcdef123456; Path=/; Secure");
    assert!(s.starts_with("sid=‹redacted:sid#") && s.ends_with("; Path=/; Secure"));
}

#[test]
fn form_body_redacts_by_key_and_keeps_other_pairs_verbatim() {
    let r = redactor();
    let body = format!(
        "grant_type=refresh_token&refresh_token={}&client_id=3MVG9&client_secret={CLIENT_SECRET}",
        form_urlencoded::byte_serialize(REFRESH.as_bytes()).collect::<String>()
    );
    let out = r.body(Some("application/x-www-form-urlencoded"), body.as_bytes());
    assert!(out.starts_with("grant_type=refresh_token&refresh_token=‹redacted:refresh_token#"));
    assert!(out.contains("client_id=‹redacted:client_id#"));
    assert!(!out.contains("5Aep861") && !out.contains(CLIENT_SECRET));
}

#[test]
fn json_token_response_hides_both_tokens_and_keeps_the_rest() {
    let r = redactor();
    let body = format!(
        r#"{{"access_token":"{TOKEN}","refresh_token":"{REFRESH}","instance_url":"https://x","token_type":"Bearer"}}"#
    );
    let out = r.body(Some("application/json;charset=UTF-8"), body.as_bytes());
    let v: serde_json::Value = serde_json::from_str(&out).expect("still JSON");
    assert_eq!(v["instance_url"], "https://x");
    assert!(!out.contains(TOKEN) && !out.contains(REFRESH));
    // The token used later is recognised as the same one.
    let used = r.header("Authorization", &format!("Bearer {TOKEN}"));
    assert!(used.ends_with(v["access_token"].as_str().unwrap_or("?")));
}

#[test]
fn a_device_user_code_is_replaced_where_printed_but_is_no_leak() {
    let r = redactor();
    let out = r.body(
        Some("application/json"),
        br#"{"device_code":"d-0123456789abcdef","user_code":"BCDF2345","verification_uri":"https://x/setup/connect"}"#,
    );
    let v: serde_json::Value = serde_json::from_str(&out).expect("still JSON");
    let marker = v["user_code"].as_str().unwrap_or_default().to_string();
    assert!(marker.starts_with("‹redacted:user_code#"), "{out}");
    // Printed by the program, it reads as the same marker, so the two can be compared.
    assert_eq!(
        r.text("enter the code BCDF2345\n"),
        format!("enter the code {marker}\n")
    );
    assert!(!is_leak_kind("user_code"));
}

#[test]
fn jwt_keeps_header_and_claims_but_not_signature() {
    let r = redactor();
    let token = jwt();
    let body = format!(
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion={token}"
    );
    let out = r.body(Some("application/x-www-form-urlencoded"), body.as_bytes());
    let (head, _) = token.rsplit_once('.').unwrap_or_default();
    assert!(out.contains(head), "{out}");
    assert!(!out.contains("c2lnbmF0dXJlLWJ5dGVzLXRoYXQtbWF0dGVy"));
    assert!(out.contains("‹redacted:jwt_signature#"));
    // Free text too, for a JWT the redactor has not seen as a credential.
    let text = redactor().text(&format!("id token: {token}\n"));
    assert!(text.contains(head) && !text.contains("c2lnbmF0dXJl"));
}

#[test]
fn a_saml_assertion_printed_as_xml_is_the_assertion_too() {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let r = redactor();
    let xml = "<saml:Assertion ID=\"_a\"><ds:Signature><ds:SignedInfo/><ds:SignatureValue>\nQmFzZTY0U2lnbmF0dXJl\nVmFsdWVPZkFzc2VydGlvbg==</ds:SignatureValue></ds:Signature></saml:Assertion>";
    let _ = r.body(
        Some("application/x-www-form-urlencoded"),
        format!("grant_type=x&assertion={}", URL_SAFE_NO_PAD.encode(xml)).as_bytes(),
    );
    use base64::engine::general_purpose::STANDARD;
    for shown in [xml.to_string(), xml.replace('\n', ""), STANDARD.encode(xml)] {
        let printed = r.text(&format!("{shown}\n"));
        assert!(!printed.contains("QmFzZTY0U2lnbmF0dXJl"), "{printed}");
        assert!(!printed.contains(&STANDARD.encode(xml)[..40]), "{printed}");
        assert!(printed.contains("‹redacted:assertion#"), "{printed}");
    }
}

#[test]
fn a_jwt_signature_seen_once_is_redacted_on_its_own_too() {
    let r = redactor();
    let token = jwt();
    let (_, signature) = token.rsplit_once('.').unwrap_or_default();
    let _ = r.body(
        Some("application/x-www-form-urlencoded"),
        format!("assertion={token}").as_bytes(),
    );
    let printed = r.text(&format!("signed: {signature}\n"));
    assert!(!printed.contains(signature), "{printed}");
    assert!(printed.contains("‹redacted:jwt_signature#"), "{printed}");
    // In one text, printed before the whole JWT, it is still caught.
    let fresh = redactor();
    let both = fresh.text(&format!("sig {signature}\nfull {token}\n"));
    assert!(!both.contains(signature), "{both}");
}

#[test]
fn urls_hide_code_state_and_fragment_tokens() {
    let r = redactor();
    let loc = r.header(
        "Location",
        "https://app.example/cb?code=aPrxCodeValue123&state=xyz#access_token=abcdefgh12345&token_type=Bearer",
    );
    assert!(loc.starts_with("https://app.example/cb?code=‹redacted:code#"));
    assert!(loc.contains("&state=‹redacted:state#"));
    assert!(loc.contains("#access_token=‹redacted:access_token#"));
    assert!(loc.ends_with("&token_type=Bearer"));
    assert_eq!(
        r.url("q=SELECT+Id+FROM+Account"),
        "q=SELECT+Id+FROM+Account"
    );
    let q = r.query("redirect_uri=https://app.example/cb&code=aPrxCodeValue123");
    assert!(
        q.starts_with("redirect_uri=https://app.example/cb&code=‹redacted:code#"),
        "{q}"
    );
}

#[test]
fn soap_session_id_and_password_are_hidden() {
    let r = redactor();
    let xml = "<soapenv:Body><login><username>u@x.com</username><password>hunter2Secret!</password></login><sf:sessionId>00D000000000001!AQ0123456789abc</sf:sessionId></soapenv:Body>";
    let out = r.body(Some("text/xml; charset=utf-8"), xml.as_bytes());
    assert!(out.contains("<username>u@x.com</username>"));
    assert!(out.contains("<password>‹redacted:password#"));
    assert!(out.contains("<sf:sessionId>‹redacted:sessionid#"));
    assert!(!out.contains("hunter2Secret!") && !out.contains("AQ0123456789abc"));
}

#[test]
fn free_text_hides_private_keys_session_ids_and_known_secrets() {
    let r = redactor();
    r.add_secret("client_secret", CLIENT_SECRET);
    let text = format!(
        "key:\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\nkqhkiG9w0BAQEF\n-----END PRIVATE KEY-----\nsecret={CLIENT_SECRET}\ntoken {TOKEN}\n"
    );
    let out = r.text(&text);
    assert!(
        !out.contains("MIIEvQIBADANBg") && !out.contains(CLIENT_SECRET) && !out.contains(TOKEN)
    );
    let kinds: Vec<String> = find_markers(&out).into_iter().map(|m| m.kind).collect();
    assert_eq!(kinds, vec!["private_key", "client_secret", "access_token"]);
    assert!(r.known_secrets().iter().any(|s| s.kind == "private_key"));
}

#[test]
fn binary_bodies_are_described_not_stored() {
    let r = redactor();
    assert_eq!(r.body(None, &[0xff, 0xfe, 0x00]), "‹binary 3 bytes›");
}

#[test]
fn redaction_is_stable_when_applied_twice() {
    let r = redactor();
    let once = r.body(
        Some("application/json"),
        format!(r#"{{"access_token":"{TOKEN}","id_token":"{}"}}"#, jwt()).as_bytes(),
    );
    assert_eq!(r.body(Some("application/json"), once.as_bytes()), once);
}

#[test]
fn process_output_is_capped_then_redacted() {
    let r = redactor();
    r.add_secret("client_secret", CLIENT_SECRET);
    let out = r.output(format!("secret {CLIENT_SECRET} and more").as_bytes(), 40);
    assert!(out.truncated);
    assert!(!out.text.contains(CLIENT_SECRET));
    let short = r.output(b"ok\n", 40);
    assert_eq!((short.text.as_str(), short.truncated), ("ok\n", false));
}

mod scan {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the secret's value, no stored form of a token exchange contains it.
        #[test]
        fn no_secret_value_survives_any_format(secret in "[A-Za-z0-9._~!-]{12,40}") {
            let r = redactor();
            let form = format!(
                "grant_type=password&password={}",
                form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>()
            );
            let stored = [
                r.body(Some("application/x-www-form-urlencoded"), form.as_bytes()),
                r.body(Some("application/json"), format!(r#"{{"access_token":"{secret}"}}"#).as_bytes()),
                r.header("Authorization", &format!("Bearer {secret}")),
                r.header("Cookie", &format!("sid={secret}")),
                r.url(&format!("https://x/cb?code={secret}")),
                r.text(&format!("echo {secret}")),
            ];
            for s in &stored {
                prop_assert!(!s.contains(secret.as_str()), "{} in {}", secret, s);
            }
        }
    }
}

#[test]
fn json_without_secrets_keeps_its_original_text() {
    let r = redactor();
    let body = "{ \"Name\" : \"Falcon\",\n  \"Industry\": \"Air\" }";
    assert_eq!(r.body(Some("application/json"), body.as_bytes()), body);
}

#[test]
fn json_with_a_secret_keeps_its_layout_and_final_newline_around_the_mask() {
    let r = redactor();
    let file = "{\n  \"org\": \"dev\",\n  \"client_secret\": \"s3cr3t-value-42\"\n}\n";
    let copy = r.file_text("config.json", file);
    assert!(!copy.contains("s3cr3t-value-42"), "{copy}");
    assert!(
        copy.starts_with("{\n  \"org\": \"dev\",\n  \"client_secret\": \""),
        "{copy}"
    );
    assert!(copy.ends_with("\"\n}\n"), "{copy}");
    // A secret equal to a key's name cannot be replaced in place: the document is written again.
    let odd = "{ \"password\": \"Name\", \"Name\": \"x\" }";
    let copy = r.file_text("odd.json", odd);
    let v: serde_json::Value = serde_json::from_str(&copy).unwrap();
    assert_eq!(v["Name"], "x");
    assert_ne!(v["password"], "Name");
}

#[test]
fn a_jwt_access_token_printed_whole_is_marked_as_an_access_token() {
    let r = redactor();
    let token = jwt();
    let stored = r.body(
        Some("application/json"),
        format!(r#"{{"access_token":"{token}"}}"#).as_bytes(),
    );
    assert!(
        stored.contains("‹redacted:jwt_signature#"),
        "claims stay readable: {stored}"
    );
    let printed = r.text(&format!("token={token}\n"));
    let kinds: Vec<String> = find_markers(&printed).into_iter().map(|m| m.kind).collect();
    assert_eq!(kinds, vec!["access_token"]);
}

#[test]
fn a_device_user_code_is_redacted_in_traffic_but_showing_it_is_no_leak() {
    assert!(is_secret_key("user_code"));
    assert!(!is_leak_kind("user_code"));
    assert!(is_leak_kind("device_code"));
}

#[test]
fn a_refresh_token_kept_in_a_plain_file_is_found_by_its_shape() {
    let r = redactor();
    let stored = "3f2a9c fingerprint\n5Aep861IKW6x1gBZq2ZpLmR8u7aTfXcVb9yHs0dE.QwErTy_uIoP\n";
    let out = r.text(stored);
    assert!(!out.contains("5Aep861IKW6x1gBZ"), "{out}");
    assert!(out.contains("‹redacted:refresh_token#"), "{out}");
    assert!(out.starts_with("3f2a9c fingerprint\n"), "{out}");
}

#[test]
fn words_that_merely_start_like_a_refresh_token_are_kept() {
    let r = redactor();
    for text in [
        "5Aep861 is the prefix",
        "x5Aep861abcdefghijklmnopqrstuvwxyz",
        "5Aepshort",
    ] {
        assert_eq!(r.text(text), text);
    }
}

#[test]
fn a_secret_the_output_cap_cuts_through_leaves_no_prefix() {
    let r = redactor();
    r.add_secret("client_secret", CLIENT_SECRET);
    let cap = 1000;
    let printed = format!("{}{CLIENT_SECRET}\n", "A".repeat(cap - 6));
    let out = r.output(printed.as_bytes(), cap);
    assert!(out.truncated);
    assert!(out.text.len() <= cap, "{}", out.text.len());
    assert!(
        !out.text.contains(&CLIENT_SECRET[..6]),
        "{}",
        &out.text[cap - 20..]
    );
}

#[test]
fn a_multipart_form_hides_secret_fields_and_keeps_the_rest() {
    let r = redactor();
    let body = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\nclient_credentials\r\n--XyZ\r\nContent-Disposition: form-data; name=\"client_secret\"\r\n\r\n{CLIENT_SECRET}\r\n--XyZ--\r\n"
    );
    let out = r.body(Some("multipart/form-data; boundary=XyZ"), body.as_bytes());
    assert!(!out.contains(CLIENT_SECRET), "{out}");
    assert!(
        out.contains("name=\"client_secret\"\r\n\r\n‹redacted:client_secret#"),
        "{out}"
    );
    assert!(out.contains("\r\n\r\nclient_credentials\r\n--XyZ"), "{out}");
}

#[test]
fn a_form_sent_as_text_plain_is_still_redacted_by_key() {
    let r = redactor();
    let body = format!("grant_type=client_credentials&client_secret={CLIENT_SECRET}");
    let out = r.body(Some("text/plain"), body.as_bytes());
    assert!(!out.contains(CLIENT_SECRET), "{out}");
    assert!(
        out.starts_with("grant_type=client_credentials&client_secret=‹redacted"),
        "{out}"
    );
}

#[test]
fn a_password_in_cdata_is_hidden() {
    let r = redactor();
    let xml =
        "<login><username>u@x</username><password><![CDATA[S3cr3t&Pw<Tok]]></password></login>";
    let out = r.body(Some("text/xml"), xml.as_bytes());
    assert!(!out.contains("S3cr3t"), "{out}");
    assert!(
        out.contains("<password><![CDATA[‹redacted:password#"),
        "{out}"
    );
    assert!(out.contains("<username>u@x</username>"), "{out}");
}

#[test]
fn a_secret_printed_base64_encoded_is_still_redacted() {
    use base64::Engine;
    let r = redactor();
    let token = "00D000000000001!AQ4kLx9vTq2mWb8cYz7dRf3gHj6kLp0sNv5xCu1eIo";
    r.add_secret("access_token", token);
    let padded = base64::engine::general_purpose::STANDARD.encode(token);
    let out = r.text(&format!("debug: {padded}\n"));
    assert!(!out.contains(&padded[..40]), "{out}");
    assert!(out.contains("‹redacted:access_token#"), "{out}");
}

#[test]
fn a_secret_with_every_character_escaped_is_still_redacted() {
    let r = redactor();
    let token = "00D000000000001!AQ4kLx9vTq2mWb8cYz7dRf3gHj6kLp0sNv5xCu1eIo";
    r.add_secret("access_token", token);
    let percent: String = token.bytes().map(|b| format!("%{b:02X}")).collect();
    let lower: String = token.bytes().map(|b| format!("%{b:02x}")).collect();
    let json: String = token.bytes().map(|b| format!("\\u{:04x}", b)).collect();
    for escaped in [percent, lower, json] {
        let out = r.text(&format!("GET /limits?x={escaped} {{\"d\":\"{escaped}\"}}"));
        assert!(!out.contains(&escaped), "{out}");
        assert_eq!(out.matches("‹redacted:access_token#").count(), 2, "{out}");
    }
}

#[test]
fn a_files_soap_envelope_basic_header_and_curl_password_are_masked_for_a_copy() {
    let r = Redactor::new(b"0123456789abcdef0123456789abcdef");
    let soap = r.file_text(
        "soap.xml",
        "<env><sessionId>xmlSess666</sessionId><password>xmlPw777</password></env>",
    );
    assert!(
        !soap.contains("xmlSess666") && !soap.contains("xmlPw777"),
        "{soap}"
    );
    let headers = r.file_text(
        "headers.txt",
        "Authorization: Basic YWRtaW46c2VjcmV0UGFzcw==\n",
    );
    assert!(!headers.contains("YWRtaW46"), "{headers}");
    let helper = r.file_text(
        "helper.sh",
        "curl -u admin:HunterPass2 https://x\ncat <<EOF\n<password>{pw}</password><sessionId>inLine12345</sessionId>\nEOF\n<code>ls</code>\n",
    );
    assert!(!helper.contains("HunterPass2"), "{helper}");
    assert!(!helper.contains("inLine12345"), "{helper}");
    assert!(
        helper.contains("<password>{pw}</password>"),
        "code stays: {helper}"
    );
    assert!(helper.contains("<code>ls</code>"), "{helper}");
}

#[test]
fn a_secret_base64_encoded_after_other_text_is_redacted_wherever_it_starts() {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};
    use base64::Engine;
    let r = redactor();
    let token = "00D000000000001!AQ4kLx9vTq2mWb8cYz7dRf3gHj6kLp0sNv5xCu1eIo";
    r.add_secret("access_token", token);
    // `echo "token=$T" | base64`, with prefixes that start the token at each place in a
    // 3-byte group, in both alphabets.
    for prefix in ["token=", "tok=", "t=", "Bearer "] {
        for engine in [STANDARD, URL_SAFE] {
            let printed = engine.encode(format!("{prefix}{token}\n"));
            let out = r.text(&format!("header: {printed}\n"));
            assert!(out.contains("‹redacted:access_token#"), "{prefix}: {out}");
            let left = out.replace(|c: char| !c.is_ascii_alphanumeric(), " ");
            let longest = left.split(' ').map(str::len).max().unwrap_or(0);
            assert!(
                longest < 24,
                "{prefix}: too much of the encoding left: {out}"
            );
        }
    }
    let forms = r.printed_forms();
    let encoded = STANDARD.encode(format!("tok={token}"));
    assert!(
        forms
            .iter()
            .any(|(_, f)| encoded.contains(f.as_str()) && f.len() > 40),
        "the post-cap scan knows the shifted form too"
    );
}

#[test]
fn a_hex_secret_printed_in_the_other_case_is_redacted() {
    let r = redactor();
    let secret = "661119BE3C0F4A8D9E2B7C5A1F0E3D6B8A9C2E4F6A8B0C1D3E5F7A9B1C3D772A";
    r.add_secret("client_secret", secret);
    let out = r.text(&format!("debug: {}\n", secret.to_ascii_lowercase()));
    assert_eq!(out.matches("‹redacted:client_secret#").count(), 1, "{out}");
    assert!(!out.contains("661119be"), "{out}");
    // The post-cap output scan knows the form too.
    let lower = secret.to_ascii_lowercase();
    assert!(r.printed_forms().iter().any(|(_, f)| *f == lower));
    // A secret that is not hex is not matched by its case-folded text.
    let token = "00D000000000001!AQ4kLx9vTq2mWb8cYz7dRf3gHj6kLp0sNv5xCu1eIo";
    r.add_secret("access_token", token);
    let folded = token.to_ascii_lowercase();
    assert_eq!(r.text(&folded), folded);
}

#[test]
fn a_secret_encoded_over_several_lines_or_in_hex_is_redacted() {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    let r = redactor();
    let token = "00D000000000001!AQ4kLx9vTq2mWb8cYz7dRf3gHj6kLp0sNv5xCu1eIo";
    r.add_secret("access_token", token);
    // `echo "token=$T" | base64` wraps at 76 columns.
    let encoded = STANDARD.encode(format!("token={token}\n"));
    let wrapped: Vec<String> = encoded
        .as_bytes()
        .chunks(20)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let printed = format!("Accounts: 3\n{}\ndone\n", wrapped.join("\n"));
    let out = r.text(&printed);
    assert!(out.contains("‹redacted:access_token#"), "{out}");
    assert!(!out.contains(&wrapped[1]), "{out}");
    assert!(
        out.starts_with("Accounts: 3\n") && out.ends_with("done\n"),
        "{out}"
    );
    // `printf 'x%s' "$T" | xxd -p`, wrapped at 60 columns.
    let hex = hex::encode(format!("x{token}"));
    let lines: Vec<&str> = hex
        .as_bytes()
        .chunks(60)
        .map(|c| std::str::from_utf8(c).unwrap_or(""))
        .collect();
    let out = r.text(&format!("{}\n", lines.join("\n")));
    assert!(out.contains("‹redacted:access_token#"), "{out}");
    // A shorter secret: one full line and a short last one (`echo "token=$T" | base64`).
    let short = "00D000000000001!AQ4kLx9vTq2mWb8cYz7dRf3gHj6kLp0sNv5x";
    r.add_secret("access_token", short);
    let encoded = STANDARD.encode(format!("token={short}\n"));
    let (first, last) = encoded.split_at(76);
    let out = r.text(&format!("{first}\n{last}\nok\n"));
    assert!(out.contains("‹redacted:access_token#"), "{out}");
    assert!(out.ends_with("ok\n"), "{out}");
    // Ordinary wrapped text of the same alphabet is left alone.
    let plain = "ABCDEFGHIJKLMNOPQRSTUVWXYZ\nabcdefghijklmnopqrstuvwxyz\n";
    assert_eq!(r.text(plain), plain);
}

#[test]
fn a_password_in_a_url_is_masked_in_files_and_output_but_the_user_and_host_stay() {
    let r = redactor();
    let file = "PROXY = \"http://svc:Green-Frog-31@proxy.corp:3128\"\nDB=postgres://app:S3cr3t-Pw-77@db/x\n";
    let copy = r.file_text("sync.py", file);
    assert!(
        !copy.contains("Green-Frog-31") && !copy.contains("S3cr3t-Pw-77"),
        "{copy}"
    );
    assert!(copy.contains("\"http://svc:‹redacted:password#"), "{copy}");
    assert!(copy.contains("@proxy.corp:3128\"\n"), "{copy}");
    assert!(
        copy.contains("postgres://app:‹redacted:password#"),
        "{copy}"
    );
    // Learnt: printed on its own later, it is masked too.
    let out = r.output(b"connecting with Green-Frog-31\n", 1024);
    assert!(!out.text.contains("Green-Frog-31"), "{}", out.text);
    for kept in [
        "https://login.salesforce.com/services/oauth2/token",
        "https://host:8443/path@x",
        "ssh://git@github.com:22/org/repo",
        "url = f\"https://{user}:{pw}@host\"",
        "URL=https://$USER:$PASS@host",
        "\"https://%s:%s@host\" % (u, p)",
        "https://me:<password>@host",
    ] {
        assert_eq!(r.text(kept), kept);
    }
}

#[test]
fn a_password_passed_by_position_is_masked_in_a_report_copy_and_flagged_as_one() {
    let r = redactor();
    let file =
        "import requests\nr = requests.post(URL, auth=(\"integration\", \"Orange-Kite-58\"))\n";
    let copy = r.file_text("client.py", file);
    assert!(!copy.contains("Orange-Kite-58"), "{copy}");
    let markers = find_markers(&copy);
    assert_eq!(markers.len(), 1, "{copy}");
    assert_eq!(markers[0].kind, "password");
    assert!(crate::redact::is_leak_kind(&markers[0].kind));
}

#[test]
fn a_bulk_jobs_state_in_json_is_kept_while_oauth_state_in_a_url_is_not() {
    let r = redactor();
    let body = r#"{"id":"7505g00000Xk1AAA","state":"JobComplete","numberRecordsProcessed":2}"#;
    let out = r.body(Some("application/json"), body.as_bytes());
    assert_eq!(out, body);
    let url = r.url("/services/oauth2/authorize?response_type=code&state=af0ifjsldkj3xyz");
    assert!(!url.contains("af0ifjsldkj3xyz"), "{url}");
}

#[test]
fn a_form_sent_under_another_content_type_is_still_redacted_as_a_form() {
    let r = redactor();
    let form = "grant_type=password&username=a%40x.dev&password=Pc1b7455e523c217a7a9f115a";
    for ct in ["application/json", "text/xml", "text/plain"] {
        let out = r.body(Some(ct), form.as_bytes());
        assert!(!out.contains("Pc1b7455e523c217a7a9f115a"), "{ct}: {out}");
        assert!(
            out.starts_with("grant_type=password&username=a%40x.dev&password=‹redacted:password#"),
            "{ct}: {out}"
        );
    }
}

#[test]
fn a_multipart_field_name_is_matched_whatever_its_case() {
    let r = redactor();
    let body = "--b\r\nContent-Disposition: form-data; NAME=\"code_verifier\"\r\n\r\nverifier-value-0123456789abcdef\r\n--b--\r\n";
    let out = r.body(Some("multipart/form-data; boundary=b"), body.as_bytes());
    assert!(!out.contains("verifier-value-0123456789abcdef"), "{out}");
}

#[test]
fn a_token_store_written_base64_encoded_is_masked_whole_in_a_file_never_seen_before() {
    let r = redactor();
    let token = "5Aep861IKW6x1gBZq2ZpLmR8u7aTfXcVb9yHs0dE.QwErTy_uIoP";
    let json = format!(r#"{{"origin":"3f2a9c","refresh_token":"{token}"}}"#);
    let stored = base64::engine::general_purpose::STANDARD.encode(&json);
    let copy = r.file_text(".rt-state.json", &stored);
    assert_eq!(copy, r.marker("refresh_token", token));
    // Learnt on the way: the token is masked wherever else it appears.
    assert_eq!(r.text(token), r.marker("refresh_token", token));
    // By key too, for a secret of no known shape; a hex store of a config file's lines.
    let lines = "SF_CLIENT_ID=3MVG9abc\nSF_CLIENT_SECRET=Zq81kLm02PxV77Ta\n";
    let copy = redactor().file_text("creds.hex", &format!("{}\n", hex::encode(lines)));
    assert!(copy.starts_with("‹redacted:sf_client_secret#"), "{copy}");
    assert!(!copy.contains(&hex::encode("SF_CLIENT_SECRET")), "{copy}");
}

#[test]
fn a_jwt_or_encoded_text_without_a_secret_in_a_file_is_kept() {
    let r = redactor();
    let token = jwt();
    let (head, _) = token.rsplit_once('.').unwrap_or_default();
    let file = format!(
        "ASSERTION_EXAMPLE={token}\nlogo = \"{}\"\nsha = e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n",
        base64::engine::general_purpose::STANDARD.encode("just a picture, nothing secret")
    );
    let copy = r.file_text("notes.txt", &file);
    assert!(copy.contains(head), "the claims stay readable: {copy}");
    assert!(
        copy.contains("logo = \"anVzdCBh") && copy.contains("sha = e3b0c442"),
        "{copy}"
    );
}

/// A value learnt wrongly from a program's text, as Python's `…,refresh_token=rt,client_id=
/// cid,client_secret=sec` once was: it shares `client_secret` with form keys and markers.
const CODE_LEARNT: &str = "rt,client_id=cid,client_secret=sec";

#[test]
fn markers_never_nest_when_a_learnt_value_shares_a_markers_kind() {
    let r = redactor();
    r.add_secret("client_secret", CLIENT_SECRET);
    r.add_secret("refresh_token", CODE_LEARNT);
    let out = r.text(&format!("secret is {CLIENT_SECRET}\n"));
    assert_eq!(
        out,
        format!("secret is {}\n", r.marker("client_secret", CLIENT_SECRET))
    );
    // Redacting stored text again leaves it as it is.
    assert_eq!(r.text(&out), out);
    for m in find_markers(&out) {
        assert!(!m.kind.contains('‹'), "{out}");
    }
}

#[test]
fn a_form_bodys_keys_are_kept_as_sent_whatever_was_learnt() {
    let r = redactor();
    r.add_secret("refresh_token", CODE_LEARNT);
    let body = format!(
        "grant_type=refresh_token&refresh_token={REFRESH}&client_id=3MVG9abc&client_secret={CLIENT_SECRET}"
    );
    let out = r.body(Some("application/x-www-form-urlencoded"), body.as_bytes());
    let keys: Vec<&str> = out
        .split('&')
        .map(|p| p.split_once('=').map_or(p, |(k, _)| k))
        .collect();
    assert_eq!(
        keys,
        ["grant_type", "refresh_token", "client_id", "client_secret"],
        "{out}"
    );
    assert!(
        !out.contains(CLIENT_SECRET) && !out.contains(REFRESH),
        "{out}"
    );
    assert!(
        find_markers(&out).iter().all(|m| !m.kind.contains('‹')),
        "{out}"
    );
    // A token sent as a parameter's name, or in another parameter's value, is still masked.
    let out = r.query(&format!("{TOKEN}=1&note=token%20{CLIENT_SECRET}"));
    assert!(!out.contains(TOKEN), "{out}");
    let r2 = redactor();
    r2.add_secret("client_secret", CLIENT_SECRET);
    let out = r2.query(&format!("note={CLIENT_SECRET}&x=1"));
    assert_eq!(
        out,
        format!("note={}&x=1", r2.marker("client_secret", CLIENT_SECRET))
    );
}

#[test]
fn a_python_token_request_in_a_script_learns_no_secret_from_its_code() {
    for line in [
        "j=requests.post(L+'/services/oauth2/token',data=dict(grant_type='client_credentials',client_id=cid,client_secret=sec)).json()",
        "j=S.post(L+'/services/oauth2/token',data=dict(grant_type='refresh_token',refresh_token=rt,client_id=cid,client_secret=sec)).json()",
    ] {
        let r = redactor();
        let script = format!("#!/usr/bin/env python3\nimport os, requests\nE=os.environ; cid=E['SF_CLIENT_ID']; sec=E['SF_CLIENT_SECRET']; rt=E['SF_REFRESH_TOKEN']\n{line}\n");
        assert_eq!(r.file_text("run", &script), script);
        assert_eq!(r.learned_count(), 0, "{line}");
    }
}

#[test]
fn a_begin_line_without_key_material_is_no_private_key_and_hides_nothing_after_it() {
    for label in ["PRIVATE KEY", "RSA PRIVATE KEY"] {
        let r = redactor();
        let out = format!(
            "note: key files start with -----BEGIN {label}-----\nFalcon Corp\nHarbor Logistics\n"
        );
        assert_eq!(r.text(&out), out);
        assert_eq!(r.learned_count(), 0, "nothing learnt from {label}");
        let url = "https://127.0.0.1:8443/services/data/v62.0/query?q=SELECT+Name+FROM+Account";
        assert_eq!(r.text(url), url);
        let prose = format!("-----BEGIN {label}----- and then -----END {label}-----");
        assert_eq!(r.text(&prose), prose);
    }
}

#[test]
fn a_whole_pem_key_is_masked_on_lines_written_as_escapes_or_cut_short() {
    let body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj";
    let r = redactor();
    let pem = format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----");
    let out = r.text(&format!("key:\n{pem}\nafter\n"));
    assert_eq!(
        out,
        format!("key:\n{}\nafter\n", r.marker("private_key", &pem))
    );
    let escaped = format!("{{\"key\": \"-----BEGIN RSA PRIVATE KEY-----\\n{body}\\n-----END RSA PRIVATE KEY-----\\n\"}}");
    let out = r.text(&escaped);
    assert!(
        !out.contains(body) && out.contains("‹redacted:private_key#"),
        "{out}"
    );
    let cut = format!("-----BEGIN PRIVATE KEY-----\n{body}\n{body}\nFalcon Corp\n");
    let out = redactor().text(&cut);
    assert!(!out.contains(body), "{out}");
    assert!(out.ends_with("›\nFalcon Corp\n"), "{out}");
}

#[test]
fn a_secret_used_as_a_file_name_is_masked_in_its_path() {
    let r = redactor();
    let path = format!("cache/{TOKEN}.json");
    assert_eq!(
        r.path(&path),
        format!("cache/{}.json", r.marker("access_token", TOKEN))
    );
    assert_eq!(r.path("lib/erp.py"), "lib/erp.py");
}
