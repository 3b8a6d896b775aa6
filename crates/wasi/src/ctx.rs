//! [`WasiCtx`]: one guest's WASI state plus the host handles that serve it.

use crate::abi::{Errno, WasiResult, rights};
use crate::clock::ClockAnchor;
use crate::pause::PauseSignal;
use crate::state::{ClockBases, FdEntry, FdKind, Preopen, WasiState};
use cap_fs_ext::{FollowSymlinks, OpenOptionsFollowExt, OpenOptionsMaybeDirExt};
use cap_std::fs::Dir;
use std::collections::HashMap;
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Errors while setting up a WASI context (bad preopens, sockets).
#[derive(Debug, thiserror::Error)]
pub enum WasiSetupError {
    /// A `--dir` host path could not be opened.
    #[error("cannot preopen directory `{path}`")]
    Preopen {
        /// The host path given.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// A `--dir` host path is not a directory.
    #[error("cannot preopen `{0}`: not a directory")]
    NotADirectory(PathBuf),
    /// A guest name for a preopen is empty.
    #[error("preopen of `{0}` has an empty guest name")]
    EmptyGuestName(PathBuf),
    /// A listening socket could not be prepared.
    #[error("cannot prepare listening socket")]
    Socket(#[source] std::io::Error),
    /// A restored state names a preopen that no host directory was given for.
    #[error("the state needs preopen `{0}`, but no host directory was mapped to it")]
    MissingPreopen(String),
}

/// A host resource backing an fd. Never serialised: rebuilt from [`FdEntry`].
#[derive(Debug)]
pub(crate) enum Handle {
    Stdio(i32),
    File(cap_std::fs::File),
    Dir(Dir),
    Listener(TcpListener),
    Stream(TcpStream),
}

/// The broad kind of an fd. A call that cannot mean anything on a kind is
/// refused for the kind (with the errno Linux gives, or the one the WASI
/// tests require where they differ) before the fd's rights are looked at:
/// rights only say whether a call that could work is allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FdClass {
    File,
    Dir,
    Stdio,
    Socket,
}

/// One guest's WASI world: the portable [`WasiState`] plus the host handles
/// (directories, files, sockets) that serve it on this machine.
pub struct WasiCtx {
    pub(crate) state: WasiState,
    /// Host directory of each preopen, by index in `state.preopens`.
    pub(crate) preopen_dirs: Vec<Dir>,
    pub(crate) handles: HashMap<u32, Handle>,
    pub(crate) max_open_files: Option<usize>,
    pub(crate) clocks: ClockAnchor,
    pub(crate) interrupt: Arc<AtomicBool>,
    pub(crate) pause: PauseSignal,
    /// Set while a call that the host can pause in is running.
    pub(crate) in_pausable_call: bool,
    pub(crate) deadline: Option<Instant>,
    pub(crate) memory: Option<wasmtime::Memory>,
    /// Host fds that stand in for the process's stdin, stdout and stderr
    /// (e.g. a node's per-app log files). Kept here so that every
    /// `Handle::Stdio` holding their number stays valid as long as the
    /// context does.
    pub(crate) stdio: [Option<Arc<OwnedFd>>; 3],
}

/// One of the three standard streams, for [`WasiCtx::redirect_stdio`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StdStream {
    Stdin = 0,
    Stdout = 1,
    Stderr = 2,
}

impl std::fmt::Debug for WasiCtx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasiCtx")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// Builds a [`WasiCtx`] for a fresh run.
#[derive(Default, Debug)]
pub struct WasiCtxBuilder {
    args: Vec<String>,
    env: Vec<String>,
    preopens: Vec<(Preopen, Dir)>,
    listeners: Vec<TcpListener>,
    max_open_files: Option<usize>,
    stdio: Vec<(StdStream, OwnedFd)>,
}

