//! Taskcluster credentials: permanent, temporary (certificates) and `authorizedScopes`.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::{Error, ErrorKind, Result};

/// The longest validity Taskcluster accepts for temporary credentials: 31 days.
pub const MAX_TEMPORARY_VALIDITY: Duration = Duration::from_secs(31 * 24 * 60 * 60);

/// Client credentials.
///
/// `authorized_scopes: None` means the credentials' scopes are not restricted;
/// `Some(vec![])` restricts them to no scopes at all.
///
/// `Debug` shows the client id but never the access token or the certificate's signature.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The client id.
    pub client_id: String,
    /// The access token (for temporary credentials, the temporary key).
    pub access_token: String,
    /// The certificate of temporary credentials.
    pub certificate: Option<Certificate>,
    /// Restricts the scopes of requests made with these credentials.
    pub authorized_scopes: Option<Vec<String>>,
}

/// The certificate of temporary credentials, as Taskcluster defines it.
///
/// Serializes as the JSON object Taskcluster expects, keys in the order
/// `version, scopes, start, expiry, seed, signature, issuer` (the order Taskcluster's clients
/// use), `issuer` only for named temporary credentials.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    /// Always 1.
    pub version: u32,
    /// The scopes the temporary credentials have.
    pub scopes: Vec<String>,
    /// Start of validity, milliseconds since the epoch.
    pub start: i64,
    /// End of validity, milliseconds since the epoch.
    pub expiry: i64,
    /// 44 random characters from which the temporary key is derived.
    pub seed: String,
    /// Base64 HMAC-SHA256, with the issuer's access token, of the certificate's fields.
    pub signature: String,
    /// For named temporary credentials, the client id of the issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("version", &self.version)
            .field("scopes", &self.scopes)
            .field("start", &self.start)
            .field("expiry", &self.expiry)
            .field("issuer", &self.issuer)
            .field("seed", &"***")
            .field("signature", &"***")
            .finish()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("access_token", &"***")
            .field("certificate", &self.certificate)
            .field("authorized_scopes", &self.authorized_scopes)
            .finish()
    }
}

impl Certificate {
    /// Parses a certificate from its JSON text (as in `TASKCLUSTER_CERTIFICATE`).
    pub fn from_json(text: &str) -> Result<Certificate> {
        serde_json::from_str(text).map_err(|e| {
            // Only the position: serde_json's messages may quote values, such as the signature.
            Error::new(
                ErrorKind::Credentials,
                format!(
                    "invalid certificate JSON ({:?} error at line {} column {})",
                    e.classify(),
                    e.line(),
                    e.column()
                ),
            )
        })
    }

    /// The certificate as compact JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a certificate always serializes")
    }
}

fn hmac_b64(key: &str, parts: &[&[u8]], engine: &impl Engine) -> String {
    let mut mac = <Hmac<Sha256>>::new_from_slice(key.as_bytes()).expect("any key length");
    for p in parts {
        mac.update(p);
    }
    engine.encode(mac.finalize().into_bytes().as_slice())
}

fn millis(t: SystemTime) -> Result<i64> {
    let d = t.duration_since(UNIX_EPOCH).map_err(|_| {
        Error::new(
            ErrorKind::Credentials,
            "temporary credentials cannot start or end before 1970",
        )
    })?;
    i64::try_from(d.as_millis())
        .map_err(|_| Error::new(ErrorKind::Credentials, "time out of range"))
}

impl Credentials {
    /// Permanent credentials, with no certificate and unrestricted scopes.
    pub fn new(client_id: impl Into<String>, access_token: impl Into<String>) -> Credentials {
        Credentials {
            client_id: client_id.into(),
            access_token: access_token.into(),
            certificate: None,
            authorized_scopes: None,
        }
    }

    /// These credentials with `certificate`.
    pub fn with_certificate(mut self, certificate: Certificate) -> Credentials {
        self.certificate = Some(certificate);
        self
    }

