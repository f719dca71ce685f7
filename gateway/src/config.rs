//! The gateway's configuration file: where it listens, where it forwards, which policy it
//! enforces, which hosts it serves as, and which region each write key's workspace is in.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The largest configuration file accepted, in bytes.
pub const MAX_CONFIG_BYTES: usize = 4 * 1024 * 1024;

/// The configuration file as written (YAML).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    listen: SocketAddr,
    #[serde(default)]
    admin_listen: Option<SocketAddr>,
    upstream: String,
    #[serde(default)]
    policy: Option<PathBuf>,
    #[serde(default)]
    hosts: Vec<String>,
    #[serde(default = "default_kind")]
    default_source_kind: String,
    write_keys: BTreeMap<String, String>,
    #[serde(default)]
    libraries: BTreeMap<String, String>,
    #[serde(default)]
    limits: LimitsFile,
    /// Browser origins allowed on the tracking routes; any when absent.
    #[serde(default)]
    cors_origins: Option<Vec<String>>,
    #[serde(default)]
    tls: Option<TlsFiles>,
    #[serde(default)]
    admin_tls: Option<TlsFiles>,
    #[serde(default)]
    upstream_ca: Option<PathBuf>,
}

/// A listener's certificate chain and private key, PEM files (relative to the configuration
/// file), read again on every reload.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsFiles {
    /// The certificate chain, the server's own certificate first.
    pub cert: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

fn default_kind() -> String {
    "server".to_string()
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsFile {
    max_body_bytes: Option<usize>,
    max_decide_bytes: Option<usize>,
    upstream_timeout_ms: Option<u64>,
    client_timeout_ms: Option<u64>,
    shutdown_grace_ms: Option<u64>,
}

/// The gateway's configuration, validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// The address the tracking API is served on.
    pub listen: SocketAddr,
    /// Where the decision API, metrics and reload are served; on `listen` when absent.
    pub admin_listen: Option<SocketAddr>,
    /// The upstream, `http://host:port`, requests are forwarded to (their path appended).
    pub upstream: Upstream,
    /// The policy file; the embedded default policy when absent.
    pub policy: Option<PathBuf>,
    /// The hosts the gateway serves as; the `Host` header as sent when empty.
    pub hosts: Vec<String>,
    /// The source kind of a payload whose library is not in the table.
    pub default_source_kind: String,
    /// Write key → the workspace's processing region.
    pub write_keys: BTreeMap<String, String>,
    /// Library names added to (or overriding) the built-in table, → source kind.
    pub libraries: BTreeMap<String, String>,
    /// Size and time limits.
    pub limits: Limits,
    /// The browser origins (`https://shop.example`) allowed to call the tracking routes;
    /// any origin (`Access-Control-Allow-Origin: *`) when `None`. See [`crate::cors`].
    pub cors_origins: Option<Vec<String>>,
    /// HTTPS on `listen` (and on `admin_listen` when that has no `admin_tls` of its own
    /// and is absent): the certificate and key.
    pub tls: Option<TlsFiles>,
    /// HTTPS on `admin_listen`.
    pub admin_tls: Option<TlsFiles>,
}

/// The upstream's address, split once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// `http://host:port` or `https://host:port` without a trailing slash.
    pub base: String,
    /// For an `https://` upstream, the CA file (PEM) its certificate must chain to instead
    /// of the system's roots.
    pub ca: Option<PathBuf>,
}

impl Upstream {
    /// Whether the upstream is spoken to over TLS.
    pub fn is_https(&self) -> bool {
        self.base.starts_with("https://")
    }
}

/// Size and time limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The largest tracking body accepted, after decompression, in bytes.
    pub max_body_bytes: usize,
    /// The largest decision API body accepted, in bytes.
    pub max_decide_bytes: usize,
    /// How long the upstream has to answer (headers and body).
    pub upstream_timeout: Duration,
    /// How long a client has to send its body.
    pub client_timeout: Duration,
    /// How long in-flight requests may take to finish after SIGTERM.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // Segment's own limit on a batch is 500 KB.
            max_body_bytes: 512 * 1024,
            max_decide_bytes: 1024 * 1024,
            upstream_timeout: Duration::from_secs(10),
            client_timeout: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

