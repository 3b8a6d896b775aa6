//! An app's output: captured through pipes, kept per stream with a size
//! cap (rotated), and followed by clients who are woken when it grows.
//!
//! The guest's stdout and stderr are the write ends of two pipes; a copier
//! thread per app appends what arrives to `STREAM.log`. When that file
//! reaches half the cap it becomes `STREAM.1.log` (the older one is
//! dropped), so a stream keeps between half and all of `max_log_bytes`.
//! Offsets are those of the whole stream, the same on every node: a node
//! keeps `[base, end)`; bytes before `arrived` are on the node the app came
//! from, bytes between `arrived` and `base` were rotated away.
//!
//! Whoever pauses the guest calls [`AppLogs::drain`] before reading the
//! ends: the guest writes nothing while paused, so after the drain every
//! byte it wrote is in the files and the offsets are exact.
//!
//! A migration moves no output: the target continues the stream at the
//! offsets of the offer, and the bytes before stay where they were
//! written. When an app comes back to a node it ran on before, that
//! node's earlier stretches of the stream are kept (`STREAM.stints/`,
//! named by their first offset, within the same cap), so a follower
//! walking back along `came_from` finds every byte still kept somewhere.

use crate::api::OutputRecord;
use crate::error::NodeError;
use crate::records::{LogOffsets, RECORD_VERSION};
use crate::store::Stream;
use base64::Engine as _;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

const CHUNK: usize = 64 * 1024;

/// Wakes whoever waits for an app to change (its output grew, or its state
/// changed). A counter, so a wake-up between a check and a wait is not lost.
#[derive(Debug, Default)]
pub struct Notify {
    generation: Mutex<u64>,
    changed: Condvar,
}

impl Notify {
    pub fn generation(&self) -> u64 {
        *self.generation.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn wake(&self) {
        *self.generation.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.changed.notify_all();
    }

    /// Waits until the generation differs from `seen` or `timeout` passes.
    pub fn wait(&self, seen: u64, timeout: Duration) {
        let g = self.generation.lock().unwrap_or_else(|e| e.into_inner());
        let _ = self
            .changed
            .wait_timeout_while(g, timeout, |g| *g == seen)
            .unwrap_or_else(|e| e.into_inner());
    }
}

/// One stream's files on this node.
#[derive(Debug)]
struct StreamLog {
    dir: PathBuf,
    stream: Stream,
    offsets: LogOffsets,
    /// Bytes in `STREAM.log`.
    len: u64,
    file: File,
    max: u64,
    /// The pipe's read end while the app runs here.
    pipe: Option<OwnedFd>,
}

fn log_path(dir: &Path, stream: Stream) -> PathBuf {
    dir.join(format!("{}.log", stream.name()))
}

fn old_path(dir: &Path, stream: Stream) -> PathBuf {
    dir.join(format!("{}.1.log", stream.name()))
}

fn offsets_path(dir: &Path, stream: Stream) -> PathBuf {
    dir.join(format!("{}.offsets", stream.name()))
}

fn stints_dir(dir: &Path, stream: Stream) -> PathBuf {
    dir.join(format!("{}.stints", stream.name()))
}

/// How an app's logs are opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// A new app: nothing from an earlier app of the same id is kept.
    New,
    /// The app arrives with its streams at these offsets; what this node
    /// kept from an earlier stay is moved aside as stints.
    Arrive { stdout: u64, stderr: u64 },
    /// As the files are (a restart).
    Reopen,
}

/// The earlier stints of a stream on this node: (first offset, file), sorted.
fn stints(dir: &Path, stream: Stream) -> Vec<(u64, PathBuf)> {
    let mut out: Vec<(u64, PathBuf)> = std::fs::read_dir(stints_dir(dir, stream))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let start = name.strip_suffix(".log")?.parse().ok()?;
            Some((start, e.path()))
        })
        .collect();
    out.sort();
    out
}

