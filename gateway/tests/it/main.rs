//! The gateway's integration tests, as one test binary: each module drives a real gateway
//! over loopback (`common` starts one with a stub upstream). The runs with Segment's own
//! client libraries are `#[ignore]`d here and run by `.ci/run`.

mod authz;
mod browser;
mod common;
mod gateway;
mod hostile_bodies;
mod nginx;
mod properties;
mod quickstart;
mod real_client;
mod reload;
mod signals;
mod tls;
