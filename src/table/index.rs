//! The key index: from a compound key to the rows holding it, in O(1) and without allocating per lookup.
//!
//! A key is hashed part by part (no joined `String` is built) and the 64-bit hash finds the key's *group*
//! in a map. Two distinct keys with the same hash are chained, so a lookup checks the group's first row
//! against the asked key before answering. A group of one row (most of them) answers from the map entry
//! itself; the rows of the others sit in one array, each group a contiguous slice in file order. Either
//! way the answer is a borrowed slice.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};

/// Marks the end of a chain.
const END: u32 = u32::MAX;

/// Hashes compound keys; the same instance must hash at build and at lookup.
///
/// Not SipHash: keyed SipHash guards a map against keys chosen to collide, but only the table's own rows
/// (from the admin's CSV) are ever inserted; a workitem's key is only looked up, and a collision costs it
/// one more comparison with a row. SipHash was a third of a lookup's instructions (about 500 for a
/// three-part key); this multiply-fold hash, seeded per table, takes about 60.
#[derive(Clone, Debug)]
pub(super) struct KeyHasher {
    seed: u64,
}

impl Default for KeyHasher {
    fn default() -> KeyHasher {
        // A random seed per table keeps hashes (and so probe orders) from being the same in every process.
        KeyHasher {
            seed: RandomState::new().hash_one(0x5eed_u64),
        }
    }
}

/// Odd constants from the digits of pi (as foldhash uses), one per step so steps do not cancel.
const PART: u64 = 0x243f_6a88_85a3_08d3;
const WORD: u64 = 0x1319_8a2e_0370_7344;
const TAIL: u64 = 0xa409_3822_299f_31d0;
const FINAL: u64 = 0x082e_fa98_ec4e_6c89;

/// The high and low halves of a full 64 × 64-bit product, folded together: every input bit reaches
/// every output bit in one multiplication.
#[inline]
fn fold(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

impl KeyHasher {
    /// The hash of a key given as its parts. Each part's length is hashed before its bytes, so
    /// `["ab", "c"]` and `["a", "bc"]` differ.
    pub fn hash<'k>(&self, parts: impl IntoIterator<Item = &'k str>) -> u64 {
        let mut state = self.seed;
        for part in parts {
            let bytes = part.as_bytes();
            state = fold(state ^ bytes.len() as u64, PART);
            let mut words = bytes.chunks_exact(8);
            for word in &mut words {
                let mut buffer = [0; 8];
                buffer.copy_from_slice(word);
                state = fold(state ^ u64::from_le_bytes(buffer), WORD);
            }
            let rest = words.remainder();
            if !rest.is_empty() {
                let mut buffer = [0; 8];
                buffer[..rest.len()].copy_from_slice(rest);
                state = fold(state ^ u64::from_le_bytes(buffer), TAIL);
            }
        }
        fold(state, FINAL)
    }
}

/// The rows of one distinct key.
#[derive(Clone, Copy, Debug)]
struct Group {
    /// A row holding the key, to compare an asked key with; the whole answer when `len` is 1.
    first_row: u32,
    /// The group's slice of `Index::rows`, when it has several rows.
    start: u32,
    len: u32,
    /// The next group (in `Index::collided`) whose key has the same hash, or `END`.
    next: u32,
}

/// Rows grouped by key, found by key hash.
///
/// The first group of each hash is stored in the map itself and a single row is answered from the group,
/// so a lookup of a key with one row touches the map entry and that row's values, nothing else.
#[derive(Clone, Debug, Default)]
pub(super) struct Index {
    hasher: KeyHasher,
    heads: HashMap<u64, Group, BuildHasherDefault<Prehashed>>,
    /// The groups that share a hash with an earlier group: almost always none.
    collided: Box<[Group]>,
    /// The rows of the groups with several rows.
    rows: Box<[u32]>,
}

