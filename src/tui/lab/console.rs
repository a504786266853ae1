//! The Console tab's state: a request being written (method, path, body) and the org's last
//! reply, like a small HTTP client in the terminal. Pure; the driver sends the request.

use super::pretty_xml::pretty_xml;
use crate::tui::text_keys::{cluster_starts, word_start};

/// The methods the console cycles through.
pub const METHODS: [&str; 5] = ["GET", "POST", "PATCH", "PUT", "DELETE"];

/// The three fields of a console request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConsoleField {
    Method,
    #[default]
    Path,
    Body,
}

/// What came back from the lab's org.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleReply {
    pub method: String,
    pub path: String,
    /// `None` when the request never reached the org (the message says why).
    pub status: Option<u16>,
    pub headers: Vec<(String, String)>,
    /// Pretty-printed when it is JSON.
    pub body: String,
    pub ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleState {
    pub method: usize,
    pub path: String,
    pub body: String,
    pub field: ConsoleField,
    /// Keys go into the selected field (Esc or ⏎ stops).
    pub typing: bool,
    pub waiting: bool,
    pub reply: Option<ConsoleReply>,
    pub reply_scroll: usize,
    /// Where typing goes in the field being edited, as characters before its end (0: the end).
    pub cursor_back: usize,
}

impl Default for ConsoleState {
    fn default() -> ConsoleState {
        ConsoleState {
            method: 0,
            path: "/services/data/v62.0/query?q=SELECT+Id,Name+FROM+Account".into(),
            body: String::new(),
            field: ConsoleField::Path,
            typing: false,
            waiting: false,
            reply: None,
            reply_scroll: 0,
            cursor_back: 0,
        }
    }
}

impl ConsoleState {
    pub fn method(&self) -> &'static str {
        METHODS[self.method % METHODS.len()]
    }

    pub fn next_method(&mut self) {
        self.method = (self.method + 1) % METHODS.len();
    }

    pub fn previous_method(&mut self) {
        self.method = (self.method + METHODS.len() - 1) % METHODS.len();
    }

    pub fn move_field(&mut self, down: bool) {
        self.field = match (self.field, down) {
            (ConsoleField::Method, true) => ConsoleField::Path,
            (ConsoleField::Path, true) => ConsoleField::Body,
            (ConsoleField::Body, true) => ConsoleField::Body,
            (ConsoleField::Method, false) => ConsoleField::Method,
            (ConsoleField::Path, false) => ConsoleField::Method,
            (ConsoleField::Body, false) => ConsoleField::Path,
        };
    }

    /// The text field being edited, if the selection is one.
    pub fn field_text(&mut self) -> Option<&mut String> {
        match self.field {
            ConsoleField::Method => None,
            ConsoleField::Path => Some(&mut self.path),
            ConsoleField::Body => Some(&mut self.body),
        }
    }

    /// Edits the field being typed in at the cursor: `insert` a character, or `erase` the
    /// one before the cursor (`Backspace`) or under it (`Delete`). The cursor moves, and
    /// erasing takes, a character as the screen shows it (a flag, an accented letter), never
    /// half of one ([`cluster_starts`]).
    pub fn edit(&mut self, edit: Edit) {
        let back = self.cursor_back;
        let Some(text) = self.field_text() else {
            return;
        };
        let mut chars: Vec<char> = text.chars().collect();
        let starts = cluster_starts(&chars);
        let at = chars.len().saturating_sub(back);
        // The cluster boundaries just before and just after the cursor.
        let before = starts.iter().rev().copied().find(|&s| s < at).unwrap_or(0);
        let after = starts
            .iter()
            .copied()
            .find(|&s| s > at)
            .unwrap_or(chars.len());
        let mut back = back.min(chars.len());
        match edit {
            Edit::Insert(c) => {
                chars.insert(at, c);
            }
            Edit::Backspace if at > 0 => {
                chars.drain(before..at);
            }
            Edit::Delete if back > 0 => {
                chars.drain(at..after);
                back -= after - at;
            }
            Edit::DeleteWord => {
                let typed: String = chars[..at].iter().collect();
                let start = typed[..word_start(&typed, typed.len())].chars().count();
                chars.drain(start..at);
            }
            Edit::Left => back = chars.len() - before,
            Edit::Right => back = chars.len() - after.min(chars.len()),
            Edit::Home => back = chars.len(),
            Edit::End => back = 0,
            Edit::Clear => {
                chars.clear();
                back = 0;
            }
            _ => {}
        }
        *text = chars.into_iter().collect();
        self.cursor_back = back;
    }

    /// The path as it will be sent: a leading `/` added when missing, and what a URL cannot
    /// carry percent-encoded ([`url_safe`]), so `?q=SELECT Id, Name FROM Account` goes as
    /// typed would in a browser.
    pub fn request_path(&self) -> String {
        let p = self.path.trim();
        let p = if p.starts_with('/') {
            p.to_string()
        } else {
            format!("/{p}")
        };
        url_safe(&p)
    }
}

