//! A regional ingestion gateway for Segment's tracking API, built on regionfence.
//!
//! It listens for the tracking API (`/v1/batch`, `/v1/track`, …), finds each request's
//! workspace region from its write key and its source kind from the payload's
//! `context.library.name`, asks the policy's `ingest`, and either forwards the request
//! unchanged to the upstream or refuses it (421 for a workspace of another region, with the
//! host it should use). The same server answers regionfence questions over HTTP
//! (`POST /v1/decide`), reports Prometheus metrics, and reloads its policy atomically on
//! SIGHUP or `POST /v1/reload`. See the repository README's "Gateway" section.

#![forbid(unsafe_code)]

pub mod authz;
pub mod body;
pub mod config;
pub mod cors;
pub mod decide_api;
pub mod gzip;
pub mod inspect;
pub mod log;
pub mod metrics;
pub mod policy_cell;
pub mod proxy;
pub mod server;
pub mod sources;
pub mod stub;
pub mod tls;
pub mod tracking;
pub mod write_key;

pub use config::Config;
pub use policy_cell::{LoadedPolicy, PolicyCell};
pub use server::{Gateway, Running};
