//! Pre-copy for live migration: while the app runs, the source sends the
//! memory chunks that changed since the last round (the snapshot layer's
//! `MemoryReader`), the target accumulates them; once paused, only the
//! final delta travels. Both sides append every round to `MID.rounds` in
//! their state directory outside the pause, so that the journaled delta
//! (`MID.snap`) plus the rounds rebuild the full snapshot after a crash.
//!
//! Round encoding (also the body of `POST /v1/migrations/{id}/precopy`):
//! `u32` image count, then per image `u32` memory index, `u64` pages,
//! `u32` run count, and per run `u64` offset, `u64` length, the bytes; all
//! little-endian. `MID.rounds` is a sequence of `u64` length + round.

use crate::error::NodeError;
use crate::node::{Node, lock};
use continuum_snapshot::format::{MemoryImage, MemoryRun};
use continuum_snapshot::{Accumulator, Snapshot};
use std::io::Write;
use std::path::Path;

/// At most this many rounds; fewer when a round sends little.
pub(crate) const MAX_ROUNDS: u32 = 5;
/// A round smaller than this ends pre-copy: the pause will be short.
pub(crate) const SMALL_ROUND: u64 = 256 * 1024;

pub fn encode(images: &[MemoryImage]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(images.len() as u32).to_le_bytes());
    for i in images {
        out.extend_from_slice(&i.index.to_le_bytes());
        out.extend_from_slice(&i.pages.to_le_bytes());
        out.extend_from_slice(&(i.runs.len() as u32).to_le_bytes());
        for r in &i.runs {
            out.extend_from_slice(&r.offset.to_le_bytes());
            out.extend_from_slice(&(r.data.len() as u64).to_le_bytes());
            out.extend_from_slice(&r.data);
        }
    }
    out
}

pub fn decode(mut b: &[u8]) -> Result<Vec<MemoryImage>, NodeError> {
    fn take<'a>(b: &mut &'a [u8], n: usize) -> Result<&'a [u8], NodeError> {
        if b.len() < n {
            return Err(NodeError::BadRequest("truncated pre-copy round".into()));
        }
        let (head, rest) = b.split_at(n);
        *b = rest;
        Ok(head)
    }
    let u32_ = |b: &mut &[u8]| take(b, 4).map(|s| u32::from_le_bytes(s.try_into().expect("4")));
    let u64_ = |b: &mut &[u8]| take(b, 8).map(|s| u64::from_le_bytes(s.try_into().expect("8")));
    let n = u32_(&mut b)?;
    let mut images = Vec::new();
    for _ in 0..n {
        let index = u32_(&mut b)?;
        let pages = u64_(&mut b)?;
        let runs_n = u32_(&mut b)?;
        let mut runs = Vec::new();
        for _ in 0..runs_n {
            let offset = u64_(&mut b)?;
            let len = usize::try_from(u64_(&mut b)?)
                .map_err(|_| NodeError::BadRequest("pre-copy run too long".into()))?;
            runs.push(MemoryRun {
                offset,
                data: take(&mut b, len)?.to_vec(),
            });
        }
        images.push(MemoryImage { index, pages, runs });
    }
    if !b.is_empty() {
        return Err(NodeError::BadRequest(
            "trailing bytes after a pre-copy round".into(),
        ));
    }
    Ok(images)
}

/// Appends one round to `MID.rounds` (synced before the pause by [`sync`]).
pub(crate) fn append(path: &Path, round: &[u8]) -> Result<(), NodeError> {
    let what = || format!("appending to {}", path.display());
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(NodeError::io(what()))?;
    f.write_all(&(round.len() as u64).to_le_bytes())
        .and_then(|()| f.write_all(round))
        .map_err(NodeError::io(what()))
}

pub(crate) fn sync(path: &Path) -> Result<(), NodeError> {
    match std::fs::File::open(path) {
        Ok(f) => f
            .sync_all()
            .map_err(NodeError::io(format!("syncing {}", path.display()))),
        Err(_) => Ok(()),
    }
}

/// The full snapshot a journaled delta stands for: the rounds in
/// `MID.rounds` applied, then the delta.
pub(crate) fn complete_from_rounds(
    rounds_path: &Path,
    delta: Snapshot,
) -> Result<Snapshot, String> {
    let bytes =
        std::fs::read(rounds_path).map_err(|e| format!("{}: {e}", rounds_path.display()))?;
    let mut acc = Accumulator::default();
    let mut b = &bytes[..];
    while !b.is_empty() {
        let len = b.get(..8).ok_or("truncated rounds file")?;
        let len = u64::from_le_bytes(len.try_into().expect("8")) as usize;
        let round = b.get(8..8 + len).ok_or("truncated rounds file")?;
        acc.apply(&decode(round).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
        b = &b[8 + len..];
    }
    acc.complete(delta).map_err(|e| e.to_string())
}

/// Target: `POST /v1/migrations/{id}/precopy`: one round while the app
/// still runs at the source.
pub fn receive_round(node: &Node, id: &str, body: &[u8]) -> Result<(), NodeError> {
    crate::error::check_id(id)?;
    let images = decode(body)?;
    if let Some(m) = lock(&node.migrations).get(id) {
        return Err(NodeError::MigrationDecided {
            id: id.to_string(),
            state: format!("{:?}", m.record.state).to_lowercase(),
        });
    }
    let mut pre = lock(&node.precopy);
    let (acc, rounds) = pre.entry(id.to_string()).or_default();
    acc.apply(&images)?;
    *rounds += 1;
    append(&node.store.rounds_path(id), body)
}

/// Target: the accumulated rounds of `id`, checked against what the source
/// says it sent.
pub(crate) fn take(node: &Node, id: &str, rounds: u32) -> Result<Accumulator, NodeError> {
    let (acc, got) = lock(&node.precopy).remove(id).unwrap_or_default();
    if got != rounds {
        return Err(NodeError::BadRequest(format!(
            "the source sent {rounds} pre-copy rounds, this node has {got} (it may have restarted)"
        )));
    }
    sync(&node.store.rounds_path(id))?;
    Ok(acc)
}
