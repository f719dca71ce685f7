//! Nothing but a home for tests that need a counting global allocator (which needs `unsafe
//! impl`): `tests/no_alloc.rs` proves that no decision allocates, at either layer;
//! `tests/gateway_memory.rs` bounds the peak memory of the gateway's tracking check by the
//! body's size. Run with `cargo test -p regionfence-alloc-check`.
