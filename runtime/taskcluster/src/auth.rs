//! Hawk as the core's authentication: each attempt signed afresh (new timestamp and nonce),
//! over the full path *and query string*, JSON bodies with a payload hash; URLs signed with a
//! bewit.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::future::BoxFuture;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use runtime_core::Auth;
use runtime_core::transport::Outgoing;
use url::{Position, Url};

use crate::{ClientConfig, Credentials, Error, ErrorKind, Result, hawk};

/// Signs requests and URLs with one set of credentials.
#[derive(Debug)]
pub(crate) struct Hawk {
    signer: hawk::Signer,
}

impl Hawk {
    pub(crate) fn new(credentials: &Credentials) -> Hawk {
        Hawk {
            signer: hawk::Signer::new(
                &credentials.client_id,
                &credentials.access_token,
                credentials.hawk_ext(),
            ),
        }
    }
}

/// Host and port of `url`, as Hawk signs them.
fn host_port(url: &Url) -> Result<(&str, u16)> {
    let host = url
        .host_str()
        .ok_or_else(|| Error::new(ErrorKind::Config, format!("URL {url} has no host")))?;
    let port = url
        .port_or_known_default()
        .ok_or_else(|| Error::new(ErrorKind::Config, format!("URL {url} has no port")))?;
    Ok((host, port))
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Auth for Hawk {
    fn authorize<'a>(&'a self, request: &'a mut Outgoing) -> BoxFuture<'a, Result<()>> {
        Box::pin(std::future::ready(self.sign(request)))
    }

    fn sign_url(&self, url: &Url, expiry: SystemTime) -> Result<String> {
        let (host, port) = host_port(url)?;
        let exp = expiry.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let resource = &url[Position::BeforePath..Position::AfterQuery];
        let bewit = self.signer.bewit(resource, host, port, exp);
        let mut out = String::from(url.clone());
        out.push(if out.contains('?') { '&' } else { '?' });
        out.push_str("bewit=");
        out.push_str(&bewit);
        Ok(out)
    }
}

impl Hawk {
    fn sign(&self, request: &mut Outgoing) -> Result<()> {
        let (host, port) = host_port(&request.url)?;
        let payload_hash = request.body.as_ref().map(|body| {
            let content_type = request
                .headers
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("application/json");
            hawk::payload_hash(content_type, body)
        });
        let resource = &request.url[Position::BeforePath..Position::AfterQuery];
        let nonce = hawk::nonce();
        let mut header = String::new();
        self.signer.header_into(
            &mut header,
            request.method.as_str(),
            resource,
            host,
            port,
            now_secs(),
            std::str::from_utf8(&nonce).unwrap_or("nonce0"),
            payload_hash.as_deref(),
        );
        let value = HeaderValue::try_from(header).map_err(|e| {
            Error::new(
                ErrorKind::Credentials,
                "the client id cannot be sent in an HTTP header",
            )
            .with_source(e)
        })?;
        request.headers.insert(AUTHORIZATION, value);
        Ok(())
    }
}

/// `url` (any URL of the deployment) with a Hawk bewit valid for `ttl`, signed with `config`'s
/// credentials: for handing a resource to someone without credentials.
pub fn signed_url(config: &ClientConfig, url: &str, ttl: Duration) -> Result<String> {
    let credentials = config
        .credentials()
        .ok_or_else(|| Error::new(ErrorKind::Credentials, "signed URLs need credentials"))?;
    let parsed = Url::parse(url)
        .map_err(|e| Error::new(ErrorKind::Config, format!("invalid URL {url:?}: {e}")))?;
    Hawk::new(credentials).sign_url(&parsed, SystemTime::now() + ttl)
}
