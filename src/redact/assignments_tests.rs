//! Secret-named assignments in files: which keys count, which values are literals, and that
//! keys, quotes and code stay as they were.

use super::*;

fn r() -> Redactor {
    Redactor::new(b"workspace-key")
}

/// The text masked, with each marker shortened to `‹kind›` for readable expectations.
fn masked(text: &str) -> String {
    let out = mask(text, false, true, &r());
    shorten(&out)
}

fn shorten(text: &str) -> String {
    let mut out = text.to_string();
    for m in crate::redact::find_markers(text) {
        out = out.replace(
            &format!("‹redacted:{}#{}›", m.kind, m.hash),
            &format!("‹{}›", m.kind),
        );
    }
    out
}

#[test]
fn keys_that_end_in_a_secret_word_name_a_secret_whatever_their_prefix_or_case() {
    for key in [
        "SF_CLIENT_SECRET",
        "SF_REFRESH_TOKEN",
        "SF_PASSWORD",
        "client_secret",
        "clientSecret",
        "x-api-key",
        "WEATHER_API_KEY",
        "apikey",
        "ERP_PRIVATE_KEY",
        "code_verifier",
        "codeVerifier",
        "session",
        "sessionId",
        "client_assertion",
        "db.passwd",
        "access_token",
    ] {
        assert!(names_a_secret(key), "{key}");
    }
    for key in [
        "SF_CLIENT_ID",
        "SF_USERNAME",
        "TOKEN_URL",
        "token_type",
        "SESSION_TIMEOUT",
        "SF_JWT_KEY_FILE",
        "private_key_path",
        "KEYBOARD_LAYOUT",
        "PWD",
        "",
    ] {
        assert!(!names_a_secret(key), "{key}");
    }
}

#[test]
fn env_file_values_are_masked_and_keys_kept() {
    let env = "SF_CLIENT_ID=3MVG9lab\nSF_CLIENT_SECRET=erp-demo-secret\nexport SF_REFRESH_TOKEN=\"abc123def456\"\nSF_PASSWORD='hunter2'\n# SF_TOKEN_URL=https://x\n";
    assert_eq!(
        masked(env),
        "SF_CLIENT_ID=3MVG9lab\nSF_CLIENT_SECRET=‹sf_client_secret›\nexport SF_REFRESH_TOKEN=\"‹sf_refresh_token›\"\nSF_PASSWORD='‹sf_password›'\n# SF_TOKEN_URL=https://x\n"
    );
}

#[test]
fn an_assignment_after_others_before_a_command_is_masked() {
    assert_eq!(
        masked("SF_USERNAME=a@b.c SF_SECURITY_TOKEN=AbCdEfGhIjKlMnOpQrStUvWx ./run\nSF_PASSWORD=hunter2xyz SF_SECURITY_TOKEN=AbCdEfGhIjKlMnOpQrStUvWx sf org login\n"),
        "SF_USERNAME=a@b.c SF_SECURITY_TOKEN=‹sf_security_token› ./run\nSF_PASSWORD=‹sf_password› SF_SECURITY_TOKEN=‹sf_security_token› sf org login\n"
    );
}

#[test]
fn yaml_and_json_values_are_masked_with_their_quotes_kept() {
    let yaml = "client_id: 3MVG9lab\nclient_secret: s3cr3t-value\n  password: \"tiger\" # the admin's\ntoken_url: https://login\napps:\n  - api_key: k-123\n";
    assert_eq!(
        masked(yaml),
        "client_id: 3MVG9lab\nclient_secret: ‹client_secret›\n  password: \"‹password›\" # the admin's\ntoken_url: https://login\napps:\n  - api_key: ‹api_key›\n"
    );
    let json =
        r#"{"client_id": "x", "client_secret": "s3cr3t", "nested": {"refresh_token":"r-1"}}"#;
    assert_eq!(
        masked(json),
        r#"{"client_id": "x", "client_secret": "‹client_secret›", "nested": {"refresh_token":"‹refresh_token›"}}"#
    );
}

#[test]
fn secrets_inside_commands_and_code_literals_are_masked() {
    assert_eq!(
        masked("curl -d \"grant_type=client_credentials&client_secret=erp-demo-secret&x=1\" \"$URL\"\n"),
        "curl -d \"grant_type=client_credentials&client_secret=‹client_secret›&x=1\" \"$URL\"\n"
    );
    assert_eq!(
        masked("sf org login --client-secret=abc-123-def\ncurl -d \"client_secret=Abc123\" \"$URL\"\npost(client_secret=A1B2C3D4E5F6G7)\n"),
        "sf org login --client-secret=‹client-secret›\ncurl -d \"client_secret=‹client_secret›\" \"$URL\"\npost(client_secret=‹client_secret›)\n"
    );
    assert_eq!(
        masked("const clientSecret = 'abc-123';\npassword = \"hunter2\"\n'password' => 'p4ss',\n"),
        "const clientSecret = '‹clientsecret›';\npassword = \"‹password›\"\n'password' => '‹password›',\n"
    );
}

