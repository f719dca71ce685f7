//! `regionfence eval`: a streaming audit of access logs. Reads questions as JSON lines,
//! writes one decision record per line in input order, and a summary; constant memory
//! whatever the input's size, optionally deciding on several threads.

use super::{fail, load_policy, Outcome};
use crate::limits::MAX_QUESTION_BYTES;
use crate::policy::Policy;
use crate::question::Question;
use crate::Decision;
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::Path;

/// Lines per chunk handed to a worker.
const CHUNK_LINES: usize = 4096;
/// Bytes after which a chunk is handed on even with fewer lines.
const CHUNK_BYTES: usize = 1024 * 1024;
/// The most threads `--threads` accepts.
pub const MAX_THREADS: usize = 256;

/// How `eval` runs.
pub struct EvalOptions<'a> {
    /// Threads deciding (1: the reading thread decides).
    pub threads: usize,
    /// Called after each chunk with the bytes read so far (a progress bar's feed).
    pub progress: &'a mut dyn FnMut(u64),
}

/// A run of lines read from the input, with each line's bounds.
#[derive(Default)]
struct Chunk {
    /// The 1-based number of its first line.
    first_line: u64,
    data: Vec<u8>,
    /// Per line: its bytes in `data`, or `None` when it was over the size limit.
    lines: Vec<Option<(usize, usize)>>,
}

/// What one chunk decided: its output records and its share of the summary.
#[derive(Default)]
struct Decided {
    output: Vec<u8>,
    summary: Summary,
}

/// Counts per question kind, verdict and first reason code, and of error lines.
#[derive(Default)]
struct Summary {
    counts: BTreeMap<(&'static str, &'static str, &'static str), u64>,
    decided: u64,
    errors: u64,
}

impl Summary {
    fn merge(&mut self, other: Summary) {
        for (key, n) in other.counts {
            *self.counts.entry(key).or_insert(0) += n;
        }
        self.decided += other.decided;
        self.errors += other.errors;
    }
}

/// An `ingest` line, read borrowing from the line where it can: the hot path of an access
/// log. Exactly the fields [`Question::Ingest`] takes, and no others.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IngestLine<'a> {
    #[serde(borrow)]
    ask: Cow<'a, str>,
    #[serde(borrow)]
    workspace: Cow<'a, str>,
    #[serde(borrow)]
    source: Cow<'a, str>,
    #[serde(borrow)]
    host: Cow<'a, str>,
}

/// Reads one line (without its `\n` and a `\r` before it) into `data`, keeping at most
/// `limit` bytes of it; `None` at the end of input, `Some(false)` when the line was longer
/// than `limit` (its bytes are dropped, the rest of the line skipped).
fn read_line(input: &mut dyn BufRead, data: &mut Vec<u8>, limit: usize) -> std::io::Result<Option<bool>> {
    let start = data.len();
    let mut fits = true;
    let mut any = false;
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        any = true;
        let newline = buf.iter().position(|&b| b == b'\n');
        let part = newline.map_or(buf, |i| buf.get(..i).unwrap_or(buf));
        if fits {
            if data.len() - start + part.len() > limit {
                fits = false;
                data.truncate(start);
            } else {
                data.extend_from_slice(part);
            }
        }
        let used = newline.map_or(buf.len(), |i| i + 1);
        input.consume(used);
        if newline.is_some() {
            break;
        }
    }
    if !any {
        return Ok(None);
    }
    if data.last() == Some(&b'\r') {
        data.pop();
    }
    Ok(Some(fits))
}

