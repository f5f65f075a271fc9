//! The MessagePack codec: one value per WebSocket binary frame, maps with named fields.
//!
//! Client messages (what the server decodes, a pose every frame) are read straight into their
//! fields by [`client`] over [`read`], allocating nothing beyond what the message keeps; server
//! messages go through serde, with a direct path for the frequent ones.

mod client;
mod read;

use std::io::Cursor;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::DecodeError;
use crate::{ClientMsg, ServerMsg, validate};

/// Largest client → server message, in bytes.
pub const MAX_CLIENT_MSG_BYTES: usize = 4096;
/// Largest server → client message, in bytes: a summary of a full room (500 participants,
/// 32 steps) fits.
pub const MAX_SERVER_MSG_BYTES: usize = 1024 * 1024;
/// Deepest nesting of maps and arrays a message may have, counting the message's own map as 1.
/// The deepest valid message of this version has 6 (`summary` → `summary` → `participants` →
/// participant → `flags` → flag); the rest is headroom for fields added later.
pub const MAX_DEPTH: usize = 8;

/// The `type` tags of client messages this version knows.
pub const CLIENT_TYPES: &[&str] = &[
    "hello", "join", "leave", "pose", "score", "ping", "control", "reaction", "refresh",
];
/// The `type` tags of server messages this version knows.
pub const SERVER_TYPES: &[&str] = &[
    "welcome",
    "snapshot",
    "presence",
    "pong",
    "cue",
    "poses",
    "scoreboard",
    "phase",
    "flag",
    "reaction",
    "lock",
    "summary",
    "refreshed",
    "error",
];

/// Encodes a client message into the bytes of one binary frame.
pub fn encode_client(msg: &ClientMsg) -> Vec<u8> {
    encode(msg)
}

/// Encodes a server message into the bytes of one binary frame.
pub fn encode_server(msg: &ServerMsg) -> Vec<u8> {
    encode(msg)
}

/// Decodes and validates one client message.
///
/// It reads straight from the frame into the message's fields: no intermediate tree, and no
/// allocation beyond what the message keeps (its strings and keypoint block), so never more
/// than the frame's size whatever its headers claim.
pub fn decode_client(bytes: &[u8]) -> Result<ClientMsg, DecodeError> {
    check_frame(bytes, MAX_CLIENT_MSG_BYTES)?;
    let msg = client::decode(bytes)?;
    validate::client(&msg)?;
    Ok(msg)
}

/// Decodes and validates one server message.
pub fn decode_server(bytes: &[u8]) -> Result<ServerMsg, DecodeError> {
    let msg = match decode_server_direct(bytes) {
        Some(msg) => msg,
        None => decode(bytes, MAX_SERVER_MSG_BYTES, SERVER_TYPES)?,
    };
    validate::server(&msg)?;
    Ok(msg)
}

/// The messages a client receives most (a skeleton frame every tick, cues, scoreboards, phase
/// changes, pongs), decoded straight into their fields when `type` is the map's first key, as
/// breakroom writes it. serde's internally tagged enums otherwise first copy every message into
/// an intermediate tree to find the tag, which was most of a client's decoding time. `None`
/// (for anything else, or anything this path does not accept) falls back to the general
/// decoder, which also words the errors: whatever this path accepts, the general one accepts as
/// the same value (tested against every vector and byte-level variants of each).
fn decode_server_direct(bytes: &[u8]) -> Option<ServerMsg> {
    use crate::types::{Cue, PeerPose, PhaseState, Scoreboard};
    macro_rules! direct {
        ($tag:expr, $($name:literal => $variant:ident { $($field:ident: $ty:ty),* }),* $(,)?) => {
            match $tag {
                $($name => {
                    #[derive(Deserialize)]
                    struct Body {
                        #[serde(rename = "type")]
                        _type: serde::de::IgnoredAny,
                        $($field: $ty),*
                    }
                    let mut de = deserializer(bytes);
                    let body = Body::deserialize(&mut de).ok()?;
                    if usize::try_from(de.position()).ok()? != bytes.len() {
                        return None;
                    }
                    Some(ServerMsg::$variant { $($field: body.$field),* })
                })*
                _ => None,
            }
        };
    }
    // A fixmap whose first key is the fixstr "type" and whose first value is a fixstr.
    if bytes.len() > MAX_SERVER_MSG_BYTES || !matches!(bytes.first(), Some(0x81..=0x8f)) {
        return None;
    }
    let rest = bytes.get(1..)?.strip_prefix(b"\xa4type")?;
    let len = usize::from(rest.first()?.checked_sub(0xa0).filter(|l| *l < 32)?);
    let tag = rest.get(1..1 + len)?;
    direct!(tag,
        b"poses" => Poses { t: crate::Micros, poses: Vec<PeerPose> },
        b"cue" => Cue { cue: Cue },
        b"scoreboard" => Scoreboard { scoreboard: Scoreboard },
        b"phase" => Phase { phase: PhaseState, timeline: Vec<Cue> },
        b"pong" => Pong { t0: crate::Micros, t1: crate::Micros, t2: crate::Micros },
    )
}

