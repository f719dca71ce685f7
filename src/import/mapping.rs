//! What each API value means for the check: a source's kind, a destination's endpoint from
//! its own EU setting, a warehouse's cloud region from its connection settings, and a
//! workspace's region from the API host. Where the API does not say, the answer is
//! [`Fact::Unknown`] with the reason — never a guess.

use super::api::{Destination, Source, Warehouse};
use super::json::Json;

/// A value for the document, or why the API does not give one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fact {
    /// The value, and the setting it was read from (`settings.endpoint`), with a note.
    Known {
        value: String,
        from: String,
        note: String,
    },
    /// Nothing to write: the document's default is the truth (a destination with one
    /// endpoint).
    Absent,
    /// The API does not carry it: why.
    Unknown { reason: String },
}

fn known(value: &str, from: &str, note: String) -> Fact {
    Fact::Known {
        value: value.to_string(),
        from: from.to_string(),
        note,
    }
}

fn unknown(reason: String) -> Fact {
    Fact::Unknown { reason }
}

/// The processing region of a Public API host: `api.segmentapis.com` serves US West
/// workspaces, `eu1.api.segmentapis.com` EU West ones. A URL is read for its host.
///
/// ```
/// use regionfence::import::region_of_api_host;
/// assert_eq!(region_of_api_host("https://eu1.api.segmentapis.com"), Some("eu-west"));
/// assert_eq!(region_of_api_host("api.segmentapis.com"), Some("us-west"));
/// assert_eq!(region_of_api_host("http://127.0.0.1:8080"), None);
/// ```
pub fn region_of_api_host(url: &str) -> Option<&'static str> {
    match host_of(url)?.as_str() {
        "api.segmentapis.com" => Some("us-west"),
        "eu1.api.segmentapis.com" => Some("eu-west"),
        _ => None,
    }
}

/// The lower-cased host of a URL or host name (scheme, userinfo, port and path removed), when
/// it is a plausible DNS name.
pub(crate) fn host_of(url: &str) -> Option<String> {
    let rest = url.trim();
    let rest = rest.split_once("://").map_or(rest, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = host.split(':').next()?.trim_end_matches('.');
    let ok = !host.is_empty()
        && host.len() <= crate::limits::MAX_HOST_NAME_BYTES
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && !host.starts_with(['-', '.']);
    ok.then(|| host.to_ascii_lowercase())
}

// ---------------------------------------------------------------------------------------
// Sources

/// How a source reaches Segment, from its catalog metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SourceSide {
    /// A client SDK (website, mobile): its ingestion region is set per source in Regional
    /// Settings.
    Client,
    /// A server library: the `host` is set in the code that uses it.
    Server,
    /// Run by Segment (cloud object or cloud event source).
    Cloud,
    /// The catalog's categories name none of these.
    Other,
}

impl SourceSide {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SourceSide::Client => "client",
            SourceSide::Server => "server",
            SourceSide::Cloud => "cloud",
            SourceSide::Other => "unrecognised",
        }
    }
}

/// The side of a source: `isCloudEventSource`, then `metadata.categories` (the catalog's
/// `Website`, `Mobile`, `Server`, `Cloud App`, …).
pub(crate) fn source_side(source: &Source) -> SourceSide {
    if source.cloud_event {
        return SourceSide::Cloud;
    }
    let has = |names: &[&str]| {
        source
            .categories
            .iter()
            .any(|c| names.iter().any(|n| c.eq_ignore_ascii_case(n)))
    };
    if has(&["Website", "Mobile", "Ott"]) {
        SourceSide::Client
    } else if has(&["Server"]) {
        SourceSide::Server
    } else if has(&["Cloud App", "Cloud-App", "Cloud Apps"]) {
        SourceSide::Cloud
    } else {
        SourceSide::Other
    }
}