impl Config {
    /// Reads and validates a configuration file; a relative `policy` path is taken relative
    /// to the file. Only a regular file is read (a named pipe would hang the start), within
    /// [`MAX_CONFIG_BYTES`].
    pub fn load(path: &Path) -> Result<Config, String> {
        let text = regionfence::cli::read_limited(path, MAX_CONFIG_BYTES).map_err(|e| e.to_string())?;
        let shown = regionfence::text::bounded(&path.to_string_lossy(), 256);
        let mut config = Config::from_yaml(&text).map_err(|e| format!("{shown}: {e}"))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let relative = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        let tls_files = config.tls.iter_mut().chain(config.admin_tls.iter_mut());
        for files in tls_files {
            relative(&mut files.cert);
            relative(&mut files.key);
        }
        config.policy.iter_mut().for_each(relative);
        config.upstream.ca.iter_mut().for_each(relative);
        Ok(config)
    }

    /// Parses and validates a configuration from YAML text (relative paths stay relative),
    /// read as the library reads its own YAML: bounded by its guard (no anchors, aliases or
    /// tags), strict scalars, duplicate keys (a write key given twice) refused. No message
    /// names a write key.
    pub fn from_yaml(text: &str) -> Result<Config, String> {
        if text.len() > MAX_CONFIG_BYTES {
            return Err(format!("over the limit of {MAX_CONFIG_BYTES} bytes"));
        }
        let file: ConfigFile = regionfence::parse_yaml(text).map_err(scrubbed)?;
        let mut upstream = Upstream::parse(&file.upstream)?;
        if file.upstream_ca.is_some() && !upstream.is_https() {
            return Err("`upstream_ca` is given but the upstream is not `https://`".into());
        }
        upstream.ca = file.upstream_ca;
        if file.admin_tls.is_some() && file.admin_listen.is_none() {
            return Err("`admin_tls` is given without `admin_listen` (`tls` covers `listen`)".into());
        }
        if file.write_keys.is_empty() {
            return Err("`write_keys` is empty: every request would be refused".into());
        }
        if let Some(key) = file.write_keys.keys().find(|k| k.is_empty() || k.contains(':')) {
            // The key itself is never echoed: say which entry by position only.
            let at = file.write_keys.keys().position(|k| k == key).unwrap_or(0);
            return Err(format!("write key #{} is empty or contains `:`", at + 1));
        }
        let defaults = Limits::default();
        let ms = Duration::from_millis;
        let limits = Limits {
            max_body_bytes: file.limits.max_body_bytes.unwrap_or(defaults.max_body_bytes),
            max_decide_bytes: file.limits.max_decide_bytes.unwrap_or(defaults.max_decide_bytes),
            upstream_timeout: file
                .limits
                .upstream_timeout_ms
                .map_or(defaults.upstream_timeout, ms),
            client_timeout: file.limits.client_timeout_ms.map_or(defaults.client_timeout, ms),
            shutdown_grace: file.limits.shutdown_grace_ms.map_or(defaults.shutdown_grace, ms),
        };
        if limits.max_body_bytes == 0 || limits.max_body_bytes > 64 * 1024 * 1024 {
            return Err("`limits.max_body_bytes` must be between 1 and 67108864".into());
        }
        if limits.max_decide_bytes == 0 || limits.max_decide_bytes > 64 * 1024 * 1024 {
            return Err("`limits.max_decide_bytes` must be between 1 and 67108864".into());
        }
        if let Some(origins) = &file.cors_origins {
            origins.iter().try_for_each(|o| crate::cors::valid_origin(o))?;
        }
        Ok(Config {
            listen: file.listen,
            admin_listen: file.admin_listen,
            upstream,
            policy: file.policy,
            hosts: file.hosts,
            default_source_kind: file.default_source_kind,
            write_keys: file.write_keys,
            libraries: file.libraries,
            limits,
            cors_origins: file.cors_origins,
            tls: file.tls,
            admin_tls: file.admin_tls,
        })
    }
}

