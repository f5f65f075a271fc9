//! `decode_client` before and after it read straight into its fields, side by side in one run
//! (the machine is noisy: compare the two lines of a group, not runs): the serde path it had
//! (`tests/support/serde_client.rs`, kept for this and for the equivalence test) and the
//! current one, on the messages a server decodes most.
//!
//!     cargo bench -p breakroom-protocol --bench decode
//!
//! One run on the shared 2-core development machine (other builds running, so absolute times
//! are high; compare within a group), median ns per message, before → now: BlazePose-33 pose
//! 937 → 311 (3.0×), COCO-17 pose with depth 787 → 294 (2.7×), score 996 → 618 (1.6×), ping
//! 388 → 251 (1.5×).

// criterion's macros define undocumented items.
#![allow(missing_docs)]

#[path = "../tests/support/serde_client.rs"]
mod serde_client;

use std::hint::black_box;

use breakroom_protocol::{ClientMsg, PoseBlock, PoseModel, decode_client, encode_client};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn pose(model: PoseModel, depth: bool) -> Vec<u8> {
    let len = model.block_len(depth);
    let mut block: Vec<u8> = (0..len).map(|i| (i * 37 % 251) as u8).collect();
    block[0] = model.code();
    block[1] = u8::from(depth);
    encode_client(&ClientMsg::Pose {
        t: 1_790_000_000_000_000,
        kp: PoseBlock::from_bytes(block).expect("a valid block"),
    })
}

fn decode(c: &mut Criterion) {
    let messages = [
        ("pose_blazepose33", pose(PoseModel::BlazePose33, false)),
        ("pose_coco17_depth", pose(PoseModel::Coco17, true)),
        (
            "score",
            encode_client(&ClientMsg::Score {
                seq: 5,
                exercise: "squat".to_owned(),
                reps: 12,
                active_ms: 8_500,
            }),
        ),
        ("ping", encode_client(&ClientMsg::Ping { t0: 987_654_321 })),
    ];
    for (name, bytes) in messages {
        assert_eq!(serde_client::decode(&bytes), decode_client(&bytes));
        let mut group = c.benchmark_group(format!("decode_client/{name}"));
        group.throughput(Throughput::Elements(1));
        group.bench_function("serde (before)", |b| {
            b.iter(|| black_box(serde_client::decode(black_box(&bytes))))
        });
        group.bench_function("direct (now)", |b| {
            b.iter(|| black_box(decode_client(black_box(&bytes))))
        });
        group.finish();
    }
}

criterion_group!(benches, decode);
criterion_main!(benches);