/// The ingestion facts of a source the document needs: `(ingestion, host)`.
pub(crate) fn source_facts(source: &Source) -> (Fact, Fact) {
    const NO_REGION: &str =
        "the Public API does not return a source's Data Ingestion Region: confirm it in Settings > Regional Settings";
    const NO_HOST: &str =
        "the Public API does not know the `host` the library is configured with: confirm it in the code that sends";
    match source_side(source) {
        SourceSide::Client => (unknown(NO_REGION.into()), Fact::Absent),
        SourceSide::Server => (Fact::Absent, unknown(NO_HOST.into())),
        SourceSide::Cloud => (Fact::Absent, Fact::Absent),
        SourceSide::Other => (
            unknown(format!(
                "the catalog's categories of `{}` say neither client, server nor cloud: {NO_REGION}",
                crate::text::excerpt(&source.slug)
            )),
            Fact::Absent,
        ),
    }
}

// ---------------------------------------------------------------------------------------
// Destinations

/// Destinations with a regional (EU) endpoint in Segment's catalog (2022 table and current
/// catalog) whose setting this importer does not read: their endpoint is `unknown`.
const REGIONAL_WITHOUT_SETTING: &[&str] = &[
    "slack",
    "ab-smartly",
    "actions-attio",
    "aws-s3",
    "actions-braze-cohorts",
    "actions-braze-web",
    "customer-io",
    "actions-customerio",
    "actions-dynamic-yield-audiences",
    "actions-emarsys",
    "fullstory",
    "actions-hubspot-web",
    "actions-intercom-web",
    "iterable",
    "actions-jimo",
    "actions-liveramp-audiences",
    "actions-moengage",
    "new-relic",
    "actions-segment",
];

/// The setting a destination's endpoint is read from.
struct Setting<'a> {
    key: &'static str,
    value: Option<&'a Json>,
}

fn setting<'a>(settings: &'a Json, key: &'static str) -> Setting<'a> {
    Setting {
        key,
        value: settings.get(key).filter(|v| **v != Json::Null),
    }
}

fn path(key: &str) -> String {
    format!("settings.{key}")
}

/// A string setting's value; an empty string counts as not set.
fn text<'a>(s: &Setting<'a>) -> Result<Option<&'a str>, Fact> {
    match s.value {
        None => Ok(None),
        Some(Json::Str(v)) if v.trim().is_empty() => Ok(None),
        Some(Json::Str(v)) => Ok(Some(v.as_str())),
        Some(other) => Err(unknown(format!(
            "`{}` is {}, not the string the catalog defines",
            path(s.key),
            other.kind()
        ))),
    }
}

