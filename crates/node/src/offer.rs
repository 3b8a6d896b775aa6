//! The body of `POST /v1/migrations/{id}/prepare`: `u32` little-endian
//! length of the offer JSON, the offer, then the snapshot file.

use crate::api::{API_VERSION, MigrationOffer};
use crate::error::NodeError;
use crate::records::{Mount, OfferRecord};

/// A prepare body, split: `u32` little-endian length of the offer JSON,
/// the offer, then the snapshot file.
pub fn parse_offer(body: &[u8]) -> Result<(MigrationOffer, &[u8]), NodeError> {
    let bad = |m: &str| NodeError::BadRequest(format!("malformed migration offer: {m}"));
    let len = body.get(..4).ok_or_else(|| bad("shorter than 4 bytes"))?;
    let len = u32::from_le_bytes(len.try_into().expect("4 bytes")) as usize;
    let json = body
        .get(4..4usize.saturating_add(len))
        .ok_or_else(|| bad("truncated offer"))?;
    let offer: MigrationOffer = serde_json::from_slice(json).map_err(|e| bad(&e.to_string()))?;
    if offer.version != API_VERSION {
        return Err(bad(&format!(
            "version {} (this node speaks {API_VERSION})",
            offer.version
        )));
    }
    Ok((offer, &body[4 + len..]))
}

/// Frames a prepare body (see [`parse_offer`]).
pub fn frame_offer(offer: &MigrationOffer, snapshot: &[u8]) -> Vec<u8> {
    let json = serde_json::to_vec(offer).expect("offers serialise");
    let mut out = Vec::with_capacity(4 + json.len() + snapshot.len());
    out.extend_from_slice(&(json.len() as u32).to_le_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(snapshot);
    out
}

pub(crate) fn offer_record(o: &MigrationOffer, mounts: &[Mount]) -> OfferRecord {
    OfferRecord {
        module: o.module.clone(),
        args: o.args.clone(),
        stdout_offset: o.stdout_offset,
        stderr_offset: o.stderr_offset,
        precopy_rounds: o.precopy_rounds,
        mounts: mounts.to_vec(),
        carry_files: o.carry_files,
        max_memory: o.max_memory,
        time_limit_ms: o.time_limit_ms,
        time_used_ms: o.time_used_ms,
        started_unix_ms: o.started_unix_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::*;

    fn offer() -> MigrationOffer {
        MigrationOffer {
            version: API_VERSION,
            migration: "m1".into(),
            app: "a".into(),
            module: "00".into(),
            args: vec!["x".into()],
            stdout_offset: 7,
            stderr_offset: 9,
            precopy_rounds: 0,
            dirs: vec![],
            carry_files: true,
            max_memory: 1 << 20,
            time_limit_ms: None,
            time_used_ms: 0,
            started_unix_ms: 1,
        }
    }

    #[test]
    fn offers_frame_and_parse_back_and_bad_frames_name_the_cause() {
        let framed = frame_offer(&offer(), b"SNAPSHOT");
        let (o, snap) = parse_offer(&framed).unwrap();
        assert_eq!((o.stdout_offset, o.stderr_offset), (7, 9));
        assert_eq!(snap, b"SNAPSHOT");
        let err = |b: &[u8]| parse_offer(b).unwrap_err().to_string();
        assert!(err(b"\x01").contains("shorter than 4 bytes"));
        assert!(err(&framed[..10]).contains("truncated offer"));
        assert!(err(&u32::MAX.to_le_bytes()).contains("truncated offer"));
        let mut newer = offer();
        newer.version = API_VERSION + 1;
        assert!(err(&frame_offer(&newer, b"")).contains("version"));
        let mut junk = 3u32.to_le_bytes().to_vec();
        junk.extend_from_slice(b"{{{");
        assert!(err(&junk).contains("malformed migration offer"));
    }
}
