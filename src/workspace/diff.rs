//! A unified diff of two texts, line by line, with three lines of context.

/// The most cells the line alignment may use; past it, the changed middle is shown as one
/// replacement (correct, if less tight).
const MAX_CELLS: usize = 4_000_000;

/// `before` and `after` as a unified diff with `---`/`+++` headers naming `name`; empty when
/// they are equal.
///
/// # Examples
///
/// ```
/// let d = regionfence::workspace::unified_diff("f.yaml", "a\nb\nc\n", "a\nB\nc\n");
/// assert_eq!(d, "--- f.yaml\n+++ f.yaml (fixed)\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
/// ```
pub fn unified_diff(name: &str, before: &str, after: &str) -> String {
    if before == after {
        return String::new();
    }
    let a: Vec<&str> = before.split_inclusive('\n').collect();
    let b: Vec<&str> = after.split_inclusive('\n').collect();
    let ops = align(&a, &b);
    let mut out = format!("--- {name}\n+++ {name} (fixed)\n");
    // Group changes into hunks with 3 lines of context.
    let changed: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, op)| !matches!(op, Op::Same(..)))
        .map(|(i, _)| i)
        .collect();
    let mut i = 0;
    let (mut counted, mut a_start, mut b_start) = (0usize, 0usize, 0usize);
    while i < changed.len() {
        let first = changed.get(i).copied().unwrap_or(0);
        let mut last = first;
        let mut j = i + 1;
        while let Some(&next) = changed.get(j) {
            if next - last > 6 {
                break;
            }
            last = next;
            j += 1;
        }
        let start = first.saturating_sub(3);
        let end = (last + 4).min(ops.len());
        let hunk = ops.get(start..end).unwrap_or(&[]);
        // The line numbers run on from the previous hunk: each operation is counted once.
        for op in ops.get(counted..start).unwrap_or(&[]) {
            match op {
                Op::Same(..) => {
                    a_start += 1;
                    b_start += 1;
                }
                Op::Delete(_) => a_start += 1,
                Op::Insert(_) => b_start += 1,
            }
        }
        counted = counted.max(start);
        let a_len = hunk.iter().filter(|op| !matches!(op, Op::Insert(_))).count();
        let b_len = hunk.iter().filter(|op| !matches!(op, Op::Delete(_))).count();
        let range = |s: usize, l: usize| {
            if l == 0 {
                format!("{s},0")
            } else {
                format!("{},{l}", s + 1)
            }
        };
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            range(a_start, a_len),
            range(b_start, b_len)
        ));
        for op in hunk {
            let (mark, line) = match op {
                Op::Same(i) => (' ', a.get(*i).copied().unwrap_or("")),
                Op::Delete(i) => ('-', a.get(*i).copied().unwrap_or("")),
                Op::Insert(j) => ('+', b.get(*j).copied().unwrap_or("")),
            };
            out.push(mark);
            out.push_str(line);
            if !line.ends_with('\n') {
                out.push_str("\n\\ No newline at end of file\n");
            }
        }
        i = j;
    }
    out
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Same(usize),
    Delete(usize),
    Insert(usize),
}

