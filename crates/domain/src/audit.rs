//! The audit trail's hash chain. Each entry's hash covers its own content and
//! the previous entry's hash, so changing, removing or reordering any stored
//! entry breaks every hash after it, and [`verify`] finds the first break.

use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an entry's hash covers, in a fixed order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryContent<'a> {
    pub seq: i64,
    pub at: &'a str,
    pub actor: &'a str,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub before: &'a str,
    pub after: &'a str,
}

/// `sha256(prev_hash ‖ each field, length-prefixed)`, as lowercase hex.
/// Length prefixes make the encoding unambiguous: no two field lists hash alike.
pub fn chain_hash(prev_hash: &str, e: &EntryContent<'_>) -> String {
    let mut h = Sha256::new();
    let seq = e.seq.to_string();
    for part in [prev_hash, &seq, e.at, e.actor, e.action, e.entity_type, e.entity_id, e.before, e.after] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Where a chain first fails to verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    pub seq: i64,
    pub reason: &'static str,
}

/// Checks stored entries in sequence order, one at a time, so a chain of
/// any length verifies in constant memory: consecutive numbers, each
/// `prev_hash` equal to the previous hash, each hash recomputed.
#[derive(Debug, Clone)]
pub struct Verifier {
    prev: String,
    next_seq: i64,
}

impl Default for Verifier {
    fn default() -> Self {
        Verifier { prev: GENESIS.to_string(), next_seq: 1 }
    }
}

impl Verifier {
    pub fn push(&mut self, content: &EntryContent<'_>, prev_hash: &str, hash: &str) -> Result<(), Break> {
        if content.seq != self.next_seq {
            return Err(Break { seq: content.seq, reason: "gap" });
        }
        if prev_hash != self.prev {
            return Err(Break { seq: content.seq, reason: "prev_hash" });
        }
        if chain_hash(prev_hash, content) != hash {
            return Err(Break { seq: content.seq, reason: "hash" });
        }
        self.prev = hash.to_string();
        self.next_seq += 1;
        Ok(())
    }

    /// Entries verified so far.
    pub fn count(&self) -> i64 {
        self.next_seq - 1
    }
}

/// Verifies a whole chain held in memory; returns the number of entries.
pub fn verify<'a>(entries: impl IntoIterator<Item = (EntryContent<'a>, &'a str, &'a str)>) -> Result<i64, Break> {
    let mut v = Verifier::default();
    for (content, prev_hash, hash) in entries {
        v.push(&content, prev_hash, hash)?;
    }
    Ok(v.count())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<(String, String, String, String)> {
        // (after, prev, hash, actor)
        let mut out = Vec::new();
        let mut prev = GENESIS.to_string();
        for seq in 1..=n {
            let after = format!("{{\"n\":{seq}}}");
            let c = EntryContent {
                seq,
                at: "2026-01-15T08:00:00Z",
                actor: "admin",
                action: "create",
                entity_type: "person",
                entity_id: "7",
                before: "",
                after: &after,
            };
            let h = chain_hash(&prev, &c);
            out.push((after, prev.clone(), h.clone(), "admin".into()));
            prev = h;
        }
        out
    }

    fn contents(rows: &[(String, String, String, String)]) -> Vec<(EntryContent<'_>, &str, &str)> {
        rows.iter()
            .enumerate()
            .map(|(i, (after, prev, hash, actor))| {
                (
                    EntryContent {
                        seq: i as i64 + 1,
                        at: "2026-01-15T08:00:00Z",
                        actor,
                        action: "create",
                        entity_type: "person",
                        entity_id: "7",
                        before: "",
                        after,
                    },
                    prev.as_str(),
                    hash.as_str(),
                )
            })
            .collect()
    }

    #[test]
    fn intact_chain_verifies() {
        let rows = chain(5);
        assert_eq!(verify(contents(&rows)), Ok(5));
    }

    #[test]
    fn edited_entry_is_found() {
        let mut rows = chain(5);
        rows[2].0 = "{\"n\":999}".into();
        assert_eq!(verify(contents(&rows)), Err(Break { seq: 3, reason: "hash" }));
    }

    #[test]
    fn removed_entry_is_found() {
        let mut rows = chain(5);
        rows.remove(1);
        // Entries are renumbered by position here, so the removal shows as a
        // broken link at the entry that followed it.
        assert_eq!(verify(contents(&rows)), Err(Break { seq: 2, reason: "prev_hash" }));
    }

    #[test]
    fn field_boundaries_matter() {
        let a = EntryContent {
            seq: 1,
            at: "t",
            actor: "ab",
            action: "c",
            entity_type: "",
            entity_id: "",
            before: "",
            after: "",
        };
        let b = EntryContent { actor: "a", action: "bc", ..a.clone() };
        assert_ne!(chain_hash(GENESIS, &a), chain_hash(GENESIS, &b));
    }
}
