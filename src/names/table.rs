//! The name → id hash table every look-up goes through: open addressing over one flat array
//! of slots that hold each name's length and its first and last eight bytes inline, so a
//! look-up hashes two words and most hits and misses resolve without reading a name's bytes
//! elsewhere; no allocation on look-up.
//!
//! A name's *key* is its length and two words: its first and last eight bytes (overlapping
//! when it is shorter than 16; packed from its first, middle and last bytes when shorter than
//! 8), which with the length determine every name of up to 16 bytes. Longer names keep their
//! middle words in a side array, compared only once the slot's key matched. The hash mixes
//! the two words with ASCII case folded (it ORs `0x20` into every byte), so a host written in
//! upper case lands in the slot of its listed lower-case form; the comparison that confirms a
//! slot is exact ([`NameMap::get`]) or ASCII case-insensitive in the letters of the listed
//! name ([`NameMap::get_folded`]), one word at a time, with each word's letter mask stored
//! beside it. If names that share their key words make a probe sequence long, the table
//! hashes every word of a name instead. The seed is drawn per table from the standard
//! library's random keys. Probing runs forward from a name's first slot and never wraps (the
//! array carries a tail past its power-of-two part), ending at an empty slot or at the end of
//! the array, so a look-up costs at most the longest run of occupied slots.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

/// Every byte's `0x20` bit: OR-ed into the hashed words, so ASCII case does not change a hash.
const FOLD: u64 = 0x2020_2020_2020_2020;
/// The fewest slots (power-of-two part) a non-empty table has.
const MIN_SLOTS: usize = 8;
/// More names than this sharing one key (up to ASCII case) make the table hash every word.
const MAX_SHARED_KEY: usize = 4;

/// A name's length and its two inline words (see the module's docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key {
    len: usize,
    first: u64,
    last: u64,
}

/// One slot of the table: a name's key, the letter masks of its two words, its id, and
/// where its middle words start.
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    first: u64,
    last: u64,
    /// `0x20` in every byte of `first` that is a lower-case ASCII letter.
    first_letters: u64,
    /// `0x20` in every byte of `last` that is a lower-case ASCII letter.
    last_letters: u64,
    /// The name's length + 1; `0` marks an empty slot.
    len: u32,
    id: u32,
    /// The index in [`NameMap::middle`] of the name's first middle word.
    middle: u32,
}

/// A table from names to dense ids, built once and only read afterwards.
#[derive(Debug, Clone)]
pub(crate) struct NameMap {
    /// Every name, its id, and the index of its first middle word in `middle`.
    entries: Vec<(Box<str>, u32, u32)>,
    /// A power-of-two part addressed by the hash, then a tail that probe runs spill into.
    slots: Vec<Slot>,
    /// Every held name's middle words (longer than 16 bytes), each with its letter mask.
    middle: Vec<(u64, u64)>,
    /// `64 - log2(power-of-two part)`: a hash's top bits pick its first slot.
    shift: u32,
    seed: u64,
    /// Whether the hash reads every word of a name, not just the two of its key.
    every_word: bool,
    /// The longest run of slots any present name's look-up visits.
    max_probe: usize,
    /// Length bounds of the names held (`min_len > max_len` when empty).
    min_len: usize,
    max_len: usize,
}