/// Reads up to a chunk of lines; `None` at the end of input.
fn read_chunk(input: &mut dyn BufRead, first_line: u64, bytes: &mut u64) -> std::io::Result<Option<Chunk>> {
    let mut chunk = Chunk {
        first_line,
        data: Vec::with_capacity(CHUNK_BYTES + MAX_QUESTION_BYTES),
        lines: Vec::with_capacity(CHUNK_LINES),
    };
    while chunk.lines.len() < CHUNK_LINES && chunk.data.len() < CHUNK_BYTES {
        let start = chunk.data.len();
        match read_line(input, &mut chunk.data, MAX_QUESTION_BYTES)? {
            None => break,
            Some(fits) => {
                *bytes += (chunk.data.len() - start) as u64 + 1;
                chunk.lines.push(fits.then_some((start, chunk.data.len())));
            }
        }
    }
    Ok((!chunk.lines.is_empty()).then_some(chunk))
}

/// Decides every line of a chunk.
fn decide_chunk(policy: &Policy, chunk: &Chunk) -> Decided {
    let mut decided = Decided {
        output: Vec::with_capacity(chunk.data.len() * 2),
        summary: Summary::default(),
    };
    for (offset, bounds) in chunk.lines.iter().enumerate() {
        let number = chunk.first_line + offset as u64;
        let line = match bounds {
            Some((start, end)) => chunk.data.get(*start..*end).unwrap_or_default(),
            None => {
                let message = format!("line over the limit of {MAX_QUESTION_BYTES} bytes");
                error_record(&mut decided, number, &message);
                continue;
            }
        };
        let Ok(text) = std::str::from_utf8(line) else {
            error_record(&mut decided, number, "line is not UTF-8");
            continue;
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        match decide_line(policy, text) {
            Ok((ask, decision)) => record(&mut decided, number, text, ask, &decision),
            Err(message) => error_record(&mut decided, number, &message),
        }
    }
    decided
}

/// Decides one JSON line: `ingest` on the borrowing fast path, anything else (and any
/// line the fast path refuses, for its precise error) as a [`Question`].
fn decide_line(policy: &Policy, text: &str) -> Result<(&'static str, Decision), String> {
    if let Ok(line) = crate::json::from_str::<IngestLine<'_>>(text) {
        if line.ask == "ingest" {
            return Ok(("ingest", policy.ingest(&line.workspace, &line.source, &line.host)));
        }
    }
    let question: Question =
        crate::json::from_str(text).map_err(|e| crate::json::syntax_error(&e).to_string())?;
    Ok((question.ask(), policy.decide(&question)))
}

fn record(decided: &mut Decided, number: u64, question: &str, ask: &'static str, decision: &Decision) {
    let verdict = if decision.is_allowed() { "allow" } else { "deny" };
    let out = &mut decided.output;
    // INVARIANT: `question` parsed as one JSON value, so it is echoed as one, its control and
    // bidirectional characters as `\u` escapes (the same value).
    let question = crate::text::escape_json_controls(question);
    let _ = write!(
        out,
        "{{\"line\":{number},\"question\":{question},\"decision\":\"{verdict}\",\"reasons\":["
    );
    let mut first = None;
    for (i, code) in decision.codes().enumerate() {
        first.get_or_insert(code.as_str());
        if i > 0 {
            out.push(b',');
        }
        out.push(b'"');
        out.extend_from_slice(code.as_str().as_bytes());
        out.push(b'"');
    }
    out.extend_from_slice(b"]}\n");
    let key = (ask, verdict, first.unwrap_or("none"));
    *decided.summary.counts.entry(key).or_insert(0) += 1;
    decided.summary.decided += 1;
}

fn error_record(decided: &mut Decided, number: u64, message: &str) {
    // Escaped and bounded as every message built from input is, then written as JSON.
    let message = serde_json::Value::from(crate::text::bounded(message, crate::text::MAX_MESSAGE_CHARS));
    let _ = writeln!(decided.output, "{{\"line\":{number},\"error\":{message}}}");
    decided.summary.errors += 1;
}

