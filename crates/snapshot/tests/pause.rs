//! Preparing modules, pausing them, capturing and restoring them, in
//! process: on Cranelift and on Pulley, and the refusals of what cannot be
//! made pausable.

#![cfg(feature = "prepare")]

use continuum_engine::{EngineConfig, EngineKind, ModuleLoader};
use continuum_snapshot::{
    Guest, Migratable, MigrateError, Outcome, PrepareError, Snapshot, add_to_linker, prepare,
    prepared_info,
};
use std::time::Duration;

/// Counts to `limit` in nested loops and a recursive helper, keeping the
/// running sum in a mutable global and in memory.
const COUNTER: &str = r#"
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 2)
  (global $sum (mut i64) (i64.const 0))
  (func $step (param $n i32) (param $depth i32) (result i64)
    (if (result i64) (i32.eqz (local.get $depth))
      (then (i64.extend_i32_u (i32.and (local.get $n) (i32.const 1023))))
      (else (i64.add (i64.const 1)
        (call $step (local.get $n) (i32.sub (local.get $depth) (i32.const 1)))))))
  (func (export "_start")
    (local $i i32) (local $j i32)
    (loop $outer
      (local.set $j (i32.const 0))
      (loop $inner
        (global.set $sum (i64.add (global.get $sum)
          (call $step (i32.add (local.get $i) (local.get $j)) (i32.const 20))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $inner (i32.lt_u (local.get $j) (i32.const 20000))))
      (i64.store (i32.const 1024) (global.get $sum))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $outer (i32.lt_u (local.get $i) (i32.const 150))))
    (call $exit (i32.wrap_i64 (i64.rem_u (global.get $sum) (i64.const 251))))))
"#;

fn engine(kind: EngineKind) -> ModuleLoader {
    ModuleLoader::new(
        &EngineConfig {
            kind,
            ..EngineConfig::default()
        },
        None,
    )
    .unwrap()
}

fn start(bytes: &[u8], kind: EngineKind) -> Migratable {
    let module = engine(kind).load(bytes).unwrap().module;
    let mut linker = wasmtime::Linker::new(module.engine());
    add_to_linker(&mut linker).unwrap();
    let wasi = continuum_wasi::WasiCtxBuilder::new()
        .arg("counter")
        .build()
        .unwrap();
    Migratable::new(
        bytes,
        &module,
        &linker,
        Guest::new(wasi, Default::default()),
    )
    .unwrap()
}

fn restore(bytes: &[u8], kind: EngineKind, snap: &Snapshot) -> Migratable {
    let module = engine(kind).load(bytes).unwrap().module;
    let mut linker = wasmtime::Linker::new(module.engine());
    add_to_linker(&mut linker).unwrap();
    let wasi =
        continuum_wasi::WasiCtx::from_state(snap.body.wasi.clone(), &Default::default()).unwrap();
    Migratable::restore(
        bytes,
        &module,
        &linker,
        Guest::new(wasi, Default::default()),
        snap,
    )
    .unwrap()
}

fn sum_global(snap: &Snapshot) -> i64 {
    match snap.body.globals[0].value {
        continuum_snapshot::format::Value::I64(v) => v,
        other => panic!("unexpected global {other:?}"),
    }
}

fn prepared_counter() -> Vec<u8> {
    prepare(&wat::parse_str(COUNTER).unwrap()).unwrap()
}

#[test]
fn prepared_module_describes_itself_and_runs_to_the_same_end() {
    let bytes = prepared_counter();
    let info = prepared_info(&bytes).unwrap();
    assert_eq!(info.memories, 1);
    assert_eq!(info.mutable_globals, vec![0]);
    // Two loops, plus the entries of `_start` and `$step` (both call).
    assert_eq!(info.poll_points, 4);
    let mut app = start(&bytes, EngineKind::Cranelift);
    let plain = app.run().unwrap();
    assert!(matches!(plain, Outcome::Exited(_)), "{plain:?}");
    // Preparing a prepared module changes nothing.
    assert_eq!(prepare(&bytes).unwrap(), bytes);
}

/// Pauses after `delay`, captures, checks the snapshot round-trips through
/// its encoding, and returns it.
fn pause_and_capture(app: &mut Migratable, bytes: &[u8], delay: Duration) -> Snapshot {
    let pause = app.pause_handle();
    let t = std::thread::spawn(move || {
        std::thread::sleep(delay);
        pause.request();
    });
    let outcome = app.run().unwrap();
    t.join().unwrap();
    assert_eq!(outcome, Outcome::Paused, "the guest ended before the pause");
    let snap = app.capture(Some(bytes)).unwrap();
    let decoded = Snapshot::decode(&snap.encode()).unwrap();
    assert_eq!(decoded.body, snap.body);
    decoded
}