fn flag(s: &Setting<'_>) -> Result<Option<bool>, Fact> {
    match s.value {
        None => Ok(None),
        Some(Json::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(unknown(format!(
            "`{}` is {}, not the boolean the catalog defines",
            path(s.key),
            other.kind()
        ))),
    }
}

fn unread(s: &Setting<'_>, value: &str) -> Fact {
    unknown(format!(
        "`{}` is `{}`, a value this importer does not read as an endpoint",
        path(s.key),
        crate::text::excerpt(value)
    ))
}

fn not_set(s: &Setting<'_>) -> Fact {
    unknown(format!(
        "`{}` is not set and Segment's catalog gives it no default",
        path(s.key)
    ))
}

/// A URL setting: its host, or a Segment ingest host read as its region's endpoint.
fn url_endpoint(s: &Setting<'_>, default: Option<&str>) -> Fact {
    let (value, note) = match text(s) {
        Err(fact) => return fact,
        Ok(Some(v)) => (v, String::new()),
        Ok(None) => match default {
            Some(d) => (d, format!("not set: the catalog's default `{d}`")),
            None => return not_set(s),
        },
    };
    match host_of(value) {
        Some(host) => {
            let id = match host.as_str() {
                "api.segment.io" | "events.segmentapis.com" => "us",
                "events.eu1.segmentapis.com" => "eu",
                _ => "",
            };
            let value = if id.is_empty() { host.as_str() } else { id };
            known(value, &path(s.key), note)
        }
        None => unread(s, value),
    }
}

/// A region select: `eu…` is `eu`, `us…` or `north_america` is `us`.
fn region_select(s: &Setting<'_>, default: Option<&str>) -> Fact {
    let (value, note) = match text(s) {
        Err(fact) => return fact,
        Ok(Some(v)) => (v, format!("`{}`", crate::text::excerpt(v))),
        Ok(None) => match default {
            Some(d) => (d, format!("not set: the catalog's default `{d}`")),
            None => return not_set(s),
        },
    };
    // Braze's "EU 01", Mixpanel's "EU 🇪🇺", Natero's "EU": letters, then digits at most.
    let folded: String = value
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    let region = folded.trim_end_matches(|c: char| c.is_ascii_digit());
    let id = match region {
        "eu" | "europe" | "europeanunion" => "eu",
        "us" | "northamerica" | "unitedstates" => "us",
        _ if value.contains('.') => return url_endpoint(s, None),
        _ => return unread(s, value),
    };
    known(id, &path(s.key), note)
}

/// A destination's endpoint, from its own EU setting (the keys of Segment's catalog,
/// `src/_data/catalog/destinations.yml`).
pub(crate) fn destination_endpoint(d: &Destination) -> Fact {
    let st = |key| setting(&d.settings, key);
    match d.slug.as_str() {
        // `endpoint` (select): no default in the catalog.
        "amplitude" => region_select(&st("endpoint"), None),
        // "Endpoint Region", default `north_america`.
        "actions-amplitude" => region_select(&st("endpoint"), Some("north_america")),
        // "Enable European Union Endpoint", default false.
        "mixpanel" => match flag(&st("enableEuropeanUnionEndpoint")) {
            Err(fact) => fact,
            Ok(Some(true)) => known("eu", "settings.enableEuropeanUnionEndpoint", "true".into()),
            Ok(Some(false)) => known("us", "settings.enableEuropeanUnionEndpoint", "false".into()),
            Ok(None) => known(
                "us",
                "settings.enableEuropeanUnionEndpoint",
                "not set: the catalog's default `false`".into(),
            ),
        },
        // "API Region", default `US 🇺🇸`.
        "actions-mixpanel" => region_select(&st("apiRegion"), Some("US")),
        // Web (`enableEuropeanDataCenter`) and mobile/server (`enableEuDataCenterMobile`),
        // both default false: the EU endpoint only when both are on.
        "hubspot" => {
            let web = flag(&st("enableEuropeanDataCenter"));
            let mobile = flag(&st("enableEuDataCenterMobile"));
            match (web, mobile) {
                (Err(fact), _) | (_, Err(fact)) => fact,
                (Ok(web), Ok(mobile)) => {
                    let (web, mobile) = (web.unwrap_or(false), mobile.unwrap_or(false));
                    let from = "settings.enableEuropeanDataCenter, settings.enableEuDataCenterMobile";
                    match (web, mobile) {
                        (true, true) => known("eu", from, "both true".into()),
                        (false, false) => known("us", from, "both false or not set".into()),
                        _ => known(
                            "us",
                            from,
                            format!(
                                "only {} data goes to the EU data center",
                                if web { "web" } else { "mobile and server" }
                            ),
                        ),
                    }
                }
            }
        }
        // "Endpoint Region": the Appboy gateway, `US 01`, `EU 01`, …; required, no default.
        "braze" => region_select(&st("datacenter"), None),
        // "REST Endpoint", default https://rest.iad-01.braze.com.
        "actions-braze-cloud" | "braze-cloud-mode-actions" => {
            url_endpoint(&st("endpoint"), Some("https://rest.iad-01.braze.com"))
        }
        // "Data Center": EU or United States; no default.
        "gainsight-px" => region_select(&st("dataCenter"), None),
        // "Endpoint Region": `EU`; no default.
        "natero" => region_select(&st("endpointRegion"), None),
        // "Region Endpoint", default https://api.segment.io.
        "repeater" => url_endpoint(&st("endpoint"), Some("https://api.segment.io")),
        // "Your Iron.io API endpoint", default https://mq-aws-us-east-1-1.iron.io.
        "iron-io" => url_endpoint(&st("endpoint"), Some("https://mq-aws-us-east-1-1.iron.io")),
        "stitch-data" => url_endpoint(&st("endpoint"), None),
        "ibm-ubx" => url_endpoint(&st("apiURL"), None),
        "adobe-analytics" => url_endpoint(&st("trackingServerUrl"), None),
        slug if REGIONAL_WITHOUT_SETTING.contains(&slug) => unknown(format!(
            "Segment's catalog gives `{slug}` a regional endpoint, and no setting of it that this importer reads"
        )),
        // The catalog gives it one endpoint: the document's default.
        _ => Fact::Absent,
    }
}

// ---------------------------------------------------------------------------------------
// Warehouses

/// An AWS region id (`eu-west-1`, `us-gov-west-1`).
fn aws_region(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let n = parts.len();
    (3..=4).contains(&n)
        && parts
            .iter()
            .take(n - 1)
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|p| !p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// A Google Cloud region id (`europe-west3`, `us-central1`).
fn gcp_region(text: &str) -> bool {
    let Some((area, place)) = text.split_once('-') else {
        return false;
    };
    let digits = place.trim_start_matches(|c: char| c.is_ascii_lowercase());
    !area.is_empty()
        && area.bytes().all(|b| b.is_ascii_lowercase())
        && digits.len() < place.len()
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The first of `keys` set to a string, with its key.
fn first_string<'a>(settings: &'a Json, keys: &[&'static str]) -> Option<(&'static str, &'a str)> {
    keys.iter().find_map(|k| match settings.get(k) {
        Some(Json::Str(s)) if !s.trim().is_empty() => Some((*k, s.as_str())),
        _ => None,
    })
}

/// The AWS region an Amazon host names: `….<region>.redshift.amazonaws.com`,
/// `….<region>.redshift-serverless.amazonaws.com`, `….<region>.rds.amazonaws.com`.
fn aws_host_region(host: &str, services: &[&str]) -> Option<String> {
    let labels: Vec<&str> = host.split('.').collect();
    let n = labels.len();
    if n < 5 || labels.get(n - 2) != Some(&"amazonaws") || labels.get(n - 1) != Some(&"com") {
        return None;
    }
    let service = labels.get(n - 3)?;
    let region = labels.get(n - 4)?;
    (services.contains(service) && aws_region(region)).then(|| format!("aws:{region}"))
}

/// A warehouse's cloud region, from its connection settings where they reveal it.
pub(crate) fn warehouse_region(w: &Warehouse) -> Fact {
    const HOSTS: &[&str] = &["hostname", "host"];
    let no_setting = |keys: &str| {
        unknown(format!(
            "no setting of this `{}` warehouse ({keys}) reveals its cloud region: confirm it",
            crate::text::excerpt(&w.slug)
        ))
    };
    match w.slug.as_str() {
        "redshift" | "postgres" => {
            let services: &[&str] = if w.slug == "redshift" {
                &["redshift", "redshift-serverless"]
            } else {
                &["rds"]
            };
            let Some((key, value)) = first_string(&w.settings, HOSTS) else {
                return no_setting("`settings.hostname` is not set");
            };
            match host_of(value).and_then(|h| aws_host_region(&h, services)) {
                Some(region) => known(&region, &path(key), String::new()),
                None => unknown(format!(
                    "`{}` is not an Amazon {} host, which alone names its region: confirm the cloud region",
                    path(key),
                    if w.slug == "redshift" { "Redshift" } else { "RDS" }
                )),
            }
        }
        "snowflake" => {
            let Some((key, value)) = first_string(&w.settings, &["account"]) else {
                return no_setting("`settings.account` is not set");
            };
            match snowflake_region(value) {
                Ok(region) => known(&region, &path(key), "the account locator's region".into()),
                Err(why) => unknown(format!("`{}` {why}: confirm the cloud region", path(key))),
            }
        }
        "bigquery" => {
            let Some((key, value)) = first_string(&w.settings, &["location"]) else {
                return no_setting("`settings.location` is not set");
            };
            let location = value.trim().to_ascii_lowercase();
            if gcp_region(&location) {
                known(&format!("gcp:{location}"), &path(key), String::new())
            } else {
                unknown(format!(
                    "`{}` is `{}`, a multi-region or no region id: confirm the region that holds the dataset",
                    path(key),
                    crate::text::excerpt(value)
                ))
            }
        }
        _ => no_setting("the API's connection settings name no region"),
    }
}

/// The cloud region a Snowflake account identifier names: `locator.region` (AWS),
/// `locator.region.aws`, `locator.region.gcp`, `locator.region.azure`; an organization
/// account name (`org-account`) or a bare locator names none.
fn snowflake_region(account: &str) -> Result<String, &'static str> {
    let mut text = account.trim().to_ascii_lowercase();
    if let Some((_, rest)) = text.split_once("://") {
        text = rest.to_string();
    }
    let text = text.split('/').next().unwrap_or_default();
    let text = text.strip_suffix(".snowflakecomputing.com").unwrap_or(text);
    let parts: Vec<&str> = text.split('.').collect();
    let (locator, region, cloud) = match parts.as_slice() {
        [_] => return Err("is an organization account name or a bare locator, which names no region"),
        [locator, region] => (*locator, *region, "aws"),
        [locator, region, cloud] => (*locator, *region, *cloud),
        _ => return Err("is not an account identifier this importer reads"),
    };
    if locator.is_empty()
        || locator.contains('-')
        || !locator.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err("is not an account locator followed by a region");
    }
    match cloud {
        "aws" if aws_region(region) => Ok(format!("aws:{region}")),
        "gcp" if gcp_region(region) => Ok(format!("gcp:{region}")),
        "azure"
            if !region.is_empty()
                && region
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') =>
        {
            Ok(format!("azure:{}", region.replace('-', "")))
        }
        "privatelink" => Err("is a PrivateLink identifier, which names no cloud"),
        _ => Err("names a region this importer does not read"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wh(slug: &str, settings: &str) -> Warehouse {
        Warehouse {
            id: "w".into(),
            name: None,
            slug: slug.into(),
            enabled: true,
            settings: super::super::json::parse(settings).unwrap(),
        }
    }

    fn value(f: Fact) -> String {
        match f {
            Fact::Known { value, .. } => value,
            Fact::Absent => "<absent>".into(),
            Fact::Unknown { .. } => "unknown".into(),
        }
    }

    #[test]
    fn warehouse_regions_from_settings() {
        let rows = [
            (
                "redshift",
                r#"{"hostname": "c1.abc123.eu-west-1.redshift.amazonaws.com"}"#,
                "aws:eu-west-1",
            ),
            (
                "redshift",
                r#"{"hostname": "wg.123.eu-central-1.redshift-serverless.amazonaws.com:5439"}"#,
                "aws:eu-central-1",
            ),
            ("redshift", r#"{"hostname": "redshift.example.com"}"#, "unknown"),
            (
                "redshift",
                r#"{"hostname": "c1.abc.eu-west-1.rds.amazonaws.com"}"#,
                "unknown",
            ),
            (
                "postgres",
                r#"{"hostname": "db.abc.us-east-2.rds.amazonaws.com"}"#,
                "aws:us-east-2",
            ),
            ("postgres", r#"{"hostname": "10.0.0.4"}"#, "unknown"),
            ("postgres", r#"{}"#, "unknown"),
            (
                "snowflake",
                r#"{"account": "xy12345.eu-central-1"}"#,
                "aws:eu-central-1",
            ),
            (
                "snowflake",
                r#"{"account": "xy12345.us-east-2.aws"}"#,
                "aws:us-east-2",
            ),
            (
                "snowflake",
                r#"{"account": "xy12345.west-europe.azure"}"#,
                "azure:westeurope",
            ),
            (
                "snowflake",
                r#"{"account": "https://xy12345.europe-west4.gcp.snowflakecomputing.com"}"#,
                "gcp:europe-west4",
            ),
            ("snowflake", r#"{"account": "myorg-analytics"}"#, "unknown"),
            ("snowflake", r#"{"account": "xy12345"}"#, "unknown"),
            ("bigquery", r#"{"location": "europe-west3"}"#, "gcp:europe-west3"),
            ("bigquery", r#"{"location": "EU"}"#, "unknown"),
            ("bigquery", r#"{"location": 3}"#, "unknown"),
            (
                "azuresqldw",
                r#"{"hostname": "x.database.windows.net"}"#,
                "unknown",
            ),
            ("databricks", r#"{}"#, "unknown"),
        ];
        for (slug, settings, want) in rows {
            assert_eq!(
                value(warehouse_region(&wh(slug, settings))),
                want,
                "{slug} {settings}"
            );
        }
    }

    fn dest(slug: &str, settings: &str) -> Destination {
        Destination {
            id: "d".into(),
            name: None,
            slug: slug.into(),
            enabled: true,
            source_id: None,
            settings: super::super::json::parse(settings).unwrap(),
        }
    }

    #[test]
    fn destination_endpoints_from_their_settings() {
        let rows = [
            ("amplitude", r#"{"endpoint": "europe"}"#, "eu"),
            ("amplitude", r#"{"endpoint": "north_america"}"#, "us"),
            ("amplitude", r#"{}"#, "unknown"),
            ("amplitude", r#"{"endpoint": "mars"}"#, "unknown"),
            ("actions-amplitude", r#"{}"#, "us"),
            ("mixpanel", r#"{"enableEuropeanUnionEndpoint": true}"#, "eu"),
            ("mixpanel", r#"{}"#, "us"),
            (
                "mixpanel",
                r#"{"enableEuropeanUnionEndpoint": "true"}"#,
                "unknown",
            ),
            (
                "actions-mixpanel",
                "{\"apiRegion\": \"EU \u{1f1ea}\u{1f1fa}\"}",
                "eu",
            ),
            (
                "actions-mixpanel",
                "{\"apiRegion\": \"IN \u{1f1ee}\u{1f1f3}\"}",
                "unknown",
            ),
            (
                "hubspot",
                r#"{"enableEuropeanDataCenter": true, "enableEuDataCenterMobile": true}"#,
                "eu",
            ),
            ("hubspot", r#"{"enableEuropeanDataCenter": true}"#, "us"),
            ("braze", r#"{"datacenter": "EU 01"}"#, "eu"),
            ("braze", r#"{"datacenter": "us03"}"#, "us"),
            (
                "braze",
                r#"{"datacenter": "sdk.api.appboy.eu"}"#,
                "sdk.api.appboy.eu",
            ),
            ("braze", r#"{"datacenter": ""}"#, "unknown"),
            ("actions-braze-cloud", r#"{}"#, "rest.iad-01.braze.com"),
            ("gainsight-px", r#"{"dataCenter": "United States"}"#, "us"),
            ("natero", r#"{"endpointRegion": "EU"}"#, "eu"),
            (
                "repeater",
                r#"{"endpoint": "https://events.eu1.segmentapis.com"}"#,
                "eu",
            ),
            ("repeater", r#"{}"#, "us"),
            (
                "iron-io",
                r#"{"endpoint": "https://mq-aws-eu-west-1-1.iron.io/"}"#,
                "mq-aws-eu-west-1-1.iron.io",
            ),
            ("stitch-data", r#"{"endpoint": "not a url at all"}"#, "unknown"),
            ("slack", r#"{}"#, "unknown"),
            ("customer-io", r#"{}"#, "unknown"),
            ("google-analytics", r#"{}"#, "<absent>"),
        ];
        for (slug, settings, want) in rows {
            assert_eq!(
                value(destination_endpoint(&dest(slug, settings))),
                want,
                "{slug} {settings}"
            );
        }
    }

    #[test]
    fn api_hosts_and_their_regions() {
        assert_eq!(
            region_of_api_host("https://eu1.api.segmentapis.com/v1/"),
            Some("eu-west")
        );
        assert_eq!(region_of_api_host("HTTPS://API.segmentapis.com"), Some("us-west"));
        assert_eq!(
            region_of_api_host("https://api.segmentapis.com.evil.example"),
            None
        );
        assert_eq!(region_of_api_host(""), None);
    }
}
