//! [`Fixture`]: a value of a generated type with its required fields filled in, for the
//! answers a test gives a [`Fake`](crate::fake::Fake) when it cares about a few fields only.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Map, Number, Value};

/// A placeholder value: what a test starts from and then sets the fields it cares about.
///
/// Generated types implement it with the crate's `fixtures` feature (a dev-dependency feature:
/// `tc-client = { …, features = ["fixtures"] }` under `[dev-dependencies]`): every required
/// field a placeholder (an empty string, zero, the Unix epoch, an enum's first value, a union's
/// first shape), every optional field unset, the constants a schema requires filled in. Fields
/// are public, so a test sets the rest:
///
/// ```ignore
/// let mut status = TaskStatusStructure::fixture();
/// status.task_id = "abc".into();
/// status.state = State::Completed;
/// ```
///
/// A placeholder is not a valid value for the service (an empty id, a deadline in 1970): it
/// answers a fake, it is not for sending.
pub trait Fixture {
    /// The placeholder.
    fn fixture() -> Self;
}

macro_rules! by_default {
    ($($ty:ty),*) => {
        $(impl Fixture for $ty {
            fn fixture() -> Self {
                Self::default()
            }
        })*
    };
}

by_default!(String, bool, i64, u64, f64, Value, Map<String, Value>);

impl Fixture for Number {
    fn fixture() -> Self {
        Number::from(0)
    }
}

impl Fixture for DateTime<Utc> {
    fn fixture() -> Self {
        DateTime::UNIX_EPOCH
    }
}

impl<T> Fixture for Vec<T> {
    fn fixture() -> Self {
        Vec::new()
    }
}

impl<T> Fixture for BTreeMap<String, T> {
    fn fixture() -> Self {
        BTreeMap::new()
    }
}

impl<T> Fixture for Option<T> {
    fn fixture() -> Self {
        None
    }
}

impl<T: Fixture> Fixture for Box<T> {
    fn fixture() -> Self {
        Box::new(T::fixture())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_empty() {
        assert_eq!(String::fixture(), "");
        assert_eq!(u64::fixture(), 0);
        assert_eq!(<DateTime<Utc>>::fixture().timestamp(), 0);
        assert_eq!(<Option<String>>::fixture(), None);
        assert_eq!(*<Box<i64>>::fixture(), 0);
        assert!(<Vec<u64>>::fixture().is_empty());
    }
}
