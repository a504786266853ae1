//! Secrets a learner's files carry in HTTP and command-line forms rather than as assignments:
//! an `Authorization:` header line (`-H "Authorization: Basic YWRtaW46…"`, a saved
//! `headers.txt`), the password of `curl -u user:password` / `--user user:password`,
//! wget's `--password=…` / `--http-password …`, and a password passed by position
//! (`auth=("user", "pw")`, `HTTPBasicAuth(…)`, jsforce's `conn.login(user, "pw")`).
//!
//! Implementation notes: like [`super::assignments`], only literals are masked, so a copied
//! script still runs: a credential holding `$`, `` ` `` or `{` is an expansion and stays.

use super::Redactor;

fn is_literal(value: &str) -> bool {
    !value.is_empty() && !value.contains(['$', '`', '{', '}'])
}

/// `text` with the credential of every literal `Authorization:` header masked, scheme kept.
pub(super) fn authorization_lines(text: &str, r: &Redactor) -> String {
    const NAME: &str = "authorization:";
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut from = 0;
    while let Some(at) = lower[from..].find(NAME).map(|i| from + i) {
        from = at + NAME.len();
        let boundary = text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        if !boundary {
            continue;
        }
        let rest = &text[from..];
        let lead = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        let value_start = from + lead;
        // The value runs to the end of the line or a closing quote.
        let len = text[value_start..]
            .find(['\n', '\r', '"', '\''])
            .unwrap_or(text.len() - value_start);
        let value = text[value_start..value_start + len].trim_end();
        let Some((scheme, cred)) = value.split_once([' ', '\t']) else {
            continue;
        };
        let cred = cred.trim();
        // A header line carries a scheme word and one credential; prose about the header
        // (`Authorization: Bearer` header; …) carries neither.
        let credential_like = scheme.chars().all(|c| c.is_ascii_alphabetic())
            && !cred.contains(char::is_whitespace)
            && cred.len() >= 8;
        if !credential_like || !is_literal(cred) || cred.contains("‹redacted:") {
            continue;
        }
        out.push_str(&text[copied..value_start]);
        out.push_str(&r.authorization(&format!("{scheme} {cred}")));
        copied = value_start + value.len();
        from = copied;
    }
    out.push_str(&text[copied..]);
    out
}

/// Options whose argument is `user:password` (curl's `-u`, curl and wget's `--user`).
const USER_FLAGS: [&str; 3] = ["--user=", "--user ", "-u "];

/// Options whose whole argument is a password (wget's `--password`, `--http-password` and
/// the like).
const PASSWORD_FLAGS: [&str; 8] = [
    "--password=",
    "--password ",
    "--http-password=",
    "--http-password ",
    "--ftp-password=",
    "--ftp-password ",
    "--proxy-password=",
    "--proxy-password ",
];

/// `text` with the password of every literal `-u user:password` / `--user user:password`
/// (curl, wget) and every literal `--password=…` / `--http-password …` (wget) masked, the
/// user kept.
pub(super) fn user_options(text: &str, r: &Redactor) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let user_flag = USER_FLAGS.into_iter().find(|f| rest.starts_with(f));
        let flag = user_flag.or_else(|| PASSWORD_FLAGS.into_iter().find(|f| rest.starts_with(f)));
        let starts_word = text[..i]
            .chars()
            .next_back()
            .is_none_or(char::is_whitespace);
        // `-u` is curl's (and wget's) user option, not `date -u` or `sort -u`.
        let line_start = text[..i].rfind('\n').map_or(0, |n| n + 1);
        let fetcher = text[line_start..i].contains("curl") || text[line_start..i].contains("wget");
        let flag = flag.filter(|f| *f != "-u " || fetcher);
        let Some(flag) = flag.filter(|_| starts_word) else {
            i += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let mut start = i + flag.len();
        start += text[start..].len() - text[start..].trim_start_matches([' ', '\t']).len();
        let quote = text[start..]
            .chars()
            .next()
            .filter(|c| matches!(c, '"' | '\''));
        if quote.is_some() {
            start += 1;
        }
        // A quoted argument runs to its closing quote, spaces and all.
        let end = start
            + text[start..]
                .find(|c: char| match quote {
                    Some(q) => c == q,
                    None => c.is_whitespace() || c == ';' || c == '|',
                })
                .unwrap_or(text.len() - start);
        let arg = &text[start..end];
        i = end.max(i + 1);
        let pass_start = match user_flag {
            Some(_) => match arg.split_once(':') {
                Some((user, _)) => start + user.len() + 1,
                None => continue,
            },
            None => start,
        };
        let password = &text[pass_start..end];
        if !is_literal(password) || password.contains("‹redacted:") {
            continue;
        }
        out.push_str(&text[copied..pass_start]);
        out.push_str(&r.redact_keyed("password", password));
        copied = end;
    }
    out.push_str(&text[copied..]);
    out
}

