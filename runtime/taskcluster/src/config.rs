//! Configuration shared by every service client: root URL, credentials, timeouts, retries and
//! the HTTP connection pool.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use runtime_core::fake::{Fake, FromFake};
use runtime_core::{DEFAULT_TIMEOUT, HttpTransport, RetryConfig, Transport};

use crate::{Credentials, Error, ErrorKind, Result};

type HttpSlot = Arc<OnceLock<std::result::Result<HttpTransport, String>>>;

/// Configuration shared by every service client: root URL, credentials, HTTP settings.
///
/// Clones share one HTTP client (connection pool), built on first use; the setters that change
/// HTTP settings start a new one. `Debug` never shows secrets.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    pub(crate) root_url: String,
    pub(crate) credentials: Option<Credentials>,
    pub(crate) proxy_url: Option<String>,
    pub(crate) timeout: Duration,
    pub(crate) retry: RetryConfig,
    pub(crate) http: HttpSlot,
    /// Answers calls in process instead of the network (tests).
    pub(crate) fake: Option<Fake>,
    /// Whether `http` is the caller's own client (whose timeout applies).
    pub(crate) own_http: bool,
}

impl ClientConfig {
    /// A configuration for `root_url`, without credentials.
    pub fn new(root_url: impl Into<String>) -> Self {
        ClientConfig {
            root_url: root_url.into(),
            credentials: None,
            proxy_url: None,
            timeout: DEFAULT_TIMEOUT,
            retry: RetryConfig::default(),
            http: HttpSlot::default(),
            fake: None,
            own_http: false,
        }
    }

    /// A configuration from the environment: `TASKCLUSTER_ROOT_URL` (required),
    /// `TASKCLUSTER_CLIENT_ID`, `TASKCLUSTER_ACCESS_TOKEN`, `TASKCLUSTER_CERTIFICATE` and
    /// `TASKCLUSTER_PROXY_URL`. Empty values count as unset; without a client id calls are
    /// unauthenticated, and with a proxy URL they go unsigned through taskcluster-proxy.
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let get = |k: &str| get(k).filter(|v| !v.is_empty());
        let root = get("TASKCLUSTER_ROOT_URL")
            .ok_or_else(|| Error::new(ErrorKind::Config, "TASKCLUSTER_ROOT_URL is not set"))?;
        let mut config = ClientConfig::new(root);
        config.credentials = Credentials::from_lookup(get)?;
        config.proxy_url = get("TASKCLUSTER_PROXY_URL");
        Ok(config)
    }

    /// Uses `credentials` to sign requests.
    pub fn with_credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Sends requests unauthenticated.
    pub fn without_credentials(mut self) -> Self {
        self.credentials = None;
        self
    }

    /// Sends requests, unsigned, through the taskcluster-proxy at `proxy_url` (which signs
    /// them). URLs from [`Request::url`](crate::Request::url) and
    /// [`Request::signed_url`](crate::Request::signed_url) still use the root URL.
    pub fn with_proxy_url(mut self, proxy_url: impl Into<String>) -> Self {
        self.proxy_url = Some(proxy_url.into()).filter(|u| !u.is_empty());
        self
    }

    /// Sets the timeout of each HTTP attempt (default 30 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self.http = HttpSlot::default();
        self.own_http = false;
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

    /// Uses `client` for HTTP. It should not follow redirects (Taskcluster answers some calls,
    /// like `queue.getArtifact`, with a 303 whose JSON body is the result), and its own
    /// timeout applies instead of [`ClientConfig::with_timeout`]'s.
    pub fn with_http_client(mut self, client: reqwest::Client) -> Self {
        let slot = OnceLock::new();
        let _ = slot.set(Ok(HttpTransport::new(client)));
        self.http = Arc::new(slot);
        self.own_http = true;
        self
    }

    /// Sends every call to `fake` instead of the network; see [`crate::fake`].
    pub fn with_fake(mut self, fake: Fake) -> Self {
        self.fake = Some(fake);
        self
    }

    /// The root URL.
    pub fn root_url(&self) -> &str {
        &self.root_url
    }

    /// The credentials, if any.
    pub fn credentials(&self) -> Option<&Credentials> {
        self.credentials.as_ref()
    }

    /// The taskcluster-proxy URL, if any.
    pub fn proxy_url(&self) -> Option<&str> {
        self.proxy_url.as_deref()
    }

    /// The timeout of each HTTP attempt.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The retry policy.
    pub fn retry_config(&self) -> &RetryConfig {
        &self.retry
    }

    /// The shared HTTP client, built on first use: rustls, no redirects, the configured
    /// timeout, connection reuse.
    pub fn http_client(&self) -> Result<reqwest::Client> {
        self.http_transport().map(|t| t.client().clone())
    }

    fn http_transport(&self) -> Result<HttpTransport> {
        self.http
            .get_or_init(|| {
                HttpTransport::build(self.timeout, |b| b).map_err(|e| e.message().to_owned())
            })
            .clone()
            .map_err(|e| Error::new(ErrorKind::Config, e))
    }

    /// Where this configuration's calls go: the fake, or the shared HTTP client.
    pub(crate) fn transport(&self) -> std::result::Result<Arc<dyn Transport>, String> {
        match &self.fake {
            Some(fake) => Ok(Arc::new(fake.clone())),
            None => self
                .http_transport()
                .map(|t| Arc::new(t) as Arc<dyn Transport>)
                .map_err(|e| e.message().to_owned()),
        }
    }

    /// The bound of one attempt that reads its whole answer: the configured timeout, unless the
    /// caller's own HTTP client has its own.
    pub(crate) fn whole_timeout(&self) -> Option<Duration> {
        (!self.own_http).then_some(self.timeout)
    }
}

impl FromFake for ClientConfig {
    fn from_fake(fake: Fake) -> ClientConfig {
        ClientConfig::new("https://taskcluster.fake.invalid").with_fake(fake)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::fake_env as env;

    #[test]
    fn config_from_env_lookup() {
        assert!(ClientConfig::from_lookup(env(&[])).is_err());
        assert!(ClientConfig::from_lookup(env(&[("TASKCLUSTER_ROOT_URL", "")])).is_err());
        let c = ClientConfig::from_lookup(env(&[
            ("TASKCLUSTER_ROOT_URL", "https://tc.example.com"),
            ("TASKCLUSTER_CLIENT_ID", ""),
            ("TASKCLUSTER_PROXY_URL", ""),
        ]))
        .unwrap();
        assert!(c.credentials().is_none() && c.proxy_url().is_none());
        let c = ClientConfig::from_lookup(env(&[
            ("TASKCLUSTER_ROOT_URL", "https://tc.example.com"),
            ("TASKCLUSTER_CLIENT_ID", "me"),
            ("TASKCLUSTER_ACCESS_TOKEN", "secret-token"),
            ("TASKCLUSTER_PROXY_URL", "http://taskcluster"),
        ]))
        .unwrap();
        assert_eq!(c.credentials().unwrap().client_id, "me");
        assert_eq!(c.proxy_url(), Some("http://taskcluster"));
        assert!(!format!("{c:?}").contains("secret-token"));
    }

    #[test]
    fn clients_share_one_http_client() {
        let config = ClientConfig::new("https://tc.example.com");
        config.http_client().unwrap();
        // Clones and non-HTTP setters keep the slot (and so the pool); HTTP setters replace it.
        assert!(Arc::ptr_eq(
            &config.http,
            &config.clone().with_retries(1).http
        ));
        assert!(!Arc::ptr_eq(
            &config.http,
            &config.clone().with_timeout(Duration::from_secs(1)).http
        ));
    }
}
