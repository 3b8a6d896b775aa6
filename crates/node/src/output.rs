//! Following an app's output (`GET /v1/apps/{id}/output`). A follower
//! reads from any offset of the whole stream and is told where to go on:
//! `moved` to the next node at the offset where the app continued there,
//! back to the previous node (`came_from`) for bytes written before it
//! arrived, `skipped` over bytes rotated away. It sleeps until the app's
//! output or state changes (`Notify`), never on a timer.

use crate::api::{AppState, OutputRecord};
use crate::error::NodeError;
use crate::node::Node;
use crate::store::Stream;
use std::sync::Arc;
use std::time::Duration;

/// A safety net: a follower looks again at least this often.
const RECHECK: Duration = Duration::from_secs(1);

/// Streams records (one JSON line each) into the returned channel until the
/// output ends here, or, without `follow`, until what is there now was
/// sent. Checks the app first, so that an unknown app is an error, not an
/// empty stream.
pub fn follow(
    node: Arc<Node>,
    id: String,
    stream: Stream,
    offset: u64,
    follow: bool,
) -> Result<tokio::sync::mpsc::Receiver<Vec<u8>>, NodeError> {
    let slot = node.apps.get(&id)?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<u8>>(16);
    std::thread::Builder::new()
        .name(format!("follow-{id}"))
        .spawn(move || {
            let mut send = |r: OutputRecord| {
                let mut line = serde_json::to_vec(&r).expect("records serialise");
                line.push(b'\n');
                tx.blocking_send(line).is_ok()
            };
            let mut offset = offset;
            loop {
                let seen = slot.notify.generation();
                // The state first, then the bytes: everything written before
                // the app's run here ended is read before the last record.
                let info = slot.info();
                let arrived = match stream {
                    Stream::Stdout => info.stdout.arrived,
                    Stream::Stderr => info.stderr.arrived,
                };
                let logs = slot.lock().logs.clone();
                if offset < arrived {
                    // An earlier stay here may hold it; else the node before.
                    let at = match &logs {
                        Some(l) => match l.send_stint(stream, offset, &mut send) {
                            Some(at) => at,
                            None => return,
                        },
                        None => offset,
                    };
                    if at > offset {
                        offset = at;
                        continue;
                    }
                    if let Some(from) = info.came_from {
                        send(OutputRecord::Moved { offset, to: from });
                    }
                    return;
                }
                if let Some(logs) = logs {
                    match logs.send_from(stream, offset, &mut send) {
                        Some(at) => offset = at,
                        None => return,
                    }
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
                // A node going down ends the stream early: the follower
                // tries again and finds the app when the node is back.
                if !follow || node.is_shutting_down() {
                    return;
                }
                slot.notify.wait(seen, RECHECK);
                if tx.is_closed() {
                    return;
                }
            }
        })
        .map_err(NodeError::io("spawning a follower"))?;
    Ok(rx)
}
