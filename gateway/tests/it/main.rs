//! The gateway's integration tests, as one test binary: each module drives a real gateway
//! over loopback (`common` starts one with a stub upstream). The runs with Segment's own
//! client libraries are `#[ignore]`d here and run by `.ci/run`.

mod common;
mod gateway;
mod hostile_bodies;
mod properties;
mod real_client;
mod reload;
mod signals;
mod tls;
