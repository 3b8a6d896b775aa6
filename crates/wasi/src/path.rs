//! The `path_*` functions of preview1.
//!
//! Every path is resolved by cap-std relative to a directory handle, which
//! confines resolution beneath that directory: `..`, absolute paths and
//! symlinks (absolute, relative, chained) cannot lead outside it, and the
//! check and the use are one system call, so no race opens a gap. Guest path
//! strings are never inspected here for safety.

use crate::abi::{
    Errno, LOOKUP_SYMLINK_FOLLOW, WasiResult, fdflags, filetype, fstflags, oflags, rights,
};
use crate::ctx::{Handle, WasiCtx};
use crate::filestat::{Filestat, filetype_of_mode};
use crate::memory::GuestMemory;
use crate::state::{FdEntry, FdKind, join_relative};
use cap_fs_ext::{
    DirExt, FollowSymlinks, OpenOptionsFollowExt, OpenOptionsMaybeDirExt, OpenOptionsSyncExt,
    SystemTimeSpec,
};
use cap_std::fs::{Dir, MetadataExt};
use std::os::unix::ffi::OsStrExt;

/// One directory entry as `fd_readdir` reports it.
pub(crate) struct ListedEntry {
    pub name: Vec<u8>,
    pub ino: u64,
    pub filetype: u8,
}

/// Lists a directory: `.` and `..` first, then the entries sorted by name,
/// so that cookies (indices) stay stable between calls and across hosts.
pub(crate) fn list_dir(dir: &Dir) -> WasiResult<Vec<ListedEntry>> {
    let own = dir.dir_metadata()?;
    let mut out = vec![
        ListedEntry {
            name: b".".to_vec(),
            ino: own.ino(),
            filetype: filetype::DIRECTORY,
        },
        ListedEntry {
            name: b"..".to_vec(),
            ino: 0,
            filetype: filetype::DIRECTORY,
        },
    ];
    let mut rest = Vec::new();
    for entry in dir.entries()? {
        let entry = entry?;
        // DirEntry::metadata does not follow symlinks: a link is listed as one.
        let meta = entry.metadata()?;
        let filetype = filetype_of_mode(meta.mode());
        rest.push(ListedEntry {
            name: entry.file_name().as_bytes().to_vec(),
            ino: meta.ino(),
            filetype,
        });
    }
    rest.sort_by(|a, b| a.name.cmp(&b.name));
    out.extend(rest);
    Ok(out)
}

/// Unknown `lookupflags` bits are `EINVAL`, like every other flag set.
fn check_lookup(flags: u32) -> WasiResult<()> {
    if flags & !LOOKUP_SYMLINK_FOLLOW != 0 {
        return Err(Errno::Inval);
    }
    Ok(())
}

/// POSIX `rmdir` accepts trailing slashes ("a/b/"); cap-std does not.
fn without_trailing_slashes(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() { path } else { trimmed }
}

fn time_spec(value: u64, set: bool, now: bool) -> WasiResult<Option<SystemTimeSpec>> {
    Ok(match (set, now) {
        (true, true) => return Err(Errno::Inval),
        (true, false) => Some(SystemTimeSpec::Absolute(
            cap_std::time::SystemTime::from_std(
                std::time::UNIX_EPOCH + std::time::Duration::from_nanos(value),
            ),
        )),
        (false, true) => Some(SystemTimeSpec::SymbolicNow),
        (false, false) => None,
    })
}

impl WasiCtx {
    /// The directory handle of `fd` after checking `needed` rights.
    fn dir_with(&mut self, fd: u32, needed: u64) -> WasiResult<&Dir> {
        let e = self.entry(fd)?;
        if e.kind.fs_location().is_none() || matches!(e.kind, FdKind::File { .. }) {
            return Err(Errno::Notdir);
        }
        if e.rights_base & needed != needed {
            return Err(Errno::Notcapable);
        }
        self.dir_handle(fd)
    }

