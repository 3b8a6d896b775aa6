//! Registers every `wasi_snapshot_preview1` function with a wasmtime linker.

use crate::abi::{Errno, WasiResult};
use crate::ctx::WasiCtx;
use crate::memory::GuestMemory;
use crate::misc::GuestExit;
use wasmtime::{Caller, Linker};

/// The import module name of WASI preview1.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// Every function this layer provides, in the order of the preview1 witx.
pub const FUNCTIONS: &[&str] = &[
    "args_get",
    "args_sizes_get",
    "environ_get",
    "environ_sizes_get",
    "clock_res_get",
    "clock_time_get",
    "fd_advise",
    "fd_allocate",
    "fd_close",
    "fd_datasync",
    "fd_fdstat_get",
    "fd_fdstat_set_flags",
    "fd_fdstat_set_rights",
    "fd_filestat_get",
    "fd_filestat_set_size",
    "fd_filestat_set_times",
    "fd_pread",
    "fd_prestat_get",
    "fd_prestat_dir_name",
    "fd_pwrite",
    "fd_read",
    "fd_readdir",
    "fd_renumber",
    "fd_seek",
    "fd_sync",
    "fd_tell",
    "fd_write",
    "path_create_directory",
    "path_filestat_get",
    "path_filestat_set_times",
    "path_link",
    "path_open",
    "path_readlink",
    "path_remove_directory",
    "path_rename",
    "path_symlink",
    "path_unlink_file",
    "poll_oneoff",
    "proc_exit",
    "proc_raise",
    "sched_yield",
    "random_get",
    "sock_accept",
    "sock_recv",
    "sock_send",
    "sock_shutdown",
];

/// Converts a Wasm argument to the ABI type of a parameter. Values wider than
/// the ABI type (a `u8` whence of 256) are `EINVAL`, not truncated.
trait FromWasm<W>: Sized {
    fn from_wasm(w: W) -> WasiResult<Self>;
}

impl FromWasm<i32> for u32 {
    fn from_wasm(w: i32) -> WasiResult<u32> {
        Ok(w as u32)
    }
}
impl FromWasm<i32> for u16 {
    fn from_wasm(w: i32) -> WasiResult<u16> {
        u16::try_from(w as u32).map_err(|_| Errno::Inval)
    }
}
impl FromWasm<i32> for u8 {
    fn from_wasm(w: i32) -> WasiResult<u8> {
        u8::try_from(w as u32).map_err(|_| Errno::Inval)
    }
}
impl FromWasm<i64> for u64 {
    fn from_wasm(w: i64) -> WasiResult<u64> {
        Ok(w as u64)
    }
}
impl FromWasm<i64> for i64 {
    fn from_wasm(w: i64) -> WasiResult<i64> {
        Ok(w)
    }
}

/// How a host that can pause its guest hooks into the calls that block
/// (`poll_oneoff`, `fd_read`, `sock_accept`, `sock_recv`).
///
/// A pause is requested with [`WasiCtx::pause_flag`]. A call that is waiting
/// then gives up its wait and calls `pause`, which must start unwinding the
/// guest (e.g. Asyncify's `asyncify_start_unwind`); the call's result is
/// ignored by the unwinding guest. When the guest is resumed it makes the
/// same call again: `enter` runs first on every blocking call (to end a
/// rewind), and the call then continues its wait.
pub struct PauseHooks<T: 'static> {
    /// Runs before every blocking call.
    pub enter: fn(&mut Caller<'_, T>) -> wasmtime::Result<()>,
    /// Runs when a blocking call gave up its wait for a pause.
    pub pause: fn(&mut Caller<'_, T>) -> wasmtime::Result<()>,
}

impl<T: 'static> Clone for PauseHooks<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: 'static> Copy for PauseHooks<T> {}

impl<T: 'static> std::fmt::Debug for PauseHooks<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PauseHooks").finish_non_exhaustive()
    }
}

