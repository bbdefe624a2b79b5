//! What the generated `Serialize` and `Deserialize` impls share, so that each impl stays small.
//!
//! The generated types are forward compatible: string enums keep values they do not know,
//! structs keep fields they do not know (and write them back), and nothing is written that was
//! not read or set. Date-times are written in Taskcluster's own form (`2024-05-01T12:00:00.000Z`,
//! milliseconds, UTC) and whole numbers in `number` fields without a fraction, as Taskcluster's
//! services (JavaScript) write them, so a document read from a service is written back as it was.
//!
//! Not for direct use: the items here are public only for the generated crate.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An object key, borrowed from the input when it has no escapes.
pub struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key, owned (for an unknown field).
    pub fn into_string(self) -> String {
        self.0.into_owned()
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
}

/// A struct the generated code reads from a JSON object.
pub trait Object: Sized {
    /// What the input should have been, for errors: "a Task object".
    const EXPECTING: &'static str;

    /// Reads the object's fields from `map`.
    fn read<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

/// Deserializes an [`Object`] from a map.
pub fn object<'de, D: Deserializer<'de>, T: Object>(d: D) -> Result<T, D::Error> {
    struct ObjectVisitor<T>(std::marker::PhantomData<T>);
    impl<'de, T: Object> Visitor<'de> for ObjectVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(T::EXPECTING)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::read(map)
        }
    }
    d.deserialize_map(ObjectVisitor(std::marker::PhantomData))
}

/// Marks field `field` as read, or serde's "duplicate field" error if it was read before: a
/// document that names a field twice is refused, as serde's derives refuse it, rather than
/// the last value silently winning.
pub fn first<E: de::Error>(seen: &mut bool, field: &'static str) -> Result<(), E> {
    if std::mem::replace(seen, true) {
        return Err(E::duplicate_field(field));
    }
    Ok(())
}

/// Keeps a field this version does not know, or a "duplicate field" error if the document
/// names it twice.
pub fn unknown_field<E: de::Error>(
    fields: &mut Map<String, Value>,
    key: Key<'_>,
    value: Value,
) -> Result<(), E> {
    if fields.contains_key(key.as_str()) {
        return Err(E::custom(format_args!(
            "duplicate field `{}`",
            key.as_str()
        )));
    }
    fields.insert(key.into_string(), value);
    Ok(())
}

/// The value of a required field, or serde's "missing field" error.
pub fn required<T, E: de::Error>(value: Option<T>, field: &'static str) -> Result<T, E> {
    value.ok_or_else(|| E::missing_field(field))
}

/// Deserializes a string enum through its `From<&str>`, which maps values it does not know to
/// its `Unknown` variant.
pub fn string_enum<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: for<'a> From<&'a str>,
{
    struct StrVisitor<T>(std::marker::PhantomData<T>);
    impl<T: for<'a> From<&'a str>> Visitor<'_> for StrVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            Ok(T::from(v))
        }
    }
    d.deserialize_str(StrVisitor(std::marker::PhantomData))
}

/// Writes the fields a struct kept without knowing them, after its known fields.
pub fn unknown_fields<M: SerializeMap>(
    map: &mut M,
    fields: &Map<String, Value>,
) -> Result<(), M::Error> {
    for (key, value) in fields {
        map.serialize_entry(key, value)?;
    }
    Ok(())
}

/// Values whose JSON form the generated code chooses itself rather than take serde's.
pub trait Encode {
    /// Writes `self` to `s`.
    fn encode<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error>;
}

/// Serializes the wrapped value through [`Encode`].
pub struct Encoded<'a, T: ?Sized>(pub &'a T);

impl<T: Encode + ?Sized> Serialize for Encoded<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.encode(s)
    }
}

/// Taskcluster's form of a date-time: `YYYY-MM-DDTHH:MM:SS.sssZ`.
pub fn format_timestamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Encode for DateTime<Utc> {
    fn encode<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_timestamp(self))
    }
}

/// The largest integer below which every integer is exactly an `f64` (2^53).
const EXACT_INTEGERS: f64 = 9_007_199_254_740_992.0;

impl Encode for f64 {
    fn encode<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // JavaScript, and so Taskcluster, writes 5.0 as `5`.
        if self.fract() == 0.0 && self.abs() < EXACT_INTEGERS {
            s.serialize_i64(*self as i64)
        } else {
            s.serialize_f64(*self)
        }
    }
}

impl<T: Encode> Encode for Option<T> {
    fn encode<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Some(v) => s.serialize_some(&Encoded(v)),
            None => s.serialize_none(),
        }
    }
}

impl<T: Encode> Encode for Box<T> {
    fn encode<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (**self).encode(s)
    }
}

impl<T: Encode> Encode for Vec<T> {
    fn encode<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter().map(Encoded))
    }
}

impl<T: Encode> Encode for BTreeMap<String, T> {
    fn encode<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter().map(|(k, v)| (k, Encoded(v))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    enum Color {
        Red,
        Unknown(String),
    }

    impl From<&str> for Color {
        fn from(v: &str) -> Self {
            match v {
                "red" => Color::Red,
                other => Color::Unknown(other.to_owned()),
            }
        }
    }

    impl<'de> Deserialize<'de> for Color {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            string_enum(d)
        }
    }

    #[test]
    fn string_enums_keep_unknown_values() {
        let v: Vec<Color> = serde_json::from_str(r#"["red", "mauve", "r\u0065d"]"#).unwrap();
        assert_eq!(v, [Color::Red, Color::Unknown("mauve".into()), Color::Red]);
        assert!(serde_json::from_str::<Color>("5").is_err());
    }

    #[test]
    fn keys_borrow_when_they_can() {
        let mut de = serde_json::Deserializer::from_str(r#""plain""#);
        let key = Key::deserialize(&mut de).unwrap();
        assert!(matches!(key.0, Cow::Borrowed("plain")));
        let mut de = serde_json::Deserializer::from_str(r#""esc\u0061ped""#);
        let key = Key::deserialize(&mut de).unwrap();
        assert_eq!(key.into_string(), "escaped");
    }

    #[test]
    fn timestamps_and_numbers_are_written_as_taskcluster_writes_them() {
        let t: DateTime<Utc> = "2017-01-19T16:27:20Z".parse().unwrap();
        assert_eq!(
            serde_json::to_string(&Encoded(&t)).unwrap(),
            r#""2017-01-19T16:27:20.000Z""#
        );
        let t: DateTime<Utc> = "2017-01-19T17:27:20.974123+01:00".parse().unwrap();
        assert_eq!(format_timestamp(&t), "2017-01-19T16:27:20.974Z");
        let numbers = vec![5.0, 0.5, -3.0, 1e300, f64::from(u32::MAX)];
        assert_eq!(
            serde_json::to_string(&Encoded(&numbers)).unwrap(),
            "[5,0.5,-3,1e+300,4294967295]"
        );
        let nested: BTreeMap<String, Option<f64>> =
            [("a".to_owned(), Some(2.0)), ("b".to_owned(), None)].into();
        assert_eq!(
            serde_json::to_string(&Encoded(&nested)).unwrap(),
            r#"{"a":2,"b":null}"#
        );
    }
}
