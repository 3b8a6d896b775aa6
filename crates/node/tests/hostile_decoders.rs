//! The decoders a peer's bytes reach (pre-copy rounds, migration offers),
//! fed random and damaged input: every one answers an error or a value
//! within the limits, never a panic and never an allocation the input did
//! not pay for.

use continuum_node::api::{API_VERSION, MigrationOffer};
use continuum_node::{encode_round, frame_offer, parse_offer};
use continuum_snapshot::format::{MemoryImage, MemoryRun};
use proptest::prelude::*;

fn offer() -> MigrationOffer {
    MigrationOffer {
        version: API_VERSION,
        migration: "m".into(),
        app: "a".into(),
        module: "00".into(),
        args: vec![],
        stdout_offset: 0,
        stderr_offset: 0,
        precopy_rounds: 0,
        dirs: vec![],
        carry_files: true,
        max_memory: 1 << 20,
        time_limit_ms: None,
        time_used_ms: 0,
        started_unix_ms: 0,
    }
}

fn valid_round() -> Vec<u8> {
    encode_round(&[MemoryImage {
        index: 0,
        pages: 4,
        runs: vec![
            MemoryRun {
                offset: 4096,
                data: vec![1; 4096],
            },
            MemoryRun {
                offset: 65536,
                data: vec![2; 100],
            },
        ],
    }])
}

/// 16 pages of memory 0 at most; no other memory.
fn limit(i: u32) -> Option<u64> {
    (i == 0).then_some(16)
}

fn check_round(bytes: &[u8]) {
    if let Ok(images) = continuum_node::decode_round(bytes, &limit) {
        let mut data = 0usize;
        for i in &images {
            assert_eq!(i.index, 0);
            assert!(i.pages <= 16);
            for r in &i.runs {
                assert!(r.offset + r.data.len() as u64 <= i.pages * 65536);
                data += r.data.len();
            }
        }
        assert!(data <= bytes.len(), "decoded more data than the input held");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_rounds(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check_round(&bytes);
    }

    #[test]
    fn damaged_rounds(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8), cut in any::<usize>()) {
        let mut b = valid_round();
        for (at, v) in flips {
            let n = b.len();
            b[at % n] = v;
        }
        let keep = cut % (b.len() + 1);
        check_round(&b[..keep]);
        check_round(&b);
    }

    #[test]
    fn random_offers(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_offer(&bytes);
    }

    #[test]
    fn damaged_offers(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8), cut in any::<usize>()) {
        let mut b = frame_offer(&offer(), b"snapshot bytes");
        for (at, v) in flips {
            let n = b.len();
            b[at % n] = v;
        }
        let keep = cut % (b.len() + 1);
        if let Ok((o, snap)) = parse_offer(&b[..keep]) {
            prop_assert_eq!(o.version, API_VERSION);
            prop_assert!(snap.len() <= keep);
        }
    }
}

#[test]
fn the_valid_round_decodes() {
    let images = continuum_node::decode_round(&valid_round(), &limit).unwrap();
    assert_eq!(images[0].runs.len(), 2);
}
