//! A tape of random choices that the generators read from. Proptest shrinks the tape
//! (shorter, smaller numbers), and every reader maps 0 — and a tape run dry — to the
//! simplest choice, so a shrunk tape is a small policy and a plain question.

pub struct Tape<'a> {
    data: &'a [u32],
    at: usize,
}

impl<'a> Tape<'a> {
    pub fn new(data: &'a [u32]) -> Self {
        Tape { data, at: 0 }
    }

    pub fn next(&mut self) -> u32 {
        let v = self.data.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        v
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            self.next() as usize % n
        }
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi + 1 - lo)
    }

    /// True with probability `percent`/100; false on a zero.
    pub fn percent(&mut self, percent: u32) -> bool {
        self.next() % 100 >= 100 - percent
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
                .map(|k| &pool[(start + k) % pool.len()])
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
}