/// Aligns two line lists: common prefix and suffix, and a longest common subsequence of the
/// middle when it is small enough.
fn align(a: &[&str], b: &[&str]) -> Vec<Op> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let a_rest = a.get(prefix..).unwrap_or(&[]);
    let b_rest = b.get(prefix..).unwrap_or(&[]);
    let suffix = a_rest
        .iter()
        .rev()
        .zip(b_rest.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let am = a_rest.get(..a_rest.len() - suffix).unwrap_or(&[]);
    let bm = b_rest.get(..b_rest.len() - suffix).unwrap_or(&[]);
    let mut ops: Vec<Op> = (0..prefix).map(Op::Same).collect();
    let (n, m) = (am.len(), bm.len());
    if (n + 1).saturating_mul(m + 1) <= MAX_CELLS {
        // cell(i, j): the longest common subsequence of am[i..] and bm[j..].
        let width = m + 1;
        let mut lcs = vec![0u32; (n + 1) * width];
        let cell = |lcs: &[u32], i: usize, j: usize| lcs.get(i * width + j).copied().unwrap_or(0);
        let same = |i: usize, j: usize| matches!((am.get(i), bm.get(j)), (Some(x), Some(y)) if x == y);
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                let value = if same(i, j) {
                    cell(&lcs, i + 1, j + 1) + 1
                } else {
                    cell(&lcs, i + 1, j).max(cell(&lcs, i, j + 1))
                };
                if let Some(slot) = lcs.get_mut(i * width + j) {
                    *slot = value;
                }
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && same(i, j) {
                ops.push(Op::Same(prefix + i));
                i += 1;
                j += 1;
            } else if i < n && (j == m || cell(&lcs, i + 1, j) >= cell(&lcs, i, j + 1)) {
                ops.push(Op::Delete(prefix + i));
                i += 1;
            } else {
                ops.push(Op::Insert(prefix + j));
                j += 1;
            }
        }
    } else {
        ops.extend((0..n).map(|i| Op::Delete(prefix + i)));
        ops.extend((0..m).map(|j| Op::Insert(prefix + j)));
    }
    ops.extend((0..suffix).map(|k| Op::Same(a.len() - suffix + k)));
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_apart_and_together() {
        let before: String = (1..=20).map(|i| format!("l{i}\n")).collect();
        let after = before.replace("l2\n", "L2\n").replace("l18\n", "");
        let d = unified_diff("x", &before, &after);
        assert!(d.contains("@@ -1,5 +1,5 @@\n l1\n-l2\n+L2\n l3\n"), "{d}");
        assert!(
            d.contains("@@ -15,6 +15,5 @@\n l15\n l16\n l17\n-l18\n l19\n l20\n"),
            "{d}"
        );
        assert_eq!(unified_diff("x", "a\n", "a\n"), "");
    }

    #[test]
    fn a_pure_insertion_and_a_pure_deletion() {
        assert_eq!(
            unified_diff("x", "a\nc\n", "a\nb\nc\n"),
            "--- x\n+++ x (fixed)\n@@ -1,2 +1,3 @@\n a\n+b\n c\n"
        );
        assert_eq!(
            unified_diff("x", "a\nb\nc\n", "a\nc\n"),
            "--- x\n+++ x (fixed)\n@@ -1,3 +1,2 @@\n a\n-b\n c\n"
        );
    }

    #[test]
    fn the_alignment_is_tight_up_to_its_cell_budget() {
        // A first and a last line shared, and between them a middle of k old and k new lines
        // that differ at both ends and share every other line inside: aligned line by line
        // while (k + 1)² cells fit the budget, shown as one replacement past it.
        let shared = |i: usize, k: usize| i % 2 == 1 && i + 1 < k;
        let ops_for = |k: usize| {
            let side = |tag: &str| -> Vec<String> {
                let middle = (0..k).map(|i| {
                    if shared(i, k) {
                        format!("s{i}\n")
                    } else {
                        format!("{tag}{i}\n")
                    }
                });
                std::iter::once("first\n".to_string())
                    .chain(middle)
                    .chain(std::iter::once("last\n".to_string()))
                    .collect()
            };
            let (a, b) = (side("a"), side("b"));
            let a: Vec<&str> = a.iter().map(String::as_str).collect();
            let b: Vec<&str> = b.iter().map(String::as_str).collect();
            align(&a, &b)
        };
        let same = |ops: &[Op]| ops.iter().filter(|op| matches!(op, Op::Same(_))).count();
        let fits = (1..)
            .take_while(|&k: &usize| (k + 1) * (k + 1) <= MAX_CELLS)
            .last()
            .unwrap();
        assert_eq!((fits + 1) * (fits + 1), MAX_CELLS);
        assert_eq!(
            same(&ops_for(fits)),
            2 + (0..fits).filter(|&i| shared(i, fits)).count()
        );
        assert_eq!(same(&ops_for(fits + 1)), 2);
    }

    #[test]
    fn many_hunks_number_their_lines_from_the_start() {
        let before: String = (1..=100).map(|i| format!("l{i}\n")).collect();
        let mut after = before.clone();
        for i in (10..=90).step_by(20) {
            after = after.replace(&format!("l{i}\n"), &format!("l{i}\nnew{i}\n"));
        }
        let d = unified_diff("x", &before, &after);
        // The k-th insertion (from 0) sits after line i of the old text, and k lines lower in
        // the new one.
        for (k, i) in (10..=90).step_by(20).enumerate() {
            let header = format!("@@ -{},6 +{},7 @@\n", i - 2, i - 2 + k);
            assert!(d.contains(&header), "{header} in {d}");
        }
    }
}
