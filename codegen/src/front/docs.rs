//! Markdown from the references made safe for rustdoc: nothing in it may become a doc test
//! that runs, or a rustdoc warning (`-D warnings` stays clean).
//!
//! - Code blocks keep their text but never run: fences whose info string rustdoc would read as
//!   Rust (none, `rust`, `ignore`, `no_run`, …) become `text`, indented code blocks become fenced
//!   `text` blocks, and a fence left open is closed.
//! - Prose stays prose: `<taskId>` is text, not an HTML tag; `[name]` that is not a link is text,
//!   not an intra-doc link; a backtick without a partner is a backtick; a bare URL is a link.
//! - List items' continuation lines are indented to the item's content, as rustdoc and clippy
//!   expect.

/// Languages rustdoc does not run, kept as the fence's info string; anything else becomes `text`.
const OTHER_LANGUAGES: &[&str] = &[
    "bash",
    "c",
    "console",
    "css",
    "diff",
    "go",
    "html",
    "ini",
    "javascript",
    "js",
    "json",
    "jsonc",
    "markdown",
    "md",
    "python",
    "py",
    "sh",
    "shell",
    "sql",
    "text",
    "toml",
    "ts",
    "typescript",
    "xml",
    "yaml",
    "yml",
];

/// `text` (markdown from a reference) as rustdoc should see it.
pub fn markdown(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out: Vec<String> = Vec::new();
    // The open fence: its marker (``` or ~~~, possibly longer).
    let mut fence: Option<String> = None;
    let mut indented_block = false;
    let mut previous_blank = true;
    let mut in_list = false;
    for line in indent_list_continuations(&text).lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if let Some(marker) = &fence {
            if trimmed.starts_with(marker.as_str()) && trimmed[marker.len()..].trim().is_empty() {
                fence = None;
            }
            out.push(line.to_owned());
            continue;
        }
        if indented_block {
            if trimmed.is_empty() || indent >= 4 {
                out.push(line.get(4..).unwrap_or("").to_owned());
                continue;
            }
            // Blank lines before the end belong after the fence.
            let blanks = out.iter().rev().take_while(|l| l.is_empty()).count();
            out.truncate(out.len() - blanks);
            out.push("```".to_owned());
            out.extend(std::iter::repeat_n(String::new(), blanks));
            indented_block = false;
        }
        if let Some(marker) = fence_marker(trimmed) {
            let info = trimmed[marker.len()..].trim();
            let language = info.split([',', ' ']).next().unwrap_or("");
            let info = if OTHER_LANGUAGES.contains(&language.to_ascii_lowercase().as_str()) {
                info
            } else {
                "text"
            };
            out.push(format!("{}{marker}{info}", &line[..indent]));
            fence = Some(marker);
            previous_blank = false;
            continue;
        }
        if trimmed.is_empty() {
            out.push(String::new());
            previous_blank = true;
            continue;
        }
        if list_marker(trimmed).is_some() {
            in_list = true;
        } else if indent == 0 {
            in_list = false;
        }
        if indent >= 4 && previous_blank && !in_list {
            out.push("```text".to_owned());
            out.push(line[4..].to_owned());
            indented_block = true;
            previous_blank = false;
            continue;
        }
        out.push(absolute_links(&escape_prose(line)));
        previous_blank = false;
    }
    if indented_block {
        while out.last().is_some_and(String::is_empty) {
            out.pop();
        }
        out.push("```".to_owned());
    }
    if let Some(marker) = fence {
        out.push(marker);
    }
    out.join("\n")
}

/// The documentation site that Taskcluster's root-relative links (`](/docs/…)`) point into: a
/// rendered crate has no root of its own, so such a link would be dead.
const DOCS_SITE: &str = "https://docs.taskcluster.net";

/// `line` with root-relative `/docs/` link targets made absolute on [`DOCS_SITE`].
fn absolute_links(line: &str) -> String {
    line.replace("](/docs/", &format!("]({DOCS_SITE}/docs/"))
}

