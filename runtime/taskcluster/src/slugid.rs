//! Slugids: Taskcluster's ids (task ids, task group ids), a random (v4) UUID as 22 characters of
//! URL-safe base64 without padding.

/// A "nice" slugid, as Taskcluster's clients make task ids: the first character is a letter
/// or digit, never `-` or `_`, so it cannot be mistaken for a command-line option (121 random
/// bits).
pub fn nice() -> String {
    ::slugid::nice()
}

/// A slugid of any v4 UUID (122 random bits).
pub fn v4() -> String {
    ::slugid::v4()
}

#[cfg(test)]
mod tests {
    /// What Taskcluster's schemas require of a slugid (`^[A-Za-z0-9_-]{8}[Q-T][A-Za-z0-9_-]
    /// [CGKOSWaeimquy26-][A-Za-z0-9_-]{10}[AQgw]$`: a v4 UUID's version and variant bits), and
    /// that a nice one starts with a letter or digit from the first half of the alphabet.
    fn is_slugid(id: &str) -> bool {
        let b = id.as_bytes();
        let url_safe = |c: &u8| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_';
        b.len() == 22
            && b.iter().all(url_safe)
            && (b'Q'..=b'T').contains(&b[8])
            && b"CGKOSWaeimquy26-".contains(&b[10])
            && b"AQgw".contains(&b[21])
    }

    #[test]
    fn ids_are_taskcluster_slugids() {
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..2000 {
            let nice = super::nice();
            assert!(is_slugid(&nice), "{nice}");
            assert!(
                matches!(nice.as_bytes()[0], b'A'..=b'Z' | b'a'..=b'f'),
                "{nice}"
            );
            let v4 = super::v4();
            assert!(is_slugid(&v4), "{v4}");
            assert!(seen.insert(nice) && seen.insert(v4));
        }
    }
}
