//! TLS for ccrd (rustls with the ring provider): loading `--tls-cert`/`--tls-key` into a server
//! configuration, and `ccrd tls self-signed DIR`, which makes a lab's own small CA and a server
//! certificate signed by it — `DIR/ca.pem` (give it to clients: `ccrsh --ca-cert`),
//! `DIR/cert.pem` and `DIR/key.pem` (mode 0600) — for `localhost`, `127.0.0.1`, `::1`, this
//! host's name and any names given. The CA's key is not kept: nothing else can be signed with it.
//!
//! Must not: serve anything (see `server`) or read files other than the ones named on ccrd's
//! own command line.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("{path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)")]
    NoCertificate { path: String },
    #[error("{path} holds no PEM private key (-----BEGIN PRIVATE KEY-----)")]
    NoKey { path: String },
    #[error("the certificate and key do not make a TLS configuration: {0}")]
    Config(#[from] rustls::Error),
    #[error("the certificate could not be made: {0}")]
    Generate(#[from] rcgen::Error),
}

/// The crypto provider ccrd and ccrsh use.
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A server configuration from PEM files: the certificate chain (server first) and its key.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let shown = |p: &Path| p.display().to_string();
    let io_err = |p: &Path, source| TlsError::Io { path: shown(p), source };
    let cert_pem = fs::read(cert).map_err(|e| io_err(cert, e))?;
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(&cert_pem).filter_map(Result::ok).collect();
    if chain.is_empty() {
        return Err(TlsError::NoCertificate { path: shown(cert) });
    }
    let key_pem = fs::read(key).map_err(|e| io_err(key, e))?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|_| TlsError::NoKey { path: shown(key) })?;
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    Ok(Arc::new(config))
}

/// What `ccrd tls self-signed` wrote.
#[derive(Debug)]
pub struct SelfSigned {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
    pub names: Vec<String>,
}

/// Makes a CA and a server certificate for `names` (plus the loopback names and this host's
/// name) in `dir`, which is created (mode 0700) if missing. Existing files are not replaced.
pub fn self_signed(dir: &Path, extra_names: &[String]) -> Result<SelfSigned, TlsError> {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
    let io_err = |path: &Path, source| TlsError::Io { path: path.display().to_string(), source };
    let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string(), "::1".to_string()];
    if let Ok(host) = fs::read_to_string("/proc/sys/kernel/hostname") {
        let host = host.trim().to_string();
        if !host.is_empty() && !names.contains(&host) {
            names.push(host);
        }
    }
    for name in extra_names {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }

    let ca_key = KeyPair::generate()?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.distinguished_name.push(DnType::CommonName, "ccrd lab CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(names.clone())?;
    params.distinguished_name.push(DnType::CommonName, "ccrd");
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.signed_by(&key, &issuer)?;

    for path in ["ca.pem", "cert.pem", "key.pem"].map(|n| dir.join(n)) {
        if fs::symlink_metadata(&path).is_ok() {
            return Err(io_err(&path, io::Error::new(io::ErrorKind::AlreadyExists, "exists already; it is kept")));
        }
    }
    {
        use std::os::unix::fs::DirBuilderExt;
        fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(|e| io_err(dir, e))?;
    }
    let written = SelfSigned { ca: dir.join("ca.pem"), cert: dir.join("cert.pem"), key: dir.join("key.pem"), names };
    for (path, text, mode) in [
        (&written.ca, ca_cert.pem(), 0o644),
        (&written.cert, format!("{}{}", cert.pem(), ca_cert.pem()), 0o644),
        (&written.key, key.serialize_pem(), 0o600),
    ] {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(libc::O_NOFOLLOW)
            .mode(mode)
            .open(path)
            .map_err(|e| io_err(path, e))?;
        file.write_all(text.as_bytes()).and_then(|()| file.sync_all()).map_err(|e| io_err(path, e))?;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_signed_pair_loads_and_is_not_overwritten() {
        let dir = tempfile::tempdir().expect("temp dir");
        let tls = dir.path().join("tls");
        let made = self_signed(&tls, &["ccrd.example".into()]).expect("made");
        assert!(made.names.contains(&"127.0.0.1".to_string()) && made.names.contains(&"ccrd.example".to_string()));
        server_config(&made.cert, &made.key).expect("loads");
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&made.key).expect("key").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(matches!(self_signed(&tls, &[]), Err(TlsError::Io { .. })), "existing files are kept");
        let error = server_config(&made.key, &made.key).expect_err("a key is not a certificate");
        assert!(error.to_string().contains("no PEM certificate"), "{error}");
    }
}
