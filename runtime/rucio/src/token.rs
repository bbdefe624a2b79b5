//! Rucio auth tokens: the secret itself (never printed) and when to renew it.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDateTime, Utc};

/// A Rucio auth token, the value of `X-Rucio-Auth-Token`.
///
/// It is a bearer secret, so `Debug` shows `AuthToken(<redacted>)` and there is no `Display`;
/// [`secret`](Self::secret) is the one way to read it. Clones share one allocation.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthToken(Arc<str>);

impl AuthToken {
    /// Wraps a token obtained elsewhere (for example by Rucio's own client, or an OIDC token),
    /// for [`RucioConfig::with_token`](super::RucioConfig::with_token).
    pub fn new(secret: impl Into<String>) -> AuthToken {
        AuthToken(Arc::from(secret.into()))
    }

    /// The token itself, for handing to another tool; do not log it.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AuthToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthToken(<redacted>)")
    }
}

/// The token a client holds, with what it knows about its expiry.
#[derive(Clone, Debug)]
pub(crate) struct Cached {
    pub(crate) token: AuthToken,
    /// When the server said it expires (`X-Rucio-Auth-Token-Expires`), if it did.
    pub(crate) expires: Option<DateTime<Utc>>,
    /// When to log in again rather than use it; `None`: until the server refuses it.
    pub(crate) renew_at: Option<Instant>,
}

impl Cached {
    /// A token from a login answer received at `received`; `server_now` is the answer's `Date`
    /// header and `expires` its `X-Rucio-Auth-Token-Expires`, both from the server's clock, so
    /// the lifetime does not depend on how far the local clock is off.
    pub(crate) fn from_login(
        token: AuthToken,
        received: Instant,
        server_now: Option<DateTime<Utc>>,
        expires: Option<DateTime<Utc>>,
    ) -> Cached {
        // An expiry too far away for an `Instant` is as good as none.
        let renew_at = expires.and_then(|expires| {
            let now = server_now.unwrap_or_else(Utc::now);
            let lifetime = (expires - now).to_std().unwrap_or(Duration::ZERO);
            received.checked_add(lifetime - renewal_margin(lifetime))
        });
        Cached {
            token,
            expires,
            renew_at,
        }
    }

    /// A token given by the caller: its expiry is unknown, so it is used until refused.
    pub(crate) fn preset(token: AuthToken) -> Cached {
        Cached {
            token,
            expires: None,
            renew_at: None,
        }
    }

    /// Whether it is still worth sending.
    pub(crate) fn is_fresh(&self, now: Instant) -> bool {
        self.renew_at.is_none_or(|at| now < at)
    }
}

/// How long before its expiry a token is renewed: a minute, or a tenth of its lifetime when that
/// is shorter, so that an hour's token is renewed with a minute left and a few seconds' token is
/// still used for most of its life.
pub(crate) fn renewal_margin(lifetime: Duration) -> Duration {
    (lifetime / 10).min(Duration::from_secs(60))
}

/// Parses Rucio's dates (`Tue, 01 Dec 2026 11:00:00 UTC`) and HTTP dates (`… GMT`).
pub(crate) fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Some(naive) = text
        .strip_suffix("UTC")
        .and_then(|t| NaiveDateTime::parse_from_str(t.trim_end(), "%a, %d %b %Y %H:%M:%S").ok())
    {
        return Some(naive.and_utc());
    }
    DateTime::parse_from_rfc2822(text)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_rucio_and_http_write_them() {
        let rucio = parse_date("Tue, 01 Dec 2026 11:00:00 UTC").unwrap();
        assert_eq!(rucio.to_rfc3339(), "2026-12-01T11:00:00+00:00");
        let http = parse_date("Tue, 01 Dec 2026 10:59:30 GMT").unwrap();
        assert_eq!((rucio - http).num_seconds(), 30);
        assert!(parse_date("yesterday").is_none());
        assert!(parse_date("").is_none());
    }

    #[test]
    fn margin_is_a_minute_or_a_tenth() {
        assert_eq!(
            renewal_margin(Duration::from_secs(3600)),
            Duration::from_secs(60)
        );
        assert_eq!(
            renewal_margin(Duration::from_secs(2)),
            Duration::from_millis(200)
        );
        assert_eq!(renewal_margin(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn renewal_uses_the_server_clock() {
        let received = Instant::now();
        let server_now = parse_date("Tue, 01 Dec 2026 10:00:00 GMT");
        let expires = parse_date("Tue, 01 Dec 2026 11:00:00 UTC");
        let token = AuthToken::new("root-secret");
        let cached = Cached::from_login(token.clone(), received, server_now, expires);
        // An hour's token from the server's clock (the local one may be years off), less a minute.
        assert_eq!(
            cached.renew_at,
            Some(received + Duration::from_secs(3600 - 60))
        );
        assert!(cached.is_fresh(received + Duration::from_secs(3539)));
        assert!(!cached.is_fresh(received + Duration::from_secs(3540)));
        // Already expired by the server's clock: renew at once.
        let stale = Cached::from_login(token.clone(), received, expires, server_now);
        assert!(!stale.is_fresh(received));
        // No expiry: used until refused.
        let unknown = Cached::from_login(token.clone(), received, server_now, None);
        assert!(unknown.is_fresh(received + Duration::from_secs(86400)));
        assert!(Cached::preset(token).is_fresh(received + Duration::from_secs(86400)));
    }

    #[test]
    fn debug_hides_the_token() {
        let token = AuthToken::new("root-tc-test-0123456789abcdef");
        let cached = Cached::preset(token.clone());
        for shown in [
            format!("{token:?}"),
            format!("{cached:?}"),
            format!("{cached:#?}"),
        ] {
            assert!(!shown.contains("0123456789abcdef"), "{shown}");
            assert!(shown.contains("redacted"), "{shown}");
        }
        assert_eq!(token.secret(), "root-tc-test-0123456789abcdef");
    }
}
