//! A lean HTTP/1.1 load generator for the loopback benchmarks: pre-built request bytes written
//! on keep-alive connections, responses read just far enough to find their end (Content-Length
//! or chunked). It spends far less CPU per request than a general client, so on a small machine
//! the figures measure the servers rather than the client they share the cores with.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Mutex;

/// One server under load: its keep-alive connections and the request each sends.
pub struct Load {
    addr: SocketAddr,
    conns: Vec<Arc<Mutex<Option<Conn>>>>,
}

struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

/// `GET path` with the headers every target gets; `token` empty means no Authorization.
pub fn get_request(addr: SocketAddr, path: &str, token: &str) -> Arc<Vec<u8>> {
    let mut r = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: */*\r\n");
    if !token.is_empty() {
        r.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    r.push_str("\r\n");
    Arc::new(r.into_bytes())
}

impl Load {
    pub fn new(addr: SocketAddr, connections: usize) -> Load {
        Load {
            addr,
            conns: (0..connections)
                .map(|_| Arc::new(Mutex::new(None)))
                .collect(),
        }
    }

    /// `iters` requests spread over the connections; the wall time. Panics on any answer other
    /// than 200, so a broken target cannot post a fast figure.
    pub async fn hammer(&self, request: &Arc<Vec<u8>>, iters: u64) -> Duration {
        let start = Instant::now();
        let per = iters.div_ceil(self.conns.len() as u64);
        let mut tasks = Vec::with_capacity(self.conns.len());
        for slot in &self.conns {
            let slot = slot.clone();
            let request = request.clone();
            let addr = self.addr;
            tasks.push(tokio::spawn(async move {
                let mut slot = slot.lock().await;
                for _ in 0..per {
                    // A kept-alive connection the server closed while it sat idle (between
                    // benchmarks) is reopened and the request sent again, as HTTP clients
                    // do; a fresh connection closed before answering is a failure.
                    let mut fresh = false;
                    let keep = loop {
                        if slot.is_none() {
                            let stream = TcpStream::connect(addr).await.expect("connect");
                            stream.set_nodelay(true).expect("nodelay");
                            *slot = Some(Conn {
                                stream,
                                buf: Vec::with_capacity(8192),
                            });
                            fresh = true;
                        }
                        let conn = slot.as_mut().expect("connected");
                        let sent = conn.stream.write_all(&request).await.is_ok();
                        match sent.then_some(()) {
                            Some(()) => match read_response(conn).await {
                                Some(keep) => break keep,
                                None if !fresh => *slot = None,
                                None => panic!("the server closed a new connection unanswered"),
                            },
                            None if !fresh => *slot = None,
                            None => panic!("could not send on a new connection"),
                        }
                    };
                    if !keep {
                        *slot = None;
                    }
                }
            }));
        }
        for t in tasks {
            t.await.expect("load task");
        }
        start.elapsed()
    }
}

/// Reads one whole response; whether the connection may be used again, or `None` when the
/// server closed the connection before sending any of it.
async fn read_response(conn: &mut Conn) -> Option<bool> {
    let head_end = loop {
        if let Some(i) = find(&conn.buf, b"\r\n\r\n") {
            break i + 4;
        }
        if conn.buf.is_empty() {
            let mut chunk = [0u8; 16384];
            match conn.stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => conn.buf.extend_from_slice(&chunk[..n]),
            }
            continue;
        }
        fill(conn).await;
    };
    let head = std::str::from_utf8(&conn.buf[..head_end]).expect("ascii head");
    let status = head.split(' ').nth(1).unwrap_or("");
    assert_eq!(status, "200", "unexpected answer: {head}");
    let mut length = None;
    let mut chunked = false;
    let mut close = false;
    for line in head.lines().skip(1) {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let (k, v) = (k.trim(), v.trim());
        if k.eq_ignore_ascii_case("content-length") {
            length = v.parse::<usize>().ok();
        } else if k.eq_ignore_ascii_case("transfer-encoding") {
            chunked = v.eq_ignore_ascii_case("chunked");
        } else if k.eq_ignore_ascii_case("connection") {
            close = v.eq_ignore_ascii_case("close");
        }
    }
    conn.buf.drain(..head_end);
    if chunked {
        loop {
            let line_end = loop {
                if let Some(i) = find(&conn.buf, b"\r\n") {
                    break i;
                }
                fill(conn).await;
            };
            let size_text = std::str::from_utf8(&conn.buf[..line_end]).expect("chunk size");
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .expect("chunk size");
            let need = line_end + 2 + size + 2;
            while conn.buf.len() < need {
                fill(conn).await;
            }
            conn.buf.drain(..need);
            if size == 0 {
                break;
            }
        }
    } else {
        let n = length.expect("a response with neither Content-Length nor chunked body");
        while conn.buf.len() < n {
            fill(conn).await;
        }
        conn.buf.drain(..n);
    }
    Some(!close)
}

async fn fill(conn: &mut Conn) {
    let mut chunk = [0u8; 16384];
    let n = conn.stream.read(&mut chunk).await.expect("read");
    assert!(n > 0, "the server closed the connection mid-response");
    conn.buf.extend_from_slice(&chunk[..n]);
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
