//! What the generated builders' `build()` returns when a required field is unset.

use std::fmt;

/// The required fields a generated builder's `build()` found unset.
///
/// Types whose required fields could be swapped silently in a positional `new` (two of the same
/// type, or many of them) are built by name through a builder instead; `build()` checks that
/// every required field was set. Converts into the crate's `Error` (kind
/// [`InvalidInput`](crate::ErrorKind::InvalidInput)), so `?` works in a function returning the
/// crate's `Result`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingFields {
    type_name: &'static str,
    fields: Vec<&'static str>,
}

impl MissingFields {
    /// The fields of `type_name` whose flag is `true` (unset), in order; for generated code.
    #[doc(hidden)]
    pub fn new(type_name: &'static str, unset: &[(&'static str, bool)]) -> MissingFields {
        MissingFields {
            type_name,
            fields: unset
                .iter()
                .filter(|(_, unset)| *unset)
                .map(|(field, _)| *field)
                .collect(),
        }
    }

    /// The type that was being built: `"TaskMetadata"`.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// The unset required fields, by their Rust names, in the schema's order.
    pub fn fields(&self) -> &[&'static str] {
        &self.fields
    }
}

impl fmt::Display for MissingFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self.fields.iter().map(|n| format!("`{n}`")).collect();
        let plural = if self.fields.len() == 1 { "" } else { "s" };
        write!(
            f,
            "{}: required field{plural} {} not set",
            self.type_name,
            names.join(", ")
        )
    }
}

impl std::error::Error for MissingFields {}

/// So that `Type::builder()….build()?` works in a function returning the crate's `Result`.
impl From<MissingFields> for crate::Error {
    fn from(e: MissingFields) -> crate::Error {
        crate::Error::new(crate::ErrorKind::InvalidInput, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_unset_fields() {
        let e = MissingFields::new(
            "TaskMetadata",
            &[("name", false), ("owner", true), ("source", true)],
        );
        assert_eq!(e.fields(), ["owner", "source"]);
        assert_eq!(
            e.to_string(),
            "TaskMetadata: required fields `owner`, `source` not set"
        );
        let e = MissingFields::new("Hook", &[("schedule", true)]);
        assert_eq!(e.to_string(), "Hook: required field `schedule` not set");
        let error: crate::Error = e.into();
        assert_eq!(error.kind(), crate::ErrorKind::InvalidInput);
        assert!(error.to_string().contains("`schedule` not set"), "{error}");
    }
}
