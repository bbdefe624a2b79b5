//! Rucio's rules for the core: its error answers in the shared [`Error`] (`ExceptionClass`
//! becomes [`Error::code`], `ExceptionMessage` [`Error::message`], and the kind comes from the
//! class where it says more than the status), writes never retried, redirects followed.

use reqwest::header::HeaderMap;
use runtime_core::{Error, ErrorKind, Family, Method, text_excerpt};
use tracing::Span;

/// The family of Rucio clients.
pub(crate) const RUCIO: Family = Family {
    call_span,
    error: from_answer,
    answer_ids: |_| (None, None),
    retry_writes: false,
    follow_redirects: true,
};

fn call_span(service: &str, method: Option<&'static str>, http: &Method) -> Span {
    runtime_core::call_span!("rucio.call", service, method, http.as_str())
}

/// The header (and JSON body field) with the name of Rucio's exception, e.g. `CannotAuthenticate`.
pub(crate) const EXCEPTION_CLASS: &str = "ExceptionClass";
/// The header (and JSON body field) with its message.
pub(crate) const EXCEPTION_MESSAGE: &str = "ExceptionMessage";

#[derive(serde::Deserialize)]
struct Body {
    #[serde(rename = "ExceptionClass")]
    class: Option<String>,
    #[serde(rename = "ExceptionMessage")]
    message: Option<String>,
}

/// The text of header `name`, if it is text.
pub(crate) fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The error for a 4xx or 5xx answer. The JSON body wins over the headers (headers cannot
/// carry every character of a message); a body that is neither becomes the message, cut short.
pub(crate) fn from_answer(status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
    let parsed = serde_json::from_slice::<Body>(body).ok();
    let (class, message) = match parsed {
        Some(b) if b.class.is_some() || b.message.is_some() => (b.class, b.message),
        _ => (None, None),
    };
    let class = class.or_else(|| header(headers, EXCEPTION_CLASS).map(str::to_owned));
    let message = message
        .or_else(|| header(headers, EXCEPTION_MESSAGE).map(str::to_owned))
        .unwrap_or_else(|| text_excerpt(body));
    Error::new(kind(status, class.as_deref()), message)
        .with_response(status, None, None)
        .with_body(class, None)
}

/// The kind of a 4xx answer from Rucio's `ExceptionClass` where it says more than the status:
/// Rucio's views answer 401 for refusals that are not about the credentials (the gateway's
/// `AccessDenied`: the account may not do this; `UnsupportedOperation`, `CannotAuthorize`:
/// the request cannot be done), and a `…NotFound` class is a missing object whatever the
/// status. 5xx answers and classes it does not know keep the status's kind.
pub(crate) fn kind(status: u16, class: Option<&str>) -> ErrorKind {
    let by_status = ErrorKind::from_status(status);
    if !(400..500).contains(&status) {
        return by_status;
    }
    match class {
        Some("CannotAuthenticate" | "IdentityError" | "IdentityNotFound") => {
            ErrorKind::AuthenticationFailed
        }
        Some("AccessDenied") => ErrorKind::Forbidden,
        Some(c) if c.ends_with("NotFound") => ErrorKind::NotFound,
        Some(_) if status == 401 => ErrorKind::ClientError,
        _ => by_status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn body_headers_and_plain_text() {
        let mut headers = HeaderMap::new();
        headers.insert(EXCEPTION_CLASS, HeaderValue::from_static("RSENotFound"));
        headers.insert(
            EXCEPTION_MESSAGE,
            HeaderValue::from_static("RSE 'X' cannot be found"),
        );
        let body = br#"{"ExceptionClass": "RSENotFound", "ExceptionMessage": "RSE 'X' cannot be found in vo 'def'"}"#;
        let e = from_answer(404, &headers, body);
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert_eq!(e.status(), Some(404));
        assert_eq!(e.code(), Some("RSENotFound"));
        assert_eq!(e.message(), "RSE 'X' cannot be found in vo 'def'");

        let e = from_answer(401, &headers, b"");
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert_eq!(e.code(), Some("RSENotFound"));
        assert_eq!(e.message(), "RSE 'X' cannot be found");

        let e = from_answer(
            502,
            &HeaderMap::new(),
            "<html>Bad gateway</html>".as_bytes(),
        );
        assert_eq!(e.kind(), ErrorKind::ServerError);
        assert_eq!(e.code(), None);
        assert_eq!(e.message(), "<html>Bad gateway</html>");
        assert_eq!(
            from_answer(409, &HeaderMap::new(), b"{}").kind(),
            ErrorKind::ClientError
        );
        let long = "é".repeat(400);
        let class = |status, class: &str| {
            let body = format!(r#"{{"ExceptionClass": "{class}", "ExceptionMessage": "m"}}"#);
            from_answer(status, &HeaderMap::new(), body.as_bytes()).kind()
        };
        assert_eq!(
            class(401, "CannotAuthenticate"),
            ErrorKind::AuthenticationFailed
        );
        assert_eq!(class(401, "AccessDenied"), ErrorKind::Forbidden);
        assert_eq!(class(401, "UnsupportedOperation"), ErrorKind::ClientError);
        assert_eq!(class(401, "CannotAuthorize"), ErrorKind::ClientError);
        assert_eq!(class(404, "DataIdentifierNotFound"), ErrorKind::NotFound);
        assert_eq!(class(409, "Duplicate"), ErrorKind::ClientError);
        assert_eq!(class(500, "AccessDenied"), ErrorKind::ServerError);
        // No class: the status alone.
        assert_eq!(
            from_answer(401, &HeaderMap::new(), b"").kind(),
            ErrorKind::AuthenticationFailed
        );
        assert!(
            from_answer(500, &HeaderMap::new(), long.as_bytes())
                .message()
                .len()
                < 510
        );
    }
}
