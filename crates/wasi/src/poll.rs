//! `poll_oneoff` and the `sock_*` functions of preview1.

use crate::abi::{
    EVENT_FD_READWRITE_HANGUP, Errno, RIFLAGS_RECV_PEEK, RIFLAGS_RECV_WAITALL, SDFLAGS_RD,
    SDFLAGS_WR, SUBCLOCK_ABSTIME, WasiResult, clockid, eventtype, fdflags, rights, size,
};
use crate::ctx::{FdClass, Handle, WasiCtx};
use crate::io::{wait_ready, write_stream};
use crate::memory::GuestMemory;
use crate::state::{FdEntry, FdKind};
use rustix::event::{PollFd, PollFlags, poll};
use std::os::fd::{AsRawFd, BorrowedFd};
use std::time::{Duration, Instant};

/// One event to report back to the guest.
struct Event {
    userdata: u64,
    error: Errno,
    kind: u8,
    nbytes: u64,
    flags: u16,
}

impl Event {
    fn failed(userdata: u64, kind: u8, error: Errno) -> Event {
        Event {
            userdata,
            error,
            kind,
            nbytes: 0,
            flags: 0,
        }
    }
}

/// A subscription that needs the OS to tell readiness.
struct Waiting {
    userdata: u64,
    kind: u8,
    raw: i32,
}