/// A parse error with no write key in it: an error about an entry of `write_keys` keeps its
/// position and what kind of fault it is, never the parser's words (they name the key).
///
/// Any other error keeps its position and the parser's words with every quoted part
/// (`` `…` `` or `"…"`, where the parser quotes the file's text) left out, so a file that is
/// no configuration (`/etc/shadow`, say) is not echoed to the terminal or the log. An
/// unknown key that reads as a configuration key (lower-case letters, digits, `_`) is kept:
/// it is a typo worth showing.
fn scrubbed(e: regionfence::SyntaxError) -> String {
    let unquoted = || {
        let message = unquoted(&e.message);
        match e.location {
            Some(at) => format!("{at}: {message}"),
            None => message,
        }
    };
    let Some(rest) = e.message.strip_prefix("write_keys") else {
        return unquoted();
    };
    if !rest.starts_with(['.', '[', ':']) {
        return unquoted();
    }
    let message = if e.message.contains("duplicate key") {
        "write_keys.<key>: a write key is given twice"
    } else if rest.starts_with(':') {
        "write_keys: must map each write key to a region, both strings (quote a key that reads \
         as a number or boolean)"
    } else {
        "write_keys.<key>: a write key and its region must both be strings (quote one that \
         reads as a number or boolean)"
    };
    match e.location {
        Some(at) => format!("{at}: {message}"),
        None => message.to_string(),
    }
}

/// A parser's message with each quoted part replaced by `` `…` ``, except the name in
/// ``unknown field `name` `` when it reads as a configuration key.
fn unquoted(message: &str) -> String {
    if let Some(name) = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next())
    {
        let key_like = !name.is_empty()
            && name.len() <= 32
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if key_like {
            return format!("unknown field `{name}`");
        }
    }
    let mut out = String::new();
    let mut closing: Option<char> = None;
    for c in message.chars() {
        match closing {
            Some(end) if c == end => {
                closing = None;
                out.push_str(&format!("{end}…{end}"));
            }
            Some(_) => {}
            None if c == '`' || c == '"' => closing = Some(c),
            None => out.push(c),
        }
    }
    if closing.is_some() {
        out.push('…');
    }
    regionfence::text::bounded(&out, 256)
}

