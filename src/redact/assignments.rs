//! Secrets assigned by name in config files and scripts: `SF_CLIENT_SECRET=…` and
//! `export SF_PASSWORD="…"` (shell, `.env`), `client_secret: …` (YAML), `"token": "…"` (JSON,
//! JavaScript, Python), `'password' => '…'`. The key and any quotes stay; the value becomes
//! the redactor's marker.
//!
//! A key names a secret by how it ends, whatever comes before (`SF_`, `ERP_`, `my.`) and
//! however it is spelled (`CLIENT_SECRET`, `client-secret`, `clientSecret`): `secret`,
//! `password`, `passwd`, `passphrase`, `token`, `assertion`, `session`, `sid`, `apikey`,
//! `private key`, `api key`, `secret key`, `access key`, `code verifier`, `device code`,
//! `session id`. `TOKEN_URL` or `SESSION_TIMEOUT` end otherwise and are left alone.
//!
//! Implementation notes: the copy must still run (a lead re-grades it), so only literals are
//! masked, never code. A quoted value is a literal unless it interpolates (`"$SECRET"`). An
//! unquoted value is a literal in shell form (`KEY=value` at the start of a statement, after
//! any other assignments: `A=1 KEY=value ./run`) and in YAML form (`key: value` at the start
//! of a line), unless it is an expansion (`$X`, `` `…` ``, `$(…)`). So is one inside a quoted string (`curl -d "client_secret=…&…"`). Elsewhere
//! (`password = pw`, `f(client_secret=secret)`, `{ token: tok }`) an unquoted value that reads
//! as a name, a call or an index is code and stays, unless it looks generated (letters and
//! digits, twelve or more, no underscore: `A1B2C3D4E5F6`). Inside a string, a value the
//! string's own closing quote ends at once (`"&client_secret=" + secret`), a template's slot
//! (`"password=%s" % pw`, `"{tok}"`) or a pattern (`r"sid=([^;]+)"`) is code too, and a
//! `key: value` there is prose (`"refresh token: present"`). Outside YAML files a bare word
//! after `key:` (`client_secret: str`) is code. A stand-in (`<your secret>`, `changeme`,
//! `xxxx`, an elided `00DXX…`) is no secret.
//!
//! A value is masked whole whatever else was found inside it: the password of
//! `password=Kestrel!Hunter2XyZ123…` is masked with the security token appended to it, not
//! just the token the redactor knew ([`learn_holders`], then [`mask`]).

use super::patterns::find_markers;
use super::{is_leak_kind, Redactor};

/// Last words that make a key name a secret.
const SECRET_TAILS: &[&str] = &[
    "secret",
    "password",
    "passwd",
    "passphrase",
    "token",
    "assertion",
    "session",
    "sid",
    "apikey",
    "privatekey",
    "accesstoken",
    "refreshtoken",
    "clientsecret",
    "sessionid",
];

/// Last two words that make a key name a secret.
const SECRET_PAIRS: &[(&str, &str)] = &[
    ("private", "key"),
    ("api", "key"),
    ("secret", "key"),
    ("access", "key"),
    ("signing", "key"),
    ("code", "verifier"),
    ("device", "code"),
    ("session", "id"),
];

