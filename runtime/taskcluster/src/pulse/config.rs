//! Where the broker is, who we are on it, and which namespace our queues and exchanges live in.

use std::fmt;

use lapin::uri::{AMQPAuthority, AMQPQueryString, AMQPScheme, AMQPUri, AMQPUserInfo};
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use url::{Host, Url};

use super::error::{Error, ErrorKind};

/// How to reach Pulse (a RabbitMQ broker) and the namespace of the queues and exchanges we own.
///
/// Taskcluster names a consumer's queues `queue/<namespace>/<name>` and the exchanges it
/// declares `exchange/<namespace>/...`; on Mozilla's Pulse the namespace must be the user name,
/// which is therefore the default ([`with_namespace`](Self::with_namespace) changes it).
///
/// `Debug` shows the broker's address without the password.
#[derive(Clone)]
pub struct PulseConfig {
    pub(crate) uri: AMQPUri,
    pub(crate) namespace: String,
}

impl PulseConfig {
    /// A broker reached over `amqps` on port 5671, as Taskcluster's `pulseCredentials` builds it
    /// (see [`with_amqps`](Self::with_amqps)).
    pub fn new(username: &str, password: &str, hostname: &str, vhost: &str) -> PulseConfig {
        PulseConfig {
            uri: AMQPUri {
                scheme: AMQPScheme::AMQPS,
                authority: AMQPAuthority {
                    userinfo: AMQPUserInfo {
                        username: username.into(),
                        password: password.into(),
                    },
                    host: hostname.into(),
                    port: AMQPScheme::AMQPS.default_port(),
                },
                vhost: vhost.into(),
                query: AMQPQueryString::default(),
            },
            namespace: username.into(),
        }
    }

    /// Reads `PULSE_USERNAME`, `PULSE_PASSWORD`, `PULSE_HOSTNAME`, `PULSE_VHOST` (all required)
    /// and `PULSE_AMQPS` (`true` or `false`, default `true`: amqps on port 5671, else amqp on
    /// 5672), the variables Taskcluster's services read.
    pub fn from_env() -> Result<PulseConfig, Error> {
        PulseConfig::from_vars(|name| std::env::var(name).ok())
    }

    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<PulseConfig, Error> {
        let required = |name: &str| match var(name) {
            Some(value) if !value.is_empty() => Ok(value),
            _ => Err(Error::new(
                ErrorKind::Config,
                format!("{name} is not set (or is empty or not UTF-8)"),
            )),
        };
        let amqps = match var("PULSE_AMQPS") {
            None => true,
            Some(v) if v.is_empty() || v.eq_ignore_ascii_case("true") => true,
            Some(v) if v.eq_ignore_ascii_case("false") => false,
            Some(_) => {
                return Err(Error::new(
                    ErrorKind::Config,
                    "PULSE_AMQPS must be `true` or `false`",
                ));
            }
        };
        let config = PulseConfig::new(
            &required("PULSE_USERNAME")?,
            &required("PULSE_PASSWORD")?,
            &required("PULSE_HOSTNAME")?,
            &required("PULSE_VHOST")?,
        );
        Ok(config.with_amqps(amqps))
    }

