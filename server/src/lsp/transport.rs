//! A guard between stdio and the framework's transport.
//!
//! tower-lsp-server's reader stops reading for good after the first message it cannot
//! decode (a body that is not UTF-8, not JSON, or not a JSON-RPC message): one malformed
//! message would end the session. It also buffers a body of any announced length. So input
//! goes through [`filter_input`] first, which frames messages itself, forwards only those the
//! framework accepts, answers the others with JSON-RPC errors (`-32700` parse error, `-32600`
//! invalid request, with the message's id when it has one), bounds header lines and bodies
//! ([`MAX_HEADER_LINE`], [`MAX_BODY`]; a larger body is skipped without being buffered) and
//! resynchronises on the next `Content-Length` after garbage. [`merge_output`] interleaves
//! those errors with the framework's output at message boundaries.

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc::{Request, Response};

use super::log::log;

/// The longest header line kept; longer lines are garbage and skipped.
pub(crate) const MAX_HEADER_LINE: usize = 8 << 10;
/// The largest message body accepted (an editor's `didOpen` of a very large file fits).
pub(crate) const MAX_BODY: usize = 128 << 20;

fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

fn error_frame(id: Value, code: i64, message: &str) -> Vec<u8> {
    let id = match id {
        Value::Number(_) | Value::String(_) => id,
        _ => Value::Null,
    };
    let msg = json!({"jsonrpc": "2.0", "error": {"code": code, "message": message}, "id": id});
    frame(msg.to_string().as_bytes())
}

/// What to do with one message body.
fn check_body(body: &[u8]) -> Result<(), Vec<u8>> {
    let Ok(text) = std::str::from_utf8(body) else {
        return Err(error_frame(
            Value::Null,
            -32700,
            "message body is not UTF-8",
        ));
    };
    if text.trim().is_empty() {
        return Err(error_frame(Value::Null, -32700, "empty message body"));
    }
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return Err(error_frame(
                Value::Null,
                -32700,
                &format!("invalid JSON: {e}"),
            ))
        }
    };
    if serde_json::from_value::<Response>(value.clone()).is_ok()
        || serde_json::from_value::<Request>(value.clone()).is_ok()
    {
        return Ok(());
    }
    let id = value.get("id").cloned().unwrap_or(Value::Null);
    Err(error_frame(
        id,
        -32600,
        "not a JSON-RPC 2.0 request, notification or response",
    ))
}

/// Reads one line of at most [`MAX_HEADER_LINE`] bytes (without its terminator). `None` at end
/// of input; `Some(None)` for an over-long line, which is skipped.
async fn read_header_line<R: AsyncRead + Unpin>(
    r: &mut BufReader<R>,
) -> std::io::Result<Option<Option<Vec<u8>>>> {
    let mut line = Vec::new();
    let mut too_long = false;
    loop {
        let buf = r.fill_buf().await?;
        if buf.is_empty() {
            return Ok(if line.is_empty() && !too_long {
                None
            } else {
                Some((!too_long).then_some(line))
            });
        }
        let (chunk, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i + 1], true),
            None => (buf, false),
        };
        let n = chunk.len();
        if !too_long {
            if line.len() + n > MAX_HEADER_LINE {
                too_long = true;
                line.clear();
            } else {
                line.extend_from_slice(chunk);
            }
        }
        r.consume(n);
        if done {
            while matches!(line.last(), Some(b'\n' | b'\r')) {
                line.pop();
            }
            return Ok(Some((!too_long).then_some(line)));
        }
    }
}

