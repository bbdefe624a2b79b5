//! The subset of Python's `configparser` format that `rucio.cfg` uses: `[section]` headers,
//! `key = value` (or `key: value`) lines, `#`/`;` comment lines, indented continuation lines and
//! a `[DEFAULT]` section whose keys every section inherits.
//!
//! Errors name the file and the line but never repeat its text: it could be a password.

use std::path::{Path, PathBuf};

use runtime_core::{Error, ErrorKind, Result};

/// A parsed file: sections in order, keys lower-cased as `configparser` does.
#[derive(Debug)]
pub(crate) struct Ini {
    pub(crate) path: PathBuf,
    sections: Vec<Section>,
}

#[derive(Debug)]
struct Section {
    name: String,
    entries: Vec<(String, String)>,
}

impl Ini {
    /// Reads and parses `path`.
    pub(crate) fn read(path: &Path) -> Result<Ini> {
        let bytes = std::fs::read(path).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!(
                    "cannot read the Rucio configuration {}: {e}",
                    path.display()
                ),
            )
            .with_source(e)
        })?;
        let text = String::from_utf8(bytes).map_err(|_| {
            Error::new(
                ErrorKind::Config,
                format!("{} is not UTF-8 text", path.display()),
            )
        })?;
        Ini::parse(&text, path)
    }

    pub(crate) fn parse(text: &str, path: &Path) -> Result<Ini> {
        let bad = |line: usize, what: String| {
            Error::new(
                ErrorKind::Config,
                format!("{}: line {line}: {what}", path.display()),
            )
        };
        let mut sections: Vec<Section> = Vec::new();
        // Whether the last line was a key (or its continuation), so an indented line continues it.
        let mut in_value = false;
        for (index, raw) in text.lines().enumerate() {
            let number = index + 1;
            let trimmed = raw.trim();
            if trimmed.is_empty() {
                in_value = false;
                continue;
            }
            if trimmed.starts_with('#') || trimmed.starts_with(';') {
                continue;
            }
            let indented = raw.starts_with([' ', '\t']);
            if indented && in_value {
                if let Some((_, value)) = sections.last_mut().and_then(|s| s.entries.last_mut()) {
                    value.push('\n');
                    value.push_str(trimmed);
                }
                continue;
            }
            if let Some(rest) = trimmed.strip_prefix('[') {
                let name = rest
                    .strip_suffix(']')
                    .ok_or_else(|| bad(number, "a section header must end with `]`".into()))?
                    .trim();
                if sections.iter().any(|s| s.name == name) {
                    return Err(bad(number, format!("duplicate section [{name}]")));
                }
                sections.push(Section {
                    name: name.to_owned(),
                    entries: Vec::new(),
                });
                in_value = false;
                continue;
            }
            let split = trimmed
                .find(['=', ':'])
                .ok_or_else(|| bad(number, "expected `[section]` or `key = value`".into()))?;
            let key = trimmed[..split].trim().to_lowercase();
            if key.is_empty() {
                return Err(bad(number, "a key is missing before `=`".into()));
            }
            let value = trimmed[split + 1..].trim().to_owned();
            let section = sections
                .last_mut()
                .ok_or_else(|| bad(number, format!("`{key}` comes before any [section]")))?;
            if section.entries.iter().any(|(k, _)| *k == key) {
                return Err(bad(
                    number,
                    format!("duplicate key `{key}` in [{}]", section.name),
                ));
            }
            section.entries.push((key, value));
            in_value = true;
        }
        Ok(Ini {
            path: path.to_owned(),
            sections,
        })
    }

    /// The value of `key` in `section`, else in `[DEFAULT]`.
    pub(crate) fn get(&self, section: &str, key: &str) -> Option<&str> {
        let find = |name: &str| {
            self.sections
                .iter()
                .find(|s| s.name == name)
                .and_then(|s| s.entries.iter().find(|(k, _)| k == key))
                .map(|(_, v)| v.as_str())
        };
        find(section).or_else(|| find("DEFAULT"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Ini> {
        Ini::parse(text, Path::new("/etc/rucio.cfg"))
    }

    #[test]
    fn sections_keys_comments_and_continuations() {
        let ini = parse(
            "# a comment\n[DEFAULT]\naccount = fallback\n\n[common]\nloglevel = WARNING\n\
             [client]\nRucio_Host = https://rucio.example.org\n; another comment\n\
             auth_type: userpass\npassword = a=b:c # not a comment\nmulti = one\n  two\n\
             empty =\n",
        )
        .unwrap();
        assert_eq!(
            ini.get("client", "rucio_host"),
            Some("https://rucio.example.org")
        );
        assert_eq!(ini.get("client", "auth_type"), Some("userpass"));
        assert_eq!(ini.get("client", "password"), Some("a=b:c # not a comment"));
        assert_eq!(ini.get("client", "multi"), Some("one\ntwo"));
        assert_eq!(ini.get("client", "empty"), Some(""));
        assert_eq!(ini.get("client", "account"), Some("fallback"));
        assert_eq!(ini.get("common", "rucio_host"), None);
        assert_eq!(ini.get("nope", "loglevel"), None);
    }

    #[test]
    fn malformed_files_name_the_file_and_line_but_not_the_text() {
        let cases = [
            ("[client]\nrucio_host = x\nhunter2\n", "line 3: expected"),
            (
                "password = hunter2\n[client]\n",
                "line 1: `password` comes before",
            ),
            ("[client\n", "line 1: a section header must end"),
            ("[client]\n= hunter2\n", "line 2: a key is missing"),
            (
                "[client]\na = 1\nA = hunter2\n",
                "line 3: duplicate key `a` in [client]",
            ),
            ("[client]\n[client]\n", "line 2: duplicate section [client]"),
        ];
        for (text, expected) in cases {
            let err = parse(text).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Config);
            let message = err.to_string();
            assert!(message.contains("/etc/rucio.cfg"), "{message}");
            assert!(message.contains(expected), "{message}");
            assert!(!message.contains("hunter2"), "{message}");
        }
    }

    #[test]
    fn missing_file_is_named() {
        let err = Ini::read(Path::new("/nonexistent/rucio.cfg")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.to_string().contains("/nonexistent/rucio.cfg"), "{err}");
    }
}
