//! `Grid<R, C, V>`: a dense table of values per pair of ids (source × region, destination ×
//! region), read in one multiply and one bounds check.

use super::TableId;
use std::marker::PhantomData;

/// A dense rows × columns table of values, rows and columns given by ids; a cell outside
/// the table reads as the default value.
#[derive(Debug, Clone)]
pub(crate) struct Grid<R, C, V> {
    columns: u32,
    /// Row by row: `rows × columns` cells.
    cells: Vec<V>,
    _ids: PhantomData<fn() -> (R, C)>,
}

/// A dense rows × columns table of booleans.
pub(crate) type BitTable<R, C> = Grid<R, C, bool>;

impl<R, C, V> Default for Grid<R, C, V> {
    fn default() -> Self {
        Grid {
            columns: 0,
            cells: Vec::new(),
            _ids: PhantomData,
        }
    }
}

impl<R: TableId, C: TableId, V: Copy + Default> Grid<R, C, V> {
    /// A table of `rows` × `columns` default values (empty when that many cells cannot be
    /// counted).
    pub(crate) fn new(rows: usize, columns: usize) -> Self {
        match (u32::try_from(columns), rows.checked_mul(columns)) {
            (Ok(width), Some(cells)) => Grid {
                columns: width,
                cells: vec![V::default(); cells],
                _ids: PhantomData,
            },
            _ => Grid::default(),
        }
    }

    /// The cell's position, `None` outside the table. Within its column bound, a cell's
    /// position `row × columns + column` is below the number of cells exactly when its row
    /// is within the row bound, and it cannot overflow: (2³² − 1)² + 2³² − 1 < 2⁶⁴.
    #[inline(always)]
    fn cell(&self, row: R, column: C) -> Option<usize> {
        let column = column.position();
        if column >= self.columns {
            return None;
        }
        usize::try_from(u64::from(row.position()) * u64::from(self.columns) + u64::from(column)).ok()
    }

    pub(crate) fn set(&mut self, row: R, column: C, value: V) {
        if let Some(cell) = self.cell(row, column).and_then(|at| self.cells.get_mut(at)) {
            *cell = value;
        }
    }

    #[inline]
    pub(crate) fn get(&self, row: R, column: C) -> V {
        self.cell(row, column)
            .and_then(|at| self.cells.get(at))
            .copied()
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{DestinationId, RegionId};

    #[test]
    fn a_cell_reads_what_was_set_and_outside_reads_the_default() {
        let mut grid: Grid<DestinationId, RegionId, u8> = Grid::new(3, 2);
        grid.set(DestinationId(2, 1), RegionId(1, 1), 7);
        grid.set(DestinationId(0, 1), RegionId(0, 1), 5);
        assert_eq!(grid.get(DestinationId(2, 1), RegionId(1, 1)), 7);
        assert_eq!(grid.get(DestinationId(0, 1), RegionId(0, 1)), 5);
        assert_eq!(grid.get(DestinationId(1, 1), RegionId(1, 1)), 0);
        // A column past the bound never reads the next row's cell.
        assert_eq!(grid.get(DestinationId(1, 1), RegionId(2, 1)), 0);
        assert_eq!(grid.get(DestinationId(3, 1), RegionId(0, 1)), 0);
        assert_eq!(grid.get(DestinationId(u32::MAX, 1), RegionId(1, 1)), 0);
        grid.set(DestinationId(3, 1), RegionId(0, 1), 9);
        grid.set(DestinationId(0, 1), RegionId(2, 1), 9);
        assert_eq!(grid.cells.iter().filter(|&&c| c == 9).count(), 0);
    }

    #[test]
    fn an_empty_grid_reads_the_default() {
        let grid: BitTable<DestinationId, RegionId> = Grid::new(0, 4);
        assert!(!grid.get(DestinationId(0, 1), RegionId(0, 1)));
        let grid: BitTable<DestinationId, RegionId> = Grid::default();
        assert!(!grid.get(DestinationId(0, 1), RegionId(0, 1)));
    }
}