/// Moves what `STREAM.log` and `STREAM.1.log` hold into stints, then drops
/// the oldest stints until they fit in `max` bytes.
fn keep_as_stints(dir: &Path, stream: Stream, o: &LogOffsets, max: u64) -> std::io::Result<()> {
    let sd = stints_dir(dir, stream);
    std::fs::create_dir_all(&sd)?;
    for (path, start) in [
        (old_path(dir, stream), o.base),
        (log_path(dir, stream), o.segment),
    ] {
        if std::fs::metadata(&path).is_ok_and(|m| m.len() > 0) {
            std::fs::rename(&path, sd.join(format!("{start}.log")))?;
        }
    }
    let mut all = stints(dir, stream);
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let mut total: u64 = all.iter().map(|(_, p)| size(p)).sum();
    while total > max && !all.is_empty() {
        let (_, p) = all.remove(0);
        total -= size(&p);
        std::fs::remove_file(p)?;
    }
    Ok(())
}
impl StreamLog {
    /// Opens the stream's files; a fresh stream starts at `start`
    /// (`None`: reopen what is there).
    fn open(
        dir: &Path,
        stream: Stream,
        start: Option<(u64, Start)>,
        max: u64,
    ) -> Result<Self, NodeError> {
        let path = log_path(dir, stream);
        let what = |p: &Path| format!("opening {}", p.display());
        let previous =
            || crate::store::read_json(&offsets_path(dir, stream), |o: &LogOffsets| o.version);
        let offsets = match start {
            Some((at, how)) => {
                match (how, previous()) {
                    (Start::Arrive { .. }, Ok(Some(o))) => keep_as_stints(dir, stream, &o, max)
                        .map_err(NodeError::io(format!(
                            "keeping the earlier {} here",
                            stream.name()
                        )))?,
                    _ => {
                        let _ = std::fs::remove_dir_all(stints_dir(dir, stream));
                    }
                }
                let _ = std::fs::remove_file(old_path(dir, stream));
                let o = LogOffsets {
                    version: RECORD_VERSION,
                    base: at,
                    segment: at,
                };
                crate::store::write_json(&offsets_path(dir, stream), &o)?;
                File::create(&path).map_err(NodeError::io(what(&path)))?;
                o
            }
            None => previous()?.unwrap_or(LogOffsets {
                version: RECORD_VERSION,
                base: 0,
                segment: 0,
            }),
        };
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(NodeError::io(what(&path)))?;
        let len = file.metadata().map_err(NodeError::io(what(&path)))?.len();
        Ok(StreamLog {
            dir: dir.to_path_buf(),
            stream,
            offsets,
            len,
            file,
            max: max.max(2),
            pipe: None,
        })
    }

    fn end(&self) -> u64 {
        self.offsets.segment + self.len
    }

    fn append(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.file.write_all(bytes)?;
        self.len += bytes.len() as u64;
        if self.len >= self.max / 2 {
            self.rotate()?;
        }
        Ok(())
    }

