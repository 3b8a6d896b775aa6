//! Pre-copy rounds on the wire and in the journal. While the app runs, the
//! source sends the memory chunks that changed since the last round (the
//! snapshot layer's `MemoryReader`); the target checks every size against
//! the migration's limits before it holds anything, and accumulates them.
//! Both sides append every round to `MID.rounds` outside the pause, so the
//! journaled delta (`MID.snap`) plus the rounds rebuild the full snapshot
//! after a crash.
//!
//! Round encoding (the body of `POST /v1/migrations/{id}/precopy`):
//! `u32` image count, then per image `u32` memory index, `u64` pages,
//! `u32` run count, and per run `u64` offset, `u64` length, the bytes; all
//! little-endian. `MID.rounds` is a sequence of `u64` length + round.

use crate::error::NodeError;
use continuum_snapshot::format::{MemoryImage, MemoryRun};
use continuum_snapshot::{Accumulator, Snapshot};
use std::io::Write;
use std::path::Path;

/// At most this many rounds; fewer when a round sends little.
pub(crate) const MAX_ROUNDS: u32 = 5;
/// A round smaller than this ends pre-copy: the pause will be short.
pub(crate) const SMALL_ROUND: u64 = 256 * 1024;
const PAGE: u64 = 65536;

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

/// Decodes a round, refusing any image larger than `max_pages(index)`
/// pages (`None`: the module has no such memory) and any run outside its
/// image, before anything is allocated for it.
pub fn decode(
    mut b: &[u8],
    max_pages: &impl Fn(u32) -> Option<u64>,
) -> Result<Vec<MemoryImage>, NodeError> {
    fn take<'a>(b: &mut &'a [u8], n: u64) -> Result<&'a [u8], NodeError> {
        let n = usize::try_from(n)
            .ok()
            .filter(|n| *n <= b.len())
            .ok_or_else(|| NodeError::BadRequest("truncated pre-copy round".into()))?;
        let (head, rest) = b.split_at(n);
        *b = rest;
        Ok(head)
    }
    let u32_ = |b: &mut &[u8]| take(b, 4).map(|s| u32::from_le_bytes(s.try_into().expect("4")));
    let u64_ = |b: &mut &[u8]| take(b, 8).map(|s| u64::from_le_bytes(s.try_into().expect("8")));
    let n = u32_(&mut b)?;
    // Each image needs at least 16 bytes: a count larger than the body is a lie.
    if u64::from(n) > b.len() as u64 / 16 {
        return Err(NodeError::BadRequest(format!(
            "a pre-copy round claims {n} memories in {} bytes",
            b.len()
        )));
    }
    let mut images = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let index = u32_(&mut b)?;
        let pages = u64_(&mut b)?;
        let limit = max_pages(index).ok_or_else(|| {
            NodeError::BadRequest(format!(
                "a pre-copy round names memory {index}, which the module does not have"
            ))
        })?;
        if pages > limit {
            return Err(NodeError::TooLarge {
                what: format!("memory {index} in a pre-copy round"),
                size: pages.saturating_mul(PAGE),
                limit: limit * PAGE,
            });
        }
        let runs_n = u32_(&mut b)?;
        if u64::from(runs_n) > b.len() as u64 / 16 {
            return Err(NodeError::BadRequest(format!(
                "a pre-copy round claims {runs_n} runs in {} bytes",
                b.len()
            )));
        }
        let mut runs = Vec::with_capacity(runs_n as usize);
        for _ in 0..runs_n {
            let offset = u64_(&mut b)?;
            let len = u64_(&mut b)?;
            if offset.checked_add(len).is_none_or(|end| end > pages * PAGE) {
                return Err(NodeError::BadRequest(format!(
                    "a pre-copy run of memory {index} ends past its {pages} pages"
                )));
            }
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

/// Checks a snapshot's memories and body size (from its header, before
/// its body is decoded) against the limits: no memory over `max_pages`, no
/// body that would decompress past `max_body` bytes.
pub(crate) fn check_snapshot_header(
    bytes: &[u8],
    max_pages: &impl Fn(u32) -> Option<u64>,
    max_body: u64,
) -> Result<u64, NodeError> {
    let header = Snapshot::decode_header(bytes)?;
    if header.body_uncompressed > max_body {
        return Err(NodeError::TooLarge {
            what: "the snapshot's body".into(),
            size: header.body_uncompressed,
            limit: max_body,
        });
    }
    for m in &header.memories {
        let limit = max_pages(m.index).ok_or_else(|| {
            NodeError::BadRequest(format!(
                "the snapshot has memory {}, which the module does not",
                m.index
            ))
        })?;
        if m.pages > limit {
            return Err(NodeError::TooLarge {
                what: format!("memory {} in the snapshot", m.index),
                size: m.pages.saturating_mul(PAGE),
                limit: limit * PAGE,
            });
        }
    }
    Ok(header.memories.iter().map(|m| m.pages * PAGE).sum())
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
    max_pages: &impl Fn(u32) -> Option<u64>,
) -> Result<Snapshot, NodeError> {
    let bytes = std::fs::read(rounds_path)
        .map_err(NodeError::io(format!("reading {}", rounds_path.display())))?;
    let bad = || NodeError::BadRequest(format!("{} is truncated", rounds_path.display()));
    let mut acc = Accumulator::default();
    let mut b = &bytes[..];
    while !b.is_empty() {
        let len = b.get(..8).ok_or_else(bad)?;
        let len = u64::from_le_bytes(len.try_into().expect("8"));
        let len = usize::try_from(len)
            .ok()
            .filter(|l| *l <= b.len() - 8)
            .ok_or_else(bad)?;
        acc.apply(&decode(&b[8..8 + len], max_pages)?)?;
        b = &b[8 + len..];
    }
    Ok(acc.complete(delta)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(pages: u64, runs: &[(u64, &[u8])]) -> Vec<u8> {
        encode(&[MemoryImage {
            index: 0,
            pages,
            runs: runs
                .iter()
                .map(|(o, d)| MemoryRun {
                    offset: *o,
                    data: d.to_vec(),
                })
                .collect(),
        }])
    }

    #[test]
    fn rounds_decode_back_and_every_lie_about_a_size_is_refused_first() {
        let limit = |i: u32| (i == 0).then_some(16);
        let ok = round(2, &[(100, b"abc")]);
        let images = decode(&ok, &limit).unwrap();
        assert_eq!(images[0].runs[0].data, b"abc");
        // 2^32 pages in 20 bytes: refused without allocating.
        let huge = round(1 << 32, &[]);
        assert!(matches!(
            decode(&huge, &limit),
            Err(NodeError::TooLarge { .. })
        ));
        assert!(matches!(
            decode(&round(17, &[]), &limit),
            Err(NodeError::TooLarge { .. })
        ));
        // A run past the image, a length that wraps, a count larger than the body.
        assert!(decode(&round(1, &[(65535, b"xy")]), &limit).is_err());
        let mut wrap = round(1, &[(1, b"")]);
        let at = wrap.len() - 8;
        wrap[at..].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(decode(&wrap, &limit).is_err());
        let mut many = 0xffff_ffffu32.to_le_bytes().to_vec();
        many.extend_from_slice(&[0; 32]);
        assert!(
            decode(&many, &limit)
                .unwrap_err()
                .to_string()
                .contains("claims")
        );
        // A memory the module does not have.
        let mut other = ok.clone();
        other[4] = 1;
        assert!(
            decode(&other, &limit)
                .unwrap_err()
                .to_string()
                .contains("does not have")
        );
        // Every truncation is an error, never a panic.
        for n in 0..ok.len() {
            assert!(decode(&ok[..n], &limit).is_err(), "{n}");
        }
        let mut trailing = ok.clone();
        trailing.push(0);
        assert!(decode(&trailing, &limit).is_err());
    }
}
