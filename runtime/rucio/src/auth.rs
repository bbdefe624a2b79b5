//! How a Rucio client logs in: the methods Rucio knows, the login request of each one this
//! client implements, and the TLS identity x509 needs.

use std::fmt;
use std::path::{Path, PathBuf};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use runtime_core::{Error, ErrorKind, Result};

/// A Rucio authentication method, as `auth_type` in `rucio.cfg` names them.
///
/// `UserPass`, `X509`, `X509Proxy` and `Ssh` log in by themselves; `Gss` and `Oidc` are known
/// (so a configuration naming them parses) but logging in with them is an
/// [`ErrorKind::Unsupported`] error naming the method: get a token with Rucio's own client and
/// pass it with [`RucioConfig::with_token`](super::RucioConfig::with_token) instead.
///
/// `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Auth {
    /// `GET /auth/userpass` with `X-Rucio-Username` and `X-Rucio-Password`.
    UserPass {
        /// The identity's username.
        username: String,
        /// Its password.
        password: String,
    },
    /// `GET /auth/x509`, presenting a client certificate in the TLS handshake.
    X509 {
        /// PEM file with the certificate (and its chain).
        client_cert: PathBuf,
        /// PEM file with the private key (unencrypted); `None` when it is in `client_cert`.
        client_key: Option<PathBuf>,
    },
    /// `GET /auth/x509_proxy`, presenting a grid proxy (certificate chain and key in one file).
    X509Proxy {
        /// The proxy file, e.g. `/tmp/x509up_u1000`.
        proxy: PathBuf,
    },
    /// `GET /auth/ssh` with the server's challenge (`/auth/ssh_challenge_token`) signed by the
    /// RSA key of one of the account's SSH identities ([`SshKey`](super::SshKey)).
    Ssh {
        /// The private key, a PEM file.
        private_key: PathBuf,
    },
    /// Kerberos (`/auth/gss`): not implemented.
    Gss,
    /// OpenID Connect (`/auth/oidc*`): not implemented.
    Oidc,
}

impl Auth {
    /// Username and password.
    pub fn userpass(username: impl Into<String>, password: impl Into<String>) -> Auth {
        Auth::UserPass {
            username: username.into(),
            password: password.into(),
        }
    }

    /// A client certificate and, unless it is in the same file, its key.
    pub fn x509(client_cert: impl Into<PathBuf>, client_key: Option<PathBuf>) -> Auth {
        Auth::X509 {
            client_cert: client_cert.into(),
            client_key,
        }
    }

    /// An SSH identity's RSA private key (a PEM file).
    pub fn ssh(private_key: impl Into<PathBuf>) -> Auth {
        Auth::Ssh {
            private_key: private_key.into(),
        }
    }

    /// The method's name as `auth_type` in `rucio.cfg` and `RUCIO_AUTH_TYPE` spell it.
    pub fn name(&self) -> &'static str {
        match self {
            Auth::UserPass { .. } => "userpass",
            Auth::X509 { .. } => "x509",
            Auth::X509Proxy { .. } => "x509_proxy",
            Auth::Ssh { .. } => "ssh",
            Auth::Gss => "gss",
            Auth::Oidc => "oidc",
        }
    }

    /// The path and headers of the login request (besides `X-Rucio-Account` and `X-Rucio-VO`,
    /// which every request carries, and SSH's signature of a challenge, which the client adds).
    pub(crate) fn login_request(&self) -> Result<(&'static str, HeaderMap)> {
        let mut headers = HeaderMap::new();
        let path = match self {
            Auth::UserPass { username, password } => {
                headers.insert(
                    HeaderName::from_static("x-rucio-username"),
                    secret_header(username, "username")?,
                );
                headers.insert(
                    HeaderName::from_static("x-rucio-password"),
                    secret_header(password, "password")?,
                );
                "auth/userpass"
            }
            Auth::X509 { .. } => "auth/x509",
            Auth::X509Proxy { .. } => "auth/x509_proxy",
            Auth::Ssh { .. } => "auth/ssh",
            Auth::Gss | Auth::Oidc => return Err(self.unsupported()),
        };
        Ok((path, headers))
    }

    fn unsupported(&self) -> Error {
        Error::new(
            ErrorKind::Unsupported,
            format!(
                "Rucio authentication `{}` is not implemented by this client; log in with \
                 Rucio's own client and pass its token with RucioConfig::with_token",
                self.name()
            ),
        )
    }

    /// The TLS client identity of the x509 methods (`None` for the others), read from their
    /// files now so that a missing or bad file is reported when the client is made. Errors name
    /// the files, never their contents.
    pub(crate) fn identity(&self) -> Result<Option<reqwest::Identity>> {
        let (cert, key): (&Path, Option<&Path>) = match self {
            Auth::X509 {
                client_cert,
                client_key,
            } => (client_cert, client_key.as_deref()),
            Auth::X509Proxy { proxy } => (proxy, None),
            _ => return Ok(None),
        };
        let mut pem = read_pem(cert, "client certificate")?;
        if let Some(key) = key {
            pem.push(b'\n');
            pem.extend(read_pem(key, "client key")?);
        }
        let files = match key {
            Some(key) => format!("{} and {}", cert.display(), key.display()),
            None => cert.display().to_string(),
        };
        reqwest::Identity::from_pem(&pem).map(Some).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!(
                    "{files}: expected a PEM certificate and an unencrypted PEM private key \
                     (PKCS#8, PKCS#1 or SEC1)"
                ),
            )
            .with_source(e)
        })
    }
}