impl Index {
    /// Index rows `0..rows`: `hash_row` hashes a row's key with the given hasher, `same_key` says whether
    /// two rows hold the same key.
    pub fn build(
        rows: u32,
        hash_row: impl Fn(&KeyHasher, u32) -> u64,
        same_key: impl Fn(u32, u32) -> bool,
    ) -> Index {
        let hasher = KeyHasher::default();
        let capacity = rows as usize;
        // First pass: find each row's group, with groups in a vector and chains through `next`.
        let mut chains: HashMap<u64, u32, BuildHasherDefault<Prehashed>> =
            HashMap::with_capacity_and_hasher(capacity, <_>::default());
        let mut groups: Vec<Group> = Vec::new();
        let mut group_of = Vec::with_capacity(capacity);
        for row in 0..rows {
            let hash = hash_row(&hasher, row);
            let head = chains.get(&hash).copied().unwrap_or(END);
            let mut group = head;
            while group != END && !same_key(groups[group as usize].first_row, row) {
                group = groups[group as usize].next;
            }
            if group == END {
                group = groups.len() as u32;
                groups.push(Group {
                    first_row: row,
                    start: 0,
                    len: 0,
                    next: head,
                });
                chains.insert(hash, group);
            }
            groups[group as usize].len += 1;
            group_of.push(group);
        }

        // Second pass: lay the rows of multi-row groups out contiguously, in file order.
        let mut offset = 0;
        for group in groups.iter_mut().filter(|group| group.len > 1) {
            group.start = offset;
            offset += group.len;
        }
        let mut ordered = vec![0; offset as usize];
        let mut placed = vec![0; groups.len()];
        for (row, &group) in group_of.iter().enumerate() {
            let slot = &mut placed[group as usize];
            let group = &groups[group as usize];
            if group.len > 1 {
                ordered[(group.start + *slot) as usize] = row as u32;
                *slot += 1;
            }
        }

        // Last: chain heads go into the map, the rest (collisions) into `collided`.
        let mut collided_index = vec![END; groups.len()];
        let mut collided = Vec::new();
        for group in &groups {
            if group.next != END {
                collided_index[group.next as usize] = collided.len() as u32;
                collided.push(groups[group.next as usize]);
            }
        }
        let relink = |group: Group| Group {
            next: match group.next {
                END => END,
                next => collided_index[next as usize],
            },
            ..group
        };
        let collided = collided.into_iter().map(relink).collect();
        let heads = chains
            .into_iter()
            .map(|(hash, head)| (hash, relink(groups[head as usize])))
            .collect();
        Index {
            hasher,
            heads,
            collided,
            rows: ordered.into_boxed_slice(),
        }
    }

    /// The hasher keys must be hashed with for [`Index::find`].
    pub fn hasher(&self) -> &KeyHasher {
        &self.hasher
    }

    /// The rows of the key with hash `hash`, where `is_key(row)` says whether a row holds the asked key.
    pub fn find(&self, hash: u64, is_key: impl Fn(u32) -> bool) -> &[u32] {
        let mut group = self.heads.get(&hash);
        while let Some(found) = group {
            if is_key(found.first_row) {
                return match found.len {
                    1 => std::slice::from_ref(&found.first_row),
                    len => &self.rows[found.start as usize..(found.start + len) as usize],
                };
            }
            group = self.collided.get(found.next as usize);
        }
        &[]
    }

    /// Number of distinct keys.
    pub fn keys(&self) -> usize {
        self.heads.len() + self.collided.len()
    }
}

/// A `Hasher` for keys that already are hashes: hashing them again would only cost time.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used by the index; this keeps the hasher correct for any other input.
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_rows_by_key_even_when_hashes_collide() {
        let keys = ["a", "b", "a", "c", "b", "a"];
        // Every key hashes alike: the chains must still keep them apart.
        let index = Index::build(
            keys.len() as u32,
            |_, _| 7,
            |x, y| keys[x as usize] == keys[y as usize],
        );
        assert_eq!(index.keys(), 3);
        let find = |key: &str| index.find(7, |row| keys[row as usize] == key).to_vec();
        assert_eq!(find("a"), [0, 2, 5]);
        assert_eq!(find("b"), [1, 4]);
        assert_eq!(find("c"), [3]);
        assert_eq!(find("d"), [] as [u32; 0]);
        assert!(index.find(8, |_| true).is_empty());
    }

    #[test]
    fn key_parts_are_not_concatenated() {
        let hasher = KeyHasher::default();
        assert_ne!(hasher.hash(["ab", "c"]), hasher.hash(["a", "bc"]));
        assert_eq!(hasher.hash(["ab", "c"]), hasher.hash(["ab", "c"]));
        assert_ne!(hasher.hash(["", "x"]), hasher.hash(["x", ""]));
        assert_ne!(hasher.hash(["a"]), hasher.hash(["a", ""]));
        // Padding of the last word is not mistaken for a zero byte of the value.
        assert_ne!(hasher.hash(["a"]), hasher.hash(["a\0"]));
    }

    #[test]
    fn keys_that_differ_in_one_byte_spread_over_the_hash() {
        // hashbrown picks buckets with the low bits and tags with the high 7: both must vary.
        let hasher = KeyHasher::default();
        let hashes: Vec<u64> = (0..4096)
            .map(|i| hasher.hash(["Insurance", "Health", &format!("Segment-{i}")]))
            .collect();
        let distinct = |bits: fn(u64) -> u64| {
            hashes
                .iter()
                .map(|&h| bits(h))
                .collect::<std::collections::HashSet<_>>()
                .len()
        };
        assert_eq!(distinct(|h| h), 4096);
        assert!(distinct(|h| h & 0xfff) > 2400, "low bits cluster");
        assert_eq!(distinct(|h| h >> 57), 128, "high bits cluster");
    }
}
