//! The `fd_*` functions of preview1.

use crate::abi::{Errno, WasiResult, fdflags, filetype, fstflags, rights, size, whence};
use crate::ctx::{FdClass, Handle, WasiCtx};
use crate::filestat::Filestat;
use crate::io::{pread_full, pwrite_full, read_stream, write_stream};
use crate::memory::GuestMemory;
use crate::state::FdKind;
use std::io::{Seek, Write};
use std::os::fd::AsFd;

/// Converts guest `*_set_times` arguments into the host's timestamp form.
pub(crate) fn timestamps(atim: u64, mtim: u64, flags: u16) -> WasiResult<rustix::fs::Timestamps> {
    fn one(value: u64, set: bool, now: bool) -> WasiResult<rustix::fs::Timespec> {
        Ok(match (set, now) {
            (true, true) => return Err(Errno::Inval),
            (true, false) => rustix::fs::Timespec {
                tv_sec: (value / 1_000_000_000) as i64,
                tv_nsec: (value % 1_000_000_000) as _,
            },
            (false, true) => rustix::fs::Timespec {
                tv_sec: 0,
                tv_nsec: rustix::fs::UTIME_NOW as _,
            },
            (false, false) => rustix::fs::Timespec {
                tv_sec: 0,
                tv_nsec: rustix::fs::UTIME_OMIT as _,
            },
        })
    }
    if flags & !(fstflags::ATIM | fstflags::ATIM_NOW | fstflags::MTIM | fstflags::MTIM_NOW) != 0 {
        return Err(Errno::Inval);
    }
    Ok(rustix::fs::Timestamps {
        last_access: one(
            atim,
            flags & fstflags::ATIM != 0,
            flags & fstflags::ATIM_NOW != 0,
        )?,
        last_modification: one(
            mtim,
            flags & fstflags::MTIM != 0,
            flags & fstflags::MTIM_NOW != 0,
        )?,
    })
}

impl WasiCtx {
    /// Checks that `fd` can be read (`right` is `FD_READ`) or written
    /// (`FD_WRITE`), at an offset of the guest's choice if `positional`.
    /// The kind decides first, as on Linux: a directory is `EISDIR` to read
    /// and `EBADF` to write, positional I/O on a stream `ESPIPE`. Then a
    /// missing right is `ENOTCAPABLE`, as preview1 says (wasi-libc turns it
    /// into POSIX's `EBADF` for read()/write()).
    fn io_entry(&self, fd: u32, right: u64, positional: bool) -> WasiResult<(u16, u64)> {
        match self.class(fd)? {
            FdClass::Dir if right == rights::FD_READ => return Err(Errno::Isdir),
            FdClass::Dir => return Err(Errno::Badf),
            FdClass::Stdio | FdClass::Socket if positional => return Err(Errno::Spipe),
            FdClass::File | FdClass::Stdio | FdClass::Socket => {}
        }
        let e = self.entry(fd)?;
        if e.rights_base & right == 0 {
            return Err(Errno::Notcapable);
        }
        Ok((e.fdflags, e.offset))
    }

    pub fn fd_write(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        iovs: u32,
        n: u32,
        out: u32,
    ) -> WasiResult<()> {
        let (flags, offset) = self.io_entry(fd, rights::FD_WRITE, false)?;
        let iovs = mem.iovecs(iovs, n)?;
        mem.slice(out, 4)?;
        let data = mem.gather(&iovs)?;
        let nonblock = flags & fdflags::NONBLOCK != 0;
        let written = match self.handle(fd)? {
            Handle::File(f) if flags & fdflags::APPEND != 0 => {
                let mut f = f;
                f.write_all(&data)?;
                let end = f.stream_position()?;
                self.entry_mut(fd)?.offset = end;
                data.len()
            }
            Handle::File(f) => {
                let w = pwrite_full(f.as_fd(), &data, offset)?;
                self.entry_mut(fd)?.offset = offset + w as u64;
                w
            }
            h @ (Handle::Stdio(_) | Handle::Stream(_)) => {
                let raw = h.fd();
                // SAFETY of the re-borrow: the handle outlives this call.
                let raw = unsafe {
                    std::os::fd::BorrowedFd::borrow_raw(std::os::fd::AsRawFd::as_raw_fd(&raw))
                };
                write_stream(self, raw, &data, nonblock)?
            }
            Handle::Dir(_) => return Err(Errno::Badf),
            Handle::Listener(_) => return Err(Errno::Notconn),
        };
        mem.write_u32(out, written as u32)
    }

