//! `regionfence-gateway CONFIG`: serves until SIGTERM or SIGINT (finishing the requests in
//! flight), reloading its policy on SIGHUP.

use regionfence_gateway::{log, Config, Gateway};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(path), None) = (args.next(), args.next()) else {
        eprintln!("usage: regionfence-gateway CONFIG.yaml");
        return ExitCode::from(2);
    };
    if path == "--help" || path == "-h" {
        println!("usage: regionfence-gateway CONFIG.yaml\n\nSee the README's \"Gateway\" section.");
        return ExitCode::SUCCESS;
    }
    let config = match Config::load(std::path::Path::new(&path)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(config)) {
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
