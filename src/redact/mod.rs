//! Redaction of everything sflab stores or shows: headers, URLs, bodies, process output, files.
//!
//! A [`Redactor`] replaces each secret with a marker holding a keyed hash of its value, e.g.
//! `‹redacted:access_token#a1b2c3d4›`. The hash is an HMAC-SHA256 with a per-workspace key, so
//! the same token gives the same marker everywhere in one workspace (rules can tell one token
//! from another, and see a token issued in one response being used in the next request), while
//! the marker reveals nothing about the value.
//!
//! How (following the project's recorder rules):
//! - bodies are parsed by content type (JSON, form, XML) and redacted **by key**, not by a
//!   substring guess; query strings, URL fragments, cookies and `Authorization` headers too;
//! - any JWT keeps its header and payload (claims stay checkable) and loses its signature;
//! - PEM private keys, Salesforce-shaped session ids (`00D…!…`) and the password of a
//!   `scheme://user:password@host` URL in free text are replaced;
//! - in files (scripts, `.env`, YAML), the value of an assignment whose key names a secret
//!   (`SF_CLIENT_SECRET=…`, `client_secret: …`) is replaced, the key and quotes kept; so are
//!   the credentials of `Authorization:` header lines, the password of `curl -u user:pw`,
//!   and the text of secret XML elements (`<sessionId>`, `<password>`) when it is a literal;
//!   such a value is masked whole even when it holds a known secret among other characters;
//! - every secret value the redactor learned (given by the runner or seen under a secret key)
//!   is also replaced wherever else it appears, e.g. in the learner's stdout — and so is any
//!   run of 12 or more of its characters, or of all but four of a shorter one (at least 8)
//!   ([`partial`]: "all but the last character"), a lab's own variables included; one
//!   found inside a longer word masks the whole word ([`words`]: a password with the security
//!   token appended);
//! - in files, a base64, hex or percent-encoded stretch that decodes to text holding a secret
//!   (by key, by shape or learnt) is replaced whole ([`decoded`]), so a token store written
//!   encoded is masked even where the token was never seen;
//! - a learnt value or shape is never looked for inside a marker already there (markers
//!   never nest), and a form's or query's parameter names are kept as sent (only a name that
//!   is a secret whole is replaced);
//! - CR and LF are stripped from header values;
//! - only the stored copy is redacted: the proxy forwards the original bytes.

mod assignments;
mod commands;
mod decoded;
mod formats;
mod partial;
mod patterns;
mod remask;
mod remask_base64;
mod words;

use crate::evidence::{CapturedOutput, Header, KnownSecret, SourceFile};
use hmac::{Hmac, Mac};
use parking_lot::Mutex;
use sha2::Sha256;
use std::sync::Arc;

pub use assignments::names_a_secret;
pub use patterns::{find_markers, Marker};

/// Keys whose values are secrets wherever they appear (form, query, JSON, XML), lowercase.
const SECRET_KEYS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "code",
    "code_verifier",
    "client_secret",
    "client_assertion",
    "assertion",
    "device_code",
    "password",
    "token",
    "samlrequest",
    "samlresponse",
    "sid",
    "lightning_sid",
    "visualforce_sid",
    "content_sid",
    "csrf_token",
    "cookie-sid_client",
    "parent_sid",
    "beacon_child_consumer_secret",
    "sessionid",
    "session_id",
    "private_key",
];

/// Keys that HAR sanitizers also scrub: redacted in place, but not secrets whose appearance in
/// output or sources is a leak (a client id is public by design; a device flow's `user_code` is
/// made to be shown on the device's screen).
const QUIET_KEYS: &[&str] = &["state", "client_id", "code_challenge", "user_code"];

/// Quiet keys whose values are still replaced wherever they are printed, so that what a
/// program shows can be compared with the recorded answer, which holds the marker: a device
/// flow's `user_code` is made to be shown, and a lab checks that it was. Its marker in the
/// output is no leak.
const SHOWN_KEYS: &[&str] = &["user_code"];

/// Values shorter than this are redacted where their key says so but are not searched for
/// elsewhere (a 4-character `code` would match unrelated text).
const MIN_LEARNED_LEN: usize = 8;

