//! [`RucioConfig`]: where the Rucio server is, who logs in and how, and HTTP settings; from code,
//! from the environment and from the `[client]` section of `rucio.cfg`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::ini::Ini;
use crate::{Auth, AuthToken};
use runtime_core::fake::{Fake, FromFake};
use runtime_core::{DEFAULT_TIMEOUT, Error, ErrorKind, Result, RetryConfig};

/// Configuration of a [`RucioClient`](super::RucioClient).
///
/// Built in code (`RucioConfig::new(host).with_account(..).with_auth(..)`) or read by
/// [`from_env`](Self::from_env) the way Rucio's own client reads it, so an existing `rucio.cfg`
/// works unchanged. `Debug` never shows the password or a preset token.
#[derive(Clone)]
pub struct RucioConfig {
    pub(crate) host: String,
    pub(crate) auth_host: Option<String>,
    pub(crate) account: Option<String>,
    pub(crate) vo: Option<String>,
    pub(crate) auth: Option<Auth>,
    pub(crate) ca_cert: Option<PathBuf>,
    pub(crate) timeout: Duration,
    pub(crate) retry: RetryConfig,
    pub(crate) token: Option<AuthToken>,
    /// Answers calls in process instead of the network (tests).
    pub(crate) fake: Option<Fake>,
}

impl fmt::Debug for RucioConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RucioConfig")
            .field("host", &self.host)
            .field("auth_host", &self.auth_host)
            .field("account", &self.account)
            .field("vo", &self.vo)
            .field("auth", &self.auth)
            .field("ca_cert", &self.ca_cert)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("token", &self.token)
            .field("fake", &self.fake.is_some())
            .finish()
    }
}

/// Where a setting came from, for error messages.
enum Origin<'a> {
    Env(&'static str),
    File(&'a Path, &'static str),
}

impl fmt::Display for Origin<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Env(name) => write!(f, "{name}"),
            Origin::File(path, key) => write!(f, "{}: [client] {key}", path.display()),
        }
    }
}

impl RucioConfig {
    /// A configuration for the Rucio server at `host` (e.g. `https://rucio.example.org`), with
    /// no account and no authentication yet: enough for `GET /ping`.
    pub fn new(host: impl Into<String>) -> Self {
        RucioConfig {
            host: host.into(),
            auth_host: None,
            account: None,
            vo: None,
            auth: None,
            ca_cert: None,
            timeout: DEFAULT_TIMEOUT,
            retry: RetryConfig::default(),
            token: None,
            fake: None,
        }
    }