impl Upstream {
    /// Accepts `http://host[:port]` or `https://host[:port]` with an optional trailing `/`
    /// and nothing after it.
    pub fn parse(raw: &str) -> Result<Upstream, String> {
        let shown = regionfence::text::bounded(raw, 256);
        let (scheme, rest) = match (raw.strip_prefix("http://"), raw.strip_prefix("https://")) {
            (Some(rest), _) => ("http", rest),
            (_, Some(rest)) => ("https", rest),
            _ => {
                return Err(format!(
                    "upstream `{shown}` must start with `http://` or `https://`"
                ))
            }
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ']) {
            return Err(format!("upstream `{shown}` must be `{scheme}://host[:port]`"));
        }
        let base = format!("{scheme}://{rest}");
        base.parse::<hyper::Uri>()
            .map_err(|e| format!("upstream `{shown}`: {e}"))?;
        Ok(Upstream { base, ca: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "listen: 127.0.0.1:0\nupstream: http://127.0.0.1:9\nwrite_keys: {k1: eu-west}\n";

    #[test]
    fn minimal_config_takes_defaults() {
        let c = Config::from_yaml(MINIMAL).unwrap();
        assert_eq!(c.default_source_kind, "server");
        assert!(c.hosts.is_empty());
        assert_eq!(c.limits.max_body_bytes, 512 * 1024);
        assert_eq!(c.upstream.base, "http://127.0.0.1:9");
    }

    #[test]
    fn rejects_what_would_misbehave() {
        for (text, needle) in [
            ("listen: 127.0.0.1:0\nupstream: ftp://x\nwrite_keys: {k: eu-west}\n", "http://"),
            (
                "listen: 127.0.0.1:0\nupstream: http://x\nupstream_ca: ca.pem\nwrite_keys: {k: eu-west}\n",
                "not `https://`",
            ),
            (
                "listen: 127.0.0.1:0\nupstream: http://x\nadmin_tls: {cert: c, key: k}\nwrite_keys: {k: eu-west}\n",
                "admin_listen",
            ),
            (
                "listen: 127.0.0.1:0\nupstream: http://x\ntls: {cert: c}\nwrite_keys: {k: eu-west}\n",
                "missing field",
            ),
            ("listen: 127.0.0.1:0\nupstream: http://x/v1\nwrite_keys: {k: eu-west}\n", "host[:port]"),
            ("listen: 127.0.0.1:0\nupstream: http://x\nwrite_keys: {}\n", "empty"),
            ("listen: 127.0.0.1:0\nupstream: http://x\nwrite_keys: {'a:b': eu-west}\n", "#1"),
            ("listen: 127.0.0.1:0\nupstream: http://x\nwrite_keys: {k: eu-west}\nbogus: 1\n", "bogus"),
            ("listen: nowhere\nupstream: http://x\nwrite_keys: {k: eu-west}\n", "line 1, column"),
            (
                "listen: 127.0.0.1:0\nupstream: http://x\nwrite_keys: {k: eu-west}\nlimits: {max_body_bytes: 0}\n",
                "max_body_bytes",
            ),
        ] {
            let e = Config::from_yaml(text).unwrap_err();
            assert!(e.contains(needle), "{text:?}: {e}");
        }
    }

    const HEAD: &str = "listen: 127.0.0.1:0\nupstream: http://x\n";

    #[test]
    fn a_duplicate_write_key_is_refused_not_overridden() {
        for keys in [
            "write_keys: {SECRETKEY1: us-nowhere, SECRETKEY1: eu-west}\n",
            "write_keys:\n  SECRETKEY1: us-nowhere\n  SECRETKEY1: eu-west\n",
        ] {
            let e = Config::from_yaml(&format!("{HEAD}{keys}")).unwrap_err();
            assert!(e.contains("twice"), "{e}");
            assert!(e.starts_with("line "), "{e}");
            assert!(!e.contains("SECRETKEY1"), "{e}");
        }
    }

    #[test]
    fn no_config_error_names_a_write_key() {
        for keys in [
            "write_keys: {SECRETKEY1: [eu-west]}\n",
            "write_keys: {SECRETKEY1: {a: b}}\n",
            "write_keys: {SECRETKEY1: 5}\n",
            "write_keys: {SECRETKEY1: true}\n",
            "write_keys: {SECRETKEY1: null}\n",
            "write_keys: {123456789: eu-west}\n",
            "write_keys: {true: eu-west}\n",
            "write_keys: {[SECRETKEY1]: eu-west}\n",
            "write_keys: {SECRETKEY1: eu-west, SECRETKEY1: eu-west}\n",
            "write_keys: {'SECRETKEY1: x': eu-west}\n",
            "write_keys: {SECRETKEY1: eu-west\n",
            "write_keys: {SECRETKEY1: 'eu-west}\n",
            "write_keys: [SECRETKEY1]\n",
            "write_keys:\n  SECRETKEY1: eu-west\n   SECRETKEY2: x\n",
            "write_keys:\n  SECRETKEY1: !!str eu-west\n",
            "write_keys:\n  SECRETKEY1: &a eu-west\n  SECRETKEY2: *a\n",
        ] {
            let e = Config::from_yaml(&format!("{HEAD}{keys}")).unwrap_err();
            for secret in ["SECRETKEY", "123456789"] {
                assert!(!e.contains(secret), "{keys:?}: {e}");
            }
        }
    }

    #[test]
    fn yaml_is_read_as_the_library_reads_it() {
        // Anchors, aliases and tags are refused; scalars are strict.
        for text in [
            "listen: &l 127.0.0.1:0\nupstream: http://x\nadmin_listen: *l\nwrite_keys: {k: eu-west}\n",
            "listen: !!str 127.0.0.1:0\nupstream: http://x\nwrite_keys: {k: eu-west}\n",
            "listen: 127.0.0.1:0\nupstream: http://x\nwrite_keys: {k: eu-west}\nhosts: [true]\n",
        ] {
            assert!(Config::from_yaml(text).is_err(), "{text}");
        }
    }

    #[test]
    fn only_a_regular_file_is_read_and_its_path_is_escaped() {
        let dir = std::env::temp_dir().join(format!("rf-gw-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // A directory (and so a named pipe, a device) is refused without being read.
        let e = Config::load(&dir).unwrap_err();
        assert!(e.contains("not a regular file"), "{e}");
        let odd = dir.join("odd\u{202E}name\n.yaml");
        std::fs::write(&odd, "listen: nowhere\n").unwrap();
        let e = Config::load(&odd).unwrap_err();
        assert!(!e.contains(['\u{202E}', '\n']), "{e:?}");
        assert!(e.contains("listen"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_upstream_in_a_message_is_escaped_and_bounded() {
        let raw = format!("ftp://\u{202E}{}", "u".repeat(5000));
        let e = Upstream::parse(&raw).unwrap_err();
        assert!(!e.contains('\u{202E}') && e.chars().count() < 400, "{e}");
    }

    #[test]
    fn tls_files_and_the_upstream_ca_are_relative_to_the_file() {
        let dir = std::env::temp_dir().join(format!("rf-gw-config-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("gw.yaml");
        std::fs::write(
            &file,
            "listen: 127.0.0.1:0\nadmin_listen: 127.0.0.1:0\nupstream: https://up.example:8443/\n\
             upstream_ca: ca.pem\ntls: {cert: c.pem, key: /abs/k.pem}\nadmin_tls: {cert: a.pem, key: ak.pem}\n\
             write_keys: {k: eu-west}\n",
        )
        .unwrap();
        let c = Config::load(&file).unwrap();
        assert_eq!(c.upstream.base, "https://up.example:8443");
        assert!(c.upstream.is_https());
        assert_eq!(c.upstream.ca, Some(dir.join("ca.pem")));
        let tls = c.tls.unwrap();
        assert_eq!(
            (tls.cert, tls.key),
            (dir.join("c.pem"), PathBuf::from("/abs/k.pem"))
        );
        assert_eq!(c.admin_tls.unwrap().key, dir.join("ak.pem"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_shipped_example_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("gateway.example.yaml");
        let c = Config::load(&path).unwrap();
        assert!(c.policy.unwrap().ends_with("policies/segment.yaml"));
        assert!(c.write_keys.values().any(|r| r == "eu-west"));
    }

    #[test]
    fn a_file_that_is_no_configuration_is_not_quoted() {
        let secret = "root:*:20228:0:99999:7:::";
        for text in [
            format!("{secret}\ndaemon:*:20228:0:99999:7:::\n"),
            format!("{HEAD}write_keys: {{k: eu-west}}\n{secret}: 1\n"),
            format!("{HEAD}write_keys: {{k: eu-west}}\nlimits: {{max_body_bytes: \"{secret}\"}}\n"),
            format!("{HEAD}write_keys: {{k: eu-west}}\nhosts: {{\"{secret}\": 1}}\n"),
            format!("listen: \"{secret}\"\nupstream: http://x\nwrite_keys: {{k: eu-west}}\n"),
            format!("\"{secret}\"\n"),
        ] {
            let e = Config::from_yaml(&text).unwrap_err();
            assert!(!e.contains("root") && !e.contains("20228"), "{text:?}: {e}");
            assert!(e.starts_with("line "), "{text:?}: {e}");
        }
    }
}
