//! Reading a request's body at the proxy, telling a body too large to forward from a client
//! that stopped sending part-way (it hung up, or a program was stopped): the first is answered
//! 413, the second has nobody left to answer, and is recorded with no response and how much
//! of the body came.

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;

/// Why a request body was not read to its end.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum BodyCut {
    /// More than the proxy forwards.
    TooLarge,
    /// The client stopped sending after `received` bytes: it closed the connection (or reset
    /// its HTTP/2 stream), with `declared` bytes promised by `Content-Length` when it said.
    ClientStopped {
        received: u64,
        declared: Option<u64>,
        closed: bool,
        cause: String,
    },
}

impl BodyCut {
    /// The record's error for a client that stopped sending, as a sentence for the transcript.
    pub(super) fn describe(&self) -> Option<String> {
        let BodyCut::ClientStopped {
            received,
            declared,
            closed,
            cause,
        } = self
        else {
            return None;
        };
        let how_much = match declared {
            Some(total) => format!("{received} of {total} body bytes"),
            None => format!("{received} body bytes, before the end of its chunked body"),
        };
        Some(if *closed {
            format!("the client closed the connection after {how_much}, so the request never reached the org and nothing answered it")
        } else {
            format!("the client stopped sending after {how_much} ({cause}), so the request never reached the org and nothing answered it")
        })
    }
}

/// The whole body of a request, at most `max` bytes; `declared` is its `Content-Length`.
pub(super) async fn read<B>(
    mut body: B,
    max: usize,
    declared: Option<u64>,
) -> Result<Bytes, BodyCut>
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
    B::Error: std::error::Error + 'static,
{
    if declared.is_some_and(|n| n > max as u64) {
        return Err(BodyCut::TooLarge);
    }
    let mut out = BytesMut::new();
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => {
                if let Ok(data) = frame.into_data() {
                    if out.len() + data.len() > max {
                        return Err(BodyCut::TooLarge);
                    }
                    out.extend_from_slice(&data);
                }
            }
            Err(e) => {
                return Err(BodyCut::ClientStopped {
                    received: out.len() as u64,
                    declared,
                    closed: is_closed_connection(&e),
                    cause: e.to_string(),
                })
            }
        }
    }
    Ok(out.freeze())
}

/// Whether a body error is the connection ending early (rather than, say, a malformed chunk).
fn is_closed_connection(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if let Some(h) = err.downcast_ref::<hyper::Error>() {
            if h.is_incomplete_message() || h.is_closed() {
                return true;
            }
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if matches!(
                io.kind(),
                std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
            ) {
                return true;
            }
        }
        source = err.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::{Full, StreamBody};
    use hyper::body::Frame;

    #[tokio::test]
    async fn a_body_within_the_limit_is_read_whole() {
        let body = Full::new(Bytes::from_static(b"{\"Name\":\"A\"}"));
        assert_eq!(
            read(body, 100, Some(12)).await.unwrap(),
            Bytes::from_static(b"{\"Name\":\"A\"}")
        );
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_too_large() {
        let body = Full::new(Bytes::from_static(b"0123456789"));
        assert_eq!(read(body, 4, None).await, Err(BodyCut::TooLarge));
        let declared = Full::new(Bytes::new());
        assert_eq!(read(declared, 4, Some(5)).await, Err(BodyCut::TooLarge));
    }

    #[tokio::test]
    async fn a_client_that_hangs_up_mid_body_is_told_apart_from_a_large_body() {
        let eof = std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "early eof");
        let frames: Vec<Result<Frame<Bytes>, std::io::Error>> = vec![
            Ok(Frame::data(Bytes::from_static(b"{\"Name\":\"Half"))),
            Err(eof),
        ];
        let body = StreamBody::new(futures::stream::iter(frames));
        let cut = read(body, 1 << 20, Some(1000)).await.unwrap_err();
        assert_eq!(
            cut.describe().as_deref(),
            Some("the client closed the connection after 13 of 1000 body bytes, so the request never reached the org and nothing answered it")
        );
        assert_eq!(BodyCut::TooLarge.describe(), None);
    }
}