    /// A configuration as Rucio's own client finds it: the `[client]` section of the file
    /// `RUCIO_CONFIG` names (if set), overridden by the environment.
    ///
    /// File keys: `rucio_host`, `auth_host`, `account`, `vo`, `auth_type` (`userpass`, `x509`,
    /// `x509_proxy`, `ssh`, `gss`, `oidc`), `username`, `password`, `client_cert`,
    /// `client_key`, `client_x509_proxy`, `ssh_private_key`, `ca_cert`, `request_retries`;
    /// others are ignored. Environment: `RUCIO_HOST`, `RUCIO_AUTH_HOST`, `RUCIO_ACCOUNT`,
    /// `RUCIO_VO`, `RUCIO_AUTH_TYPE`, `RUCIO_CLIENT_CERT`, `RUCIO_CLIENT_KEY`,
    /// `RUCIO_CLIENT_PROXY` (then `X509_USER_PROXY` after the file), `X509_CERT_DIR`; empty
    /// values count as unset.
    ///
    /// A missing or malformed file, a missing host, an unknown `auth_type` or a method without
    /// its settings is an [`ErrorKind::Config`] error that names the file (and line or key) or
    /// the variable, never a secret.
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Like [`from_env`](Self::from_env) with the file at `path` and no environment.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_string_lossy().into_owned();
        Self::from_lookup(|k| (k == "RUCIO_CONFIG").then(|| path.clone()))
    }

    pub(crate) fn from_lookup(env: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let env = |k: &str| env(k).filter(|v| !v.is_empty());
        let file = env("RUCIO_CONFIG")
            .map(|path| Ini::read(Path::new(&path)))
            .transpose()?;
        let from_file = |key: &'static str| {
            let file = file.as_ref()?;
            let value = file.get("client", key)?;
            (!value.is_empty()).then(|| (value.to_owned(), Origin::File(&file.path, key)))
        };
        let pick = |var: &'static str, key: &'static str| {
            env(var)
                .map(|v| (v, Origin::Env(var)))
                .or_else(|| from_file(key))
        };
        let where_to_set = |var: &str, key: &str| match &file {
            Some(f) => format!("set {var} or `{key}` in [client] of {}", f.path.display()),
            None => format!("set {var}, or RUCIO_CONFIG to a rucio.cfg with `{key}` in [client]"),
        };

        let (host, origin) = pick("RUCIO_HOST", "rucio_host").ok_or_else(|| {
            config_error(format!(
                "no Rucio host: {}",
                where_to_set("RUCIO_HOST", "rucio_host")
            ))
        })?;
        check_url(&host, &origin)?;
        let mut config = RucioConfig::new(host);
        if let Some((auth_host, origin)) = pick("RUCIO_AUTH_HOST", "auth_host") {
            check_url(&auth_host, &origin)?;
            config.auth_host = Some(auth_host);
        }
        config.account = pick("RUCIO_ACCOUNT", "account").map(|(v, _)| v);
        config.vo = pick("RUCIO_VO", "vo").map(|(v, _)| v);
        config.ca_cert = pick("X509_CERT_DIR", "ca_cert").map(|(v, _)| expand_home(&v));
        if let Some((retries, origin)) = from_file("request_retries") {
            config.retry.retries = retries.parse().map_err(|_| {
                config_error(format!(
                    "{origin}: expected a number of retries, got {retries:?}"
                ))
            })?;
        }
        if let Some((name, origin)) = pick("RUCIO_AUTH_TYPE", "auth_type") {
            let need = |var: Option<&'static str>, key: &'static str| {
                let found = match var {
                    Some(var) => pick(var, key),
                    None => from_file(key),
                };
                found.map(|(v, _)| v).ok_or_else(|| {
                    let how = match var {
                        Some(var) => where_to_set(var, key),
                        None => match &file {
                            Some(f) => format!("set `{key}` in [client] of {}", f.path.display()),
                            None => format!("RUCIO_CONFIG must name a rucio.cfg with `{key}`"),
                        },
                    };
                    config_error(format!("{origin} is {name}, which needs `{key}`: {how}"))
                })
            };
            config.auth = Some(match name.as_str() {
                "userpass" => Auth::userpass(need(None, "username")?, need(None, "password")?),
                "x509" => Auth::X509 {
                    client_cert: expand_home(&need(Some("RUCIO_CLIENT_CERT"), "client_cert")?),
                    client_key: pick("RUCIO_CLIENT_KEY", "client_key")
                        .map(|(v, _)| expand_home(&v)),
                },
                "x509_proxy" => {
                    let proxy = pick("RUCIO_CLIENT_PROXY", "client_x509_proxy")
                        .or_else(|| {
                            env("X509_USER_PROXY").map(|v| (v, Origin::Env("X509_USER_PROXY")))
                        })
                        .map(|(v, _)| v);
                    Auth::X509Proxy {
                        proxy: expand_home(&proxy.ok_or_else(|| {
                            config_error(format!(
                                "{origin} is x509_proxy, which needs a proxy: {}, or X509_USER_PROXY",
                                where_to_set("RUCIO_CLIENT_PROXY", "client_x509_proxy")
                            ))
                        })?),
                    }
                }
                "ssh" => Auth::Ssh {
                    private_key: expand_home(&need(None, "ssh_private_key")?),
                },
                "gss" => Auth::Gss,
                "oidc" => Auth::Oidc,
                other => {
                    return Err(config_error(format!(
                        "{origin}: unknown authentication method {other:?}; expected one of \
                         userpass, x509, x509_proxy, ssh, gss, oidc"
                    )));
                }
            });
        }
        Ok(config)
    }

    /// Logs in on `auth_host` instead of the host (Rucio deployments often have a separate
    /// authentication server).
    pub fn with_auth_host(mut self, auth_host: impl Into<String>) -> Self {
        self.auth_host = Some(auth_host.into());
        self
    }

    /// The Rucio account to act as (`X-Rucio-Account`); logging in needs one.
    pub fn with_account(mut self, account: impl Into<String>) -> Self {
        self.account = Some(account.into());
        self
    }

    /// The virtual organisation (`X-Rucio-VO`), on multi-VO deployments only.
    pub fn with_vo(mut self, vo: impl Into<String>) -> Self {
        self.vo = Some(vo.into());
        self
    }

    /// How to log in.
    pub fn with_auth(mut self, auth: Auth) -> Self {
        self.auth = Some(auth);
        self
    }

    /// Trusts only the CA certificates in `ca_cert` (a PEM file, or a directory of them such as
    /// `/etc/grid-security/certificates`) instead of the system's, as Rucio's client does: grid
    /// servers are usually signed by CAs the system does not know.
    pub fn with_ca_cert(mut self, ca_cert: impl Into<PathBuf>) -> Self {
        self.ca_cert = Some(ca_cert.into());
        self
    }

    /// Starts with `token` instead of logging in first: a token from elsewhere (Rucio's own
    /// client, an OIDC flow). When the server refuses it, the client logs in with its
    /// [`Auth`], if it has one.
    pub fn with_token(mut self, token: AuthToken) -> Self {
        self.token = Some(token);
        self
    }

    /// Sets the timeout (default 30 s): of each whole attempt for ordinary calls, of connecting
    /// and of each wait for more data for streams (which may rightly take longer in all).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets how many times failed attempts are retried (default 5).
    pub fn with_retries(mut self, retries: u32) -> Self {
        self.retry.retries = retries;
        self
    }

    /// Sets the whole retry policy.
    pub fn with_retry_config(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Sends every call to `fake` instead of the network (tests); see [`crate::fake`].
    pub fn with_fake(mut self, fake: Fake) -> Self {
        self.fake = Some(fake);
        self
    }

    /// The server's base URL.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Where logins go: the auth host, or else the host.
    pub fn auth_host(&self) -> &str {
        self.auth_host.as_deref().unwrap_or(&self.host)
    }

    /// The account, if any.
    pub fn account(&self) -> Option<&str> {
        self.account.as_deref()
    }

    /// The virtual organisation, if any.
    pub fn vo(&self) -> Option<&str> {
        self.vo.as_deref()
    }

    /// The authentication method, if any.
    pub fn auth(&self) -> Option<&Auth> {
        self.auth.as_ref()
    }

    /// The CA certificates to trust instead of the system's, if set.
    pub fn ca_cert(&self) -> Option<&Path> {
        self.ca_cert.as_deref()
    }

    /// The timeout; see [`with_timeout`](Self::with_timeout).
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The retry policy.
    pub fn retry_config(&self) -> &RetryConfig {
        &self.retry
    }
}

