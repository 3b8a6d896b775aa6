//! Every preview1 function, called with hostile arguments: random pointers
//! and lengths (out of bounds, wrapping past 2^32, overlapping), random fds,
//! flags and whences, over memory filled with random bytes (so iovec arrays,
//! subscriptions and paths inside it are random too). The host must answer
//! with an errno or succeed; it must never panic, never block, and never
//! change anything outside the preopened directory.

use continuum_wasi::{GuestMemory, WasiCtx, WasiCtxBuilder};
use proptest::prelude::*;
use std::time::Instant;

fn ctx_for(dir: &std::path::Path) -> WasiCtx {
    let mut ctx = WasiCtxBuilder::new()
        .arg("guest")
        .env("K", "V")
        .preopen_dir(dir, ".", false)
        .unwrap()
        .max_open_files(32)
        .build()
        .unwrap();
    // Every wait ends at once: blocking calls answer EINTR instead of hanging.
    ctx.set_deadline(Some(Instant::now()));
    ctx
}

/// Calls function number `which` with arguments drawn from `a` and `b`.
fn call(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, which: u8, a: &[u32; 8], b: &[u64; 3]) {
    // Keep guest writes away from the test's own stdout/stderr.
    let fd = if a[0] < 3 { a[0] + 3 } else { a[0] };
    let _ = match which % 45 {
        0 => ctx.args_get(mem, a[1], a[2]),
        1 => ctx.args_sizes_get(mem, a[1], a[2]),
        2 => ctx.environ_get(mem, a[1], a[2]),
        3 => ctx.environ_sizes_get(mem, a[1], a[2]),
        4 => ctx.clock_res_get(mem, a[1], a[2]),
        5 => ctx.clock_time_get(mem, a[1], b[0], a[2]),
        6 => ctx.fd_advise(fd, b[0], b[1], a[1] as u8),
        7 => ctx.fd_allocate(fd, b[0] % (1 << 20), b[1] % (1 << 20)),
        8 => ctx.fd_close(fd),
        9 => ctx.fd_datasync(fd),
        10 => ctx.fd_fdstat_get(mem, fd, a[1]),
        11 => ctx.fd_fdstat_set_flags(fd, a[1] as u16),
        12 => ctx.fd_fdstat_set_rights(fd, b[0], b[1]),
        13 => ctx.fd_filestat_get(mem, fd, a[1]),
        14 => ctx.fd_filestat_set_size(fd, b[0] % (1 << 20)),
        15 => ctx.fd_filestat_set_times(fd, b[0], b[1], a[1] as u16),
        16 => ctx.fd_pread(mem, fd, a[1], a[2], b[0], a[3]),
        17 => ctx.fd_prestat_get(mem, fd, a[1]),
        18 => ctx.fd_prestat_dir_name(mem, fd, a[1], a[2]),
        19 => ctx.fd_pwrite(mem, fd, a[1], a[2], b[0] % (1 << 20), a[3]),
        20 => ctx.fd_read(mem, fd, a[1], a[2], a[3]),
        21 => ctx.fd_readdir(mem, fd, a[1], a[2], b[0], a[3]),
        22 => ctx.fd_renumber(fd, a[1] % 8 + 3),
        23 => ctx.fd_seek(mem, fd, b[0] as i64, a[1] as u8, a[2]),
        24 => ctx.fd_sync(fd),
        25 => ctx.fd_tell(mem, fd, a[1]),
        26 => ctx.fd_write(mem, fd, a[1], a[2], a[3]),
        27 => ctx.path_create_directory(mem, fd, a[1], a[2]),
        28 => ctx.path_filestat_get(mem, fd, a[1], a[2], a[3], a[4]),
        29 => ctx.path_filestat_set_times(mem, fd, a[1], a[2], a[3], b[0], b[1], a[4] as u16),
        30 => ctx.path_link(mem, fd, a[1], a[2], a[3], a[4] % 8, a[5], a[6]),
        31 => ctx.path_open(
            mem,
            fd,
            a[1],
            a[2],
            a[3],
            a[4] as u16,
            b[0],
            b[1],
            a[5] as u16,
            a[6],
        ),
        32 => ctx.path_readlink(mem, fd, a[1], a[2], a[3], a[4], a[5]),
        33 => ctx.path_remove_directory(mem, fd, a[1], a[2]),
        34 => ctx.path_rename(mem, fd, a[1], a[2], a[3] % 8, a[4], a[5]),
        35 => ctx.path_symlink(mem, a[1], a[2], fd, a[3], a[4]),
        36 => ctx.path_unlink_file(mem, fd, a[1], a[2]),
        37 => ctx.poll_oneoff(mem, a[1], a[2], a[3] % 64, a[4]),
        38 => ctx.proc_raise(a[1] as u8),
        39 => ctx.sched_yield(),
        40 => ctx.random_get(mem, a[1], a[2] % (1 << 20)),
        41 => ctx.sock_accept(mem, fd, a[1] as u16, a[2]),
        42 => ctx.sock_recv(mem, fd, a[1], a[2], a[3] as u16, a[4], a[5]),
        43 => ctx.sock_send(mem, fd, a[1], a[2], a[3] as u16, a[4]),
        _ => ctx.sock_shutdown(fd, a[1] as u8),
    };
}