#[test]
fn references_and_expressions_are_code_and_stay() {
    for code in [
        "SF_CLIENT_SECRET=$SF_CLIENT_SECRET\n",
        "TOKEN=$(curl -s \"$URL\" | jq -r .access_token)\n",
        "export SF_PASSWORD=\"${SF_PASSWORD}\"\n",
        "curl -u \"$SF_CLIENT_ID:$SF_CLIENT_SECRET\" -d client_secret=\"$SECRET\"\n",
        "token = resp.json()[\"access_token\"]\n",
        "secret = os.environ[\"SF_CLIENT_SECRET\"]\n",
        "requests.post(url, data=dict(client_secret=secret))\n",
        "  clientSecret: process.env.SF_CLIENT_SECRET,\n",
        "  password: pw,\n",
        "if token == expected:\n",
        "private_key: |\n",
        "token: null\n",
        "url: https://host/path?session:1\n",
    ] {
        assert_eq!(masked(code), code, "{code}");
    }
}

#[test]
fn a_secret_key_inside_a_call_on_an_assignments_line_is_code_and_stays() {
    // `j=…post(…,client_secret=sec))` is Python, not a shell assignment of `j` before a
    // `client_secret=…` one: the names passed are code, never masked nor learnt.
    for code in [
        "j=requests.post(L+'/services/oauth2/token',data=dict(grant_type='client_credentials',client_id=cid,client_secret=sec)).json()\n",
        "j=S.post(L+'/services/oauth2/token',data=dict(grant_type='refresh_token',refresh_token=rt,client_id=cid,client_secret=sec)).json()\n",
        "r=f(a,refresh_token=rt, client_secret=sec)\n",
        "x=[1,2] SF_PASSWORD=pw\n",
    ] {
        let redactor = r();
        assert_eq!(mask(code, false, true, &redactor), code, "{code}");
        assert_eq!(redactor.learned_count(), 0, "{code}");
    }
    // A shell assignment whose value expands a command still comes before a statement's key.
    assert_eq!(
        masked("TS=$(date) SF_PASSWORD=hunter2xyz ./run\n"),
        "TS=$(date) SF_PASSWORD=‹sf_password› ./run\n"
    );
}

#[test]
fn config_files_treat_spaced_assignments_as_literals() {
    let ini = "[auth]\npassword = hunter2\nuser = bob\n";
    assert_eq!(
        shorten(&mask(ini, true, true, &r())),
        "[auth]\npassword = ‹password›\nuser = bob\n"
    );
    assert_eq!(
        masked(ini),
        ini,
        "in code, `password = hunter2` names a variable"
    );
}

#[test]
fn a_masked_value_is_learned_and_masked_where_the_file_repeats_it() {
    let r = r();
    let out = r.file_text(
        "run",
        "SF_CLIENT_SECRET=erp-demo-secret-42\ncurl -u \"id:erp-demo-secret-42\" \"$URL\"\n",
    );
    assert!(!out.contains("erp-demo-secret-42"), "{out}");
    assert_eq!(
        out.matches("‹redacted:sf_client_secret#").count(),
        2,
        "{out}"
    );
}

#[test]
fn file_kinds_come_from_the_name() {
    let r = r();
    let out = r.file_text("settings.toml", "api_key = abc123\n");
    assert!(out.contains("api_key = ‹redacted:api_key#"), "{out}");
    let out = r.file_text("creds/.env.local", "token = abc123\n");
    assert!(out.contains("‹redacted:token#"), "{out}");
    let out = r.file_text("main.py", "token = abc123\n");
    assert_eq!(out, "token = abc123\n");
}