fn config_error(message: String) -> Error {
    Error::new(ErrorKind::Config, message)
}

fn check_url(url: &str, origin: &Origin<'_>) -> Result<()> {
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Ok(()),
        _ => Err(config_error(format!(
            "{origin}: expected an http(s) URL, got {url:?}"
        ))),
    }
}

/// `~/…` as Rucio's client expands it; other paths as they are.
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(path),
    }
}

impl FromFake for RucioConfig {
    fn from_fake(fake: Fake) -> RucioConfig {
        RucioConfig::new("https://rucio.fake.invalid")
            .with_account("fake")
            .with_fake(fake)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `rucio.cfg` in a temporary directory, and a lookup of `pairs` plus `RUCIO_CONFIG`.
    struct Setup {
        _dir: tempfile::TempDir,
        path: PathBuf,
    }

    fn file(text: &str) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rucio.cfg");
        std::fs::write(&path, text).unwrap();
        Setup { _dir: dir, path }
    }

    impl Setup {
        fn load(&self, pairs: &[(&str, &str)]) -> Result<RucioConfig> {
            let path = self.path.to_string_lossy().into_owned();
            let pairs: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            RucioConfig::from_lookup(move |k| {
                if k == "RUCIO_CONFIG" {
                    return Some(path.clone());
                }
                pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
            })
        }
    }

