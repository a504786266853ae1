//! Whether a request's body was read to its end before the answer went out.
//!
//! An answer given without reading the body (a 401 before the upload, a 404 for an unknown
//! path) leaves the body's bytes in the connection; the server then drops the connection
//! rather than read them, and a client that reuses it for its next call fails with "socket
//! hang up". Such answers say `Connection: close`, so the client opens a fresh connection.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use hyper::body::{Body as HttpBody, Frame, SizeHint};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

/// A body that notes when it has been read to the end.
struct Tracked {
    inner: Body,
    ended: Arc<AtomicBool>,
}

impl HttpBody for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) || self.inner.is_end_stream() {
            self.ended.store(true, Ordering::Relaxed);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Watches one request's body.
pub struct BodyWatch {
    ended: Arc<AtomicBool>,
    has_body: bool,
}

impl BodyWatch {
    /// Wraps `body`; `headers` tell whether the request carries one at all.
    pub fn wrap(headers: &HeaderMap, body: Body) -> (BodyWatch, Body) {
        let declared = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let has_body = match declared {
            Some(n) => n > 0,
            None => headers.contains_key(header::TRANSFER_ENCODING),
        };
        let ended = Arc::new(AtomicBool::new(body.is_end_stream()));
        let watch = BodyWatch {
            ended: ended.clone(),
            has_body,
        };
        (watch, Body::new(Tracked { inner: body, ended }))
    }

    /// Marks `resp` `Connection: close` when the body was left unread.
    pub fn settle(&self, resp: &mut Response) {
        if self.has_body && !self.ended.load(Ordering::Relaxed) {
            resp.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_length(n: usize) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(n));
        h
    }

    #[tokio::test]
    async fn an_unread_body_closes_the_connection_and_a_read_one_does_not() {
        let (watch, _body) = BodyWatch::wrap(&with_length(5), Body::from("hello"));
        let mut resp = Response::new(Body::empty());
        watch.settle(&mut resp);
        assert_eq!(resp.headers()[header::CONNECTION], "close");

        let (watch, body) = BodyWatch::wrap(&with_length(5), Body::from("hello"));
        let read = axum::body::to_bytes(body, 1024).await.unwrap();
        assert_eq!(&read[..], b"hello");
        let mut resp = Response::new(Body::empty());
        watch.settle(&mut resp);
        assert!(resp.headers().get(header::CONNECTION).is_none());
    }

    #[tokio::test]
    async fn a_request_without_a_body_keeps_the_connection() {
        let (watch, _body) = BodyWatch::wrap(&HeaderMap::new(), Body::empty());
        let mut resp = Response::new(Body::empty());
        watch.settle(&mut resp);
        assert!(resp.headers().get(header::CONNECTION).is_none());
    }
}
