//! Cost of judging one skeleton (`plausible::Track::judge`: canonical form, body checks at
//! each aspect ratio still possible, continuity), on a standing BlazePose body swaying at 30 Hz.
//!
//! `cargo bench -p breakroom-rooms --bench plausible -- --warm-up-time 1 --measurement-time 3`
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use breakroom_protocol::{Landmark, PoseBlock, PoseModel};
use breakroom_rooms::plausible::{Track, standing};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn swaying(model: PoseModel) -> Vec<PoseBlock> {
    (0..60)
        .map(|i| {
            let dx = 0.05 * (f32::from(i as u8) * std::f32::consts::TAU / 60.0).sin();
            let body: Vec<Landmark> = standing(model)
                .into_iter()
                .map(|l| Landmark { x: l.x + dx, ..l })
                .collect();
            PoseBlock::from_landmarks(model, &body).unwrap()
        })
        .collect()
}

fn judge(c: &mut Criterion) {
    let mut group = c.benchmark_group("plausible");
    group.throughput(Throughput::Elements(1));
    for (name, model) in [
        ("judge_blazepose33", PoseModel::BlazePose33),
        ("judge_coco17", PoseModel::Coco17),
    ] {
        let blocks = swaying(model);
        let mut track = Track::default();
        let mut i = 0u64;
        group.bench_function(name, |b| {
            b.iter(|| {
                let kp = &blocks[(i % 60) as usize];
                i += 1;
                black_box(track.judge(i * 33_334, black_box(kp)).is_ok())
            });
        });
    }
    let blocks = swaying(PoseModel::BlazePose33);
    group.bench_function("alone_blazepose33", |b| {
        b.iter(|| {
            black_box(breakroom_rooms::plausible::judge_alone(black_box(&blocks[0])).is_ok())
        });
    });
    group.bench_function("canonical_blazepose33", |b| {
        b.iter(|| black_box(black_box(&blocks[0]).canonical()));
    });
    group.finish();
}

criterion_group!(benches, judge);
criterion_main!(benches);
