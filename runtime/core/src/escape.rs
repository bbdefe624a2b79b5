//! Percent-escaping of path parameters and query strings.

/// Percent-escapes one route parameter so that `/`, spaces, `%` and unicode round-trip.
///
/// Everything but the unreserved characters `A-Z a-z 0-9 - _ . ~` is escaped as UTF-8 `%XX`
/// (like Python's `quote(s, safe="")`; JavaScript's `encodeURIComponent` leaves `!'()*`
/// as they are, and Taskcluster decodes both).
pub fn escape(param: &str) -> String {
    let mut out = String::with_capacity(param.len() + 8);
    push_escaped(&mut out, param);
    out
}

pub(crate) fn push_escaped(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
}

/// A `fmt::Write` that percent-escapes what is written through it.
pub(crate) struct Escaper<'a>(pub(crate) &'a mut String);

impl std::fmt::Write for Escaper<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        push_escaped(self.0, s);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_all_but_unreserved() {
        assert_eq!(escape("a/b c%d~_.-é"), "a%2Fb%20c%25d~_.-%C3%A9");
    }
}
