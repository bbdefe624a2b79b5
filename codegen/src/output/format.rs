//! Stage 6a: turn token streams into source text that reads as if written by hand.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use proc_macro2::{Delimiter, Group, Literal, Punct, Spacing, TokenStream, TokenTree};

use crate::emit::helpers::GENERATED;
use crate::error::{Error, Result};

/// Formats `tokens` as a Rust file, with `inner_docs` as its `//!` docs. Docs become `///`
/// lines.
pub fn format_file(origin: &str, inner_docs: &str, tokens: TokenStream) -> Result<String> {
    let tokens = split_docs(tokens);
    let file: syn::File = syn::parse2(tokens)
        .map_err(|e| Error::new(origin, "", format!("emitted Rust does not parse: {e}")))?;
    let mut out = format!("// {GENERATED}\n");
    for line in inner_docs.lines() {
        if line.is_empty() {
            out.push_str("//!\n");
        } else {
            out.push_str("//! ");
            out.push_str(line);
            out.push('\n');
        }
    }
    if !inner_docs.is_empty() {
        out.push('\n');
    }
    out.push_str(&separate_items(&prettyplease::unparse(&file)));
    Ok(out)
}

/// Puts a blank line between items (prettyplease packs them): after a closing brace at item
/// level, and after the last `use`, as a person would write them.
fn separate_items(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        out.push_str(line);
        out.push('\n');
        let Some(next) = lines.peek() else { break };
        let top_level = !line.starts_with([' ', '/', '#']) && !line.starts_with("use ");
        let closes_item = matches!(line, "}" | "    }" | "        }")
            || (top_level && (line.ends_with("{}") || line.ends_with(';')));
        let ends_uses = line.starts_with("use ") && !next.starts_with("use ");
        let ends_mod_decl = line.starts_with("pub mod ") && line.ends_with(';');
        let next_starts_item = !next.trim().is_empty()
            && !next.trim_start().starts_with('}')
            && !next.trim_start().starts_with(')')
            && !next.trim_start().starts_with("else");
        if (closes_item || ends_uses || ends_mod_decl) && next_starts_item {
            out.push('\n');
        }
    }
    out
}