/// The words of a key, lowercase: split at `_`, `-`, `.`, spaces and lower→upper case changes.
fn words(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Whether a variable or key name names a secret (see the module header).
pub fn names_a_secret(key: &str) -> bool {
    let w = words(key);
    let Some(last) = w.last() else {
        return false;
    };
    if SECRET_TAILS.contains(&last.as_str()) {
        return true;
    }
    w.len() >= 2
        && SECRET_PAIRS
            .iter()
            .any(|(a, b)| w[w.len() - 2] == *a && last == b)
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// How a value was assigned, which decides whether an unquoted value is a literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// `KEY=value` at the start of a statement (shell, `.env`, properties), and `key = value`
    /// at the start of a line in a config file (INI, TOML, properties).
    Shell,
    /// `key: value` at the start of a line: YAML.
    Yaml,
    /// Anywhere else: inside a string (`-d client_secret=…`), an object, a call.
    Inline,
}

/// Words that may come before a shell assignment at the start of a statement.
const SHELL_PREFIXES: &[&str] = &["export", "local", "readonly", "declare", "typeset"];

/// Whether `before` (the line up to the key) leaves the key at the start of a statement.
fn statement_start(before: &str) -> bool {
    let head = before.rsplit([';', '&', '|']).next().unwrap_or(before);
    // A key glued to the word before it (`f(a=1,client_secret=sec)`, `x=dict(…,token=t`) is
    // inside that word, not at the start of a statement.
    if !head.is_empty() && !head.ends_with([' ', '\t']) {
        return false;
    }
    let mut words = head.split_whitespace();
    // `A=1 B=2 cmd`: assignments before a command are part of its statement, so a key after
    // them (`SF_USERNAME=me SF_SECURITY_TOKEN=… ./run`) still starts one. A word holding a
    // bracket or parenthesis outside quotes (`j=requests.post(…`) is code, not a shell word.
    let assignment = |w: &str| {
        w.split_once('=')
            .is_some_and(|(name, value)| is_name(name) && is_shell_word(value))
    };
    match words.next() {
        None => true,
        Some(first) if assignment(first) => words.all(assignment),
        // `export KEY=…`, `declare -x KEY=…`: every word before the key is a prefix or a flag.
        Some(first) => SHELL_PREFIXES.contains(&first) && words.all(|w| w.starts_with('-')),
    }
}

/// Whether `value` reads as one shell word: no parenthesis, bracket or brace outside quotes
/// (`$(…)` and `${…}` expand, and are shell too).
fn is_shell_word(value: &str) -> bool {
    let (mut quote, mut prev, mut expansions) = (None, ' ', 0usize);
    for c in value.chars() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '(' | '{') if prev == '$' => expansions += 1,
            (None, ')' | '}') if expansions > 0 => expansions -= 1,
            (None, '(' | ')' | '[' | ']' | '{' | '}' | ',') => return false,
            _ => {}
        }
        prev = c;
    }
    true
}

const KEYWORDS: &[&str] = &["true", "false", "null", "None", "nil", "~"];

