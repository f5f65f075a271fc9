//! Cost of one detector frame, for every exercise of the catalogue: `Detector::update` on the
//! real BlazePose squat recording resampled to 30 Hz (the `squats_30hz` fixture, generated
//! from `../shared/data/pose/`), frame after frame; and, beside it, what the server already spends on each received
//! skeleton without the detector: decoding the pose message and dequantizing its keypoint
//! block.
//!
//! `cargo bench -p breakroom-rooms --bench detect -- --warm-up-time 1 --measurement-time 3`
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use breakroom_pose_data::clip::landmarks;
use breakroom_protocol::{Landmark, PoseModel};
use breakroom_rooms::Detector;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// A fixture's frames, generated from the recordings (`rooms/fixtures/recipes.json`).
fn frames(name: &str) -> Vec<(u64, Vec<Landmark>)> {
    breakroom_pose_data::fixture(name)
        .clip
        .frames
        .iter()
        .map(|f| (f.t_us, landmarks(f)))
        .collect()
}

fn update(c: &mut Criterion) {
    let squats = frames("squats_30hz");
    let span = squats.last().unwrap().0 + 33_333;
    let mut group = c.benchmark_group("detector");
    group.throughput(Throughput::Elements(1));
    for entry in breakroom_rooms::Catalogue::builtin().iter() {
        let exercise = entry.id.as_str();
        let mut detector = Detector::new(entry);
        let (mut i, mut lap) = (0usize, 0u64);
        group.bench_function(format!("update/blaze_pose33/{exercise}"), |b| {
            b.iter(|| {
                let (t, lms) = &squats[i];
                let reading =
                    detector.update(lap * span + t, PoseModel::BlazePose33, black_box(lms));
                i += 1;
                if i == squats.len() {
                    i = 0;
                    lap += 1;
                }
                black_box(reading)
            });
        });
    }
    group.finish();
}

/// The server's existing per-frame work, for scale: decode a BlazePose pose message (194
/// bytes) and dequantize its block, as the relay and the cross-check do.
fn relay_work(c: &mut Criterion) {
    let squats = frames("squats_30hz");
    let kp = breakroom_protocol::PoseBlock::from_landmarks(PoseModel::BlazePose33, &squats[0].1)
        .unwrap();
    let msg = breakroom_protocol::encode_client(&breakroom_protocol::ClientMsg::Pose {
        t: 1_790_000_000_000_000,
        kp,
    });
    let mut group = c.benchmark_group("relay");
    group.throughput(Throughput::Elements(1));
    group.bench_function("decode_pose_message", |b| {
        b.iter(|| black_box(breakroom_protocol::decode_client(black_box(&msg)).unwrap()))
    });
    let block = match breakroom_protocol::decode_client(&msg).unwrap() {
        breakroom_protocol::ClientMsg::Pose { kp, .. } => kp,
        _ => unreachable!(),
    };
    group.bench_function("dequantize_block", |b| {
        b.iter(|| black_box(black_box(&block).landmarks()))
    });
    group.finish();
}

criterion_group!(benches, update, relay_work);
criterion_main!(benches);
