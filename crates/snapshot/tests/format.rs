//! The snapshot file format: round trips, and every kind of damage refused
//! with an error (never a panic, never a wrong snapshot accepted).

use continuum_snapshot::format::{
    Body, FileImage, GlobalValue, Header, MemoryImage, MemorySummary, Value,
};
use continuum_snapshot::{SNAPSHOT_FORMAT_VERSION, Snapshot, SnapshotError, sha256_hex};
use proptest::prelude::*;

fn sample() -> Snapshot {
    let mut mem = vec![0u8; 3 * 65536];
    mem[10] = 1;
    mem[5000..5100].fill(0xab);
    mem[70000] = 9;
    let module = b"\0asm\x01\0\0\0".to_vec();
    let image = MemoryImage::capture(0, &mem, 65536);
    let mut wasi = continuum_wasi::WasiState {
        args: vec!["app".into(), "x".into()],
        env: vec!["A=1".into()],
        ..Default::default()
    };
    wasi.clocks.monotonic_base_ns = 123_456_789;
    Snapshot {
        header: Header {
            format_version: SNAPSHOT_FORMAT_VERSION,
            prepared_sha256: sha256_hex(&module),
            source_sha256: "00".repeat(32),
            created_unix_ms: 1,
            taken_on: "x86_64-linux cranelift".into(),
            sequence: 4,
            run_started_unix_ms: 0,
            module_embedded: true,
            delta: false,
            memories: vec![MemorySummary {
                index: 0,
                pages: 3,
                stored_bytes: image.stored_bytes(),
            }],
            stack_bytes: 16,
            files: 1,
            body_uncompressed: 0,
        },
        body: Body {
            module,
            memories: vec![image],
            globals: vec![
                GlobalValue {
                    index: 0,
                    value: Value::I32(-5),
                },
                GlobalValue {
                    index: 2,
                    value: Value::F64(f64::NAN.to_bits()),
                },
            ],
            stack: vec![7; 16],
            wasi,
            files: vec![FileImage {
                preopen: ".".into(),
                path: "out.txt".into(),
                contents: b"hello".to_vec(),
            }],
        },
    }
}

#[test]
fn round_trips_and_is_sparse() {
    let snap = sample();
    let bytes = snap.encode();
    let back = Snapshot::decode(&bytes).unwrap();
    assert_eq!(back.body, snap.body);
    assert_eq!(back.header.sequence, 4);
    // Three 4 KiB chunks hold data (around offsets 10, 5000 and 70000); the
    // other 45 of the 48 chunks are not stored.
    let stored = back.body.memories[0].stored_bytes();
    assert_eq!(
        stored,
        3 * 4096,
        "runs: {:?}",
        back.body.memories[0].runs.len()
    );
    assert!(
        bytes.len() < 4096,
        "compressed file is {} bytes",
        bytes.len()
    );
}

#[test]
fn memory_images_rebuild_the_same_bytes() {
    let mut mem = vec![0u8; 65536 * 2];
    for (i, b) in mem.iter_mut().enumerate().skip(4096).take(9000) {
        *b = (i % 251) as u8 | 1;
    }
    mem[131071] = 3;
    let image = MemoryImage::capture(0, &mem, 65536);
    let mut rebuilt = vec![0u8; mem.len()];
    for r in &image.runs {
        rebuilt[r.offset as usize..r.offset as usize + r.data.len()].copy_from_slice(&r.data);
    }
    assert_eq!(rebuilt, mem);
    assert_eq!(image.pages, 2);
}

#[test]
fn every_truncation_is_refused() {
    let bytes = sample().encode();
    for len in 0..bytes.len() {
        let err = Snapshot::decode(&bytes[..len]).unwrap_err();
        assert!(
            matches!(
                err,
                SnapshotError::Truncated(_)
                    | SnapshotError::Corrupt(_)
                    | SnapshotError::NotASnapshot
            ),
            "length {len}: {err}"
        );
    }
}

#[test]
fn every_flipped_byte_is_refused() {
    let bytes = sample().encode();
    for i in 0..bytes.len() {
        let mut bad = bytes.clone();
        bad[i] ^= 0x40;
        assert!(
            Snapshot::decode(&bad).is_err(),
            "flipping byte {i} went unnoticed"
        );
    }
}

#[test]
fn a_newer_format_and_foreign_files_get_their_own_errors() {
    let mut bytes = sample().encode();
    bytes[8..12].copy_from_slice(&(SNAPSHOT_FORMAT_VERSION + 1).to_le_bytes());
    let err = Snapshot::decode(&bytes).unwrap_err();
    assert!(matches!(err, SnapshotError::NewerFormat { .. }), "{err}");
    assert!(err.to_string().contains("newer"), "{err}");
    let err = Snapshot::decode(b"\0asm\x01\0\0\0 not a snapshot").unwrap_err();
    assert!(matches!(err, SnapshotError::NotASnapshot), "{err}");
}

#[test]
fn a_valid_checksum_over_inconsistent_contents_is_still_refused() {
    // Rewrite the embedded module after encoding and fix up the CRC: the
    // module hash in the header must catch it.
    let mut snap = sample();
    snap.body.module = b"\0asm\x01\0\0\0\0".to_vec();
    let err = Snapshot::decode(&snap.encode()).unwrap_err();
    assert!(err.to_string().contains("does not match its hash"), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = Snapshot::decode(&data);
    }

    #[test]
    fn random_damage_to_a_valid_file_is_refused(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)
    ) {
        let good = sample().encode();
        let mut bad = good.clone();
        for (i, v) in edits {
            let at = i.index(bad.len());
            bad[at] = v;
        }
        if bad != good {
            prop_assert!(Snapshot::decode(&bad).is_err());
        }
    }
}
