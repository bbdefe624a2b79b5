//! [`RucioClient`]: the core's client with Rucio's token login, headers and error answers.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use reqwest::header::{DATE, HeaderMap, HeaderName, HeaderValue};
use runtime_core::transport::Outgoing;
use runtime_core::{Client, HttpTransport, Method, Request, Transport};
use tracing::debug;
use url::Url;

use crate::family::{self, header};
use crate::token::{self, Cached};
use crate::{AuthToken, RucioConfig};
use runtime_core::{Error, ErrorKind, Result};

const TOKEN_HEADER: &str = "x-rucio-auth-token";
pub(crate) const USER_AGENT: &str = concat!("rucio-runtime/", env!("CARGO_PKG_VERSION"));

/// A client for one Rucio server and account; cheap to clone, and clones share the connection
/// pool and the token.
///
/// It logs in when it first needs a token, sends it as `X-Rucio-Auth-Token`, logs in again
/// shortly before the token expires, and once more if the server refuses it with
/// `CannotAuthenticate` (then the call is retried once). `Debug` never shows secrets.
#[derive(Clone)]
pub struct RucioClient {
    core: Client,
    login: Arc<TokenAuth>,
}

impl fmt::Debug for RucioClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.login.config;
        f.debug_struct("RucioClient")
            .field("host", &c.host)
            .field("auth_host", &c.auth_host())
            .field("account", &c.account)
            .field("auth", &c.auth.as_ref().map(crate::Auth::name))
            .field("logins", &self.logins())
            .finish_non_exhaustive()
    }
}

impl RucioClient {
    /// A client for `config`.
    ///
    /// Fails (with [`ErrorKind::Config`]) on an invalid host URL, unreadable CA or x509 files
    /// or an account that cannot be sent in a header: problems no retry can fix, reported
    /// before the first call.
    pub fn new(config: &RucioConfig) -> Result<RucioClient> {
        let base = base_url(&config.host, "host")?;
        let auth_base = base_url(config.auth_host(), "auth host")?;
        let transport: Arc<dyn Transport> = match &config.fake {
            Some(fake) => Arc::new(fake.clone()),
            None => Arc::new(http_transport(config)?),
        };
        let ssh = match &config.auth {
            Some(crate::Auth::Ssh { private_key }) => Some(crate::SshKey::load(private_key)?),
            _ => None,
        };
        let mut common = HeaderMap::new();
        for (name, value, what) in [
            ("x-rucio-account", &config.account, "account"),
            ("x-rucio-vo", &config.vo, "VO"),
        ] {
            if let Some(value) = value {
                let value = HeaderValue::from_str(value).map_err(|_| {
                    Error::new(
                        ErrorKind::Config,
                        format!("the Rucio {what} {value:?} cannot be sent in an HTTP header"),
                    )
                })?;
                common.insert(HeaderName::from_static(name), value);
            }
        }
        // Logins go through a client of their own, to the auth host and without a token.
        let login_client = Client::builder(family::RUCIO, "rucio", &auth_base)
            .transport(Ok(transport.clone()))
            .retry(config.retry.clone())
            .timeout(Some(config.timeout))
            .headers(common.clone())
            .build();
        let login = Arc::new(TokenAuth {
            config: config.clone(),
            client: login_client,
            ssh,
            token: tokio::sync::Mutex::new(config.token.clone().map(Cached::preset)),
            logins: AtomicU64::new(0),
        });
        let core = Client::builder(family::RUCIO, "rucio", &base)
            .origin(&auth_base)
            .auth(Some(login.clone()))
            .transport(Ok(transport))
            .retry(config.retry.clone())
            .timeout(Some(config.timeout))
            .headers(common)
            .build();
        Ok(RucioClient { core, login })
    }

    /// Starts a request to `path`, relative to the host (`accounts/whoami`; a leading `/` is
    /// ignored), with path parameters already escaped ([`escape`](runtime_core::escape)).
    pub fn request(&self, method: Method, path: impl Into<String>) -> Request {
        self.core.request(method, path)
    }

    /// The core client underneath.
    pub fn core(&self) -> &Client {
        &self.core
    }

    /// A token that is not about to expire, logging in if there is none: for handing to tools
    /// that talk to Rucio themselves.
    pub async fn token(&self) -> Result<AuthToken> {
        self.login.current_token().await?.ok_or_else(|| {
            Error::new(
                ErrorKind::Credentials,
                "no Rucio token and no authentication method to get one (RucioConfig::with_auth)",
            )
        })
    }

    /// When the token held now expires, as the server said (`X-Rucio-Auth-Token-Expires`);
    /// `None` before the first login or for a token given with
    /// [`RucioConfig::with_token`]. Does not log in.
    pub async fn token_expires(&self) -> Option<DateTime<Utc>> {
        self.login
            .token
            .lock()
            .await
            .as_ref()
            .and_then(|c| c.expires)
    }

