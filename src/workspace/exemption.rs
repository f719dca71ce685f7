//! Exemption templates: for a violation no edit fixes while keeping the entry (a destination
//! with no endpoint where the region may deliver, a store in no place the region may keep
//! it), the policy entry that would allow exactly that flow, with its flow filled in and
//! placeholders for what only a person can say.

use crate::document::ExemptedFlow;
use crate::policy::Policy;

/// The YAML of an exemption of `region` for `flow`, named after the workspace and the
/// entry, to add under the policy's `exemptions:`.
pub(crate) fn template(workspace: &str, entry: &str, region: &str, flow: ExemptedFlow<'_>) -> String {
    let mut lines = vec![
        "exemptions:".to_string(),
        format!("  - id: {}", id(workspace, entry)),
        format!("    region: {region}"),
    ];
    match flow {
        ExemptedFlow::Deliver {
            destination,
            endpoint,
        } => {
            lines.push(format!("    destination: {destination}"));
            if let Some(endpoint) = endpoint {
                lines.push(format!("    endpoint: {endpoint}"));
            }
        }
        ExemptedFlow::Store { store, cloud_region } => {
            lines.push(format!("    store: {store}"));
            lines.push(format!("    cloud_region: {cloud_region}"));
        }
        ExemptedFlow::Connect { warehouse, cidr } => {
            lines.push(format!("    warehouse: {warehouse}"));
            lines.push(format!("    cidr: {cidr}"));
        }
    }
    lines.push("    justification: <why this flow may leave the region>".to_string());
    lines.push("    owner: <who answers for it>".to_string());
    lines.push("    expires: <YYYY-MM-DD, the last day it applies>".to_string());
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

/// The endpoint id a delivery goes through: the one written (an id or a host), else the
/// destination's first.
pub(crate) fn endpoint_id<'p>(
    policy: &'p Policy,
    destination: &str,
    written: Option<&str>,
) -> Option<&'p str> {
    let d = policy.destinations.by_name(destination)?;
    match written {
        Some(raw) => policy.endpoint(d, policy.endpoint_of(d, raw)?),
        None => policy.destinations.get(d)?.endpoints.first(),
    }
    .map(|e| &*e.name)
}

/// An exemption id from the workspace's name and the entry's id: lower-case words of
/// `[a-z0-9]` joined by `-`, at most 128 bytes.
fn id(workspace: &str, entry: &str) -> String {
    let mut out = String::new();
    for word in format!("{workspace}-{entry}")
        .to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if out.len() + word.len() + 1 > 128 {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out.push_str("exemption");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_valid_policy_ids() {
        assert_eq!(id("Acme EU", "ga_1"), "acme-eu-ga-1");
        assert_eq!(id("", "\u{202e}"), "exemption");
        assert!(id(&"x".repeat(500), "y").len() <= 128);
        // Words are kept while they fit: exactly 128 bytes is kept, one more leaves the
        // last word out.
        let w = "a".repeat(63);
        assert_eq!(id(&w, &w), format!("{w}-{w}"));
        assert_eq!(id(&format!("{w}b"), &w), format!("{w}b-{w}"));
        assert_eq!(id(&format!("{w}bc"), &w), format!("{w}bc"));
    }

    #[test]
    fn a_template_with_its_placeholders_filled_in_loads() {
        let flow = ExemptedFlow::Deliver {
            destination: "google-analytics",
            endpoint: Some("us"),
        };
        let text = template("acme-eu", "ga", "eu-west", flow)
            .replace("<why this flow may leave the region>", "a contract")
            .replace("<who answers for it>", "dpo@example.com")
            .replace("<YYYY-MM-DD, the last day it applies>", "2026-12-31");
        let policy = Policy::from_yaml_with(
            &format!("{}{text}", crate::DEFAULT_POLICY_YAML),
            &crate::CompileOptions::new().as_of("2026-12-31".parse().unwrap()),
        )
        .unwrap();
        let d = policy.deliver("eu-west", "google-analytics", Some("us"));
        assert!(d.is_allowed());
        assert_eq!(policy.exemption_name(d.exemption().unwrap()), "acme-eu-ga");
    }
}