/// The fence that opens a code block on this line (` ``` `, `~~~`, or longer), if any.
fn fence_marker(trimmed: &str) -> Option<String> {
    let c = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let n = trimmed.chars().take_while(|x| *x == c).count();
    // A backtick fence's info string may not contain backticks (then it is a code span).
    let rest = &trimmed[n..];
    (n >= 3 && !(c == '`' && rest.contains('`'))).then(|| c.to_string().repeat(n))
}

/// Escapes what rustdoc would misread in one line of prose.
fn escape_prose(line: &str) -> String {
    let spans = code_spans(line);
    let in_span = |i: usize| spans.iter().any(|(a, b)| i >= *a && i < *b);
    // The brackets of real links, which stay as they are: `[text](…)`, `[text][label]`.
    let mut kept = Vec::new();
    for (i, c) in line.char_indices() {
        if c != '[' || in_span(i) || kept.contains(&i) {
            continue;
        }
        if let Some(end) = link_end(&line[i..]) {
            kept.extend([i, i + end]);
            let label = i + end + 1;
            if line[label..].starts_with('[')
                && let Some(label_end) = line[label..].find(']')
            {
                kept.extend([label, label + label_end]);
            }
        }
    }
    let mut out = String::with_capacity(line.len() + 8);
    let mut i = 0;
    while i < line.len() {
        let rest = &line[i..];
        let c = rest.chars().next().expect("in bounds");
        if in_span(i) {
            out.push(c);
            i += c.len_utf8();
            continue;
        }
        match c {
            // A backtick not in a span has no partner.
            '`' => out.push_str("\\`"),
            '<' => {
                let tag_len = rest[1..]
                    .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '-' || ch == '_'))
                    .unwrap_or(rest.len() - 1);
                let closing = rest[1..].starts_with('/');
                if (tag_len > 0 && rest[1 + tag_len..].starts_with('>')) || closing {
                    out.push('\\');
                }
                out.push('<');
            }
            '[' | ']' if kept.contains(&i) => out.push(c),
            '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            'h' if rest.starts_with("https://") || rest.starts_with("http://") => {
                let after = matches!(out.chars().last(), Some('<' | '(' | '[' | '"'));
                let end = rest
                    .find(|ch: char| ch.is_whitespace() || ch == '`' || ch == '<')
                    .unwrap_or(rest.len());
                let url = rest[..end].trim_end_matches(['.', ',', ';', ':', ')', '\'', ']']);
                if after {
                    out.push_str(url);
                } else {
                    out.push('<');
                    out.push_str(url);
                    out.push('>');
                }
                i += url.len();
                continue;
            }
            _ => out.push(c),
        }
        i += c.len_utf8();
    }
    out
}

/// Byte ranges of the line's code spans: a run of backticks up to the next run of the same
/// length.
fn code_spans(line: &str) -> Vec<(usize, usize)> {
    let bytes = line.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'`' {
            i += 1;
            continue;
        }
        let run = bytes[i..].iter().take_while(|b| **b == b'`').count();
        let mut j = i + run;
        let mut end = None;
        while j < bytes.len() {
            if bytes[j] == b'`' {
                let other = bytes[j..].iter().take_while(|b| **b == b'`').count();
                if other == run {
                    end = Some(j + other);
                    break;
                }
                j += other;
            } else {
                j += 1;
            }
        }
        match end {
            Some(e) => {
                spans.push((i, e));
                i = e;
            }
            None => i += run,
        }
    }
    spans
}

/// Where the `]` is, when `[` at the start of `rest` opens a markdown link: `[text](…)`,
/// `[text][…]`, or a link definition `[label]: …`.
fn link_end(rest: &str) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in rest.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    let after = &rest[i + 1..];
                    let link =
                        after.starts_with('(') || after.starts_with('[') || after.starts_with(':');
                    return link.then_some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Indents the continuation lines of markdown list items to the item's content column, as
