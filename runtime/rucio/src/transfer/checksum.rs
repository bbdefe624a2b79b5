//! The checksums Rucio records for a file: adler32 (eight lowercase hex digits) and md5 (32),
//! computed in one pass over the data.

use md5::{Digest, Md5};

/// A file's adler32 and md5, as Rucio writes them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Checksums {
    /// The file's length in bytes.
    pub bytes: u64,
    /// Adler-32, eight lowercase hex digits (`%08x`).
    pub adler32: String,
    /// MD5, 32 lowercase hex digits.
    pub md5: String,
}

/// Computes [`Checksums`] over data fed in pieces.
#[derive(Clone, Debug, Default)]
pub struct Checksummer {
    bytes: u64,
    adler32: adler2::Adler32,
    md5: Md5,
}

impl Checksummer {
    /// A checksummer that has seen no data.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the next piece of data.
    pub fn update(&mut self, data: &[u8]) {
        self.bytes += data.len() as u64;
        self.adler32.write_slice(data);
        self.md5.update(data);
    }

    /// The checksums of everything fed so far.
    pub fn finish(self) -> Checksums {
        let md5 = self.md5.finalize();
        Checksums {
            bytes: self.bytes,
            adler32: format!("{:08x}", self.adler32.checksum()),
            md5: md5.iter().map(|b| format!("{b:02x}")).collect(),
        }
    }
}

/// The checksums of `data`.
pub fn checksums(data: &[u8]) -> Checksums {
    let mut summer = Checksummer::new();
    summer.update(data);
    summer.finish()
}

/// Whether a recorded adler32 matches a computed one: Rucio's are hex, sometimes without their
/// leading zeros or in upper case.
pub(crate) fn same_adler32(recorded: &str, computed: &str) -> bool {
    u32::from_str_radix(recorded.trim(), 16).ok() == u32::from_str_radix(computed, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // Adler-32 of "Wikipedia" is 0x11E60398; MD5 of "" is d41d8cd9....
        assert_eq!(checksums(b"Wikipedia").adler32, "11e60398");
        assert_eq!(checksums(b"").adler32, "00000001");
        assert_eq!(checksums(b"").md5, "d41d8cd98f00b204e9800998ecf8427e");
        let mut pieces = Checksummer::new();
        pieces.update(b"Wiki");
        pieces.update(b"pedia");
        assert_eq!(pieces.finish(), checksums(b"Wikipedia"));
        assert!(same_adler32("1E60398", "01e60398"));
        assert!(!same_adler32("x", "01e60398"));
    }
}