    pub fn fd_read(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        iovs: u32,
        n: u32,
        out: u32,
    ) -> WasiResult<()> {
        let (flags, offset) = self.io_entry(fd, rights::FD_READ, false)?;
        let iovs = mem.iovecs(iovs, n)?;
        mem.slice(out, 4)?;
        let nonblock = flags & fdflags::NONBLOCK != 0;
        let mut total = 0usize;
        match self.handle(fd)? {
            Handle::File(f) => {
                for &(p, l) in &iovs {
                    let got = pread_full(f.as_fd(), mem.slice_mut(p, l)?, offset + total as u64)?;
                    total += got;
                    if got < l as usize {
                        break;
                    }
                }
                self.entry_mut(fd)?.offset = offset + total as u64;
            }
            Handle::Stdio(_) | Handle::Stream(_) => {
                // One read, like POSIX readv on a stream: fill the first
                // non-empty buffer with what is available, then spread.
                let want: usize = iovs.iter().map(|&(_, l)| l as usize).sum();
                let mut buf = vec![0u8; want.min(1 << 20)];
                let raw = std::os::fd::AsRawFd::as_raw_fd(&self.handle(fd)?.fd());
                // SAFETY: the handle stays in the table for this whole call.
                let raw = unsafe { std::os::fd::BorrowedFd::borrow_raw(raw) };
                let got = read_stream(self, raw, &mut buf, nonblock)?;
                total = mem.scatter(&iovs, &buf[..got])?;
            }
            Handle::Dir(_) => return Err(Errno::Isdir),
            Handle::Listener(_) => return Err(Errno::Notconn),
        }
        mem.write_u32(out, total as u32)
    }

    pub fn fd_pread(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        iovs: u32,
        n: u32,
        offset: u64,
        out: u32,
    ) -> WasiResult<()> {
        self.io_entry(fd, rights::FD_READ, true)?;
        let iovs = mem.iovecs(iovs, n)?;
        mem.slice(out, 4)?;
        let f = match self.handle(fd)? {
            Handle::File(f) => f,
            _ => return Err(Errno::Spipe),
        };
        let mut total = 0usize;
        for &(p, l) in &iovs {
            let got = pread_full(f.as_fd(), mem.slice_mut(p, l)?, offset + total as u64)?;
            total += got;
            if got < l as usize {
                break;
            }
        }
        mem.write_u32(out, total as u32)
    }

    pub fn fd_pwrite(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        iovs: u32,
        n: u32,
        offset: u64,
        out: u32,
    ) -> WasiResult<()> {
        self.io_entry(fd, rights::FD_WRITE, true)?;
        let iovs = mem.iovecs(iovs, n)?;
        mem.slice(out, 4)?;
        let data = mem.gather(&iovs)?;
        let written = match self.handle(fd)? {
            Handle::File(f) => pwrite_full(f.as_fd(), &data, offset)?,
            _ => return Err(Errno::Spipe),
        };
        mem.write_u32(out, written as u32)
    }

