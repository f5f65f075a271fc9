//! Bounds checked on every decoded message, beyond what the types already enforce.
//!
//! The types already rule out floats (every number on the wire is an integer), unknown enum
//! values and missing fields; this module bounds lengths and ranges.

use crate::error::DecodeError;
use crate::types::*;
use crate::{ClientMsg, ControlAction, ServerMsg};

/// Longest SDK name, in characters.
pub const MAX_SDK_NAME: usize = 64;
/// Longest SDK version, in characters.
pub const MAX_SDK_VERSION: usize = 32;
/// Longest access token, in bytes.
pub const MAX_TOKEN: usize = 3072;
/// Longest resume token, in bytes.
pub const MAX_RESUME_TOKEN: usize = 128;
/// Longest room code, in characters (with separators).
pub const MAX_ROOM_CODE: usize = 32;
/// Longest exercise id, in characters: lowercase ASCII letters, digits and `_`.
pub const MAX_EXERCISE_ID: usize = 32;
/// Longest display name, in characters.
pub const MAX_NAME: usize = 64;
/// Longest team name, in characters.
pub const MAX_TEAM: usize = 32;
/// Largest cumulative rep count in a score report.
pub const MAX_REPS: u32 = 100_000;
/// Largest cumulative active time in a score report: 24 hours.
pub const MAX_ACTIVE_MS: u32 = 86_400_000;
/// Most steps in a program.
pub const MAX_STEPS: usize = 32;
/// Most participants listed in one server message.
pub const MAX_LISTED: usize = 1000;
/// Longest error message, in characters.
pub const MAX_ERROR_MESSAGE: usize = 256;
/// How far a `pose`'s `t` may lie from the server's clock when the pose arrives, either way,
/// in µs: a capture older than this is stale for every receiver, and one further ahead is a
/// broken clock estimate (the clock-sync error is half a round trip).
pub const MAX_POSE_SKEW_US: u64 = 1_000_000;

/// Whether a `pose` captured at `t` (server time, as the sender estimated it) may be relayed
/// when it arrives at server time `now`: within [`MAX_POSE_SKEW_US`] of it, either way. This
/// bound needs the receiver's clock, so it is checked by the server, not by [`client`].
pub fn pose_time(t: u64, now: u64) -> bool {
    t.abs_diff(now) <= MAX_POSE_SKEW_US
}

type Result = std::result::Result<(), DecodeError>;

fn invalid(field: &'static str, reason: &'static str) -> DecodeError {
    DecodeError::Invalid { field, reason }
}

/// A human-readable string: 1 to `max` characters, no control characters.
fn text(field: &'static str, s: &str, max: usize) -> Result {
    if s.is_empty() {
        return Err(invalid(field, "is empty"));
    }
    if s.chars().count() > max {
        return Err(invalid(field, "is too long"));
    }
    if s.chars().any(char::is_control) {
        return Err(invalid(field, "contains control characters"));
    }
    Ok(())
}

/// An opaque ASCII token: 1 to `max` printable ASCII bytes.
fn token(field: &'static str, s: &str, max: usize) -> Result {
    if s.is_empty() || s.len() > max {
        return Err(invalid(field, "has a bad length"));
    }
    if !s.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(invalid(field, "must be printable ASCII"));
    }
    Ok(())
}

/// An exercise id: 1 to 32 of `a-z`, `0-9`, `_`.
pub fn exercise_id(field: &'static str, s: &str) -> Result {
    if s.is_empty() || s.len() > MAX_EXERCISE_ID {
        return Err(invalid(field, "has a bad length"));
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(invalid(field, "must be lowercase letters, digits and _"));
    }
    Ok(())
}

fn at_most<T>(field: &'static str, items: &[T], max: usize) -> Result {
    if items.len() > max {
        return Err(invalid(field, "has too many items"));
    }
    Ok(())
}

