//! Hawk request signing (header and bewit), as the Hawk 1 spec and Taskcluster use it.
//!
//! The MAC is HMAC-SHA256, keyed with the access token, over the normalized string
//!
//! ```text
//! hawk.1.<header|bewit>\n<ts>\n<nonce>\n<METHOD>\n<path?query>\n<host>\n<port>\n<hash>\n<ext>\n
//! ```
//!
//! and is sent base64-encoded. [`Signer`] keys the HMAC once (the padded key's inner and outer
//! states are precomputed and cloned per signature), then streams the parts of the normalized
//! string straight into the MAC, so signing does not build the normalized string at all and
//! writes the header into one pre-sized `String`.
//!
//! Why not the `hawk` crate: it builds the normalized string and several intermediate strings
//! per request, re-keys the HMAC every time and wants a parsed `Url` for every signature. The
//! tests check this module against that crate, npm's `hawk` and Python's `mohawk`.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Base64 length of a SHA-256 digest (44 with padding).
const DIGEST_B64_LEN: usize = 44;

/// Signs requests for one set of credentials.
///
/// The `ext` string (Taskcluster's base64 JSON `{certificate, authorizedScopes}`) is fixed at
/// construction; see [`crate::Credentials::hawk_ext`].
#[derive(Clone)]
pub struct Signer {
    id: String,
    mac: HmacSha256,
    ext: Option<String>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("id", &self.id)
            .field("key", &"***")
            .field("ext", &self.ext.as_ref().map(|_| "..."))
            .finish()
    }
}

/// Writes `n` in decimal into `buf`, returning the digits.
fn decimal(n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[i..]
}

impl Signer {
    /// A signer for client `id` with key `key` (the access token) and an optional `ext`.
    pub fn new(id: &str, key: &str, ext: Option<String>) -> Signer {
        Signer {
            id: id.to_owned(),
            mac: HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC takes keys of any length"),
            ext,
        }
    }

    /// The client id that signs.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The `ext` sent with each signature.
    pub fn ext(&self) -> Option<&str> {
        self.ext.as_deref()
    }

    #[allow(clippy::too_many_arguments)] // the Hawk normalized string has this many parts
    fn mac_b64(
        &self,
        kind: &[u8],
        ts: u64,
        nonce: &str,
        method: &str,
        resource: &str,
        host: &str,
        port: u16,
        hash: &str,
        out: &mut String,
    ) {
        let mut mac = self.mac.clone();
        let mut digits = [0u8; 20];
        mac.update(b"hawk.1.");
        mac.update(kind);
        mac.update(b"\n");
        mac.update(decimal(ts, &mut digits));
        mac.update(b"\n");
        mac.update(nonce.as_bytes());
        mac.update(b"\n");
        mac.update(method.as_bytes());
        mac.update(b"\n");
        mac.update(resource.as_bytes());
        mac.update(b"\n");
        // Hawk lowercases the host; host names from `url` are already lowercase.
        if host.bytes().any(|b| b.is_ascii_uppercase()) {
            mac.update(host.to_ascii_lowercase().as_bytes());
        } else {
            mac.update(host.as_bytes());
        }
        mac.update(b"\n");
        mac.update(decimal(u64::from(port), &mut digits));
        mac.update(b"\n");
        mac.update(hash.as_bytes());
        mac.update(b"\n");
        if let Some(ext) = &self.ext {
            mac.update(ext.as_bytes());
        }
        mac.update(b"\n");
        let tag = mac.finalize().into_bytes();
        STANDARD.encode_string(tag.as_slice(), out);
    }

    /// Writes a Hawk `Authorization` header value into `out` (cleared first).
    ///
    /// `resource` is the request's path and query (`/api/x/v1/y?a=b`), `ts` is in seconds
    /// since the epoch, and `payload_hash` comes from [`payload_hash`] for requests with a
    /// body.
    #[allow(clippy::too_many_arguments)] // the Hawk normalized string has this many parts
    pub fn header_into(
        &self,
        out: &mut String,
        method: &str,
        resource: &str,
        host: &str,
        port: u16,
        ts: u64,
        nonce: &str,
        payload_hash: Option<&str>,
    ) {
        out.clear();
        let ext_len = self.ext.as_ref().map_or(0, |e| e.len() + 8);
        let hash_len = payload_hash.map_or(0, |h| h.len() + 9);
        out.reserve(40 + self.id.len() + 20 + nonce.len() + ext_len + hash_len + DIGEST_B64_LEN);
        let mut digits = [0u8; 20];
        out.push_str("Hawk id=\"");
        out.push_str(&self.id);
        out.push_str("\", ts=\"");
        // `decimal` only writes ASCII digits.
        out.push_str(std::str::from_utf8(decimal(ts, &mut digits)).unwrap_or("0"));
        out.push_str("\", nonce=\"");
        out.push_str(nonce);
        if let Some(hash) = payload_hash {
            out.push_str("\", hash=\"");
            out.push_str(hash);
        }
        if let Some(ext) = &self.ext {
            out.push_str("\", ext=\"");
            out.push_str(ext);
        }
        out.push_str("\", mac=\"");
        self.mac_b64(
            b"header",
            ts,
            nonce,
            method,
            resource,
            host,
            port,
            payload_hash.unwrap_or(""),
            out,
        );
        out.push('"');
    }