    pub fn fd_seek(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        delta: i64,
        how: u8,
        out: u32,
    ) -> WasiResult<()> {
        // Only files have an offset. A directory is EBADF, not Linux's
        // lseek on a directory stream: WASI's tests (directory_seek,
        // dir_fd_op_failures) require it, as fd_readdir has cookies instead.
        match self.class(fd)? {
            FdClass::File => {}
            FdClass::Dir => return Err(Errno::Badf),
            FdClass::Stdio | FdClass::Socket => return Err(Errno::Spipe),
        }
        let e = self.entry(fd)?;
        let needed = if how == whence::CUR && delta == 0 {
            rights::FD_TELL
        } else {
            rights::FD_SEEK
        };
        if e.rights_base & (needed | rights::FD_SEEK) == 0 {
            return Err(Errno::Notcapable);
        }
        let current = e.offset;
        let Handle::File(f) = self.handle(fd)? else {
            return Err(Errno::Badf);
        };
        let base = match how {
            whence::SET => 0,
            whence::CUR => current,
            whence::END => rustix::fs::fstat(f)?.st_size as u64,
            _ => return Err(Errno::Inval),
        };
        let new = i128::from(base) + i128::from(delta);
        if !(0..=i128::from(i64::MAX)).contains(&new) {
            return Err(Errno::Inval);
        }
        mem.slice(out, 8)?;
        self.entry_mut(fd)?.offset = new as u64;
        mem.write_u64(out, new as u64)
    }

    pub fn fd_tell(&mut self, mem: &mut GuestMemory<'_>, fd: u32, out: u32) -> WasiResult<()> {
        self.fd_seek(mem, fd, 0, whence::CUR, out)
    }

    pub fn fd_close(&mut self, fd: u32) -> WasiResult<()> {
        self.remove_fd(fd).map(|_| ())
    }

    pub fn fd_advise(&mut self, fd: u32, offset: u64, len: u64, advice: u8) -> WasiResult<()> {
        use rustix::fs::Advice;
        // Streams have no pages to advise about: ESPIPE, as Linux.
        if matches!(self.class(fd)?, FdClass::Stdio | FdClass::Socket) {
            return Err(Errno::Spipe);
        }
        self.entry_with(fd, rights::FD_ADVISE)?;
        let advice = match advice {
            0 => Advice::Normal,
            1 => Advice::Sequential,
            2 => Advice::Random,
            3 => Advice::WillNeed,
            4 => Advice::DontNeed,
            5 => Advice::NoReuse,
            _ => return Err(Errno::Inval),
        };
        match self.handle(fd)? {
            Handle::File(f) => Ok(rustix::fs::fadvise(
                f,
                offset,
                std::num::NonZeroU64::new(len),
                advice,
            )?),
            Handle::Dir(_) => Ok(()),
            _ => Err(Errno::Spipe),
        }
    }