fn read_pem(path: &Path, what: &str) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        Error::new(
            ErrorKind::Config,
            format!("cannot read the {what} {}: {e}", path.display()),
        )
        .with_source(e)
    })
}

/// A header value that HTTP/2 must not index; the error does not repeat the value.
fn secret_header(value: &str, what: &str) -> Result<HeaderValue> {
    let mut header = HeaderValue::from_bytes(value.as_bytes()).map_err(|_| {
        Error::new(
            ErrorKind::Credentials,
            format!("the Rucio {what} cannot be sent in an HTTP header (control characters)"),
        )
    })?;
    header.set_sensitive(true);
    Ok(header)
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::UserPass { username, .. } => f
                .debug_struct("UserPass")
                .field("username", username)
                .field("password", &"<redacted>")
                .finish(),
            Auth::X509 {
                client_cert,
                client_key,
            } => f
                .debug_struct("X509")
                .field("client_cert", client_cert)
                .field("client_key", client_key)
                .finish(),
            Auth::X509Proxy { proxy } => f.debug_struct("X509Proxy").field("proxy", proxy).finish(),
            Auth::Ssh { private_key } => f
                .debug_struct("Ssh")
                .field("private_key", private_key)
                .finish(),
            Auth::Gss => f.write_str("Gss"),
            Auth::Oidc => f.write_str("Oidc"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_password() {
        let auth = Auth::userpass("tc-test", "hunter2-secret");
        for shown in [format!("{auth:?}"), format!("{auth:#?}")] {
            assert!(!shown.contains("hunter2-secret"), "{shown}");
            assert!(
                shown.contains("tc-test") && shown.contains("redacted"),
                "{shown}"
            );
        }
    }

    #[test]
    fn userpass_login_sends_its_headers() {
        let (path, headers) = Auth::userpass("me", "pw").login_request().unwrap();
        assert_eq!(path, "auth/userpass");
        assert_eq!(headers["x-rucio-username"], "me");
        assert_eq!(headers["x-rucio-password"], "pw");
        assert!(headers["x-rucio-password"].is_sensitive());
        let err = Auth::userpass("me", "pw\nsecret")
            .login_request()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Credentials);
        assert!(!err.to_string().contains("secret"), "{err}");
    }

    #[test]
    fn unimplemented_methods_say_which() {
        for auth in [Auth::Gss, Auth::Oidc] {
            let err = auth.login_request().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Unsupported);
            assert!(
                err.message().contains(&format!("`{}`", auth.name())),
                "{err}"
            );
        }
        assert_eq!(
            Auth::x509("/c.pem", None).login_request().unwrap().0,
            "auth/x509"
        );
    }

    #[test]
    fn x509_identity_errors_name_the_files_not_their_contents() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let err = Auth::x509(&missing, None).identity().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.to_string().contains("missing.pem"), "{err}");

        let cert = dir.path().join("cert.pem");
        let key = dir.path().join("key.pem");
        std::fs::write(&cert, "not a certificate: hunter2").unwrap();
        std::fs::write(&key, "not a key: hunter2").unwrap();
        let err = Auth::x509(&cert, Some(key.clone())).identity().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        let shown = format!("{err} {err:?}");
        assert!(
            shown.contains("cert.pem") && shown.contains("key.pem"),
            "{shown}"
        );
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(Auth::userpass("a", "b").identity().unwrap().is_none());
    }

    #[test]
    fn x509_identity_from_pem_files() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rucio_x509");
        let (cert, key) = (fixtures.join("client.pem"), fixtures.join("client.key"));
        let auth = Auth::x509(&cert, Some(key.clone()));
        assert!(auth.identity().unwrap().is_some());
        // Certificate and key in one file, as in a grid proxy.
        let dir = tempfile::tempdir().unwrap();
        let proxy = dir.path().join("x509up_u1000");
        let mut both = std::fs::read(&cert).unwrap();
        both.extend(std::fs::read(&key).unwrap());
        std::fs::write(&proxy, both).unwrap();
        assert!(Auth::X509Proxy { proxy }.identity().unwrap().is_some());
        // A certificate without its key is refused.
        let err = Auth::x509(&cert, None).identity().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.message().contains("client.pem"), "{err}");
    }
}