/// An identifier: `pw`, `client_secret`.
fn is_name(value: &str) -> bool {
    value
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether an unquoted value reads as code (a name, a path of names, a call, an index, an
/// expansion, a keyword) rather than a literal.
fn reads_as_code(value: &str) -> bool {
    value.contains(['(', '[', '{', '$', '`'])
        || value.split('.').all(is_name)
        || KEYWORDS.contains(&value)
}

/// A name that looks generated rather than chosen: a secret, not a variable.
fn looks_random(value: &str) -> bool {
    value.len() >= 12
        && !value.contains('_')
        && value.chars().any(|c| c.is_ascii_digit())
        && value.chars().any(|c| c.is_ascii_alphabetic())
}

/// The quote of the string the end of `before` is inside (an odd number of its quotes), if
/// any.
fn inside_string(before: &str) -> Option<char> {
    let mut double = false;
    let mut single = false;
    let mut escaped = false;
    for c in before.chars() {
        match c {
            '\\' if !escaped && !single => {
                escaped = true;
                continue;
            }
            '"' if !escaped && !single => double = !double,
            '\'' if !escaped && !double => single = !single,
            _ => {}
        }
        escaped = false;
    }
    if double {
        Some('"')
    } else if single {
        Some('\'')
    } else {
        None
    }
}

/// A value that stands in for a secret rather than being one: `<your secret>`, `xxxx`,
/// `changeme`, `your-client-secret`.
pub(super) fn stands_in(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    // `<your secret>`, or its start when the value was cut at a space; an elided sample
    // (`00DXX…`, `5Aep8...Qw1`) shows it is none.
    value.starts_with('<')
        || value.contains('…')
        || value.contains("...")
        || value
            .chars()
            .all(|c| matches!(c, 'x' | 'X' | '*' | '.' | '-' | '_' | '…'))
        || [
            "your",
            "changeme",
            "change_me",
            "change-me",
            "replace",
            "placeholder",
            "todo",
            "fixme",
            "dummy",
        ]
        .iter()
        .any(|w| lower.contains(w))
}

/// A whole value that is a template's placeholder, not a secret: `%s`, `%(secret)s`, `{}`,
/// `{secret}`, `{{secret}}`, `${SECRET}`, `$SF_SECRET`, `?`. No credential is one of these
/// shapes, so a body or a file that holds one holds no secret. (`:secret` and `@secret` are
/// placeholders in some languages, but a password may well start with `@`: those stay masked.)
pub(crate) fn is_placeholder(value: &str) -> bool {
    let word = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    };
    let printf = value.len() == 2
        && value.starts_with('%')
        && value[1..].chars().all(|c| c.is_ascii_alphabetic());
    let named_printf = value
        .strip_prefix("%(")
        .and_then(|v| v.split_once(')'))
        .is_some_and(|(name, conv)| word(name) && conv.len() == 1);
    let braces = {
        let inner = value.trim_start_matches('{').trim_end_matches('}');
        value.starts_with('{')
            && value.ends_with('}')
            && value.len() - inner.len() >= 2
            && (inner.is_empty() || word(inner))
    };
    let env_name = |s: &str| {
        s.len() >= 2
            && s.starts_with(|c: char| c.is_ascii_uppercase() || c == '_')
            && s.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    };
    let dollar = value
        .strip_prefix("${")
        .and_then(|v| v.strip_suffix('}'))
        .is_some_and(word)
        || value.strip_prefix('$').is_some_and(env_name);
    value == "?" || printf || named_printf || braces || dollar
}

/// A value that names the environment variable a secret comes from rather than holding the
/// secret: `COURIER_PASSWORD`, `ERP_CLIENT_SECRET`, `INVENTORY_API_KEY` — upper-case words
/// joined by underscores, the last of them naming a secret — alone or with a short flag after
/// a colon (`INVENTORY_API_KEY:enc`), as a map from each credential to its variable spells it
/// (`{ Password: 'COURIER_PASSWORD' }`). No generated secret has that shape, and a password
/// that is a variable's name would be no secret either.
pub(crate) fn names_a_secret_variable(value: &str) -> bool {
    let name = match value.split_once(':') {
        Some((name, flag))
            if (1..=12).contains(&flag.len()) && flag.chars().all(|c| c.is_ascii_lowercase()) =>
        {
            name
        }
        _ => value,
    };
    let words: Vec<&str> = name.split('_').collect();
    words.len() >= 2
        && name.starts_with(|c: char| c.is_ascii_uppercase())
        && words.iter().all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
        && names_a_secret(name)
}

/// A template's slot where the value will go: `%s`, `%(secret)s`, `%d`, `{tok}`.
pub(super) fn is_slot(value: &str) -> bool {
    value.starts_with('%')
        || value.contains("%s")
        || value.contains("%(")
        || value.contains(['{', '}'])
}

/// A pattern that matches the value (`([^&]+)`, `(\\w+)`, `(.*?)`): no token holds these
/// characters unquoted.
fn is_pattern(value: &str) -> bool {
    value.contains(['(', '[', '\\', '^', '*'])
}

/// Where an unquoted value ends.
fn unquoted_len(rest: &str, form: Form) -> usize {
    let stop: &[char] = match form {
        // YAML plain scalars run to the end of the line, a comment, or the end of a flow
        // mapping entry: `{ password: x, user: y }`.
        Form::Yaml => &[',', '}'],
        Form::Shell => &[';', '&', '|', ')', '"', '\''],
        Form::Inline => &['&', '"', '\'', ';', ',', ')', '}', ']'],
    };
    let end = match form {
        Form::Yaml => rest.find(" #").unwrap_or(rest.len()),
        _ => rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len()),
    };
    let value = &rest[..end];
    value.find(stop).unwrap_or(value.trim_end().len())
}

/// A quoted value's length, up to its closing quote.
fn quoted_len(rest: &str, quote: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in rest.char_indices() {
        match c {
            '\\' if quote == '"' && !escaped => escaped = true,
            c if c == quote && !escaped => return Some(i),
            _ => escaped = false,
        }
    }
    None
}

fn skip_blanks(line: &str, pos: usize) -> usize {
    pos + line[pos..].len() - line[pos..].trim_start_matches([' ', '\t']).len()
}