impl WasiCtxBuilder {
    /// An empty builder: no args, no env, no preopens.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a command-line argument (the first is the program name).
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push(format!("{key}={value}"));
        self
    }

    /// Preopens host directory `host` under the guest name `guest`.
    pub fn preopen_dir(
        mut self,
        host: &Path,
        guest: &str,
        read_only: bool,
    ) -> Result<Self, WasiSetupError> {
        if guest.is_empty() {
            return Err(WasiSetupError::EmptyGuestName(host.to_path_buf()));
        }
        let dir = open_host_dir(host)?;
        self.preopens.push((
            Preopen {
                guest_name: guest.to_string(),
                read_only,
            },
            dir,
        ));
        Ok(self)
    }

    /// Hands a listening TCP socket to the guest (`--tcplisten`).
    pub fn tcp_listener(mut self, listener: TcpListener) -> Result<Self, WasiSetupError> {
        listener
            .set_nonblocking(true)
            .map_err(WasiSetupError::Socket)?;
        self.listeners.push(listener);
        Ok(self)
    }

    /// Sends the guest's `stream` to `host` instead of the process's own
    /// (see [`WasiCtx::redirect_stdio`]).
    pub fn stdio(mut self, stream: StdStream, host: OwnedFd) -> Self {
        self.stdio.push((stream, host));
        self
    }

    /// Caps the number of open fds (stdio included); more opens get `EMFILE`.
    pub fn max_open_files(mut self, n: usize) -> Self {
        self.max_open_files = Some(n);
        self
    }

    /// Builds the context: fds 0-2 are stdio, then the preopened directories
    /// in the order they were added, then listening sockets. Directories come
    /// first because wasi-libc looks for preopens from fd 3 up and stops at
    /// the first fd that is not one.
    pub fn build(self) -> Result<WasiCtx, WasiSetupError> {
        let mut state = WasiState {
            args: self.args,
            env: self.env,
            ..Default::default()
        };
        let mut handles = HashMap::new();
        for (fd, kind) in [(0, FdKind::Stdin), (1, FdKind::Stdout), (2, FdKind::Stderr)] {
            state.fds.insert(fd, stdio_entry(kind));
            handles.insert(fd, Handle::Stdio(fd as i32));
        }
        let mut next = 3u32;
        let mut preopen_dirs = Vec::new();
        for (index, (preopen, dir)) in self.preopens.into_iter().enumerate() {
            state
                .fds
                .insert(next, preopen_entry(index, preopen.read_only));
            let handle = dir.try_clone().map_err(|source| WasiSetupError::Preopen {
                path: PathBuf::from(&preopen.guest_name),
                source,
            })?;
            handles.insert(next, Handle::Dir(handle));
            state.preopens.push(preopen);
            preopen_dirs.push(dir);
            next += 1;
        }
        for listener in self.listeners {
            let addr = listener
                .local_addr()
                .map(|a| a.to_string())
                .unwrap_or_default();
            state
                .fds
                .insert(next, socket_entry(FdKind::TcpListener { addr }));
            handles.insert(next, Handle::Listener(listener));
            next += 1;
        }
        let mut ctx = WasiCtx::assemble(state, preopen_dirs, handles, self.max_open_files);
        for (stream, host) in self.stdio {
            ctx.redirect_stdio(stream, host);
        }
        Ok(ctx)
    }
}

fn open_host_dir(host: &Path) -> Result<Dir, WasiSetupError> {
    let meta = std::fs::metadata(host).map_err(|source| WasiSetupError::Preopen {
        path: host.to_path_buf(),
        source,
    })?;
    if !meta.is_dir() {
        return Err(WasiSetupError::NotADirectory(host.to_path_buf()));
    }
    Dir::open_ambient_dir(host, cap_std::ambient_authority()).map_err(|source| {
        WasiSetupError::Preopen {
            path: host.to_path_buf(),
            source,
        }
    })
}

fn stdio_stream(kind: &FdKind) -> Option<StdStream> {
    match kind {
        FdKind::Stdin => Some(StdStream::Stdin),
        FdKind::Stdout => Some(StdStream::Stdout),
        FdKind::Stderr => Some(StdStream::Stderr),
        _ => None,
    }
}

