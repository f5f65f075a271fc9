//! Cost of one detector frame: `Detector::update` on the real BlazePose squat recording
//! resampled to 30 Hz (`fixtures/detect/squats_30hz.json`), frame after frame.
//!
//! `cargo bench -p breakroom-rooms --bench detect -- --warm-up-time 1 --measurement-time 3`
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use breakroom_protocol::{Landmark, PoseModel};
use breakroom_rooms::Detector;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::Value;

fn frames(model: &str) -> Vec<(u64, Vec<Landmark>)> {
    let path = format!(
        "{}/fixtures/detect/{model}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).unwrap();
    file["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let lms = f["landmarks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    let v = |i: usize| l[i].as_f64().unwrap() as f32;
                    Landmark {
                        x: v(0),
                        y: v(1),
                        z: None,
                        visibility: v(2),
                    }
                })
                .collect();
            (f["t_us"].as_u64().unwrap(), lms)
        })
        .collect()
}

fn update(c: &mut Criterion) {
    let squats = frames("squats_30hz");
    let span = squats.last().unwrap().0 + 33_333;
    let mut group = c.benchmark_group("detector");
    group.throughput(Throughput::Elements(1));
    for exercise in ["squats", "jumping_jacks", "calf_raises"] {
        let mut detector = Detector::for_exercise(exercise).unwrap();
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

criterion_group!(benches, update);
criterion_main!(benches);
