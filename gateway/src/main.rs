//! `regionfence-gateway CONFIG`: serves until SIGTERM or SIGINT (finishing the requests in
//! flight), reloading its policy on SIGHUP. `regionfence-gateway --upstream-stub ADDR`
//! serves a stand-in upstream instead (see `stub`).

use regionfence_gateway::{log, stub, Config, Gateway};
use std::process::ExitCode;

/// What `--help` prints.
const USAGE: &str = "\
regionfence-gateway: a regional ingestion gateway for Segment's tracking API.

Usage:
  regionfence-gateway CONFIG.yaml           serve as CONFIG.yaml says
  regionfence-gateway --upstream-stub ADDR  serve a stub upstream on ADDR (127.0.0.1:9000):
                                            every request answered 200 {\"success\":true}
                                            and printed on standard output
  regionfence-gateway --help | --version

Per tracking request (/v1/batch, /v1/track, ... and the browser's /v1/t, /v1/b, ...) it
finds the workspace's region from the write key and the source kind from the payload's
library, asks the policy's `ingest`, and forwards the request unchanged to `upstream` or
refuses it (421 with the host to use, for another region's workspace). It also serves
POST /v1/decide, /v1/authz (a check for nginx auth_request and Envoy ext_authz),
GET /metrics and /healthz, and reloads its policy on SIGHUP or POST /v1/reload; SIGTERM
or SIGINT stop it after the requests in flight. Logs go to standard error.

The configuration file (YAML): listen, upstream and write_keys (write key -> region) are
required; admin_listen, policy, hosts, libraries, default_source_kind, cors_origins and
limits are optional. See gateway/gateway.example.yaml and the README's \"Gateway\" section.

Exit status: 0 when stopped by a signal, 1 on a configuration or start error, 2 on a usage
error.
";

fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}\nusage: regionfence-gateway CONFIG.yaml | --upstream-stub ADDR | --help | --version");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    let args: Vec<&str> = match args.iter().map(|a| a.to_str()).collect::<Option<Vec<_>>>() {
        Some(args) => args,
        None => return usage_error("an argument is not UTF-8"),
    };
    match args.as_slice() {
        ["--help" | "-h"] => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        ["--version" | "-V"] => {
            println!("regionfence-gateway {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        ["--upstream-stub", addr] => match addr.parse() {
            Ok(addr) => block_on(stub::serve(addr)),
            Err(e) => usage_error(&format!(
                "--upstream-stub `{addr}`: {e} (give an address such as 127.0.0.1:9000)"
            )),
        },
        ["--upstream-stub"] => usage_error("--upstream-stub needs an address, such as 127.0.0.1:9000"),
        [option] if option.starts_with('-') => usage_error(&format!("unknown option `{option}`")),
        [path] => {
            let config = match Config::load(std::path::Path::new(path)) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(1);
                }
            };
            block_on(run(config))
        }
        [] => usage_error("no configuration file given"),
        _ => usage_error("too many arguments"),
    }
}

/// Runs `future` on a multi-threaded runtime: 0 when it ends well, 1 with its error.
fn block_on(future: impl std::future::Future<Output = Result<(), String>>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(future) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

async fn run(config: Config) -> Result<(), String> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut hangup = signal(SignalKind::hangup()).map_err(|e| e.to_string())?;
    let mut terminate = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
    let mut interrupt = signal(SignalKind::interrupt()).map_err(|e| e.to_string())?;
    let running = Gateway::new(config)?.start().await?;
    loop {
        tokio::select! {
            _ = hangup.recv() => {
                let _ = running.state().reload_in_background("sighup").await;
            }
            _ = terminate.recv() => break,
            _ = interrupt.recv() => break,
        }
    }
    log::line("stopping", &[]);
    running.shutdown().await;
    Ok(())
}