    const USERPASS: &str = "[common]\nloglevel = WARNING\n\n[client]\n\
        rucio_host = https://rucio.example.org\nauth_host = https://rucio-auth.example.org\n\
        auth_type = userpass\nusername = alice\npassword = hunter2-secret\naccount = alice\n\
        ca_cert = /etc/grid-security/certificates\nrequest_retries = 3\n\
        auth_token_file_path = /tmp/ignored\n";

    #[test]
    fn client_section_of_the_file() {
        let c = file(USERPASS).load(&[]).unwrap();
        assert_eq!(c.host(), "https://rucio.example.org");
        assert_eq!(c.auth_host(), "https://rucio-auth.example.org");
        assert_eq!(c.account(), Some("alice"));
        assert_eq!(c.vo(), None);
        assert_eq!(c.auth(), Some(&Auth::userpass("alice", "hunter2-secret")));
        assert_eq!(
            c.ca_cert(),
            Some(Path::new("/etc/grid-security/certificates"))
        );
        assert_eq!(c.retry_config().retries, 3);
        assert_eq!(
            RucioConfig::from_file(&file(USERPASS).path)
                .unwrap()
                .account(),
            Some("alice")
        );
    }

    #[test]
    fn environment_overrides_the_file() {
        let c = file(USERPASS)
            .load(&[
                ("RUCIO_HOST", "http://127.0.0.1:8080"),
                ("RUCIO_AUTH_HOST", ""),
                ("RUCIO_ACCOUNT", "root"),
                ("RUCIO_VO", "atl"),
                ("X509_CERT_DIR", "/opt/certs"),
            ])
            .unwrap();
        assert_eq!(c.host(), "http://127.0.0.1:8080");
        // Empty means unset: the file's auth host stays.
        assert_eq!(c.auth_host(), "https://rucio-auth.example.org");
        assert_eq!(c.account(), Some("root"));
        assert_eq!(c.vo(), Some("atl"));
        assert_eq!(c.ca_cert(), Some(Path::new("/opt/certs")));

        let x509 = file(USERPASS)
            .load(&[
                ("RUCIO_AUTH_TYPE", "x509"),
                ("RUCIO_CLIENT_CERT", "/home/alice/cert.pem"),
                ("RUCIO_CLIENT_KEY", "/home/alice/key.pem"),
            ])
            .unwrap();
        assert_eq!(
            x509.auth(),
            Some(&Auth::x509(
                "/home/alice/cert.pem",
                Some("/home/alice/key.pem".into())
            ))
        );
    }

    #[test]
    fn without_a_file_the_environment_is_enough() {
        let c = RucioConfig::from_lookup(|k| {
            [
                ("RUCIO_HOST", "https://rucio.example.org"),
                ("RUCIO_ACCOUNT", "root"),
            ]
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
        })
        .unwrap();
        assert_eq!(c.auth_host(), "https://rucio.example.org");
        assert!(c.auth().is_none());
        let err = RucioConfig::from_lookup(|_| None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.message().contains("RUCIO_HOST"), "{err}");
    }

    #[test]
    fn x509_and_other_methods_from_the_file() {
        let c = file(
            "[client]\nrucio_host = https://r.example.org\nauth_type = x509\n\
             client_cert = /c/usercert.pem\nclient_key = /c/userkey.pem\n",
        )
        .load(&[])
        .unwrap();
        assert_eq!(
            c.auth(),
            Some(&Auth::x509(
                "/c/usercert.pem",
                Some("/c/userkey.pem".into())
            ))
        );
        let proxy = file("[client]\nrucio_host = https://r.example.org\nauth_type = x509_proxy\n")
            .load(&[("X509_USER_PROXY", "/tmp/x509up_u1000")])
            .unwrap();
        assert_eq!(
            proxy.auth(),
            Some(&Auth::X509Proxy {
                proxy: "/tmp/x509up_u1000".into()
            })
        );
        for (name, auth) in [("gss", Auth::Gss), ("oidc", Auth::Oidc)] {
            let c = file(&format!(
                "[client]\nrucio_host = https://r.example.org\nauth_type = {name}\n"
            ))
            .load(&[])
            .unwrap();
            assert_eq!(c.auth(), Some(&auth));
        }
    }