    /// Parses `amqp://user:password@host[:port]/vhost` or `amqps://...` (user, password and
    /// vhost percent-encoded; the default vhost `/` is `%2F`, and an empty path also means `/`).
    /// The ports default to 5672 and 5671; a missing user is `guest`/`guest`. The query
    /// parameters `heartbeat` (seconds) and `channel_max` are honoured, others (such as
    /// amqplib's `frameMax`) are ignored.
    pub fn from_connection_string(connection_string: &str) -> Result<PulseConfig, Error> {
        // Errors never quote the string: it holds the password.
        let invalid = |why: &str| {
            Error::new(
                ErrorKind::Config,
                format!("invalid Pulse connection string: {why}"),
            )
        };
        let url = Url::parse(connection_string).map_err(|e| invalid(&e.to_string()))?;
        let scheme = match url.scheme() {
            "amqp" => AMQPScheme::AMQP,
            "amqps" => AMQPScheme::AMQPS,
            _ => return Err(invalid("the scheme must be amqp or amqps")),
        };
        let decode = |s: &str, what: &str| {
            percent_decode_str(s)
                .decode_utf8()
                .map(|s| s.into_owned())
                .map_err(|_| invalid(&format!("the {what} is not UTF-8 once percent-decoded")))
        };
        let host = match url.host() {
            Some(Host::Domain(domain)) => decode(domain, "host")?,
            Some(Host::Ipv4(ip)) => ip.to_string(),
            Some(Host::Ipv6(ip)) => ip.to_string(),
            None => return Err(invalid("no host")),
        };
        let (username, password) = match url.username() {
            "" => ("guest".to_string(), "guest".to_string()),
            user => (
                decode(user, "user name")?,
                decode(url.password().unwrap_or(""), "password")?,
            ),
        };
        let vhost = match url.path() {
            "" | "/" => "/".to_string(),
            path => decode(&path[1..], "vhost")?,
        };
        let mut query = AMQPQueryString::default();
        for (key, value) in url.query_pairs() {
            let number = || {
                value
                    .parse()
                    .map_err(|_| invalid(&format!("{key} must be a number")))
            };
            match &*key {
                "heartbeat" => query.heartbeat = Some(number()?),
                "channel_max" => query.channel_max = Some(number()?),
                _ => {}
            }
        }
        let port = url.port().unwrap_or(scheme.default_port());
        Ok(PulseConfig {
            namespace: username.clone(),
            uri: AMQPUri {
                scheme,
                authority: AMQPAuthority {
                    userinfo: AMQPUserInfo { username, password },
                    host,
                    port,
                },
                vhost,
                query,
            },
        })
    }

    /// `amqps` on port 5671 (`true`, the default) or plain `amqp` on port 5672.
    pub fn with_amqps(mut self, amqps: bool) -> PulseConfig {
        self.uri.scheme = if amqps {
            AMQPScheme::AMQPS
        } else {
            AMQPScheme::AMQP
        };
        self.uri.authority.port = self.uri.scheme.default_port();
        self
    }

    /// The namespace of our queues (`queue/<namespace>/...`) and exchanges
    /// (`exchange/<namespace>/...`); the user name by default.
    pub fn with_namespace(mut self, namespace: impl Into<String>) -> PulseConfig {
        self.namespace = namespace.into();
        self
    }

    /// The namespace of our queues and exchanges.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// `<kind>/<namespace>/<name>`: Taskcluster's `fullObjectName`.
    pub(crate) fn full_name(&self, kind: &str, name: &str) -> String {
        format!("{kind}/{}/{name}", self.namespace)
    }

    /// The broker's address as a URL without the password, for `Debug` and errors.
    pub(crate) fn redacted_url(&self) -> String {
        let uri = &self.uri;
        let host = match uri.authority.host.parse::<std::net::Ipv6Addr>() {
            Ok(_) => format!("[{}]", uri.authority.host),
            Err(_) => uri.authority.host.clone(),
        };
        format!(
            "{}://{}@{host}:{}/{}",
            uri.scheme,
            utf8_percent_encode(&uri.authority.userinfo.username, NON_ALPHANUMERIC),
            uri.authority.port,
            utf8_percent_encode(&uri.vhost, NON_ALPHANUMERIC),
        )
    }
}

