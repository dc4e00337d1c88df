//! The answers hyper writes by itself, before any request reaches the router: 400 for a
//! request it can't parse, 414 for a URI over its limit and 431 for headers over its limit
//! (hyper's `on_error`), each with an empty body. hyper has no hook for them, so the
//! connection's writes pass through `JsonConnectionErrors`, which swaps such a head for the
//! same status in the API's JSON error shape. A response from the router always carries
//! `x-content-type-options` (see `protective_headers`), hyper's own never does: that is how
//! the two are told apart.
//!
//! The request could not be read, so its `Accept` is unknown: the answer is JSON, like every
//! other error of the API (the accept page's browsers accept `*/*`).

use crate::api::{ErrorBody, ErrorDetail};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A connection whose automatic error answers are rewritten in the JSON error shape.
pub struct JsonConnectionErrors<S> {
    inner: S,
    /// A rewritten answer not yet fully written, and how much of it is.
    pending: Vec<u8>,
    written: usize,
}

impl<S> JsonConnectionErrors<S> {
    pub fn new(inner: S) -> Self {
        JsonConnectionErrors {
            inner,
            pending: Vec::new(),
            written: 0,
        }
    }
}

impl<S: AsyncWrite + Unpin> JsonConnectionErrors<S> {
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.pending.len() {
            let n =
                ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.pending.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }

    /// If `buf` starts with one of hyper's automatic answers: takes it in place of `buf` and
    /// returns how many bytes of `buf` that answer was.
    fn replace(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Option<io::Result<usize>> {
        let (head_len, json) = json_for_automatic_answer(buf)?;
        self.pending = json;
        self.written = 0;
        // Written now as far as the socket takes it; the rest by the next write or flush.
        match self.drain(cx) {
            Poll::Ready(Err(e)) => Some(Err(e)),
            _ => Some(Ok(head_len)),
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for JsonConnectionErrors<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for JsonConnectionErrors<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.drain(cx))?;
        if let Some(replaced) = self.replace(cx, buf) {
            return Poll::Ready(replaced);
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        ready!(self.drain(cx))?;
        if let Some(first) = bufs.iter().find(|b| !b.is_empty())
            && let Some(replaced) = self.replace(cx, first)
        {
            return Poll::Ready(replaced);
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
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

/// The JSON answer for a head hyper wrote by itself, with the length of that head.
fn json_for_automatic_answer(buf: &[u8]) -> Option<(usize, Vec<u8>)> {
    let rest = buf
        .strip_prefix(b"HTTP/1.1 ")
        .or_else(|| buf.strip_prefix(b"HTTP/1.0 "))?;
    let status = std::str::from_utf8(rest.get(..3)?).ok()?;
    let (code, message) = match status {
        "400" => (
            "malformed_request",
            "the request could not be read as HTTP/1.1 (a malformed request line or header); check the client or the proxy in front of the server",
        ),
        "414" => (
            "uri_too_long",
            "the request's address is over the server's limit; send the data in the body instead",
        ),
        "431" => (
            "headers_too_large",
            "the request's headers are over the server's limit (about 400 KiB or 100 headers); send fewer or smaller headers, or clear the site's cookies",
        ),
        _ => return None,
    };
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
    if head.contains("x-content-type-options") {
        return None;
    }
    let reason = String::from_utf8_lossy(&rest[..rest.iter().position(|b| *b == b'\r')?]);
    let body = serde_json::to_vec(&ErrorBody {
        error: ErrorDetail {
            code: code.into(),
            message: message.into(),
            field: None,
            core: None,
        },
    })
    .ok()?;
    let mut answer = format!(
        "HTTP/1.1 {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\ncache-control: no-store\r\nx-content-type-options: nosniff\r\n\r\n",
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(&body);
    Some((end, answer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hypers_own_answers_are_rewritten() {
        let bare = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: Thu, 01 Jan 2026 00:00:00 GMT\r\n\r\n";
        let (len, json) = json_for_automatic_answer(bare).unwrap();
        assert_eq!(len, bare.len());
        let json = String::from_utf8(json).unwrap();
        assert!(json.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        let body: ErrorBody = serde_json::from_str(json.split("\r\n\r\n").nth(1).unwrap()).unwrap();
        assert_eq!(body.error.code, "headers_too_large");
        let ours = b"HTTP/1.1 400 Bad Request\r\nx-content-type-options: nosniff\r\ncontent-length: 2\r\n\r\n{}";
        assert!(json_for_automatic_answer(ours).is_none());
        assert!(json_for_automatic_answer(b"HTTP/1.1 200 OK\r\n\r\n").is_none());
        assert!(json_for_automatic_answer(b"HTTP/1.1 4").is_none());
    }
}
