//! The numbers of the `wasi_snapshot_preview1` ABI: errnos, flags, rights,
//! enum values and the byte layout of the structures the host writes into
//! guest memory. Values come from the witx of WASI snapshot preview1.

/// Error numbers (`errno`), as returned by every preview1 function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u16)]
#[allow(missing_docs)]
pub enum Errno {
    Success = 0,
    TooBig = 1,
    Acces = 2,
    Addrinuse = 3,
    Addrnotavail = 4,
    Afnosupport = 5,
    Again = 6,
    Already = 7,
    Badf = 8,
    Badmsg = 9,
    Busy = 10,
    Canceled = 11,
    Child = 12,
    Connaborted = 13,
    Connrefused = 14,
    Connreset = 15,
    Deadlk = 16,
    Destaddrreq = 17,
    Dom = 18,
    Dquot = 19,
    Exist = 20,
    Fault = 21,
    Fbig = 22,
    Hostunreach = 23,
    Idrm = 24,
    Ilseq = 25,
    Inprogress = 26,
    Intr = 27,
    Inval = 28,
    Io = 29,
    Isconn = 30,
    Isdir = 31,
    Loop = 32,
    Mfile = 33,
    Mlink = 34,
    Msgsize = 35,
    Multihop = 36,
    Nametoolong = 37,
    Netdown = 38,
    Netreset = 39,
    Netunreach = 40,
    Nfile = 41,
    Nobufs = 42,
    Nodev = 43,
    Noent = 44,
    Noexec = 45,
    Nolck = 46,
    Nolink = 47,
    Nomem = 48,
    Nomsg = 49,
    Noprotoopt = 50,
    Nospc = 51,
    Nosys = 52,
    Notconn = 53,
    Notdir = 54,
    Notempty = 55,
    Notrecoverable = 56,
    Notsock = 57,
    Notsup = 58,
    Notty = 59,
    Nxio = 60,
    Overflow = 61,
    Ownerdead = 62,
    Perm = 63,
    Pipe = 64,
    Proto = 65,
    Protonosupport = 66,
    Prototype = 67,
    Range = 68,
    Rofs = 69,
    Spipe = 70,
    Srch = 71,
    Stale = 72,
    Timedout = 73,
    Txtbsy = 74,
    Xdev = 75,
    Notcapable = 76,
}

impl Errno {
    /// Maps a host error to the errno a guest expects. OS error numbers are
    /// translated one to one; cap-std's sandbox refusals (which carry no OS
    /// number) become `ENOTCAPABLE`.
    pub fn from_io(err: &std::io::Error) -> Errno {
        if let Some(code) = err.raw_os_error() {
            return Errno::from_host_errno(code);
        }
        use std::io::ErrorKind as K;
        match err.kind() {
            K::NotFound => Errno::Noent,
            K::PermissionDenied => Errno::Notcapable,
            K::AlreadyExists => Errno::Exist,
            K::WouldBlock => Errno::Again,
            K::InvalidInput | K::InvalidData => Errno::Inval,
            K::TimedOut => Errno::Timedout,
            K::Interrupted => Errno::Intr,
            K::Unsupported => Errno::Notsup,
            K::OutOfMemory => Errno::Nomem,
            K::BrokenPipe => Errno::Pipe,
            K::ConnectionReset => Errno::Connreset,
            K::NotConnected => Errno::Notconn,
            _ => Errno::Io,
        }
    }