fn stdio_entry(kind: FdKind) -> FdEntry {
    FdEntry {
        kind,
        rights_base: rights::STDIO,
        rights_inheriting: 0,
        fdflags: 0,
        offset: 0,
    }
}

fn socket_entry(kind: FdKind) -> FdEntry {
    FdEntry {
        kind,
        rights_base: rights::SOCKET_ALL,
        rights_inheriting: 0,
        fdflags: 0,
        offset: 0,
    }
}

/// Rights of a preopened directory: everything, or everything that does not
/// change files when the preopen is read-only.
pub(crate) fn preopen_entry(preopen: usize, read_only: bool) -> FdEntry {
    let (base, inheriting) = if read_only {
        (
            rights::DIR_ALL & !rights::DIR_WRITING,
            (rights::DIR_ALL | rights::FILE_ALL) & !(rights::DIR_WRITING | rights::FILE_WRITING),
        )
    } else {
        (rights::DIR_ALL, rights::DIR_ALL | rights::FILE_ALL)
    };
    FdEntry {
        kind: FdKind::PreopenDir { preopen },
        rights_base: base,
        rights_inheriting: inheriting,
        fdflags: 0,
        offset: 0,
    }
}

impl WasiCtx {
    fn assemble(
        state: WasiState,
        preopen_dirs: Vec<Dir>,
        handles: HashMap<u32, Handle>,
        max_open_files: Option<usize>,
    ) -> WasiCtx {
        let clocks = ClockAnchor::new(state.clocks);
        WasiCtx {
            state,
            preopen_dirs,
            handles,
            max_open_files,
            clocks,
            interrupt: Arc::new(AtomicBool::new(false)),
            pause: PauseSignal::new(),
            in_pausable_call: false,
            deadline: None,
            memory: None,
            stdio: [None, None, None],
        }
    }

    /// Sends the guest's `stream` to the host fd `host` (a file, a pipe)
    /// instead of the process's own: every fd of that kind, including ones
    /// the guest renumbered and ones reopened after a restore. The context
    /// owns `host` from now on. Nothing about it enters the portable state,
    /// so a restored guest writes wherever its new host redirects it.
    pub fn redirect_stdio(&mut self, stream: StdStream, host: OwnedFd) {
        let raw = host.as_raw_fd();
        self.stdio[stream as usize] = Some(Arc::new(host));
        for (fd, entry) in &self.state.fds {
            if stdio_stream(&entry.kind) == Some(stream) {
                self.handles.insert(*fd, Handle::Stdio(raw));
            }
        }
    }

    /// The host fd number serving `stream`: a redirect, or the process's own.
    fn stdio_raw(&self, stream: StdStream) -> i32 {
        self.stdio[stream as usize]
            .as_ref()
            .map(|fd| fd.as_raw_fd())
            .unwrap_or(stream as i32)
    }

    /// Rebuilds a context from a captured state on this machine. `dirs` maps
    /// each preopen's guest name to a host directory; handles of files and
    /// directories are reopened lazily from their guest paths.
    pub fn from_state(
        state: WasiState,
        dirs: &HashMap<String, PathBuf>,
    ) -> Result<WasiCtx, WasiSetupError> {
        let mut preopen_dirs = Vec::new();
        for p in &state.preopens {
            let host = dirs
                .get(&p.guest_name)
                .ok_or_else(|| WasiSetupError::MissingPreopen(p.guest_name.clone()))?;
            preopen_dirs.push(open_host_dir(host)?);
        }
        let mut handles = HashMap::new();
        for (fd, entry) in &state.fds {
            // The process's stream of that kind, whatever fd number the
            // guest gave it; `redirect_stdio` may replace it afterwards.
            if let Some(stream) = stdio_stream(&entry.kind) {
                handles.insert(*fd, Handle::Stdio(stream as i32));
            }
        }
        Ok(WasiCtx::assemble(state, preopen_dirs, handles, None))
    }

    /// The portable state, with clock bases captured at this instant.
    pub fn capture_state(&self) -> WasiState {
        let mut state = self.state.clone();
        state.clocks = ClockBases {
            monotonic_base_ns: self.clocks.monotonic_now(),
            cputime_base_ns: self.clocks.cputime_now(),
        };
        state
    }

