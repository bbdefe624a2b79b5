//! Requests to storage URLs (`putUrl`, `getUrl`, S3 and reference artifacts): never signed,
//! with an HTTP client of their own, and shown in errors without their query string (signed
//! URLs carry credentials there).

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use reqwest::header::HeaderMap;

use crate::{ClientConfig, Error, ErrorKind, Method, Result};

/// Whether a storage client follows redirects: `getUrl` and `putUrl` URLs must not be
/// redirected; S3 and reference artifact URLs may be (a reference to a release download, say).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Redirects {
    Refuse,
    Follow,
}

/// The HTTP client for storage URLs: no overall deadline (a 4 GiB transfer takes what it takes)
/// but each connect and each read waits at most the configured timeout; no automatic
/// decompression (gzip is decoded by the download, after checking the encoding); no default
/// headers, so nothing like an `Authorization` header is ever sent. Shared per timeout.
pub(crate) fn storage_client(
    config: &ClientConfig,
    redirects: Redirects,
) -> Result<reqwest::Client> {
    type Cache = Mutex<Vec<(Duration, Redirects, reqwest::Client)>>;
    static CLIENTS: OnceLock<Cache> = OnceLock::new();
    let timeout = config.timeout();
    let mut cache = CLIENTS
        .get_or_init(Cache::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some((_, _, c)) = cache
        .iter()
        .find(|(t, r, _)| *t == timeout && *r == redirects)
    {
        return Ok(c.clone());
    }
    let policy = match redirects {
        Redirects::Refuse => reqwest::redirect::Policy::none(),
        Redirects::Follow => reqwest::redirect::Policy::limited(10),
    };
    let client = reqwest::Client::builder()
        .connect_timeout(timeout)
        .read_timeout(timeout)
        .redirect(policy)
        .tcp_nodelay(true)
        .no_gzip()
        .no_brotli()
        .no_deflate()
        .no_zstd()
        .build()
        .map_err(|e| {
            Error::new(ErrorKind::Config, "cannot build the HTTP client")
                .with_source(e.without_url())
        })?;
    cache.push((timeout, redirects, client.clone()));
    Ok(client)
}

/// `url` without its query, fragment or user info: what errors may show of a signed URL.
pub(crate) fn redact(url: &str) -> String {
    match runtime_core::trace::without_user_info(url) {
        Some(mut u) => {
            u.set_query(None);
            u.into()
        }
        None => "(invalid URL)".to_owned(),
    }
}

/// The outcome of one attempt at a storage request.
pub(crate) enum Failure {
    /// Worth another attempt (5xx, transport errors).
    Retry(Error),
    /// Not (4xx, bad data, hash mismatch, local I/O errors).
    Fatal(Error),
}

impl Failure {
    pub(crate) fn into_error(self) -> Error {
        match self {
            Failure::Retry(e) | Failure::Fatal(e) => e,
        }
    }
}

/// An error for a storage request to `url` (already redacted).
pub(crate) fn at(e: Error, method: &Method, url: &str, attempts: u32) -> Error {
    e.with_call(method, url, attempts)
}

/// A failed transport (no HTTP answer, or a body cut short).
pub(crate) fn transport(e: reqwest::Error) -> Failure {
    let fatal = e.is_builder();
    let error = Error::transport(e);
    if fatal {
        Failure::Fatal(error)
    } else {
        Failure::Retry(error)
    }
}

/// The start of an error answer's body: as much as [`status_failure`] looks at, so that an
/// error answer of any size (a storage URL is arbitrary) costs bounded memory.
pub(crate) async fn error_body(mut response: reqwest::Response) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < ERROR_BODY_MAX {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    body.truncate(ERROR_BODY_MAX);
    body
}

/// How much of an error answer's body is read.
const ERROR_BODY_MAX: usize = 4096;

/// An HTTP error answer from storage: 5xx is retried (then [`ErrorKind::ServerError`]),
/// anything else is not and is [`ErrorKind::Storage`]. The body is reduced to S3's (and GCS's)
/// `<Code>` and `<Message>` (it may echo signed headers otherwise).
pub(crate) fn status_failure(status: u16, headers: &HeaderMap, body: &[u8]) -> Failure {
    let text = String::from_utf8_lossy(&body[..body.len().min(ERROR_BODY_MAX)]);
    let tag = |name: &str| {
        let open = format!("<{name}>");
        let start = text.find(&open)? + open.len();
        let len = text[start..].find(&format!("</{name}>"))?;
        Some(text[start..start + len].trim().to_owned())
    };
    let message = match (tag("Code"), tag("Message")) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c,
        _ => String::new(),
    };
    let request_id = headers
        .get("x-amz-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // Storage is not a Taskcluster service: its 403 is a signature it refused (expired, or
    // headers other than those signed), not a scope the credentials lack, and its 404 an object
    // missing from the bucket, not a resource of the API.
    let kind = match status {
        500..=599 => ErrorKind::ServerError,
        _ => ErrorKind::Storage,
    };
    let message = if (300..400).contains(&status) {
        "unexpected redirect (storage URLs are not followed)".to_owned()
    } else {
        message
    };
    let error = Error::new(kind, message).with_response(status, request_id, None);
    if status >= 500 {
        Failure::Retry(error)
    } else {
        Failure::Fatal(error)
    }
}

pub(crate) fn io_error(what: &str, e: std::io::Error) -> Error {
    Error::new(ErrorKind::Io, format!("{what}: {e}")).with_source(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacted_urls_keep_no_secrets() {
        assert_eq!(
            redact("https://user:pw@bucket.s3.amazonaws.com/a/b%20c?X-Amz-Signature=s3cr3t#frag"),
            "https://bucket.s3.amazonaws.com/a/b%20c"
        );
        assert_eq!(redact("not a url?sig=1"), "(invalid URL)");
    }

    #[test]
    fn storage_bodies_are_reduced_to_code_and_message() {
        let body = b"<Error><Code>SignatureDoesNotMatch</Code><Message>no</Message>\
            <StringToSign>secret-ish</StringToSign></Error>";
        let Failure::Fatal(e) = status_failure(403, &HeaderMap::new(), body) else {
            panic!("403 is fatal")
        };
        assert_eq!(e.kind(), ErrorKind::Storage);
        assert_eq!(e.status(), Some(403));
        assert_eq!(e.message(), "SignatureDoesNotMatch: no");
        assert!(!format!("{e:?}").contains("secret-ish"));
        assert!(matches!(
            status_failure(503, &HeaderMap::new(), b""),
            Failure::Retry(_)
        ));
    }
}
