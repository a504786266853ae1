//! Requests too long for the HTTP library to read still get the org's explained JSON error.
//!
//! The org refuses a URI over 16 KiB itself with 414 URI_TOO_LONG and a body that says what to
//! do instead (`rest::gateway`). Over HTTP/1.1, hyper never hands it a URI over 64 KiB (the
//! `http` crate's URI type holds at most 65,534 bytes) nor a request head over its read buffer
//! (about 400 KiB): it answers those itself with a bare 414 or 431 and an empty body, then
//! closes the connection. [`Overlong`] sits between hyper and the socket and, when hyper
//! writes such an answer, writes the org's own error in its place.
//!
//! Implementation notes: hyper's own answer is recognised by its status (414 or 431) and its
//! `content-length: 0`, since every 414 or 431 the org writes has a JSON body. A 431 whose
//! request line never ended (no line feed read since the last answer) is a URI too long for
//! hyper's buffer, and becomes the 414 the URI deserves. Memory stays bounded: hyper keeps
//! its read limit, and this layer holds one flag and, briefly, the few hundred bytes of the
//! answer. Over HTTP/2 a URI over 64 KiB still resets the stream: the `h2` crate refuses it
//! before any service sees it, and no layer below can tell that stream's answer apart.

use super::rest::gateway::{HEADERS_TOO_LARGE_MESSAGE, URI_TOO_LONG_MESSAGE};
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A connection's IO, replacing hyper's bare 414/431 answers with the org's JSON errors.
pub struct Overlong<S> {
    inner: S,
    /// Was a line feed read since the last answer was written (the request line ended)?
    line_ended: bool,
    /// The replacement answer still to write, and how much of it is written.
    pending: Option<(Vec<u8>, usize)>,
}

impl<S> Overlong<S> {
    pub fn new(inner: S) -> Overlong<S> {
        Overlong {
            inner,
            line_ended: false,
            pending: None,
        }
    }
}

/// The org's answer in place of `head` when `head` is hyper's own bare 414 or 431, else None.
pub fn explained(head: &[u8], request_line_ended: bool) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(head).ok()?;
    let (status_line, rest) = text.split_once("\r\n")?;
    let status = status_line.split(' ').nth(1)?;
    let bare = rest
        .split("\r\n")
        .any(|h| h.eq_ignore_ascii_case("content-length: 0"));
    if !bare || !text.ends_with("\r\n\r\n") {
        return None;
    }
    let uri = match status {
        "414" => true,
        "431" => !request_line_ended,
        _ => return None,
    };
    let (line, code, message) = if uri {
        ("414 URI Too Long", "URI_TOO_LONG", URI_TOO_LONG_MESSAGE)
    } else {
        (
            "431 Request Header Fields Too Large",
            "REQUEST_HEADER_FIELDS_TOO_LARGE",
            HEADERS_TOO_LARGE_MESSAGE,
        )
    };
    // As the gateway's own refusal renders it (`rest::ApiError`).
    let body =
        serde_json::json!([{ "message": message, "errorCode": code, "fields": [] }]).to_string();
    let version = status_line.split(' ').next()?;
    let mut out = format!("{version} {line}\r\n");
    for h in rest.split("\r\n").filter(|h| !h.is_empty()) {
        if h.eq_ignore_ascii_case("content-length: 0") {
            out.push_str("content-type: application/json;charset=UTF-8\r\n");
            out.push_str(&format!("content-length: {}\r\n", body.len()));
        } else {
            out.push_str(h);
            out.push_str("\r\n");
        }
    }
    out.push_str("\r\n");
    out.push_str(&body);
    Some(out.into_bytes())
}

impl<S: AsyncWrite + Unpin> Overlong<S> {
    /// Writes what is left of a replacement answer; Ready once it is all written.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((bytes, done)) = &mut self.pending {
            if *done == bytes.len() {
                self.pending = None;
                break;
            }
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &bytes[*done..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *done += n;
        }
        Poll::Ready(Ok(()))
    }

    /// Takes `head` in place of writing it when it is hyper's bare answer.
    fn replace(&mut self, cx: &mut Context<'_>, head: &[u8]) -> Option<Poll<io::Result<usize>>> {
        let answer = explained(head, self.line_ended)?;
        self.pending = Some((answer, 0));
        // The replacement is hyper's to flush; what does not go now goes at the flush.
        Some(match self.drain(cx) {
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            _ => Poll::Ready(Ok(head.len())),
        })
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Overlong<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        ready!(Pin::new(&mut self.inner).poll_read(cx, buf))?;
        if buf.filled()[before..].contains(&b'\n') {
            self.line_ended = true;
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Overlong<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.drain(cx))?;
        if let Some(done) = self.replace(cx, buf) {
            return done;
        }
        let n = ready!(Pin::new(&mut self.inner).poll_write(cx, buf))?;
        self.line_ended = false;
        Poll::Ready(Ok(n))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        ready!(self.drain(cx))?;
        if let Some(first) = bufs.iter().find(|b| !b.is_empty()) {
            if let Some(done) = self.replace(cx, first) {
                return done;
            }
        }
        let n = ready!(Pin::new(&mut self.inner).poll_write_vectored(cx, bufs))?;
        self.line_ended = false;
        Poll::Ready(Ok(n))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BARE_414: &str = "HTTP/1.1 414 URI Too Long\r\nconnection: close\r\ncontent-length: 0\r\ndate: Tue, 01 Dec 2026 08:10:54 GMT\r\n\r\n";
    const BARE_431: &str = "HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\ndate: Tue, 01 Dec 2026 08:10:54 GMT\r\n\r\n";

    fn parts(answer: Vec<u8>) -> (String, String) {
        let text = String::from_utf8(answer).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        (head.to_string(), body.to_string())
    }

    #[test]
    fn hypers_bare_414_becomes_the_orgs_uri_too_long() {
        let (head, body) = parts(explained(BARE_414.as_bytes(), false).unwrap());
        assert!(head.starts_with("HTTP/1.1 414 URI Too Long\r\n"), "{head}");
        assert!(head.contains("content-type: application/json;charset=UTF-8"));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        assert!(head.contains("connection: close"));
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json[0]["errorCode"], "URI_TOO_LONG");
    }

    #[test]
    fn a_431_before_the_request_line_ended_is_a_uri_too_long() {
        let (head, body) = parts(explained(BARE_431.as_bytes(), false).unwrap());
        assert!(head.starts_with("HTTP/1.1 414 "), "{head}");
        assert!(body.contains("URI_TOO_LONG"));
        let (head, body) = parts(explained(BARE_431.as_bytes(), true).unwrap());
        assert!(head.starts_with("HTTP/1.1 431 "), "{head}");
        assert!(body.contains("REQUEST_HEADER_FIELDS_TOO_LARGE"));
    }

    #[test]
    fn the_orgs_own_answers_are_left_alone() {
        let own = "HTTP/1.1 414 URI Too Long\r\ncontent-type: application/json;charset=UTF-8\r\ncontent-length: 120\r\n\r\n";
        assert_eq!(explained(own.as_bytes(), true), None);
        let ok = "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(explained(ok.as_bytes(), true), None);
        assert_eq!(explained(b"[{\"message\":\"x\"}]", true), None);
    }
}