    /// How many times this client and its clones have logged in: a measure of how well the
    /// token is reused.
    pub fn logins(&self) -> u64 {
        self.login.logins.load(Ordering::Relaxed)
    }

    /// The configuration this client was made from.
    pub fn config(&self) -> &RucioConfig {
        &self.login.config
    }

    /// A challenge for an SSH login (`GET /auth/ssh_challenge_token`, answered in the
    /// `X-Rucio-SSH-Challenge-Token` header), valid for seconds: sign it with
    /// [`SshKey::sign`](crate::SshKey::sign) and send it to `GET /auth/ssh`. A client made with
    /// [`Auth::Ssh`](crate::Auth::Ssh) does this by itself when it logs in.
    pub async fn ssh_challenge(&self) -> Result<String> {
        self.login.ssh_challenge().await
    }
}

/// The one HTTP client of a Rucio configuration: with the x509 identity for every call (logins
/// need it, and so do views that read the caller's DN beside its token, such as
/// `PUT /identities/{account}/x509`; Rucio's own client presents it to logins only, so it
/// cannot make those calls), and the configured CA roots.
fn http_transport(config: &RucioConfig) -> Result<HttpTransport> {
    let roots = config.ca_cert.as_deref().map(read_ca).transpose()?;
    let identity = config
        .auth
        .as_ref()
        .map(crate::Auth::identity)
        .transpose()?
        .flatten();
    HttpTransport::build(config.timeout, |mut builder| {
        builder = builder.user_agent(USER_AGENT);
        if let Some(roots) = roots {
            builder = builder.tls_certs_only(roots);
        }
        if let Some(identity) = identity {
            builder = builder.identity(identity);
        }
        builder
    })
}

/// Rucio's authentication for the core: the token, logged in for, renewed and re-obtained.
struct TokenAuth {
    config: RucioConfig,
    /// A client of the auth host, without authentication.
    client: Client,
    /// The key of `Auth::Ssh`, read when the client is made.
    ssh: Option<crate::SshKey>,
    /// Behind an async mutex so that concurrent calls that find no fresh token log in once.
    token: tokio::sync::Mutex<Option<Cached>>,
    logins: AtomicU64,
}

impl fmt::Debug for TokenAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenAuth")
            .field("auth", &self.config.auth.as_ref().map(crate::Auth::name))
            .finish_non_exhaustive()
    }
}

impl runtime_core::Auth for TokenAuth {
    fn authorize<'a>(&'a self, request: &'a mut Outgoing) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            if let Some(token) = self.current_token().await? {
                let mut value = HeaderValue::from_str(token.secret()).map_err(|_| {
                    Error::new(
                        ErrorKind::Credentials,
                        "the token cannot be sent in an HTTP header",
                    )
                })?;
                value.set_sensitive(true);
                request
                    .headers
                    .insert(HeaderName::from_static(TOKEN_HEADER), value);
            }
            Ok(())
        })
    }

    fn refused<'a>(&'a self, request: &'a Outgoing, error: &'a Error) -> BoxFuture<'a, bool> {
        Box::pin(async move {
            let sent = request
                .headers
                .get(TOKEN_HEADER)
                .and_then(|v| v.to_str().ok());
            let Some(sent) = sent else {
                return false;
            };
            if error.code() != Some("CannotAuthenticate") || self.config.auth.is_none() {
                return false;
            }
            debug!(
                http.response.status_code = 401,
                error.type = "CannotAuthenticate",
                "Rucio refused the token: logging in again"
            );
            // Forget it, unless another call has replaced it already.
            let mut slot = self.token.lock().await;
            if slot.as_ref().is_some_and(|c| c.token.secret() == sent) {
                *slot = None;
            }
            true
        })
    }
}

impl TokenAuth {
    fn logins(&self) -> u64 {
        self.logins.load(Ordering::Relaxed)
    }

    /// The token to send, logging in when there is none or it is about to expire; `None`
    /// without a token and a way to get one (calls such as `/ping` need none).
    async fn current_token(&self) -> Result<Option<AuthToken>> {
        let mut slot = self.token.lock().await;
        let can_login = self.config.auth.is_some();
        if let Some(cached) = slot.as_ref()
            && (!can_login || cached.is_fresh(Instant::now()))
        {
            return Ok(Some(cached.token.clone()));
        }
        if !can_login {
            return Ok(None);
        }
        let reason = match slot.as_ref() {
            Some(_) => LoginReason::Expiring,
            None if self.logins() == 0 => LoginReason::First,
            None => LoginReason::Refused,
        };
        let fresh = self.login(reason).await?;
        let token = fresh.token.clone();
        *slot = Some(fresh);
        Ok(Some(token))
    }

    /// A `GET` of `path` on the auth host, without a token.
    fn login_request(&self, path: &str, name: &'static str) -> Request {
        self.client.request(Method::GET, path).name(name)
    }

