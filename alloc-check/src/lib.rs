//! Nothing but a home for `tests/no_alloc.rs`: a counting global allocator around every kind
//! of decision, at both layers. Run with `cargo test -p regionfence-alloc-check`.
