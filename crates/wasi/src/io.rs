//! Reading and writing host handles on the guest's behalf.
//!
//! Files are accessed positionally (`pread`/`pwrite`) at the offset kept in
//! the fd's portable entry, so no OS cursor holds guest state. Sockets are
//! kept non-blocking at the OS level; a guest's blocking call is a wait in
//! short slices so that a deadline or interrupt can end it.

use crate::abi::{Errno, WasiResult};
use crate::ctx::{Handle, WasiCtx};
use rustix::event::{PollFd, PollFlags, poll};
use std::os::fd::{AsFd, BorrowedFd};
use std::time::{Duration, Instant};

impl Handle {
    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        match self {
            // SAFETY: the number is the process's 0, 1 or 2, open for its
            // whole life, or a redirect owned by the `WasiCtx` that holds
            // this handle (`WasiCtx::stdio`), which outlives the handle.
            Handle::Stdio(n) => unsafe { BorrowedFd::borrow_raw(*n) },
            Handle::File(f) => f.as_fd(),
            Handle::Dir(d) => d.as_fd(),
            Handle::Listener(l) => l.as_fd(),
            Handle::Stream(s) => s.as_fd(),
        }
    }
}

/// How long one slice of a blocking wait lasts before the deadline and
/// interrupt flag are looked at again.
const WAIT_SLICE: Duration = Duration::from_millis(50);

/// Waits until `fd` is ready for `flags`, or `until` passes. Returns whether
/// it became ready. `EINTR` when the context is interrupted.
pub(crate) fn wait_ready(
    ctx: &WasiCtx,
    fd: BorrowedFd<'_>,
    flags: PollFlags,
    until: Option<Instant>,
) -> WasiResult<bool> {
    loop {
        if ctx.interrupted() {
            return Err(Errno::Intr);
        }
        let mut slice = WAIT_SLICE;
        if let Some(until) = until {
            let now = Instant::now();
            if now >= until {
                return Ok(false);
            }
            slice = slice.min(until - now);
        }
        let mut fds = vec![PollFd::new(&fd, flags)];
        let wake = ctx.pause.wake_fd().filter(|_| ctx.in_pausable_call);
        if let Some(wake) = &wake {
            fds.push(PollFd::new(wake, PollFlags::IN));
        }
        let timeout = rustix::time::Timespec {
            tv_sec: slice.as_secs() as i64,
            tv_nsec: slice.subsec_nanos() as i64,
        };
        match poll(&mut fds, Some(&timeout)) {
            Ok(0) => continue,
            Ok(_) if fds[0].revents().is_empty() => continue,
            Ok(_) => return Ok(true),
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Writes all of `data` to a stream-like fd (stdio, socket), waiting for
/// writability unless `nonblock`. Returns the bytes written.
pub(crate) fn write_stream(
    ctx: &WasiCtx,
    fd: BorrowedFd<'_>,
    data: &[u8],
    nonblock: bool,
) -> WasiResult<usize> {
    let mut done = 0;
    while done < data.len() {
        match rustix::io::write(fd, &data[done..]) {
            Ok(n) => done += n,
            Err(rustix::io::Errno::INTR) => continue,
            Err(rustix::io::Errno::AGAIN) if !nonblock => {
                wait_ready(ctx, fd, PollFlags::OUT, None)?;
            }
            Err(e) if done == 0 => return Err(e.into()),
            Err(_) => break,
        }
    }
    Ok(done)
}

/// Reads from a stream-like fd into `buf`, waiting for data unless
/// `nonblock` (then `EAGAIN`).
pub(crate) fn read_stream(
    ctx: &WasiCtx,
    fd: BorrowedFd<'_>,
    buf: &mut [u8],
    nonblock: bool,
) -> WasiResult<usize> {
    if buf.is_empty() {
        return Ok(0);
    }
    loop {
        // Only read once the fd says it is readable: stdin may be a
        // blocking terminal we must not leave in non-blocking mode.
        let ready = if nonblock {
            wait_ready(ctx, fd, PollFlags::IN, Some(Instant::now()))?
        } else {
            wait_ready(ctx, fd, PollFlags::IN, None)?
        };
        if !ready {
            return Err(Errno::Again);
        }
        match rustix::io::read(fd, &mut *buf) {
            Ok(n) => return Ok(n),
            Err(rustix::io::Errno::INTR) | Err(rustix::io::Errno::AGAIN) if !nonblock => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// `pread` until `buf` is full or end of file.
pub(crate) fn pread_full(fd: BorrowedFd<'_>, buf: &mut [u8], offset: u64) -> WasiResult<usize> {
    let mut done = 0;
    while done < buf.len() {
        match rustix::io::pread(fd, &mut buf[done..], offset + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) if done == 0 => return Err(e.into()),
            Err(_) => break,
        }
    }
    Ok(done)
}

/// `pwrite` all of `data` at `offset`.
pub(crate) fn pwrite_full(fd: BorrowedFd<'_>, data: &[u8], offset: u64) -> WasiResult<usize> {
    let mut done = 0;
    while done < data.len() {
        match rustix::io::pwrite(fd, &data[done..], offset + done as u64) {
            Ok(n) => done += n,
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) if done == 0 => return Err(e.into()),
            Err(_) => break,
        }
    }
    Ok(done)
}
