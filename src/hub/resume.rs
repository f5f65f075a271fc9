//! Resume tokens: what each stands for, and which tokens hold a place in which room, so that a
//! room's close forgets its tokens without looking at anyone else's.

use std::collections::HashSet;

use breakroom_protocol::ParticipantId;
use dashmap::DashMap;

/// What a resume token stands for.
#[derive(Debug, Clone)]
struct Entry {
    /// The user it was issued to: only they may resume with it.
    user: String,
    /// The room joined (normalized code) and the place held in it, once joined.
    place: Option<(String, ParticipantId)>,
}

/// The resume tokens of every connection. The only owner of them: tokens are issued, placed,
/// redeemed and revoked here.
#[derive(Debug, Default)]
pub struct ResumeTokens {
    /// Token → what it stands for.
    by_token: DashMap<String, Entry>,
    /// Room (normalized code) → the tokens holding a place in it.
    by_room: DashMap<String, HashSet<String>>,
}

impl ResumeTokens {
    /// A new token for `user`, holding no place yet.
    pub fn issue(&self, user: &str) -> String {
        let token = crate::auth::random_token(24);
        let entry = Entry {
            user: user.to_owned(),
            place: None,
        };
        self.by_token.insert(token.clone(), entry);
        token
    }

    /// Records the place `token` holds in the room `code` (normalized).
    pub fn place(&self, token: &str, code: &str, participant: ParticipantId) {
        let before = match self.by_token.get_mut(token) {
            Some(mut e) => e.place.replace((code.to_owned(), participant)),
            None => return,
        };
        if let Some((old, _)) = before.filter(|(old, _)| old != code) {
            self.unindex(&old, token);
        }
        self.by_room
            .entry(code.to_owned())
            .or_default()
            .insert(token.to_owned());
    }

    /// `token` no longer holds a place (its holder left the room).
    pub fn clear_place(&self, token: &str) {
        let before = self
            .by_token
            .get_mut(token)
            .and_then(|mut e| e.place.take());
        if let Some((code, _)) = before {
            self.unindex(&code, token);
        }
    }

    /// The place `token` holds, if it was issued to `user` and holds one.
    pub fn place_of(&self, token: &str, user: &str) -> Option<(String, ParticipantId)> {
        self.by_token
            .get(token)
            .filter(|e| e.user == user)
            .and_then(|e| e.place.clone())
    }

    /// Forgets `token` (redeemed, or its connection ended without a place).
    pub fn revoke(&self, token: &str) {
        if let Some((
            _,
            Entry {
                place: Some((code, _)),
                ..
            },
        )) = self.by_token.remove(token)
        {
            self.unindex(&code, token);
        }
    }

    /// Forgets every token holding a place in the room `code`, which has closed: only that
    /// room's tokens are looked at.
    pub fn forget_room(&self, code: &str) {
        let Some((_, tokens)) = self.by_room.remove(code) else {
            return;
        };
        for token in tokens {
            // A token that moved to another room since keeps its new place.
            self.by_token.remove_if(&token, |_, e| {
                e.place.as_ref().is_some_and(|(c, _)| c == code)
            });
        }
    }

    /// How many tokens there are.
    pub fn len(&self) -> usize {
        self.by_token.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_token.is_empty()
    }

    fn unindex(&self, code: &str, token: &str) {
        if let Some(mut set) = self.by_room.get_mut(code) {
            set.remove(token);
        }
        self.by_room.remove_if(code, |_, set| set.is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_resumes_only_its_user_into_its_place_until_its_room_closes() {
        let tokens = ResumeTokens::default();
        let ada = tokens.issue("ada");
        let linus = tokens.issue("linus");
        let elsewhere = tokens.issue("eve");
        assert_eq!(
            tokens.place_of(&ada, "ada"),
            None,
            "no place before joining"
        );

        tokens.place(&ada, "ROOMAAAA", ParticipantId(1));
        tokens.place(&linus, "ROOMAAAA", ParticipantId(2));
        tokens.place(&elsewhere, "ROOMBBBB", ParticipantId(1));
        assert_eq!(
            tokens.place_of(&ada, "ada"),
            Some(("ROOMAAAA".into(), ParticipantId(1)))
        );
        assert_eq!(tokens.place_of(&ada, "linus"), None, "another user's token");

        // Leaving gives the place up; joining another room moves it.
        tokens.clear_place(&linus);
        assert_eq!(tokens.place_of(&linus, "linus"), None);
        tokens.place(&linus, "ROOMBBBB", ParticipantId(2));

        // The room closes: its tokens go, the other room's stay.
        tokens.forget_room("ROOMAAAA");
        assert_eq!(tokens.place_of(&ada, "ada"), None);
        assert_eq!(tokens.len(), 2);
        assert!(tokens.place_of(&linus, "linus").is_some());
        assert!(tokens.place_of(&elsewhere, "eve").is_some());

        tokens.revoke(&linus);
        tokens.forget_room("ROOMBBBB");
        assert!(tokens.is_empty());
        assert!(tokens.by_room.is_empty(), "the room index is emptied too");
    }
}
