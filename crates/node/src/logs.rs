//! Following an app's output. Each node keeps, per app and stream, the
//! bytes from `base` (where the app's output stood when it arrived) on; a
//! follower reads from any offset and is told where to go on: `moved` to
//! the next node at the offset where the app continued there, or back to
//! the previous node (`came_from`) for bytes written before it arrived.
//! Offsets are the same on every node, so nothing is sent twice or skipped.

use crate::api::{AppState, OutputRecord};
use crate::error::NodeError;
use crate::node::Node;
use crate::store::Stream;
use base64::Engine as _;
use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;
use std::time::Duration;

/// How often a follower looks for new output.
const POLL: Duration = Duration::from_millis(20);
const CHUNK: usize = 64 * 1024;

/// Streams records (one JSON line each) into `tx` until the output ends
/// here, or, without `follow`, until what is there now was sent. Checks
/// the app first, so that an unknown app is an error, not an empty stream.
pub fn follow(
    node: Arc<Node>,
    id: String,
    stream: Stream,
    offset: u64,
    follow: bool,
) -> Result<tokio::sync::mpsc::Receiver<Vec<u8>>, NodeError> {
    node.app(&id)?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<u8>>(16);
    std::thread::Builder::new()
        .name(format!("follow-{id}"))
        .spawn(move || {
            let send = |r: OutputRecord| {
                let mut line = serde_json::to_vec(&r).expect("records serialise");
                line.push(b'\n');
                tx.blocking_send(line).is_ok()
            };
            let mut offset = offset;
            loop {
                // The state first, then the bytes: everything written before
                // the app's run here ended is read before the last record.
                let Ok(info) = node.app(&id) else { return };
                let base = match stream {
                    Stream::Stdout => info.stdout.base,
                    Stream::Stderr => info.stderr.base,
                };
                if offset < base {
                    if let Some(from) = info.came_from {
                        send(OutputRecord::Moved { offset, to: from });
                    }
                    return;
                }
                match read_from(&node, &id, stream, offset - base, offset, &send) {
                    Ok(n) => offset += n,
                    Err(()) => return,
                }
                if info.state.is_final() {
                    let last = match (info.state, info.moved_to) {
                        (AppState::Moved, Some(to)) => OutputRecord::Moved { offset, to },
                        (state, _) => OutputRecord::End {
                            offset,
                            state,
                            exit_code: info.exit_code,
                        },
                    };
                    send(last);
                    return;
                }
                if !follow {
                    return;
                }
                std::thread::sleep(POLL);
                if tx.is_closed() {
                    return;
                }
            }
        })
        .map_err(NodeError::io("spawning a follower"))?;
    Ok(rx)
}

/// Sends the log's bytes from `at` (relative to its base; `offset` is the
/// same place in the whole stream) to its end; returns how many. `Err`
/// when the follower went away.
fn read_from(
    node: &Node,
    id: &str,
    stream: Stream,
    at: u64,
    offset: u64,
    send: &impl Fn(OutputRecord) -> bool,
) -> Result<u64, ()> {
    let Ok(mut file) = std::fs::File::open(node.store.log_path(id, stream)) else {
        return Ok(0);
    };
    if file.seek(SeekFrom::Start(at)).is_err() {
        return Ok(0);
    }
    let mut done = 0u64;
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) | Err(_) => return Ok(done),
            Ok(n) => n,
        };
        let data = base64::engine::general_purpose::STANDARD.encode(&buf[..n]);
        if !send(OutputRecord::Data {
            offset: offset + done,
            data,
        }) {
            return Err(());
        }
        done += n as u64;
    }
}

/// Decodes a data record's bytes (for clients).
pub fn decode_data(data: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|e| format!("bad data record: {e}"))
}
