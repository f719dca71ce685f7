//! `POST /v1/decide`: one question (the JSON `regionfence ask` takes) or an array of them →
//! the explained decisions, decided wholly by the policy in force when the request came.

use crate::metrics::Metrics;
use crate::policy_cell::LoadedPolicy;
use regionfence::Question;

/// The most questions one request may ask.
pub const MAX_QUESTIONS: usize = 10_000;

/// Answers a decision request: `Ok(json)` with the explained decision (or an array of them,
/// in order), or `Err(message)` for a body that is not a question or an array of them.
pub fn answer(loaded: &LoadedPolicy, metrics: &Metrics, body: &[u8]) -> Result<String, String> {
    let text = std::str::from_utf8(body).map_err(|e| format!("body is not UTF-8: {e}"))?;
    let explain = |question: &Question| {
        let decision = loaded.policy.decide(question);
        metrics.decision(question.ask(), &decision);
        decision.explain(&loaded.policy, question)
    };
    if text.trim_start().starts_with('[') {
        let items: Vec<serde_json::Value> =
            serde_json::from_str(text).map_err(|e| format!("body is not a JSON array of questions: {e}"))?;
        if items.len() > MAX_QUESTIONS {
            return Err(format!(
                "{} questions, over the limit of {MAX_QUESTIONS}",
                items.len()
            ));
        }
        let questions = items
            .into_iter()
            .enumerate()
            .map(|(i, item)| {
                serde_json::from_value::<Question>(item).map_err(|e| format!("question {i}: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let answers: Vec<_> = questions.iter().map(explain).collect();
        serde_json::to_string(&answers).map_err(|e| e.to_string())
    } else {
        let question = Question::parse(text).map_err(|e| format!("question: {e}"))?;
        serde_json::to_string(&explain(&question)).map_err(|e| e.to_string())
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
}
