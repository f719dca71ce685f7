//! Nothing but a home for tests that need a counting global allocator (which needs `unsafe
//! impl`): `tests/no_alloc.rs` proves that no decision allocates, at either layer;
//! `tests/gateway_memory.rs` bounds the peak memory of the gateway's tracking check and of
//! `/v1/decide` by the body's size; `tests/import_memory.rs` that of `import-segment` by the
//! API responses' size. Run with `cargo test -p regionfence-alloc-check`.
//!
//! The counting allocator the memory tests share lives here: [`Counting`] and [`peak`].
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

/// No thread may hold more.
const CAP: usize = 512 * 1024 * 1024;

/// A global allocator that tracks the live bytes of each thread and their peak; a test binary
/// declares it its `#[global_allocator]`. A thread whose live bytes would pass `CAP` gets no
/// more memory (the process aborts), so a regression fails without taking the machine down.
pub struct Counting;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn grow(by: usize) -> bool {
    LIVE.try_with(|live| {
        let now = live.get().saturating_add(by);
        if now > CAP {
            return false;
        }
        live.set(now);
        PEAK.with(|p| p.set(p.get().max(now)));
        true
    })
    .unwrap_or(true)
}

fn shrink(by: usize) {
    let _ = LIVE.try_with(|live| live.set(live.get().saturating_sub(by)));
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !grow(layout.size()) {
            return std::ptr::null_mut();
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if !grow(layout.size()) {
            return std::ptr::null_mut();
        }
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        shrink(layout.size());
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Counted as a move: the new block is live before the old one is freed.
        if !grow(new_size) {
            return std::ptr::null_mut();
        }
        let moved = unsafe { System.realloc(ptr, layout, new_size) };
        if moved.is_null() {
            shrink(new_size);
        } else {
            shrink(layout.size());
        }
        moved
    }
}

/// The most bytes live at once on this thread while `f` ran, above what was live before.
pub fn peak<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let before = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(before));
    let value = black_box(f());
    (PEAK.with(Cell::get) - before, value)
}
