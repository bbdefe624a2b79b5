//! A client for one Taskcluster service: the core's client with Taskcluster's URL rules, Hawk
//! and error answers.

use std::sync::Arc;

use runtime_core::Auth;

use crate::auth::Hawk;
use crate::{ClientConfig, Method, Request, family, urls};

/// A client for one service of one deployment; cheap to clone.
///
/// It caches the base URL and the keyed HMAC of Hawk, and shares its configuration's HTTP
/// client.
#[derive(Clone, Debug)]
pub struct Client {
    core: runtime_core::Client,
    api_version: &'static str,
    /// The configuration the client was made from (object transfers build related clients).
    config: ClientConfig,
}

impl Client {
    /// A client for `service` at `api_version` (for example `"queue"`, `"v1"`).
    ///
    /// Never fails: an invalid root URL or HTTP setting is reported by each request.
    pub fn new(config: &ClientConfig, service: &'static str, api_version: &'static str) -> Self {
        let public = urls::api_base(&config.root_url, service, api_version);
        let hawk: Option<Arc<dyn Auth>> = config
            .credentials
            .as_ref()
            .map(|c| Arc::new(Hawk::new(c)) as Arc<dyn Auth>);
        let mut builder = runtime_core::Client::builder(family::TASKCLUSTER, service, &public)
            .transport(config.transport())
            .retry(config.retry.clone())
            .timeout(config.whole_timeout());
        // Through taskcluster-proxy, requests go unsigned (the proxy signs them); URLs handed
        // out are still signed with the credentials.
        builder = match &config.proxy_url {
            Some(proxy) => builder
                .request_base(&urls::api_base(proxy, service, api_version))
                .auth(None)
                .url_auth(hawk),
            None => builder.auth(hawk),
        };
        Client {
            core: builder.build(),
            api_version,
            config: config.clone(),
        }
    }

    /// The service name, e.g. `"queue"`.
    pub fn service(&self) -> &'static str {
        self.core.service()
    }

    /// The API version, e.g. `"v1"`.
    pub fn api_version(&self) -> &'static str {
        self.api_version
    }

    /// The service's base URL on the deployment (ending in `/`).
    pub fn base_url(&self) -> &str {
        self.core.base_url()
    }

    /// The configuration this client was made from.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The core client underneath.
    pub fn core(&self) -> &runtime_core::Client {
        &self.core
    }

    /// Starts a request to `path` (relative to the service's base URL, already escaped).
    pub fn request(&self, method: Method, path: impl Into<String>) -> Request {
        self.core.request(method, path)
    }
}
