//! The report's numbered sections: 1 startup, 2 in-process instantiation,
//! 3 peak memory, 4 binary size, 5 compute kernels (with the cost of the
//! interruption checks and Pulley).

use super::{bytes, full_geomean, kernel_geomean, med, mib, opt, size_text, startup_of, xr};
use crate::Results;
use crate::inproc::Phases;
use crate::kernels::{FULL_SIZE, Kernel};
use crate::paths::{INTERRUPTIBLE_TIMEOUT, Variant};
use std::fmt::Write;

pub(super) fn startup(o: &mut String, r: &Results) {
    let _ = writeln!(o, "## 1. Startup\n");
    let _ = writeln!(
        o,
        "Three tiny C programs (`bench/guests/`), built natively and to Wasm. *Start → main*: \
         the harness reads `CLOCK_REALTIME` just before spawning the process; the guest's \
         `main` reads it first thing and prints it; the difference is the time from process \
         start to `main` (exec, the runtime's own startup, engine creation, module load, \
         instantiation, libc start-up). *Empty main*: wall time from spawn to reaped exit \
         of `int main(void) {{ return 0; }}`. *Hello RSS*: `ru_maxrss` from `wait4` of a \
         hello-world run. Cached-module rows run the `.wasm` with a warm compile cache \
         (`--cache-dir`); `.cwasm` rows run an artifact from `continuum compile` (the \
         pulley64 one from `continuum compile --target pulley64`); the runtime-only rows \
         run the full build's artifacts with the binary built without Cranelift. \
         {} rounds, round robin over the rows. *× native*: in each round, the row's \
         empty-main wall time ÷ the native one of the same round; median (min–max) over \
         the rounds.\n",
        r.plan.startup_runs
    );
    let _ = writeln!(
        o,
        "| how | start → main, ms | empty main wall, ms | × native | hello max RSS, MiB |\n\
         | --- | --- | --- | --- | --- |"
    );
    for s in &r.startup {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} |",
            s.variant.label(),
            med(&s.start_to_main_ms, 1.0, 2),
            med(&s.empty_wall_ms, 1.0, 2),
            xr(&s.empty_x_native, 1),
            med(&s.hello_rss_kib, 1.0 / 1024.0, 1)
        );
    }
    o.push('\n');
    if let Err(e) = &r.runtime_only_build {
        let _ = writeln!(
            o,
            "The runtime-only build (`cargo build --release -p continuum-cli \
             --no-default-features`) is not measured:\n\n```text\n{}\n```\n",
            e.trim()
        );
    }
    for (v, e) in &r.startup_failures {
        let _ = writeln!(
            o,
            "{} did not run:\n\n```text\n{}\n```\n",
            v.label(),
            e.trim()
        );
    }
}

pub(super) fn inproc(o: &mut String, r: &Results) {
    let _ = writeln!(o, "## 2. Instantiation, in process\n");
    let _ = writeln!(
        o,
        "The library crates driven as `crates/cli/src/run.rs` drives them without \
         `--timeout`, inside one process, for the empty-main module; microseconds, \
         `median (min–max)`. Engine: `ModuleLoader::new` (wasmtime `Engine` from the default \
         `EngineConfig`), {} times. Load: `ModuleLoader::load_file` of the `.wasm` through \
         the warm compile cache (read, SHA-256 key, `Module::deserialize_file`) and of a \
         `.cwasm` (read, `Module::deserialize`), {} times each. Then {} times, after one \
         untimed round: `Linker::new` + `continuum_wasi::add_to_linker`; \
         `WasiCtxBuilder::build` + `Store::new` + limiter + `Linker::instantiate`; and \
         calling `_start` (wasi-libc start-up and an empty `main`).\n",
        r.plan.inproc.engine, r.plan.inproc.load, r.plan.inproc.instantiate
    );
    let _ = write!(o, "| phase |");
    for (k, _) in &r.inproc {
        let _ = write!(o, " {k:?} |");
    }
    let _ = write!(o, "\n| --- |");
    for _ in &r.inproc {
        let _ = write!(o, " --- |");
    }
    o.push('\n');
    type Get = fn(&Phases) -> String;
    let rows: [(&str, Get); 9] = [
        (
            "engine creation, first of this configuration in the process",
            |p| format!("{:.0}", p.engine_first),
        ),
        ("engine creation, repeated", |p| med(&p.engine, 1.0, 0)),
        ("module load, `.wasm` via the compile cache", |p| {
            med(&p.load_cached, 1.0, 0)
        }),
        ("module load, `.cwasm`", |p| med(&p.load_cwasm, 1.0, 0)),
        ("`Linker` with the WASI functions", |p| {
            med(&p.linker, 1.0, 1)
        }),
        ("WASI context + store + `instantiate`", |p| {
            med(&p.instantiate, 1.0, 1)
        }),
        ("`_start` (empty `main`)", |p| med(&p.start, 1.0, 1)),
        ("sum: first engine + medians of the rest", |p| {
            format!(
                "{:.0}",
                p.engine_first
                    + p.load_cached.median
                    + p.linker.median
                    + p.instantiate.median
                    + p.start.median
            )
        }),
        ("cached artifact size", |p| bytes(p.artifact_bytes)),
    ];
    for (name, get) in rows {
        let _ = write!(o, "| {name} |");
        for (_, res) in &r.inproc {
            match res {
                Ok(p) => {
                    let _ = write!(o, " {} |", get(p));
                }
                Err(_) => o.push_str(" failed |"),
            }
        }
        o.push('\n');
    }
    o.push('\n');
    for (k, res) in &r.inproc {
        if let Err(e) = res {
            let _ = writeln!(o, "{k:?} failed:\n\n```text\n{e}\n```\n");
        }
    }
}