/// `regionfence eval`: decides every JSON line of `input`, writes the records to `out` in
/// input order and the summary to `err`. Success when every line was decided; failure when
/// a line was not a question (after the whole input) or on an I/O error.
pub fn eval(
    policy: Option<&Path>,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    err: &mut dyn Write,
    options: EvalOptions<'_>,
) -> Outcome {
    let policy = match load_policy(policy) {
        Ok(p) => p,
        Err(e) => return fail(err, &e),
    };
    let started = std::time::Instant::now();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
    let threads = options.threads.clamp(1, MAX_THREADS);
    let result = if threads == 1 {
        run_serial(&policy, input, &mut out, options.progress)
    } else {
        run_parallel(&policy, input, &mut out, threads, options.progress)
    };
    let summary = match result.and_then(|s| out.flush().map(|()| s)) {
        Ok(s) => s,
        // The reader went away (`eval … | head`): stop quietly, as every command does.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Outcome::Success,
        Err(e) => return fail(err, &format!("eval: {e}")),
    };
    let seconds = started.elapsed().as_secs_f64();
    let lines = summary.decided + summary.errors;
    let _ = writeln!(
        err,
        "eval: {lines} lines, {} decided, {} errors in {seconds:.2} s ({:.0} lines/s)",
        summary.decided,
        summary.errors,
        lines as f64 / seconds.max(1e-9)
    );
    for ((ask, verdict, reason), n) in &summary.counts {
        let _ = writeln!(err, "  {ask:<14} {verdict:<6} {reason:<36} {n}");
    }
    if summary.errors == 0 {
        Outcome::Success
    } else {
        Outcome::Failure
    }
}

fn run_serial(
    policy: &Policy,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(u64),
) -> std::io::Result<Summary> {
    let mut summary = Summary::default();
    let (mut next_line, mut bytes) = (1u64, 0u64);
    while let Some(chunk) = read_chunk(input, next_line, &mut bytes)? {
        next_line += chunk.lines.len() as u64;
        let decided = decide_chunk(policy, &chunk);
        out.write_all(&decided.output)?;
        summary.merge(decided.summary);
        progress(bytes);
    }
    Ok(summary)
}