/// The assignment whose key is `line[start..key_end]`, if it is one: the byte range of the
/// value to mask (quotes excluded). `config` says the file is a config file, where
/// `key = value` at the start of a line is a literal.
fn assigned_value(
    line: &str,
    start: usize,
    key_end: usize,
    config: bool,
    yaml: bool,
) -> Option<(usize, usize)> {
    let mut before = &line[..start];
    // `${KEY}`, `$KEY=`: an expansion, not an assignment.
    if before.ends_with('$') || before.ends_with("${") {
        return None;
    }
    // A quoted key (`"client_secret": …`) counts when its closing quote follows it.
    let mut pos = key_end;
    let quoted_key = before
        .chars()
        .next_back()
        .filter(|q| matches!(q, '"' | '\'') && line[pos..].starts_with(*q));
    if let Some(q) = quoted_key {
        pos += q.len_utf8();
        before = &before[..before.len() - q.len_utf8()];
    }
    let spaced_before = line[pos..].starts_with([' ', '\t']);
    pos = skip_blanks(line, pos);
    let rest = &line[pos..];
    let (sep_len, colon) = if rest.starts_with("==") || rest.starts_with("::") {
        return None;
    } else if rest.starts_with("=>") || rest.starts_with(":=") {
        (2, false)
    } else if rest.starts_with('=') {
        (1, false)
    } else if rest.starts_with(':') {
        (1, true)
    } else {
        return None;
    };
    pos += sep_len;
    // `key:value` is a URL or a time, not YAML; `key: value` and `"key":"value"` are.
    if colon && quoted_key.is_none() && !line[pos..].starts_with([' ', '\t']) {
        return None;
    }
    pos = skip_blanks(line, pos);
    let rest = &line[pos..];
    let starts_line = before.trim().trim_start_matches('-').trim().is_empty();
    let string_quote = if quoted_key.is_none() {
        inside_string(before)
    } else {
        None
    };
    let in_string = string_quote.is_some();
    // `"…&client_secret=" + secret`: the quote after `=` closes the string the key is in, and
    // the value is joined on in code.
    if string_quote.is_some_and(|q| rest.starts_with(q)) {
        return None;
    }
    // `echo "refresh token: present"`: a `key: value` inside a string is words for a reader.
    if colon && in_string {
        return None;
    }
    let form = match (colon, quoted_key.is_some(), spaced_before, sep_len) {
        (true, _, _, _) if starts_line => Form::Yaml,
        // After a `&` inside a string (`"…&client_secret=%s"`) is a form's next field, not
        // a shell statement's start.
        (false, false, false, 1) if !in_string && statement_start(before) => Form::Shell,
        (false, false, true, 1) if config && starts_line => Form::Shell,
        _ => Form::Inline,
    };
    if let Some(q) = rest.chars().next().filter(|c| matches!(c, '"' | '\'')) {
        let inner = &rest[1..];
        let len = quoted_len(inner, q).unwrap_or(inner.trim_end().len());
        let value = &inner[..len];
        // A template's slot (`"{tok}"`, `"%s"`, `"${T}"`) or a pattern's group (`"([^"]+)"`)
        // is where a value goes, not one. (A quoted password may hold `*` or `^`, so only a
        // group's opening counts as a pattern here.)
        let slot = is_slot(value) || value.starts_with("([") || value.starts_with("(.");
        // `"$SECRET"` expands in a shell; in a YAML file only a variable's name does
        // (`"$DB_PASS"`, as compose reads it), and `"$ecret-42"` is a literal.
        let expansion = value.starts_with('$') && (!yaml || is_placeholder(value));
        if value.is_empty() || (q == '"' && expansion) || stands_in(value) || slot {
            return None;
        }
        return Some((pos + 1, pos + 1 + len));
    }
    let len = unquoted_len(rest, form);
    let value = &rest[..len];
    if value.is_empty() || value.starts_with(['|', '>', '#', '&', '*', '!']) || stands_in(value) {
        return None;
    }
    let literal = match form {
        Form::Shell => !value.starts_with(['$', '`', '(']),
        // `password: tiger` is YAML; `password: pw,` and `token: process.env.X` are a
        // JavaScript object's members. Outside a YAML file (`client_secret: str`, a Python
        // annotation) a bare word there is code unless it looks generated.
        Form::Yaml if !yaml => !reads_as_code(value) && looks_random(value),
        // `password: $ecret-42` is a literal; `${SF_PASSWORD}`, `$SF_PASSWORD` and
        // `${{ secrets.PW }}` are a tool's expansions.
        Form::Yaml if value.starts_with('$') => {
            let word = rest.split_whitespace().next().unwrap_or(value);
            !value.contains('{') && !is_placeholder(word)
        }
        Form::Yaml => {
            !reads_as_code(value)
                || (is_name(value) && !KEYWORDS.contains(&value) && !rest[len..].starts_with(','))
        }
        Form::Inline if in_string => {
            !value.contains(['$', '`']) && !is_slot(value) && !is_pattern(value)
        }
        Form::Inline => !reads_as_code(value) || (is_name(value) && looks_random(value)),
    };
    literal.then_some((pos, pos + len))
}

