//! The golden vectors: how each is built, and how vector files are read and written.
//!
//! The catalogue (`client_vectors`, `server_vectors`) is the source; `BREAKROOM_REGEN_VECTORS=1`
//! writes it to `vectors/`, and the checks in `tests/vectors.rs` read the files back, exactly
//! as another language's test suite would.

mod client_vectors;
pub(crate) mod file;
pub(crate) mod json;
pub(crate) mod mp;
mod samples;
mod server_vectors;

use breakroom_protocol::{ClientMsg, ServerMsg, encode_client, encode_server};
use serde_json::{Value, json};

use file::{Expect, Vector};

/// Every vector, client ones first.
pub(crate) fn catalogue() -> Vec<Vector> {
    let mut all = client_vectors::all();
    all.extend(server_vectors::all());
    all
}

/// A message in its canonical encoding.
fn valid_client(name: &str, description: &str, msg: ClientMsg) -> Vector {
    let message = json::from_client(&msg);
    valid(
        "client",
        name,
        description,
        encode_client(&msg),
        None,
        message,
    )
}

/// A message in its canonical encoding.
fn valid_server(name: &str, description: &str, msg: ServerMsg) -> Vector {
    let message = json::from_server(&msg);
    valid(
        "server",
        name,
        description,
        encode_server(&msg),
        None,
        message,
    )
}

/// Non-canonical bytes that decode to `msg` (which encodes canonically to other bytes).
fn lenient_client(name: &str, description: &str, bytes: Vec<u8>, msg: ClientMsg) -> Vector {
    let message = json::from_client(&msg);
    valid(
        "client",
        name,
        description,
        bytes,
        Some(encode_client(&msg)),
        message,
    )
}

/// Non-canonical bytes that decode to `msg` (which encodes canonically to other bytes).
fn lenient_server(name: &str, description: &str, bytes: Vec<u8>, msg: ServerMsg) -> Vector {
    let message = json::from_server(&msg);
    valid(
        "server",
        name,
        description,
        bytes,
        Some(encode_server(&msg)),
        message,
    )
}

fn valid(
    direction: &'static str,
    name: &str,
    description: &str,
    bytes: Vec<u8>,
    canonical: Option<Vec<u8>>,
    message: Value,
) -> Vector {
    Vector {
        name: name.to_owned(),
        direction,
        description: description.to_owned(),
        hex: hex::encode(bytes),
        expect: Expect::Valid {
            keypoints: keypoints(&message),
            message,
            canonical_hex: canonical.map(hex::encode),
        },
    }
}

/// What a decoder must refuse, and how.
struct Refusal {
    error: &'static str,
    field: Option<&'static str>,
    detail: Option<&'static str>,
}

fn error(kind: &'static str) -> Refusal {
    Refusal {
        error: kind,
        field: None,
        detail: None,
    }
}

fn invalid_field(field: &'static str) -> Refusal {
    Refusal {
        error: "invalid",
        field: Some(field),
        detail: None,
    }
}

fn pose_error(detail: &'static str) -> Refusal {
    Refusal {
        error: "pose",
        field: None,
        detail: Some(detail),
    }
}

fn unknown_type(ty: &'static str) -> Refusal {
    Refusal {
        error: "unknown_type",
        field: None,
        detail: Some(ty),
    }
}

fn invalid(
    direction: &'static str,
    name: &str,
    description: &str,
    bytes: Vec<u8>,
    refusal: Refusal,
) -> Vector {
    Vector {
        name: name.to_owned(),
        direction,
        description: description.to_owned(),
        hex: hex::encode(bytes),
        expect: Expect::Invalid {
            error: refusal.error.to_owned(),
            field: refusal.field.map(str::to_owned),
            detail: refusal.detail.map(str::to_owned),
        },
    }
}

/// The keypoint blocks of a message description, unpacked by the documented layout (written
/// here from the spec, independently of `pose.rs`): one entry per `kp`, with its path, model
/// byte, depth flag and `[x, y, visibility]` or `[x, y, visibility, z]` raw integers.
pub(crate) fn keypoints(message: &Value) -> Vec<Value> {
    let mut found = Vec::new();
    collect_kp(message, String::new(), &mut found);
    found
        .into_iter()
        .map(|(path, hex)| {
            let bytes = hex::decode(hex).unwrap_or_default();
            let (model, flags) = (bytes.first().copied(), bytes.get(1).copied());
            let depth = flags.is_some_and(|f| f & 1 == 1);
            let stride = if depth { 6 } else { 5 };
            let landmarks: Vec<Value> = bytes
                .get(2..)
                .unwrap_or_default()
                .chunks_exact(stride)
                .map(|c| {
                    let mut row = vec![
                        json!(u16::from_le_bytes([c[0], c[1]])),
                        json!(u16::from_le_bytes([c[2], c[3]])),
                        json!(c[4]),
                    ];
                    if depth {
                        row.push(json!(i8::from_le_bytes([c[5]])));
                    }
                    Value::Array(row)
                })
                .collect();
            json!({ "field": path, "model": model, "depth": depth, "landmarks": landmarks })
        })
        .collect()
}

fn collect_kp(v: &Value, path: String, found: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            for (key, value) in map {
                let sub = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match (key.as_str(), value.as_str()) {
                    ("kp", Some(hex)) => found.push((sub, hex.to_owned())),
                    _ => collect_kp(value, sub, found),
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_kp(item, format!("{path}[{i}]"), found);
            }
        }
        _ => {}
    }
}