/// rustdoc (and clippy's `doc_lazy_continuation`, `doc_overindented_list_items`) expect.
pub fn indent_list_continuations(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut item_column: Option<usize> = None;
    let mut after_blank = false;
    let mut fence: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let rewritten = if let Some(marker) = &fence {
            if trimmed.starts_with(marker.as_str()) {
                fence = None;
            }
            line.to_owned()
        } else if let Some(marker) = fence_marker(trimmed) {
            fence = Some(marker);
            item_column = None;
            line.to_owned()
        } else if trimmed.is_empty() {
            after_blank = true;
            out.push('\n');
            continue;
        } else if let Some(marker) = list_marker(trimmed) {
            item_column = Some(indent + marker);
            line.to_owned()
        } else {
            match item_column {
                Some(_) if after_blank && indent == 0 => {
                    item_column = None;
                    line.to_owned()
                }
                Some(column) => format!("{}{trimmed}", " ".repeat(column)),
                None => line.to_owned(),
            }
        };
        after_blank = false;
        out.push_str(&rewritten);
        out.push('\n');
    }
    out
}

/// The width of a list marker and its space (`- `, `* `, `12. `) at the start of `line`.
fn list_marker(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    match bytes.first()? {
        b'-' | b'*' | b'+' if bytes.get(1) == Some(&b' ') => Some(2),
        b'0'..=b'9' => {
            let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
            match (bytes.get(digits), bytes.get(digits + 1)) {
                (Some(b'.' | b')'), Some(b' ')) => Some(digits + 2),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_never_runs() {
        assert_eq!(
            markdown("a\n```\ncode\n```\n```rust\nfn x() {}\n```\n```json\n{}\n```"),
            "a\n```text\ncode\n```\n```text\nfn x() {}\n```\n```json\n{}\n```"
        );
        assert_eq!(markdown("~~~no_run\nx\n~~~"), "~~~text\nx\n~~~");
        assert_eq!(
            markdown("open\n```\nnever closed"),
            "open\n```text\nnever closed\n```"
        );
        assert_eq!(
            markdown("Example:\n\n    let x = 1;\n    x\n\nAfter."),
            "Example:\n\n```text\nlet x = 1;\nx\n```\n\nAfter."
        );
        assert_eq!(
            markdown("- item\n\n      nested text"),
            "- item\n\n  nested text"
        );
    }

    #[test]
    fn prose_stays_prose() {
        assert_eq!(
            escape_prose("see <taskId>/<name> in `<code>`, a < b, </b>"),
            "see \\<taskId>/\\<name> in `<code>`, a < b, \\</b>"
        );
        assert_eq!(
            escape_prose("at https://x.org/a. Or <https://y.org> or [y](https://z.org)"),
            "at <https://x.org/a>. Or <https://y.org> or [y](https://z.org)"
        );
        assert_eq!(escape_prose("a lone ` then <b>"), "a lone \\` then \\<b>");
        assert_eq!(escape_prose("``a ` b`` `c`"), "``a ` b`` `c`");
        assert_eq!(
            escape_prose("[taskId] and [a link](x) and [ref][r] and #[derive(Debug)]"),
            "\\[taskId\\] and [a link](x) and [ref][r] and #\\[derive(Debug)\\]"
        );
        assert_eq!(
            escape_prose("[label]: https://x.org"),
            "[label]: <https://x.org>"
        );
    }

    #[test]
    fn list_continuations_align_with_the_item() {
        let text = "Intro:\n* one\n    more\nlazy\n\nAfter.\n1. x\ny";
        assert_eq!(
            indent_list_continuations(text),
            "Intro:\n* one\n  more\n  lazy\n\nAfter.\n1. x\n   y\n"
        );
    }

    #[test]
    fn root_relative_docs_links_become_absolute() {
        assert_eq!(
            markdown("See [actions](/docs/reference/x) and [y](https://e.org/docs/z)."),
            "See [actions](https://docs.taskcluster.net/docs/reference/x) and [y](https://e.org/docs/z)."
        );
        // Not in code.
        assert_eq!(markdown("```\n](/docs/x)\n```"), "```text\n](/docs/x)\n```");
    }
}
