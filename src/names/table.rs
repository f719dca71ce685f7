//! The name → id hash table every look-up goes through: open addressing over one flat array
//! of slots, a word-at-a-time hash, and a word-at-a-time comparison; no allocation on look-up.
//!
//! The hash reads names eight bytes at a time and folds ASCII case (it ORs `0x20` into every
//! byte), so a host written in upper case lands in the same slot as its listed lower-case
//! form; the comparison that confirms a slot is exact ([`NameMap::get`]) or ASCII
//! case-insensitive ([`NameMap::get_folded`]). The seed is drawn per table from the standard
//! library's random keys, and the longest probe sequence is recorded while building, so a
//! look-up costs at most that many probes whatever it is asked.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

/// Every byte's `0x20` bit: OR-ed into the hashed words, so ASCII case does not change a hash.
const FOLD: u64 = 0x2020_2020_2020_2020;
/// The multiplier of the mixing step (as in FxHash).
const K: u64 = 0x517c_c1b7_2722_0a95;
/// The fewest slots a non-empty table has.
const MIN_SLOTS: usize = 8;

/// A table from names to dense ids, built once and only read afterwards.
#[derive(Debug, Clone)]
pub(crate) struct NameMap {
    entries: Vec<(Box<str>, u32)>,
    /// `0` = empty, else the hash's high 32 bits above the entry's position + 1.
    slots: Box<[u64]>,
    /// `64 - log2(slots.len())`: a hash's top bits pick its first slot.
    shift: u32,
    seed: u64,
    /// The most slots any present name's look-up visits.
    max_probe: usize,
    /// Length bounds of the names held (`min_len > max_len` when empty).
    min_len: usize,
    max_len: usize,
}

impl Default for NameMap {
    fn default() -> Self {
        NameMap {
            entries: Vec::new(),
            slots: Box::new([]),
            shift: 64,
            seed: RandomState::new().hash_one(0x7265_6769_6f6e_u64),
            max_probe: 0,
            min_len: usize::MAX,
            max_len: 0,
        }
    }
}

/// Reads eight bytes as a little-endian word.
#[inline(always)]
fn word(bytes: &[u8; 8]) -> u64 {
    u64::from_le_bytes(*bytes)
}

/// Reads four bytes as a little-endian word.
#[inline(always)]
fn half(bytes: &[u8; 4]) -> u64 {
    u64::from(u32::from_le_bytes(*bytes))
}

#[inline(always)]
fn mix(h: u64, w: u64) -> u64 {
    (h.rotate_left(23) ^ w).wrapping_mul(K)
}

/// The case-folded hash of `bytes`: every byte is read, eight at a time (the last word
/// overlapping the one before it), and its length is mixed in.
#[inline]
pub(crate) fn hash(seed: u64, bytes: &[u8]) -> u64 {
    let n = bytes.len();
    let mut h = seed ^ (n as u64);
    if n >= 8 {
        let (words, rest) = bytes.as_chunks::<8>();
        for w in words {
            h = mix(h, word(w) | FOLD);
        }
        if !rest.is_empty() {
            if let Some(last) = bytes.last_chunk::<8>() {
                h = mix(h, word(last) | FOLD);
            }
        }
    } else if n >= 4 {
        let first = bytes.first_chunk::<4>().map_or(0, half);
        let last = bytes.last_chunk::<4>().map_or(0, half);
        h = mix(h, (first | (last << 32)) | FOLD);
    } else if let (Some(&a), Some(&b)) = (bytes.first(), bytes.last()) {
        let middle = bytes.get(n / 2).copied().unwrap_or(0);
        let w = u64::from(a) | (u64::from(middle) << 8) | (u64::from(b) << 16);
        h = mix(h, w | 0x20_2020);
    }
    h.wrapping_mul(K) ^ (h >> 29)
}

