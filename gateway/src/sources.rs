//! Which source kind a payload comes from, by the library that built it
//! (`context.library.name`, as every Segment SDK sets it).

use std::collections::BTreeMap;

/// Segment's libraries and the source kind each one is: server libraries set the host by a
/// parameter, client libraries by their source's regional settings.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("analytics.js", "javascript"),
    ("analytics-next", "javascript"),
    ("@segment/analytics-next", "javascript"),
    ("analytics-ios", "ios"),
    ("analytics-swift", "ios"),
    ("analytics-android", "android"),
    ("analytics-kotlin", "android"),
    ("analytics-react-native", "react-native"),
    ("@segment/analytics-react-native", "react-native"),
    ("analytics-python", "server"),
    ("analytics-node", "server"),
    ("@segment/analytics-node", "server"),
    // `@segment/analytics-node`'s `User-Agent` (read by the edge's check, /v1/authz).
    ("analytics-node-next", "server"),
    ("analytics-ruby", "server"),
    ("analytics-go", "server"),
    ("analytics-java", "server"),
    ("analytics-php", "server"),
    ("analytics.NET", "server"),
    ("analytics-csharp", "server"),
];

/// The library → source kind table in force: the built-in one with the configuration's
/// additions, and the kind of anything else.
#[derive(Debug, Clone)]
pub struct SourceTable {
    by_library: BTreeMap<String, String>,
    default_kind: String,
}

impl SourceTable {
    /// The built-in table, overridden and extended by `extra`.
    pub fn new(extra: &BTreeMap<String, String>, default_kind: &str) -> SourceTable {
        let mut by_library: BTreeMap<String, String> = BUILT_IN
            .iter()
            .map(|(l, k)| (l.to_string(), k.to_string()))
            .collect();
        by_library.extend(extra.iter().map(|(l, k)| (l.clone(), k.clone())));
        SourceTable {
            by_library,
            default_kind: default_kind.to_string(),
        }
    }

    /// The source kind of a payload built by `library` (the default kind when the library
    /// is absent or not in the table).
    pub fn kind(&self, library: Option<&str>) -> &str {
        library
            .and_then(|l| self.by_library.get(l))
            .map_or(&self.default_kind, |k| k)
    }

    /// Every source kind the table can give, the default one included.
    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.by_library
            .values()
            .map(String::as_str)
            .chain(std::iter::once(self.default_kind.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_libraries_and_the_default() {
        let t = SourceTable::new(&BTreeMap::new(), "project");
        assert_eq!(t.kind(Some("analytics-python")), "server");
        assert_eq!(t.kind(Some("analytics-node")), "server");
        assert_eq!(t.kind(Some("analytics.js")), "javascript");
        assert_eq!(t.kind(Some("analytics-next")), "javascript");
        assert_eq!(t.kind(Some("analytics-node-next")), "server");
        assert_eq!(t.kind(Some("analytics-ios")), "ios");
        assert_eq!(t.kind(Some("analytics-android")), "android");
        assert_eq!(t.kind(Some("analytics-react-native")), "react-native");
        assert_eq!(t.kind(Some("ANALYTICS-PYTHON")), "project", "names are exact");
        assert_eq!(t.kind(Some("my-own-lib")), "project");
        assert_eq!(t.kind(None), "project");
    }

    #[test]
    fn configuration_extends_and_overrides() {
        let extra = BTreeMap::from([
            ("analytics-flutter".to_string(), "ios".to_string()),
            ("analytics.js".to_string(), "server".to_string()),
        ]);
        let t = SourceTable::new(&extra, "server");
        assert_eq!(t.kind(Some("analytics-flutter")), "ios");
        assert_eq!(t.kind(Some("analytics.js")), "server");
    }

    #[test]
    fn every_built_in_kind_is_a_kind_of_the_default_policy() {
        let policy = regionfence::Policy::default_policy();
        for (library, kind) in BUILT_IN {
            assert!(policy.source_id(kind).is_some(), "{library} → {kind}");
        }
    }
}