#[test]
fn a_key_whose_string_closes_at_once_is_joined_to_code_and_stays() {
    for line in [
        r#"body = "grant_type=client_credentials&client_id=" + cid + "&client_secret=" + sec"#,
        r#"const url = base + '/limits?access_token=' + encodeURIComponent(token);"#,
        r#"cookie = 'sid=' + session + '; Path=/'"#,
        r#"form = 'password=' + pw + '&username=' + user"#,
        r#"form = "password=%s&username=%s" % (pw, user)"#,
        r#"form = "password=%(pw)s" % vars"#,
    ] {
        assert_eq!(masked(line), line, "{line}");
    }
    // A literal inside the string is still a literal.
    assert_eq!(
        masked(r#"body = "client_id=abc&client_secret=s3cr3tValue&x=1""#),
        r#"body = "client_id=abc&client_secret=‹client_secret›&x=1""#
    );
    assert_eq!(
        masked(r#"opts = "token='abc123def456'""#),
        r#"opts = "token='‹token›'""#
    );
}

#[test]
fn a_pattern_around_a_secret_element_in_a_script_is_code() {
    let r = r();
    let line = r#"m = re.search(r"<sessionId>([^<]+)</sessionId>", text)"#;
    assert_eq!(r.file_text("run", line), line);
    let literal = "<sessionId>00D5g000004Lq1m!AQ4AQFAKE</sessionId>";
    assert!(r.file_text("run", literal).contains("‹redacted:"));
}

#[test]
fn a_stand_in_for_a_secret_is_no_secret() {
    for line in [
        "SF_CLIENT_SECRET=<your client secret>",
        "SF_CLIENT_SECRET=xxxxxxxx",
        r#"client_secret = "changeme""#,
        "password: your-password-here",
        r#"ERP_TOKEN="REPLACE_ME""#,
    ] {
        assert_eq!(masked(line), line, "{line}");
    }
}

#[test]
fn code_and_prose_around_secret_names_in_learners_files_stay_as_written() {
    let r = r();
    for (name, line) in [
        ("run", r#"frag = re.search(r"access_token=([^&]+)", url)"#),
        ("run", r#"m = re.search(r"sid=([^;]+)", cookie)"#),
        ("run", r#"m = re.search("refresh_token=(\\w+)", s)"#),
        ("run", r#"m = re.findall(r"client_secret=(.*?)&", body)"#),
        ("run", r#"m = re.search(r"password=(\S+)", line)"#),
        ("run", r#"echo "refresh token: present""#),
        ("run", "now=$(date -u +%Y-%m-%dT%H:%M:%SZ)"),
        ("run", r#"body = f'{{"access_token": "{tok}"}}'"#),
        ("run", r#"body = '{"accessToken": "%s"}' % tok"#),
        ("run", r#"m = re.search(r'"access_token": "([^"]+)"', text)"#),
        ("run", r#"text = "<sessionId>abc</sessionId>""#),
        ("creds.py", "    client_secret: str"),
        ("creds.py", r#"    client_secret: str = """#),
        ("findings.md", "| Token in the URL | send it in the `Authorization: Bearer` header; stop logging full URLs |"),
        ("legacy.md", "Log in with password=<password+security token> in the body."),
        ("transcript.json", r#"{"access_token": "00DXX…", "refresh_token": "5Aep8…Qw1"}"#),
    ] {
        assert_eq!(r.file_text(name, line), line, "{name}: {line}");
    }
    // Literals are still found where a file assigns them.
    assert!(r
        .file_text("app.yaml", "client_secret: Zq81kLm02PxV77Ta")
        .contains("‹redacted:"));
    assert!(r
        .file_text("creds.py", r#"client_secret = "Zq81kLm02PxV77Ta""#)
        .contains("‹redacted:"));
    assert!(r
        .file_text("run", "curl -u admin:HunterPass22 https://x")
        .contains("‹redacted:password"));
}

#[test]
fn a_stand_in_in_an_env_file_is_no_secret() {
    let r = r();
    for line in [
        "SF_CLIENT_SECRET=your-client-secret-here",
        "export SF_CLIENT_SECRET=\"<paste it here>\"",
    ] {
        assert_eq!(r.file_text("creds.env", line), line);
    }
}

#[test]
fn placeholders_are_no_secrets_in_any_file_but_look_alike_passwords_are() {
    let r = r();
    for (name, text) in [
        (
            "form.tmpl",
            "grant_type=refresh_token&refresh_token=%s&client_id=%s&client_secret=%s\n",
        ),
        (
            "body.json",
            "{\n  \"client_id\": \"%s\",\n  \"client_secret\": \"%s\"\n}\n",
        ),
        (
            "config.yaml",
            "client_secret: \"{secret}\"\npassword: ${SF_PASSWORD}\n",
        ),
        ("run", "SECRET=$SF_CLIENT_SECRET\n"),
    ] {
        assert_eq!(r.file_text(name, text), text, "{name}");
    }
    let actions = "password: ${{ secrets.PW }}\n";
    assert_eq!(r.file_text("ci.yml", actions), actions);
    // A shell script's `"$ecret"` is an expansion, not a literal.
    let script = "PASSWORD=\"$ecret\"\n";
    assert_eq!(r.file_text("run", script), script);
    for text in ["password: $ecret-42\n", "password: \"$ecret-42\"\n"] {
        assert!(
            !r.file_text("config.yaml", text).contains("$ecret-42"),
            "{text}"
        );
    }
    for password in ["@dmin123", "hunter2!", "?Qx9"] {
        let text = format!("password: \"{password}\"\n");
        assert!(
            !r.file_text("config.yaml", &text).contains(password),
            "{password}"
        );
    }
}

#[test]
fn a_form_template_in_code_is_no_secret_and_leaves_the_rest_of_the_file_alone() {
    let r = r();
    for code in [
        "body = \"grant_type=client_credentials&client_id=%s&client_secret=%s\" % (\n    urllib.parse.quote(cid), urllib.parse.quote(secret))\nimport urllib.parse\n",
        "body = f\"grant_type=client_credentials&client_id={quote(cid)}&client_secret={urllib.parse.quote(secret)}\"\nurllib.parse.urlencode(q)\n",
        "TOKEN_FORM = \"grant_type=client_credentials&client_id={}&client_secret={}\"\n",
        "printf 'grant_type=password&username=u&password=%s' \"$PW\"\n",
    ] {
        assert_eq!(r.file_text("run", code), code, "{code}");
    }
    // A literal in the same place still is one.
    assert_eq!(
        masked(
            "body = \"grant_type=client_credentials&client_id=abc&client_secret=Sup3rSecret\"\n"
        ),
        "body = \"grant_type=client_credentials&client_id=abc&client_secret=‹client_secret›\"\n"
    );
}

#[test]
fn a_value_partly_masked_already_is_masked_whole_by_its_key() {
    let r = r();
    let token = r.marker("sf_security_token", "XyZ123abcDEF456ghiJKL");
    assert_eq!(
        shorten(&r.assignments(&format!("SF_PASSWORD=\"my pass {token}\"\n"))),
        "SF_PASSWORD=\"‹sf_password›\"\n"
    );
    // A value that is a known secret and nothing more keeps the marker that names it.
    let only = format!("SF_TOKEN='{token}'\n");
    assert_eq!(r.assignments(&only), only);
    // A JWT's header and claims stay readable beside its signature's marker.
    let jwt = format!(
        "ACCESS_TOKEN=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.{}\n",
        r.marker("jwt_signature", "sig")
    );
    assert_eq!(r.assignments(&jwt), jwt);
}

#[test]
fn the_name_of_the_variable_a_secret_comes_from_is_no_secret() {
    let r = r();
    for (name, text) in [
        (
            "store-map.js",
            "const fromEnv = { Username: 'COURIER_USERNAME', Password: 'COURIER_PASSWORD' };\n",
        ),
        (
            "store.js",
            "const fromEnv = { clientId: 'ERP_CLIENT_ID', clientSecret: 'ERP_CLIENT_SECRET' };\n",
        ),
        (
            "run",
            "node store.js Inventory_Auth StockChecker Custom ApiKey=INVENTORY_API_KEY:enc\n",
        ),
        ("creds.json", "{\"password\": \"COURIER_PASSWORD\"}\n"),
        ("store.py", "SECRETS = {\"token\": \"SF_ACCESS_TOKEN\"}\n"),
    ] {
        assert_eq!(r.file_text(name, text), text, "{name}");
    }
    // Nothing was learned from them: the starter's comment naming the variables stays too.
    let comment = "#              COURIER_PASSWORD, ERP_CLIENT_ID, ERP_CLIENT_SECRET.\n";
    assert_eq!(r.file_text("run", comment), comment);
    // Literal secrets are still secrets, whatever their case, and a variable's name that
    // names no secret is still a literal under a secret key.
    for (name, text) in [
        (
            "store.js",
            "const creds = { Password: 'Kestrel!Hunter2' };\n",
        ),
        (
            "store.js",
            "const creds = { Password: 'KESTREL_HUNTER_22' };\n",
        ),
        ("run", "node store.js ApiKey=inv-7f3a-demo-key\n"),
        (
            "creds.json",
            "{\"password\": \"COURIER_PASSWORD:Kestrel!Hunter2\"}\n",
        ),
    ] {
        assert!(
            r.file_text(name, text).contains("‹redacted:"),
            "{name}: {text}"
        );
    }
}