/// The `0x20` bits of the lower-case ASCII letters of a word of ASCII bytes.
#[inline(always)]
fn letter_bits(w: u64) -> u64 {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    // High bit of each byte: at or above `a`, at or below `z`, and ASCII (no borrow crosses
    // a byte: every subtraction is of at most 0x7F from at least 0x80).
    let low = w & !HI;
    let at_least_a = (low | HI).wrapping_sub(LO * 0x61) & HI;
    let at_most_z = ((LO * 0x7A) | HI).wrapping_sub(low) & HI;
    (at_least_a & at_most_z & !w) >> 2
}

/// Whether two words are equal, or — when `FOLDED` — equal once `candidate`'s upper-case
/// letters are lower-cased, where `name` (ASCII) has a lower-case letter.
#[inline(always)]
fn word_eq<const FOLDED: bool>(candidate: u64, name: u64) -> bool {
    candidate == name || (FOLDED && candidate | letter_bits(name) == name)
}

/// Whether `candidate` is `name` (or, when `FOLDED`, `name` up to ASCII case in its
/// letters), comparing eight bytes at a time.
#[inline]
fn same<const FOLDED: bool>(candidate: &[u8], name: &[u8]) -> bool {
    let n = name.len();
    if candidate.len() != n {
        return false;
    }
    if n >= 8 {
        let (words, rest) = name.as_chunks::<8>();
        let (cwords, _) = candidate.as_chunks::<8>();
        for (c, w) in cwords.iter().zip(words) {
            if !word_eq::<FOLDED>(word(c), word(w)) {
                return false;
            }
        }
        rest.is_empty()
            || match (candidate.last_chunk::<8>(), name.last_chunk::<8>()) {
                (Some(c), Some(w)) => word_eq::<FOLDED>(word(c), word(w)),
                _ => false,
            }
    } else if n >= 4 {
        let pack =
            |b: &[u8]| b.first_chunk::<4>().map_or(0, half) | (b.last_chunk::<4>().map_or(0, half) << 32);
        word_eq::<FOLDED>(pack(candidate), pack(name))
    } else {
        candidate
            .iter()
            .zip(name)
            .all(|(&c, &w)| c == w || (FOLDED && w.is_ascii_lowercase() && c == w - 0x20))
    }
}

impl NameMap {
    /// Adds `name` with `id`; returns `false` (and keeps the first) if it was already there.
    pub(crate) fn insert(&mut self, name: &str, id: u32) -> bool {
        if self.get(name).is_some() {
            return false;
        }
        self.entries.push((name.into(), id));
        self.min_len = self.min_len.min(name.len());
        self.max_len = self.max_len.max(name.len());
        if self.entries.len() * 2 > self.slots.len() {
            self.rebuild(self.slots.len().saturating_mul(2).max(MIN_SLOTS));
        } else if let Some(position) = self.entries.len().checked_sub(1) {
            self.place(position);
        }
        true
    }

    /// Lays every entry out again over `slots` slots (a power of two).
    fn rebuild(&mut self, slots: usize) {
        self.slots = vec![0; slots].into_boxed_slice();
        self.shift = 64 - slots.trailing_zeros();
        self.max_probe = 0;
        for position in 0..self.entries.len() {
            self.place(position);
        }
    }

    /// Puts the entry at `position` in the first free slot of its probe sequence.
    fn place(&mut self, position: usize) {
        let Some((name, _)) = self.entries.get(position) else {
            return;
        };
        let h = hash(self.seed, name.as_bytes());
        let mask = self.slots.len().wrapping_sub(1);
        let mut at = self.first_slot(h);
        let slot = ((h >> 32) << 32) | (position as u64 + 1);
        for probe in 0..self.slots.len() {
            if let Some(cell) = self.slots.get_mut(at) {
                if *cell == 0 {
                    *cell = slot;
                    self.max_probe = self.max_probe.max(probe + 1);
                    return;
                }
            }
            at = (at + 1) & mask;
        }
    }

    #[inline(always)]
    fn first_slot(&self, h: u64) -> usize {
        // `shift` is 64 only for an empty table, where no slot is read.
        h.checked_shr(self.shift).unwrap_or(0) as usize
    }