/// Checks a decoded client message.
pub fn client(msg: &ClientMsg) -> Result {
    match msg {
        ClientMsg::Hello {
            sdk,
            sdk_version,
            token: tok,
            resume,
            ..
        } => {
            text("sdk", sdk, MAX_SDK_NAME)?;
            text("sdk_version", sdk_version, MAX_SDK_VERSION)?;
            // Empty: the session cookie of the upgrade stands in for a token.
            if !tok.is_empty() {
                token("token", tok, MAX_TOKEN)?;
            }
            if let Some(r) = resume {
                token("resume", r, MAX_RESUME_TOKEN)?;
            }
        }
        ClientMsg::Refresh { token: tok, .. } => token("token", tok, MAX_TOKEN)?,
        ClientMsg::Join { room, .. } => text("room", room, MAX_ROOM_CODE)?,
        ClientMsg::Pose { kp, .. } => kp.check()?,
        ClientMsg::Score {
            exercise,
            reps,
            active_ms,
            ..
        } => {
            exercise_id("exercise", exercise)?;
            if *reps > MAX_REPS {
                return Err(invalid("reps", "is above 100000"));
            }
            if *active_ms > MAX_ACTIVE_MS {
                return Err(invalid("active_ms", "is above 24 hours"));
            }
        }
        ClientMsg::Control { action, target, .. } => {
            let needs_target = matches!(action, ControlAction::Kick | ControlAction::MakeCohost);
            if needs_target && target.is_none() {
                return Err(invalid("target", "is required for this action"));
            }
        }
        ClientMsg::Leave { .. } | ClientMsg::Ping { .. } | ClientMsg::Reaction { .. } => {}
    }
    Ok(())
}

fn participant(p: &Participant) -> Result {
    text("name", &p.name, MAX_NAME)?;
    if let Some(team) = &p.team {
        text("team", team, MAX_TEAM)?;
    }
    Ok(())
}

fn program(p: &Program) -> Result {
    text("program.name", &p.name, MAX_NAME)?;
    if p.steps.is_empty() {
        return Err(invalid("program.steps", "is empty"));
    }
    at_most("program.steps", &p.steps, MAX_STEPS)?;
    p.steps
        .iter()
        .try_for_each(|s| exercise_id("exercise", &s.exercise))
}

fn cues(cues: &[Cue]) -> Result {
    at_most("timeline", cues, 4096)?;
    for cue in cues {
        if let Some(e) = &cue.exercise {
            exercise_id("exercise", e)?;
        }
    }
    Ok(())
}

fn scoreboard(s: &Scoreboard) -> Result {
    at_most("ranking", &s.ranking, MAX_LISTED)?;
    at_most("teams", &s.teams, MAX_LISTED)?;
    s.teams
        .iter()
        .try_for_each(|t| text("team", &t.team, MAX_TEAM))
}

fn flag(f: &ScoreFlag) -> Result {
    exercise_id("exercise", &f.exercise)
}

/// Checks a decoded server message (SDKs call this through [`crate::decode_server`]).
pub fn server(msg: &ServerMsg) -> Result {
    match msg {
        ServerMsg::Welcome { resume, .. } => token("resume", resume, MAX_RESUME_TOKEN)?,
        ServerMsg::Snapshot {
            room,
            session,
            program: prog,
            timeline,
            participants,
            scoreboard: board,
            flags,
            ..
        } => {
            text("room", room, MAX_ROOM_CODE)?;
            token("session", session, 64)?;
            program(prog)?;
            cues(timeline)?;
            at_most("participants", participants, MAX_LISTED)?;
            participants.iter().try_for_each(participant)?;
            scoreboard(board)?;
            at_most("flags", flags, 4096)?;
            flags.iter().try_for_each(flag)?;
        }
        ServerMsg::Presence { participant: p, .. } => participant(p)?,
        ServerMsg::Cue { cue } => cues(std::slice::from_ref(cue))?,
        ServerMsg::Poses { poses, .. } => {
            at_most("poses", poses, MAX_LISTED)?;
            poses.iter().try_for_each(|p| p.kp.check())?;
        }
        ServerMsg::Scoreboard { scoreboard: board } => scoreboard(board)?,
        ServerMsg::Phase { timeline, .. } => cues(timeline)?,
        ServerMsg::Flag { flag: f } => flag(f)?,
        ServerMsg::Summary { summary } => {
            token("session", &summary.session, 64)?;
            text("room", &summary.room, MAX_ROOM_CODE)?;
            text("program", &summary.program, MAX_NAME)?;
            at_most("participants", &summary.participants, MAX_LISTED)?;
            for p in &summary.participants {
                text("name", &p.name, MAX_NAME)?;
                at_most("results", &p.results, MAX_STEPS)?;
                p.flags.iter().try_for_each(flag)?;
            }
        }
        ServerMsg::Error { message, .. } => text("message", message, MAX_ERROR_MESSAGE)?,
        ServerMsg::Pong { .. }
        | ServerMsg::Reaction { .. }
        | ServerMsg::Lock { .. }
        | ServerMsg::Refreshed { .. } => {}
    }
    Ok(())
}
