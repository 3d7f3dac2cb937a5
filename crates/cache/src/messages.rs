//! The bounded message store.
//!
//! Messages are kept by id in one ordered map. Snowflake ids grow with
//! time, so the first entry is the oldest message: evicting oldest first is
//! `pop_first`, for the total limit and, through each channel's ordered id
//! set, for the per-channel limit.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use tether_model::id::{ChannelId, MessageId};

use crate::types::CachedMessage;

#[derive(Debug)]
pub(crate) struct Messages {
    total_limit: usize,
    channel_limit: usize,
    all: BTreeMap<MessageId, Arc<CachedMessage>>,
    by_channel: HashMap<ChannelId, BTreeSet<MessageId>>,
}

impl Messages {
    pub(crate) fn new(total_limit: usize, channel_limit: usize) -> Self {
        Self {
            total_limit,
            channel_limit,
            all: BTreeMap::new(),
            by_channel: HashMap::new(),
        }
    }

    pub(crate) fn get(&self, id: MessageId) -> Option<&Arc<CachedMessage>> {
        self.all.get(&id)
    }

    pub(crate) fn len(&self) -> usize {
        self.all.len()
    }

    /// A channel's messages, oldest first.
    pub(crate) fn channel(&self, channel: ChannelId) -> impl Iterator<Item = &Arc<CachedMessage>> {
        self.by_channel
            .get(&channel)
            .into_iter()
            .flatten()
            .filter_map(|id| self.all.get(id))
    }

    /// Adds a new message; returns the messages evicted to make room
    /// (the message itself when a limit is zero).
    pub(crate) fn insert(&mut self, message: Arc<CachedMessage>) -> Vec<Arc<CachedMessage>> {
        if self.total_limit == 0 || self.channel_limit == 0 {
            return vec![message];
        }
        let (id, channel) = (message.id(), message.channel_id());
        self.all.insert(id, message);
        let ids = self.by_channel.entry(channel).or_default();
        ids.insert(id);
        let mut evicted = Vec::new();
        while ids.len() > self.channel_limit {
            let Some(old) = ids.pop_first() else { break };
            evicted.extend(self.all.remove(&old));
        }
        while self.all.len() > self.total_limit {
            let Some((old, message)) = self.all.pop_first() else {
                break;
            };
            self.forget_id(message.channel_id(), old);
            evicted.push(message);
        }
        evicted
    }

    /// Replaces a cached message; returns the old one.
    pub(crate) fn replace(&mut self, message: Arc<CachedMessage>) -> Option<Arc<CachedMessage>> {
        let slot = self.all.get_mut(&message.id())?;
        Some(std::mem::replace(slot, message))
    }

    pub(crate) fn remove(&mut self, id: MessageId) -> Option<Arc<CachedMessage>> {
        let message = self.all.remove(&id)?;
        self.forget_id(message.channel_id(), id);
        Some(message)
    }

    /// Removes a channel's messages, oldest first.
    pub(crate) fn remove_channel(&mut self, channel: ChannelId) -> Vec<Arc<CachedMessage>> {
        self.by_channel
            .remove(&channel)
            .into_iter()
            .flatten()
            .filter_map(|id| self.all.remove(&id))
            .collect()
    }

    fn forget_id(&mut self, channel: ChannelId, id: MessageId) {
        if let Some(ids) = self.by_channel.get_mut(&channel) {
            ids.remove(&id);
            if ids.is_empty() {
                self.by_channel.remove(&channel);
            }
        }
    }
}
