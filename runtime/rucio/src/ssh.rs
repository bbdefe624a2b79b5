//! Rucio's SSH login: the server hands out a short-lived challenge
//! (`GET /auth/ssh_challenge_token`, answered in `X-Rucio-SSH-Challenge-Token`), the client signs
//! it with the RSA key of one of the account's SSH identities and sends the signature as
//! `X-Rucio-SSH-Signature` to `GET /auth/ssh`. The signature travels as SSH writes one
//! (RFC 4253 §6.6, RFC 8332): the algorithm's name and the signature bytes, each a
//! length-prefixed string, then base64. `rsa-sha2-256` rather than SHA-1 `ssh-rsa`: the server
//! (paramiko) checks either.

use std::fmt;
use std::path::{Path, PathBuf};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine as _;
use rustls_pki_types::PrivateKeyDer;
use rustls_pki_types::pem::PemObject;

use runtime_core::{Error, ErrorKind, Result};

const ALGORITHM: &str = "rsa-sha2-256";

/// The RSA key of an SSH identity, loaded from a PEM file (PKCS#1 `RSA PRIVATE KEY`, as
/// `ssh-keygen -m PEM` writes it, or PKCS#8 `PRIVATE KEY`; unencrypted). `Debug` shows the
/// file, never the key.
pub struct SshKey {
    path: PathBuf,
    key: RsaKeyPair,
}

impl fmt::Debug for SshKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SshKey")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SshKey {
    /// Reads the key at `path`. Errors ([`ErrorKind::Config`]) name the file, never its
    /// contents.
    pub fn load(path: impl AsRef<Path>) -> Result<SshKey> {
        let path = path.as_ref();
        let bad = |why: &str| {
            Error::new(
                ErrorKind::Config,
                format!("the SSH private key {}: {why}", path.display()),
            )
        };
        let text = std::fs::read(path).map_err(|e| bad(&e.to_string()).with_source(e))?;
        if text
            .windows(b"OPENSSH PRIVATE KEY".len())
            .any(|w| w == b"OPENSSH PRIVATE KEY")
        {
            return Err(bad(
                "an OpenSSH-format key; this client reads PEM keys: convert a copy with \
                 `ssh-keygen -p -m PEM -f <copy>`",
            ));
        }
        let der = PrivateKeyDer::from_pem_slice(&text)
            .map_err(|_| bad("no PEM private key (PKCS#1 or PKCS#8) in it"))?;
        let key = match &der {
            PrivateKeyDer::Pkcs1(k) => RsaKeyPair::from_der(k.secret_pkcs1_der()),
            PrivateKeyDer::Pkcs8(k) => RsaKeyPair::from_pkcs8(k.secret_pkcs8_der()),
            _ => return Err(bad("not an RSA key (Rucio's SSH identities are RSA)")),
        }
        .map_err(|e| bad(&format!("not a usable RSA key ({e})")))?;
        Ok(SshKey {
            path: path.to_owned(),
            key,
        })
    }

    /// The `X-Rucio-SSH-Signature` of `challenge`.
    pub fn sign(&self, challenge: &str) -> Result<String> {
        let mut signature = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                challenge.as_bytes(),
                &mut signature,
            )
            .map_err(|_| {
                Error::new(
                    ErrorKind::Credentials,
                    format!("cannot sign with the SSH key {}", self.path.display()),
                )
            })?;
        let mut wire = Vec::with_capacity(8 + ALGORITHM.len() + signature.len());
        for part in [ALGORITHM.as_bytes(), &signature] {
            wire.extend((part.len() as u32).to_be_bytes());
            wire.extend(part);
        }
        Ok(base64::engine::general_purpose::STANDARD.encode(wire))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_file_not_its_contents() {
        let dir = tempfile::tempdir().unwrap();
        let missing = SshKey::load(dir.path().join("missing")).unwrap_err();
        assert_eq!(missing.kind(), ErrorKind::Config);
        assert!(missing.message().contains("missing"), "{missing}");

        let openssh = dir.path().join("id_rsa");
        std::fs::write(
            &openssh,
            "-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0LWJ5dGVz\n-----END OPENSSH PRIVATE KEY-----\n",
        )
        .unwrap();
        let err = SshKey::load(&openssh).unwrap_err();
        assert!(err.message().contains("ssh-keygen -p -m PEM"), "{err}");
        assert!(!format!("{err:?}").contains("c2VjcmV0"), "{err:?}");
    }

    #[test]
    fn signs_as_ssh_writes_rsa_sha2_256() {
        use aws_lc_rs::encoding::AsDer;
        use aws_lc_rs::rsa::KeySize;
        use aws_lc_rs::signature::{KeyPair, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};

        let generated = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
        let pkcs8 = generated.as_der().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.pem");
        let b64 = base64::engine::general_purpose::STANDARD.encode(pkcs8.as_ref());
        std::fs::write(
            &path,
            format!("-----BEGIN PRIVATE KEY-----\n{b64}\n-----END PRIVATE KEY-----\n"),
        )
        .unwrap();
        let key = SshKey::load(&path).unwrap();
        assert!(!format!("{key:?}").contains(&b64[..40]));

        let wire = base64::engine::general_purpose::STANDARD
            .decode(key.sign("challenge-1-root-2").unwrap())
            .unwrap();
        let (name, rest) =
            wire[4..].split_at(u32::from_be_bytes(wire[..4].try_into().unwrap()) as usize);
        assert_eq!(name, b"rsa-sha2-256");
        let (len, signature) = rest.split_at(4);
        assert_eq!(
            u32::from_be_bytes(len.try_into().unwrap()) as usize,
            signature.len()
        );
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, generated.public_key().as_ref())
            .verify(b"challenge-1-root-2", signature)
            .unwrap();
    }
}