/// Calls that take a user and a password as their first two arguments: a `requests` or
/// `httpx` `auth=(user, password)` tuple, `HTTPBasicAuth(user, password)` and its kin, and
/// jsforce's `conn.login(user, password)` / `loginBySoap`.
const CREDENTIAL_CALLS: [&str; 6] = [
    "auth=(",
    "auth = (",
    "BasicAuth(",
    "DigestAuth(",
    ".login(",
    ".loginBySoap(",
];

/// The end of the string literal opening at `start` (the byte after its closing quote), or
/// None when `start` opens none or it does not close on its line.
fn literal_end(text: &str, start: usize) -> Option<usize> {
    let quote = text[start..]
        .chars()
        .next()
        .filter(|c| matches!(c, '"' | '\'' | '`'))?;
    let mut escaped = false;
    for (i, c) in text[start + 1..].char_indices() {
        match c {
            '\n' => return None,
            '\\' if !escaped => escaped = true,
            c if c == quote && !escaped => return Some(start + 1 + i + 1),
            _ => escaped = false,
        }
    }
    None
}

/// Where the first argument of a call ends: the comma after it at the call's own depth.
fn second_argument(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    while i < text.len() {
        let c = text[i..].chars().next()?;
        match c {
            '"' | '\'' | '`' => {
                i = literal_end(text, i)?;
                continue;
            }
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth == 0 => return None,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => return Some(i + 1),
            '\n' if i - open > 200 => return None,
            _ => {}
        }
        i += c.len_utf8();
    }
    None
}