/// Real paths placed in guest memory at fixed offsets, so that path
/// arguments often name something (a symlink out, `..`, an absolute path)
/// instead of failing the UTF-8 check.
const PATH_SLOTS: &[(u32, &str)] = &[
    (1024, "up"),
    (1040, "abs"),
    (1056, "../canary"),
    (1072, "file"),
    (1088, "up/../canary"),
    (1104, "/etc/passwd"),
    (1120, "sub"),
    (1136, "."),
    (1152, ".."),
];

/// Pointers near the interesting edges: 0, inside, the end, past it, and
/// values where `ptr + len` wraps a u32.
fn hostile_u32(size: u32) -> impl Strategy<Value = u32> {
    prop_oneof![
        proptest::sample::select(PATH_SLOTS.iter().map(|(at, _)| *at).collect::<Vec<_>>()),
        proptest::sample::select(
            PATH_SLOTS
                .iter()
                .map(|(_, p)| p.len() as u32)
                .collect::<Vec<_>>()
        ),
        Just(0u32),
        0..size.max(1),
        Just(size.saturating_sub(1)),
        Just(size),
        Just(u32::MAX),
        Just(u32::MAX - 3),
        any::<u32>(),
        0u32..16,
    ]
}

fn snapshot_outside(outside: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(outside)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name() != "sandbox")
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap_or_default(),
            )
        })
        .collect();
    v.sort();
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn hostile_arguments_never_crash_block_or_escape(
        size in prop_oneof![Just(0usize), Just(64usize), 1usize..4096, Just(65536usize)],
        seed_bytes in proptest::collection::vec(any::<u8>(), 0..512),
        calls in proptest::collection::vec((any::<u8>(), any::<[u32; 8]>(), any::<[u64; 3]>()), 1..24),
        edges in proptest::collection::vec(hostile_u32(65536), 8),
    ) {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("canary"), b"do not touch").unwrap();
        let sandbox = outside.path().join("sandbox");
        std::fs::create_dir(&sandbox).unwrap();
        std::fs::write(sandbox.join("file"), b"inside").unwrap();
        std::os::unix::fs::symlink("../canary", sandbox.join("up")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("canary"), sandbox.join("abs")).unwrap();
        let before = snapshot_outside(outside.path());

        let mut ctx = ctx_for(&sandbox);
        let mut bytes = vec![0u8; size];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = seed_bytes.get(i % seed_bytes.len().max(1)).copied().unwrap_or(0);
        }
        if size >= 2048 {
            for (at, p) in PATH_SLOTS {
                bytes[*at as usize..*at as usize + p.len()].copy_from_slice(p.as_bytes());
            }
        }
        let started = Instant::now();
        for (which, mut a, b) in calls {
            // Mix the edge values in so that every call sees some of them.
            for (slot, edge) in a.iter_mut().skip(1).zip(&edges) {
                if *slot % 3 == 0 { *slot = *edge; }
            }
            let mut mem = GuestMemory::new(&mut bytes);
            call(&mut ctx, &mut mem, which, &a, &b);
        }
        prop_assert!(started.elapsed().as_secs() < 10, "a call blocked");
        prop_assert_eq!(snapshot_outside(outside.path()), before);
    }
}