/// Whether values under `key` must be redacted.
pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    SECRET_KEYS.contains(&k.as_str()) || QUIET_KEYS.contains(&k.as_str())
}

fn is_quiet_key(key: &str) -> bool {
    QUIET_KEYS.contains(&key.to_ascii_lowercase().as_str())
}

/// Kinds of secret whose appearance in a learner's output or files is a leak.
pub fn is_leak_kind(kind: &str) -> bool {
    !is_quiet_key(kind) && !matches!(kind, "jwt_signature" | "part_of_jwt_signature" | "cookie")
}

/// YAML files, where `key: value` at the start of a line assigns a literal (in Python it
/// annotates a type, in prose it labels).
/// An HTTP authentication scheme name alone (`Bearer`, `OAuth`, `Basic`…), which holds no
/// credential; any other single word in an `Authorization` header is treated as one.
fn is_auth_scheme(word: &str) -> bool {
    const SCHEMES: &[&str] = &["bearer", "oauth", "basic", "digest", "negotiate", "token"];
    SCHEMES.contains(&word.to_ascii_lowercase().as_str())
}

fn is_yaml_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".yaml") || lower.ends_with(".yml")
}

/// Config files, where `key = value` at the start of a line assigns a literal (in code it
/// may assign a variable).
fn is_config_file(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name).to_ascii_lowercase();
    base.starts_with(".env")
        || [".env", ".ini", ".cfg", ".conf", ".properties", ".toml"]
            .iter()
            .any(|ext| base.ends_with(ext))
}

#[derive(Debug, Default)]
struct Learned {
    /// (kind, value), longest values first when replacing.
    values: Vec<(String, String)>,
    /// Where parts of those values may be found (see [`partial`]).
    parts: partial::PartIndex,
    /// Each value's encoded forms (see [`encoded_forms`]), by index in `values`: a secret
    /// printed base64-encoded, or escaped, is still the secret.
    encoded: Vec<Vec<String>>,
    /// The values redacted under a quiet key (a `state`), by fingerprint, so that one found
    /// later to carry a secret inside it can be named as that secret (see [`remask`]).
    quiet: Vec<(String, String)>,
}

/// The encoded forms a program may print or send `value` in. Base64, whatever comes before
/// or after it in what it encodes (`echo "token=$T" | base64`): for each alphabet (standard,
/// URL-safe) and each of the three places the value can start within a 3-byte group, the
/// characters that encode the value's bytes alone — the group it shares with text before it
/// and the group it shares with text after it are left out. A form shorter than
/// [`MIN_LEARNED_LEN`] characters is not kept. A value of hex digits in the other case. Then
/// hex, and every character escaped: `%xx`
/// for each byte (a query string) and `\u00xx` for each character (a JSON string), which a
/// display decodes back to the value.
fn encoded_forms(value: &str) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    use base64::Engine;
    let bytes = value.as_bytes();
    let mut forms = Vec::with_capacity(6);
    for engine in [STANDARD_NO_PAD, URL_SAFE_NO_PAD] {
        for shift in 0..3usize {
            // `shift` bytes of other text before the value: its first group mixes them in.
            let skip = (3 - shift) % 3;
            let Some(rest) = bytes.get(skip..) else {
                continue;
            };
            let whole = rest.len() / 3 * 3;
            let form = engine.encode(&rest[..whole]);
            if form.len() >= MIN_LEARNED_LEN && !forms.contains(&form) {
                forms.push(form);
            }
        }
    }
    // A secret written in hex digits (a consumer secret) is the same secret in the other
    // case: `tr A-F a-f` prints it still.
    if value.len() >= MIN_LEARNED_LEN && value.bytes().all(|b| b.is_ascii_hexdigit()) {
        for other in [value.to_ascii_lowercase(), value.to_ascii_uppercase()] {
            if other != value {
                forms.push(other);
            }
        }
    }
    // Hex (`xxd -p`, `od`), in either case: byte-aligned, so one form each.
    let hex = hex::encode(bytes);
    forms.push(hex.to_ascii_uppercase());
    forms.push(hex.clone());
    for hex in [hex.to_ascii_uppercase(), hex] {
        let pairs = hex
            .as_bytes()
            .chunks(2)
            .filter_map(|p| std::str::from_utf8(p).ok());
        forms.push(pairs.clone().map(|p| format!("%{p}")).collect());
        if value.is_ascii() {
            forms.push(pairs.map(|p| format!("\\u00{p}")).collect());
        }
    }
    forms
}

