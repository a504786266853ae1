//! The loopback callback server of the web server flow: waits on 127.0.0.1 for the browser's
//! redirect (`GET /OauthRedirect?code=…&state=…`), checks the state, answers a short page
//! telling the learner to return to the terminal, and hands back the code.
//!
//! Implementation notes: one tiny HTTP/1.1 reader is enough here (one GET line from a
//! browser); other paths (a browser's `/favicon.ico`) get 404 and the wait goes on.

use super::error::SandboxError;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the redirect carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackOutcome {
    Code(String),
    /// The org (or the learner) refused: `error`, `error_description`.
    Denied(String, String),
}

/// Reads the request target out of `GET <target> HTTP/1.1`.
pub fn request_target(head: &str) -> Option<&str> {
    let line = head.lines().next()?;
    let mut parts = line.split(' ');
    (parts.next()? == "GET").then_some(())?;
    parts.next()
}

/// Decides what a request target on the callback path means (`None`: another path).
pub fn read_callback(
    target: &str,
    path: &str,
    state: &str,
) -> Option<Result<CallbackOutcome, String>> {
    let (p, query) = target.split_once('?').unwrap_or((target, ""));
    if p != path {
        return None;
    }
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if get("state").as_deref() != Some(state) {
        return Some(Err(
            "the redirect's state does not match the one sflab sent; the login was not finished (try again)".into(),
        ));
    }
    if let Some(e) = get("error") {
        return Some(Ok(CallbackOutcome::Denied(
            e,
            get("error_description").unwrap_or_default(),
        )));
    }
    Some(match get("code") {
        Some(c) if !c.is_empty() => Ok(CallbackOutcome::Code(c)),
        _ => Err("the redirect carried no authorization code".into()),
    })
}

const PAGE_OK: &str = "<!doctype html><title>sflab</title><p>sflab received the sign-in. Return to the terminal: sflab finishes the login there and says whether it worked. You can close this tab.</p>";
const PAGE_FAIL: &str = "<!doctype html><title>sflab</title><p>sflab could not finish the login; the terminal says why.</p>";

async fn answer(stream: &mut tokio::net::TcpStream, status: &str, page: &str) {
    let text = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
        page.len()
    );
    let _ = stream.write_all(text.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Waits for the redirect on `listener` at `path`, up to `timeout`.
pub async fn wait_for_code(
    listener: &TcpListener,
    path: &str,
    state: &str,
    timeout: Duration,
) -> Result<String, SandboxError> {
    let wait = async {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                continue;
            };
            let mut buf = vec![0u8; 16 * 1024];
            let mut len = 0;
            // Read until the end of the request head (or the buffer is full).
            while len < buf.len() {
                match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf[len..]))
                    .await
                {
                    Ok(Ok(0)) | Err(_) | Ok(Err(_)) => break,
                    Ok(Ok(n)) => {
                        len += n;
                        if buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
                            break;
                        }
                    }
                }
            }
            let head = String::from_utf8_lossy(&buf[..len]).to_string();
            let decided = request_target(&head).and_then(|t| read_callback(t, path, state));
            match decided {
                None => answer(&mut stream, "404 Not Found", "").await,
                Some(Ok(CallbackOutcome::Code(code))) => {
                    answer(&mut stream, "200 OK", PAGE_OK).await;
                    return Ok(code);
                }
                Some(Ok(CallbackOutcome::Denied(error, description))) => {
                    answer(&mut stream, "200 OK", PAGE_FAIL).await;
                    return Err(SandboxError::LoginRefused { error, description });
                }
                Some(Err(reason)) => {
                    answer(&mut stream, "400 Bad Request", PAGE_FAIL).await;
                    return Err(SandboxError::Refused(reason));
                }
            }
        }
    };
    tokio::time::timeout(timeout, wait).await.map_err(|_| {
        SandboxError::Refused(format!(
            "no browser came back to the callback within {} seconds; run `sflab org login` again and finish the login in the browser",
            timeout.as_secs()
        ))
    })?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_with_matching_state_gives_the_code() {
        let got = read_callback(
            "/OauthRedirect?code=aPrx%3D%3D&state=s1",
            "/OauthRedirect",
            "s1",
        );
        assert_eq!(got, Some(Ok(CallbackOutcome::Code("aPrx==".into()))));
    }

    #[test]
    fn callback_with_another_state_is_refused_and_other_paths_ignored() {
        assert!(matches!(
            read_callback("/OauthRedirect?code=x&state=evil", "/OauthRedirect", "s1"),
            Some(Err(_))
        ));
        assert_eq!(read_callback("/favicon.ico", "/OauthRedirect", "s1"), None);
        assert_eq!(request_target("GET /a?b HTTP/1.1\r\n"), Some("/a?b"));
        assert_eq!(request_target("POST /a HTTP/1.1\r\n"), None);
    }

    #[test]
    fn denial_carries_the_orgs_reason() {
        let got = read_callback(
            "/cb?error=access_denied&error_description=end-user+denied&state=s",
            "/cb",
            "s",
        );
        assert_eq!(
            got,
            Some(Ok(CallbackOutcome::Denied(
                "access_denied".into(),
                "end-user denied".into()
            )))
        );
    }
}