/// Runs `f` with the guest's memory and WASI context of the calling instance.
/// A wait ended by the context's deadline or interrupt flag becomes a
/// `Trap::Interrupt`, so the guest stops instead of seeing `EINTR`; a wait
/// ended by a pause request goes to `hooks.pause` when the host has hooks.
fn with_ctx<T: 'static>(
    caller: &mut Caller<'_, T>,
    get: fn(&mut T) -> &mut WasiCtx,
    hooks: Option<PauseHooks<T>>,
    f: impl FnOnce(&mut WasiCtx, &mut GuestMemory<'_>) -> WasiResult<()>,
) -> wasmtime::Result<i32> {
    if let Some(h) = hooks {
        (h.enter)(caller)?;
    }
    let memory = match get(caller.data_mut()).memory {
        Some(m) => m,
        None => match caller.get_export("memory").and_then(|e| e.into_memory()) {
            Some(m) => {
                get(caller.data_mut()).memory = Some(m);
                m
            }
            // A module without an exported memory cannot receive any result.
            None => return Ok(Errno::Fault as i32),
        },
    };
    let (bytes, data) = memory.data_and_store_mut(&mut *caller);
    let mut mem = GuestMemory::new(bytes);
    let ctx = get(data);
    ctx.in_pausable_call = hooks.is_some();
    let result = f(ctx, &mut mem);
    ctx.in_pausable_call = false;
    let pausing = match result {
        Ok(()) => return Ok(Errno::Success as i32),
        Err(Errno::Intr) if ctx.interrupted() || (hooks.is_some() && ctx.pause_requested()) => {
            match hooks {
                Some(h) if ctx.pause_requested() => h,
                _ => return Err(wasmtime::Error::new(wasmtime::Trap::Interrupt)),
            }
        }
        Err(e) => return Ok(e as i32),
    };
    (pausing.pause)(caller)?;
    Ok(Errno::Intr as i32)
}

macro_rules! register {
    ($linker:ident, $get:ident, hooks = $hooks:ident, $name:ident ( $($arg:ident : $wasm:ty => $conv:ty),* ) with mem) => {
        let hooks = $hooks;
        $linker.func_wrap(MODULE, stringify!($name), move |mut caller: Caller<'_, T>, $($arg: $wasm),*| -> wasmtime::Result<i32> {
            with_ctx(&mut caller, $get, hooks, |ctx, mem| {
                $(let $arg = <$conv as FromWasm<$wasm>>::from_wasm($arg)?;)*
                ctx.$name(mem, $($arg),*)
            })
        })?;
    };
    ($linker:ident, $get:ident, $name:ident ( $($arg:ident : $wasm:ty => $conv:ty),* ) with mem) => {
        let no_hooks: Option<PauseHooks<T>> = None;
        register!($linker, $get, hooks = no_hooks, $name($($arg: $wasm => $conv),*) with mem);
    };
    ($linker:ident, $get:ident, $name:ident ( $($arg:ident : $wasm:ty => $conv:ty),* )) => {
        $linker.func_wrap(MODULE, stringify!($name), move |mut caller: Caller<'_, T>, $($arg: $wasm),*| -> wasmtime::Result<i32> {
            with_ctx(&mut caller, $get, None, |ctx, _mem| {
                $(let $arg = <$conv as FromWasm<$wasm>>::from_wasm($arg)?;)*
                ctx.$name($($arg),*)
            })
        })?;
    };
}

/// The preview1 functions that can wait, and so can be paused in.
pub const BLOCKING_FUNCTIONS: [&str; 4] = ["poll_oneoff", "fd_read", "sock_accept", "sock_recv"];

/// Adds all of `wasi_snapshot_preview1` to `linker`; `get` finds the
/// [`WasiCtx`] in the store's data. One context serves one instance.
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> &mut WasiCtx,
) -> wasmtime::Result<()> {
    add_to_linker_with_pause(linker, get, None)
}