/// `text` with the password passed by position masked: the second argument of a
/// [`CREDENTIAL_CALLS`] call when it is a string literal, and each literal it is joined with
/// (`'pass' + 'token'`, jsforce's password and security token). A variable, an f-string or a
/// template stays (the copy must still run), and so does a stand-in.
pub(super) fn credential_pairs(text: &str, r: &Redactor) -> String {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for call in CREDENTIAL_CALLS {
        let mut from = 0;
        while let Some(at) = text[from..].find(call).map(|i| from + i) {
            from = at + call.len();
            let Some(mut arg) = second_argument(text, from) else {
                continue;
            };
            loop {
                arg += text[arg..].len() - text[arg..].trim_start().len();
                let Some(end) = literal_end(text, arg) else {
                    break;
                };
                spans.push((arg + 1, end - 1));
                let after = text[end..].trim_start();
                let Some(joined) = after.strip_prefix('+') else {
                    break;
                };
                arg = text.len() - joined.len();
            }
        }
    }
    spans.sort_unstable();
    spans.dedup();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (start, end) in spans {
        let value = &text[start..end];
        let template = value.contains("${") || super::assignments::is_slot(value);
        if start < copied
            || !is_literal(value)
            || template
            || value.contains("‹redacted:")
            || super::assignments::stands_in(value)
        {
            continue;
        }
        out.push_str(&text[copied..start]);
        out.push_str(&r.redact_keyed("password", value));
        copied = end;
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r() -> Redactor {
        Redactor::new(b"0123456789abcdef0123456789abcdef")
    }

    #[test]
    fn a_basic_authorization_header_line_is_masked_and_its_password_learned() {
        let r = r();
        let text = "Authorization: Basic YWRtaW46c2VjcmV0UGFzcw==\nAccept: */*\n";
        let out = authorization_lines(text, &r);
        assert!(!out.contains("YWRtaW46c2VjcmV0UGFzcw=="), "{out}");
        assert!(out.starts_with("Authorization: Basic ‹redacted:"), "{out}");
        assert!(out.ends_with("\nAccept: */*\n"), "{out}");
        assert!(!r.text("it was secretPass").contains("secretPass"));
        let kept = "curl -H \"Authorization: Bearer $TOKEN\" x";
        assert_eq!(authorization_lines(kept, &r), kept);
    }

    #[test]
    fn curl_user_passwords_are_masked_but_variables_stay() {
        let r = r();
        let out = user_options("curl -u admin:HunterPass2 https://x\n", &r);
        assert!(out.starts_with("curl -u admin:‹redacted:password"), "{out}");
        assert!(out.ends_with(" https://x\n"), "{out}");
        let out = user_options("wget --user=\"bob:pw-123456\" x", &r);
        assert!(
            !out.contains("pw-123456") && out.contains("--user=\"bob:"),
            "{out}"
        );
        let kept = "curl -u \"$SF_USER:$SF_PASSWORD\" x; ls -u a:b";
        assert!(user_options(kept, &r).contains("$SF_USER:$SF_PASSWORD"));
    }

    #[test]
    fn passwords_passed_by_position_are_masked_but_variables_stay() {
        let r = r();
        let py = "r = requests.get(url, auth=(\"admin\", \"Hunter-Pass-22\"))\n";
        let out = credential_pairs(py, &r);
        assert!(!out.contains("Hunter-Pass-22"), "{out}");
        assert!(
            out.contains("auth=(\"admin\", \"‹redacted:password#"),
            "{out}"
        );
        assert!(out.ends_with("\"))\n"), "{out}");
        let basic = credential_pairs("HTTPBasicAuth('svc-user', 'Blue-Whale-77')", &r);
        assert!(!basic.contains("Blue-Whale-77"), "{basic}");
        let js = "await conn.login('me@example.com', 'Sunny-Day-99' + 'Tok3nTok3nTok3n');";
        let out = credential_pairs(js, &r);
        assert!(
            !out.contains("Sunny-Day-99") && !out.contains("Tok3nTok3nTok3n"),
            "{out}"
        );
        assert!(
            out.starts_with("await conn.login('me@example.com', '‹redacted:"),
            "{out}"
        );
        assert!(out.ends_with("');"), "{out}");
        for kept in [
            "auth=(user, password)",
            "auth=(\"admin\", os.environ[\"PW\"])",
            "auth=(\"admin\", f\"{pw}\")",
            "conn.login(process.env.SF_USER, process.env.SF_PASSWORD + token)",
            "conn.login(user, `${pw}${token}`)",
            "conn.login('me@example.com', '<your password>')",
            "HTTPBasicAuth(\"admin\")",
        ] {
            assert_eq!(credential_pairs(kept, &r), kept);
        }
        // Learnt: the same password printed elsewhere is masked too.
        assert!(!r
            .text("retrying with Blue-Whale-77")
            .contains("Blue-Whale-77"));
    }

    #[test]
    fn wget_password_options_are_masked_but_variables_stay() {
        let r = r();
        let out = user_options("wget --user=bob --password=Tiger-Lily-42 https://x\n", &r);
        assert!(!out.contains("Tiger-Lily-42"), "{out}");
        assert!(
            out.contains("--user=bob --password=‹redacted:password"),
            "{out}"
        );
        assert!(out.ends_with(" https://x\n"), "{out}");
        let out = user_options("wget --http-password 'Moon Pie 9' x", &r);
        assert!(
            !out.contains("Moon Pie 9") && out.contains("--http-password '"),
            "{out}"
        );
        let kept = "wget --password=\"$PW\" --http-password=${PW} x";
        assert_eq!(user_options(kept, &r), kept);
        assert!(!r.text("echoed Tiger-Lily-42").contains("Tiger-Lily-42"));
    }
}