pub(super) fn memory_and_size(o: &mut String, r: &Results) {
    let _ = writeln!(o, "## 3. Peak memory\n");
    let _ = writeln!(
        o,
        "Max RSS (`ru_maxrss` of the child from `wait4`) of hello world, median over {} runs.\n",
        r.plan.startup_runs
    );
    let native_rss = startup_of(r, Variant::Native).map(|s| s.hello_rss_kib.median);
    let _ = writeln!(o, "| how | max RSS, MiB | × native |\n| --- | --- | --- |");
    for s in &r.startup {
        let _ = writeln!(
            o,
            "| {} | {} | {} |",
            s.variant.label(),
            mib(s.hello_rss_kib.median),
            opt(native_rss.map(|n| s.hello_rss_kib.median / n), 1, "×")
        );
    }
    let _ = writeln!(
        o,
        "\nThe kernels' peak memory (native and JIT, same problem) is in section 5. Linear \
         memory is reserved as virtual address space (guard regions) and counts only \
         where touched.\n"
    );

    let _ = writeln!(o, "## 4. Binary size\n");
    let _ = writeln!(
        o,
        "The `continuum` executable as built (release profile, `debug = \"line-tables-only\"`) \
         and a copy passed through `strip`. The runtime-only build has no compiler: it runs \
         `.cwasm` artifacts (Cranelift's for its own architecture, or pulley64) and refuses \
         `.wasm`. For scale, the paper reports WAMR at 209 KiB (AOT runtime), 230 KiB \
         (interpreter) and 41 MiB (JIT).\n"
    );
    let _ = writeln!(o, "| build | unstripped | stripped |\n| --- | --- | --- |");
    for s in &r.sizes {
        match &s.result {
            Ok((u, st)) => {
                let _ = writeln!(o, "| {} | {} | {} |", s.label, bytes(*u), size_text(st));
            }
            Err(e) => {
                let _ = writeln!(
                    o,
                    "| {} | not built ({}) | — |",
                    s.label,
                    e.replace('|', "\\|")
                );
            }
        }
    }
    o.push('\n');
}