    /// Two directory handles at once (rename, link).
    fn two_dirs(&mut self, a: u32, need_a: u64, b: u32, need_b: u64) -> WasiResult<(&Dir, &Dir)> {
        self.dir_with(a, need_a)?;
        self.dir_with(b, need_b)?;
        match (self.handles.get(&a), self.handles.get(&b)) {
            (Some(Handle::Dir(x)), Some(Handle::Dir(y))) => Ok((x, y)),
            _ => Err(Errno::Notdir),
        }
    }

    pub fn path_create_directory(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        path: u32,
        len: u32,
    ) -> WasiResult<()> {
        let path = mem.str(path, len)?;
        Ok(self
            .dir_with(fd, rights::PATH_CREATE_DIRECTORY)?
            .create_dir(path)?)
    }

    pub fn path_filestat_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        flags: u32,
        path: u32,
        len: u32,
        out: u32,
    ) -> WasiResult<()> {
        let path = mem.str(path, len)?;
        check_lookup(flags)?;
        let dir = self.dir_with(fd, rights::PATH_FILESTAT_GET)?;
        let meta = if flags & LOOKUP_SYMLINK_FOLLOW != 0 {
            dir.metadata(path)?
        } else {
            dir.symlink_metadata(path)?
        };
        Filestat::from_metadata(&meta).write(mem, out)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn path_filestat_set_times(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        flags: u32,
        path: u32,
        len: u32,
        atim: u64,
        mtim: u64,
        fst: u16,
    ) -> WasiResult<()> {
        let path = mem.str(path, len)?;
        check_lookup(flags)?;
        if fst & !(fstflags::ATIM | fstflags::ATIM_NOW | fstflags::MTIM | fstflags::MTIM_NOW) != 0 {
            return Err(Errno::Inval);
        }
        let a = time_spec(
            atim,
            fst & fstflags::ATIM != 0,
            fst & fstflags::ATIM_NOW != 0,
        )?;
        let m = time_spec(
            mtim,
            fst & fstflags::MTIM != 0,
            fst & fstflags::MTIM_NOW != 0,
        )?;
        let dir = self.dir_with(fd, rights::PATH_FILESTAT_SET_TIMES)?;
        if flags & LOOKUP_SYMLINK_FOLLOW != 0 {
            Ok(dir.set_times(path, a, m)?)
        } else {
            Ok(dir.set_symlink_times(path, a, m)?)
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn path_link(
        &mut self,
        mem: &mut GuestMemory<'_>,
        old_fd: u32,
        old_flags: u32,
        old_path: u32,
        old_len: u32,
        new_fd: u32,
        new_path: u32,
        new_len: u32,
    ) -> WasiResult<()> {
        let old = mem.str(old_path, old_len)?;
        let new = mem.str(new_path, new_len)?;
        check_lookup(old_flags)?;
        let (src, dst) = self.two_dirs(
            old_fd,
            rights::PATH_LINK_SOURCE,
            new_fd,
            rights::PATH_LINK_TARGET,
        )?;
        if old_flags & LOOKUP_SYMLINK_FOLLOW != 0 {
            // Link what the symlink points at: resolve it inside the sandbox.
            let target = src.canonicalize(old)?;
            Ok(src.hard_link(target, dst, new)?)
        } else {
            Ok(src.hard_link(old, dst, new)?)
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn path_open(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        lookup: u32,
        path: u32,
        len: u32,
        oflags: u16,
        base: u64,
        inheriting: u64,
        fdflags: u16,
        out: u32,
    ) -> WasiResult<()> {
        let path = mem.str(path, len)?.to_string();
        mem.slice(out, 4)?;
        if oflags & !oflags::ALL != 0
            || fdflags & !fdflags::ALL != 0
            || lookup & !LOOKUP_SYMLINK_FOLLOW != 0
        {
            return Err(Errno::Inval);
        }
        let mut needed = rights::PATH_OPEN;
        if oflags & oflags::CREAT != 0 {
            needed |= rights::PATH_CREATE_FILE;
        }
        if oflags & oflags::TRUNC != 0 {
            needed |= rights::PATH_FILESTAT_SET_SIZE;
        }
        let dir_entry = self.entry(fd)?.clone();
        let Some((preopen, dir_path)) = dir_entry.kind.fs_location() else {
            return Err(Errno::Notdir);
        };
        let dir_path = dir_path.to_string();
        if oflags & oflags::DIRECTORY != 0
            && oflags & (oflags::CREAT | oflags::EXCL | oflags::TRUNC) != 0
        {
            return Err(Errno::Inval);
        }
        // Rights that change a file's contents must be inheritable to be
        // asked for; other rights (Rust's std asks for SET_TIMES even to
        // read) are granted as far as the directory allows.
        let contents = rights::FD_WRITE | rights::FD_ALLOCATE | rights::FD_FILESTAT_SET_SIZE;
        if base & contents & !dir_entry.rights_inheriting != 0 {
            return Err(Errno::Notcapable);
        }
        let base = base & dir_entry.rights_inheriting;
        let inheriting = inheriting & dir_entry.rights_inheriting;
        let read = base & rights::FD_READ != 0;
        let write = base
            & (rights::FD_WRITE
                | rights::FD_DATASYNC
                | rights::FD_ALLOCATE
                | rights::FD_FILESTAT_SET_SIZE)
            != 0;

        let mut opts = cap_std::fs::OpenOptions::new();
        opts.maybe_dir(true);
        opts.follow(if lookup & LOOKUP_SYMLINK_FOLLOW != 0 {
            FollowSymlinks::Yes
        } else {
            FollowSymlinks::No
        });
        if oflags & oflags::CREAT != 0 {
            if oflags & oflags::EXCL != 0 {
                opts.create_new(true);
            } else {
                opts.create(true);
            }
        }
        let os_write = write
            || oflags & (oflags::CREAT | oflags::TRUNC) != 0
            || fdflags & fdflags::APPEND != 0;
        opts.read(read || !os_write).write(os_write);
        let truncate = oflags & oflags::TRUNC != 0;
        let append = fdflags & fdflags::APPEND != 0;
        opts.truncate(truncate);
        // std and cap-std refuse truncate together with append (EINVAL),
        // while POSIX open(O_TRUNC|O_APPEND) is fine: open it truncating and
        // turn on O_APPEND right after (`append_after_open`).
        let append_after_open = truncate && append;
        opts.append(append && !append_after_open);
        opts.dsync(fdflags & fdflags::DSYNC != 0)
            .sync(fdflags & fdflags::SYNC != 0)
            .rsync(fdflags & fdflags::RSYNC != 0);
        opts.nonblock(fdflags & fdflags::NONBLOCK != 0);

        if self
            .max_open_files
            .is_some_and(|max| self.state.fds.len() >= max)
        {
            return Err(Errno::Mfile);
        }
        let file = {
            let dir = self.dir_with(fd, needed)?;
            match dir.open_with(&path, &opts) {
                Ok(f) => f,
                // CREAT|EXCL on any existing path is EEXIST (POSIX). cap-std's
                // resolver for kernels without openat2 says EISDIR when the
                // path is a directory; answer the same on every kernel.
                Err(e) => {
                    let errno = Errno::from(e);
                    let excl = oflags::CREAT | oflags::EXCL;
                    if errno == Errno::Isdir && oflags & excl == excl {
                        return Err(Errno::Exist);
                    }
                    return Err(errno);
                }
            }
        };
        if append_after_open {
            let mut os = rustix::fs::fcntl_getfl(&file)?;
            os.insert(rustix::fs::OFlags::APPEND);
            rustix::fs::fcntl_setfl(&file, os)?;
        }
        let mode = rustix::fs::fstat(&file)?.st_mode as u32;
        let rel = join_relative(&dir_path, &path);
        let new_fd = if filetype_of_mode(mode) == filetype::DIRECTORY {
            if os_write && !read {
                return Err(Errno::Isdir);
            }
            let entry = FdEntry {
                kind: FdKind::Dir { preopen, path: rel },
                rights_base: base & rights::DIR_ALL,
                rights_inheriting: inheriting,
                fdflags,
                offset: 0,
            };
            self.insert_fd(entry, Handle::Dir(Dir::from_std_file(file.into_std())))?
        } else {
            if oflags & oflags::DIRECTORY != 0 {
                return Err(Errno::Notdir);
            }
            let entry = FdEntry {
                kind: FdKind::File {
                    preopen,
                    path: rel,
                    read: read || !os_write,
                    write: os_write,
                },
                rights_base: base & rights::FILE_ALL,
                rights_inheriting: inheriting & rights::FILE_ALL,
                fdflags,
                offset: 0,
            };
            self.insert_fd(entry, Handle::File(file))?
        };
        mem.write_u32(out, new_fd)
    }

    #[allow(clippy::too_many_arguments)] // the preview1 signature
    pub fn path_readlink(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        path: u32,
        len: u32,
        buf: u32,
        buf_len: u32,
        out: u32,
    ) -> WasiResult<()> {
        let path = mem.str(path, len)?;
        mem.slice(buf, buf_len)?;
        mem.slice(out, 4)?;
        let target = self
            .dir_with(fd, rights::PATH_READLINK)?
            .read_link_contents(path)?;
        let bytes = target.as_os_str().as_bytes();
        // Like POSIX readlink: a short buffer gets the leading bytes.
        let n = bytes.len().min(buf_len as usize);
        mem.write(buf, &bytes[..n])?;
        mem.write_u32(out, n as u32)
    }

    pub fn path_remove_directory(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        path: u32,
        len: u32,
    ) -> WasiResult<()> {
        let path = mem.str(path, len)?;
        Ok(self
            .dir_with(fd, rights::PATH_REMOVE_DIRECTORY)?
            .remove_dir(without_trailing_slashes(path))?)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn path_rename(
        &mut self,
        mem: &mut GuestMemory<'_>,
        old_fd: u32,
        old_path: u32,
        old_len: u32,
        new_fd: u32,
        new_path: u32,
        new_len: u32,
    ) -> WasiResult<()> {
        let old = mem.str(old_path, old_len)?;
        let new = mem.str(new_path, new_len)?;
        // "file" -> "dir/" or "file/" -> x: a trailing slash demands a
        // directory; POSIX says ENOTDIR when the source is not one.
        let slash = old.ends_with('/') || new.ends_with('/');
        if slash {
            let dir = self.dir_with(old_fd, rights::PATH_RENAME_SOURCE)?;
            if !dir
                .symlink_metadata(without_trailing_slashes(old))?
                .is_dir()
            {
                return Err(Errno::Notdir);
            }
        }
        let (src, dst) = self.two_dirs(
            old_fd,
            rights::PATH_RENAME_SOURCE,
            new_fd,
            rights::PATH_RENAME_TARGET,
        )?;
        Ok(src.rename(old, dst, new)?)
    }

    pub fn path_symlink(
        &mut self,
        mem: &mut GuestMemory<'_>,
        old_path: u32,
        old_len: u32,
        fd: u32,
        new_path: u32,
        new_len: u32,
    ) -> WasiResult<()> {
        let target = mem.str(old_path, old_len)?;
        let link = mem.str(new_path, new_len)?;
        // An absolute target is refused (ENOTCAPABLE), as wasi-testsuite's
        // `symlink_create` requires and wasmtime does: following one could
        // never stay inside the sandbox, and a link left in a host directory
        // must not trick a host program into following it out. A relative
        // target is stored as text and only ever resolved inside the sandbox.
        if target.starts_with('/') {
            return Err(Errno::Notcapable);
        }
        Ok(self
            .dir_with(fd, rights::PATH_SYMLINK)?
            .symlink_contents(target, link)?)
    }

    pub fn path_unlink_file(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: u32,
        path: u32,
        len: u32,
    ) -> WasiResult<()> {
        let path = mem.str(path, len)?;
        Ok(self
            .dir_with(fd, rights::PATH_UNLINK_FILE)?
            .remove_file(path)?)
    }
}