#[test]
fn paused_guests_resume_in_place_and_restore_elsewhere_with_the_same_result() {
    let bytes = prepared_counter();
    let expected = match start(&bytes, EngineKind::Cranelift).run().unwrap() {
        Outcome::Exited(code) => code,
        other => panic!("{other:?}"),
    };

    // Pause, resume in place, pause again, then restore the second snapshot
    // on Pulley (another engine) and the first on Cranelift.
    let mut app = start(&bytes, EngineKind::Cranelift);
    let first = pause_and_capture(&mut app, &bytes, Duration::from_millis(30));
    assert!(!first.body.stack.is_empty());
    app.resume().unwrap();
    let second = pause_and_capture(&mut app, &bytes, Duration::from_millis(30));
    assert!(
        sum_global(&second) >= sum_global(&first),
        "the guest went backwards"
    );
    assert_eq!(second.header.sequence, 2);
    app.resume().unwrap();
    assert_eq!(app.run().unwrap(), Outcome::Exited(expected));

    let mut on_pulley = restore(&bytes, EngineKind::Pulley, &second);
    // Pulley is slow: move the rest back to Cranelift after a while.
    let third = pause_and_capture(&mut on_pulley, &bytes, Duration::from_millis(50));
    assert_eq!(third.header.sequence, 3);
    let mut back = restore(&bytes, EngineKind::Cranelift, &third);
    assert_eq!(back.run().unwrap(), Outcome::Exited(expected));

    let mut again = restore(&bytes, EngineKind::Cranelift, &first);
    assert_eq!(again.run().unwrap(), Outcome::Exited(expected));
}

#[test]
fn a_snapshot_restores_only_into_its_own_module() {
    let bytes = prepared_counter();
    let mut app = start(&bytes, EngineKind::Cranelift);
    let snap = pause_and_capture(&mut app, &bytes, Duration::from_millis(10));
    let other = prepare(&wat::parse_str(COUNTER.replace("150", "151")).unwrap()).unwrap();
    let module = engine(EngineKind::Cranelift).load(&other).unwrap().module;
    let mut linker = wasmtime::Linker::new(module.engine());
    add_to_linker(&mut linker).unwrap();
    let wasi = continuum_wasi::WasiCtxBuilder::new().build().unwrap();
    let err = Migratable::restore(
        &other,
        &module,
        &linker,
        Guest::new(wasi, Default::default()),
        &snap,
    )
    .unwrap_err();
    assert!(err.to_string().contains("is for module"), "{err}");
    // Capturing a guest that is not paused is an error, not a bad snapshot.
    let mut fresh = start(&bytes, EngineKind::Cranelift);
    assert!(matches!(fresh.capture(None), Err(MigrateError::NotPaused)));
}

fn refusal(wat: &str) -> String {
    match prepare(&wat::parse_str(wat).unwrap()) {
        Err(PrepareError::Unsupported(why)) => why,
        other => panic!("expected a refusal, got {:?}", other.map(|b| b.len())),
    }
}