    pub fn fd_allocate(&mut self, fd: u32, offset: u64, len: u64) -> WasiResult<()> {
        // A directory is never open for writing: EBADF, as Linux's
        // fallocate answers; a stream ESPIPE. Both before the rights.
        match self.class(fd)? {
            FdClass::File => {}
            FdClass::Dir => return Err(Errno::Badf),
            FdClass::Stdio | FdClass::Socket => return Err(Errno::Spipe),
        }
        self.entry_with(fd, rights::FD_ALLOCATE)?;
        let Handle::File(f) = self.handle(fd)? else {
            return Err(Errno::Badf);
        };
        if len == 0 {
            return Err(Errno::Inval);
        }
        let end = offset
            .checked_add(len)
            .filter(|e| *e <= i64::MAX as u64)
            .ok_or(Errno::Fbig)?;
        match rustix::fs::fallocate(f, rustix::fs::FallocateFlags::empty(), offset, len) {
            Ok(()) => Ok(()),
            // File systems without fallocate: grow the file instead.
            Err(rustix::io::Errno::OPNOTSUPP) => {
                if (rustix::fs::fstat(f)?.st_size as u64) < end {
                    rustix::fs::ftruncate(f, end)?;
                }
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    pub fn fd_datasync(&mut self, fd: u32) -> WasiResult<()> {
        // Streams cannot be synced: EINVAL, as Linux, before the rights.
        if matches!(self.class(fd)?, FdClass::Stdio | FdClass::Socket) {
            return Err(Errno::Inval);
        }
        self.entry_with(fd, rights::FD_DATASYNC)?;
        match self.handle(fd)? {
            Handle::File(f) => Ok(rustix::fs::fdatasync(f)?),
            Handle::Dir(d) => Ok(rustix::fs::fdatasync(d)?),
            _ => Err(Errno::Inval),
        }
    }

    pub fn fd_sync(&mut self, fd: u32) -> WasiResult<()> {
        if matches!(self.class(fd)?, FdClass::Stdio | FdClass::Socket) {
            return Err(Errno::Inval);
        }
        self.entry_with(fd, rights::FD_SYNC)?;
        match self.handle(fd)? {
            Handle::File(f) => Ok(rustix::fs::fsync(f)?),
            Handle::Dir(d) => Ok(rustix::fs::fsync(d)?),
            _ => Err(Errno::Inval),
        }
    }

    /// The filetype the guest sees for `fd`.
    pub(crate) fn fd_filetype(&mut self, fd: u32) -> WasiResult<u8> {
        Ok(match &self.entry(fd)?.kind {
            FdKind::PreopenDir { .. } | FdKind::Dir { .. } => filetype::DIRECTORY,
            FdKind::TcpListener { .. } | FdKind::TcpStream { .. } => filetype::SOCKET_STREAM,
            FdKind::File { .. } => filetype::REGULAR_FILE,
            FdKind::Stdin | FdKind::Stdout | FdKind::Stderr => {
                let h = self.handle(fd)?;
                Filestat::from_stat(&rustix::fs::fstat(h.fd())?).filetype
            }
        })
    }

    pub fn fd_fdstat_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        out: u32,
    ) -> WasiResult<()> {
        let ft = self.fd_filetype(fd)?;
        let e = self.entry(fd)?;
        let (flags, base, inheriting) = (e.fdflags, e.rights_base, e.rights_inheriting);
        // A terminal is not seekable; wasi-libc's isatty() relies on that.
        let base = if ft == filetype::CHARACTER_DEVICE {
            base & !(rights::FD_SEEK | rights::FD_TELL)
        } else {
            base
        };
        mem.slice(out, size::FDSTAT)?;
        mem.write(out, &[ft, 0])?;
        mem.write_u16(out + 2, flags)?;
        mem.write(out + 4, &[0; 4])?;
        mem.write_u64(out + 8, base)?;
        mem.write_u64(out + 16, inheriting)
    }

    pub fn fd_fdstat_set_flags(&mut self, fd: u32, flags: u16) -> WasiResult<()> {
        if flags & !fdflags::ALL != 0 {
            return Err(Errno::Inval);
        }
        let old = self.entry_with(fd, rights::FD_FDSTAT_SET_FLAGS)?.fdflags;
        // Like Linux's F_SETFL, only APPEND and NONBLOCK change; the sync
        // family stays as it was opened.
        let changeable = fdflags::APPEND | fdflags::NONBLOCK;
        let new = (old & !changeable) | (flags & changeable);
        if let Handle::File(f) = self.handle(fd)? {
            let mut os = rustix::fs::fcntl_getfl(f)?;
            os.set(rustix::fs::OFlags::APPEND, new & fdflags::APPEND != 0);
            rustix::fs::fcntl_setfl(f, os)?;
        }
        self.entry_mut(fd)?.fdflags = new;
        Ok(())
    }

    pub fn fd_fdstat_set_rights(&mut self, fd: u32, base: u64, inheriting: u64) -> WasiResult<()> {
        let e = self.entry_mut(fd)?;
        if base & !e.rights_base != 0 || inheriting & !e.rights_inheriting != 0 {
            return Err(Errno::Notcapable);
        }
        e.rights_base = base;
        e.rights_inheriting = inheriting;
        Ok(())
    }

    pub fn fd_filestat_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        out: u32,
    ) -> WasiResult<()> {
        self.entry_with(fd, rights::FD_FILESTAT_GET)?;
        let ft = self.fd_filetype(fd)?;
        let mut stat = Filestat::from_stat(&rustix::fs::fstat(self.handle(fd)?.fd())?);
        if ft == filetype::SOCKET_STREAM {
            stat.filetype = ft;
        }
        stat.write(mem, out)
    }

    pub fn fd_filestat_set_size(&mut self, fd: u32, len: u64) -> WasiResult<()> {
        // Only regular files have a size to set: EINVAL otherwise, as
        // Linux's ftruncate answers, before the rights.
        if self.class(fd)? != FdClass::File {
            return Err(Errno::Inval);
        }
        self.entry_with(fd, rights::FD_FILESTAT_SET_SIZE)?;
        if len > i64::MAX as u64 {
            return Err(Errno::Fbig);
        }
        match self.handle(fd)? {
            Handle::File(f) => Ok(rustix::fs::ftruncate(f, len)?),
            _ => Err(Errno::Inval),
        }
    }

    pub fn fd_filestat_set_times(
        &mut self,
        fd: u32,
        atim: u64,
        mtim: u64,
        flags: u16,
    ) -> WasiResult<()> {
        self.entry_with(fd, rights::FD_FILESTAT_SET_TIMES)?;
        let ts = timestamps(atim, mtim, flags)?;
        Ok(rustix::fs::futimens(self.handle(fd)?.fd(), &ts)?)
    }

    pub fn fd_prestat_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        out: u32,
    ) -> WasiResult<()> {
        let FdKind::PreopenDir { preopen } = self.entry(fd)?.kind else {
            return Err(Errno::Badf);
        };
        let len = self.state.preopens[preopen].guest_name.len() as u32;
        mem.slice(out, size::PRESTAT)?;
        mem.write(out, &[0, 0, 0, 0])?;
        mem.write_u32(out + 4, len)
    }