/// [`add_to_linker`] for a host that pauses its guest: the blocking
/// functions ([`BLOCKING_FUNCTIONS`]) call `hooks` as [`PauseHooks`] says.
pub fn add_to_linker_with_pause<T: 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> &mut WasiCtx,
    hooks: Option<PauseHooks<T>>,
) -> wasmtime::Result<()> {
    register!(linker, get, args_get(a: i32 => u32, b: i32 => u32) with mem);
    register!(linker, get, args_sizes_get(a: i32 => u32, b: i32 => u32) with mem);
    register!(linker, get, environ_get(a: i32 => u32, b: i32 => u32) with mem);
    register!(linker, get, environ_sizes_get(a: i32 => u32, b: i32 => u32) with mem);
    register!(linker, get, clock_res_get(id: i32 => u32, out: i32 => u32) with mem);
    register!(linker, get, clock_time_get(id: i32 => u32, p: i64 => u64, out: i32 => u32) with mem);
    register!(linker, get, fd_advise(fd: i32 => u32, off: i64 => u64, len: i64 => u64, adv: i32 => u8));
    register!(linker, get, fd_allocate(fd: i32 => u32, off: i64 => u64, len: i64 => u64));
    register!(linker, get, fd_close(fd: i32 => u32));
    register!(linker, get, fd_datasync(fd: i32 => u32));
    register!(linker, get, fd_fdstat_get(fd: i32 => u32, out: i32 => u32) with mem);
    register!(linker, get, fd_fdstat_set_flags(fd: i32 => u32, fl: i32 => u16));
    register!(linker, get, fd_fdstat_set_rights(fd: i32 => u32, b: i64 => u64, i: i64 => u64));
    register!(linker, get, fd_filestat_get(fd: i32 => u32, out: i32 => u32) with mem);
    register!(linker, get, fd_filestat_set_size(fd: i32 => u32, len: i64 => u64));
    register!(linker, get, fd_filestat_set_times(fd: i32 => u32, a: i64 => u64, m: i64 => u64, fl: i32 => u16));
    register!(linker, get, fd_pread(fd: i32 => u32, iovs: i32 => u32, n: i32 => u32, off: i64 => u64, out: i32 => u32) with mem);
    register!(linker, get, fd_prestat_get(fd: i32 => u32, out: i32 => u32) with mem);
    register!(linker, get, fd_prestat_dir_name(fd: i32 => u32, buf: i32 => u32, len: i32 => u32) with mem);
    register!(linker, get, fd_pwrite(fd: i32 => u32, iovs: i32 => u32, n: i32 => u32, off: i64 => u64, out: i32 => u32) with mem);
    register!(linker, get, hooks = hooks, fd_read(fd: i32 => u32, iovs: i32 => u32, n: i32 => u32, out: i32 => u32) with mem);
    register!(linker, get, fd_readdir(fd: i32 => u32, buf: i32 => u32, len: i32 => u32, cookie: i64 => u64, out: i32 => u32) with mem);
    register!(linker, get, fd_renumber(from: i32 => u32, to: i32 => u32));
    register!(linker, get, fd_seek(fd: i32 => u32, delta: i64 => i64, whence: i32 => u8, out: i32 => u32) with mem);
    register!(linker, get, fd_sync(fd: i32 => u32));
    register!(linker, get, fd_tell(fd: i32 => u32, out: i32 => u32) with mem);
    register!(linker, get, fd_write(fd: i32 => u32, iovs: i32 => u32, n: i32 => u32, out: i32 => u32) with mem);
    register!(linker, get, path_create_directory(fd: i32 => u32, p: i32 => u32, l: i32 => u32) with mem);
    register!(linker, get, path_filestat_get(fd: i32 => u32, fl: i32 => u32, p: i32 => u32, l: i32 => u32, out: i32 => u32) with mem);
    register!(linker, get, path_filestat_set_times(fd: i32 => u32, fl: i32 => u32, p: i32 => u32, l: i32 => u32, a: i64 => u64, m: i64 => u64, fst: i32 => u16) with mem);
    register!(linker, get, path_link(ofd: i32 => u32, ofl: i32 => u32, op: i32 => u32, ol: i32 => u32, nfd: i32 => u32, np: i32 => u32, nl: i32 => u32) with mem);
    register!(linker, get, path_open(fd: i32 => u32, lk: i32 => u32, p: i32 => u32, l: i32 => u32, of: i32 => u16, rb: i64 => u64, ri: i64 => u64, ff: i32 => u16, out: i32 => u32) with mem);
    register!(linker, get, path_readlink(fd: i32 => u32, p: i32 => u32, l: i32 => u32, b: i32 => u32, bl: i32 => u32, out: i32 => u32) with mem);
    register!(linker, get, path_remove_directory(fd: i32 => u32, p: i32 => u32, l: i32 => u32) with mem);
    register!(linker, get, path_rename(ofd: i32 => u32, op: i32 => u32, ol: i32 => u32, nfd: i32 => u32, np: i32 => u32, nl: i32 => u32) with mem);
    register!(linker, get, path_symlink(op: i32 => u32, ol: i32 => u32, fd: i32 => u32, np: i32 => u32, nl: i32 => u32) with mem);
    register!(linker, get, path_unlink_file(fd: i32 => u32, p: i32 => u32, l: i32 => u32) with mem);
    register!(linker, get, hooks = hooks, poll_oneoff(i: i32 => u32, o: i32 => u32, n: i32 => u32, out: i32 => u32) with mem);
    register!(linker, get, proc_raise(sig: i32 => u8));
    register!(linker, get, sched_yield());
    register!(linker, get, random_get(buf: i32 => u32, len: i32 => u32) with mem);
    register!(linker, get, hooks = hooks, sock_accept(fd: i32 => u32, fl: i32 => u16, out: i32 => u32) with mem);
    register!(linker, get, hooks = hooks, sock_recv(fd: i32 => u32, iovs: i32 => u32, n: i32 => u32, fl: i32 => u16, ol: i32 => u32, of: i32 => u32) with mem);
    register!(linker, get, sock_send(fd: i32 => u32, iovs: i32 => u32, n: i32 => u32, fl: i32 => u16, ol: i32 => u32) with mem);
    register!(linker, get, sock_shutdown(fd: i32 => u32, how: i32 => u8));
    linker.func_wrap(
        MODULE,
        "proc_exit",
        |_caller: Caller<'_, T>, code: i32| -> wasmtime::Result<()> {
            Err(wasmtime::Error::new(GuestExit(code)))
        },
    )?;
    Ok(())
}
