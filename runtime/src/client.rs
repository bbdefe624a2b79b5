//! A client for one service: its base URL, the host and port Hawk signs, its signers.

use std::sync::Arc;

use url::Url;

use crate::{ClientConfig, Request, RetryConfig};
use crate::{Method, hawk, urls};

/// Host and port of a base URL, as Hawk signs them.
#[derive(Debug)]
pub(crate) struct Endpoint {
    pub(crate) host: String,
    pub(crate) port: u16,
}

pub(crate) fn endpoint(base: &str) -> std::result::Result<Endpoint, String> {
    let url = Url::parse(base).map_err(|e| format!("invalid URL {base:?}: {e}"))?;
    let host = url
        .host_str()
        .ok_or_else(|| format!("URL {base:?} has no host"))?;
    let port = url
        .port_or_known_default()
        .ok_or_else(|| format!("URL {base:?} has no port"))?;
    Ok(Endpoint {
        host: host.to_owned(),
        port,
    })
}

#[derive(Debug)]
pub(crate) struct ClientInner {
    pub(crate) service: &'static str,
    pub(crate) api_version: &'static str,
    /// Where requests go: the root URL's API base, or the proxy's.
    pub(crate) request_base_url: String,
    /// The root URL's API base, for [`Request::url`] and [`Request::signed_url`].
    pub(crate) base_url_public: String,
    /// Host and port of `base_url_public`, or why it is invalid.
    pub(crate) public: std::result::Result<Endpoint, String>,
    /// Why `request_base_url` is invalid, if it is (it differs from `base_url_public` only with a proxy).
    pub(crate) base_error: Option<String>,
    /// Signs requests: `None` without credentials or through a proxy.
    pub(crate) request_signer: Option<hawk::Signer>,
    /// Signs URLs: `None` without credentials.
    pub(crate) url_signer: Option<hawk::Signer>,
    pub(crate) http: std::result::Result<reqwest::Client, String>,
    pub(crate) retry: RetryConfig,
    pub(crate) fake: Option<crate::fake::Fake>,
    /// The configuration the client was made from (object transfers build related clients).
    pub(crate) config: ClientConfig,
}

/// A client for one service of one deployment; cheap to clone.
///
/// It caches the base URL, the host and port Hawk signs, and the keyed HMAC, and shares its
/// configuration's HTTP client.
#[derive(Clone, Debug)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
}

impl Client {
    /// A client for `service` at `api_version` (for example `"queue"`, `"v1"`).
    ///
    /// Never fails: an invalid root URL or HTTP setting is reported by each request.
    pub fn new(config: &ClientConfig, service: &'static str, api_version: &'static str) -> Self {
        let base_url_public = urls::api_base(&config.root_url, service, api_version);
        let public = endpoint(&base_url_public);
        let (base_url, base_error) = match &config.proxy_url {
            Some(proxy) => {
                let base = urls::api_base(proxy, service, api_version);
                let err = endpoint(&base).err();
                (base, err)
            }
            None => (base_url_public.clone(), public.as_ref().err().cloned()),
        };
        let url_signer = config
            .credentials
            .as_ref()
            .map(|c| hawk::Signer::new(&c.client_id, &c.access_token, c.hawk_ext()));
        let request_signer = if config.proxy_url.is_some() {
            None
        } else {
            url_signer.clone()
        };
        Client {
            inner: Arc::new(ClientInner {
                service,
                api_version,
                request_base_url: base_url,
                base_url_public,
                public,
                base_error,
                request_signer,
                url_signer,
                http: config.http_client().map_err(|e| e.message().to_owned()),
                retry: config.retry.clone(),
                fake: config.fake.clone(),
                config: config.clone(),
            }),
        }
    }

    /// The service name, e.g. `"queue"`.
    pub fn service(&self) -> &'static str {
        self.inner.service
    }

    /// The API version, e.g. `"v1"`.
    pub fn api_version(&self) -> &'static str {
        self.inner.api_version
    }

    /// The service's base URL on the deployment (ending in `/`).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url_public
    }

    /// The configuration this client was made from.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// Starts a request to `path` (relative to the service's base URL, already escaped).
    pub fn request(&self, method: Method, path: String) -> Request<'_> {
        Request {
            client: self,
            method,
            name: None,
            path,
            query: String::new(),
            body: None,
        }
    }
}
