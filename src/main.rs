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
    /// The date the policy is evaluated at (`YYYY-MM-DD`): which exemptions apply. Default:
    /// today in UTC.
    #[arg(long, global = true, value_name = "DATE", value_parser = parse_date)]
    as_of: Option<regionfence::Date>,
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
        /// Print the decision record (one JSON line: the policy's digest, the question, the
        /// decision, its reason codes) instead of the explanation, for `replay`.
        #[arg(long)]
        record: bool,
    },
    /// Decide every question of two policies' question spaces under both and report every
    /// answer that differs. Exit 0, or 4 when the `--fail-on` condition is met.
    Diff {
        /// The old policy.
        old: PathBuf,
        /// The new policy.
        new: PathBuf,
        /// `text` or `json`.
        #[arg(long, default_value = "text", value_parser = choice::<Format>)]
        format: Format,
        /// Exit 4 when the new policy allows a question the old one denied (`new-allows`) or
        /// when any answer differs (`any-change`).
        #[arg(long, value_parser = choice::<cli::FailOn>)]
        fail_on: Option<cli::FailOn>,
    },
    /// Decide every decision record of a file (`ask --record` lines) again and report each
    /// that no longer matches. Exit 0 when all replay identically, 2 otherwise.
    Replay {
        /// The file of records, one JSON line each.
        file: PathBuf,
        /// Compare records made under another policy digest too, rather than refusing them.
        #[arg(long)]
        any_digest: bool,
        /// `text` or `json`.
        #[arg(long, default_value = "text", value_parser = choice::<Format>)]
        format: Format,
    },
    /// Run policy test cases; exit 1 if any fails.
    Test {
        /// Case files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// `text` or `json`.
        #[arg(long, default_value = "text", value_parser = choice::<Format>)]
        format: Format,
        /// Also report which cells of the policy's decision space the cases exercise.
        #[arg(long)]
        coverage: bool,
        /// With coverage: exit 1 when a policy's coverage is under PCT percent.
        #[arg(long, value_name = "PCT", value_parser = percentage)]
        min_coverage: Option<f64>,
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
    /// Import a workspace from Segment's Public API responses into a configuration document
    /// `check-workspace` reads; every value commented with where it came from, `unknown` where
    /// the API does not say. Exit 0 when written, 1 on error (nothing written).
    ImportSegment {
        /// The folder of responses: workspace.json, sources.json, destinations.json,
        /// warehouses.json (each one response or an array of pages), and optionally api-host.
        #[arg(required_unless_present = "api", conflicts_with = "api")]
        dir: Option<PathBuf>,
        /// Fetch from this Public API URL instead (token from SEGMENT_PUBLIC_API_TOKEN; builds
        /// with the `import-live` feature).
        #[arg(long, value_name = "URL")]
        api: Option<String>,
        /// The workspace's region (`eu-west`, `us-west`); else the API host's.
        #[arg(long)]
        region: Option<String>,
        /// Write the document here instead of standard output.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
        /// Write the sources' write keys, with the region, as the gateway's `write_keys`
        /// table (mode 0600).
        #[arg(long, value_name = "FILE")]
        gateway_keys: Option<PathBuf>,
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

/// Parses a percentage, 0 to 100.
fn percentage(text: &str) -> Result<f64, String> {
    match text.trim_end_matches('%').parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p),
        _ => Err("expected a percentage from 0 to 100".to_string()),
    }
}

/// Reads `--as-of`.
fn parse_date(text: &str) -> Result<regionfence::Date, String> {
    text.parse().map_err(|e: regionfence::DateError| e.to_string())
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
    if let Some(refusal) = unused_global(&args) {
        eprintln!("error: {refusal}");
        return ExitCode::from(1);
    }
    let as_of = args.as_of.unwrap_or_else(cli::today_utc);
    let outcome = cli::with_as_of(as_of, || run(args.policy.as_deref(), args.command));
    ExitCode::from(outcome.code())
}

/// Why a global option given to a command it means nothing to is refused (rather than
/// silently ignored): `--policy` where the command is given its policies as arguments, and
/// `--as-of` where no exemption is consulted.
fn unused_global(args: &Args) -> Option<&'static str> {
    match (&args.command, args.policy.is_some(), args.as_of.is_some()) {
        (Command::Diff { .. }, true, _) => {
            Some("`diff` compares the two policies it is given; `--policy` has no place in it")
        }
        (Command::Compile { .. }, true, _) => {
            Some("`compile` compiles the policy it is given; `--policy` has no place in it")
        }
        (Command::Compile { .. }, _, true) => Some(
            "`compile` writes the whole policy, every exemption with its dates; `--as-of` has no place in it",
        ),
        (Command::ImportSegment { .. }, true, _) | (Command::ImportSegment { .. }, _, true) => Some(
            "`import-segment` writes what the API says and decides nothing; `--policy` and `--as-of` \
             have no place in it (check the result with `check-workspace`, which takes them)",
        ),
        _ => None,
    }
}

/// Runs one command.
fn run(policy: Option<&std::path::Path>, command: Command) -> cli::Outcome {
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    match command {
        Command::Ask { question, record } => {
            let ask = if record { cli::ask_record } else { cli::ask };
            ask(
                policy,
                question.as_deref(),
                &mut std::io::stdin().lock(),
                &mut out,
                &mut err,
            )
        }
        Command::Diff {
            old,
            new,
            format,
            fail_on,
        } => cli::diff(&old, &new, format, fail_on, &mut out, &mut err),
        Command::Replay {
            file,
            any_digest,
            format,
        } => {
            let options = regionfence::replay::ReplayOptions { any_digest };
            cli::replay(policy, &file, options, format, &mut out, &mut err)
        }
        Command::Test {
            files,
            format,
            coverage,
            min_coverage,
        } => {
            if coverage || min_coverage.is_some() {
                cli::test_coverage(policy, &files, format, min_coverage, &mut out, &mut err)
            } else {
                cli::test(policy, &files, format, &mut out, &mut err)
            }
        }
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
        Command::ImportSegment {
            dir,
            api,
            region,
            output,
            gateway_keys,
        } => {
            let args = cli::ImportSegment {
                dir,
                api,
                region,
                output,
                gateway_keys,
            };
            cli::import_segment(&args, &mut out, &mut err)
        }
        Command::Check { files } => cli::check(policy, &files, &mut out, &mut err),
        Command::Compile { input, output } => cli::compile(&input, output.as_deref(), &mut out, &mut err),
        Command::Eval { file, threads } => eval(policy, file.as_deref(), threads.into(), &mut out, &mut err),
    }
}