/// Rewrites each `#[doc = "a\nb"]` into one `#[doc = " a"]` per line, which prints as `/// a`.
fn split_docs(tokens: TokenStream) -> TokenStream {
    let mut out = Vec::new();
    let mut iter = tokens.into_iter().peekable();
    while let Some(tree) = iter.next() {
        match tree {
            TokenTree::Punct(ref p) if p.as_char() == '#' => {
                let doc = match iter.peek() {
                    Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Bracket => {
                        doc_text(g.stream())
                    }
                    _ => None,
                };
                match doc {
                    Some(text) => {
                        iter.next();
                        for line in doc_lines(&text) {
                            out.push(TokenTree::Punct(Punct::new('#', Spacing::Alone)));
                            let attr: TokenStream = quote::quote!(doc = #line);
                            out.push(TokenTree::Group(Group::new(Delimiter::Bracket, attr)));
                        }
                    }
                    None => out.push(tree),
                }
            }
            TokenTree::Group(g) => {
                let mut inner = Group::new(g.delimiter(), split_docs(g.stream()));
                inner.set_span(g.span());
                out.push(TokenTree::Group(inner));
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

/// The text of a `doc = "..."` attribute body.
fn doc_text(attr: TokenStream) -> Option<String> {
    let trees: Vec<TokenTree> = attr.into_iter().collect();
    match trees.as_slice() {
        [
            TokenTree::Ident(id),
            TokenTree::Punct(eq),
            TokenTree::Literal(lit),
        ] if id == "doc" && eq.as_char() == '=' => {
            let lit: syn::LitStr = syn::parse_str(&Literal::to_string(lit)).ok()?;
            Some(lit.value())
        }
        _ => None,
    }
}

/// One `#[doc]` line per line of `text` (markdown already made safe by [`crate::model::docs`]).
/// A `///` comment written in `quote!` arrives as one line with its leading space, kept once.
fn doc_lines(text: &str) -> Vec<String> {
    let from_comment = !text.contains('\n') && text.starts_with(' ') && !text.starts_with("  ");
    let text = if from_comment { &text[1..] } else { text };
    text.trim_end()
        .lines()
        .map(|line| {
            let line = line.trim_end();
            if line.is_empty() {
                String::new()
            } else {
                format!(" {line}")
            }
        })
        .collect()
}

/// Runs rustfmt once over every `.rs` file in `files` (in a scratch directory), so the output
/// is exactly what `cargo fmt` keeps. `RUSTFMT` names the binary, as for cargo.
pub fn rustfmt_all(files: &mut BTreeMap<PathBuf, String>) -> Result<()> {
    static SCRATCH: AtomicUsize = AtomicUsize::new(0);
    let scratch = std::env::temp_dir().join(format!(
        "tc-codegen-fmt-{}-{}",
        std::process::id(),
        SCRATCH.fetch_add(1, Ordering::Relaxed)
    ));
    let result = rustfmt_in(&scratch, files);
    let _ = fs::remove_dir_all(&scratch);
    result
}

fn rustfmt_in(scratch: &Path, files: &mut BTreeMap<PathBuf, String>) -> Result<()> {
    let io = |e: std::io::Error| Error::new(scratch, "", e.to_string());
    let rust_files: Vec<&PathBuf> = files
        .keys()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    for path in &rust_files {
        let target = scratch.join(path);
        fs::create_dir_all(target.parent().unwrap_or(scratch)).map_err(io)?;
        fs::write(&target, &files[*path]).map_err(io)?;
    }
    let rustfmt = std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into());
    // rustfmt formats the modules a file declares too: give it each `mod.rs` (which brings its
    // `types.rs` and `wire.rs`) and only the files no `mod.rs` covers, `lib.rs` (which would
    // bring everything) through stdin. The roots go to one process per CPU, largest first, each
    // to the least loaded.
    let is_root = |p: &Path| {
        p.file_name().is_some_and(|n| n == "mod.rs")
            || !rust_files.contains(&&p.with_file_name("mod.rs"))
    };
    let mut roots: Vec<&PathBuf> = rust_files
        .iter()
        .copied()
        .filter(|p| is_root(p) && p.as_path() != Path::new("src/lib.rs"))
        .collect();
    let weight = |p: &PathBuf| -> usize {
        let dir = p.parent().unwrap_or(Path::new(""));
        rust_files
            .iter()
            .filter(|f| f.parent() == Some(dir))
            .map(|f| files[*f].len())
            .sum()
    };
    roots.sort_by_key(|p| std::cmp::Reverse(weight(p)));
    let groups = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut shares: Vec<(usize, Vec<PathBuf>)> = vec![(0, Vec::new()); groups];
    for path in roots {
        let lightest = shares
            .iter_mut()
            .min_by_key(|(load, _)| *load)
            .expect("one group");
        lightest.0 += weight(path);
        lightest.1.push(scratch.join(path));
    }
    let program = &rustfmt;
    let lib = files.get(Path::new("src/lib.rs")).cloned();
    let (outputs, lib) = std::thread::scope(|scope| {
        let running: Vec<_> = shares
            .iter()
            .filter(|(_, paths)| !paths.is_empty())
            .map(|(_, paths)| {
                scope.spawn(move || {
                    Command::new(program)
                        .args(["--edition", "2024"])
                        .args(paths)
                        .output()
                })
            })
            .collect();
        let lib = lib.map(|text| format_stdin(program, &text));
        let outputs: Vec<std::io::Result<std::process::Output>> = running
            .into_iter()
            .map(|r| {
                r.join()
                    .unwrap_or_else(|_| Err(std::io::Error::other("rustfmt thread")))
            })
            .collect();
        (outputs, lib)
    });
    let mut formatted_lib = None;
    let outputs: Vec<std::io::Result<std::process::Output>> = outputs
        .into_iter()
        .chain(lib.into_iter().map(|r| {
            r.map(|(output, text)| {
                formatted_lib = Some(text);
                output
            })
        }))
        .collect();
    for output in outputs {
        let output = output.map_err(|e| {
            Error::new(
                Path::new(&rustfmt),
                "",
                format!("cannot run rustfmt ({e}); install it with `rustup component add rustfmt`"),
            )
        })?;
        if !output.status.success() {
            return Err(Error::new(
                scratch,
                "",
                format!(
                    "rustfmt failed: {}",
                    String::from_utf8_lossy(&output.stderr)
                ),
            ));
        }
    }
    let paths: Vec<PathBuf> = rust_files.into_iter().cloned().collect();
    if let Some(text) = formatted_lib {
        files.insert(PathBuf::from("src/lib.rs"), text);
    }
    for path in paths
        .into_iter()
        .filter(|p| p.as_path() != Path::new("src/lib.rs"))
    {
        let text = fs::read_to_string(scratch.join(&path)).map_err(io)?;
        files.insert(path, text);
    }
    Ok(())
}

/// `text`, one file with no modules of its own, as rustfmt writes it.
pub fn rustfmt_text(text: &str) -> Result<String> {
    let rustfmt = std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into());
    let (output, formatted) = format_stdin(&rustfmt, text).map_err(|e| {
        Error::new(
            Path::new(&rustfmt),
            "",
            format!("cannot run rustfmt ({e}); install it with `rustup component add rustfmt`"),
        )
    })?;
    if !output.status.success() {
        return Err(Error::new(
            "cli/src/api.rs",
            "",
            format!(
                "rustfmt failed: {}",
                String::from_utf8_lossy(&output.stderr)
            ),
        ));
    }
    Ok(formatted)
}

/// Formats `text` through rustfmt's stdin: the formatted text, and rustfmt's output.
pub(crate) fn format_stdin(
    rustfmt: &std::ffi::OsStr,
    text: &str,
) -> std::io::Result<(std::process::Output, String)> {
    use std::io::Write;
    let mut child = Command::new(rustfmt)
        .args(["--edition", "2024", "--emit", "stdout"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    child
        .stdin
        .take()
        .ok_or_else(|| std::io::Error::other("rustfmt has no stdin"))?
        .write_all(text.as_bytes())?;
    let output = child.wait_with_output()?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    Ok((output, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_lines_keep_one_space() {
        // `/// The x` in `quote!` is `doc = " The x"`; an emitter's text has no leading space.
        assert_eq!(doc_lines(" The x"), [" The x"]);
        assert_eq!(doc_lines("The x"), [" The x"]);
        // Indentation that means something stays: a code block, a continued list item.
        assert_eq!(doc_lines("    code"), ["     code"]);
        assert_eq!(doc_lines("- a\n  b\n\nc"), [" - a", "   b", "", " c"]);
    }
}