/// The characters of base64 (either alphabet, padding included) and so of hex.
fn is_encoding_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '-' | '_')
}

/// Runs of consecutive lines made only of encoding characters, as `base64`, `openssl base64`
/// and `xxd -p` wrap what they encode (76, 64 or 60 columns): each run's byte range in `text`
/// and its lines joined, first without and then with the shorter line that may end it (a last
/// line such as `S09yWlJaCg==`, which could also be a plain word). A run is two long lines or
/// more, or one long line with such a short one after it.
fn wrapped_blocks(text: &str) -> Vec<[(std::ops::Range<usize>, String); 2]> {
    let mut lines = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']).trim();
        lines.push((at..at + line.len(), body));
        at += line.len();
    }
    let encoded =
        |body: &str, least: usize| body.len() >= least && body.chars().all(is_encoding_char);
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let mut j = i;
        while j < lines.len() && encoded(lines[j].1, 16) {
            j += 1;
        }
        let tail = lines.get(j).filter(|(_, body)| encoded(body, 2));
        if j - i >= 2 || (j - i == 1 && tail.is_some()) {
            let range = lines[i].0.start..lines[j - 1].0.end;
            let joined: String = lines[i..j].iter().map(|l| l.1).collect();
            let with_tail = match tail {
                Some((r, body)) => (range.start..r.end, format!("{joined}{body}")),
                None => (range.clone(), joined.clone()),
            };
            blocks.push([(range, joined), with_tail]);
        }
        i = j.max(i + 1);
    }
    blocks
}