    /// These credentials, restricted to `scopes` (an empty list means no scopes).
    pub fn with_authorized_scopes<S: Into<String>>(
        mut self,
        scopes: impl IntoIterator<Item = S>,
    ) -> Credentials {
        self.authorized_scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// Credentials from `TASKCLUSTER_CLIENT_ID`, `TASKCLUSTER_ACCESS_TOKEN` and (for temporary
    /// credentials) `TASKCLUSTER_CERTIFICATE`. Empty values count as unset; a missing client id
    /// or access token is an error. ([`ClientConfig::from_env`](crate::ClientConfig::from_env)
    /// makes calls without credentials when no client id is set.)
    pub fn from_env() -> Result<Credentials> {
        Self::from_lookup(|k| std::env::var(k).ok())?
            .ok_or_else(|| Error::new(ErrorKind::Config, "TASKCLUSTER_CLIENT_ID is not set"))
    }

    /// Temporary credentials with `scopes`, valid for `duration` from now, signed by these
    /// (permanent) credentials and keeping their client id: Go's `CreateTemporaryCredentials`.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # let permanent = tc_runtime::Credentials::new("me", "secret");
    /// let temporary = permanent.temporary(Duration::from_secs(3600), ["queue:create-task:*"])?;
    /// # Ok::<(), tc_runtime::Error>(())
    /// ```
    ///
    /// They start five minutes ago, for servers whose clocks run behind (as Taskcluster's own
    /// clients do), and may last at most 31 days ([`MAX_TEMPORARY_VALIDITY`]).
    pub fn temporary<S: Into<String>>(
        &self,
        duration: Duration,
        scopes: impl IntoIterator<Item = S>,
    ) -> Result<Credentials> {
        self.temporary_for(None, duration, scopes)
    }

    /// *Named* temporary credentials: like [`Credentials::temporary`], with client id `name`
    /// and these credentials as the certificate's issuer (which needs the scope
    /// `auth:create-client:<name>`): Go's `CreateNamedTemporaryCredentials`.
    pub fn named_temporary<S: Into<String>>(
        &self,
        name: &str,
        duration: Duration,
        scopes: impl IntoIterator<Item = S>,
    ) -> Result<Credentials> {
        self.temporary_for(Some(name), duration, scopes)
    }

    fn temporary_for<S: Into<String>>(
        &self,
        name: Option<&str>,
        duration: Duration,
        scopes: impl IntoIterator<Item = S>,
    ) -> Result<Credentials> {
        if duration > MAX_TEMPORARY_VALIDITY {
            return Err(Error::new(
                ErrorKind::Credentials,
                "temporary credentials cannot last longer than 31 days",
            ));
        }
        let now = SystemTime::now();
        let expiry = now + duration;
        // Five minutes back, but never beyond the longest validity.
        let start = (now - Duration::from_secs(5 * 60)).max(expiry - MAX_TEMPORARY_VALIDITY);
        let scopes: Vec<String> = scopes.into_iter().map(Into::into).collect();
        self.create_temporary(name, &scopes, start, expiry)
    }

    pub(crate) fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Option<Credentials>> {
        let get = |k: &str| get(k).filter(|v| !v.is_empty());
        let Some(client_id) = get("TASKCLUSTER_CLIENT_ID") else {
            return Ok(None);
        };
        let Some(access_token) = get("TASKCLUSTER_ACCESS_TOKEN") else {
            return Err(Error::new(
                ErrorKind::Config,
                "TASKCLUSTER_CLIENT_ID is set but TASKCLUSTER_ACCESS_TOKEN is not",
            ));
        };
        let mut creds = Credentials::new(client_id, access_token);
        if let Some(cert) = get("TASKCLUSTER_CERTIFICATE") {
            creds.certificate = Some(Certificate::from_json(&cert)?);
        }
        Ok(Some(creds))
    }

    /// The Hawk `ext` these credentials send: base64 (URL-safe alphabet, padded, as Taskcluster's
    /// Python client writes it; Taskcluster decodes either alphabet) of the JSON
    /// `{"certificate": {...}, "authorizedScopes": [...]}`, keys left out when unset, and `None`
    /// when neither is set.
    pub fn hawk_ext(&self) -> Option<String> {
        if self.certificate.is_none() && self.authorized_scopes.is_none() {
            return None;
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Ext<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            certificate: Option<&'a Certificate>,
            #[serde(skip_serializing_if = "Option::is_none")]
            authorized_scopes: Option<&'a [String]>,
        }
        let json = serde_json::to_vec(&Ext {
            certificate: self.certificate.as_ref(),
            authorized_scopes: self.authorized_scopes.as_deref(),
        })
        .expect("ext always serializes");
        Some(URL_SAFE.encode(json))
    }

    /// Creates temporary credentials with `scopes`, valid from `start` to `expiry`, signed by
    /// these (permanent) credentials.
    ///
    /// With `name`, they are *named* temporary credentials: their client id is `name` and the
    /// certificate names this client as `issuer` (which needs the scope
    /// `auth:create-client:<name>`). Without, they keep this client id. Taskcluster allows
    /// clock skew itself, so pass the real start time (often `now`; Taskcluster's clients use
    /// `now - 5 min` to tolerate skewed servers). The validity may not exceed 31 days.
    pub fn create_temporary(
        &self,
        name: Option<&str>,
        scopes: &[String],
        start: SystemTime,
        expiry: SystemTime,
    ) -> Result<Credentials> {
        let seed = format!("{}{}", slugid::v4(), slugid::v4());
        self.create_temporary_with_seed(name, scopes, start, expiry, &seed)
    }

    /// [`Credentials::create_temporary`] with a given 44-character `seed`, for reproducible
    /// results (tests, cross-checks). Use `create_temporary` otherwise: the seed must be random.
    pub fn create_temporary_with_seed(
        &self,
        name: Option<&str>,
        scopes: &[String],
        start: SystemTime,
        expiry: SystemTime,
        seed: &str,
    ) -> Result<Credentials> {
        if self.certificate.is_some() {
            return Err(Error::new(
                ErrorKind::Credentials,
                "temporary credentials cannot be created from temporary credentials",
            ));
        }
        if seed.len() != 44 {
            return Err(Error::new(
                ErrorKind::Credentials,
                "the seed must be 44 characters",
            ));
        }
        let start = millis(start)?;
        let expiry = millis(expiry)?;
        if expiry < start {
            return Err(Error::new(
                ErrorKind::Credentials,
                "temporary credentials must expire after they start",
            ));
        }
        if expiry - start > MAX_TEMPORARY_VALIDITY.as_millis() as i64 {
            return Err(Error::new(
                ErrorKind::Credentials,
                "temporary credentials cannot last longer than 31 days",
            ));
        }
        let name = name.filter(|n| !n.is_empty());
        if name == Some(self.client_id.as_str()) {
            return Err(Error::new(
                ErrorKind::Credentials,
                "named temporary credentials must have a name other than the issuer's client id",
            ));
        }

        // The signed string: lines joined by '\n', scopes one per line after "scopes:".
        let mut text =
            String::with_capacity(128 + scopes.iter().map(|s| s.len() + 1).sum::<usize>());
        text.push_str("version:1\n");
        if let Some(name) = name {
            text.push_str("clientId:");
            text.push_str(name);
            text.push_str("\nissuer:");
            text.push_str(&self.client_id);
            text.push('\n');
        }
        text.push_str(&format!(
            "seed:{seed}\nstart:{start}\nexpiry:{expiry}\nscopes:"
        ));
        for scope in scopes {
            text.push('\n');
            text.push_str(scope);
        }
        let signature = hmac_b64(&self.access_token, &[text.as_bytes()], &STANDARD);
        let access_token = hmac_b64(&self.access_token, &[seed.as_bytes()], &URL_SAFE_NO_PAD);

        Ok(Credentials {
            client_id: name.unwrap_or(&self.client_id).to_owned(),
            access_token,
            certificate: Some(Certificate {
                version: 1,
                scopes: scopes.to_vec(),
                start,
                expiry,
                seed: seed.to_owned(),
                signature,
                issuer: name.map(|_| self.client_id.clone()),
            }),
            authorized_scopes: self.authorized_scopes.clone(),
        })
    }
}

/// An environment lookup over fixed pairs, for the `from_lookup` tests.
#[cfg(test)]
pub(crate) fn fake_env(
    pairs: &'static [(&'static str, &'static str)],
) -> impl Fn(&str) -> Option<String> {
    move |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::fake_env as env;
    use super::*;

    fn at_ms(ms: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(ms)
    }

    // Taskcluster's Go client test vectors (clients/client-go/testcases.json).
    const SEED: &str = "JYR4wzMCTG6XeDS2cDUCMwH0RFUXGfQjK7LgqD-e6lSQ";
    const START: u64 = 1438964811744; // 2015-08-07T16:26:51.744Z
    const EXPIRY: u64 = 1439051211744; // 2015-08-08T16:26:51.744Z

    fn vector_scopes() -> Vec<String> {
        vec!["scope/asd:fhjdf/X".into(), "scope/asd:fhjdf/XYZ*".into()]
    }

    #[test]
    fn go_vectors_unnamed() {
        for authorized in [None, Some(vec!["scope/asd:fhjdf/X".to_string()])] {
            let mut perm = Credentials::new("def/ghi@XXX", "tokenABCDEFGH");
            perm.authorized_scopes = authorized.clone();
            let t = perm
                .create_temporary_with_seed(
                    None,
                    &vector_scopes(),
                    at_ms(START),
                    at_ms(EXPIRY),
                    SEED,
                )
                .unwrap();
            assert_eq!(t.client_id, "def/ghi@XXX");
            assert_eq!(
                t.access_token,
                "R4OVHWpIvy6KsqS4AWE51QwbvgLvsstS6e6UW8IfHUY"
            );
            assert_eq!(t.authorized_scopes, authorized);
            assert_eq!(
                t.certificate.unwrap().to_json(),
                r#"{"version":1,"scopes":["scope/asd:fhjdf/X","scope/asd:fhjdf/XYZ*"],"start":1438964811744,"expiry":1439051211744,"seed":"JYR4wzMCTG6XeDS2cDUCMwH0RFUXGfQjK7LgqD-e6lSQ","signature":"45AlB/hKZZZz4Tf3NaidutasfgBnr4t2AxwBiGDQF9Q="}"#
            );
        }
    }

    #[test]
    fn go_vectors_named() {
        for authorized in [None, Some(vec!["scope/asd:fhjdf/X".to_string()])] {
            let mut perm = Credentials::new("def/ghi@XXX", "tokenABCDEFGH");
            perm.authorized_scopes = authorized.clone();
            let t = perm
                .create_temporary_with_seed(
                    Some("abc/def/ghi"),
                    &vector_scopes(),
                    at_ms(START),
                    at_ms(EXPIRY),
                    SEED,
                )
                .unwrap();
            assert_eq!(t.client_id, "abc/def/ghi");
            assert_eq!(
                t.access_token,
                "R4OVHWpIvy6KsqS4AWE51QwbvgLvsstS6e6UW8IfHUY"
            );
            assert_eq!(t.authorized_scopes, authorized);
            assert_eq!(
                t.certificate.unwrap().to_json(),
                r#"{"version":1,"scopes":["scope/asd:fhjdf/X","scope/asd:fhjdf/XYZ*"],"start":1438964811744,"expiry":1439051211744,"seed":"JYR4wzMCTG6XeDS2cDUCMwH0RFUXGfQjK7LgqD-e6lSQ","signature":"nNEaLtZMiw627NuDbF5Z8HDFc57MGWCptXBQSYNFgBk=","issuer":"def/ghi@XXX"}"#
            );
        }
    }

    #[test]
    fn thirty_one_day_limit() {
        let perm = Credentials::new("a", "b");
        let start = at_ms(START);
        let ok = perm.create_temporary(None, &[], start, start + MAX_TEMPORARY_VALIDITY);
        assert!(ok.is_ok());
        let too_long = perm
            .create_temporary(
                None,
                &[],
                start,
                start + MAX_TEMPORARY_VALIDITY + Duration::from_millis(1),
            )
            .unwrap_err();
        assert_eq!(too_long.kind(), ErrorKind::Credentials);
        assert!(too_long.message().contains("31 days"));
        let backwards = perm.create_temporary(None, &[], start, start - Duration::from_secs(1));
        assert!(backwards.is_err());
    }

    #[test]
    fn temporary_for_a_duration() {
        let perm = Credentials::new("issuer", "b");
        let before = SystemTime::now();
        let t = perm
            .temporary(Duration::from_secs(3600), ["a", "b:*"])
            .unwrap();
        let cert = t.certificate.as_ref().unwrap();
        assert_eq!(t.client_id, "issuer");
        assert_eq!(cert.scopes, ["a", "b:*"]);
        assert_eq!(cert.issuer, None);
        let now_ms = millis(before).unwrap();
        assert!((cert.start - (now_ms - 300_000)).abs() < 5_000, "{cert:?}");
        assert!(
            (cert.expiry - (now_ms + 3_600_000)).abs() < 5_000,
            "{cert:?}"
        );

        let named = perm
            .named_temporary("worker/1", MAX_TEMPORARY_VALIDITY, Vec::<String>::new())
            .unwrap();
        let cert = named.certificate.as_ref().unwrap();
        assert_eq!(named.client_id, "worker/1");
        assert_eq!(cert.issuer.as_deref(), Some("issuer"));
        // The longest validity still fits in 31 days, clock-skew margin and all.
        assert_eq!(
            cert.expiry - cert.start,
            MAX_TEMPORARY_VALIDITY.as_millis() as i64
        );
        let too_long = perm
            .temporary(MAX_TEMPORARY_VALIDITY * 2, ["a"])
            .unwrap_err();
        assert_eq!(too_long.kind(), ErrorKind::Credentials);
    }

    #[test]
    fn random_seeds_are_44_chars_and_differ() {
        let perm = Credentials::new("a", "b");
        let now = SystemTime::now();
        let a = perm.create_temporary(None, &[], now, now).unwrap();
        let b = perm.create_temporary(None, &[], now, now).unwrap();
        let (ca, cb) = (a.certificate.unwrap(), b.certificate.unwrap());
        assert_eq!(ca.seed.len(), 44);
        assert_ne!(ca.seed, cb.seed);
        assert_ne!(a.access_token, b.access_token);
    }

    #[test]
    fn no_temporary_from_temporary() {
        let perm = Credentials::new("a", "b");
        let now = SystemTime::now();
        let t = perm.create_temporary(None, &[], now, now).unwrap();
        assert!(t.create_temporary(None, &[], now, now).is_err());
    }

    #[test]
    fn ext_json_keys() {
        let decode = |c: &Credentials| {
            let ext = c.hawk_ext().unwrap();
            String::from_utf8(URL_SAFE.decode(ext).unwrap()).unwrap()
        };
        let perm = Credentials::new("a", "b");
        assert_eq!(perm.hawk_ext(), None);
        let none = perm.clone().with_authorized_scopes(Vec::<String>::new());
        assert_eq!(decode(&none), r#"{"authorizedScopes":[]}"#);
        let t = perm
            .create_temporary_with_seed(None, &["s".into()], at_ms(START), at_ms(EXPIRY), SEED)
            .unwrap();
        let text = decode(&t);
        assert!(
            text.starts_with(r#"{"certificate":{"version":1,"scopes":["s"],"#),
            "{text}"
        );
        assert!(!text.contains("authorizedScopes"));
        let both = t.with_authorized_scopes(["s"]);
        assert!(decode(&both).ends_with(r#"},"authorizedScopes":["s"]}"#));
    }

    #[test]
    fn debug_hides_secrets() {
        let t = Credentials::new("me", "very-secret-token")
            .create_temporary_with_seed(None, &["s".into()], at_ms(START), at_ms(EXPIRY), SEED)
            .unwrap();
        let signature = t.certificate.as_ref().unwrap().signature.clone();
        let text = format!("{t:?} {:#?}", t.certificate);
        assert!(!text.contains(&t.access_token));
        assert!(!text.contains(&signature));
        assert!(!text.contains(SEED));
        assert!(text.contains("me"));
    }

    #[test]
    fn env_lookup() {
        assert_eq!(Credentials::from_lookup(env(&[])).unwrap(), None);
        assert_eq!(
            Credentials::from_lookup(env(&[("TASKCLUSTER_CLIENT_ID", "")])).unwrap(),
            None
        );
        let c = Credentials::from_lookup(env(&[
            ("TASKCLUSTER_CLIENT_ID", "id"),
            ("TASKCLUSTER_ACCESS_TOKEN", "tok"),
            ("TASKCLUSTER_CERTIFICATE", ""),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(c, Credentials::new("id", "tok"));
        assert!(Credentials::from_lookup(env(&[("TASKCLUSTER_CLIENT_ID", "id")])).is_err());
        let with_cert = Credentials::from_lookup(env(&[
            ("TASKCLUSTER_CLIENT_ID", "id"),
            ("TASKCLUSTER_ACCESS_TOKEN", "tok"),
            (
                "TASKCLUSTER_CERTIFICATE",
                r#"{"version":1,"scopes":[],"start":1,"expiry":2,"seed":"s","signature":"sig","issuer":"x"}"#,
            ),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(with_cert.certificate.unwrap().issuer.as_deref(), Some("x"));
        let bad = Credentials::from_lookup(env(&[
            ("TASKCLUSTER_CLIENT_ID", "id"),
            ("TASKCLUSTER_ACCESS_TOKEN", "tok"),
            ("TASKCLUSTER_CERTIFICATE", r#"{"signature":"topsecret""#),
        ]))
        .unwrap_err();
        assert!(!format!("{bad} {bad:?}").contains("topsecret"));
    }
}
