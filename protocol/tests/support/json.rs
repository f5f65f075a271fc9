//! The language-neutral JSON description of a message, as the vector files hold it.
//!
//! It is the message's serde JSON form (same field names, `type` tag, absent optionals left
//! out, integers as JSON numbers) with one change: every `kp` (the keypoint block, the only
//! byte string) is a lowercase hex string instead of an array of byte values.

use breakroom_protocol::{ClientMsg, ServerMsg};
use serde_json::Value;

pub(crate) fn from_client(msg: &ClientMsg) -> Value {
    let mut v = serde_json::to_value(msg).expect("messages serialize to JSON");
    walk_kp(&mut v, &bytes_to_hex);
    v
}

pub(crate) fn from_server(msg: &ServerMsg) -> Value {
    let mut v = serde_json::to_value(msg).expect("messages serialize to JSON");
    walk_kp(&mut v, &bytes_to_hex);
    v
}

pub(crate) fn to_client(description: &Value) -> Result<ClientMsg, String> {
    let mut v = description.clone();
    walk_kp(&mut v, &hex_to_bytes);
    serde_json::from_value(v).map_err(|e| e.to_string())
}

pub(crate) fn to_server(description: &Value) -> Result<ServerMsg, String> {
    let mut v = description.clone();
    walk_kp(&mut v, &hex_to_bytes);
    serde_json::from_value(v).map_err(|e| e.to_string())
}

/// Applies `f` to the value of every `kp` field, at any depth.
fn walk_kp(v: &mut Value, f: &dyn Fn(&mut Value)) {
    match v {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if key == "kp" {
                    f(value);
                } else {
                    walk_kp(value, f);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| walk_kp(item, f)),
        _ => {}
    }
}

fn bytes_to_hex(v: &mut Value) {
    let bytes: Vec<u8> = serde_json::from_value(v.clone()).expect("kp serializes as bytes");
    *v = Value::String(hex::encode(bytes));
}

fn hex_to_bytes(v: &mut Value) {
    if let Some(bytes) = v.as_str().and_then(|h| hex::decode(h).ok()) {
        *v = serde_json::to_value(bytes).expect("bytes serialize");
    }
}
