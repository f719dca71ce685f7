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
    /// Decide a stream of questions, one JSON object a line (an access log); write one
    /// record a line in input order and a summary on standard error. Exit 1 if a line was
    /// not a question.
    Eval {
        /// The log (standard input when absent or `-`).
        file: Option<PathBuf>,
        /// Threads deciding in parallel (the output keeps the input's order).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=256))]
        threads: u16,
    },
    /// Compile a YAML policy to its compiled form (JSON in a versioned envelope), which
    /// loads without the YAML parser; exit 1 with the error if it does not load.
    Compile {
        /// The YAML policy.
        input: PathBuf,
        /// Where to write the compiled form (standard output when absent).
        #[arg(short, long)]
        output: Option<PathBuf>,
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

/// Runs `eval` on a file or standard input, with a progress bar when standard error is a
/// terminal (and nothing extra when it is not).
fn eval(
    policy: Option<&std::path::Path>,
    file: Option<&std::path::Path>,
    threads: usize,
    out: &mut dyn std::io::Write,
    err: &mut dyn std::io::Write,
) -> cli::Outcome {
    use std::io::{BufReader, IsTerminal};
    let (mut input, size): (Box<dyn std::io::BufRead>, Option<u64>) = match file {
        Some(path) if path != std::path::Path::new("-") => match std::fs::File::open(path) {
            Ok(f) => {
                let size = f.metadata().ok().map(|m| m.len());
                (Box::new(BufReader::with_capacity(1 << 20, f)), size)
            }
            Err(e) => {
                let _ = writeln!(err, "error: {}: {e}", path.display());
                return cli::Outcome::Failure;
            }
        },
        _ => (
            Box::new(BufReader::with_capacity(1 << 20, std::io::stdin().lock())),
            None,
        ),
    };
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = match size {
            Some(size) => indicatif::ProgressBar::new(size).with_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            ),
            None => indicatif::ProgressBar::new_spinner().with_style(
                indicatif::ProgressStyle::with_template("{spinner} {bytes} {bytes_per_sec}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            ),
        };
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(4));
        bar
    });
    let mut progress = |bytes: u64| {
        if let Some(bar) = &bar {
            bar.set_position(bytes);
        }
    };
    let options = cli::EvalOptions {
        threads,
        progress: &mut progress,
    };
    let outcome = cli::eval(policy, &mut input, out, err, options);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    outcome
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
        Command::Compile { input, output } => cli::compile(&input, output.as_deref(), &mut out, &mut err),
        Command::Eval { file, threads } => eval(policy, file.as_deref(), threads.into(), &mut out, &mut err),
    };
    ExitCode::from(outcome.code())
}