/// `text` with `replace` applied to each stretch between the redaction markers it holds; the
/// markers are kept as they are, so nothing is ever matched inside one (markers never nest:
/// a learnt value sharing characters with a marker's kind, `client_secret`, leaves it whole).
fn outside_markers(text: &str, mut replace: impl FnMut(&str) -> String) -> String {
    let markers = find_markers(text);
    if markers.is_empty() {
        return replace(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for m in markers {
        let Some(len) = text[m.offset..].find('›').map(|i| i + '›'.len_utf8()) else {
            break;
        };
        out.push_str(&replace(&text[copied..m.offset]));
        out.push_str(&text[m.offset..m.offset + len]);
        copied = m.offset + len;
    }
    out.push_str(&replace(&text[copied..]));
    out
}

/// How many encodings deep a file's text is decoded for [`decoded`] (hex inside base64).
const MAX_DECODE_DEPTH: usize = 2;

/// How far past an output cap text is redacted before the cut (longer than any secret).
const OUTPUT_MARGIN: usize = 8 * 1024;

/// Replaces secrets with keyed-hash markers. Cheap to clone; clones share what was learned.
#[derive(Clone)]
pub struct Redactor {
    key: Arc<Vec<u8>>,
    learned: Arc<Mutex<Learned>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor").finish_non_exhaustive()
    }
}

impl Redactor {
    /// A fresh random key for a new workspace (store it privately, e.g. with
    /// `fsutil::write_private_atomic`, so markers stay stable across attempts).
    pub fn random_key() -> [u8; 32] {
        rand::random()
    }

    /// A redactor keyed with the workspace's redaction key.
    pub fn new(key: &[u8]) -> Redactor {
        Redactor {
            key: Arc::new(key.to_vec()),
            learned: Arc::new(Mutex::new(Learned::default())),
        }
    }

    /// The marker that stands for `value`: `‹redacted:{kind}#{8 hex of HMAC(key, value)}›`.
    pub fn marker(&self, kind: &str, value: &str) -> String {
        format!("‹redacted:{kind}#{}›", self.fingerprint(value))
    }

    /// The keyed hash of a value (8 hex digits), the part of a marker that identifies it.
    pub fn fingerprint(&self, value: &str) -> String {
        // HMAC accepts keys of any length, so this cannot fail; fall back to an empty key
        // rather than panicking all the same.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| <Hmac<Sha256> as Mac>::new_from_slice(&[0u8]).expect("key"));
        mac.update(value.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..4])
    }

    /// Tells the redactor about a secret the run knows (client secret, password, private key,
    /// a pre-issued access token): it is replaced wherever it appears.
    pub fn add_secret(&self, kind: &str, value: &str) {
        let value = value.trim();
        if value.len() < MIN_LEARNED_LEN {
            return;
        }
        let mut learned = self.learned.lock();
        if learned.values.iter().any(|(_, v)| v == value) {
            return;
        }
        learned.values.push((kind.to_string(), value.to_string()));
        learned.values.sort_by_key(|v| std::cmp::Reverse(v.1.len()));
        learned.parts = partial::PartIndex::build(&learned.values);
        learned.encoded = learned
            .values
            .iter()
            .map(|(_, v)| encoded_forms(v))
            .collect();
    }

    /// How many secrets have been learnt so far (grows as a run goes on).
    pub fn learned_count(&self) -> usize {
        self.learned.lock().values.len()
    }

    /// Each learnt secret's kind with the forms it may be printed in: as it is, URL-encoded,
    /// base64 and the other encodings [`encoded_forms`] lists. For scanning output that is not kept (see
    /// `runner::process`).
    pub fn printed_forms(&self) -> Vec<(String, String)> {
        let learned = self.learned.lock();
        let mut out = Vec::new();
        for ((kind, value), forms) in learned.values.iter().zip(&learned.encoded) {
            out.push((kind.clone(), value.clone()));
            let encoded: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
            if encoded != *value {
                out.push((kind.clone(), encoded));
            }
            out.extend(forms.iter().map(|f| (kind.clone(), f.clone())));
        }
        out
    }

    /// The secrets known so far, by marker only.
    pub fn known_secrets(&self) -> Vec<KnownSecret> {
        self.learned
            .lock()
            .values
            .iter()
            .map(|(kind, value)| KnownSecret {
                kind: kind.clone(),
                marker: self.marker(kind, value),
            })
            .collect()
    }

    /// Redacts a value found under `key`; JWTs keep header and payload.
    pub(crate) fn redact_keyed(&self, key: &str, value: &str) -> String {
        // A visible stand-in (`<your token>`, an elided `00DXX…`) holds no secret: no token
        // holds an ellipsis character or is wrapped in angle brackets.
        let stand_in = value.contains('…') || (value.starts_with('<') && value.ends_with('>'));
        let placeholder = assignments::is_placeholder(value.trim());
        // `{ password: 'COURIER_PASSWORD' }` says where the secret is, not what it is.
        let variable = assignments::names_a_secret_variable(value.trim());
        if value.is_empty() || value.contains("‹redacted:") || stand_in || placeholder || variable
        {
            return value.to_string();
        }
        let kind = key.to_ascii_lowercase();
        let learned = !is_quiet_key(&kind) || SHOWN_KEYS.contains(&kind.as_str());
        if learned && value.len() >= MIN_LEARNED_LEN {
            self.add_secret(&kind, value);
            // A SAML assertion travels base64-encoded; printed as XML it is the same login, and
            // its SignatureValue is what makes it one: learnt under the same kind.
            for signature in patterns::saml_signature_value(value).into_iter().flatten() {
                self.add_secret(&kind, &signature);
            }
        }
        if let Some(kept) = patterns::strip_jwt_signature(value, self) {
            return kept;
        }
        if is_quiet_key(&kind) {
            self.hold_quiet(value);
        }
        self.marker(&kind, value)
    }

    /// Free text (process output, source files, unknown bodies): known secrets, JWT
    /// signatures, PEM private keys, Salesforce session ids, refresh tokens and the passwords
    /// of `scheme://user:password@host` URLs are replaced.
    pub fn text(&self, text: &str) -> String {
        // Known values first: a JWT-shaped access token printed whole must show up as an
        // access token, not as a harmless JWT without its signature.
        let learned_before = self.learned.lock().values.len();
        let mut out = self.replace_learned(text);
        // Shapes are looked for between the markers already there, never inside one.
        out = outside_markers(&out, |s| patterns::redact_private_keys(s, self));
        out = outside_markers(&out, |s| patterns::redact_jwts(s, self));
        out = outside_markers(&out, |s| patterns::redact_session_ids(s, self));
        out = outside_markers(&out, |s| patterns::redact_refresh_tokens(s, self));
        out = outside_markers(&out, |s| patterns::redact_url_passwords(s, self));
        // A value learnt on the way (a JWT's signature) may also appear on its own earlier on.
        if self.learned.lock().values.len() != learned_before {
            out = self.replace_learned(&out);
        }
        out
    }

    /// `text` with every learnt value, its encoded forms and its parts replaced, each between
    /// the markers the text holds by then (a marker's own text is never matched: markers
    /// never nest); then each leak marker widened over its word ([`words`]).
    fn replace_learned(&self, text: &str) -> String {
        let learned = self.learned.lock();
        let mut out = text.to_string();
        let replace = |out: &str, found: &str, marker: &str| {
            if out.contains(found) {
                outside_markers(out, |s| s.replace(found, marker))
            } else {
                out.to_string()
            }
        };
        for (kind, value) in &learned.values {
            let marker = self.marker(kind, value);
            out = replace(&out, value, &marker);
            let encoded: String =
                form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>();
            if encoded != *value {
                out = replace(&out, &encoded, &marker);
            }
        }
        for ((kind, value), forms) in learned.values.iter().zip(&learned.encoded) {
            for form in forms {
                out = replace(&out, form, &self.marker(kind, value));
            }
        }
        // An encoding wrapped over several lines is read joined; a block holding a secret is
        // replaced whole. (A line holding a marker is no line of an encoding.)
        for block in wrapped_blocks(&out).into_iter().rev() {
            let found = block.into_iter().find_map(|(range, joined)| {
                let (secret, _) = learned
                    .values
                    .iter()
                    .zip(&learned.encoded)
                    .find(|(_, forms)| forms.iter().any(|f| joined.contains(f.as_str())))?;
                Some((range, secret))
            });
            if let Some((range, (kind, value))) = found {
                let mut marker = self.marker(kind, value);
                if out[range.clone()].ends_with('\n') {
                    marker.push('\n');
                }
                out.replace_range(range, &marker);
            }
        }
        let out = outside_markers(&out, |s| {
            learned.parts.redact(s, &learned.values, |i| {
                let (kind, value) = &learned.values[i];
                self.marker(&format!("part_of_{kind}"), value)
            })
        });
        // A secret glued to other characters (a password with the security token appended)
        // takes the whole word with it.
        words::widen(&out)
    }

    /// Text with the value of every assignment to a secret-named key masked
    /// (`SF_CLIENT_SECRET=…`, `export SF_PASSWORD="…"`, `client_secret: …`, `"token": "…"`),
    /// keys and quotes kept. See [`names_a_secret`] for which keys.
    pub fn assignments(&self, text: &str) -> String {
        assignments::mask(text, false, true, self)
    }

    /// One of the learner's files as it may leave the workspace (a report's copy): JSON and
    /// XML by key (XML element text in any text file when it is a literal), `Authorization:`
    /// header lines, `curl -u user:password` and passwords passed by position
    /// (`auth=("u", "pw")`, `conn.login("u", "pw")`), secret-named assignments by key (in any
    /// text file), then everything [`text`] finds. `name` is the file's path, which says its kind.
    ///
    /// [`text`]: Redactor::text
    pub fn file_text(&self, name: &str, text: &str) -> String {
        self.file_text_within(name, text, 0)
    }

    /// [`Redactor::file_text`] for text found `depth` encodings deep: first each encoded
    /// stretch holding a secret is masked whole ([`decoded`]: a token store written
    /// base64-encoded), while the depth allows.
    fn file_text_within(&self, name: &str, text: &str, depth: usize) -> String {
        let masked;
        let text = if depth < MAX_DECODE_DEPTH {
            masked = decoded::mask(text, |d| self.secrets_in_decoded(d, depth + 1));
            masked.as_str()
        } else {
            text
        };
        let lower = name.to_ascii_lowercase();
        let by_key = if lower.ends_with(".json") {
            formats::json(text, self)
        } else if lower.ends_with(".xml") || lower.ends_with(".wsdl") {
            formats::xml(text, self)
        } else {
            formats::xml_literals(text, self)
        };
        let headers = commands::authorization_lines(&by_key, self);
        let (config, yaml) = (is_config_file(name), is_yaml_file(name));
        // A literal that holds a known secret among other characters (a password with the
        // security token appended) is the secret its name says, masked whole: learnt first,
        // as the longer value it is replaced before the secret inside it.
        assignments::learn_holders(&headers, config, yaml, self);
        // Known values and shapes before names: `TOKEN = '00D…!AQ…'` holds an access token,
        // whatever the variable is called. A literal left after them is masked by its name
        // (and learned, so it is masked wherever else the file repeats it).
        let known = self.text(&headers);
        let assigned = assignments::mask(&known, config, yaml, self);
        let known = self.text(&assigned);
        // Last, so a password assigned elsewhere keeps the kind its assignment gave it; a
        // password found only here is learned and masked wherever else the file repeats it.
        let users = commands::user_options(&known, self);
        let users = commands::credential_pairs(&users, self);
        if users == known {
            known
        } else {
            self.text(&users)
        }
    }

    /// The markers of the secrets whose appearance is a leak in a decoded stretch of a file
    /// (see [`decoded`]), each once: read by key as a form or JSON, else as a config file's
    /// lines, then by shape and every learnt value.
    fn secrets_in_decoded(&self, decoded: &str, depth: usize) -> Vec<String> {
        let keyed = if formats::looks_like_form(decoded) {
            formats::form(decoded, self)
        } else {
            decoded.to_string()
        };
        let json = serde_json::from_str::<serde_json::Value>(decoded).is_ok();
        let name = if json { "decoded.json" } else { "decoded.env" };
        let redacted = self.file_text_within(name, &keyed, depth);
        let mut markers: Vec<String> = Vec::new();
        for m in find_markers(&redacted) {
            let marker = format!("‹redacted:{}#{}›", m.kind, m.hash);
            if is_leak_kind(&m.kind) && !markers.contains(&marker) {
                markers.push(marker);
            }
        }
        markers
    }

    /// A file that is not text (a SQLite token store), redacted only to find the secrets it
    /// holds: its bytes read as UTF-8 where they are (a secret is ASCII), then every encoded
    /// stretch ([`decoded`]), learnt value in each of its forms and secret shape. Not for
    /// showing: what is not a secret is not made readable.
    pub fn raw_file(&self, bytes: &[u8]) -> String {
        let text = String::from_utf8_lossy(bytes);
        let masked = decoded::mask(&text, |d| self.secrets_in_decoded(d, 1));
        self.text(&masked)
    }

    /// A file's path as it may be stored or shown (a report's copy, a gradebook's list of
    /// files): each part that is or holds a secret (`cache/00D…!AQ….json`, a token used as a
    /// file name) masked, the `/` between parts kept.
    pub fn path(&self, path: &str) -> String {
        // A name's extension (`.json`) is kept apart: it is no part of the secret.
        let part = |part: &str| match part.rsplit_once('.') {
            Some((stem, ext))
                if !stem.is_empty()
                    && (1..=5).contains(&ext.len())
                    && ext.chars().all(|c| c.is_ascii_alphanumeric()) =>
            {
                format!("{}.{ext}", self.text(stem))
            }
            _ => self.text(part),
        };
        path.split('/').map(part).collect::<Vec<_>>().join("/")
    }

    /// One header value, redacted for storage, CR/LF removed.
    pub fn header(&self, name: &str, value: &str) -> String {
        let value: String = value.chars().filter(|c| *c != '\r' && *c != '\n').collect();
        let redacted = match name.to_ascii_lowercase().as_str() {
            "authorization" | "proxy-authorization" => self.authorization(&value),
            "x-sfdc-session" => self.redact_keyed("access_token", value.trim()),
            "cookie" => formats::cookie_header(&value, self),
            "set-cookie" => formats::set_cookie_header(&value, self),
            "referer" | "location" | "content-location" => self.url(&value),
            // A header named as a secret is (`X-Api-Key`, `Api-Key`, `X-Auth-Token`,
            // `X-Amz-Security-Token`): the same names the file redactor masks.
            lower if assignments::names_a_secret(lower) => self.redact_keyed(lower, value.trim()),
            _ => value,
        };
        self.text(&redacted)
    }

    /// A learner's process output, capped at `cap` bytes and redacted.
    pub fn output(&self, raw: &[u8], cap: usize) -> CapturedOutput {
        let truncated = raw.len() > cap;
        // Redact a little past the cap before cutting, so a secret the cap falls inside is
        // still recognised whole and does not survive as a visible prefix.
        let kept = &raw[..raw.len().min(cap.saturating_add(OUTPUT_MARGIN))];
        let mut text = self.text(&String::from_utf8_lossy(kept));
        if truncated && text.len() > cap {
            let mut end = cap;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
        }
        CapturedOutput {
            text,
            truncated,
            ..CapturedOutput::default()
        }
    }

    /// One of the learner's files, redacted for secret scanning.
    pub fn source_file(&self, path: &str, text: &str) -> SourceFile {
        SourceFile {
            path: path.to_string(),
            text: self.text(text),
        }
    }

    /// A list of headers, redacted.
    pub fn headers<'a>(
        &self,
        headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Vec<Header> {
        headers
            .into_iter()
            .map(|(n, v)| Header::new(n, self.header(n, v)))
            .collect()
    }

    fn authorization(&self, value: &str) -> String {
        let trimmed = value.trim();
        let (scheme, cred) = match trimmed.split_once(' ') {
            Some((s, c)) => (s, c.trim()),
            // A header with no credential at all (empty, or `Bearer ` with nothing after)
            // carries no secret: kept as sent, so the learner sees the token was missing.
            None if trimmed.is_empty() || is_auth_scheme(trimmed) => return value.to_string(),
            None => return self.marker("authorization", trimmed),
        };
        match scheme.to_ascii_lowercase().as_str() {
            "bearer" | "oauth" => format!("{scheme} {}", self.redact_keyed("access_token", cred)),
            "basic" => {
                // Basic is base64(id:secret): the secret is what matters; learn it too.
                use base64::Engine;
                if let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(cred) {
                    if let Ok(pair) = String::from_utf8(raw) {
                        if let Some((_, secret)) = pair.split_once(':') {
                            self.add_secret("client_secret", secret);
                        }
                    }
                }
                self.add_secret("basic_credentials", cred);
                format!("{scheme} {}", self.marker("basic_credentials", cred))
            }
            _ => format!("{scheme} {}", self.marker("authorization", cred)),
        }
    }

    /// A URL or bare query string: secret query and fragment parameters redacted.
    pub fn url(&self, url: &str) -> String {
        formats::url(url, self)
    }

    /// A raw query string (without `?`): secret parameters redacted.
    pub fn query(&self, query: &str) -> String {
        formats::form_text(query, self)
    }

    /// A body, parsed by its content type and redacted by key.
    pub fn body(&self, content_type: Option<&str>, bytes: &[u8]) -> String {
        let Ok(text) = std::str::from_utf8(bytes) else {
            return format!("‹binary {} bytes›", bytes.len());
        };
        let ct = content_type.unwrap_or("").to_ascii_lowercase();
        // A form's keys are kept as sent; only its values are searched as free text.
        let keyed = if ct.contains("json") {
            formats::json(text, self)
        } else if ct.starts_with("application/x-www-form-urlencoded") {
            return formats::form_text(text, self);
        } else if ct.contains("xml") {
            formats::xml(text, self)
        } else if let Some(boundary) = ct
            .starts_with("multipart/form-data")
            .then(|| formats::multipart_boundary(content_type.unwrap_or("")))
            .flatten()
        {
            formats::multipart(text, boundary, self)
        } else if formats::looks_like_form(text) {
            // A form sent as text/plain, or with no type, is still read as one by servers.
            return formats::form_text(text, self);
        } else {
            // Unknown type: try JSON, since many clients omit the content type.
            formats::json(text, self)
        };
        // A form labelled as something else (`-H 'Content-Type: application/json'` pasted
        // onto `curl -d 'a=b&…'`) is still a form to whoever reads it: judged as one when the
        // labelled reading found nothing.
        if keyed == text && formats::looks_like_form(text) {
            return formats::form_text(text, self);
        }
        self.text(&keyed)
    }
}

#[cfg(test)]
mod tests;
