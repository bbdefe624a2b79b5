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