    /// Translates a Linux errno value.
    pub fn from_host_errno(code: i32) -> Errno {
        use Errno::*;
        match code {
            libc::E2BIG => TooBig,
            libc::EACCES => Acces,
            libc::EADDRINUSE => Addrinuse,
            libc::EADDRNOTAVAIL => Addrnotavail,
            libc::EAFNOSUPPORT => Afnosupport,
            libc::EAGAIN => Again,
            libc::EALREADY => Already,
            libc::EBADF => Badf,
            libc::EBADMSG => Badmsg,
            libc::EBUSY => Busy,
            libc::ECANCELED => Canceled,
            libc::ECHILD => Child,
            libc::ECONNABORTED => Connaborted,
            libc::ECONNREFUSED => Connrefused,
            libc::ECONNRESET => Connreset,
            libc::EDEADLK => Deadlk,
            libc::EDESTADDRREQ => Destaddrreq,
            libc::EDOM => Dom,
            libc::EDQUOT => Dquot,
            libc::EEXIST => Exist,
            libc::EFAULT => Fault,
            libc::EFBIG => Fbig,
            libc::EHOSTUNREACH => Hostunreach,
            libc::EIDRM => Idrm,
            libc::EILSEQ => Ilseq,
            libc::EINPROGRESS => Inprogress,
            libc::EINTR => Intr,
            libc::EINVAL => Inval,
            libc::EIO => Io,
            libc::EISCONN => Isconn,
            libc::EISDIR => Isdir,
            libc::ELOOP => Loop,
            libc::EMFILE => Mfile,
            libc::EMLINK => Mlink,
            libc::EMSGSIZE => Msgsize,
            libc::EMULTIHOP => Multihop,
            libc::ENAMETOOLONG => Nametoolong,
            libc::ENETDOWN => Netdown,
            libc::ENETRESET => Netreset,
            libc::ENETUNREACH => Netunreach,
            libc::ENFILE => Nfile,
            libc::ENOBUFS => Nobufs,
            libc::ENODEV => Nodev,
            libc::ENOENT => Noent,
            libc::ENOEXEC => Noexec,
            libc::ENOLCK => Nolck,
            libc::ENOLINK => Nolink,
            libc::ENOMEM => Nomem,
            libc::ENOMSG => Nomsg,
            libc::ENOPROTOOPT => Noprotoopt,
            libc::ENOSPC => Nospc,
            libc::ENOSYS => Nosys,
            libc::ENOTCONN => Notconn,
            libc::ENOTDIR => Notdir,
            libc::ENOTEMPTY => Notempty,
            libc::ENOTRECOVERABLE => Notrecoverable,
            libc::ENOTSOCK => Notsock,
            libc::EOPNOTSUPP => Notsup,
            libc::ENOTTY => Notty,
            libc::ENXIO => Nxio,
            libc::EOVERFLOW => Overflow,
            libc::EOWNERDEAD => Ownerdead,
            libc::EPERM => Perm,
            libc::EPIPE => Pipe,
            libc::EPROTO => Proto,
            libc::EPROTONOSUPPORT => Protonosupport,
            libc::EPROTOTYPE => Prototype,
            libc::ERANGE => Range,
            libc::EROFS => Rofs,
            libc::ESPIPE => Spipe,
            libc::ESRCH => Srch,
            libc::ESTALE => Stale,
            libc::ETIMEDOUT => Timedout,
            libc::ETXTBSY => Txtbsy,
            libc::EXDEV => Xdev,
            _ => Io,
        }
    }
}

impl From<std::io::Error> for Errno {
    fn from(err: std::io::Error) -> Errno {
        Errno::from_io(&err)
    }
}

impl From<rustix::io::Errno> for Errno {
    fn from(err: rustix::io::Errno) -> Errno {
        Errno::from_host_errno(err.raw_os_error())
    }
}

/// Result of a host function before it is turned into an errno for the guest.
pub type WasiResult<T> = Result<T, Errno>;

/// `rights` bits.
pub mod rights {
    pub const FD_DATASYNC: u64 = 1 << 0;
    pub const FD_READ: u64 = 1 << 1;
    pub const FD_SEEK: u64 = 1 << 2;
    pub const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
    pub const FD_SYNC: u64 = 1 << 4;
    pub const FD_TELL: u64 = 1 << 5;
    pub const FD_WRITE: u64 = 1 << 6;
    pub const FD_ADVISE: u64 = 1 << 7;
    pub const FD_ALLOCATE: u64 = 1 << 8;
    pub const PATH_CREATE_DIRECTORY: u64 = 1 << 9;
    pub const PATH_CREATE_FILE: u64 = 1 << 10;
    pub const PATH_LINK_SOURCE: u64 = 1 << 11;
    pub const PATH_LINK_TARGET: u64 = 1 << 12;
    pub const PATH_OPEN: u64 = 1 << 13;
    pub const FD_READDIR: u64 = 1 << 14;
    pub const PATH_READLINK: u64 = 1 << 15;
    pub const PATH_RENAME_SOURCE: u64 = 1 << 16;
    pub const PATH_RENAME_TARGET: u64 = 1 << 17;
    pub const PATH_FILESTAT_GET: u64 = 1 << 18;
    pub const PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
    pub const PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
    pub const FD_FILESTAT_GET: u64 = 1 << 21;
    pub const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
    pub const FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
    pub const PATH_SYMLINK: u64 = 1 << 24;
    pub const PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
    pub const PATH_UNLINK_FILE: u64 = 1 << 26;
    pub const POLL_FD_READWRITE: u64 = 1 << 27;
    pub const SOCK_SHUTDOWN: u64 = 1 << 28;
    pub const SOCK_ACCEPT: u64 = 1 << 29;

