//! `POST /v1/decide`: one question (the JSON `regionfence ask` takes) or an array of them →
//! the explained decisions, decided wholly by the policy in force when the request came.
//!
//! A request's cost is bounded by its body: an array is read one question at a time (never
//! built as a JSON tree first), each answer written as it is decided, at most
//! [`MAX_QUESTIONS`] of them; and only the first [`HINTED_QUESTIONS`] decisions that name
//! something the policy does not know get the "did you mean" search of the policy's names.

use crate::metrics::{DecisionKey, Metrics};
use crate::policy_cell::LoadedPolicy;
use regionfence::{Hints, Question, Reason};
use serde::de::{self, IgnoredAny, SeqAccess, Visitor};
use std::fmt;

/// The most questions one request may ask.
pub const MAX_QUESTIONS: usize = 10_000;

/// The most decisions of one request whose unknown names are searched for a "did you mean"
/// hint. Past them, such a decision is explained with [`Hints::Skip`]: the same sentences
/// without the search (its cost is that of a search over every name of a kind, per unknown
/// name).
pub const HINTED_QUESTIONS: usize = 100;

/// Answers a decision request: `Ok(json)` with the explained decision (or an array of them,
/// in order), or `Err(message)` for a body that is not a question or an array of them.
pub fn answer(loaded: &LoadedPolicy, metrics: &Metrics, body: &[u8]) -> Result<String, String> {
    let text = std::str::from_utf8(body).map_err(|e| format!("body is not UTF-8: {e}"))?;
    if text.trim_start().starts_with('[') {
        // A first pass checks the array's syntax and counts it, in constant memory, so a
        // body over the limit or malformed is refused before any question is decided.
        let mut reader = serde_json::Deserializer::from_str(text);
        let count = de::Deserializer::deserialize_seq(&mut reader, Count)
            .and_then(|n| reader.end().map(|()| n))
            .map_err(|e| format!("body is not a JSON array of questions: {e}"))?;
        if count > MAX_QUESTIONS {
            return Err(format!(
                "more than {MAX_QUESTIONS} questions, over the limit of {MAX_QUESTIONS}"
            ));
        }
        let mut answers = Answers {
            loaded,
            out: Vec::new(),
            counted: Vec::new(),
            hinted: 0,
            failure: None,
        };
        let mut reader = serde_json::Deserializer::from_str(text);
        let read = de::Deserializer::deserialize_seq(&mut reader, &mut answers).and_then(|()| reader.end());
        if let Err(e) = read {
            return Err(answers
                .failure
                .take()
                .unwrap_or_else(|| format!("body is not a JSON array of questions: {e}")));
        }
        // Counted only once the whole request is answered, as a refused request counts none.
        metrics.decisions(&answers.counted);
        String::from_utf8(answers.out).map_err(|e| e.to_string())
    } else {
        let question = Question::parse(text).map_err(|e| format!("question: {e}"))?;
        let decision = loaded.policy.decide(&question);
        metrics.decision(question.ask(), &decision);
        serde_json::to_string(&decision.explain(&loaded.policy, &question)).map_err(|e| e.to_string())
    }
}

/// Counts an array's elements (reading each without building it), up to one past
/// [`MAX_QUESTIONS`].
struct Count;

impl<'de> Visitor<'de> for Count {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of questions")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        for n in 0..=MAX_QUESTIONS {
            if seq.next_element::<IgnoredAny>()?.is_none() {
                return Ok(n);
            }
        }
        // Over the limit: the rest is not read.
        Ok(MAX_QUESTIONS + 1)
    }
}

/// The answers to an array of questions, written as each question is read.
struct Answers<'a> {
    loaded: &'a LoadedPolicy,
    /// The JSON array of answers so far.
    out: Vec<u8>,
    /// The decisions made, to count once all are answered.
    counted: Vec<DecisionKey>,
    /// How many decisions had their unknown names searched for a hint.
    hinted: usize,
    /// Why the array was refused, in the answer's words (the parser's error, which this is
    /// carried in, adds a position of its own).
    failure: Option<String>,
}

