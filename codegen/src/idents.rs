//! Rust identifiers from names in the references: case conversion, the keywords of the edition
//! the generated crate uses (2024), and deterministic disambiguation.

use std::collections::BTreeSet;

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span};

/// Words that cannot be identifiers in the 2024 edition: the strict and reserved keywords of the
/// Rust Reference, `gen` (reserved since 2024) included. Weak keywords (`union`, `raw`, `safe`,
/// `macro_rules`) are ordinary identifiers. `idents_follow_the_compiler` checks this list against
/// rustc itself.
const KEYWORDS: &[&str] = &[
    "Self", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue",
    "crate", "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if",
    "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub",
    "ref", "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Whether `word` is reserved in the 2024 edition.
pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// ASCII letters and digits of `text`, everything else a word break.
fn words(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect()
}

/// Makes `name` a valid identifier: a leading digit gets a prefix, a keyword a `_` suffix, and an
/// empty name becomes `fallback`.
fn finish(name: String, prefix: &str, fallback: &str) -> String {
    let name = match name.chars().next() {
        None => fallback.to_owned(),
        Some(c) if c.is_ascii_digit() => format!("{prefix}{name}"),
        Some(_) => name,
    };
    if is_keyword(&name) {
        format!("{name}_")
    } else {
        name
    }
}

/// `taskGroupId` → `task_group_id`, `type` → `type_`, `3d` → `x3d`.
pub fn snake(name: &str) -> String {
    finish(words(name).to_snake_case(), "x", "value")
}

/// `task-group` → `TaskGroup`, `3d` → `X3d`.
pub fn pascal(name: &str) -> String {
    finish(words(name).to_upper_camel_case(), "X", "Empty")
}

/// `name` as an identifier token (already a valid identifier: see [`snake`], [`pascal`]).
pub fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// Hands out identifiers, never the same twice: a taken name gets the first free number
/// (`task_id_2`, `Ab2`), in the order names are claimed.
#[derive(Debug, Default)]
pub struct Claimed {
    taken: BTreeSet<String>,
}

impl Claimed {
    /// A set with `names` already taken (names the generated code itself uses).
    pub fn reserving(names: &[&str]) -> Self {
        Claimed {
            taken: names.iter().map(|n| (*n).to_owned()).collect(),
        }
    }

    /// `base`, or `base` with the first free number appended (`_2` after a snake-case name).
    pub fn claim(&mut self, base: &str) -> String {
        let separator = if base.contains('_') || base.starts_with(|c: char| c.is_lowercase()) {
            "_"
        } else {
            ""
        };
        let name = std::iter::once(base.to_owned())
            .chain((2..).map(|n| format!("{base}{separator}{n}")))
            .find(|n| !self.taken.contains(n))
            .expect("an unbounded range yields a free name");
        self.taken.insert(name.clone());
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        assert_eq!(snake("taskGroupId"), "task_group_id");
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("gen"), "gen_");
        assert_eq!(snake("3d"), "x3d");
        assert_eq!(snake("größe"), "gr_e");
        assert_eq!(snake("*"), "value");
        assert_eq!(pascal("worker-type"), "WorkerType");
        assert_eq!(pascal("a b"), "AB");
        assert_eq!(pascal("self"), "Self_");
        assert_eq!(pascal(""), "Empty");
    }

    #[test]
    fn claims_are_unique_and_numbered_in_order() {
        let mut c = Claimed::reserving(&["unknown_fields"]);
        assert_eq!(c.claim("task_id"), "task_id");
        assert_eq!(c.claim("task_id"), "task_id_2");
        assert_eq!(c.claim("unknown_fields"), "unknown_fields_2");
        let mut c = Claimed::default();
        assert_eq!(c.claim("AB"), "AB");
        assert_eq!(c.claim("AB"), "AB2");
    }

    /// The keyword list against the compiler: every candidate that rustc (edition 2024) refuses as
    /// a variable name is in the list, and none it accepts.
    #[test]
    fn idents_follow_the_compiler() {
        let candidates: BTreeSet<&str> = KEYWORDS
            .iter()
            .copied()
            .chain([
                "union",
                "raw",
                "safe",
                "macro_rules",
                "auto",
                "default",
                "static_",
                "dyn_",
                "async_",
                "value",
                "catch",
                "unsafe_",
                "offsetof",
                "sizeof",
                "alignof",
                "pure",
                "proc",
                "be",
                "bool",
                "str",
                "String",
                "Option",
                "Result",
            ])
            .collect();
        let dir = std::env::temp_dir().join(format!("tc-codegen-keywords-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut refused = BTreeSet::new();
        for word in &candidates {
            let file = dir.join("k.rs");
            std::fs::write(
                &file,
                format!("fn main() {{ let {word} = 1; let _ = {word}; }}\n"),
            )
            .unwrap();
            let status = std::process::Command::new("rustc")
                .args([
                    "--edition",
                    "2024",
                    "--crate-type",
                    "bin",
                    "--emit",
                    "metadata",
                ])
                .arg("-o")
                .arg(dir.join("k.rmeta"))
                .arg(&file)
                .stderr(std::process::Stdio::null())
                .status()
                .expect("rustc runs");
            if !status.success() {
                refused.insert(word.to_string());
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        let listed: BTreeSet<String> = KEYWORDS.iter().map(|k| k.to_string()).collect();
        assert_eq!(refused, listed, "rustc's keywords differ from KEYWORDS");
        for word in KEYWORDS {
            assert!(
                !is_keyword(&snake(word)) && !is_keyword(&pascal(word)),
                "{word}"
            );
        }
    }
}