fn encode<T: Serialize>(msg: &T) -> Vec<u8> {
    // Serialization into a Vec fails only for maps with non-string keys or I/O errors,
    // neither of which the message types can produce.
    rmp_serde::to_vec_named(msg).expect("message types always serialize")
}

/// The checks every frame gets first: its size, and that it starts with a map header.
fn check_frame(bytes: &[u8], max: usize) -> Result<(), DecodeError> {
    if bytes.len() > max {
        return Err(DecodeError::TooLarge {
            size: bytes.len(),
            max,
        });
    }
    // A message is a map. serde would also take an array (tag first, then fields in order),
    // which no other implementation of the protocol would read.
    if !matches!(bytes.first(), Some(0x80..=0x8f | 0xde | 0xdf)) {
        return Err(DecodeError::Malformed(
            "a message must be a MessagePack map".to_owned(),
        ));
    }
    Ok(())
}

fn decode<T: DeserializeOwned>(bytes: &[u8], max: usize, known: &[&str]) -> Result<T, DecodeError> {
    check_frame(bytes, max)?;
    let mut de = deserializer(bytes);
    let msg = match T::deserialize(&mut de) {
        Ok(msg) => msg,
        Err(err) => return Err(classify(bytes, known, err)),
    };
    let trailing = bytes.len() - usize::try_from(de.position()).unwrap_or(bytes.len());
    if trailing > 0 {
        return Err(DecodeError::TrailingBytes(trailing));
    }
    Ok(msg)
}

/// Tells an unknown or missing `type` apart from other malformations.
fn classify(bytes: &[u8], known: &[&str], err: rmp_serde::decode::Error) -> DecodeError {
    #[derive(Deserialize)]
    struct Tag {
        #[serde(rename = "type")]
        ty: Option<TagValue>,
    }
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum TagValue {
        Str(String),
        Other(serde::de::IgnoredAny),
    }
    match Tag::deserialize(&mut deserializer(bytes)) {
        Ok(Tag {
            ty: None | Some(TagValue::Other(_)),
        }) => DecodeError::MissingType,
        Ok(Tag {
            ty: Some(TagValue::Str(ty)),
        }) if !known.contains(&ty.as_str()) => {
            DecodeError::UnknownType(ty.chars().take(32).collect())
        }
        _ => DecodeError::Malformed(err.to_string()),
    }
}

fn deserializer(
    bytes: &[u8],
) -> rmp_serde::Deserializer<rmp_serde::decode::ReadReader<Cursor<&[u8]>>> {
    let mut de = rmp_serde::Deserializer::new(Cursor::new(bytes));
    // rmp-serde fails when its budget reaches zero, so a budget of n admits n - 1 levels.
    de.set_max_depth(MAX_DEPTH + 1);
    de
}

#[cfg(test)]
mod direct_tests {
    use super::*;

    /// Every server vector's bytes, and each of them with every byte changed in a few ways
    /// (which makes wrong types, lengths, tags, duplicate and unknown keys, trailing bytes).
    fn inputs() -> Vec<Vec<u8>> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors/server");
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).expect("vectors/server exists") {
            let text = std::fs::read_to_string(entry.expect("readable").path()).expect("readable");
            let v: serde_json::Value = serde_json::from_str(&text).expect("json");
            let bytes = hex::decode(v["hex"].as_str().expect("hex")).expect("valid hex");
            for i in 0..bytes.len() {
                for change in [0x01, 0x10, 0x80, 0xff] {
                    let mut b = bytes.clone();
                    b[i] ^= change;
                    out.push(b);
                }
            }
            let mut longer = bytes.clone();
            longer.push(0xc0);
            out.push(longer);
            out.push(bytes[..bytes.len() / 2].to_vec());
            out.push(bytes);
        }
        out
    }

    #[test]
    fn the_direct_path_accepts_what_the_general_one_does_as_the_same_value() {
        let (mut direct, mut total) = (0, 0);
        for bytes in inputs() {
            total += 1;
            let Some(fast) = decode_server_direct(&bytes) else {
                continue;
            };
            direct += 1;
            let general: ServerMsg = decode(&bytes, MAX_SERVER_MSG_BYTES, SERVER_TYPES)
                .unwrap_or_else(|e| {
                    panic!("only the direct path accepts {}: {e}", hex::encode(&bytes))
                });
            assert_eq!(fast, general, "{}", hex::encode(&bytes));
        }
        // Most of the valid vectors and many of their variants go the direct way.
        assert!(
            direct > 1000,
            "only {direct} of {total} inputs took the direct path"
        );
    }
}