    #[inline(always)]
    fn find<const FOLDED: bool>(&self, name: &[u8]) -> Option<u32> {
        if name.len() < self.min_len || name.len() > self.max_len {
            return None;
        }
        let h = hash(self.seed, name);
        let tag = h >> 32;
        let mask = self.slots.len().wrapping_sub(1);
        let mut at = self.first_slot(h);
        for _ in 0..self.max_probe {
            let slot = *self.slots.get(at)?;
            if slot == 0 {
                return None;
            }
            if slot >> 32 == tag {
                let (entry, id) = self.entries.get((slot as u32 as usize).wrapping_sub(1))?;
                if same::<FOLDED>(name, entry.as_bytes()) {
                    return Some(*id);
                }
            }
            at = (at + 1) & mask;
        }
        None
    }

    /// Looks `name` up exactly, without allocating.
    #[inline]
    pub(crate) fn get(&self, name: &str) -> Option<u32> {
        self.find::<false>(name.as_bytes())
    }

    /// Looks `name` up with ASCII letters compared case-insensitively (the names held are
    /// taken as lower case), without allocating.
    #[inline]
    pub(crate) fn get_folded(&self, name: &[u8]) -> Option<u32> {
        self.find::<true>(name)
    }

    /// The longest name held (0 when empty).
    #[inline]
    pub(crate) fn max_len(&self) -> usize {
        self.max_len
    }

    /// Every name in the table, in insertion order.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(n, _)| &**n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letter_bits_mark_only_lower_case_letters() {
        assert_eq!(
            letter_bits(word(&[0xE1, 0xFF, 0xFB, b'a', 0, 0, 0, 0])),
            word(&[0, 0, 0, 0x20, 0, 0, 0, 0])
        );
        let w = word(b"az-AZ.09");
        assert_eq!(letter_bits(w), word(&[0x20, 0x20, 0, 0, 0, 0, 0, 0]));
        let w = word(b"`{_@[azq");
        assert_eq!(letter_bits(w), word(&[0, 0, 0, 0, 0, 0x20, 0x20, 0x20]));
    }

    #[test]
    fn folded_comparison_is_exact_outside_letters() {
        for len in 1..40 {
            let name: String = "events.eu1-segmentapis.com.example.org"
                .chars()
                .cycle()
                .take(len)
                .collect();
            let upper = name.to_ascii_uppercase();
            assert!(same::<true>(upper.as_bytes(), name.as_bytes()), "{name}");
            assert!(same::<false>(name.as_bytes(), name.as_bytes()), "{name}");
            assert_eq!(same::<false>(upper.as_bytes(), name.as_bytes()), upper == name);
            // A control byte that differs from a digit, `-` or `.` only in its 0x20 bit is
            // never taken for it; nor is any other single-byte change.
            for i in 0..len {
                for b in [0x0D, 0x0E, 0x10, 0x19, b'_', b'@', b'`', b'{', 0xC0] {
                    let mut changed = name.clone().into_bytes();
                    if changed[i] == b || changed[i].eq_ignore_ascii_case(&b) {
                        continue;
                    }
                    changed[i] = b;
                    assert!(!same::<true>(&changed, name.as_bytes()), "{name} {i} {b}");
                }
            }
        }
    }

    #[test]
    fn many_names_each_found_and_nothing_else() {
        let mut map = NameMap::default();
        let names: Vec<String> = (0..5000).map(|i| format!("host-{i}.example.com")).collect();
        for (i, n) in names.iter().enumerate() {
            assert!(map.insert(n, i as u32));
        }
        for (i, n) in names.iter().enumerate() {
            assert_eq!(map.get(n), Some(i as u32));
            assert_eq!(map.get_folded(n.to_ascii_uppercase().as_bytes()), Some(i as u32));
            assert_eq!(map.get(&n.to_ascii_uppercase()), None);
        }
        assert_eq!(map.get("host-5000.example.com"), None);
        assert_eq!(map.get(""), None);
        assert!(map.max_probe < 64, "{}", map.max_probe);
        assert_eq!(NameMap::default().get("x"), None);
    }
}
