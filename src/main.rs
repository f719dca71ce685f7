//! The `regionfence` command: argument parsing and dispatch only; every command is a
//! library function in `regionfence::cli`.

use clap::{Parser, Subcommand};
use regionfence::cli::{self, Format};
use regionfence::graph::GraphFormat;
use std::path::PathBuf;
use std::process::ExitCode;

/// May this data go there? Answers regional data-residency questions against a policy.
#[derive(Parser)]
#[command(name = "regionfence", version, about)]
struct Args {
    /// The policy to use instead of the embedded default (Regional Segment, October 2022).
    #[arg(long, global = true)]
    policy: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Answer one question (JSON or YAML; from standard input when absent or `-`).
    /// Exit 0 on allow, 2 on deny, 1 on error.
    Ask {
        /// The question, e.g. '{"ask":"ingest","workspace":"eu-west","source":"ios","host":"events.eu1.segmentapis.com"}'.
        question: Option<String>,
    },
    /// Run policy test cases; exit 1 if any fails.
    Test {
        /// Case files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// `text` or `json`.
        #[arg(long, default_value = "text", value_parser = choice::<Format>)]
        format: Format,
    },
    /// Prove the policy's invariants over its whole question space; exit 3 if one is violated.
    Audit {
        /// `text` or `json`.
        #[arg(long, default_value = "text", value_parser = choice::<Format>)]
        format: Format,
    },
    /// Draw the policy's allowed flows, clustered by jurisdiction.
    Graph {
        /// `dot` or `mermaid`.
        #[arg(long, default_value = "mermaid", value_parser = choice::<GraphFormat>)]
        format: GraphFormat,
    },
    /// Check workspace configurations: every violation with its path and fix. Exit 0 when
    /// compliant, 2 on violations, 1 on error.
    CheckWorkspace {
        /// Workspace configuration files (YAML or JSON).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// `text` or `json`.
        #[arg(long, default_value = "text")]
        format: Format,
        /// Print the configuration with every fix applied, as a unified diff.
        #[arg(long)]
        fix: bool,
        /// With `--fix`: write the fixed configuration in place.
        #[arg(long, requires = "fix")]
        write: bool,
        /// Report only what the change from this configuration breaks and repairs.
        #[arg(long, conflicts_with = "fix")]
        against: Option<PathBuf>,
    },
    /// Load and validate a policy; exit 1 with the error if it does not load.
    Check {
        /// Policy files (the `--policy`, or the embedded default, when none).
        files: Vec<PathBuf>,
    },
}

/// Parses one of an enum's names, or says which names there are.
fn choice<T: std::str::FromStr + strum::VariantNames>(text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("expected one of: {}", T::VARIANTS.join(", ")))
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let policy = args.policy.as_deref();
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    let outcome = match args.command {
        Command::Ask { question } => cli::ask(
            policy,
            question.as_deref(),
            &mut std::io::stdin().lock(),
            &mut out,
            &mut err,
        ),
        Command::Test { files, format } => cli::test(policy, &files, format, &mut out, &mut err),
        Command::Audit { format } => cli::audit(policy, format, &mut out, &mut err),
        Command::Graph { format } => cli::graph(policy, format, &mut out, &mut err),
        Command::CheckWorkspace {
            files,
            format,
            fix,
            write,
            against,
        } => {
            let args = cli::CheckWorkspace {
                files,
                format,
                fix,
                write,
                against,
            };
            cli::check_workspace(policy, &args, &mut out, &mut err)
        }
        Command::Check { files } => cli::check(policy, &files, &mut out, &mut err),
    };
    ExitCode::from(outcome.code())
}
