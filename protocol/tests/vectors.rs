//! The golden vectors in `vectors/`: every file holds, both ways.
//!
//! Valid vectors: the bytes decode to the described message, and the described message encodes
//! to the canonical bytes. Invalid vectors: decoding fails with the stated error kind. The files
//! are generated from `support/` (the catalogue) with `BREAKROOM_REGEN_VECTORS=1`; without it, a
//! stale file fails `files_match_the_catalogue`.

mod support;

use std::collections::BTreeSet;
use std::fs;
use std::sync::Once;

use breakroom_protocol::{
    CLIENT_TYPES, DecodeError, MAX_SERVER_MSG_BYTES, PoseBlock, PoseError, SERVER_TYPES,
    decode_client, decode_server, encode_client, encode_server,
};
use serde_json::Value;
use support::file::{self, Expect, Vector};
use support::{json, mp};

const REGEN: &str = "BREAKROOM_REGEN_VECTORS";
const DIRECTIONS: [&str; 2] = ["client", "server"];

/// The vectors as the files hold them (rewritten from the catalogue first, under `REGEN`).
fn vectors() -> Vec<Vector> {
    static WRITE: Once = Once::new();
    if std::env::var(REGEN).is_ok_and(|v| v == "1") {
        WRITE.call_once(write_catalogue);
    }
    let mut all = Vec::new();
    for direction in DIRECTIONS {
        let mut paths: Vec<_> = fs::read_dir(file::dir(direction))
            .expect("vectors/ exists; run with BREAKROOM_REGEN_VECTORS=1 to create it")
            .map(|entry| entry.expect("readable directory").path())
            .collect();
        paths.sort();
        for path in paths {
            let text = fs::read_to_string(&path).expect("readable vector");
            let vector = Vector::parse(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            assert_eq!(
                vector.path(),
                path,
                "a vector's name and direction match its path"
            );
            all.push(vector);
        }
    }
    all
}

fn write_catalogue() {
    let catalogue = support::catalogue();
    for direction in DIRECTIONS {
        let dir = file::dir(direction);
        fs::create_dir_all(&dir).expect("can create vectors/");
        for entry in fs::read_dir(&dir).expect("readable directory") {
            let path = entry.expect("readable directory").path();
            if !catalogue.iter().any(|v| v.path() == path) {
                fs::remove_file(&path).expect("can remove a stale vector");
            }
        }
    }
    for vector in &catalogue {
        fs::write(vector.path(), vector.render()).expect("can write a vector");
    }
    let doc = fs::read_to_string(protocol_md()).expect("PROTOCOL.md exists");
    fs::write(protocol_md(), with_examples(&doc, &catalogue)).expect("can write PROTOCOL.md");
}

fn protocol_md() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/PROTOCOL.md").to_owned()
}

/// The hex of vector `path` (e.g. `client/ping`) as PROTOCOL.md shows it: 32 bytes a line.
fn example_block(vectors: &[Vector], path: &str) -> Option<String> {
    let vector = vectors
        .iter()
        .find(|v| format!("{}/{}", v.direction, v.name) == path)?;
    let lines: Vec<&str> = vector
        .hex
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).expect("hex is ASCII"))
        .collect();
    Some(lines.join("\n"))
}

/// The vector an `Example (`vectors/client/ping.json`):` line names, if it is one.
fn example_path(line: &str) -> Option<&str> {
    line.split_once("(`vectors/")?.1.strip_suffix(".json`):")
}

/// `doc` with every example block rewritten from `vectors`.
fn with_examples(doc: &str, vectors: &[Vector]) -> String {
    let mut out = Vec::new();
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        out.push(line.to_owned());
        let Some(path) = example_path(line) else {
            continue;
        };
        let block = example_block(vectors, path).unwrap_or_else(|| {
            panic!("PROTOCOL.md shows vectors/{path}.json, which does not exist")
        });
        assert_eq!(
            lines.next(),
            Some("```text"),
            "an example block follows {path}"
        );
        lines.by_ref().take_while(|l| *l != "```").for_each(drop);
        out.extend(["```text".to_owned(), block, "```".to_owned()]);
    }
    out.join("\n") + "\n"
}