impl fmt::Debug for PulseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PulseConfig")
            .field("url", &self.redacted_url())
            .field("password", &"<redacted>")
            .field("namespace", &self.namespace)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_strings() {
        let c = PulseConfig::from_connection_string(
            "amqps://my%20user:p%40ss%2Fw0rd@pulse.example.com/my%2Fvhost?frameMax=0&heartbeat=30",
        )
        .unwrap();
        assert_eq!(c.uri.scheme, AMQPScheme::AMQPS);
        assert_eq!(c.uri.authority.userinfo.username, "my user");
        assert_eq!(c.uri.authority.userinfo.password, "p@ss/w0rd");
        assert_eq!(c.uri.authority.host, "pulse.example.com");
        assert_eq!(c.uri.authority.port, 5671);
        assert_eq!(c.uri.vhost, "my/vhost");
        assert_eq!(c.uri.query.heartbeat, Some(30));
        assert_eq!(c.namespace(), "my user");
        assert_eq!(
            c.redacted_url(),
            "amqps://my%20user@pulse.example.com:5671/my%2Fvhost"
        );

        for (s, host, port, vhost) in [
            ("amqp://guest:guest@localhost:5672/", "localhost", 5672, "/"),
            ("amqp://guest:guest@127.0.0.1", "127.0.0.1", 5672, "/"),
            ("amqp://u:p@[::1]:5000/%2f", "::1", 5000, "/"),
            ("amqp://u:p@h/v", "h", 5672, "v"),
        ] {
            let c = PulseConfig::from_connection_string(s).unwrap();
            assert_eq!(
                (&*c.uri.authority.host, c.uri.authority.port, &*c.uri.vhost),
                (host, port, vhost),
                "{s}"
            );
        }
        let c = PulseConfig::from_connection_string("amqp://u:p@[::1]:5000/%2f").unwrap();
        assert_eq!(c.redacted_url(), "amqp://u@[::1]:5000/%2F");
    }

    #[test]
    fn environment() {
        let env = |amqps: Option<&'static str>| {
            move |name: &str| match name {
                "PULSE_USERNAME" => Some("me".to_string()),
                "PULSE_PASSWORD" => Some("s3cr3t".to_string()),
                "PULSE_HOSTNAME" => Some("pulse.example.com".to_string()),
                "PULSE_VHOST" => Some("/".to_string()),
                "PULSE_AMQPS" => amqps.map(String::from),
                _ => None,
            }
        };
        let url = |amqps| PulseConfig::from_vars(env(amqps)).map(|c| c.redacted_url());
        let tls = "amqps://me@pulse.example.com:5671/%2F";
        let plain = "amqp://me@pulse.example.com:5672/%2F";
        assert_eq!(url(None).unwrap(), tls);
        assert_eq!(url(Some("TRUE")).unwrap(), tls);
        assert_eq!(url(Some("false")).unwrap(), plain);
        let e = url(Some("no")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid configuration: PULSE_AMQPS must be `true` or `false`"
        );
        let e = PulseConfig::from_vars(|name| env(None)(name).filter(|_| name != "PULSE_PASSWORD"))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(e.to_string().contains("PULSE_PASSWORD is not set"), "{e}");
    }

    #[test]
    fn errors_and_debug_never_show_the_password() {
        let secret = "s3cr3t-Pa55";
        for s in [
            format!("http://user:{secret}@host/"),
            format!("amqp://user:{secret}@host:99999/"),
            format!("amqp://user:{secret}@/"),
            format!("amqp://user:{secret}@host/?heartbeat=x{secret}"),
            format!("amqp://user:{secret}@host/%ff"),
            format!("amqp://user:{secret}%ff@host/"),
            format!("amqp://user:{secret}@ho st/"),
            secret.to_string(),
        ] {
            let e = PulseConfig::from_connection_string(&s).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Config, "{s}");
            let shown = format!("{e} {e:?}");
            assert!(!shown.contains(secret), "{shown}");
        }
        let c = PulseConfig::new("me", secret, "pulse.example.com", "/");
        let shown = format!("{c:?}");
        assert!(!shown.contains(secret), "{shown}");
        assert_eq!(
            shown,
            "PulseConfig { url: \"amqps://me@pulse.example.com:5671/%2F\", password: \"<redacted>\", namespace: \"me\" }"
        );
        let c = c.with_amqps(false).with_namespace("ns");
        assert_eq!(c.redacted_url(), "amqp://me@pulse.example.com:5672/%2F");
        assert_eq!(c.full_name("queue", "q"), "queue/ns/q");
    }
}