    /// `STREAM.log` becomes `STREAM.1.log`; a fresh `STREAM.log` follows it.
    fn rotate(&mut self) -> std::io::Result<()> {
        let (cur, old) = (
            log_path(&self.dir, self.stream),
            old_path(&self.dir, self.stream),
        );
        std::fs::rename(&cur, &old)?;
        self.file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&cur)?;
        self.offsets.base = self.offsets.segment;
        self.offsets.segment += self.len;
        self.len = 0;
        crate::store::write_json(&offsets_path(&self.dir, self.stream), &self.offsets)
            .map_err(std::io::Error::other)
    }

    /// Reads what the pipe holds now. `Ok(false)` once its write end closed.
    fn pump(&mut self, buf: &mut [u8]) -> std::io::Result<bool> {
        loop {
            let Some(pipe) = &self.pipe else {
                return Ok(false);
            };
            match rustix::io::read(pipe, &mut *buf) {
                Ok(0) => {
                    self.pipe = None;
                    return Ok(false);
                }
                Ok(n) => self.append(&buf[..n])?,
                Err(rustix::io::Errno::AGAIN) => return Ok(true),
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Truncates the stream back to `at` (a restart rebuilding the app from
    /// a snapshot taken when the stream ended there).
    fn cut(&mut self, at: u64) -> std::io::Result<()> {
        let (cur, old) = (
            log_path(&self.dir, self.stream),
            old_path(&self.dir, self.stream),
        );
        if at >= self.offsets.segment {
            self.file.set_len(at - self.offsets.segment)?;
            self.len = at - self.offsets.segment;
        } else if at >= self.offsets.base {
            // The older segment holds `at`: it becomes the current one, cut there.
            std::fs::rename(&old, &cur)?;
            self.file = std::fs::OpenOptions::new().append(true).open(&cur)?;
            self.file.set_len(at - self.offsets.base)?;
            self.len = at - self.offsets.base;
            self.offsets.segment = self.offsets.base;
        } else {
            // Before anything kept here: start empty at `at`.
            let _ = std::fs::remove_file(&old);
            self.file.set_len(0)?;
            self.len = 0;
            self.offsets.base = at;
            self.offsets.segment = at;
        }
        crate::store::write_json(&offsets_path(&self.dir, self.stream), &self.offsets)
            .map_err(std::io::Error::other)
    }
}

/// Both output streams of one app on this node.
#[derive(Debug)]
pub struct AppLogs {
    streams: [Mutex<StreamLog>; 2],
    notify: Arc<Notify>,
}

/// Where one stream stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ends {
    pub base: u64,
    pub end: u64,
}

impl AppLogs {
    /// Opens an app's logs in `dir`.
    pub fn open(
        dir: &Path,
        start: Start,
        max: u64,
        notify: Arc<Notify>,
    ) -> Result<Arc<AppLogs>, NodeError> {
        std::fs::create_dir_all(dir)
            .map_err(NodeError::io(format!("creating {}", dir.display())))?;
        let (out, err) = match start {
            Start::New => (Some((0, start)), Some((0, start))),
            Start::Arrive { stdout, stderr } => (Some((stdout, start)), Some((stderr, start))),
            Start::Reopen => (None, None),
        };
        let out = StreamLog::open(dir, Stream::Stdout, out, max)?;
        let err = StreamLog::open(dir, Stream::Stderr, err, max)?;
        Ok(Arc::new(AppLogs {
            streams: [Mutex::new(out), Mutex::new(err)],
            notify,
        }))
    }

    fn stream(&self, s: Stream) -> std::sync::MutexGuard<'_, StreamLog> {
        let i = match s {
            Stream::Stdout => 0,
            Stream::Stderr => 1,
        };
        self.streams[i].lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn ends(&self, s: Stream) -> Ends {
        let l = self.stream(s);
        Ends {
            base: l.offsets.base,
            end: l.end(),
        }
    }

    /// Gives the guest the write ends of two fresh pipes as stdout and
    /// stderr (stdin reads nothing) and starts the copier thread.
    pub fn capture(self: &Arc<Self>, wasi: &mut continuum_wasi::WasiCtx) -> Result<(), NodeError> {
        use continuum_wasi::StdStream;
        for (s, std) in [
            (Stream::Stdout, StdStream::Stdout),
            (Stream::Stderr, StdStream::Stderr),
        ] {
            let (read, write) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)
                .map_err(|e| NodeError::io("creating an output pipe")(e.into()))?;
            rustix::io::ioctl_fionbio(&read, true)
                .map_err(|e| NodeError::io("setting an output pipe non-blocking")(e.into()))?;
            self.stream(s).pipe = Some(read);
            wasi.redirect_stdio(std, write);
        }
        let null = File::open("/dev/null").map_err(NodeError::io("opening /dev/null"))?;
        wasi.redirect_stdio(StdStream::Stdin, OwnedFd::from(null));
        let logs = self.clone();
        std::thread::Builder::new()
            .name("output".into())
            .spawn(move || logs.copy_until_closed())
            .map_err(NodeError::io("spawning the output copier"))?;
        Ok(())
    }

    /// The copier: waits for either pipe to be readable and appends.
    fn copy_until_closed(&self) {
        loop {
            let fds: Vec<OwnedFd> = Stream::BOTH
                .iter()
                .filter_map(|s| {
                    self.stream(*s)
                        .pipe
                        .as_ref()
                        .and_then(|p| p.try_clone().ok())
                })
                .collect();
            if fds.is_empty() {
                return;
            }
            let mut polls: Vec<rustix::event::PollFd<'_>> = fds
                .iter()
                .map(|f| rustix::event::PollFd::new(f, rustix::event::PollFlags::IN))
                .collect();
            let _ = rustix::event::poll(&mut polls, None);
            drop(polls);
            drop(fds);
            self.drain();
        }
    }

    /// Copies whatever the pipes hold into the files now.
    pub fn drain(&self) {
        let mut buf = vec![0u8; CHUNK];
        let mut grew = false;
        for s in Stream::BOTH {
            let mut l = self.stream(s);
            let before = l.end();
            if let Err(e) = l.pump(&mut buf) {
                tracing::error!("cannot write the app's {}: {e}; it is dropped", s.name());
                l.pipe = None;
            }
            grew |= l.end() != before;
        }
        if grew {
            self.notify.wake();
        }
    }

    /// See `StreamLog::cut`.
    pub fn cut(&self, stdout: u64, stderr: u64) -> Result<(), NodeError> {
        for (s, at) in [(Stream::Stdout, stdout), (Stream::Stderr, stderr)] {
            self.stream(s)
                .cut(at)
                .map_err(NodeError::io(format!("cutting back the {} log", s.name())))?;
        }
        Ok(())
    }

    /// Opens the stream for reading at `offset` (at least `base`): the
    /// file that holds it, positioned, and how many bytes it holds from there.
    fn reader(&self, s: Stream, offset: u64) -> Option<(File, u64)> {
        let l = self.stream(s);
        let (path, from) = if offset >= l.offsets.segment {
            (log_path(&l.dir, s), l.offsets.segment)
        } else {
            (old_path(&l.dir, s), l.offsets.base)
        };
        let mut f = File::open(path).ok()?;
        f.seek(SeekFrom::Start(offset - from)).ok()?;
        let available = if offset >= l.offsets.segment {
            l.end() - offset
        } else {
            l.offsets.segment - offset
        };
        Some((f, available))
    }

    /// Sends what an earlier stint on this node holds from `offset` (before
    /// the app last arrived here); returns the offset it got to, `offset`
    /// itself when no stint holds it, `None` when the follower went away.
    pub fn send_stint(
        &self,
        s: Stream,
        offset: u64,
        send: &mut impl FnMut(OutputRecord) -> bool,
    ) -> Option<u64> {
        let dir = self.stream(s).dir.clone();
        let Some((start, path)) = stints(&dir, s)
            .into_iter()
            .rev()
            .find(|(st, _)| *st <= offset)
        else {
            return Some(offset);
        };
        let Ok(mut f) = File::open(&path) else {
            return Some(offset);
        };
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        if offset >= start + len || f.seek(SeekFrom::Start(offset - start)).is_err() {
            return Some(offset);
        }
        let mut at = offset;
        let mut buf = vec![0u8; CHUNK];
        while at < start + len {
            let n = match f.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n.min((start + len - at) as usize),
            };
            let data = base64::engine::general_purpose::STANDARD.encode(&buf[..n]);
            if !send(OutputRecord::Data { offset: at, data }) {
                return None;
            }
            at += n as u64;
        }
        Some(at)
    }

    /// Sends the stream's bytes from `offset` to its end now (rotation
    /// gaps as `skipped`); returns the new offset, or `None` when the
    /// follower went away.
    pub fn send_from(
        &self,
        s: Stream,
        mut offset: u64,
        send: &mut impl FnMut(OutputRecord) -> bool,
    ) -> Option<u64> {
        let mut buf = vec![0u8; CHUNK];
        loop {
            let Ends { base, end } = self.ends(s);
            if offset < base {
                if !send(OutputRecord::Skipped { offset, to: base }) {
                    return None;
                }
                offset = base;
            }
            if offset >= end {
                return Some(offset);
            }
            let Some((mut f, available)) = self.reader(s, offset) else {
                return Some(offset);
            };
            let want = available.min(CHUNK as u64) as usize;
            let n = match f.read(&mut buf[..want]) {
                Ok(0) | Err(_) => return Some(offset),
                Ok(n) => n,
            };
            let data = base64::engine::general_purpose::STANDARD.encode(&buf[..n]);
            if !send(OutputRecord::Data { offset, data }) {
                return None;
            }
            offset += n as u64;
        }
    }
}

