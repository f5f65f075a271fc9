//! The breakroom wire protocol: message types, the MessagePack codec, validation, the keypoint
//! block and clock-sync arithmetic.
//!
//! - [`ClientMsg`] / [`ServerMsg`]: every message of a live session, each a MessagePack map with
//!   a `type` tag and named fields.
//! - [`encode_client`] / [`decode_client`] (and the `server` pair): one message per WebSocket
//!   binary frame. Decoding enforces sizes, nesting, types and every documented bound, and
//!   reports each violation as a typed [`DecodeError`].
//! - [`PoseBlock`]: the only byte string on the wire, a fixed-layout block of quantized
//!   landmarks. No field anywhere can carry an image, audio or an arbitrary blob.
//! - [`clock::ClockSync`]: how a client maps a cue's server time onto its own clock.
//!
//! Invariant: this is the only crate that knows the wire format.
//!
//! # Contract and tests
//!
//! - `PROTOCOL.md` beside this crate is the contract: enough to write a client in another
//!   language without reading this code.
//! - `vectors/{client,server}/*.json` are its golden bytes, one file per message kind and edge
//!   case, in a language-neutral format (described in `PROTOCOL.md`). `tests/vectors.rs`
//!   checks both directions; `BREAKROOM_REGEN_VECTORS=1 cargo test -p breakroom-protocol --test
//!   vectors` rewrites them (and the examples in `PROTOCOL.md`) from `tests/support/`.
//! - `tests/roundtrip.rs` (proptest) and `fuzz/` (cargo-fuzz): valid messages round-trip, and
//!   no input makes a decoder panic. `tests/recordings.rs` runs real pose-model output through
//!   the keypoint block.

mod client;
pub mod clock;
mod codec;
mod error;
pub mod pose;
mod server;
mod types;
pub mod validate;

pub use client::{ClientMsg, ControlAction};
pub use codec::{
    CLIENT_TYPES, MAX_CLIENT_MSG_BYTES, MAX_DEPTH, MAX_SERVER_MSG_BYTES, SERVER_TYPES,
    decode_client, decode_server, encode_client, encode_server,
};
pub use error::{DecodeError, close};
pub use pose::{Landmark, PoseBlock, PoseError, PoseModel};
pub use server::{ErrorCode, PresenceChange, ServerMsg};
pub use types::*;

/// The WebSocket subprotocol of this version of the protocol.
pub const SUBPROTOCOL: &str = "breakroom.v1";
