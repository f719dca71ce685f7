//! TLS both ways, with rustls on the `ring` provider (no OpenSSL).
//!
//! Toward the upstream: an `https://` upstream is verified against the system's root
//! certificates (the store the operating system keeps, read by `rustls-native-certs`), or
//! against the CA of `upstream_ca` alone when one is given; the server name sent (SNI) and
//! checked is the upstream's host. A handshake that fails is answered 502 `upstream-tls`
//! with what was wrong ([`describe`]).
//!
//! Toward clients: a listener with `tls: {cert, key}` serves HTTPS with that certificate
//! chain and key, read again on every reload and swapped atomically ([`ServerTls`]): a
//! connection keeps the certificate it was accepted with, a new one gets the newest.

use crate::config::TlsFiles;
use arc_swap::ArcSwap;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use std::path::Path;
use std::sync::Arc;

/// The largest certificate, key or CA file read, in bytes.
pub const MAX_PEM_BYTES: usize = 1024 * 1024;

/// The protocol spoken inside TLS: the gateway serves and speaks HTTP/1.1 only.
const ALPN_HTTP1: &[u8] = b"http/1.1";

/// The crypto provider every configuration is built on: *ring*. rustls marks it deprecated
/// since it has no post-quantum key exchange (aws-lc-rs has); aws-lc-rs needs cmake and a
/// long C build, so the gateway stays on *ring* until that matters more than the build.
#[allow(deprecated)]
pub(crate) fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A PEM file's text, read as configuration is (a regular file, bounded); the message names
/// the file, never its content.
fn read_pem(path: &Path, what: &str) -> Result<String, String> {
    regionfence::cli::read_limited(path, MAX_PEM_BYTES).map_err(|e| format!("{what}: {e}"))
}

fn shown(path: &Path) -> String {
    regionfence::text::bounded(&path.to_string_lossy(), 256)
}

/// Every certificate in a PEM file, in order; an error when it holds none.
fn certificates(path: &Path, what: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let text = read_pem(path, what)?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(text.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("{what} {}: not a PEM file of certificates", shown(path)))?;
    if certs.is_empty() {
        return Err(format!("{what} {}: no certificate in it", shown(path)));
    }
    Ok(certs)
}

/// A listener's certificate chain and key as a server configuration.
pub fn server_config(files: &TlsFiles) -> Result<Arc<ServerConfig>, String> {
    let chain = certificates(&files.cert, "tls.cert")?;
    let key_text = read_pem(&files.key, "tls.key")?;
    // The key's own words never reach a message: only which file and what kind of fault.
    let key = PrivateKeyDer::from_pem_slice(key_text.as_bytes())
        .map_err(|_| format!("tls.key {}: no PEM private key in it", shown(&files.key)))?;
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("tls: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| {
            let why = match e {
                rustls::Error::InconsistentKeys(_) => "the key does not go with the certificate".to_string(),
                other => other.to_string(),
            };
            format!("tls {} with {}: {why}", shown(&files.cert), shown(&files.key))
        })?;
    config.alpn_protocols = vec![ALPN_HTTP1.to_vec()];
    Ok(Arc::new(config))
}

/// A listener's TLS: its files and the server configuration in force, replaced whole on
/// reload.
pub struct ServerTls {
    files: TlsFiles,
    current: ArcSwap<ServerConfig>,
}

impl ServerTls {
    /// Reads the certificate chain and key; an error says which file and what is wrong.
    pub fn load(files: TlsFiles) -> Result<ServerTls, String> {
        let first = server_config(&files)?;
        Ok(ServerTls {
            files,
            current: ArcSwap::new(first),
        })
    }

    /// Reads the files again into a configuration, without putting it in force.
    pub fn prepare(&self) -> Result<Arc<ServerConfig>, String> {
        server_config(&self.files)
    }

    /// Puts a configuration from [`ServerTls::prepare`] in force for new connections.
    pub fn install(&self, config: Arc<ServerConfig>) {
        self.current.store(config);
    }

    /// An acceptor with the configuration in force now.
    pub fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(self.current.load_full())
    }
}

/// The client configuration toward the upstream: the roots of `ca` alone when given, else
/// the system's. An error when no root can be had (so an `https://` upstream is never
/// trusted on nothing, nor on everything).
pub fn client_config(ca: Option<&Path>) -> Result<ClientConfig, String> {
    let mut roots = RootCertStore::empty();
    match ca {
        Some(path) => {
            for cert in certificates(path, "upstream_ca")? {
                roots
                    .add(cert)
                    .map_err(|e| format!("upstream_ca {}: {e}", shown(path)))?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = roots.add_parsable_certificates(found.certs);
            if added == 0 {
                return Err(
                    "no root certificate found in the system's store for the https upstream; \
                     install the system's CA certificates or give `upstream_ca`"
                        .to_string(),
                );
            }
        }
    }
    let config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("tls: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    // The connector offers HTTP/1.1 (ALPN) itself.
    Ok(config)
}

/// The TLS failure in an error's chain, said for an operator: what was wrong with the
/// upstream's certificate or handshake; `None` when the failure was not TLS's.
pub fn describe(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut next = Some(error);
    // Bounded: an error chain is finite, but it is walked for any error a connector gives.
    for _ in 0..32 {
        let e = next?;
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(say(tls));
        }
        // An io::Error hides the error it wraps from `source()` (it gives that error's
        // source), and the connector wraps the handshake's io::Error in another: look inside.
        next = match e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    None
}

fn say(error: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    match error {
        rustls::Error::InvalidCertificate(cert) => match cert {
            C::UnknownIssuer => {
                "the upstream's certificate is not signed by a trusted CA (unknown issuer)".to_string()
            }
            C::Expired | C::ExpiredContext { .. } => "the upstream's certificate has expired".to_string(),
            C::NotValidYet | C::NotValidYetContext { .. } => {
                "the upstream's certificate is not valid yet".to_string()
            }
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                "the upstream's certificate is not valid for the upstream's host name".to_string()
            }
            C::Revoked => "the upstream's certificate is revoked".to_string(),
            other => format!("the upstream's certificate was refused: {other:?}"),
        },
        rustls::Error::AlertReceived(alert) => {
            format!("the upstream ended the TLS handshake ({alert:?})")
        }
        other => format!("TLS with the upstream failed: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tls_error_is_found_inside_an_io_error_and_said() {
        let io = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        let said = describe(&io).unwrap();
        // As the connector gives it: wrapped once more.
        let twice = std::io::Error::other(io);
        assert_eq!(describe(&twice).unwrap(), said);
        assert!(said.contains("unknown issuer"), "{said}");
        let plain = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(describe(&plain), None);
    }

    #[test]
    fn missing_or_empty_files_are_refused_by_name() {
        let dir = std::env::temp_dir().join(format!("rf-tls-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "no pem here, SECRET-WORDS\n").unwrap();
        let e = client_config(Some(&empty)).unwrap_err();
        assert!(e.contains("no certificate") && !e.contains("SECRET"), "{e}");
        let e = ServerTls::load(TlsFiles {
            cert: dir.join("absent.pem"),
            key: empty.clone(),
        })
        .err()
        .unwrap();
        assert!(e.contains("absent.pem"), "{e}");
        let _ = std::fs::remove_dir_all(dir);
    }
}
