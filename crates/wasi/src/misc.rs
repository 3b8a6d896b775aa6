//! Arguments, environment, clocks, randomness, process and scheduling.

use crate::abi::{Errno, WasiResult};
use crate::clock::ClockAnchor;
use crate::ctx::WasiCtx;
use crate::memory::GuestMemory;

/// Writes a list of strings the way `args_get`/`environ_get` lay them out:
/// an array of pointers at `ptrs`, NUL-terminated bytes from `buf`.
fn write_string_list(
    mem: &mut GuestMemory<'_>,
    list: &[String],
    ptrs: u32,
    buf: u32,
) -> WasiResult<()> {
    let total: u64 = list.iter().map(|s| s.len() as u64 + 1).sum();
    mem.slice(
        ptrs,
        u32::try_from(list.len() as u64 * 4).map_err(|_| Errno::Fault)?,
    )?;
    mem.slice(buf, u32::try_from(total).map_err(|_| Errno::Fault)?)?;
    let mut at = buf;
    for (i, s) in list.iter().enumerate() {
        mem.write_u32(ptrs + 4 * i as u32, at)?;
        mem.write(at, s.as_bytes())?;
        mem.write_u8(at + s.len() as u32, 0)?;
        at += s.len() as u32 + 1;
    }
    Ok(())
}

fn write_sizes(
    mem: &mut GuestMemory<'_>,
    list: &[String],
    count: u32,
    size: u32,
) -> WasiResult<()> {
    let total: usize = list.iter().map(|s| s.len() + 1).sum();
    mem.write_u32(count, list.len() as u32)?;
    mem.write_u32(size, total as u32)
}

/// The guest asked to end with this exit status (`proc_exit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("guest exited with status {0}")]
pub struct GuestExit(pub i32);

impl WasiCtx {
    pub fn args_sizes_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        count: u32,
        size: u32,
    ) -> WasiResult<()> {
        write_sizes(mem, &self.state.args, count, size)
    }
    pub fn args_get(&mut self, mem: &mut GuestMemory<'_>, ptrs: u32, buf: u32) -> WasiResult<()> {
        write_string_list(mem, &self.state.args, ptrs, buf)
    }
    pub fn environ_sizes_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        count: u32,
        size: u32,
    ) -> WasiResult<()> {
        write_sizes(mem, &self.state.env, count, size)
    }
    pub fn environ_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        ptrs: u32,
        buf: u32,
    ) -> WasiResult<()> {
        write_string_list(mem, &self.state.env, ptrs, buf)
    }
    pub fn clock_res_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        id: u32,
        out: u32,
    ) -> WasiResult<()> {
        let res = ClockAnchor::resolution(id)?;
        mem.write_u64(out, res)
    }
    pub fn clock_time_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        id: u32,
        _precision: u64,
        out: u32,
    ) -> WasiResult<()> {
        let now = self.clocks.now(id)?;
        mem.write_u64(out, now)
    }
    pub fn random_get(&mut self, mem: &mut GuestMemory<'_>, buf: u32, len: u32) -> WasiResult<()> {
        getrandom::fill(mem.slice_mut(buf, len)?).map_err(|_| Errno::Io)
    }
    /// Signals are not part of a Wasm sandbox: `ENOSYS`, as documented in
    /// docs/wasi.md.
    pub fn proc_raise(&mut self, _signal: u8) -> WasiResult<()> {
        Err(Errno::Nosys)
    }
    pub fn sched_yield(&mut self) -> WasiResult<()> {
        std::thread::yield_now();
        Ok(())
    }
}