/// Decodes a data record's bytes (for clients).
pub fn decode_data(data: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|e| format!("bad data record: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(logs: &AppLogs, s: Stream, from: u64) -> (Vec<u8>, Vec<(u64, u64)>, u64) {
        let mut bytes = Vec::new();
        let mut skipped = Vec::new();
        let end = logs
            .send_from(s, from, &mut |r| {
                match r {
                    OutputRecord::Data { data, .. } => bytes.extend(decode_data(&data).unwrap()),
                    OutputRecord::Skipped { offset, to } => skipped.push((offset, to)),
                    _ => unreachable!(),
                }
                true
            })
            .unwrap();
        (bytes, skipped, end)
    }

    #[test]
    fn a_stream_keeps_at_most_its_cap_and_offsets_stay_whole_stream_offsets() {
        let dir = tempfile::tempdir().unwrap();
        let logs = AppLogs::open(
            dir.path(),
            Start::Arrive {
                stdout: 1000,
                stderr: 0,
            },
            100,
            Arc::default(),
        )
        .unwrap();
        let mut all = Vec::new();
        for i in 0..40u8 {
            let chunk = [i; 7];
            logs.stream(Stream::Stdout).append(&chunk).unwrap();
            all.extend_from_slice(&chunk);
            let size = std::fs::metadata(dir.path().join("stdout.log"))
                .unwrap()
                .len()
                + std::fs::metadata(dir.path().join("stdout.1.log"))
                    .map(|m| m.len())
                    .unwrap_or(0);
            assert!(size <= 100 + 7, "{size}");
        }
        let Ends { base, end } = logs.ends(Stream::Stdout);
        assert_eq!(end, 1000 + all.len() as u64);
        assert!(base > 1000 && end - base <= 107, "{base} {end}");
        let (bytes, skipped, at) = collect(&logs, Stream::Stdout, 1000);
        assert_eq!(skipped, vec![(1000, base)]);
        assert_eq!(at, end);
        assert_eq!(bytes, all[(base - 1000) as usize..]);
        // Reopened (a restart): the same offsets and bytes.
        drop(logs);
        let again = AppLogs::open(dir.path(), Start::Reopen, 100, Arc::default()).unwrap();
        assert_eq!(again.ends(Stream::Stdout), Ends { base, end });
        assert_eq!(collect(&again, Stream::Stdout, base).0, bytes);
        // Cut back into the older segment.
        again.cut(base + 3, 0).unwrap();
        assert_eq!(again.ends(Stream::Stdout).end, base + 3);
        assert_eq!(
            collect(&again, Stream::Stdout, 0).0,
            all[(base - 1000) as usize..][..3]
        );
    }

    #[test]
    fn an_app_that_comes_back_finds_its_earlier_stint_here() {
        let dir = tempfile::tempdir().unwrap();
        let logs = AppLogs::open(dir.path(), Start::New, 1 << 20, Arc::default()).unwrap();
        logs.stream(Stream::Stdout).append(b"first stay").unwrap();
        drop(logs);
        // It left at 10, ran elsewhere, and comes back at 25.
        let start = Start::Arrive {
            stdout: 25,
            stderr: 0,
        };
        let logs = AppLogs::open(dir.path(), start, 1 << 20, Arc::default()).unwrap();
        logs.stream(Stream::Stdout).append(b"again").unwrap();
        let mut got = Vec::new();
        let at = logs
            .send_stint(Stream::Stdout, 3, &mut |r| {
                if let OutputRecord::Data { data, .. } = r {
                    got.extend(decode_data(&data).unwrap());
                }
                true
            })
            .unwrap();
        assert_eq!((at, &got[..]), (10, &b"st stay"[..]));
        assert_eq!(logs.send_stint(Stream::Stdout, 12, &mut |_| true), Some(12));
        assert_eq!(collect(&logs, Stream::Stdout, 25).0, b"again");
        // A new app of the same id keeps nothing of the old one.
        drop(logs);
        let logs = AppLogs::open(dir.path(), Start::New, 1 << 20, Arc::default()).unwrap();
        assert_eq!(logs.send_stint(Stream::Stdout, 3, &mut |_| true), Some(3));
    }

    #[test]
    fn output_written_into_the_pipe_is_in_the_file_after_a_drain() {
        let dir = tempfile::tempdir().unwrap();
        let notify = Arc::new(Notify::default());
        let logs = AppLogs::open(dir.path(), Start::New, 1 << 20, notify.clone()).unwrap();
        let (read, write) = rustix::pipe::pipe().unwrap();
        rustix::io::ioctl_fionbio(&read, true).unwrap();
        logs.stream(Stream::Stdout).pipe = Some(read);
        let g = notify.generation();
        rustix::io::write(&write, b"hello").unwrap();
        logs.drain();
        assert_eq!(logs.ends(Stream::Stdout).end, 5);
        assert_ne!(notify.generation(), g, "followers are woken");
        drop(write);
        logs.drain();
        assert!(
            logs.stream(Stream::Stdout).pipe.is_none(),
            "closed pipe is dropped"
        );
    }
}
