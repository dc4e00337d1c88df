//! Every request the console sends gets an id, and its answer goes back to whoever asked: the
//! component on the stack that made it (while it is open), or the console itself. A dialog that
//! closed never hands its late answer to the one opened after it.

use crate::tui::effects::{Effect, RequestId};
use crate::tui::layers::LayerId;
use std::collections::HashMap;

/// A request sent and not yet answered.
#[derive(Debug)]
pub struct Pending {
    /// What was asked: the answer is read with it.
    pub effect: Effect,
    /// The component that asked, if one did.
    pub layer: Option<LayerId>,
}

#[derive(Debug, Default)]
pub struct Requests {
    last_id: u64,
    pending: HashMap<RequestId, Pending>,
    queued: Vec<(RequestId, Effect)>,
}

impl Requests {
    /// Queues `effect` for sending; its answer will be addressed to `layer`, if given.
    pub fn send(&mut self, effect: Effect, layer: Option<LayerId>) -> RequestId {
        self.last_id += 1;
        let id = RequestId(self.last_id);
        self.queued.push((id, effect.clone()));
        self.pending.insert(id, Pending { effect, layer });
        id
    }

    pub fn take_queued(&mut self) -> Vec<(RequestId, Effect)> {
        std::mem::take(&mut self.queued)
    }

    /// The request an answer is for (once: a second answer finds nothing).
    pub fn answered(&mut self, id: RequestId) -> Option<Pending> {
        self.pending.remove(&id)
    }

    pub fn in_flight(&self) -> usize {
        self.pending.len()
    }

    /// Whether a request like this is queued and not yet sent.
    pub fn queued(&self, what: impl Fn(&Effect) -> bool) -> bool {
        self.queued.iter().any(|(_, e)| what(e))
    }
}
