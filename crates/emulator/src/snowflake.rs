//! Snowflake ids with Discord's real bit layout.
//!
//! `(ms since 2015-01-01) << 22 | worker << 17 | process << 12 | increment`.
//! Every id gets a millisecond of its own (a burst of ids runs ahead of the
//! wall clock by a few milliseconds), so that ids made in a burst, such as
//! the guilds of a generated world, still spread over shards by
//! `(guild_id >> 22) % shard_count` as ids made over time do in production.

use tether_model::id::DISCORD_EPOCH_MS;

/// Worker id the emulator stamps into its ids.
const WORKER: u64 = 1;
/// Process id the emulator stamps into its ids.
const PROCESS: u64 = 7;
/// Largest timestamp that fits the 42-bit field.
const MAX_MS: u64 = (1 << 42) - 1;

/// Unix time (ms) at which the ids of a world description start:
/// 2024-01-01T00:00:00Z. Worlds get the same ids on every load.
pub(crate) const WORLD_EPOCH_UNIX_MS: u64 = 1_704_067_200_000;

/// A generator of strictly increasing snowflakes.
#[derive(Clone, Debug, Default)]
pub(crate) struct Snowflakes {
    last_ms: u64,
    increment: u64,
}

impl Snowflakes {
    /// The next id, stamped with `unix_ms` or, when that millisecond (or a
    /// later one) is taken already, the next free millisecond.
    pub(crate) fn next(&mut self, unix_ms: u64) -> u64 {
        let ms = unix_ms
            .saturating_sub(DISCORD_EPOCH_MS)
            .max(self.last_ms.saturating_add(1))
            .min(MAX_MS);
        self.last_ms = ms;
        self.increment = (self.increment + 1) & 0xFFF;
        (ms << 22) | (WORKER << 17) | (PROCESS << 12) | self.increment
    }

    /// Makes sure later ids are greater than `id` (for worlds that pin ids).
    pub(crate) fn observe(&mut self, id: u64) {
        self.last_ms = self.last_ms.max(id >> 22);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_and_order() {
        let mut ids = Snowflakes::default();
        let a = ids.next(WORLD_EPOCH_UNIX_MS);
        let b = ids.next(WORLD_EPOCH_UNIX_MS);
        assert!(b > a);
        assert_eq!((a >> 22) + DISCORD_EPOCH_MS, WORLD_EPOCH_UNIX_MS);
        assert_eq!(
            b >> 22,
            (a >> 22) + 1,
            "a burst takes consecutive milliseconds"
        );
        assert_eq!((a & 0x3E_0000) >> 17, WORKER);
        assert_eq!((a & 0x1_F000) >> 12, PROCESS);
        ids.observe(u64::MAX);
        let c = ids.next(0);
        assert_eq!(c >> 22, MAX_MS, "saturates instead of overflowing");
    }

    #[test]
    fn generated_guild_ids_spread_over_shards() {
        let mut ids = Snowflakes::default();
        let mut per_shard = [0u32; 4];
        for _ in 0..400 {
            let id = tether_model::id::GuildId::new(ids.next(WORLD_EPOCH_UNIX_MS));
            per_shard[id.shard(4) as usize] += 1;
        }
        assert_eq!(per_shard, [100; 4]);
    }
}
