//! `decode_client` allocates no more than the frame's own size, whatever its headers claim.
//!
//! Before, a 52-byte message (a `ping` with an unknown field of 7 nested arrays, each header
//! claiming 2^32 - 1 elements) made the decoder reserve 1 MiB per header inside serde's
//! buffering of internally tagged enums: about 7 MiB for one frame. This binary counts every
//! byte the global allocator hands out during each decode (one test, so nothing else runs).

#[path = "support/serde_client.rs"]
mod serde_client;

use std::alloc::System;

use breakroom_protocol::decode_client;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// What a refusal's text may take beyond the frame (its wording, at most a few lines).
const ERROR_TEXT: usize = 256;

/// Bytes allocated while `f` runs (growing an allocation counts its growth).
fn allocated<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let region = Region::new(GLOBAL);
    let out = f();
    let change = region.change();
    let grown = usize::try_from(change.bytes_reallocated).unwrap_or(0);
    (change.bytes_allocated + grown, out)
}

/// A `ping` with an unknown field `x` holding `raw`.
fn ping_with(raw: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0x83, 0xa4];
    bytes.extend_from_slice(b"type");
    bytes.push(0xa4);
    bytes.extend_from_slice(b"ping");
    bytes.extend_from_slice(&[0xa2, b't', b'0', 0x01, 0xa1, b'x']);
    bytes.extend_from_slice(raw);
    bytes
}

fn inputs() -> Vec<Vec<u8>> {
    let huge = |marker: u8| [marker, 0xff, 0xff, 0xff, 0xff];
    let mut out = vec![
        // 7 nested huge arrays: the deepest an unknown field may nest (the amplification).
        ping_with(&huge(0xdd).repeat(7)),
        ping_with(&huge(0xdf).repeat(7)),
        ping_with(&[huge(0xdf), [0xa1, b'k', 0xdd, 0xff, 0xff]].concat()),
        ping_with(&huge(0xdb)),
        ping_with(&huge(0xc6)),
        ping_with(&huge(0xc9)),
        // Huge headers in the known fields' places.
        [
            &[0x82, 0xa4][..],
            b"type",
            &[0xa4],
            b"pose",
            &[0xa2],
            b"kp",
            &huge(0xc6),
        ]
        .concat(),
        [
            &[0xdf, 0xff, 0xff, 0xff, 0xff, 0xa4][..],
            b"type",
            &[0xa4],
            b"pose",
        ]
        .concat(),
    ];
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/client");
    for entry in std::fs::read_dir(dir).expect("vectors/client exists") {
        let text = std::fs::read_to_string(entry.expect("readable").path()).expect("readable");
        let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        out.push(hex::decode(v["hex"].as_str().expect("hex")).expect("valid hex"));
    }
    out
}

#[test]
fn decoding_allocates_at_most_the_frame_size() {
    // The instrument sees the old amplification: serde reserved a MiB per huge header.
    let amplifier = &inputs()[0];
    assert_eq!(amplifier.len(), 52);
    let (before, _) = allocated(|| serde_client::decode(amplifier));
    assert!(before > 6 << 20, "serde allocated {before} bytes");

    let mut failures = Vec::new();
    let mut most = 0;
    for input in inputs() {
        let (bytes, result) = allocated(|| decode_client(&input));
        most = most.max(bytes);
        if bytes > input.len() + ERROR_TEXT {
            failures.push(format!(
                "{} bytes for a {}-byte frame ({result:?}): {}",
                bytes,
                input.len(),
                hex::encode(&input)
            ));
        }
        drop(result);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(most > 0, "the counter counts");
}
