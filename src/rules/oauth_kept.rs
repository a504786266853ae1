//! `oauth.refresh_token_kept`: after the runs, the newest refresh token the org gave out is
//! kept in a file of the lab folder, where the next run (and sflab) will find it.
//!
//! With rotation every refresh answers a new refresh token and retires the one sent, so a
//! scheduled job's memory is that one file. The lab's brief names where it lives — a file in
//! the lab folder — and `secrets.files_private` judges who may read it there. Without this
//! check a program keeping the token outside the lab folder (`/tmp/rt.json`, `$HOME`) would
//! pass `secrets.files_private` ("no file in the lab folder holds a secret") whatever the
//! file's mode: sflab cannot see, let alone judge, a file elsewhere.
//!
//! Implementation notes: the alternative — reading what a run wrote under its `TMPDIR` or
//! `HOME` — was set aside: a program can write anywhere it may (an absolute `/tmp/…` path
//! ignores `TMPDIR`), and sflab reading a learner's home folder would be a privacy problem of
//! its own. The file is recognised by the token's redaction marker
//! ([`crate::evidence::SecretFile::markers`]), so a file holding an older, retired token is
//! told apart from one holding the newest.

use super::super::cx::{is_success, show, Cx};
use super::super::Verdict;
use crate::evidence::Exchange;

/// The newest refresh token the org gave out: from the last successful token request whose
/// answer carries one (a refresh, a code exchange), with that request.
fn newest_refresh_token<'e>(cx: &Cx<'e>) -> Option<(&'e Exchange, String)> {
    cx.ev
        .exchanges
        .iter()
        .rev()
        .filter(|e| e.is_token_request() && is_success(e))
        .find_map(|e| {
            let token = e
                .response_json()?
                .get("refresh_token")?
                .as_str()?
                .to_string();
            Some((e, token))
        })
}

pub(crate) fn refresh_token_kept(cx: &Cx) -> Verdict {
    let Some((answer, newest)) = newest_refresh_token(cx) else {
        return cx.fail(
            "No token request was answered with a refresh token, so there was no newest one to \
             keep: refresh with the token you were given (SF_REFRESH_TOKEN) first.",
        );
    };
    let files = &cx.ev.secret_files;
    if let Some(f) = files.iter().find(|f| f.markers.contains(&newest)) {
        return cx
            .pass(format!(
                "{} keeps the newest refresh token (the one {} was answered with) for the next run.",
                f.path,
                show(answer)
            ))
            .with_evidence([answer.seq]);
    }
    let older: Vec<&str> = files
        .iter()
        .filter(|f| f.kinds.iter().any(|k| k == "refresh_token"))
        .map(|f| f.path.as_str())
        .collect();
    if !older.is_empty() {
        return cx
            .fail(format!(
                "{} {} a refresh token, but not the newest one (the one {} was answered with): \
                 with rotation the older ones are retired. Save the `refresh_token` of every \
                 answer, replacing the old one, before doing anything else.",
                older.join(", "),
                if older.len() == 1 { "holds" } else { "hold" },
                show(answer)
            ))
            .with_evidence([answer.seq]);
    }
    cx.fail(format!(
        "No file in the lab folder holds the newest refresh token (the one {} was answered with) \
         after the runs. Keep it where the brief says, in a file in the lab folder that only you \
         can read (`umask 077`), not in /tmp, your home folder or another place: sflab cannot \
         check who may read a file there, and shared folders are often readable by everyone on \
         the machine.",
        show(answer)
    ))
    .with_evidence([answer.seq])
}