/// Whether the key starting at byte `i` starts at a word boundary: after a non-key character
/// or the start, allowing a flag's dashes (`--client-secret=…`).
fn key_boundary(line: &str, i: usize) -> bool {
    let before = &line[..i];
    let undashed = before.trim_end_matches('-');
    let dashes = before.len() - undashed.len();
    dashes <= 2 && undashed.chars().next_back().is_none_or(|p| !is_key_char(p))
}

/// `line` with the value of each secret assignment replaced by what `visit(key, value)`
/// returns for it; a value it returns `None` for stays, and is searched for further keys.
fn rewrite_line(
    line: &str,
    config: bool,
    yaml: bool,
    mut visit: impl FnMut(&str, &str) -> Option<String>,
) -> String {
    let mut out = String::with_capacity(line.len());
    let mut copied = 0;
    let mut i = 0;
    while i < line.len() {
        let c = line[i..].chars().next().unwrap_or(' ');
        if !((c.is_ascii_alphabetic() || c == '_') && key_boundary(line, i)) {
            i += c.len_utf8();
            continue;
        }
        let key_len = line[i..]
            .find(|c: char| !is_key_char(c))
            .unwrap_or(line.len() - i);
        let key = &line[i..i + key_len];
        let found = names_a_secret(key)
            .then(|| assigned_value(line, i, i + key_len, config, yaml))
            .flatten();
        match found.and_then(|(from, to)| Some((from, to, visit(key, &line[from..to])?))) {
            Some((from, to, value)) => {
                out.push_str(&line[copied..from]);
                out.push_str(&value);
                copied = to;
                i = to;
            }
            None => i += key_len,
        }
    }
    out.push_str(&line[copied..]);
    out
}

/// Whether `text` is exactly one redaction marker.
fn is_one_marker(text: &str) -> bool {
    match find_markers(text).as_slice() {
        [m] => m.offset == 0 && text == format!("‹redacted:{}#{}›", m.kind, m.hash),
        _ => false,
    }
}

/// Whether `value` holds a leaked secret's marker among other characters.
fn holds_a_secret_among_more(value: &str) -> bool {
    find_markers(value).iter().any(|m| is_leak_kind(&m.kind)) && !is_one_marker(value)
}

/// What a secret assignment's value becomes: its marker, under the key's name. A value in
/// which a known secret was already masked is masked whole all the same when anything else
/// is left of it (`password=Kestrel!Hunter2‹redacted:sf_security_token#…›`); one that is
/// only a marker keeps it (`TOKEN='00D…'` shows as the access token it is).
fn masked_value(key: &str, value: &str, r: &Redactor) -> Option<String> {
    let kind = key.to_ascii_lowercase();
    if !value.contains("‹redacted:") {
        Some(r.redact_keyed(&kind, value))
    } else if holds_a_secret_among_more(value) {
        Some(r.marker(&kind, value))
    } else {
        None
    }
}

/// Learns, under its key's name, the value of each secret assignment in `text` that holds a
/// known secret among other characters (`password=Kestrel!Hunter2` + the security token the
/// redactor knows), so that it is masked whole as what its key says it is, here and wherever
/// else it appears, rather than only the part the redactor knew.
pub(super) fn learn_holders(text: &str, config: bool, yaml: bool, r: &Redactor) {
    for line in text.lines() {
        rewrite_line(line, config, yaml, |key, value| {
            if value.contains("‹redacted:") {
                return None;
            }
            let seen = r.text(value);
            let whole = is_one_marker(&seen)
                && find_markers(&seen)
                    .first()
                    .is_some_and(|m| m.hash == r.fingerprint(value));
            if !whole && find_markers(&seen).iter().any(|m| is_leak_kind(&m.kind)) {
                r.add_secret(&key.to_ascii_lowercase(), value);
            }
            None
        });
    }
}

/// `text` with the value of every assignment to a secret-named key masked, line by line;
/// `config` for config files (INI, TOML, properties), where `key = value` is a literal too;
/// `yaml` for YAML (and text of unknown kind), where `key: value` is one.
pub(super) fn mask(text: &str, config: bool, yaml: bool, r: &Redactor) -> String {
    text.split_inclusive('\n')
        .map(|l| {
            let body = l.trim_end_matches(['\n', '\r']);
            let masked = rewrite_line(body, config, yaml, |key, value| masked_value(key, value, r));
            format!("{masked}{}", &l[body.len()..])
        })
        .collect()
}

#[cfg(test)]
#[path = "assignments_tests.rs"]
mod tests;
