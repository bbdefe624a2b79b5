//! Data identifiers, `scope:name`.

use std::fmt;
use std::str::FromStr;

use crate::{Error, ErrorKind};

/// A data identifier: `scope:name`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Did {
    /// The scope.
    pub scope: String,
    /// The name within the scope.
    pub name: String,
}

impl Did {
    /// The DID `scope:name`.
    pub fn new(scope: impl Into<String>, name: impl Into<String>) -> Did {
        Did {
            scope: scope.into(),
            name: name.into(),
        }
    }
}

impl fmt::Display for Did {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.scope, self.name)
    }
}

impl FromStr for Did {
    type Err = Error;

    /// Parses `scope:name` (at the first `:`).
    fn from_str(s: &str) -> Result<Did, Error> {
        match s.split_once(':') {
            Some((scope, name)) if !scope.is_empty() && !name.is_empty() => {
                Ok(Did::new(scope, name))
            }
            _ => Err(Error::new(
                ErrorKind::InvalidInput,
                format!("{s:?} is not a DID: expected scope:name"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dids_parse_and_print() {
        let did: Did = "user.root:data/a:b".parse().unwrap();
        assert_eq!(did, Did::new("user.root", "data/a:b"));
        assert_eq!(did.to_string(), "user.root:data/a:b");
        for bad in ["", "scope", ":name", "scope:"] {
            assert_eq!(
                bad.parse::<Did>().unwrap_err().kind(),
                ErrorKind::InvalidInput
            );
        }
    }
}
