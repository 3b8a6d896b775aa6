//! `filestat` and `filetype` as the guest sees them, built from host stats.

use crate::abi::{WasiResult, filetype, size};
use crate::memory::GuestMemory;
use cap_std::fs::MetadataExt;

/// A file's attributes in WASI terms.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Filestat {
    pub dev: u64,
    pub ino: u64,
    pub filetype: u8,
    pub nlink: u64,
    pub size: u64,
    pub atim: u64,
    pub mtim: u64,
    pub ctim: u64,
}

fn ns(sec: i64, nsec: i64) -> u64 {
    (sec.max(0) as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(nsec.max(0) as u64)
}

/// Maps a POSIX `st_mode` to a WASI filetype.
pub(crate) fn filetype_of_mode(mode: u32) -> u8 {
    match mode & libc::S_IFMT {
        libc::S_IFREG => filetype::REGULAR_FILE,
        libc::S_IFDIR => filetype::DIRECTORY,
        libc::S_IFLNK => filetype::SYMBOLIC_LINK,
        libc::S_IFCHR => filetype::CHARACTER_DEVICE,
        libc::S_IFBLK => filetype::BLOCK_DEVICE,
        libc::S_IFSOCK => filetype::SOCKET_STREAM,
        _ => filetype::UNKNOWN,
    }
}

impl Filestat {
    /// From an `fstat` of an open fd. The casts are no-ops on x86-64 but
    /// not on aarch64, where several `stat` fields are narrower.
    #[allow(clippy::unnecessary_cast)]
    pub(crate) fn from_stat(st: &rustix::fs::Stat) -> Filestat {
        Filestat {
            dev: st.st_dev as u64,
            ino: st.st_ino as u64,
            filetype: filetype_of_mode(st.st_mode as u32),
            nlink: st.st_nlink as u64,
            size: st.st_size as u64,
            atim: ns(st.st_atime as i64, st.st_atime_nsec as i64),
            mtim: ns(st.st_mtime as i64, st.st_mtime_nsec as i64),
            ctim: ns(st.st_ctime as i64, st.st_ctime_nsec as i64),
        }
    }

    /// From cap-std metadata of a path.
    pub(crate) fn from_metadata(m: &cap_std::fs::Metadata) -> Filestat {
        Filestat {
            dev: m.dev(),
            ino: m.ino(),
            filetype: filetype_of_mode(m.mode()),
            nlink: m.nlink(),
            size: m.size(),
            atim: ns(m.atime(), m.atime_nsec()),
            mtim: ns(m.mtime(), m.mtime_nsec()),
            ctim: ns(m.ctime(), m.ctime_nsec()),
        }
    }

    /// Writes the 64-byte `filestat` structure at `ptr`.
    pub(crate) fn write(&self, mem: &mut GuestMemory<'_>, ptr: u32) -> WasiResult<()> {
        mem.slice(ptr, size::FILESTAT)?;
        mem.write_u64(ptr, self.dev)?;
        mem.write_u64(ptr + 8, self.ino)?;
        mem.write(ptr + 16, &[self.filetype, 0, 0, 0, 0, 0, 0, 0])?;
        mem.write_u64(ptr + 24, self.nlink)?;
        mem.write_u64(ptr + 32, self.size)?;
        mem.write_u64(ptr + 40, self.atim)?;
        mem.write_u64(ptr + 48, self.mtim)?;
        mem.write_u64(ptr + 56, self.ctim)
    }
}
