//! The clock-sync estimator against `vectors/clock.json`, the sample sequences every
//! implementation (this crate's, the TypeScript SDK's) must agree on. The expected values come
//! from an independent reference (`vectors/clock.py`).

use breakroom_protocol::clock::{ClockSync, MAX_SAMPLES, Sample, WINDOW};
use serde_json::Value;

fn micros(step: &Value, key: &str) -> u64 {
    step[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} is not a u64 in {step}"))
}

#[test]
fn the_estimator_matches_the_shared_vectors() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/clock.json");
    let text = std::fs::read_to_string(path).expect("vectors/clock.json is readable");
    let doc: Value = serde_json::from_str(&text).expect("vectors/clock.json is JSON");
    assert_eq!(doc["window_us"].as_u64(), Some(WINDOW));
    assert_eq!(doc["max_samples"].as_u64(), Some(MAX_SAMPLES as u64));
    let cases = doc["cases"].as_array().expect("cases");
    assert!(cases.len() >= 5, "the vector file lost cases");
    let mut checked = 0;
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let mut sync = ClockSync::default();
        for (i, step) in case["steps"].as_array().expect("steps").iter().enumerate() {
            sync.add(Sample {
                t0: micros(step, "t0"),
                t1: micros(step, "t1"),
                t2: micros(step, "t2"),
                t3: micros(step, "t3"),
            });
            let offset = step["offset"].as_i64().expect("offset");
            let uncertainty = step["uncertainty"].as_u64();
            assert_eq!(
                (sync.offset(), sync.uncertainty()),
                (offset, uncertainty),
                "{name}, after sample {i}"
            );
            checked += 1;
        }
    }
    assert!(
        checked > MAX_SAMPLES,
        "the cap case needs more than {MAX_SAMPLES} samples"
    );
}