    /// A Hawk `Authorization` header value; see [`Signer::header_into`].
    #[allow(clippy::too_many_arguments)] // the Hawk normalized string has this many parts
    pub fn header(
        &self,
        method: &str,
        resource: &str,
        host: &str,
        port: u16,
        ts: u64,
        nonce: &str,
        payload_hash: Option<&str>,
    ) -> String {
        let mut out = String::new();
        self.header_into(
            &mut out,
            method,
            resource,
            host,
            port,
            ts,
            nonce,
            payload_hash,
        );
        out
    }

    /// The bewit (value of the `bewit` query parameter) for a GET of `resource` (path and
    /// query, without `bewit`) that expires at `exp` (seconds since the epoch).
    ///
    /// It is base64url, unpadded, of `id\exp\mac\ext`.
    pub fn bewit(&self, resource: &str, host: &str, port: u16, exp: u64) -> String {
        let mut inner = String::with_capacity(
            self.id.len() + 24 + DIGEST_B64_LEN + self.ext.as_ref().map_or(0, String::len),
        );
        let mut digits = [0u8; 20];
        inner.push_str(&self.id);
        inner.push('\\');
        inner.push_str(std::str::from_utf8(decimal(exp, &mut digits)).unwrap_or("0"));
        inner.push('\\');
        self.mac_b64(
            b"bewit", exp, "", "GET", resource, host, port, "", &mut inner,
        );
        inner.push('\\');
        if let Some(ext) = &self.ext {
            inner.push_str(ext);
        }
        URL_SAFE_NO_PAD.encode(inner.as_bytes())
    }
}

/// The Hawk payload hash of `body` sent with `content_type` (parameters such as `; charset`
/// are dropped and the type lowercased, as Hawk specifies).
pub fn payload_hash(content_type: &str, body: &[u8]) -> String {
    let ct = content_type.split(';').next().unwrap_or("").trim();
    let mut h = Sha256::new();
    h.update(b"hawk.1.payload\n");
    if ct.bytes().any(|b| b.is_ascii_uppercase()) {
        h.update(ct.to_ascii_lowercase().as_bytes());
    } else {
        h.update(ct.as_bytes());
    }
    h.update(b"\n");
    h.update(body);
    h.update(b"\n");
    STANDARD.encode(h.finalize().as_slice())
}

/// A fresh 6-character nonce, written into `out`.
///
/// Hawk nonces only need to be unique per timestamp and client (they guard against replays and
/// are covered by the MAC); they are not secrets. They come from `fastrand`'s per-thread
/// generator, seeded randomly by the standard library.
pub fn nonce() -> [u8; 6] {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut n = [0u8; 6];
    let mut bits = fastrand::u64(..);
    for b in &mut n {
        *b = ALPHABET[(bits & 63) as usize];
        bits >>= 6;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_digits() {
        let mut b = [0u8; 20];
        assert_eq!(decimal(0, &mut b), b"0");
        assert_eq!(decimal(1353832234, &mut b), b"1353832234");
        assert_eq!(decimal(u64::MAX, &mut b), b"18446744073709551615");
    }

    // The Hawk spec's own example: id dh37fgj492je, key werxhqb98rpaxn39848xrunpaw3489ruxnpa98w4rxn,
    // GET /resource/1?b=1&a=2 on example.com:8000, ts 1353832234, nonce j4h3g2, ext some-app-ext-data.
    #[test]
    fn hawk_spec_header_example() {
        let s = Signer::new(
            "dh37fgj492je",
            "werxhqb98rpaxn39848xrunpaw3489ruxnpa98w4rxn",
            Some("some-app-ext-data".into()),
        );
        let h = s.header(
            "GET",
            "/resource/1?b=1&a=2",
            "example.com",
            8000,
            1353832234,
            "j4h3g2",
            None,
        );
        assert_eq!(
            h,
            "Hawk id=\"dh37fgj492je\", ts=\"1353832234\", nonce=\"j4h3g2\", \
             ext=\"some-app-ext-data\", mac=\"6R4rV5iE+NPoym+WwjeHzjAGXUtLNIxmo1vpMofpLAE=\""
        );
    }

    // The Hawk spec's payload example: POST text/plain "Thank you for flying Hawk".
    #[test]
    fn hawk_spec_payload_example() {
        let hash = payload_hash("text/plain", b"Thank you for flying Hawk");
        assert_eq!(hash, "Yi9LfIIFRtBEPt74PVmbTF/xVAwPn7ub15ePICfgnuY=");
        let s = Signer::new(
            "dh37fgj492je",
            "werxhqb98rpaxn39848xrunpaw3489ruxnpa98w4rxn",
            Some("some-app-ext-data".into()),
        );
        let h = s.header(
            "POST",
            "/resource/1?b=1&a=2",
            "example.com",
            8000,
            1353832234,
            "j4h3g2",
            Some(&hash),
        );
        assert!(
            h.ends_with("mac=\"aSe1DERmZuRl3pI36/9BdZmnErTw3sNzOOAUlfeKjVw=\""),
            "{h}"
        );
        assert_eq!(
            payload_hash("Text/Plain; charset=utf-8", b"Thank you for flying Hawk"),
            hash
        );
    }

    #[test]
    fn nonces_use_the_alphabet_and_vary() {
        let a = nonce();
        assert!(
            a.iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
        );
        let distinct: std::collections::HashSet<[u8; 6]> = (0..64).map(|_| nonce()).collect();
        assert!(distinct.len() > 60);
    }
}
