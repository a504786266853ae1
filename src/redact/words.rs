//! A known secret inside a longer word masks the whole word. Salesforce's username-password
//! flow sends the password with the security token appended (`Kestrel!Hunter2` +
//! `XyZ123abc…`): when only the token is known, masking just the token would leave the
//! password readable beside its marker. The same holds for a part of a known secret found
//! inside a longer value (a client secret that shares a run of characters with an access
//! token): whatever the rest of the word is, it travelled glued to a secret.
//!
//! So after the known values are replaced, every leak marker ([`super::is_leak_kind`]) takes
//! in the characters of the word around it, and a word made of several markers and other
//! characters keeps only its markers (each secret in it is still named). A marker keeps its
//! kind and fingerprint, so rules still tell which secret leaked.
//!
//! Implementation notes: a word is a run of letters, digits and the punctuation passwords
//! and tokens are made of (`! # $ % * + - . ^ _ ~`); quotes, brackets, `=`, `&`, `:`, `@`,
//! `/`, `?`, `,`, `;` and white space end it, so a key (`password=`), a URL's user and host
//! (`user:…@host`) and a path stay. Base64 padding (`==`) right after a marker is taken in
//! too; a sentence's final `.` or `!` is not. A marker of a kind that is no leak (a JWT's
//! signature, whose header and claims stay readable on purpose) takes in nothing.

use super::patterns::find_markers;

/// Characters a password or token is made of (see the module header).
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(
            c,
            '!' | '#' | '$' | '%' | '*' | '+' | '-' | '.' | '^' | '_' | '~'
        )
}