    #[test]
    fn bad_settings_name_the_file_and_key() {
        // (file, environment, what the message must say)
        type Case = (
            &'static str,
            &'static [(&'static str, &'static str)],
            &'static [&'static str],
        );
        let cases: [Case; 7] = [
            (
                "[common]\nx = 1\n",
                &[],
                &["no Rucio host", "rucio_host", "rucio.cfg"],
            ),
            (
                "[client]\nrucio_host = not a url\n",
                &[],
                &["rucio.cfg: [client] rucio_host", "expected an http(s) URL"],
            ),
            (
                "[client]\nrucio_host = https://r\nauth_type = kerberos\n",
                &[],
                &["rucio.cfg: [client] auth_type", "unknown", "\"kerberos\""],
            ),
            (
                "[client]\nrucio_host = https://r\nauth_type = userpass\nusername = a\n",
                &[],
                &[
                    "[client] auth_type is userpass, which needs `password`",
                    "rucio.cfg",
                ],
            ),
            (
                "[client]\nrucio_host = https://r\nauth_type = x509\n",
                &[],
                &["needs `client_cert`", "RUCIO_CLIENT_CERT", "rucio.cfg"],
            ),
            (
                "[client]\nrucio_host = https://r\nrequest_retries = many\n",
                &[],
                &["rucio.cfg: [client] request_retries", "\"many\""],
            ),
            (
                "[client]\nrucio_host = https://r\n",
                &[("RUCIO_AUTH_TYPE", "bogus")],
                &["RUCIO_AUTH_TYPE: unknown", "\"bogus\""],
            ),
        ];
        for (text, env, expected) in cases {
            let err = file(text).load(env).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Config, "{err}");
            for part in expected {
                assert!(err.message().contains(part), "{part:?} not in {err}");
            }
        }
        // A missing file and a malformed one are named too, the password never.
        let err = RucioConfig::from_file("/nonexistent/rucio.cfg").unwrap_err();
        assert!(err.message().contains("/nonexistent/rucio.cfg"), "{err}");
        let err = file("[client]\npassword hunter2-secret\n")
            .load(&[])
            .unwrap_err();
        assert!(err.message().contains("rucio.cfg: line 2"), "{err}");
        assert!(!format!("{err} {err:?}").contains("hunter2"), "{err}");
    }

    #[test]
    fn debug_hides_password_and_token() {
        let c = file(USERPASS)
            .load(&[])
            .unwrap()
            .with_token(AuthToken::new("alice-token-0123456789"));
        for shown in [format!("{c:?}"), format!("{c:#?}")] {
            assert!(!shown.contains("hunter2-secret"), "{shown}");
            assert!(!shown.contains("0123456789"), "{shown}");
            assert!(shown.contains("alice") && shown.contains("rucio.example.org"));
        }
    }

    #[test]
    fn builders_set_what_they_say() {
        let retry = RetryConfig {
            retries: 1,
            ..RetryConfig::default()
        };
        let c = RucioConfig::new("https://r.example.org")
            .with_auth_host("https://auth.example.org")
            .with_account("root")
            .with_vo("def")
            .with_auth(Auth::userpass("u", "p"))
            .with_ca_cert("/ca.pem")
            .with_timeout(Duration::from_secs(5))
            .with_retry_config(retry.clone());
        assert_eq!(c.auth_host(), "https://auth.example.org");
        assert_eq!(c.vo(), Some("def"));
        assert_eq!(c.timeout(), Duration::from_secs(5));
        assert_eq!(c.retry_config(), &retry);
        assert_eq!(c.clone().with_retries(7).retry_config().retries, 7);
        assert_eq!(c.ca_cert(), Some(Path::new("/ca.pem")));
    }
}