    /// Every right a regular file can carry.
    pub const FILE_ALL: u64 = FD_DATASYNC
        | FD_READ
        | FD_SEEK
        | FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_TELL
        | FD_WRITE
        | FD_ADVISE
        | FD_ALLOCATE
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_SIZE
        | FD_FILESTAT_SET_TIMES
        | POLL_FD_READWRITE;
    /// Rights of a file that change it; dropped from read-only preopens.
    pub const FILE_WRITING: u64 =
        FD_DATASYNC | FD_WRITE | FD_ALLOCATE | FD_FILESTAT_SET_SIZE | FD_FILESTAT_SET_TIMES;
    /// Every right a directory can carry.
    pub const DIR_ALL: u64 = FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_ADVISE
        | PATH_CREATE_DIRECTORY
        | PATH_CREATE_FILE
        | PATH_LINK_SOURCE
        | PATH_LINK_TARGET
        | PATH_OPEN
        | FD_READDIR
        | PATH_READLINK
        | PATH_RENAME_SOURCE
        | PATH_RENAME_TARGET
        | PATH_FILESTAT_GET
        | PATH_FILESTAT_SET_SIZE
        | PATH_FILESTAT_SET_TIMES
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_TIMES
        | PATH_SYMLINK
        | PATH_REMOVE_DIRECTORY
        | PATH_UNLINK_FILE
        | POLL_FD_READWRITE;
    /// Rights of a directory that change the tree below it, or expose its
    /// files to change elsewhere (a hard link out of a read-only tree would
    /// be writable through the link).
    pub const DIR_WRITING: u64 = PATH_LINK_SOURCE
        | PATH_CREATE_DIRECTORY
        | PATH_CREATE_FILE
        | PATH_LINK_TARGET
        | PATH_RENAME_SOURCE
        | PATH_RENAME_TARGET
        | PATH_FILESTAT_SET_SIZE
        | PATH_FILESTAT_SET_TIMES
        | FD_FILESTAT_SET_TIMES
        | PATH_SYMLINK
        | PATH_REMOVE_DIRECTORY
        | PATH_UNLINK_FILE;
    /// Rights of a stream socket.
    pub const SOCKET_ALL: u64 = FD_READ
        | FD_WRITE
        | FD_FDSTAT_SET_FLAGS
        | FD_FILESTAT_GET
        | POLL_FD_READWRITE
        | SOCK_SHUTDOWN
        | SOCK_ACCEPT;
    /// Rights of standard input/output.
    pub const STDIO: u64 =
        FD_READ | FD_WRITE | FD_FDSTAT_SET_FLAGS | FD_FILESTAT_GET | POLL_FD_READWRITE;
}

/// `fdflags` bits.
pub mod fdflags {
    pub const APPEND: u16 = 1 << 0;
    pub const DSYNC: u16 = 1 << 1;
    pub const NONBLOCK: u16 = 1 << 2;
    pub const RSYNC: u16 = 1 << 3;
    pub const SYNC: u16 = 1 << 4;
    pub const ALL: u16 = APPEND | DSYNC | NONBLOCK | RSYNC | SYNC;
}

/// `oflags` bits of `path_open`.
pub mod oflags {
    pub const CREAT: u16 = 1 << 0;
    pub const DIRECTORY: u16 = 1 << 1;
    pub const EXCL: u16 = 1 << 2;
    pub const TRUNC: u16 = 1 << 3;
    pub const ALL: u16 = CREAT | DIRECTORY | EXCL | TRUNC;
}

/// `lookupflags`.
pub const LOOKUP_SYMLINK_FOLLOW: u32 = 1;

/// `filetype` values.
pub mod filetype {
    pub const UNKNOWN: u8 = 0;
    pub const BLOCK_DEVICE: u8 = 1;
    pub const CHARACTER_DEVICE: u8 = 2;
    pub const DIRECTORY: u8 = 3;
    pub const REGULAR_FILE: u8 = 4;
    pub const SOCKET_DGRAM: u8 = 5;
    pub const SOCKET_STREAM: u8 = 6;
    pub const SYMBOLIC_LINK: u8 = 7;
}

/// `whence` values of `fd_seek`.
pub mod whence {
    pub const SET: u8 = 0;
    pub const CUR: u8 = 1;
    pub const END: u8 = 2;
}

/// `clockid` values.
pub mod clockid {
    pub const REALTIME: u32 = 0;
    pub const MONOTONIC: u32 = 1;
    pub const PROCESS_CPUTIME: u32 = 2;
    pub const THREAD_CPUTIME: u32 = 3;
}

/// `fstflags` of the `*_set_times` functions.
pub mod fstflags {
    pub const ATIM: u16 = 1 << 0;
    pub const ATIM_NOW: u16 = 1 << 1;
    pub const MTIM: u16 = 1 << 2;
    pub const MTIM_NOW: u16 = 1 << 3;
}

/// `eventtype` of `poll_oneoff` subscriptions and events.
pub mod eventtype {
    pub const CLOCK: u8 = 0;
    pub const FD_READ: u8 = 1;
    pub const FD_WRITE: u8 = 2;
}

/// `subclockflags`: the timeout is an absolute time of the clock.
pub const SUBCLOCK_ABSTIME: u16 = 1;
/// `eventrwflags`: the peer hung up.
pub const EVENT_FD_READWRITE_HANGUP: u16 = 1;
/// `riflags` of `sock_recv`.
pub const RIFLAGS_RECV_PEEK: u16 = 1;
/// `riflags` of `sock_recv`.
pub const RIFLAGS_RECV_WAITALL: u16 = 2;
/// `sdflags` of `sock_shutdown`.
pub const SDFLAGS_RD: u8 = 1;
/// `sdflags` of `sock_shutdown`.
pub const SDFLAGS_WR: u8 = 2;

/// Byte sizes of ABI structures.
pub mod size {
    pub const IOVEC: u32 = 8;
    pub const FDSTAT: u32 = 24;
    pub const FILESTAT: u32 = 64;
    pub const DIRENT: u32 = 24;
    pub const PRESTAT: u32 = 8;
    pub const SUBSCRIPTION: u32 = 48;
    pub const EVENT: u32 = 32;
}