pub(super) fn kernels(o: &mut String, r: &Results) {
    let _ = writeln!(o, "## 5. Compute kernels against native\n");
    let _ = writeln!(
        o,
        "Four kernels written for this comparison from their mathematical definitions \
         (`bench/kernels/`), compiled by the same clang-19 `-O2` natively and to \
         `wasm32-wasi` (no `-msimd128`). Each prints a checksum of its result; every run's \
         output must equal the native output byte for byte, or the benchmark fails. Times \
         are process wall times (process startup is about 2 ms under `continuum`, a \
         native kernel takes a few tenths of a second), median of {} runs, round robin. Ratios are paired: in \
         each round the native run comes first and the Wasm variants follow it (in \
         alternating order from round to round); the table gives the median (min–max) of \
         the per-round ratios to that native run, and the geometric mean is over the \
         kernels' median ratios. JIT: `continuum run x.wasm` with a warm compile cache; \
         JIT + `--timeout`: `continuum run --timeout {INTERRUPTIBLE_TIMEOUT} x.wasm`, the \
         same code with epoch checks (its own cache entry) and a limit that never expires; \
         AOT: `continuum run x.cwasm` from `continuum compile`.\n",
        r.plan.kernel_runs
    );
    let _ = writeln!(
        o,
        "| kernel | what | arguments (Pulley's) | checksum |\n| --- | --- | --- | --- |"
    );
    for k in &r.kernels {
        let _ = writeln!(
            o,
            "| {} | {} | `{}` (`{}`) | `{}` |",
            k.spec.name,
            k.spec.what,
            k.spec.full.join(" "),
            k.spec.small.join(" "),
            k.checksum
        );
    }
    let _ = write!(o, "\n| kernel | native, s |");
    for v in FULL_SIZE {
        let _ = write!(o, " {0}, s | {0} × native |", v.short());
    }
    let _ = write!(o, " max RSS native / JIT, MiB |\n| --- | --- |");
    for _ in FULL_SIZE {
        o.push_str(" --- | --- |");
    }
    o.push_str(" --- |\n");
    for k in &r.kernels {
        let _ = write!(o, "| {} | {} |", k.spec.name, med(&k.native_s, 1.0, 3));
        for t in &k.full {
            let _ = write!(o, " {} | {} |", med(&t.s, 1.0, 3), xr(&t.x, 2));
        }
        let _ = writeln!(
            o,
            " {} / {} |",
            mib(k.native_rss_kib.median),
            mib(k.jit_rss_kib.median)
        );
    }
    let _ = write!(o, "| **geometric mean** | |");
    for v in FULL_SIZE {
        let _ = write!(o, " | **{}** |", opt(full_geomean(r, v), 2, "×"));
    }
    o.push_str(" |\n\n");

    let gj = full_geomean(r, Variant::Jit);
    let gi = full_geomean(r, Variant::JitInterruptible);
    let gc = kernel_geomean(r, |k| Some(k.interruptible_x_jit.median));
    let _ = writeln!(
        o,
        "### The cost of interruption checks\n\n\
         `--timeout` makes `continuum run` compile an epoch check into every function entry \
         and loop header, so that a watchdog thread can stop the guest; without it (and in \
         a `.cwasm` unless compiled with `--interruptible`) the code has none. *÷ JIT* is \
         paired by round: JIT + `--timeout` time ÷ JIT time of the same round.\n\n\
         | kernel | JIT × native | JIT + `--timeout` × native | JIT + `--timeout` ÷ JIT |\n\
         | --- | --- | --- | --- |"
    );
    for k in &r.kernels {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |",
            k.spec.name,
            xr(&k.timed(Variant::Jit).x, 2),
            xr(&k.timed(Variant::JitInterruptible).x, 2),
            xr(&k.interruptible_x_jit, 2)
        );
    }
    let _ = writeln!(
        o,
        "| **geometric mean** | **{}** | **{}** | **{}** |\n",
        opt(gj, 2, "×"),
        opt(gi, 2, "×"),
        opt(gc, 2, "×")
    );

    let _ = writeln!(
        o,
        "### Pulley\n\n\
         The interpreter (`continuum run --engine pulley x.wasm`, warm cache, no epoch \
         checks) runs a smaller problem, median of {} run(s), each paired with a native run \
         at that same size; at those sizes native runs take tens of milliseconds, so process \
         startup slightly lowers Pulley's ratio. A run longer than 60 s would be stopped by \
         the harness and the kernel reported as skipped.\n\n\
         | kernel | native (small), s | Pulley (small), s | Pulley × native |\n\
         | --- | --- | --- | --- |",
        r.plan.pulley_runs
    );
    for k in &r.kernels {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |",
            k.spec.name,
            med(&k.native_small_s, 1.0, 3),
            match &k.pulley_s {
                Ok(p) => med(p, 1.0, 2),
                Err(e) => e.replace('|', "\\|"),
            },
            match (&k.pulley_s, &k.pulley_x) {
                (Ok(_), Some(x)) => xr(x, 1),
                _ => "—".into(),
            },
        );
    }
    let _ = writeln!(
        o,
        "| **geometric mean** | | | **{}** |\n",
        opt(kernel_geomean(r, Kernel::pulley_ratio), 1, "×")
    );
    let _ = writeln!(
        o,
        "These four kernels are a first comparison, not PolyBench/C: the brief's target \
         (PolyBench/C geomean ≤ 1.10× native) is measured on the full suite \
         (`bench/polybench/`). A known cause of a gap: native x86-64 code may use SSE2 \
         vectors where the default wasm32 target has none (contiguous inner loops: gemm, \
         jacobi2d). With `--timeout`, the epoch checks cost most in short, hot inner loops \
         (each check needs registers, and Cranelift then spills loop values to the stack)."
    );
}
