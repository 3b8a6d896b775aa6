//! The snapshot file: what a paused guest is, as bytes. Documented in
//! `docs/snapshot-format.md`; this module is the reference implementation.
//!
//! ```text
//! magic "CONTSNAP" | version u32 | header_len u32 | header (JSON)
//! | body_len u64 | body (LZ4 block, size-prepended, of postcard(Body)) | crc32 u32
//! ```
//! All integers little-endian. The CRC-32 covers every byte before it. The
//! JSON header says what the snapshot is without decompressing it; the body
//! holds the state. Memories are sparse: only runs of 4 KiB chunks that are
//! not all zero are stored.

use crate::error::SnapshotError;
use continuum_wasi::WasiState;
use serde::{Deserialize, Serialize};

/// Version of the file layout and of [`Header`] and [`Body`].
pub const SNAPSHOT_FORMAT_VERSION: u32 = 1;
/// First bytes of every snapshot file.
pub const MAGIC: &[u8; 8] = b"CONTSNAP";
/// Granularity of sparse memory images.
pub const CHUNK_SIZE: usize = 4096;

/// The JSON header: identity and sizes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub format_version: u32,
    /// SHA-256 of the prepared module the snapshot runs in (hex).
    pub prepared_sha256: String,
    /// SHA-256 of the module before preparation (hex).
    pub source_sha256: String,
    /// Milliseconds since the Unix epoch when it was taken.
    pub created_unix_ms: u64,
    /// Machine and engine it was taken on, for information only: a snapshot
    /// restores on any architecture and engine.
    pub taken_on: String,
    /// 1 for the first checkpoint of a run, then counting up across restores.
    pub sequence: u64,
    /// When the run began (milliseconds since the Unix epoch), across
    /// restores: carried files are those changed since.
    pub run_started_unix_ms: u64,
    /// Whether the prepared module is inside the body.
    pub module_embedded: bool,
    /// A pre-copy delta: its memories hold only the chunks changed since
    /// the last round, to be completed by [`crate::Accumulator`]; it cannot
    /// be restored as it is.
    #[serde(default)]
    pub delta: bool,
    /// Linear memory per memory: (pages, bytes stored).
    pub memories: Vec<MemorySummary>,
    /// Bytes of unwound call stack.
    pub stack_bytes: u64,
    /// Files carried along with the snapshot.
    pub files: u64,
    /// Size of the body before compression.
    pub body_uncompressed: u64,
}

/// Size of one memory, in the header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemorySummary {
    pub index: u32,
    pub pages: u64,
    pub stored_bytes: u64,
}

/// The state itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Body {
    /// The prepared module, when embedded (so any node can restore it).
    #[serde(with = "serde_bytes")]
    pub module: Vec<u8>,
    pub memories: Vec<MemoryImage>,
    pub globals: Vec<GlobalValue>,
    /// Asyncify's data: header and the unwound frames.
    #[serde(with = "serde_bytes")]
    pub stack: Vec<u8>,
    pub wasi: WasiState,
    pub files: Vec<FileImage>,
}

/// A sparse linear memory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryImage {
    /// Index of the memory in the original module.
    pub index: u32,
    /// Size in 64 KiB pages.
    pub pages: u64,
    /// Non-zero runs; everything else is zero.
    pub runs: Vec<MemoryRun>,
}

/// Bytes of memory at an offset (a multiple of [`CHUNK_SIZE`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryRun {
    pub offset: u64,
    #[serde(with = "serde_bytes")]
    pub data: Vec<u8>,
}

/// One mutable global, by index in the original module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlobalValue {
    pub index: u32,
    pub value: Value,
}

/// A global's value, bit-exact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Value {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
}

/// A file of a preopened directory that the guest changed, carried along.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileImage {
    /// Guest name of the preopen it lives in.
    pub preopen: String,
    /// Path relative to that preopen.
    pub path: String,
    #[serde(with = "serde_bytes")]
    pub contents: Vec<u8>,
}

/// A whole snapshot.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub header: Header,
    pub body: Body,
}

impl MemoryImage {
    /// The sparse image of `bytes`: runs of chunks that hold a non-zero byte.
    pub fn capture(index: u32, bytes: &[u8], page_size: u64) -> MemoryImage {
        let mut runs: Vec<MemoryRun> = Vec::new();
        let mut run_start: Option<usize> = None;
        let mut offset = 0;
        while offset < bytes.len() {
            let end = (offset + CHUNK_SIZE).min(bytes.len());
            let zero = bytes[offset..end].iter().all(|b| *b == 0);
            match (zero, run_start) {
                (false, None) => run_start = Some(offset),
                (true, Some(s)) => {
                    runs.push(MemoryRun {
                        offset: s as u64,
                        data: bytes[s..offset].to_vec(),
                    });
                    run_start = None;
                }
                _ => {}
            }
            offset = end;
        }
        if let Some(s) = run_start {
            runs.push(MemoryRun {
                offset: s as u64,
                data: bytes[s..].to_vec(),
            });
        }
        MemoryImage {
            index,
            pages: bytes.len() as u64 / page_size.max(1),
            runs,
        }
    }

    /// Bytes held in runs.
    pub fn stored_bytes(&self) -> u64 {
        self.runs.iter().map(|r| r.data.len() as u64).sum()
    }
}

