//! The choice reader every generator reads from: a byte slice, the same for proptest (which
//! generates and shrinks a `Vec<u8>`) and for libFuzzer (which hands over its input).
//!
//! Every reader maps a zero byte — and a slice run dry — to the simplest choice, so a shrunk
//! input is a small policy and a plain question.

/// Reads choices off a byte slice; past its end every byte is `0`.
pub struct Choices<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Choices<'a> {
    /// A reader at the start of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Choices { data, at: 0 }
    }

    /// The next byte (`0` once the input is used up).
    pub fn byte(&mut self) -> u8 {
        let b = self.data.get(self.at).copied().unwrap_or(0);
        self.at = self.at.saturating_add(1);
        b
    }

    /// A number in `0..n` (0 when `n` is 0): one byte for `n` up to 256, two up to 65,536,
    /// four beyond.
    pub fn below(&mut self, n: usize) -> usize {
        let raw = match n {
            0 => return 0,
            1..=256 => usize::from(self.byte()),
            257..=65_536 => usize::from(u16::from_le_bytes([self.byte(), self.byte()])),
            _ => u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()]) as usize,
        };
        raw % n
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi + 1 - lo)
    }

    /// True with probability about `percent`/100; false on a zero.
    pub fn percent(&mut self, percent: u32) -> bool {
        u32::from(self.byte()) * 100 / 256 >= 100 - percent.min(100)
    }

    /// One of `items` (the first on a zero); `None` when there are none.
    pub fn pick<'b, T>(&mut self, items: &'b [T]) -> Option<&'b T> {
        let i = self.below(items.len());
        items.get(i)
    }

    /// `count` distinct entries of `pool` (fewer when the pool is smaller).
    pub fn distinct<T: Clone + PartialEq>(&mut self, pool: &[T], count: usize) -> Vec<T> {
        let mut out: Vec<T> = Vec::new();
        for _ in 0..count.min(pool.len()) {
            let start = self.below(pool.len());
            let free = (0..pool.len())
                .filter_map(|k| pool.get((start + k) % pool.len()))
                .find(|x| !out.contains(x));
            if let Some(x) = free {
                out.push(x.clone());
            }
        }
        out
    }

    /// A subset of `pool`, each entry kept with probability `percent`.
    pub fn subset<T: Clone>(&mut self, pool: &[T], percent: u32) -> Vec<T> {
        pool.iter().filter(|_| self.percent(percent)).cloned().collect()
    }

    /// How many input bytes are left.
    pub fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.at)
    }
}

/// `len` bytes that look random, the same for the same `seed` (SplitMix64): choices for
/// generators where no input is at hand, such as questions about a policy read from text.
pub fn pseudo_random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        out.extend(z.to_le_bytes().into_iter().take(len - out.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeros_and_an_empty_input_give_the_simplest_choices() {
        let mut c = Choices::new(&[]);
        assert_eq!(c.below(7), 0);
        assert_eq!(c.below(100_000), 0);
        assert!(!c.percent(99));
        assert_eq!(c.pick(&[1, 2]), Some(&1));
        assert_eq!(c.range(3, 9), 3);
        assert_eq!(c.remaining(), 0);
    }

    #[test]
    fn percent_is_roughly_a_percentage() {
        let all: Vec<u8> = (0..=255).collect();
        let mut c = Choices::new(&all);
        let yes = (0..256).filter(|_| c.percent(25)).count();
        assert!((60..=70).contains(&yes), "{yes}");
        let mut c = Choices::new(&all);
        assert_eq!((0..256).filter(|_| c.percent(100)).count(), 256);
    }

    #[test]
    fn wide_ranges_read_more_bytes() {
        let mut c = Choices::new(&[0xff, 0x01, 7]);
        assert_eq!(c.below(1000), 0x01ff);
        assert_eq!(c.below(10), 7);
    }

    #[test]
    fn pseudo_random_bytes_are_stable_and_spread() {
        assert_eq!(pseudo_random_bytes(1, 20), pseudo_random_bytes(1, 20));
        assert_ne!(pseudo_random_bytes(1, 20), pseudo_random_bytes(2, 20));
        assert_eq!(pseudo_random_bytes(3, 13).len(), 13);
    }
}
