//! The room directory: live rooms by code, and the codes themselves (readable, and
//! normalized however they are typed).

use std::sync::Arc;

use dashmap::DashMap;
use tokio::sync::mpsc;

use crate::pose_inbox::PoseInbox;
use crate::room_actor::RoomCmd;

/// Letters and digits that cannot be mistaken for one another when read aloud or typed
/// (no I, L, O, U, 0, 1).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTVWXYZ23456789";
/// Characters in a room code: 30^8 ≈ 6.6e11 codes, so guessing one at the join rate limit
/// (a few a second per connection) is hopeless.
const CODE_LEN: usize = 8;

/// A live room, as the directory lists it.
#[derive(Debug, Clone)]
pub struct RoomHandle {
    /// The room actor's inbox.
    pub tx: mpsc::Sender<RoomCmd>,
    /// Where skeletons go instead (see [`PoseInbox`]).
    pub poses: Arc<PoseInbox>,
    /// The room's session id.
    pub session: String,
    /// The user id of the token that created the room (who may read it over REST).
    pub creator: String,
    /// The organization the room belongs to: only its people see and join it.
    pub org: String,
}

/// The live rooms by normalized code. The only owner of the codes: a room is listed when it
/// is made, under a code no live room has, and unlisted when it closes.
#[derive(Debug, Default)]
pub struct RoomDirectory {
    /// Normalized code → the room.
    rooms: DashMap<String, RoomHandle>,
}

impl RoomDirectory {
    /// Lists a new room under a fresh random code (normalized), which `make` receives to build
    /// the room's handle; nothing is listed if it fails. `make` runs while the code is
    /// reserved, so it must not block.
    pub fn insert_new<E>(
        &self,
        make: impl FnOnce(&str) -> Result<RoomHandle, E>,
    ) -> Result<String, E> {
        loop {
            let code = new_room_code();
            let dashmap::Entry::Vacant(entry) = self.rooms.entry(code.clone()) else {
                continue;
            };
            entry.insert(make(&code)?);
            return Ok(code);
        }
    }

    /// The live room with a code, as typed by a person.
    pub fn get(&self, typed: &str) -> Option<RoomHandle> {
        self.rooms.get(&normalize_code(typed)).map(|r| r.clone())
    }

    /// The live rooms of organization `org`: their codes (normalized) and handles, by code.
    pub fn of_org(&self, org: &str) -> Vec<(String, RoomHandle)> {
        let mut rooms: Vec<(String, RoomHandle)> = self
            .rooms
            .iter()
            .filter(|r| r.org == org)
            .map(|r| (r.key().clone(), r.value().clone()))
            .collect();
        rooms.sort_by(|a, b| a.0.cmp(&b.0));
        rooms
    }

    /// Unlists the room `code` (normalized), which has closed.
    pub fn remove(&self, code: &str) {
        self.rooms.remove(code);
    }

    /// How many rooms are live.
    pub fn len(&self) -> usize {
        self.rooms.len()
    }

    /// Whether no room is live.
    pub fn is_empty(&self) -> bool {
        self.rooms.is_empty()
    }

    /// How many live rooms match (an embedding app's, for its room limit).
    pub fn count_where(&self, matches: impl Fn(&RoomHandle) -> bool) -> usize {
        self.rooms.iter().filter(|r| matches(r.value())).count()
    }
}

/// A new random room code, normalized (no separator).
fn new_room_code() -> String {
    (0..CODE_LEN)
        .map(|_| {
            let i = rand::random_range(0..CODE_ALPHABET.len());
            char::from(CODE_ALPHABET[i])
        })
        .collect()
}

/// A code as people type it, reduced to its canonical form: upper case, separators dropped.
pub fn normalize_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// A normalized code as shown to people: `ABCD-EFGH`.
pub fn display_code(code: &str) -> String {
    if code.len() == CODE_LEN {
        format!("{}-{}", &code[..4], &code[4..])
    } else {
        code.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_readable_and_typing_variants_normalize() {
        let code = new_room_code();
        assert_eq!(code.len(), CODE_LEN);
        assert!(code.bytes().all(|b| CODE_ALPHABET.contains(&b)));
        let shown = display_code(&code);
        assert_eq!(shown.len(), 9);
        assert_eq!(normalize_code(&shown.to_lowercase()), code);
        assert_eq!(normalize_code(" abcd efgh "), "ABCDEFGH");
    }
}