impl Default for NameMap {
    fn default() -> Self {
        NameMap {
            entries: Vec::new(),
            slots: Vec::new(),
            middle: Vec::new(),
            // With no slots, any first slot reads past the end: every look-up misses.
            shift: 63,
            seed: RandomState::new().hash_one(0x7265_6769_6f6e_u64),
            every_word: false,
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

/// A name's key: at most two loads of eight bytes (or two of four, or three bytes).
#[inline(always)]
fn key(bytes: &[u8]) -> Key {
    let len = bytes.len();
    let (first, last) = if let (Some(f), Some(l)) = (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
        (word(f), word(l))
    } else if let (Some(f), Some(l)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        let w = half(f) | (half(l) << 32);
        (w, w)
    } else if let (Some(&a), Some(&b)) = (bytes.first(), bytes.last()) {
        let middle = bytes.get(len / 2).copied().unwrap_or(0);
        let w = u64::from(a) | (u64::from(middle) << 8) | (u64::from(b) << 16);
        (w, w)
    } else {
        (0, 0)
    };
    Key { len, first, last }
}

/// The words of a name longer than 16 bytes between its first and last eight: whole words
/// from byte 8, then, if bytes remain before the last eight, the word that ends there.
/// Nothing for shorter names.
#[inline(always)]
fn middle_words(bytes: &[u8]) -> impl Iterator<Item = u64> + '_ {
    let n = bytes.len();
    let inner = if n > 16 {
        bytes.get(8..n - 8).unwrap_or_default()
    } else {
        &[]
    };
    let (words, rest) = inner.as_chunks::<8>();
    let overlap = if rest.is_empty() {
        None
    } else {
        bytes.get(n - 16..n - 8).and_then(|b| b.first_chunk::<8>())
    };
    words.iter().chain(overlap).map(word)
}

/// The number of [`middle_words`] of a name of `n` bytes.
#[inline(always)]
fn middle_count(n: usize) -> usize {
    n.saturating_sub(16).div_ceil(8)
}

/// Folds two words into one (a 64 × 64 → 128-bit multiply, halves XOR-ed).
#[inline(always)]
fn fold_multiply(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

/// The case-folded hash of a name's key: one multiply of its two words, folded.
#[inline(always)]
fn hash(seed: u64, k: Key) -> u64 {
    fold_multiply((k.first | FOLD) ^ seed, (k.last | FOLD) ^ K1 ^ (k.len as u64))
}

/// The case-folded hash of a name's key and its middle words.
#[inline]
fn hash_all(seed: u64, k: Key, bytes: &[u8]) -> u64 {
    middle_words(bytes).fold(hash(seed, k), |h, w| fold_multiply(h ^ (w | FOLD), K0 ^ seed))
}

/// Constants of the hash (digits of π).
const K0: u64 = 0x243f_6a88_85a3_08d3;
const K1: u64 = 0x1319_8a2e_0370_7344;

/// The `0x20` bits of the lower-case ASCII letters of a word.
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

/// Whether `candidate` is the word `name`, or — with `letters` its lower-case letters'
/// `0x20` bits — `name` once `candidate`'s upper-case letters there are lower-cased.
/// (`letters` is a subset of `name`'s bits, so with no letters this is equality.)
#[inline(always)]
fn word_eq(candidate: u64, name: u64, letters: u64) -> bool {
    candidate | letters == name
}

impl NameMap {
    /// Adds `name` with `id`; returns `false` (and keeps the first) if it was already there.
    /// The table doubles when more than half its power-of-two slots would be filled.
    pub(crate) fn insert(&mut self, name: &str, id: u32) -> bool {
        if self.get(name).is_some() {
            return false;
        }
        let middle = self.middle.len() as u32;
        self.middle
            .extend(middle_words(name.as_bytes()).map(|w| (w, letter_bits(w))));
        self.entries.push((name.into(), id, middle));
        self.min_len = self.min_len.min(name.len());
        self.max_len = self.max_len.max(name.len());
        let capacity = self.capacity();
        if self.entries.len() * 2 > capacity {
            self.rebuild(capacity.saturating_mul(2).max(MIN_SLOTS));
        } else if let Some(position) = self.entries.len().checked_sub(1) {
            if !self.place(position) {
                self.every_word = true;
                self.rebuild(capacity);
            }
        }
        true
    }

    /// The power-of-two part of the slots.
    fn capacity(&self) -> usize {
        if self.slots.is_empty() {
            0
        } else {
            1 << (64 - self.shift)
        }
    }

    /// Lays every entry out again over `capacity` slots (a power of two) and their tail.
    fn rebuild(&mut self, capacity: usize) {
        self.slots = vec![Slot::default(); capacity];
        self.shift = 64 - capacity.trailing_zeros();
        self.max_probe = 0;
        let mut few_share = true;
        for position in 0..self.entries.len() {
            few_share &= self.place(position);
        }
        if !few_share {
            self.every_word = true;
            self.rebuild(capacity);
        }
    }

    /// Puts the entry at `position` in the first free slot at or after its first slot,
    /// lengthening the tail if the run reaches the end. Returns `false` when, hashing two
    /// words, more than [`MAX_SHARED_KEY`] names now share this one's key (names with equal
    /// keys have equal hashes, so they all sit in the run it walks).
    fn place(&mut self, position: usize) -> bool {
        let Some((name, id, middle)) = self.entries.get(position) else {
            return true;
        };
        let bytes = name.as_bytes();
        let k = key(bytes);
        let slot = Slot {
            first: k.first,
            last: k.last,
            first_letters: letter_bits(k.first),
            last_letters: letter_bits(k.last),
            len: bytes.len() as u32 + 1,
            id: *id,
            middle: *middle,
        };
        let h = if self.every_word {
            hash_all(self.seed, k, bytes)
        } else {
            hash(self.seed, k)
        };
        let start = self.first_slot(h);
        let run = self.slots.iter().skip(start).take_while(|s| s.len != 0);
        let folded = |w: u64| w | FOLD;
        let sharing = run
            .clone()
            .filter(|s| {
                s.len == slot.len && folded(s.first) == folded(k.first) && folded(s.last) == folded(k.last)
            })
            .count();
        let run = run.count();
        let at = start + run;
        if at >= self.slots.len() {
            self.slots.resize(at + 1, Slot::default());
        }
        if let Some(cell) = self.slots.get_mut(at) {
            *cell = slot;
            self.max_probe = self.max_probe.max(run + 1);
        }
        self.every_word || sharing < MAX_SHARED_KEY
    }

    #[inline(always)]
    fn first_slot(&self, h: u64) -> usize {
        (h >> self.shift) as usize
    }

    #[inline(always)]
    fn find<const FOLDED: bool>(&self, name: &[u8]) -> Option<u32> {
        let n = name.len();
        if n < self.min_len || n > self.max_len {
            return None;
        }
        let k = key(name);
        let h = if self.every_word {
            self.hash_every_word(k, name)
        } else {
            hash(self.seed, k)
        };
        let tag = n as u32 + 1;
        for slot in self.slots.get(self.first_slot(h)..)? {
            if slot.len == 0 {
                return None;
            }
            let (first_letters, last_letters) = if FOLDED {
                (slot.first_letters, slot.last_letters)
            } else {
                (0, 0)
            };
            if slot.len == tag
                && word_eq(k.first, slot.first, first_letters)
                && word_eq(k.last, slot.last, last_letters)
                && (n <= 16 || self.same_middle(FOLDED, name, slot.middle))
            {
                return Some(slot.id);
            }
        }
        None
    }

    /// The hash of a name when the table hashes every word (see [`hash_all`]).
    #[inline(never)]
    fn hash_every_word(&self, k: Key, name: &[u8]) -> u64 {
        hash_all(self.seed, k, name)
    }

    /// Whether the middle words of `name` (longer than 16 bytes) are those stored from `at`:
    /// the `k`-th (from 1) starts at byte `8k`, the last at `n - 16` (see [`middle_words`]).
    #[inline(never)]
    fn same_middle(&self, folded: bool, name: &[u8], at: u32) -> bool {
        let n = name.len();
        let at = at as usize;
        let fold = if folded { u64::MAX } else { 0 };
        let Some(stored) = self.middle.get(at..at + middle_count(n)) else {
            return false;
        };
        let last = n.saturating_sub(16);
        stored.iter().enumerate().all(|(k, &(w, letters))| {
            let offset = (8 * (k + 1)).min(last);
            name.get(offset..)
                .and_then(|b| b.first_chunk::<8>())
                .is_some_and(|c| word_eq(word(c), w, letters & fold))
        })
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
        self.entries.iter().map(|(n, _, _)| &**n)
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
            let mut map = NameMap::default();
            assert!(map.insert(&name, 7));
            assert_eq!(map.get_folded(upper.as_bytes()), Some(7), "{name}");
            assert_eq!(map.get(&name), Some(7), "{name}");
            assert_eq!(map.get(&upper).is_some(), upper == name);
            // A control byte that differs from a digit, `-` or `.` only in its 0x20 bit is
            // never taken for it; nor is any other single-byte change.
            for i in 0..len {
                for b in [0x0D, 0x0E, 0x10, 0x19, b'_', b'@', b'`', b'{', 0xC0] {
                    let mut changed = name.clone().into_bytes();
                    if changed[i] == b || changed[i].eq_ignore_ascii_case(&b) {
                        continue;
                    }
                    changed[i] = b;
                    assert_eq!(map.get_folded(&changed), None, "{name} {i} {b}");
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

    #[test]
    fn names_sharing_their_key_words_make_the_table_hash_every_word() {
        let mut shared = NameMap::default();
        let mut apart = NameMap::default();
        for i in 0..2000u32 {
            assert!(shared.insert(&format!("host-{i:05}-middle-part.example.com"), i));
            assert!(apart.insert(&format!("{i:05}.example.com"), i));
        }
        assert!(shared.every_word);
        assert!(!apart.every_word);
        assert!(shared.max_probe < 64, "{}", shared.max_probe);
        for i in 0..2000u32 {
            let name = format!("host-{i:05}-middle-part.example.com");
            assert_eq!(shared.get(&name), Some(i));
            assert_eq!(shared.get_folded(name.to_ascii_uppercase().as_bytes()), Some(i));
            let near = format!("host-{i:05}-middle-pArt.example.com");
            assert_eq!(shared.get(&near), None);
            assert_eq!(shared.get_folded(near.as_bytes()), Some(i));
            let other = format!("host-{i:05}-middle-par-.example.com");
            assert_eq!(shared.get_folded(other.as_bytes()), None);
        }
    }

    #[test]
    fn a_growth_that_places_a_fifth_name_of_one_key_hashes_every_word() {
        // Equal length, first and last eight bytes: one key. The fifth insert grows the table,
        // so it is placed by the rebuild, which must notice the sharing itself.
        let mut map = NameMap::default();
        for i in 0..4 {
            assert!(map.insert(&format!("abcdefgh-{i}-stuvwxyz"), i));
            assert!(!map.every_word, "{i}");
        }
        assert!(map.insert("abcdefgh-4-stuvwxyz", 4));
        assert!(map.every_word);
        for i in 0..5 {
            assert_eq!(map.get(&format!("abcdefgh-{i}-stuvwxyz")), Some(i));
        }
    }

    #[test]
    fn the_table_is_at_most_half_full_and_no_larger_than_that_needs() {
        let mut map = NameMap::default();
        assert_eq!(map.capacity(), 0);
        for n in 1..=200usize {
            assert!(map.insert(&format!("name-{n}.example"), n as u32));
            assert_eq!(map.capacity(), (2 * n).next_power_of_two().max(MIN_SLOTS), "{n}");
        }
    }

    #[test]
    fn the_longest_probe_is_counted() {
        let mut map = NameMap::default();
        assert_eq!(map.max_probe, 0);
        assert!(map.insert("api.segment.io", 0));
        assert_eq!(map.max_probe, 1);
    }

    #[test]
    fn every_length_up_to_forty_and_the_empty_name() {
        let mut map = NameMap::default();
        let names: Vec<String> = (0..=40)
            .map(|n| "abcdefghij0123456789.-".chars().cycle().take(n).collect())
            .collect();
        for (i, n) in names.iter().enumerate() {
            assert!(map.insert(n, i as u32), "{n}");
            assert!(!map.insert(n, 99), "{n}");
        }
        for (i, n) in names.iter().enumerate() {
            assert_eq!(map.get(n), Some(i as u32), "{n}");
            assert_eq!(
                map.get_folded(n.to_ascii_uppercase().as_bytes()),
                Some(i as u32),
                "{n}"
            );
            // One byte changed anywhere is another name.
            for at in 0..n.len() {
                let mut changed = n.clone().into_bytes();
                changed[at] = b'x' ^ (changed[at] & 1);
                if changed == n.as_bytes() {
                    continue;
                }
                assert_eq!(map.get(std::str::from_utf8(&changed).unwrap()), None, "{n} {at}");
                assert_eq!(map.get_folded(&changed), None, "{n} {at}");
            }
        }
        assert_eq!(map.get(&"a".repeat(41)), None);
    }
}
