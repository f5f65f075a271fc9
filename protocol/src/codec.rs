//! The MessagePack codec: one value per WebSocket binary frame, maps with named fields.

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
    "hello", "join", "leave", "pose", "score", "ping", "control", "reaction",
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
    "summary",
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
pub fn decode_client(bytes: &[u8]) -> Result<ClientMsg, DecodeError> {
    let msg: ClientMsg = decode(bytes, MAX_CLIENT_MSG_BYTES, CLIENT_TYPES)?;
    validate::client(&msg)?;
    Ok(msg)
}

/// Decodes and validates one server message.
pub fn decode_server(bytes: &[u8]) -> Result<ServerMsg, DecodeError> {
    let msg: ServerMsg = decode(bytes, MAX_SERVER_MSG_BYTES, SERVER_TYPES)?;
    validate::server(&msg)?;
    Ok(msg)
}

fn encode<T: Serialize>(msg: &T) -> Vec<u8> {
    // Serialization into a Vec fails only for maps with non-string keys or I/O errors,
    // neither of which the message types can produce.
    rmp_serde::to_vec_named(msg).expect("message types always serialize")
}

fn decode<T: DeserializeOwned>(bytes: &[u8], max: usize, known: &[&str]) -> Result<T, DecodeError> {
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