/// The calling thread reads chunks and hands them to `threads` deciders; the decided chunks
/// come back in any order and the calling thread writes them in input order. At most
/// `4 × threads` chunks are read and not yet written, so memory stays constant.
fn run_parallel(
    policy: &Policy,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    threads: usize,
    progress: &mut dyn FnMut(u64),
) -> std::io::Result<Summary> {
    use std::sync::mpsc::channel;
    use std::sync::Mutex;
    let (to_workers, work) = channel::<(u64, Chunk)>();
    let work = Mutex::new(work);
    let (to_writer, done) = channel::<(u64, Decided)>();
    let outstanding_limit = threads as u64 * 4;
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (work, to_writer) = (&work, to_writer.clone());
            scope.spawn(move || loop {
                let next = work.lock().map(|w| w.recv());
                let Ok(Ok((seq, chunk))) = next else { return };
                if to_writer.send((seq, decide_chunk(policy, &chunk))).is_err() {
                    return;
                }
            });
        }
        drop(to_writer);
        let mut summary = Summary::default();
        let mut waiting: BTreeMap<u64, Decided> = BTreeMap::new();
        let (mut sent, mut written) = (0u64, 0u64);
        // Waits for one decided chunk and writes every chunk that is next in order.
        let mut collect = |written: &mut u64, summary: &mut Summary| -> std::io::Result<()> {
            let (seq, decided) = done
                .recv()
                .map_err(|_| std::io::Error::other("a deciding thread stopped"))?;
            waiting.insert(seq, decided);
            while let Some(decided) = waiting.remove(written) {
                out.write_all(&decided.output)?;
                summary.merge(decided.summary);
                *written += 1;
            }
            Ok(())
        };
        let (mut next_line, mut bytes) = (1u64, 0u64);
        let outcome = (|| {
            while let Some(chunk) = read_chunk(input, next_line, &mut bytes)? {
                next_line += chunk.lines.len() as u64;
                while sent - written >= outstanding_limit {
                    collect(&mut written, &mut summary)?;
                }
                to_workers
                    .send((sent, chunk))
                    .map_err(|_| std::io::Error::other("the deciding threads stopped"))?;
                sent += 1;
                progress(bytes);
            }
            while written < sent {
                collect(&mut written, &mut summary)?;
            }
            Ok(())
        })();
        // Closing the channel ends the deciding threads, whatever happened.
        drop(to_workers);
        outcome.map(|()| summary)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

    fn run(input: &str, threads: usize) -> (Outcome, String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut seen = 0u64;
        let outcome = eval(
            None,
            &mut input.as_bytes(),
            &mut out,
            &mut err,
            EvalOptions {
                threads,
                progress: &mut |b| seen = b,
            },
        );
        assert!(seen <= input.len() as u64 + 1);
        (
            outcome,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    const EU_OK: &str =
        r#"{"ask":"ingest","workspace":"eu-west","source":"ios","host":"events.eu1.segmentapis.com"}"#;
    const EU_US: &str = r#"{"ask": "ingest", "workspace": "eu-west", "source": "node-js", "host": "https://api.segment.io/v1"}"#;

    #[test]
    fn one_record_per_line_with_the_question_verdict_and_reasons() {
        let input = format!("{EU_OK}\n{EU_US}\r\n\n{{\"ask\":\"region-change\",\"workspace\":\"eu-west\",\"to\":\"us-west\"}}");
        let (outcome, out, err) = run(&input, 1);
        assert_eq!(outcome, Outcome::Success);
        let records: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(records.len(), 3, "the blank line is skipped: {out}");
        assert_eq!(records[0]["line"], 1);
        assert_eq!(records[0]["question"]["host"], "events.eu1.segmentapis.com");
        assert_eq!(records[0]["decision"], "allow");
        assert_eq!(records[0]["reasons"], serde_json::json!(["host-in-region"]));
        assert_eq!(records[1]["decision"], "deny");
        assert_eq!(records[1]["reasons"][0], "ingestion-outside-region");
        assert_eq!(records[2]["line"], 4);
        assert_eq!(records[2]["reasons"][0], "region-immutable");
        assert!(err.contains("3 lines, 3 decided, 0 errors"), "{err}");
        assert!(err.contains("ingestion-outside-region"), "{err}");
        assert!(err
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["ingest", "allow", "host-in-region", "1"]));
    }

    #[test]
    fn the_fast_path_decides_as_the_question_does() {
        let policy = Policy::default_policy();
        for line in [
            EU_OK,
            EU_US,
            r#"{"ask":"ingest","workspace":"eu-\u0077est","source":"ios","host":"EVENTS.eu1.segmentapis.com:443"}"#,
            r#"{"ask":"ingest","workspace":"mars","source":"ios","host":"x..y"}"#,
        ] {
            let (ask, fast) = decide_line(&policy, line).unwrap();
            let question = Question::parse(line).unwrap();
            assert_eq!(ask, question.ask());
            assert_eq!(fast, policy.decide(&question), "{line}");
        }
        // Fields the question does not take are refused on both paths.
        assert!(decide_line(
            &policy,
            r#"{"ask":"ingest","workspace":"eu-west","source":"ios","host":"a","x":1}"#
        )
        .is_err());
        assert!(decide_line(
            &policy,
            r#"{"ask":"ingest","workspace":"eu-west","source":"ios"}"#
        )
        .is_err());
    }

    #[test]
    fn a_bad_line_is_an_error_record_and_the_run_goes_on() {
        let long = format!(
            "{{\"ask\":\"ingest\",\"host\":\"{}\"}}",
            "a".repeat(MAX_QUESTION_BYTES)
        );
        let input = format!("not json\n{EU_OK}\n{{\"ask\":\"teleport\"}}\n{long}\n{EU_OK}\n\u{0}\u{ff}\n");
        let (outcome, out, err) = run(&input, 1);
        assert_eq!(outcome, Outcome::Failure, "errors make the exit code 1");
        let records: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let lines: Vec<_> = records
            .iter()
            .map(|r| (r["line"].as_u64().unwrap(), r.get("error").is_some()))
            .collect();
        assert_eq!(
            lines,
            [(1, true), (2, false), (3, true), (4, true), (5, false), (6, true)]
        );
        assert!(records[3]["error"].as_str().unwrap().contains("over the limit"));
        assert!(err.contains("6 lines, 2 decided, 4 errors"), "{err}");
    }

    #[test]
    fn threads_keep_the_input_order() {
        let mut input = String::new();
        let hosts = [
            "events.eu1.segmentapis.com",
            "api.segment.io",
            "in.au1.segmentapis.com",
            "bad host",
        ];
        for i in 0..(CHUNK_LINES * 5 + 17) {
            if i % 1000 == 999 {
                input.push_str("garbage\n");
            } else {
                let host = hosts[i % hosts.len()];
                input.push_str(&format!(
                    "{{\"ask\":\"ingest\",\"workspace\":\"eu-west\",\"source\":\"ios\",\"host\":\"{host}\"}}\n"
                ));
            }
        }
        let (o1, serial, e1) = run(&input, 1);
        let (o4, parallel, e4) = run(&input, 4);
        assert_eq!((o1, o4), (Outcome::Failure, Outcome::Failure));
        assert_eq!(serial, parallel);
        assert_eq!(serial.lines().count(), CHUNK_LINES * 5 + 17);
        let summary = |e: &str| e.lines().skip(1).map(str::to_string).collect::<Vec<_>>();
        assert_eq!(summary(&e1), summary(&e4));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Any mix of questions, near-questions and garbage: one record per non-blank line,
        /// numbered in order, the same on one thread and on several.
        #[test]
        fn every_line_gets_one_record_in_order(
            lines in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::sample::select(vec![
                        EU_OK.to_string(),
                        EU_US.to_string(),
                        r#"{"ask":"connect","workspace":"eu-west","warehouse":"redshift","ip":"3.251.148.97"}"#.into(),
                        r#"{"ask":"ingest","workspace":"eu-west","source":"ios","host":"a","extra":1}"#.into(),
                        String::new(),
                        "   ".into(),
                    ]),
                    "[ -~]{0,40}",
                    proptest::collection::vec(proptest::prelude::any::<u8>(), 0..30)
                        .prop_map(|b| String::from_utf8_lossy(&b).replace('\n', " ")),
                ],
                0..200,
            ),
            threads in 2usize..5,
        ) {
            let input = lines.join("\n");
            let (_, serial, _) = run(&input, 1);
            let (_, parallel, _) = run(&input, threads);
            proptest::prop_assert_eq!(&serial, &parallel);
            let numbers: Vec<u64> = serial
                .lines()
                .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["line"].as_u64().unwrap())
                .collect();
            let expected: Vec<u64> = lines
                .iter()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .map(|(i, _)| i as u64 + 1)
                .collect();
            proptest::prop_assert_eq!(numbers, expected);
        }
    }

    #[test]
    fn lines_are_read_within_the_limit() {
        let mut input: &[u8] = b"abc\r\nlonger line\nend";
        let mut data = Vec::new();
        assert_eq!(read_line(&mut input, &mut data, 5).unwrap(), Some(true));
        assert_eq!(data, b"abc");
        data.clear();
        assert_eq!(read_line(&mut input, &mut data, 5).unwrap(), Some(false));
        assert!(data.is_empty());
        assert_eq!(read_line(&mut input, &mut data, 5).unwrap(), Some(true));
        assert_eq!(data, b"end");
        assert_eq!(read_line(&mut input, &mut data, 5).unwrap(), None);
    }
}