impl WasiCtx {
    pub fn poll_oneoff(
        &mut self,
        mem: &mut GuestMemory<'_>,
        subs: u32,
        out: u32,
        n: u32,
        nevents: u32,
    ) -> WasiResult<()> {
        if n == 0 {
            return Err(Errno::Inval);
        }
        let subs_len = u64::from(n) * u64::from(size::SUBSCRIPTION);
        let out_len = u64::from(n) * u64::from(size::EVENT);
        if subs_len > u64::from(u32::MAX) || out_len > u64::from(u32::MAX) {
            return Err(Errno::Fault);
        }
        mem.slice(subs, subs_len as u32)?;
        mem.slice(out, out_len as u32)?;
        mem.slice(nevents, 4)?;

        let now = Instant::now();
        // A call repeated after a pause counts its relative timeouts from
        // when it first began, so it waits only the time that was left.
        let guest_now = self.clocks.monotonic_now();
        let started = self
            .state
            .paused_poll_started_ns
            .take()
            .unwrap_or(guest_now);
        let already_waited = guest_now.saturating_sub(started);
        let mut ready: Vec<Event> = Vec::new();
        let mut clocks: Vec<(u64, Instant)> = Vec::new();
        let mut waiting: Vec<Waiting> = Vec::new();
        for i in 0..n {
            let at = subs + i * size::SUBSCRIPTION;
            let userdata = mem.read_u64(at)?;
            let tag = mem.read_u8(at + 8)?;
            match tag {
                eventtype::CLOCK => {
                    let id = mem.read_u32(at + 16)?;
                    let timeout = mem.read_u64(at + 24)?;
                    let flags = mem.read_u16(at + 40)?;
                    match self.clock_wait(id, timeout, flags, already_waited) {
                        Ok(wait) => clocks.push((userdata, now + wait)),
                        Err(e) => ready.push(Event::failed(userdata, tag, e)),
                    }
                }
                eventtype::FD_READ | eventtype::FD_WRITE => {
                    let fd = mem.read_u32(at + 16)?;
                    match self.fd_readiness(fd, tag) {
                        Ok(Readiness::Now(nbytes)) => ready.push(Event {
                            userdata,
                            error: Errno::Success,
                            kind: tag,
                            nbytes,
                            flags: 0,
                        }),
                        Ok(Readiness::Os(raw)) => waiting.push(Waiting {
                            userdata,
                            kind: tag,
                            raw,
                        }),
                        Err(e) => ready.push(Event::failed(userdata, tag, e)),
                    }
                }
                _ => return Err(Errno::Inval),
            }
        }

        let deadline = clocks.iter().map(|(_, d)| *d).min();
        loop {
            if self.interrupted() {
                if self.pause_requested() {
                    self.state.paused_poll_started_ns = Some(started);
                }
                return Err(Errno::Intr);
            }
            let now = Instant::now();
            let mut slice = Duration::from_millis(50);
            if !ready.is_empty() {
                slice = Duration::ZERO;
            } else if let Some(d) = deadline {
                slice = slice.min(d.saturating_duration_since(now));
            }
            // SAFETY: every raw fd belongs to a handle held in this context,
            // which is borrowed for the whole call.
            let borrowed: Vec<BorrowedFd<'_>> = waiting
                .iter()
                .map(|w| unsafe { BorrowedFd::borrow_raw(w.raw) })
                .collect();
            let mut pollfds: Vec<PollFd<'_>> = waiting
                .iter()
                .zip(&borrowed)
                .map(|(w, fd)| {
                    PollFd::new(
                        fd,
                        if w.kind == eventtype::FD_READ {
                            PollFlags::IN
                        } else {
                            PollFlags::OUT
                        },
                    )
                })
                .collect();
            let wake = self.pause.wake_fd().filter(|_| self.in_pausable_call);
            if let Some(wake) = &wake {
                pollfds.push(PollFd::new(wake, PollFlags::IN));
            }
            let timeout = rustix::time::Timespec {
                tv_sec: slice.as_secs() as i64,
                tv_nsec: slice.subsec_nanos() as i64,
            };
            match poll(&mut pollfds, Some(&timeout)) {
                Ok(_) | Err(rustix::io::Errno::INTR) => {}
                Err(e) => return Err(e.into()),
            }
            for (w, p) in waiting.iter().zip(&pollfds) {
                let revents = p.revents();
                if revents.is_empty() {
                    continue;
                }
                let mut ev = Event {
                    userdata: w.userdata,
                    error: Errno::Success,
                    kind: w.kind,
                    nbytes: 0,
                    flags: 0,
                };
                if revents.contains(PollFlags::NVAL) {
                    ev.error = Errno::Badf;
                } else if revents.contains(PollFlags::ERR) {
                    ev.error = Errno::Io;
                }
                if revents.contains(PollFlags::HUP) {
                    ev.flags |= EVENT_FD_READWRITE_HANGUP;
                }
                if w.kind == eventtype::FD_READ {
                    // SAFETY: as above.
                    let fd = unsafe { BorrowedFd::borrow_raw(w.raw) };
                    ev.nbytes = rustix::io::ioctl_fionread(fd).unwrap_or(1);
                }
                ready.push(ev);
            }
            let now = Instant::now();
            for (userdata, d) in &clocks {
                if *d <= now {
                    ready.push(Event {
                        userdata: *userdata,
                        error: Errno::Success,
                        kind: eventtype::CLOCK,
                        nbytes: 0,
                        flags: 0,
                    });
                }
            }
            if !ready.is_empty() {
                break;
            }
        }

        for (i, ev) in ready.iter().take(n as usize).enumerate() {
            let at = out + i as u32 * size::EVENT;
            mem.write(at, &[0u8; size::EVENT as usize])?;
            mem.write_u64(at, ev.userdata)?;
            mem.write_u16(at + 8, ev.error as u16)?;
            mem.write_u8(at + 10, ev.kind)?;
            mem.write_u64(at + 16, ev.nbytes)?;
            mem.write_u16(at + 24, ev.flags)?;
        }
        mem.write_u32(nevents, ready.len().min(n as usize) as u32)
    }