    async fn ssh_challenge(&self) -> Result<String> {
        let (_, headers) = self
            .login_request("auth/ssh_challenge_token", "ssh_challenge")
            .send_for_headers()
            .await?;
        header(&headers, "x-rucio-ssh-challenge-token")
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::ServerError,
                    "the answer has no X-Rucio-SSH-Challenge-Token",
                )
            })
    }

    /// Logs in, telling `tracing` why and how it went (never the token or the password).
    async fn login(&self, reason: LoginReason) -> Result<Cached> {
        let started = Instant::now();
        let result = self.login_untraced().await;
        let config = &self.config;
        let method = config.auth.as_ref().map(crate::Auth::name);
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        match &result {
            Ok(cached) => debug!(
                rucio.auth.method = method,
                rucio.account = config.account.as_deref(),
                rucio.login.reason = reason.as_str(),
                rucio.token.expires = cached.expires.map(|t| t.to_rfc3339()),
                tc.duration_ms = ms,
                "{}",
                reason.done(),
            ),
            Err(e) => debug!(
                rucio.auth.method = method,
                rucio.account = config.account.as_deref(),
                rucio.login.reason = reason.as_str(),
                http.response.status_code = e.status(),
                error.type = runtime_core::trace::error_type(e),
                error.message = e.message(),
                tc.duration_ms = ms,
                "Rucio login failed",
            ),
        }
        result
    }

    async fn login_untraced(&self) -> Result<Cached> {
        let config = &self.config;
        let Some(auth) = &config.auth else {
            return Err(Error::new(
                ErrorKind::Credentials,
                "no authentication method",
            ));
        };
        if config.account.is_none() {
            return Err(Error::new(
                ErrorKind::Credentials,
                "logging in to Rucio needs an account (RucioConfig::with_account, RUCIO_ACCOUNT)",
            ));
        }
        let (path, headers) = auth.login_request()?;
        let mut request = self.login_request(path, auth.name());
        for (name, value) in &headers {
            let value = value
                .to_str()
                .map_err(|_| Error::new(ErrorKind::Credentials, format!("an unsendable {name}")))?;
            request = request.header(name.as_str(), value);
        }
        if let Some(key) = &self.ssh {
            let signature = key.sign(&self.ssh_challenge().await?)?;
            request = request.header("x-rucio-ssh-signature", signature);
        }
        let (_, headers) = request.send_for_headers().await?;
        self.logins.fetch_add(1, Ordering::Relaxed);
        let received = Instant::now();
        let token = header(&headers, TOKEN_HEADER)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::ServerError,
                    "the login answer has no X-Rucio-Auth-Token",
                )
            })?;
        let server_now = header(&headers, DATE.as_str()).and_then(token::parse_date);
        let expires = header(&headers, "x-rucio-auth-token-expires").and_then(token::parse_date);
        Ok(Cached::from_login(
            AuthToken::new(token),
            received,
            server_now,
            expires,
        ))
    }
}

/// Why the client logs in.
#[derive(Clone, Copy)]
enum LoginReason {
    /// It had no token yet.
    First,
    /// Its token is about to expire: a renewal.
    Expiring,
    /// The server refused its token.
    Refused,
}

impl LoginReason {
    fn as_str(self) -> &'static str {
        match self {
            LoginReason::First => "first",
            LoginReason::Expiring => "expiring",
            LoginReason::Refused => "refused",
        }
    }

    fn done(self) -> &'static str {
        match self {
            LoginReason::First => "logged in to Rucio",
            LoginReason::Expiring => "renewed the Rucio token before it expired",
            LoginReason::Refused => "logged in to Rucio again after a refused token",
        }
    }
}

/// `host` as a base URL ending in `/`.
fn base_url(host: &str, what: &str) -> Result<String> {
    let parsed = Url::parse(host)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host() && u.query().is_none());
    let Some(parsed) = parsed else {
        return Err(Error::new(
            ErrorKind::Config,
            format!("the Rucio {what} {host:?} is not an http(s) URL"),
        ));
    };
    let mut base = String::from(parsed);
    if !base.ends_with('/') {
        base.push('/');
    }
    Ok(base)
}

/// The CA certificates in a PEM file, or in the files of a directory (ignoring those that hold
/// none, such as a grid CA directory's `.signing_policy` files).
pub(crate) fn read_ca(path: &Path) -> Result<Vec<reqwest::Certificate>> {
    let unreadable = |e: std::io::Error, file: &Path| {
        Error::new(
            ErrorKind::Config,
            format!("cannot read the CA certificates {}: {e}", file.display()),
        )
        .with_source(e)
    };
    let files = if path.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| unreadable(e, path))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        files
    } else {
        vec![path.to_owned()]
    };
    let mut certs = Vec::new();
    for file in &files {
        let pem = std::fs::read(file).map_err(|e| unreadable(e, file))?;
        if let Ok(found) = reqwest::Certificate::from_pem_bundle(&pem) {
            certs.extend(found);
        }
    }
    if certs.is_empty() {
        return Err(Error::new(
            ErrorKind::Config,
            format!("no PEM CA certificates in {}", path.display()),
        ));
    }
    Ok(certs)
}
