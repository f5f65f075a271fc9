//! Client messages read straight from the frame into their fields: the decoder the server runs
//! on every pose.
//!
//! Two passes over the top-level map, neither of which buffers anything: the first looks for
//! `type` (the first key, as senders write it, so this is usually one key), skipping values it
//! passes; the second reads that message's fields and skips every other entry. What is
//! allocated is what the message keeps (its strings and its keypoint block), so never more than
//! the frame's own size, whatever its headers claim.

use serde::Deserialize;
use serde::de::value::StrDeserializer;

use super::read::{Malformed, Reader, Result, malformed};
use crate::error::DecodeError;
use crate::{CLIENT_TYPES, ClientMsg, ParticipantId, PoseBlock};

/// Level of the values of the message's fields: the message's map is level 1.
const FIELD_LEVEL: usize = 2;

/// Decodes the frame (already checked to be no larger than the limit and to start with a map
/// header) into a message, before [`crate::validate::client`].
pub(super) fn decode(bytes: &[u8]) -> std::result::Result<ClientMsg, DecodeError> {
    let mut r = Reader::new(bytes);
    let entries = r.map_len("message").map_err(into_decode)?;
    let ty = find_type(r, entries)?;
    let read = read_fields(&mut r, entries, ty).map_err(into_decode)?;
    if r.remaining() > 0 {
        return Err(DecodeError::TrailingBytes(r.remaining()));
    }
    Ok(match read {
        Read::Message(msg) => msg,
        Read::Pose { t, kp } => ClientMsg::Pose {
            t,
            kp: PoseBlock::from_bytes(kp.to_vec())?,
        },
    })
}

/// What the second pass read: a message, or a pose whose block is checked once the frame is
/// known to be whole (so that a malformed frame is reported as malformed first).
enum Read<'a> {
    Message(ClientMsg),
    Pose { t: u64, kp: &'a [u8] },
}

fn into_decode(err: Malformed) -> DecodeError {
    DecodeError::Malformed(err.0)
}

/// The message's type, if it is one this version knows. An unknown or missing `type` is only
/// reported for a map that is complete and otherwise well-formed (else it is malformed).
fn find_type(mut r: Reader<'_>, entries: usize) -> std::result::Result<&str, DecodeError> {
    // `Some(None)`: a `type` that is not a string.
    let mut found: Option<Option<&str>> = None;
    for _ in 0..entries {
        let key = r.key().map_err(into_decode)?;
        if key != "type" {
            r.skip(FIELD_LEVEL).map_err(into_decode)?;
            continue;
        }
        if found.is_some() {
            return Err(into_decode(duplicate("type")));
        }
        let ty = r.str_or_skip(FIELD_LEVEL).map_err(into_decode)?;
        if let Some(known) = ty.and_then(|ty| CLIENT_TYPES.iter().find(|k| **k == ty)) {
            // The second pass reads (and checks) the rest.
            return Ok(known);
        }
        found = Some(ty);
    }
    Err(match found {
        Some(Some(ty)) => DecodeError::UnknownType(ty.chars().take(32).collect()),
        None | Some(None) => DecodeError::MissingType,
    })
}

fn duplicate(field: &str) -> Malformed {
    malformed(format!("duplicate field `{field}`"))
}

/// Stores a field's value, refusing a second one.
fn set<T>(slot: &mut Option<T>, field: &str, value: T) -> Result<()> {
    if slot.is_some() {
        return Err(duplicate(field));
    }
    *slot = Some(value);
    Ok(())
}

fn required<T>(slot: Option<T>, field: &str) -> Result<T> {
    slot.ok_or_else(|| malformed(format!("missing field `{field}`")))
}

/// An optional field: nil reads as absent.
fn optional<'a, T>(
    r: &mut Reader<'a>,
    read: impl FnOnce(&mut Reader<'a>) -> Result<T>,
) -> Result<Option<T>> {
    if r.nil() {
        return Ok(None);
    }
    read(r).map(Some)
}

fn string(r: &mut Reader<'_>, field: &str) -> Result<String> {
    r.str(field).map(str::to_owned)
}

/// A unit enum (role, sharing, action, reaction) by its wire name: the type's own serde names,
/// read from the borrowed string, so the names stay defined once.
fn unit_enum<T: for<'de> Deserialize<'de>>(r: &mut Reader<'_>, field: &str) -> Result<T> {
    let name = r.str(field)?;
    T::deserialize(StrDeserializer::<NoSuchName>::new(name))
        .map_err(|NoSuchName| malformed(format!("`{field}` has an unknown value `{name}`")))
}

/// serde's error for a name no variant has, without the text serde would allocate for it.
#[derive(Debug)]
struct NoSuchName;

impl std::fmt::Display for NoSuchName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no such name")
    }
}

impl std::error::Error for NoSuchName {}

impl serde::de::Error for NoSuchName {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        NoSuchName
    }
}

/// Walks the map's entries: `field` reads the value of a key the message has and says whether
/// it did; every other value is skipped. A second `type` is refused like any duplicate.
fn entries<'a>(
    r: &mut Reader<'a>,
    count: usize,
    mut field: impl FnMut(&str, &mut Reader<'a>) -> Result<bool>,
) -> Result<()> {
    let mut types = 0;
    for _ in 0..count {
        let key = r.key()?;
        if key == "type" {
            types += 1;
            if types > 1 {
                return Err(duplicate("type"));
            }
        } else if field(key, r)? {
            continue;
        }
        r.skip(FIELD_LEVEL)?;
    }
    Ok(())
}

