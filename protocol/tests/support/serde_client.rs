//! The client decoder as it was before it read straight into its fields (commit 78cc0fc):
//! rmp-serde into the serde-derived `ClientMsg`, an internally tagged enum, which serde reads by
//! buffering the whole map first. Kept for `tests/client_decoder.rs` (same results) and
//! `benches/decode.rs` (before and after, side by side); included there with `#[path]`.

use std::io::Cursor;

use breakroom_protocol::{
    CLIENT_TYPES, ClientMsg, DecodeError, MAX_CLIENT_MSG_BYTES, MAX_DEPTH, validate,
};
use serde::Deserialize;

/// Decodes and validates one client message, as `decode_client` did.
pub(crate) fn decode(bytes: &[u8]) -> Result<ClientMsg, DecodeError> {
    if bytes.len() > MAX_CLIENT_MSG_BYTES {
        return Err(DecodeError::TooLarge {
            size: bytes.len(),
            max: MAX_CLIENT_MSG_BYTES,
        });
    }
    if !matches!(bytes.first(), Some(0x80..=0x8f | 0xde | 0xdf)) {
        return Err(DecodeError::Malformed("not a map".to_owned()));
    }
    let mut de = deserializer(bytes);
    let msg = match ClientMsg::deserialize(&mut de) {
        Ok(msg) => msg,
        Err(err) => return Err(classify(bytes, err)),
    };
    let trailing = bytes.len() - usize::try_from(de.position()).unwrap_or(bytes.len());
    if trailing > 0 {
        return Err(DecodeError::TrailingBytes(trailing));
    }
    validate::client(&msg)?;
    Ok(msg)
}

fn deserializer(
    bytes: &[u8],
) -> rmp_serde::Deserializer<rmp_serde::decode::ReadReader<Cursor<&[u8]>>> {
    let mut de = rmp_serde::Deserializer::new(Cursor::new(bytes));
    de.set_max_depth(MAX_DEPTH + 1);
    de
}

fn classify(bytes: &[u8], err: rmp_serde::decode::Error) -> DecodeError {
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
        }) if !CLIENT_TYPES.contains(&ty.as_str()) => {
            DecodeError::UnknownType(ty.chars().take(32).collect())
        }
        _ => DecodeError::Malformed(err.to_string()),
    }
}
