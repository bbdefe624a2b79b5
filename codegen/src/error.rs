//! The one error type of the generator: every failure names the file and the JSON path.

use std::fmt;
use std::path::PathBuf;

/// A generation failure, located in the reference documents.
#[derive(Debug, thiserror::Error)]
pub struct Error {
    /// The document at fault, as a path under the references directory.
    pub file: PathBuf,
    /// JSON pointer into that document (`""` for the whole document).
    pub pointer: String,
    /// What is wrong there.
    pub message: String,
}

impl Error {
    pub(crate) fn new(
        file: impl Into<PathBuf>,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error {
            file: file.into(),
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if !self.pointer.is_empty() {
            write!(f, ": {}", self.pointer)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Result of a generator stage.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Escapes one JSON pointer token (RFC 6901).
pub(crate) fn pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}