/// Reads `seq` if `key` is it.
fn seq_field(key: &str, r: &mut Reader<'_>, seq: &mut Option<u32>) -> Result<bool> {
    if key != "seq" {
        return Ok(false);
    }
    set(seq, "seq", r.u32("seq")?)?;
    Ok(true)
}

/// The message of type `ty`, read from the map's `count` entries (after its header).
fn read_fields<'a>(r: &mut Reader<'a>, count: usize, ty: &str) -> Result<Read<'a>> {
    let mut seq = None;
    let msg = match ty {
        "pose" => {
            let (mut t, mut kp) = (None, None);
            entries(r, count, |key, r| {
                match key {
                    "t" => set(&mut t, "t", r.uint("t")?)?,
                    "kp" => set(&mut kp, "kp", r.bin("kp")?)?,
                    _ => return Ok(false),
                }
                Ok(true)
            })?;
            return Ok(Read::Pose {
                t: required(t, "t")?,
                kp: required(kp, "kp")?,
            });
        }
        "ping" => {
            let mut t0 = None;
            entries(r, count, |key, r| {
                if key != "t0" {
                    return Ok(false);
                }
                set(&mut t0, "t0", r.uint("t0")?)?;
                Ok(true)
            })?;
            ClientMsg::Ping {
                t0: required(t0, "t0")?,
            }
        }
        "hello" => {
            let (mut sdk, mut sdk_version, mut token, mut resume) = (None, None, None, None);
            entries(r, count, |key, r| {
                match key {
                    "sdk" => set(&mut sdk, key, string(r, key)?)?,
                    "sdk_version" => set(&mut sdk_version, key, string(r, key)?)?,
                    "token" => set(&mut token, key, string(r, key)?)?,
                    "resume" => set(&mut resume, key, optional(r, |r| string(r, "resume"))?)?,
                    _ => return seq_field(key, r, &mut seq),
                }
                Ok(true)
            })?;
            ClientMsg::Hello {
                seq: required(seq, "seq")?,
                sdk: required(sdk, "sdk")?,
                sdk_version: required(sdk_version, "sdk_version")?,
                token: required(token, "token")?,
                resume: resume.flatten(),
            }
        }
        "join" => {
            let (mut room, mut role, mut sharing) = (None, None, None);
            entries(r, count, |key, r| {
                match key {
                    "room" => set(&mut room, key, string(r, key)?)?,
                    "role" => set(&mut role, key, unit_enum(r, key)?)?,
                    "sharing" => set(&mut sharing, key, unit_enum(r, key)?)?,
                    _ => return seq_field(key, r, &mut seq),
                }
                Ok(true)
            })?;
            ClientMsg::Join {
                seq: required(seq, "seq")?,
                room: required(room, "room")?,
                role: required(role, "role")?,
                sharing: required(sharing, "sharing")?,
            }
        }
        "leave" => {
            entries(r, count, |key, r| seq_field(key, r, &mut seq))?;
            ClientMsg::Leave {
                seq: required(seq, "seq")?,
            }
        }
        "score" => {
            let (mut exercise, mut reps, mut active_ms) = (None, None, None);
            entries(r, count, |key, r| {
                match key {
                    "exercise" => set(&mut exercise, key, string(r, key)?)?,
                    "reps" => set(&mut reps, key, r.u32(key)?)?,
                    "active_ms" => set(&mut active_ms, key, r.u32(key)?)?,
                    _ => return seq_field(key, r, &mut seq),
                }
                Ok(true)
            })?;
            ClientMsg::Score {
                seq: required(seq, "seq")?,
                exercise: required(exercise, "exercise")?,
                reps: required(reps, "reps")?,
                active_ms: required(active_ms, "active_ms")?,
            }
        }
        "control" => {
            let (mut action, mut target) = (None, None);
            entries(r, count, |key, r| {
                match key {
                    "action" => set(&mut action, key, unit_enum(r, key)?)?,
                    "target" => set(&mut target, key, optional(r, |r| r.u32("target"))?)?,
                    _ => return seq_field(key, r, &mut seq),
                }
                Ok(true)
            })?;
            ClientMsg::Control {
                seq: required(seq, "seq")?,
                action: required(action, "action")?,
                target: target.flatten().map(ParticipantId),
            }
        }
        "reaction" => {
            let mut reaction = None;
            entries(r, count, |key, r| {
                if key != "reaction" {
                    return seq_field(key, r, &mut seq);
                }
                set(&mut reaction, key, unit_enum(r, key)?)?;
                Ok(true)
            })?;
            ClientMsg::Reaction {
                seq: required(seq, "seq")?,
                reaction: required(reaction, "reaction")?,
            }
        }
        "refresh" => {
            let mut token = None;
            entries(r, count, |key, r| {
                if key != "token" {
                    return seq_field(key, r, &mut seq);
                }
                set(&mut token, key, string(r, key)?)?;
                Ok(true)
            })?;
            ClientMsg::Refresh {
                seq: required(seq, "seq")?,
                token: required(token, "token")?,
            }
        }
        // `find_type` only returns the types of `CLIENT_TYPES`, each handled above.
        other => return Err(malformed(format!("no decoder for `{other}`"))),
    };
    Ok(Read::Message(msg))
}