/// Forwards well-formed messages from `input` to `server`, sending error responses for the
/// others to `errors`. Returns at the end of input (or when the server side is gone).
pub(crate) async fn filter_input<I, S>(input: I, mut server: S, errors: mpsc::Sender<Vec<u8>>)
where
    I: AsyncRead + Unpin,
    S: AsyncWrite + Unpin,
{
    let mut r = BufReader::new(input);
    let mut content_length: Option<Result<usize, ()>> = None;
    let mut in_header = false;
    loop {
        let line = match read_header_line(&mut r).await {
            Ok(Some(line)) => line,
            Ok(None) | Err(_) => return,
        };
        let Some(line) = line else {
            continue;
        };
        if line.is_empty() {
            if !in_header {
                continue;
            }
            in_header = false;
            let len = match content_length.take() {
                Some(Ok(len)) => len,
                Some(Err(())) | None => {
                    let e = error_frame(Value::Null, -32700, "missing or invalid Content-Length");
                    if errors.send(e).await.is_err() {
                        return;
                    }
                    continue;
                }
            };
            if len > MAX_BODY {
                log!(Warn, "skipping a {len}-byte message (limit {MAX_BODY})");
                let skipped =
                    tokio::io::copy(&mut (&mut r).take(len as u64), &mut tokio::io::sink())
                        .await
                        .unwrap_or(0);
                let e = error_frame(Value::Null, -32700, "message too large; skipped");
                if skipped < len as u64 || errors.send(e).await.is_err() {
                    return;
                }
                continue;
            }
            let mut body = vec![0; len];
            if r.read_exact(&mut body).await.is_err() {
                return;
            }
            match check_body(&body) {
                Ok(()) => {
                    if server.write_all(&frame(&body)).await.is_err()
                        || server.flush().await.is_err()
                    {
                        return;
                    }
                }
                Err(e) => {
                    if errors.send(e).await.is_err() {
                        return;
                    }
                }
            }
            continue;
        }
        // A header line; garbage before a header (the tail of a body whose Content-Length was
        // too short) is skipped up to the next `Content-Length`.
        let text = String::from_utf8_lossy(&line);
        let header = match text.find("Content-Length") {
            Some(i) => &text[i..],
            None if in_header => &text[..],
            None => continue,
        };
        in_header = true;
        if let Some((name, value)) = header.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                content_length = Some(value.trim().parse::<usize>().map_err(|_| ()));
            }
        }
    }
}

/// Copies the framework's output to `output` message by message, writing queued error
/// responses between messages. Returns when the framework's output ends.
pub(crate) async fn merge_output<S, O>(server: S, mut errors: mpsc::Receiver<Vec<u8>>, output: O)
where
    S: AsyncRead + Unpin,
    O: AsyncWrite,
{
    let mut output = std::pin::pin!(output);
    // Frames are read on their own so that no read is ever cancelled halfway.
    let (frames_tx, mut frames) = mpsc::channel::<Vec<u8>>(16);
    let reader = async move {
        let mut r = BufReader::new(server);
        while let Some(msg) = read_frame(&mut r).await {
            if frames_tx.send(msg).await.is_err() {
                break;
            }
        }
    };
    let writer = async {
        loop {
            let msg = tokio::select! {
                biased;
                msg = frames.recv() => match msg {
                    Some(msg) => msg,
                    None => break,
                },
                Some(e) = errors.recv() => e,
            };
            if output.write_all(&msg).await.is_err() || output.flush().await.is_err() {
                // The client is gone; keep draining so the framework is not blocked.
                while frames.recv().await.is_some() {}
                break;
            }
        }
        let _ = output.flush().await;
    };
    tokio::join!(reader, writer);
}

/// One whole message as the framework wrote it (headers and body).
async fn read_frame<S: AsyncRead + Unpin>(r: &mut BufReader<S>) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut len = 0usize;
    loop {
        let start = out.len();
        if r.read_until(b'\n', &mut out).await.ok()? == 0 {
            return None;
        }
        let line = String::from_utf8_lossy(&out[start..]).trim().to_string();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length:") {
            len = v.trim().parse().ok()?;
        }
    }
    let start = out.len();
    out.resize(start + len, 0);
    r.read_exact(&mut out[start..]).await.ok()?;
    Some(out)
}