    /// How long a clock subscription waits from now.
    /// How long a clock subscription waits from now; a relative timeout is
    /// shortened by `already_waited` nanoseconds.
    fn clock_wait(
        &self,
        id: u32,
        timeout: u64,
        flags: u16,
        already_waited: u64,
    ) -> WasiResult<Duration> {
        if flags & !SUBCLOCK_ABSTIME != 0 {
            return Err(Errno::Inval);
        }
        if flags & SUBCLOCK_ABSTIME == 0 {
            if id > clockid::THREAD_CPUTIME {
                return Err(Errno::Inval);
            }
            return Ok(Duration::from_nanos(timeout.saturating_sub(already_waited)));
        }
        let now = self.clocks.now(id)?;
        Ok(Duration::from_nanos(timeout.saturating_sub(now)))
    }

    fn fd_readiness(&mut self, fd: u32, kind: u8) -> WasiResult<Readiness> {
        let e = self.entry(fd)?;
        if e.rights_base & rights::POLL_FD_READWRITE == 0 {
            return Err(Errno::Notcapable);
        }
        let offset = e.offset;
        Ok(match self.handle(fd)? {
            // Regular files are always ready, as on POSIX.
            Handle::File(f) => {
                let len = rustix::fs::fstat(f)?.st_size as u64;
                Readiness::Now(if kind == eventtype::FD_READ {
                    len.saturating_sub(offset)
                } else {
                    0
                })
            }
            Handle::Dir(_) => return Err(Errno::Badf),
            h => Readiness::Os(h.fd().as_raw_fd()),
        })
    }

    pub fn sock_accept(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        flags: u16,
        out: u32,
    ) -> WasiResult<()> {
        mem.slice(out, 4)?;
        if flags & !fdflags::NONBLOCK != 0 {
            return Err(Errno::Inval);
        }
        // What the fd is decides before its rights: a file, directory or
        // stdio has no SOCK_ACCEPT right, but the answer is ENOTSOCK.
        if self.class(fd)? != FdClass::Socket {
            return Err(Errno::Notsock);
        }
        // A connection is a socket that does not listen: EINVAL, as Linux.
        if matches!(self.entry(fd)?.kind, FdKind::TcpStream { .. }) {
            return Err(Errno::Inval);
        }
        let e = self.entry_with(fd, rights::SOCK_ACCEPT)?;
        let nonblock = e.fdflags & fdflags::NONBLOCK != 0;
        let (stream, peer) = loop {
            let listener = match self.handle(fd)? {
                Handle::Listener(l) => l,
                _ => return Err(Errno::Notsock),
            };
            match listener.accept() {
                Ok(pair) => break pair,
                Err(err) if err.kind() == std::io::ErrorKind::WouldBlock && !nonblock => {
                    let raw = listener.as_raw_fd();
                    // SAFETY: the listener stays in the table for this call.
                    wait_ready(
                        self,
                        unsafe { BorrowedFd::borrow_raw(raw) },
                        PollFlags::IN,
                        None,
                    )?;
                }
                Err(err) => return Err(err.into()),
            }
        };
        stream.set_nonblocking(true)?;
        let entry = FdEntry {
            kind: FdKind::TcpStream {
                peer: peer.to_string(),
            },
            rights_base: rights::SOCKET_ALL & !rights::SOCK_ACCEPT,
            rights_inheriting: 0,
            fdflags: flags,
            offset: 0,
        };
        let new_fd = self.insert_fd(entry, Handle::Stream(stream))?;
        mem.write_u32(out, new_fd)
    }