#[test]
fn modules_that_cannot_be_paused_are_refused_with_the_reason() {
    let why = refusal(r#"(module (func $f (return_call $f)) (export "_start" (func $f)))"#);
    assert!(why.contains("tail call"), "{why}");
    let why = refusal(r#"(module (memory 1 1 shared) (func (export "_start")))"#);
    assert!(why.contains("threads"), "{why}");
    let why = refusal(r#"(module (func (export "_start") (local externref)))"#);
    assert!(why.contains("reference-typed local"), "{why}");
    let why = refusal(
        r#"(module (table 1 funcref) (func (export "_start") (drop (table.grow (ref.null func) (i32.const 1)))))"#,
    );
    assert!(why.contains("tables"), "{why}");
    let err = prepare(b"\0asm\x01\0\0\0\x01").unwrap_err();
    assert!(matches!(err, PrepareError::Invalid(_)), "{err}");
}

#[test]
fn pre_copy_rounds_plus_a_final_delta_restore_like_a_whole_snapshot() {
    use continuum_snapshot::{Accumulator, PrecopyState};
    let bytes = prepared_counter();
    let expected = match start(&bytes, EngineKind::Cranelift).run().unwrap() {
        Outcome::Exited(code) => code,
        other => panic!("{other:?}"),
    };
    let app = start(&bytes, EngineKind::Cranelift);
    let reader = app.memory_reader();
    let pause = app.pause_handle();
    let (tx, rx) = std::sync::mpsc::channel::<PrecopyState>();
    let guest_bytes = bytes.clone();
    let guest = std::thread::spawn(move || {
        let mut app = app;
        assert_eq!(app.run().unwrap(), Outcome::Paused);
        let mut state = rx.recv().unwrap();
        app.capture_delta(&mut state, Some(&guest_bytes)).unwrap()
    });
    let mut state = PrecopyState::default();
    let mut acc = Accumulator::default();
    for _ in 0..3 {
        std::thread::sleep(Duration::from_millis(10));
        let round = reader.round(&mut state).expect("guest alive");
        acc.apply(&round).unwrap();
    }
    let sent_before_pause = state.bytes_sent;
    assert!(sent_before_pause > 0);
    pause.request();
    tx.send(state).unwrap();
    let delta = guest.join().unwrap();
    assert!(delta.header.delta);
    // A delta is refused on its own...
    let module = engine(EngineKind::Cranelift).load(&bytes).unwrap().module;
    let mut linker = wasmtime::Linker::new(module.engine());
    add_to_linker(&mut linker).unwrap();
    let wasi = continuum_wasi::WasiCtxBuilder::new().build().unwrap();
    let err = Migratable::restore(
        &bytes,
        &module,
        &linker,
        Guest::new(wasi, Default::default()),
        &delta,
    )
    .unwrap_err();
    assert!(err.to_string().contains("delta"), "{err}");
    // ...and completes into a snapshot that finishes the run correctly.
    let full = acc.complete(delta).unwrap();
    let mut resumed = restore(&bytes, EngineKind::Cranelift, &full);
    assert_eq!(resumed.run().unwrap(), Outcome::Exited(expected));
    // The source guest was dropped with its thread: its reader now says so
    // instead of reading freed memory.
    assert!(reader.round(&mut PrecopyState::default()).is_none());
}

#[test]
fn an_incoming_instance_takes_rounds_and_becomes_the_guest() {
    use continuum_snapshot::PrecopyState;
    let bytes = prepared_counter();
    let expected = match start(&bytes, EngineKind::Cranelift).run().unwrap() {
        Outcome::Exited(code) => code,
        other => panic!("{other:?}"),
    };
    let app = start(&bytes, EngineKind::Cranelift);
    let reader = app.memory_reader();
    let pause = app.pause_handle();
    let guest = std::thread::spawn(move || {
        let mut app = app;
        assert_eq!(app.run().unwrap(), Outcome::Paused);
        app
    });
    // The target runs on Pulley: rounds are plain memory, any engine takes them.
    let module = engine(EngineKind::Pulley).load(&bytes).unwrap().module;
    let mut linker = wasmtime::Linker::new(module.engine());
    add_to_linker(&mut linker).unwrap();
    let placeholder = continuum_wasi::WasiCtxBuilder::new().build().unwrap();
    let mut target = Migratable::incoming(
        &bytes,
        &module,
        &linker,
        Guest::new(placeholder, Default::default()),
    )
    .unwrap();
    let mut state = PrecopyState::default();
    for _ in 0..2 {
        std::thread::sleep(Duration::from_millis(10));
        target
            .apply_round(&reader.round(&mut state).unwrap())
            .unwrap();
    }
    pause.request();
    let mut source = guest.join().unwrap();
    let last = Snapshot::decode(&source.capture_delta(&mut state, None).unwrap().encode()).unwrap();
    let wasi =
        continuum_wasi::WasiCtx::from_state(last.body.wasi.clone(), &Default::default()).unwrap();
    target.finish_incoming(&last, wasi).unwrap();
    drop(source);
    // Pulley is slow: hand the rest back to Cranelift through a whole snapshot.
    let mid = pause_and_capture(&mut target, &bytes, Duration::from_millis(30));
    assert_eq!(
        restore(&bytes, EngineKind::Cranelift, &mid).run().unwrap(),
        Outcome::Exited(expected)
    );
}

/// Grows its memory from 1 to 40 pages without any host call, writes a
/// marker in the last page, then spins on a loop (poll points) until paused.
const GROWER: &str = r#"
(module
  (memory (export "memory") 1)
  (func (export "_start")
    (local $i i32)
    (drop (memory.grow (i32.const 39)))
    (i32.store (i32.const 2555904) (i32.const 0x5eed))
    (loop $spin
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (i32.store (i32.const 64) (local.get $i))
      (br $spin))))
"#;

#[test]
fn pre_copy_sees_memory_the_guest_grew_once_its_length_is_published() {
    use continuum_snapshot::PrecopyState;
    let bytes = prepare(&wat::parse_str(GROWER).unwrap()).unwrap();
    let app = start(&bytes, EngineKind::Cranelift);
    let reader = app.memory_reader();
    let pause = app.pause_handle();
    // Before the guest runs, exactly its initial page is readable.
    let first = reader.round(&mut PrecopyState::default()).unwrap();
    assert_eq!(first[0].pages, 1);
    let guest = std::thread::spawn(move || {
        let mut app = app;
        assert_eq!(app.run().unwrap(), Outcome::Paused);
        app
    });
    // The limiter asked for a publication at the guest's next poll point
    // (the loop header): the grown length shows up while it spins, with no
    // host call and without /proc.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let round = loop {
        let round = reader.round(&mut PrecopyState::default()).unwrap();
        if round[0].pages == 40 || std::time::Instant::now() > deadline {
            break round;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    assert_eq!(round[0].pages, 40, "the grown length was never published");
    let marker = round[0]
        .runs
        .iter()
        .find(|r| r.offset <= 2555904 && 2555904 < r.offset + r.data.len() as u64)
        .expect("the last page is sent");
    let at = (2555904 - marker.offset) as usize;
    assert_eq!(&marker.data[at..at + 4], &0x5eedu32.to_le_bytes());
    pause.request();
    let mut app = guest.join().unwrap();
    let snap = app.capture(None).unwrap();
    assert_eq!(snap.header.memories[0].pages, 40);
}