    /// The portable state as it stands (clock bases as of the anchor).
    pub fn state(&self) -> &WasiState {
        &self.state
    }

    /// A flag that, once set, makes blocking host calls return `EINTR` at
    /// once (used with epoch interruption to stop a guest that is waiting).
    pub fn interrupt_flag(&self) -> Arc<AtomicBool> {
        self.interrupt.clone()
    }

    /// The signal that, once raised, makes a blocking host call give up its
    /// wait at once so that the guest can be paused there (see
    /// [`crate::PauseHooks`]). The call is made again after the pause and
    /// continues its wait.
    pub fn pause_signal(&self) -> PauseSignal {
        self.pause.clone()
    }

    /// Lowers the pause signal (before the guest resumes).
    pub fn clear_pause(&mut self) {
        self.pause.clear();
    }

    pub(crate) fn pause_requested(&self) -> bool {
        self.pause.raised()
    }

    /// Blocking host calls give up (with `EINTR`) after this instant.
    pub fn set_deadline(&mut self, deadline: Option<Instant>) {
        self.deadline = deadline;
    }

    pub(crate) fn interrupted(&self) -> bool {
        self.interrupt.load(Ordering::Relaxed)
            || (self.in_pausable_call && self.pause.raised())
            || self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    pub(crate) fn entry(&self, fd: u32) -> WasiResult<&FdEntry> {
        self.state.fds.get(&fd).ok_or(Errno::Badf)
    }

    pub(crate) fn entry_mut(&mut self, fd: u32) -> WasiResult<&mut FdEntry> {
        self.state.fds.get_mut(&fd).ok_or(Errno::Badf)
    }

    /// The broad kind of `fd` (`EBADF` if it is not open).
    pub(crate) fn class(&self, fd: u32) -> WasiResult<FdClass> {
        Ok(match self.entry(fd)?.kind {
            FdKind::File { .. } => FdClass::File,
            FdKind::PreopenDir { .. } | FdKind::Dir { .. } => FdClass::Dir,
            FdKind::Stdin | FdKind::Stdout | FdKind::Stderr => FdClass::Stdio,
            FdKind::TcpListener { .. } | FdKind::TcpStream { .. } => FdClass::Socket,
        })
    }

    /// The entry of `fd`, checked to carry every right in `needed`.
    pub(crate) fn entry_with(&self, fd: u32, needed: u64) -> WasiResult<&FdEntry> {
        let e = self.entry(fd)?;
        if e.rights_base & needed != needed {
            return Err(Errno::Notcapable);
        }
        Ok(e)
    }

    /// The host handle of `fd`, reopened from its entry if this context was
    /// rebuilt from a captured state.
    pub(crate) fn handle(&mut self, fd: u32) -> WasiResult<&Handle> {
        if !self.handles.contains_key(&fd) {
            let entry = self.entry(fd)?.clone();
            let handle = self.reopen(&entry)?;
            self.handles.insert(fd, handle);
        }
        Ok(&self.handles[&fd])
    }

    pub(crate) fn dir_handle(&mut self, fd: u32) -> WasiResult<&Dir> {
        match self.handle(fd)? {
            Handle::Dir(d) => Ok(d),
            _ => Err(Errno::Notdir),
        }
    }

    fn reopen(&self, entry: &FdEntry) -> WasiResult<Handle> {
        match &entry.kind {
            FdKind::Stdin => Ok(Handle::Stdio(self.stdio_raw(StdStream::Stdin))),
            FdKind::Stdout => Ok(Handle::Stdio(self.stdio_raw(StdStream::Stdout))),
            FdKind::Stderr => Ok(Handle::Stdio(self.stdio_raw(StdStream::Stderr))),
            FdKind::PreopenDir { preopen } => {
                Ok(Handle::Dir(self.preopen_dir(*preopen)?.try_clone()?))
            }
            FdKind::Dir { preopen, path } => {
                Ok(Handle::Dir(self.preopen_dir(*preopen)?.open_dir(path)?))
            }
            FdKind::File {
                preopen,
                path,
                read,
                write,
            } => {
                let mut opts = cap_std::fs::OpenOptions::new();
                opts.read(*read || !*write).write(*write);
                opts.follow(FollowSymlinks::Yes).maybe_dir(false);
                Ok(Handle::File(
                    self.preopen_dir(*preopen)?.open_with(path, &opts)?,
                ))
            }
            // Sockets belong to the machine that opened them.
            FdKind::TcpListener { .. } | FdKind::TcpStream { .. } => Err(Errno::Notconn),
        }
    }

    pub(crate) fn preopen_dir(&self, index: usize) -> WasiResult<&Dir> {
        self.preopen_dirs.get(index).ok_or(Errno::Badf)
    }

    /// Inserts a new fd at the lowest free number, honouring the fd limit.
    pub(crate) fn insert_fd(&mut self, entry: FdEntry, handle: Handle) -> WasiResult<u32> {
        if self
            .max_open_files
            .is_some_and(|max| self.state.fds.len() >= max)
        {
            return Err(Errno::Mfile);
        }
        let mut fd = 0u32;
        for used in self.state.fds.keys() {
            if *used != fd {
                break;
            }
            fd += 1;
        }
        self.state.fds.insert(fd, entry);
        self.handles.insert(fd, handle);
        Ok(fd)
    }

    pub(crate) fn remove_fd(&mut self, fd: u32) -> WasiResult<FdEntry> {
        let entry = self.state.fds.remove(&fd).ok_or(Errno::Badf)?;
        self.handles.remove(&fd);
        Ok(entry)
    }

    /// Guest-visible argument list.
    pub fn args(&self) -> &[String] {
        &self.state.args
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::GuestMemory;

    /// Writes `text` to guest fd `fd` through `fd_write`.
    fn write(ctx: &mut WasiCtx, fd: u32, text: &[u8]) {
        let mut bytes = vec![0u8; 256];
        let mut mem = GuestMemory::new(&mut bytes);
        mem.write(64, text).unwrap();
        mem.write(0, &64u32.to_le_bytes()).unwrap();
        mem.write(4, &(text.len() as u32).to_le_bytes()).unwrap();
        ctx.fd_write(&mut mem, fd, 0, 1, 16).unwrap();
        assert_eq!(mem.read_u32(16).unwrap(), text.len() as u32);
    }

    fn log_file(dir: &Path, name: &str) -> OwnedFd {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join(name))
            .unwrap()
            .into()
    }

    #[test]
    fn stdout_and_stderr_go_to_their_redirects_also_after_from_state() {
        let dir = tempfile::tempdir().unwrap();
        let mut ctx = WasiCtxBuilder::new()
            .arg("guest")
            .stdio(StdStream::Stdout, log_file(dir.path(), "out"))
            .stdio(StdStream::Stderr, log_file(dir.path(), "err"))
            .build()
            .unwrap();
        write(&mut ctx, 1, b"to stdout\n");
        write(&mut ctx, 2, b"to stderr\n");
        // A guest that moved stdout to another number still writes there.
        ctx.fd_renumber(1, 2).unwrap();
        write(&mut ctx, 2, b"renumbered\n");

        // Rebuilt elsewhere: the state carries no host fd, the new host
        // redirects again (here, to other files).
        let state = ctx.capture_state();
        drop(ctx);
        let mut ctx = WasiCtx::from_state(state, &HashMap::new()).unwrap();
        ctx.redirect_stdio(StdStream::Stdout, log_file(dir.path(), "out2"));
        ctx.redirect_stdio(StdStream::Stderr, log_file(dir.path(), "err2"));
        write(&mut ctx, 2, b"after restore\n");

        let read = |n: &str| std::fs::read_to_string(dir.path().join(n)).unwrap();
        assert_eq!(read("out"), "to stdout\nrenumbered\n");
        assert_eq!(read("err"), "to stderr\n");
        assert_eq!(read("out2"), "after restore\n");
        assert_eq!(read("err2"), "");
    }
}
