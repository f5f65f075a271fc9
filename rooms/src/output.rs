//! What a room hands back to its host.

use std::collections::VecDeque;

use breakroom_protocol::{ServerMsg, SessionSummary};

use crate::MemberId;

/// One thing for the host to do, polled with [`crate::Room::poll_output`] in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Send `msg` to each member of `to`: encode it once, send the same bytes to each.
    /// `to` is never empty and lists connected members only.
    Send {
        /// The recipients.
        to: Vec<MemberId>,
        /// The message.
        msg: ServerMsg,
    },
    /// A skeleton frame for each member of `to` (never empty; connected members only).
    /// `fresh` holds the skeletons that arrived since the audience's previous frame; a member
    /// whose previous frame is still unsent when this one comes (the host keeps one pending
    /// frame per member, latest wins) must get `full` instead, which holds every visible
    /// skeleton, so that a slow member loses nothing but time. Both are `ServerMsg::Poses`;
    /// encode each once, `full` only if some member needs it.
    Poses {
        /// The recipients.
        to: Vec<MemberId>,
        /// What changed since the previous frame.
        fresh: ServerMsg,
        /// Every visible skeleton.
        full: Box<ServerMsg>,
    },
    /// Close this member's connection with a WebSocket close code and reason (kicked, replaced
    /// by a resume, room closed). The room has already forgotten the member.
    Close {
        /// The member.
        member: MemberId,
        /// A close code from `breakroom_protocol::close`.
        code: u16,
        /// The reason sent with it.
        reason: &'static str,
    },
    /// Persist this summary. Exactly one per session that started; it is also sent to everyone
    /// connected as `ServerMsg::Summary`.
    Summary(SessionSummary),
}

/// The queue of outputs.
#[derive(Debug, Clone, Default)]
pub(crate) struct Outbox {
    queue: VecDeque<Output>,
}

impl Outbox {
    /// Queues a message, unless nobody would receive it.
    pub(crate) fn send(&mut self, to: Vec<MemberId>, msg: ServerMsg) {
        if !to.is_empty() {
            self.queue.push_back(Output::Send { to, msg });
        }
    }

    /// Queues a skeleton frame, unless nobody would receive it.
    pub(crate) fn poses(&mut self, to: Vec<MemberId>, fresh: ServerMsg, full: ServerMsg) {
        if !to.is_empty() {
            self.queue.push_back(Output::Poses {
                to,
                fresh,
                full: Box::new(full),
            });
        }
    }

    pub(crate) fn close(&mut self, member: MemberId, code: u16, reason: &'static str) {
        self.queue.push_back(Output::Close {
            member,
            code,
            reason,
        });
    }

    pub(crate) fn summary(&mut self, summary: SessionSummary) {
        self.queue.push_back(Output::Summary(summary));
    }

    pub(crate) fn pop(&mut self) -> Option<Output> {
        self.queue.pop_front()
    }
}
