//! Guest clocks: realtime from the host, monotonic and CPU time continuous
//! from the bases in [`ClockBases`] so that they survive a restore elsewhere.

use crate::abi::{Errno, WasiResult, clockid};
use crate::state::ClockBases;
use rustix::time::{ClockId, clock_getres, clock_gettime};
use std::time::Instant;

fn to_ns(ts: rustix::time::Timespec) -> u64 {
    (ts.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(ts.tv_nsec as u64)
}

/// Host reference points for the guest's clocks.
#[derive(Debug)]
pub(crate) struct ClockAnchor {
    bases: ClockBases,
    monotonic_anchor: Instant,
    cputime_anchor_ns: u64,
}

impl ClockAnchor {
    /// Anchors `bases` at the host's current instant. A fresh run (all-zero
    /// bases) starts its monotonic clock at the host's, like a native process.
    pub(crate) fn new(mut bases: ClockBases) -> Self {
        if bases == ClockBases::default() {
            bases.monotonic_base_ns = to_ns(clock_gettime(ClockId::Monotonic));
        }
        ClockAnchor {
            bases,
            monotonic_anchor: Instant::now(),
            cputime_anchor_ns: to_ns(clock_gettime(ClockId::ProcessCPUTime)),
        }
    }

    pub(crate) fn monotonic_now(&self) -> u64 {
        self.bases
            .monotonic_base_ns
            .saturating_add(self.monotonic_anchor.elapsed().as_nanos() as u64)
    }

    pub(crate) fn cputime_now(&self) -> u64 {
        let host = to_ns(clock_gettime(ClockId::ProcessCPUTime));
        self.bases
            .cputime_base_ns
            .saturating_add(host.saturating_sub(self.cputime_anchor_ns))
    }

    pub(crate) fn realtime_now(&self) -> u64 {
        to_ns(clock_gettime(ClockId::Realtime))
    }

    /// `clock_time_get` for any clock id.
    pub(crate) fn now(&self, id: u32) -> WasiResult<u64> {
        match id {
            clockid::REALTIME => Ok(self.realtime_now()),
            clockid::MONOTONIC => Ok(self.monotonic_now()),
            // One guest thread per instance: its CPU time is the process's.
            clockid::PROCESS_CPUTIME | clockid::THREAD_CPUTIME => Ok(self.cputime_now()),
            _ => Err(Errno::Inval),
        }
    }

    /// `clock_res_get` for any clock id.
    pub(crate) fn resolution(id: u32) -> WasiResult<u64> {
        let host = match id {
            clockid::REALTIME => ClockId::Realtime,
            clockid::MONOTONIC => ClockId::Monotonic,
            clockid::PROCESS_CPUTIME | clockid::THREAD_CPUTIME => ClockId::ProcessCPUTime,
            _ => return Err(Errno::Inval),
        };
        Ok(to_ns(clock_getres(host)).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restored_monotonic_clock_continues_from_its_base() {
        let bases = ClockBases {
            monotonic_base_ns: 5_000_000_000_000,
            cputime_base_ns: 7,
        };
        let anchor = ClockAnchor::new(bases);
        let a = anchor.monotonic_now();
        let b = anchor.monotonic_now();
        assert!(a >= 5_000_000_000_000 && b >= a);
        assert!(anchor.cputime_now() >= 7);
    }

    #[test]
    fn unknown_clock_is_einval() {
        let anchor = ClockAnchor::new(ClockBases::default());
        assert_eq!(anchor.now(9), Err(Errno::Inval));
        assert_eq!(ClockAnchor::resolution(4), Err(Errno::Inval));
    }
}
