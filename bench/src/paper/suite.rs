//! What the paper evaluation runs: the 30 PolyBench/C kernels with their
//! size class and repeat count, speedtest1's tests and the three left out,
//! the compiler flags of every build, and the plan (sizes, repetitions) of a
//! full or a `--quick` run.

/// A PolyBench/C kernel of `bench/polybench/`: its name, and how many times
/// the kernel is called inside the timed region (`-DPB_REPEAT`) so that one
/// run takes at least ~0.5 s natively on x86-64 at its default size class
/// (see `bench/polybench/README.md`).
#[derive(Clone, Copy, Debug)]
pub struct Kernel {
    pub name: &'static str,
    pub repeat: u32,
}

const fn k(name: &'static str, repeat: u32) -> Kernel {
    Kernel { name, repeat }
}

/// All 30 kernels, in PolyBench's alphabetical order.
pub const KERNELS: [Kernel; 30] = [
    k("2mm", 1),
    k("3mm", 1),
    k("adi", 8),
    k("atax", 120),
    k("bicg", 120),
    k("cholesky", 1),
    k("correlation", 1),
    k("covariance", 1),
    k("deriche", 2),
    k("doitgen", 1),
    k("durbin", 60),
    k("fdtd-2d", 1),
    k("floyd-warshall", 8),
    k("gemm", 2),
    k("gemver", 4),
    k("gesummv", 50),
    k("gramschmidt", 1),
    k("heat-3d", 1),
    k("jacobi-1d", 300),
    k("jacobi-2d", 1),
    k("lu", 1),
    k("ludcmp", 1),
    k("mvt", 4),
    k("nussinov", 1),
    k("seidel-2d", 4),
    k("symm", 1),
    k("syr2k", 1),
    k("syrk", 1),
    k("trisolv", 60),
    k("trmm", 1),
];

/// The size class a build uses: each kernel's own default (the README's
/// table), or one class for all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    Default,
    Mini,
    Small,
    Medium,
}

impl Class {
    /// The `-D` flag, if any.
    pub fn flag(self) -> Option<&'static str> {
        match self {
            Class::Default => None,
            Class::Mini => Some("-DPB_MINI"),
            Class::Small => Some("-DPB_SMALL"),
            Class::Medium => Some("-DPB_MEDIUM"),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Class::Default => "default",
            Class::Mini => "MINI",
            Class::Small => "SMALL",
            Class::Medium => "MEDIUM",
        }
    }
}

/// speedtest1's 32 tests of its main test set.
pub const SPEEDTEST_TESTS: [u32; 32] = [
    100, 110, 120, 130, 140, 142, 145, 150, 160, 161, 170, 180, 190, 200, 210, 230, 240, 250, 260,
    270, 280, 290, 300, 310, 320, 400, 410, 500, 510, 520, 980, 990,
];

/// The three tests left out of the 29-test geometric mean (see the report
/// for why).
pub const SPEEDTEST_EXCLUDED: [u32; 3] = [170, 200, 310];

/// Optimisation flags shared by every C build, native and Wasm, x86-64 and
/// aarch64 (the paper's: plain `-O2`).
pub const OPT: &[&str] = &["-O2"];

/// Wasm target features of the tuned Wasm build (the fair counterpart of
/// x86-64's baseline SSE2 and of glibc's vectorised string functions).
pub const WASM_FEATURES: &[&str] = &["-msimd128", "-mbulk-memory"];

/// How big and how often: the full plan or the quick one.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// Timed runs of each configuration (x86-64).
    pub reps: usize,
    /// PolyBench class on x86-64 (the kernels' own classes in a full run).
    pub pb_class: Class,
    /// PolyBench class for Pulley.
    pub pb_small_class: Class,
    /// Timed runs of Pulley.
    pub small_reps: usize,
    /// speedtest1 `--size` on x86-64.
    pub st_size: u32,
    /// speedtest1 `--size` for Pulley.
    pub st_small_size: u32,
    /// speedtest1 `--size` of the untimed `--verify` runs on x86-64.
    pub st_verify_size: u32,
    /// PolyBench class under qemu (aarch64).
    pub pb_arm_class: Class,
    /// speedtest1 `--size` under qemu (aarch64).
    pub st_arm_size: u32,
    /// Timed runs of the qemu configurations.
    pub arm_reps: usize,
}

impl Plan {
    pub fn new(quick: bool) -> Self {
        if quick {
            Plan {
                reps: 1,
                pb_class: Class::Small,
                pb_small_class: Class::Mini,
                small_reps: 1,
                st_size: 20,
                st_small_size: 5,
                st_verify_size: 5,
                pb_arm_class: Class::Mini,
                st_arm_size: 5,
                arm_reps: 1,
            }
        } else {
            Plan {
                reps: 2,
                pb_class: Class::Default,
                pb_small_class: Class::Small,
                small_reps: 2,
                st_size: 200,
                st_small_size: 25,
                st_verify_size: 50,
                pb_arm_class: Class::Medium,
                st_arm_size: 25,
                arm_reps: 2,
            }
        }
    }
}