    pub fn fd_prestat_dir_name(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        buf: u32,
        len: u32,
    ) -> WasiResult<()> {
        let FdKind::PreopenDir { preopen } = self.entry(fd)?.kind else {
            return Err(Errno::Badf);
        };
        let name = self.state.preopens[preopen].guest_name.as_bytes();
        if (len as usize) < name.len() {
            return Err(Errno::Nametoolong);
        }
        mem.write(buf, name)
    }

    pub fn fd_readdir(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        buf: u32,
        len: u32,
        cookie: u64,
        out: u32,
    ) -> WasiResult<()> {
        // Anything but a directory is ENOTDIR (Linux's getdents), before
        // the rights.
        if self.class(fd)? != FdClass::Dir {
            return Err(Errno::Notdir);
        }
        self.entry_with(fd, rights::FD_READDIR)?;
        mem.slice(buf, len)?;
        mem.slice(out, 4)?;
        let entries = crate::path::list_dir(self.dir_handle(fd)?)?;
        let mut used = 0u32;
        for (index, entry) in entries
            .iter()
            .enumerate()
            .skip(cookie.min(usize::MAX as u64) as usize)
        {
            let mut record = Vec::with_capacity(size::DIRENT as usize + entry.name.len());
            record.extend_from_slice(&(index as u64 + 1).to_le_bytes());
            record.extend_from_slice(&entry.ino.to_le_bytes());
            record.extend_from_slice(&(entry.name.len() as u32).to_le_bytes());
            record.extend_from_slice(&[entry.filetype, 0, 0, 0]);
            record.extend_from_slice(&entry.name);
            // A record that does not fit is cut; the guest sees a full
            // buffer and asks again from that entry's cookie.
            let room = (len - used) as usize;
            let take = record.len().min(room);
            mem.write(buf + used, &record[..take])?;
            used += take as u32;
            if take < record.len() {
                break;
            }
        }
        mem.write_u32(out, used)
    }

    pub fn fd_renumber(&mut self, from: u32, to: u32) -> WasiResult<()> {
        self.entry(from)?;
        self.entry(to)?;
        if from == to {
            return Ok(());
        }
        let entry = self.state.fds.remove(&from).ok_or(Errno::Badf)?;
        let handle = self.handles.remove(&from);
        self.state.fds.insert(to, entry);
        match handle {
            Some(h) => {
                self.handles.insert(to, h);
            }
            None => {
                self.handles.remove(&to);
            }
        }
        Ok(())
    }
}