    /// The connected socket behind `fd`: `ENOTSOCK` for anything that is no
    /// socket (before its rights are looked at), `ENOTCONN` for a listener.
    fn stream_fd(&mut self, fd: u32, right: u64) -> WasiResult<(i32, bool)> {
        if self.class(fd)? != FdClass::Socket {
            return Err(Errno::Notsock);
        }
        let e = self.entry(fd)?;
        let (granted, nonblock) = (
            e.rights_base & right == right,
            e.fdflags & fdflags::NONBLOCK != 0,
        );
        match self.handle(fd)? {
            Handle::Stream(s) if granted => Ok((s.as_raw_fd(), nonblock)),
            Handle::Stream(_) => Err(Errno::Notcapable),
            Handle::Listener(_) => Err(Errno::Notconn),
            _ => Err(Errno::Notsock),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn sock_recv(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        iovs: u32,
        n: u32,
        ri_flags: u16,
        out_len: u32,
        out_flags: u32,
    ) -> WasiResult<()> {
        let iovs = mem.iovecs(iovs, n)?;
        mem.slice(out_len, 4)?;
        mem.slice(out_flags, 2)?;
        let (raw, nonblock) = self.stream_fd(fd, rights::FD_READ)?;
        if ri_flags & !(RIFLAGS_RECV_PEEK | RIFLAGS_RECV_WAITALL) != 0 {
            return Err(Errno::Inval);
        }
        // SAFETY: the stream stays in the table for this whole call.
        let sock = unsafe { BorrowedFd::borrow_raw(raw) };
        let want: usize = iovs.iter().map(|&(_, l)| l as usize).sum();
        let mut buf = vec![0u8; want.min(1 << 20)];
        let mut flags = rustix::net::RecvFlags::empty();
        if ri_flags & RIFLAGS_RECV_PEEK != 0 {
            flags |= rustix::net::RecvFlags::PEEK;
        }
        let waitall = ri_flags & RIFLAGS_RECV_WAITALL != 0;
        let mut got = 0;
        while got < buf.len() {
            match rustix::net::recv(sock, &mut buf[got..], flags) {
                Ok((0, _)) => break,
                Ok((k, _)) => {
                    got += k;
                    if !waitall || flags.contains(rustix::net::RecvFlags::PEEK) {
                        break;
                    }
                }
                Err(rustix::io::Errno::AGAIN) if !nonblock || got > 0 && waitall => {
                    wait_ready(self, sock, PollFlags::IN, None)?;
                }
                Err(rustix::io::Errno::INTR) => {}
                Err(e) if got == 0 => return Err(e.into()),
                Err(_) => break,
            }
        }
        let placed = mem.scatter(&iovs, &buf[..got])?;
        mem.write_u32(out_len, placed as u32)?;
        mem.write_u16(out_flags, 0)
    }

    pub fn sock_send(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        iovs: u32,
        n: u32,
        _si_flags: u16,
        out_len: u32,
    ) -> WasiResult<()> {
        let iovs = mem.iovecs(iovs, n)?;
        mem.slice(out_len, 4)?;
        let data = mem.gather(&iovs)?;
        let (raw, nonblock) = self.stream_fd(fd, rights::FD_WRITE)?;
        // SAFETY: the stream stays in the table for this whole call.
        let sent = write_stream(
            self,
            unsafe { BorrowedFd::borrow_raw(raw) },
            &data,
            nonblock,
        )?;
        mem.write_u32(out_len, sent as u32)
    }

    pub fn sock_shutdown(&mut self, fd: u32, how: u8) -> WasiResult<()> {
        // Like Linux: a non-socket is ENOTSOCK whatever `how` says, and
        // before its rights (stdio and files have no SOCK_SHUTDOWN right).
        if self.class(fd)? != FdClass::Socket {
            return Err(Errno::Notsock);
        }
        let how = match how {
            SDFLAGS_RD => std::net::Shutdown::Read,
            SDFLAGS_WR => std::net::Shutdown::Write,
            x if x == SDFLAGS_RD | SDFLAGS_WR => std::net::Shutdown::Both,
            _ => return Err(Errno::Inval),
        };
        self.entry_with(fd, rights::SOCK_SHUTDOWN)?;
        match self.handle(fd)? {
            Handle::Stream(s) => Ok(s.shutdown(how)?),
            Handle::Listener(_) => Err(Errno::Notconn),
            _ => Err(Errno::Notsock),
        }
    }
}

enum Readiness {
    Now(u64),
    Os(i32),
}