impl Snapshot {
    /// Encodes the snapshot as a file.
    pub fn encode(&self) -> Vec<u8> {
        let body = postcard::to_stdvec(&self.body).expect("snapshot body serialises");
        let mut header = self.header.clone();
        header.body_uncompressed = body.len() as u64;
        let header = serde_json::to_vec(&header).expect("snapshot header serialises");
        let compressed = lz4_flex::block::compress_prepend_size(&body);
        let mut out = Vec::with_capacity(32 + header.len() + compressed.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&SNAPSHOT_FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(&(compressed.len() as u64).to_le_bytes());
        out.extend_from_slice(&compressed);
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Reads only the header (checking magic, version and checksum).
    pub fn decode_header(bytes: &[u8]) -> Result<Header, SnapshotError> {
        Ok(Frame::parse(bytes)?.header)
    }

    /// Decodes a snapshot file, refusing anything corrupt, truncated or newer.
    pub fn decode(bytes: &[u8]) -> Result<Snapshot, SnapshotError> {
        let frame = Frame::parse(bytes)?;
        let compressed = frame.body;
        if compressed.len() < 4 {
            return Err(SnapshotError::Truncated("body"));
        }
        let declared = u32::from_le_bytes(compressed[..4].try_into().expect("4 bytes")) as u64;
        // LZ4 cannot expand more than ~255x; a larger claim is corrupt, and
        // checking it first keeps a hostile file from asking for huge buffers.
        if declared != frame.header.body_uncompressed
            || declared
                > (compressed.len() as u64)
                    .saturating_mul(255)
                    .saturating_add(64)
        {
            return Err(SnapshotError::Corrupt(format!(
                "body size {declared} does not match the header ({})",
                frame.header.body_uncompressed
            )));
        }
        let body = lz4_flex::block::decompress_size_prepended(compressed)
            .map_err(|e| SnapshotError::Corrupt(format!("body does not decompress: {e}")))?;
        let body: Body = postcard::from_bytes(&body)
            .map_err(|e| SnapshotError::Corrupt(format!("body does not decode: {e}")))?;
        let snapshot = Snapshot {
            header: frame.header,
            body,
        };
        snapshot.check_consistent()?;
        Ok(snapshot)
    }

    fn check_consistent(&self) -> Result<(), SnapshotError> {
        let h = &self.header;
        if h.module_embedded == self.body.module.is_empty() {
            return Err(SnapshotError::Corrupt(
                "module presence disagrees with the header".into(),
            ));
        }
        if h.module_embedded && crate::prepare::sha256_hex(&self.body.module) != h.prepared_sha256 {
            return Err(SnapshotError::Corrupt(
                "embedded module does not match its hash".into(),
            ));
        }
        for m in &self.body.memories {
            let size = m.pages.saturating_mul(65536);
            let mut end = 0u64;
            for r in &m.runs {
                if r.offset < end || r.offset.saturating_add(r.data.len() as u64) > size {
                    return Err(SnapshotError::Corrupt(format!(
                        "memory {} has a run outside its {} pages or out of order",
                        m.index, m.pages
                    )));
                }
                end = r.offset + r.data.len() as u64;
            }
        }
        Ok(())
    }
}

/// The parts of a file, checked.
struct Frame<'a> {
    header: Header,
    body: &'a [u8],
}

impl<'a> Frame<'a> {
    fn parse(bytes: &'a [u8]) -> Result<Frame<'a>, SnapshotError> {
        if bytes.len() < 8 {
            return Err(if MAGIC.starts_with(bytes) {
                SnapshotError::Truncated("magic")
            } else {
                SnapshotError::NotASnapshot
            });
        }
        if &bytes[..8] != MAGIC {
            return Err(SnapshotError::NotASnapshot);
        }
        let version = read_u32(bytes, 8, "version")?;
        if version > SNAPSHOT_FORMAT_VERSION {
            return Err(SnapshotError::NewerFormat {
                found: version,
                supported: SNAPSHOT_FORMAT_VERSION,
            });
        }
        if version == 0 {
            return Err(SnapshotError::Corrupt("format version 0".into()));
        }
        let header_len = read_u32(bytes, 12, "header length")? as usize;
        let header_end = 16usize
            .checked_add(header_len)
            .filter(|e| *e <= bytes.len())
            .ok_or(SnapshotError::Truncated("header"))?;
        let body_len = read_u64(bytes, header_end, "body length")?;
        let body_start = header_end + 8;
        let body_end = usize::try_from(body_len)
            .ok()
            .and_then(|l| body_start.checked_add(l))
            .filter(|e| e.checked_add(4).is_some_and(|t| t <= bytes.len()))
            .ok_or(SnapshotError::Truncated("body"))?;
        if body_end + 4 != bytes.len() {
            return Err(SnapshotError::Corrupt(format!(
                "{} bytes after the checksum",
                bytes.len() - body_end - 4
            )));
        }
        let stored = read_u32(bytes, body_end, "checksum")?;
        let actual = crc32fast::hash(&bytes[..body_end]);
        if stored != actual {
            return Err(SnapshotError::Corrupt(format!(
                "checksum mismatch (stored {stored:08x}, computed {actual:08x})"
            )));
        }
        let header: Header = serde_json::from_slice(&bytes[16..header_end])
            .map_err(|e| SnapshotError::Corrupt(format!("header does not decode: {e}")))?;
        if header.format_version != version {
            return Err(SnapshotError::Corrupt(
                "header version disagrees with the file".into(),
            ));
        }
        Ok(Frame {
            header,
            body: &bytes[body_start..body_end],
        })
    }
}

fn read_u32(bytes: &[u8], at: usize, what: &'static str) -> Result<u32, SnapshotError> {
    bytes
        .get(at..at + 4)
        .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
        .ok_or(SnapshotError::Truncated(what))
}

fn read_u64(bytes: &[u8], at: usize, what: &'static str) -> Result<u64, SnapshotError> {
    bytes
        .get(at..at + 8)
        .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
        .ok_or(SnapshotError::Truncated(what))
}