/// `path` with every character a URL cannot carry as it is — spaces, quotes, `<>\^`{|}`,
/// `#` (which would end the path), control and non-ASCII characters, and a `%` that starts no
/// escape — percent-encoded as UTF-8; the characters a URL's path and query use (`/?&=+,:;@`
/// and the like) and valid `%XX` escapes are left as they are.
pub fn url_safe(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    for (i, &b) in bytes.iter().enumerate() {
        let escape = b == b'%'
            && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
        let kept = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?".contains(&b) || escape;
        if kept {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A change to the console field being typed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Insert(char),
    Backspace,
    Delete,
    Left,
    Right,
    Home,
    End,
    Clear,
    /// Erase the word before the cursor (Ctrl-W).
    DeleteWord,
}

/// A body as the screen shows it: pretty-printed when it is JSON or XML (a SOAP envelope,
/// [`pretty_xml`]), as it came otherwise, with its control characters visible (a body may
/// hold anything the learner's program sent).
pub fn pretty_body(text: &str) -> String {
    let pretty = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) if !text.trim().is_empty() => {
            serde_json::to_string_pretty(&v).unwrap_or_else(|_| text.to_string())
        }
        _ => pretty_xml(text).unwrap_or_else(|| text.to_string()),
    };
    crate::visible::on_screen(&pretty).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_edits_at_the_cursor_which_moves_with_the_arrows() {
        let mut c = ConsoleState {
            path: "/services/data/v62.0/limit".into(),
            ..ConsoleState::default()
        };
        c.edit(Edit::Insert('s'));
        assert_eq!(c.path, "/services/data/v62.0/limits");
        // Nine to the left: between the "2" and ".0/limits".
        for _ in 0..9 {
            c.edit(Edit::Left);
        }
        c.edit(Edit::Backspace);
        c.edit(Edit::Insert('1'));
        assert_eq!(c.path, "/services/data/v61.0/limits");
        c.edit(Edit::Home);
        c.edit(Edit::Delete);
        assert_eq!(c.path, "services/data/v61.0/limits");
        c.edit(Edit::End);
        c.edit(Edit::Backspace);
        assert_eq!(c.path, "services/data/v61.0/limit");
        c.edit(Edit::Clear);
        assert_eq!((c.path.as_str(), c.cursor_back), ("", 0));
    }

    #[test]
    fn the_cursor_moves_and_erases_a_flag_whole_never_half_of_it() {
        let mut c = ConsoleState {
            path: "/q?name=🇯🇵x".into(),
            ..ConsoleState::default()
        };
        c.edit(Edit::Left);
        c.edit(Edit::Left);
        // Before the flag: one Left crossed "x", the other the whole flag.
        c.edit(Edit::Insert('-'));
        assert_eq!(c.path, "/q?name=-🇯🇵x");
        c.edit(Edit::Delete);
        assert_eq!(c.path, "/q?name=-x");
        c.path = "/q?name=🇯🇵".into();
        c.cursor_back = 0;
        c.edit(Edit::Backspace);
        assert_eq!(c.path, "/q?name=");
    }

    #[test]
    fn ctrl_w_erases_the_word_before_the_cursor() {
        let mut c = ConsoleState {
            path: "/query?q=SELECT Id FROM Account".into(),
            ..ConsoleState::default()
        };
        c.edit(Edit::DeleteWord);
        assert_eq!(c.path, "/query?q=SELECT Id FROM ");
        c.edit(Edit::DeleteWord);
        assert_eq!(c.path, "/query?q=SELECT Id ");
    }

    #[test]
    fn methods_cycle_back_to_get() {
        let mut c = ConsoleState::default();
        for _ in 0..METHODS.len() {
            c.next_method();
        }
        assert_eq!(c.method(), "GET");
        c.next_method();
        assert_eq!(c.method(), "POST");
    }

    #[test]
    fn a_path_without_a_slash_gets_one() {
        let c = ConsoleState {
            path: " services/data ".into(),
            ..ConsoleState::default()
        };
        assert_eq!(c.request_path(), "/services/data");
    }

    #[test]
    fn a_query_with_spaces_is_percent_encoded_and_escapes_are_left_alone() {
        let c = ConsoleState {
            path: "/services/data/v62.0/query?q=SELECT Id, Name FROM Account LIMIT 1".into(),
            ..ConsoleState::default()
        };
        assert_eq!(
            c.request_path(),
            "/services/data/v62.0/query?q=SELECT%20Id,%20Name%20FROM%20Account%20LIMIT%201"
        );
        assert_eq!(url_safe("/q?q=A%20B+C"), "/q?q=A%20B+C", "escapes stay");
        assert_eq!(url_safe("/q?q='a#1' 100%"), "/q?q='a%231'%20100%25");
        assert_eq!(url_safe("/q?q=\"é\"{|}"), "/q?q=%22%C3%A9%22%7B%7C%7D");
        assert_eq!(
            url_safe("/services/data/v62.0/sobjects/Account/ERP_Id__c/A-1042"),
            "/services/data/v62.0/sobjects/Account/ERP_Id__c/A-1042"
        );
    }

    #[test]
    fn json_bodies_are_pretty_printed_and_others_left_alone() {
        assert_eq!(pretty_body("{\"a\":1}"), "{\n  \"a\": 1\n}");
        assert_eq!(pretty_body("not json"), "not json");
        assert_eq!(pretty_body(""), "");
        assert_eq!(
            pretty_body("a\x1b[2Jb"),
            "a␛[2Jb",
            "escapes show, never act"
        );
    }
}