/// `text` with each leak marker widened over the word around it (see the module header).
pub(super) fn widen(text: &str) -> String {
    if !text.contains("‹redacted:") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    // Bytes of `text` before `copied` are in `out`; a word's characters from `copied` on are
    // taken in by the next marker.
    let mut copied = 0;
    for m in find_markers(text) {
        let Some(len) = text[m.offset..].find('›').map(|i| i + '›'.len_utf8()) else {
            break;
        };
        let (start, end) = (m.offset, m.offset + len);
        if start < copied || !super::is_leak_kind(&m.kind) {
            continue;
        }
        let before = &text[copied..start];
        let left = before
            .char_indices()
            .rev()
            .take_while(|(_, c)| is_word_char(*c))
            .last()
            .map_or(start, |(i, _)| copied + i);
        let after = &text[end..];
        let word = after
            .char_indices()
            .find(|(_, c)| !is_word_char(*c))
            .map_or(after.len(), |(i, _)| i);
        // A sentence's full stop (or `!`) is not part of the word; base64 padding is.
        let mut right = after[..word].trim_end_matches(['.', '!']).len();
        let rest = &after[right..];
        let padding = rest.len() - rest.trim_start_matches('=').len();
        if padding > 0
            && rest[padding..]
                .chars()
                .next()
                .is_none_or(|c| !is_word_char(c))
        {
            right += padding;
        }
        out.push_str(&text[copied..left]);
        out.push_str(&text[start..end]);
        copied = end + right;
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "‹redacted:sf_security_token#e780a5ad›";
    const SIGNATURE: &str = "‹redacted:jwt_signature#0badc0de›";
    const PASSWORD: &str = "‹redacted:password#12345678›";

    #[test]
    fn a_password_glued_to_a_known_token_is_masked_with_it() {
        assert_eq!(
            widen(&format!("password=Kestrel!Hunter2{TOKEN} next")),
            format!("password={TOKEN} next")
        );
        assert_eq!(
            widen(&format!("login \"Kestrel.Hunter2{TOKEN}suffix\"")),
            format!("login \"{TOKEN}\"")
        );
    }

    #[test]
    fn keys_urls_paths_and_sentences_around_a_marker_stay() {
        for text in [
            format!("password={TOKEN}&user=a@b.c"),
            format!("https://user:{TOKEN}@host/path"),
            format!("/services/oauth2/revoke/{TOKEN}?x=1"),
            format!("Bearer {TOKEN}, then"),
            format!("'{TOKEN}'"),
        ] {
            assert_eq!(widen(&text), text);
        }
        assert_eq!(
            widen(&format!("the token is {TOKEN}.")),
            format!("the token is {TOKEN}.")
        );
    }

    #[test]
    fn every_secret_of_a_word_keeps_its_marker() {
        assert_eq!(
            widen(&format!("pw: Kestrel{PASSWORD}and{TOKEN}!")),
            format!("pw: {PASSWORD}{TOKEN}!")
        );
        assert_eq!(
            widen(&format!("b64 QUJD{TOKEN}Cg== end")),
            format!("b64 {TOKEN} end")
        );
    }

    #[test]
    fn a_jwts_header_and_claims_stay_beside_its_signature_marker() {
        let jwt = format!("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.{SIGNATURE}");
        assert_eq!(widen(&jwt), jwt);
    }

    /// Every surface a redactor writes through, with a password that ends with the security
    /// token sflab knows: none shows the password's first characters.
    #[test]
    fn a_password_ending_with_a_known_token_leaks_nowhere() {
        let r = crate::redact::Redactor::new(b"workspace-key");
        r.add_secret("sf_security_token", "XyZ123abcDEF456ghiJKL");
        let glued = "Kestrel!Hunter2XyZ123abcDEF456ghiJKL";
        let token = r.marker("sf_security_token", "XyZ123abcDEF456ghiJKL");
        let surfaces = [
            (
                "process output",
                r.output(format!("login {glued}\n").as_bytes(), 4096).text,
            ),
            ("free text", r.text(&format!("using \"{glued}\" now"))),
            ("header", r.header("X-Debug", glued)),
            ("query", r.query(&format!("note={glued}&x=1"))),
            // As the recorder stores a request's URL.
            ("url", r.text(&r.url(&format!("https://h/p?note={glued}")))),
            (
                "json body",
                r.body(
                    Some("application/json"),
                    format!("{{\"note\":\"{glued}\"}}").as_bytes(),
                ),
            ),
            (
                "script copy",
                r.file_text("notes.md", &format!("login with {glued}\n")),
            ),
        ];
        for (surface, shown) in surfaces {
            assert!(
                !shown.contains("Hunter2") && !shown.contains("Kestrel"),
                "{surface}: {shown}"
            );
            assert!(
                shown.contains(&token),
                "{surface} names the token that leaked: {shown}"
            );
        }
    }

    #[test]
    fn a_secret_named_value_holding_a_known_token_is_masked_whole_under_its_key() {
        let r = crate::redact::Redactor::new(b"workspace-key");
        r.add_secret("sf_security_token", "XyZ123abcDEF456ghiJKL");
        let script = "curl -d grant_type=password -d username=a@b.c -d \"password=Kestrel!Hunter2XyZ123abcDEF456ghiJKL\" https://login.salesforce.com/services/oauth2/token\n";
        let copy = r.file_text("login.sh", script);
        let password = r.marker("password", "Kestrel!Hunter2XyZ123abcDEF456ghiJKL");
        assert!(
            copy.contains(&format!("\"password={password}\" https://")),
            "{copy}"
        );
        // Learnt whole: the same password printed later is masked as the password.
        assert_eq!(
            r.text("echo Kestrel!Hunter2XyZ123abcDEF456ghiJKL"),
            format!("echo {password}")
        );
        // With spaces, no word to widen over: the key masks the whole value all the same.
        let yaml = r.file_text(
            "creds.yaml",
            "password: \"my pass XyZ123abcDEF456ghiJKL\"\n",
        );
        assert!(
            yaml.starts_with("password: \"‹redacted:password#"),
            "{yaml}"
        );
        assert!(!yaml.contains("my pass"), "{yaml}");
    }

    #[test]
    fn a_client_secret_sharing_a_run_with_the_access_token_is_masked_whole() {
        let r = crate::redact::Redactor::new(b"workspace-key");
        r.add_secret(
            "access_token",
            "00Dxx0000001gPL!AQvalue1234567890abcdefghij",
        );
        let env = r.file_text(
            ".env",
            "SF_CLIENT_SECRET=3MVG9abcSUPERSECRETvalue1234567890\n",
        );
        assert!(
            env.starts_with("SF_CLIENT_SECRET=‹redacted:sf_client_secret#"),
            "{env}"
        );
        assert!(
            !env.contains("SUPERSECRET") && !env.contains("3MVG9abc"),
            "{env}"
        );
        assert_eq!(env.matches("‹redacted:").count(), 1, "{env}");
    }

    #[test]
    fn text_without_markers_and_non_ascii_words_are_safe() {
        assert_eq!(widen("plain text"), "plain text");
        assert_eq!(
            widen(&format!("é😀 Grüße{TOKEN} ok")),
            format!("é😀 {TOKEN} ok")
        );
    }
}