/// Runs `check` on every vector and reports all failures at once.
fn check_each(check: impl Fn(&Vector) -> Result<(), String>) {
    let failures: Vec<String> = vectors()
        .iter()
        .filter_map(|v| {
            check(v)
                .err()
                .map(|e| format!("{}/{}: {e}", v.direction, v.name))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} failing vectors:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn files_match_the_catalogue() {
    let catalogue = support::catalogue();
    let names: BTreeSet<_> = catalogue
        .iter()
        .map(|v| (v.direction, v.name.as_str()))
        .collect();
    assert_eq!(
        names.len(),
        catalogue.len(),
        "vector names are unique per direction"
    );
    let on_disk = vectors();
    let stale = on_disk.len() != catalogue.len()
        || catalogue
            .iter()
            .any(|v| fs::read_to_string(v.path()).ok() != Some(v.render()));
    assert!(
        !stale,
        "vectors/ is stale: run `{REGEN}=1 cargo test -p breakroom-protocol --test vectors`"
    );
}

#[test]
fn valid_vectors_hold_both_ways() {
    check_each(|v| {
        let Expect::Valid {
            message,
            canonical_hex,
            keypoints,
        } = &v.expect
        else {
            return Ok(());
        };
        let bytes = hex::decode(&v.hex).map_err(|e| format!("hex: {e}"))?;
        let canonical = canonical_hex.as_ref().unwrap_or(&v.hex);
        let (decoded, described, encoded) = match v.direction {
            "client" => {
                let decoded = decode_client(&bytes).map_err(|e| format!("decode: {e}"))?;
                let msg = json::to_client(message)?;
                (
                    json::from_client(&decoded),
                    json::from_client(&msg),
                    encode_client(&msg),
                )
            }
            _ => {
                let decoded = decode_server(&bytes).map_err(|e| format!("decode: {e}"))?;
                let msg = json::to_server(message)?;
                (
                    json::from_server(&decoded),
                    json::from_server(&msg),
                    encode_server(&msg),
                )
            }
        };
        if &decoded != message {
            return Err(format!("decodes to {decoded}"));
        }
        if &described != message {
            return Err(format!("the description reads back as {described}"));
        }
        if &hex::encode(&encoded) != canonical {
            return Err(format!("encodes to {}", hex::encode(&encoded)));
        }
        if canonical_hex.as_ref() == Some(&v.hex) {
            return Err("canonical_hex is given but equals hex".to_owned());
        }
        if &support::keypoints(message) != keypoints {
            return Err("keypoints do not match the blocks in the message".to_owned());
        }
        keypoints
            .iter()
            .try_for_each(|k| check_dequantization(message, k))
    });
}

/// The block's landmarks as `pose.rs` dequantizes them match the documented formulas applied to
/// the raw integers.
fn check_dequantization(message: &Value, keypoints: &Value) -> Result<(), String> {
    let path = keypoints["field"].as_str().unwrap_or_default();
    let hex = path
        .split('.')
        .try_fold(message, |v, part| match part.split_once('[') {
            Some((key, index)) => v
                .get(key)?
                .get(index.trim_end_matches(']').parse::<usize>().ok()?),
            None => v.get(part),
        })
        .and_then(Value::as_str)
        .ok_or(format!("no block at {path}"))?;
    let block = PoseBlock::from_bytes(hex::decode(hex).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let rows = keypoints["landmarks"].as_array().ok_or("no landmarks")?;
    let landmarks = block.landmarks();
    if landmarks.len() != rows.len() {
        return Err(format!(
            "{} landmarks, {} rows",
            landmarks.len(),
            rows.len()
        ));
    }
    for (l, row) in landmarks.iter().zip(rows) {
        let q = |i: usize| row[i].as_f64().unwrap_or(f64::NAN);
        let x = -0.25 + q(0) / 65535.0 * 1.5;
        let y = -0.25 + q(1) / 65535.0 * 1.5;
        let visibility = q(2) / 255.0;
        let close = |a: f32, b: f64| (f64::from(a) - b).abs() < 1e-6;
        let z_ok = match l.z {
            Some(z) => close(z, q(3) / 127.0),
            None => row.as_array().is_some_and(|r| r.len() == 3),
        };
        if !(close(l.x, x) && close(l.y, y) && close(l.visibility, visibility) && z_ok) {
            return Err(format!("{path}: {l:?} does not dequantize {row}"));
        }
    }
    Ok(())
}

/// The stable name of an error, as vectors state it.
fn kind(err: &DecodeError) -> (&'static str, Option<String>, Option<String>) {
    match err {
        DecodeError::TooLarge { .. } => ("too_large", None, None),
        DecodeError::Malformed(_) => ("malformed", None, None),
        DecodeError::MissingType => ("missing_type", None, None),
        DecodeError::UnknownType(ty) => ("unknown_type", None, Some(ty.clone())),
        DecodeError::TrailingBytes(_) => ("trailing_bytes", None, None),
        DecodeError::Invalid { field, .. } => ("invalid", Some((*field).to_owned()), None),
        DecodeError::Pose(pose) => {
            let detail = match pose {
                PoseError::UnknownModel(_) => "unknown_model",
                PoseError::ReservedFlags(_) => "reserved_flags",
                PoseError::WrongLength { .. } => "wrong_length",
                PoseError::WrongLandmarkCount { .. } => "wrong_landmark_count",
                PoseError::NonFinite(_) => "non_finite",
            };
            ("pose", None, Some(detail.to_owned()))
        }
    }
}

#[test]
fn invalid_vectors_fail_with_their_error() {
    check_each(|v| {
        let Expect::Invalid {
            error,
            field,
            detail,
        } = &v.expect
        else {
            return Ok(());
        };
        let bytes = hex::decode(&v.hex).map_err(|e| format!("hex: {e}"))?;
        let result = match v.direction {
            "client" => decode_client(&bytes).map(|m| format!("{m:?}")),
            _ => decode_server(&bytes).map(|m| format!("{m:?}")),
        };
        let err = match result {
            Ok(msg) => return Err(format!("decodes to {msg}")),
            Err(err) => err,
        };
        let expected = (error.as_str(), field.clone(), detail.clone());
        let (k, f, d) = kind(&err);
        if (k, f.clone(), d.clone()) != expected {
            return Err(format!(
                "fails with {k} {f:?} {d:?} ({err}), expected {expected:?}"
            ));
        }
        Ok(())
    });
}

#[test]
fn every_message_type_and_error_kind_has_a_vector() {
    let all = vectors();
    for (direction, types) in [("client", CLIENT_TYPES), ("server", SERVER_TYPES)] {
        let covered: BTreeSet<&str> = all
            .iter()
            .filter(|v| v.direction == direction)
            .filter_map(|v| match &v.expect {
                Expect::Valid { message, .. } => message["type"].as_str(),
                Expect::Invalid { .. } => None,
            })
            .collect();
        assert_eq!(
            covered,
            types.iter().copied().collect(),
            "{direction} message types"
        );
    }
    let errors: BTreeSet<&str> = all
        .iter()
        .filter_map(|v| match &v.expect {
            Expect::Invalid { error, .. } => Some(error.as_str()),
            Expect::Valid { .. } => None,
        })
        .collect();
    let kinds = [
        "invalid",
        "malformed",
        "missing_type",
        "pose",
        "too_large",
        "trailing_bytes",
        "unknown_type",
    ];
    assert_eq!(errors, kinds.into_iter().collect());
}

/// The canonical encoding: smallest header for every integer, string, byte string, array and
/// map; `type` first; no nil, no float, no signed integer; the keypoint block as bin8.
#[test]
fn canonical_bytes_are_minimal() {
    fn walk(v: &mp::V, problems: &mut Vec<String>) {
        match v {
            mp::V::Nil | mp::V::F(_) | mp::V::I(_) | mp::V::U64(_) | mp::V::RawStr(_) => {
                problems.push(format!("{v:?} is never canonical"));
            }
            mp::V::Bin(b) if b.len() > 255 => problems.push("a bin over 255 bytes".to_owned()),
            mp::V::Arr(items) => items.iter().for_each(|i| walk(i, problems)),
            mp::V::Map(entries) => {
                for (k, v) in entries {
                    if !matches!(k, mp::V::S(_)) {
                        problems.push(format!("key {k:?} is not a string"));
                    }
                    walk(v, problems);
                }
            }
            _ => {}
        }
    }
    check_each(|v| {
        let Expect::Valid { canonical_hex, .. } = &v.expect else {
            return Ok(());
        };
        let bytes =
            hex::decode(canonical_hex.as_ref().unwrap_or(&v.hex)).map_err(|e| e.to_string())?;
        let value = mp::decode(&bytes).ok_or("not one MessagePack value")?;
        if mp::encode(&value) != bytes {
            return Err("a header is not the smallest".to_owned());
        }
        let mp::V::Map(entries) = &value else {
            return Err("not a map".to_owned());
        };
        if !matches!(entries.first(), Some((mp::V::S(k), mp::V::S(_))) if k == "type") {
            return Err("`type` is not the first field".to_owned());
        }
        let mut problems = Vec::new();
        walk(&value, &mut problems);
        problems.is_empty().then_some(()).ok_or(problems.join("; "))
    });
}

#[test]
fn server_frames_above_the_limit_are_too_large() {
    // Not a vector file: it would be half a megabyte of hex.
    let bytes = vec![0x80; MAX_SERVER_MSG_BYTES + 1];
    assert_eq!(
        decode_server(&bytes),
        Err(DecodeError::TooLarge {
            size: MAX_SERVER_MSG_BYTES + 1,
            max: MAX_SERVER_MSG_BYTES
        })
    );
}

/// Every `Example (vectors/...)` block in PROTOCOL.md shows that vector's bytes, and every
/// message type has one.
#[test]
fn protocol_md_examples_match_the_vectors() {
    let all = vectors(); // first: under REGEN, this rewrites PROTOCOL.md
    let doc = fs::read_to_string(protocol_md()).expect("PROTOCOL.md exists");
    assert!(
        doc == with_examples(&doc, &all),
        "PROTOCOL.md examples are stale: run `{REGEN}=1 cargo test -p breakroom-protocol --test vectors`"
    );
    let shown: BTreeSet<(&str, &str)> = doc
        .lines()
        .filter_map(example_path)
        .filter_map(|path| {
            all.iter()
                .find(|v| format!("{}/{}", v.direction, v.name) == path)
        })
        .filter_map(|v| match &v.expect {
            Expect::Valid { message, .. } => Some((v.direction, message["type"].as_str()?)),
            Expect::Invalid { .. } => None,
        })
        .collect();
    for (direction, types) in [("client", CLIENT_TYPES), ("server", SERVER_TYPES)] {
        for ty in types {
            assert!(
                shown.contains(&(direction, *ty)),
                "PROTOCOL.md shows no {direction} `{ty}`"
            );
        }
    }
}
