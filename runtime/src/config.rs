//! Configuration shared by every service client: root URL, credentials, timeouts, retries and
//! the HTTP connection pool.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::{Credentials, Error, ErrorKind, Result};

/// How failed attempts are retried: 5xx answers and transport errors (connection refused or
/// reset, timeouts) are; 4xx answers never are.
///
/// Before retry number `n` (0 for the first retry) the client waits
/// `min(2^n × delay_factor × random(1 ± randomization_factor), max_delay)`.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryConfig {
    /// How many times a failed attempt is retried (so at most `retries + 1` attempts). Default 5.
    pub retries: u32,
    /// Base delay. Default 100 ms.
    pub delay_factor: Duration,
    /// Random spread of each delay. Default 0.25, i.e. ×0.75 to ×1.25.
    pub randomization_factor: f64,
    /// Longest delay. Default 30 s.
    pub max_delay: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            retries: 5,
            delay_factor: Duration::from_millis(100),
            randomization_factor: 0.25,
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryConfig {
    /// The delay before retry number `retry` (0 for the first retry).
    pub fn delay(&self, retry: u32) -> Duration {
        let spread = self.randomization_factor * (fastrand::f64() * 2.0 - 1.0) + 1.0;
        let base = self.delay_factor.as_secs_f64() * 2f64.powi(retry.min(62) as i32);
        let secs = (base * spread).max(0.0);
        Duration::try_from_secs_f64(secs)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }
}

/// The attempts of one operation under a [`RetryConfig`]: the one place that says how many
/// failures are retried and how long to wait before the next attempt.
pub(crate) struct Attempts<'a> {
    retry: &'a RetryConfig,
    made: u32,
}

impl<'a> Attempts<'a> {
    pub(crate) fn new(retry: &'a RetryConfig) -> Attempts<'a> {
        Attempts { retry, made: 0 }
    }

    /// Starts an attempt.
    pub(crate) fn start(&mut self) {
        self.made += 1;
    }

    /// How many attempts were started.
    pub(crate) fn made(&self) -> u32 {
        self.made
    }

    /// Whether the attempt under way may be retried if it fails.
    pub(crate) fn may_retry(&self) -> bool {
        self.made <= self.retry.retries
    }

    /// How long to wait before the next attempt, longer after each failure (random: ask once).
    pub(crate) fn delay(&self) -> Duration {
        self.retry.delay(self.made.saturating_sub(1))
    }

    /// Tells `tracing` why the attempt failed (`error_type` as OpenTelemetry's `error.type`,
    /// `reason` for people), then waits before the next attempt, longer after each failure.
    pub(crate) async fn retry(&self, error_type: &str, reason: &str) {
        let pause = self.delay();
        crate::trace::retry(self.made, pause, error_type, reason);
        tokio::time::sleep(pause).await;
    }
}

/// The default timeout of one HTTP attempt: 30 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

type HttpSlot = Arc<OnceLock<std::result::Result<reqwest::Client, String>>>;

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
    pub(crate) fake: Option<crate::fake::Fake>,
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
        let _ = slot.set(Ok(client));
        self.http = Arc::new(slot);
        self
    }

    /// Sends every call to `fake` instead of the network; see [`crate::fake`].
    pub fn with_fake(mut self, fake: crate::fake::Fake) -> Self {
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
        self.http
            .get_or_init(|| {
                reqwest::Client::builder()
                    .timeout(self.timeout)
                    .redirect(reqwest::redirect::Policy::none())
                    .tcp_nodelay(true)
                    .build()
                    .map_err(|e| format!("cannot build the HTTP client: {e}"))
            })
            .clone()
            .map_err(|e| Error::new(ErrorKind::Config, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::fake_env as env;

    #[test]
    fn attempts_retry_as_many_failures_as_configured() {
        let retry = RetryConfig {
            retries: 2,
            ..RetryConfig::default()
        };
        let mut attempts = Attempts::new(&retry);
        let mut may_retry = Vec::new();
        for _ in 0..3 {
            attempts.start();
            may_retry.push(attempts.may_retry());
        }
        assert_eq!(may_retry, [true, true, false]);
        assert_eq!(attempts.made(), 3);
    }

    #[test]
    fn retry_delays_follow_the_formula() {
        let r = RetryConfig::default();
        for retry in 0..12 {
            let nominal = 0.1 * 2f64.powi(retry as i32);
            for _ in 0..50 {
                let d = r.delay(retry).as_secs_f64();
                assert!(d >= (nominal * 0.75).min(30.0) - 1e-9, "{retry}: {d}");
                assert!(d <= (nominal * 1.25).min(30.0) + 1e-9, "{retry}: {d}");
            }
        }
        assert_eq!(r.delay(1000), Duration::from_secs(30));
    }

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