impl Answers<'_> {
    fn fail<E: de::Error>(&mut self, message: String) -> Result<(), E> {
        self.failure = Some(message);
        Err(E::custom("refused"))
    }

    /// Decides one question and writes its explanation.
    fn answer(&mut self, question: &Question) -> Result<(), String> {
        let policy = &self.loaded.policy;
        let decision = policy.decide(question);
        self.counted
            .push(Metrics::decision_key(question.ask(), &decision));
        let mut hints = Hints::Search;
        if decision.reasons().any(Reason::searches_for_hint) {
            if self.hinted < HINTED_QUESTIONS {
                self.hinted += 1;
            } else {
                hints = Hints::Skip;
            }
        }
        serde_json::to_writer(&mut self.out, &decision.explain_with(policy, question, hints))
            .map_err(|e| e.to_string())
    }
}

impl<'de> Visitor<'de> for &mut Answers<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of questions")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.out.push(b'[');
        for i in 0..=MAX_QUESTIONS {
            if i == MAX_QUESTIONS {
                // One more element is one too many, whatever it is.
                return match seq.next_element::<IgnoredAny>() {
                    Ok(None) => break,
                    Ok(Some(_)) | Err(_) => self.fail(format!(
                        "more than {MAX_QUESTIONS} questions, over the limit of {MAX_QUESTIONS}"
                    )),
                };
            }
            let question = match seq.next_element::<Question>() {
                Ok(Some(question)) => question,
                Ok(None) => break,
                Err(e) => return self.fail(format!("question {i}: {e}")),
            };
            if i > 0 {
                self.out.push(b',');
            }
            if let Err(e) = self.answer(&question) {
                return self.fail(format!("question {i}: {e}"));
            }
        }
        self.out.push(b']');
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regionfence::Policy;

    fn ask(body: &str) -> Result<serde_json::Value, String> {
        let loaded = LoadedPolicy::new(Policy::default_policy());
        answer(&loaded, &Metrics::default(), body.as_bytes()).map(|s| serde_json::from_str(&s).unwrap())
    }

    #[test]
    fn one_question_gets_the_cli_answer() {
        let q = r#"{"ask":"resolve","workspace":"eu-west","source":"node-js"}"#;
        let json = ask(q).unwrap();
        let policy = Policy::default_policy();
        let question = Question::parse(q).unwrap();
        let expected = policy.decide(&question).explain(&policy, &question).to_json();
        assert_eq!(
            json,
            serde_json::from_str::<serde_json::Value>(&expected).unwrap()
        );
        assert_eq!(json["host"], "events.eu1.segmentapis.com");
    }

    #[test]
    fn an_array_is_answered_in_order() {
        let json = ask(
            r#"[{"ask":"ingest","workspace":"eu-west","source":"ios","host":"api.segment.io"},
                {"ask":"allowlist","workspace":"eu-west","warehouse":"redshift"},
                {"ask":"region-change","workspace":"eu-west","to":"us-west"}]"#,
        )
        .unwrap();
        let codes: Vec<_> = json
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["reasons"][0]["code"].clone())
            .collect();
        assert_eq!(
            codes,
            [
                "ingestion-outside-region",
                "allowlist-required",
                "region-immutable"
            ]
        );
        assert_eq!(ask("[]").unwrap(), serde_json::json!([]));
    }

    #[test]
    fn what_is_not_a_question_is_an_error_naming_it() {
        assert!(ask(r#"{"ask":"teleport"}"#).is_err());
        let e = ask(r#"[{"ask":"allowlist","workspace":"eu-west","warehouse":"redshift"}, {"ask": 1}]"#)
            .unwrap_err();
        assert!(e.starts_with("question 1"), "{e}");
        assert!(ask("[1,").is_err());
        let many = format!("[{}]", vec!["{}"; MAX_QUESTIONS + 1].join(","));
        assert!(ask(&many).unwrap_err().contains("limit"));
    }

    #[test]
    fn decisions_are_counted_by_kind() {
        let loaded = LoadedPolicy::new(Policy::default_policy());
        let metrics = Metrics::default();
        answer(
            &loaded,
            &metrics,
            br#"{"ask":"failover","from":"eu-west/dublin-a","to":"us-west/oregon-a"}"#,
        )
        .unwrap();
        let text = metrics.render(&loaded);
        assert!(
            text.contains("ask=\"failover\",verdict=\"deny\",reason=\"failover-across-regions\"} 1"),
            "{text}"
        );
    }

    #[test]
    fn only_the_first_questions_naming_unknowns_are_searched_for_hints() {
        let typo =
            |i: usize| format!(r#"{{"ask":"deliver","workspace":"eu-west","destination":"amplitudee{i}"}}"#);
        let good = r#"{"ask":"resolve","workspace":"eu-west","source":"node-js"}"#;
        let n = HINTED_QUESTIONS + 50;
        let mut questions: Vec<String> = (0..n).map(typo).collect();
        questions.insert(3, good.to_string());
        questions.push(good.to_string());
        let json = ask(&format!("[{}]", questions.join(","))).unwrap();
        let answers = json.as_array().unwrap();
        assert_eq!(answers.len(), n + 2);
        let policy = Policy::default_policy();
        let full = |text: &str| {
            let q = Question::parse(text).unwrap();
            serde_json::to_value(policy.decide(&q).explain(&policy, &q)).unwrap()
        };
        // The good questions are explained in full wherever they stand.
        assert_eq!(answers[3], full(good));
        assert_eq!(answers[n + 1], full(good));
        for (at, answer) in answers
            .iter()
            .enumerate()
            .filter(|(at, _)| *at != 3 && *at != n + 1)
        {
            let i = if at < 3 { at } else { at - 1 };
            let message = answer["reasons"][0]["message"].as_str().unwrap();
            let expected = full(&typo(i));
            assert_eq!(answer["decision"], "deny");
            assert_eq!(answer["reasons"][0]["code"], "unknown-destination");
            assert_eq!(
                answer.as_object().unwrap().keys().collect::<Vec<_>>(),
                expected.as_object().unwrap().keys().collect::<Vec<_>>()
            );
            if i < HINTED_QUESTIONS {
                assert_eq!(*answer, expected);
                assert!(message.contains("; did you mean `amplitude`?"), "{message}");
            } else {
                assert!(!message.contains("did you mean"), "{i}: {message}");
                assert!(message.contains(&format!("`amplitudee{i}`")), "{message}");
                // The library's own sentence, without the hint.
                let q = Question::parse(&typo(i)).unwrap();
                let skipped = policy.decide(&q).explain_with(&policy, &q, Hints::Skip);
                assert_eq!(*answer, serde_json::to_value(skipped).unwrap());
            }
        }
    }

    #[test]
    fn an_array_is_read_whole_and_strictly() {
        let q = r#"{"ask":"resolve","workspace":"eu-west","source":"node-js"}"#;
        for bad in [
            format!("[{q}] x"),
            format!("[{q},]"),
            format!("[{q}"),
            format!("[{q}, 1]"),
            "[[]]".to_string(),
        ] {
            assert!(ask(&bad).is_err(), "{bad}");
        }
        let e = ask(&format!("[{q}, {q}, {{\"ask\":\"resolve\"}}]")).unwrap_err();
        assert!(e.starts_with("question 2: "), "{e}");
        // Exactly the limit is answered.
        let many = format!("[{}]", vec![q; MAX_QUESTIONS].join(","));
        assert_eq!(ask(&many).unwrap().as_array().unwrap().len(), MAX_QUESTIONS);
        // A refused array counts no decision, even of the questions before the fault.
        let loaded = LoadedPolicy::new(Policy::default_policy());
        let metrics = Metrics::default();
        assert!(answer(&loaded, &metrics, format!("[{q}, 1]").as_bytes()).is_err());
        assert!(!metrics.render(&loaded).contains("ask=\"resolve\""));
    }
}
