//! The parameters a scope template is rendered with.

use std::collections::HashMap;

/// What kind of value a template parameter must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParamKind {
    /// A string (or a number: Taskcluster accepts both), substituted for `<name>`.
    String,
    /// A list of strings, iterated by `{"for": …, "in": name, "each": …}`.
    List,
    /// A boolean, tested by `{"if": name, …}`.
    Bool,
}

/// The value of a template parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Param {
    /// A string; numbers are kept as the string JavaScript prints for them.
    Str(String),
    /// A list of strings.
    List(Vec<String>),
    /// A boolean.
    Bool(bool),
}

impl From<&str> for Param {
    fn from(value: &str) -> Self {
        Param::Str(value.to_owned())
    }
}

impl From<String> for Param {
    fn from(value: String) -> Self {
        Param::Str(value)
    }
}

impl From<Vec<String>> for Param {
    fn from(value: Vec<String>) -> Self {
        Param::List(value)
    }
}

impl From<bool> for Param {
    fn from(value: bool) -> Self {
        Param::Bool(value)
    }
}

impl From<i64> for Param {
    fn from(value: i64) -> Self {
        Param::Str(value.to_string())
    }
}

impl From<u64> for Param {
    fn from(value: u64) -> Self {
        Param::Str(value.to_string())
    }
}

/// Named parameters for [`Template::render`](super::Template::render): a method's route and
/// query parameters and the members of its request body, as Taskcluster renders a method's
/// `scopes` with them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params {
    values: HashMap<String, Param>,
}

impl Params {
    /// No parameters.
    pub fn new() -> Self {
        Params::default()
    }

    /// Sets parameter `name`, replacing any value it had.
    pub fn set(&mut self, name: &str, value: impl Into<Param>) -> &mut Self {
        self.values.insert(name.to_owned(), value.into());
        self
    }

    /// Sets parameter `name` unless it is set already.
    pub fn set_default(&mut self, name: &str, value: impl Into<Param>) -> &mut Self {
        self.values
            .entry(name.to_owned())
            .or_insert_with(|| value.into());
        self
    }

    /// The parameters in a JSON object's top-level members (a request body, say): strings,
    /// numbers (as the strings JavaScript prints for them: `1e+21`, `0.5`), booleans and arrays
    /// of strings. Other members, and anything that is not an object, are ignored.
    pub fn from_object(object: &serde_json::Value) -> Self {
        let mut params = Params::new();
        let Some(members) = object.as_object() else {
            return params;
        };
        for (name, value) in members {
            let param = match value {
                serde_json::Value::String(s) => Param::Str(s.clone()),
                serde_json::Value::Number(n) => match n.as_f64() {
                    Some(n) => Param::Str(js_number_string(n)),
                    None => continue,
                },
                serde_json::Value::Bool(b) => Param::Bool(*b),
                serde_json::Value::Array(items) => {
                    let strings: Option<Vec<String>> = items
                        .iter()
                        .map(|item| item.as_str().map(str::to_owned))
                        .collect();
                    match strings {
                        Some(strings) => Param::List(strings),
                        None => continue,
                    }
                }
                _ => continue,
            };
            params.values.insert(name.clone(), param);
        }
        params
    }

    /// The value of parameter `name`, if set.
    pub fn get(&self, name: &str) -> Option<&Param> {
        self.values.get(name)
    }
}

/// What JavaScript's `String(n)` gives for a number that JSON can hold (ECMAScript's
/// Number::toString: the shortest digits that round-trip, in plain notation from 1e-6 up to
/// 1e21, in exponent notation outside).
fn js_number_string(n: f64) -> String {
    if n == 0.0 {
        return "0".to_owned(); // -0 too
    }
    if !n.is_finite() {
        return if n.is_nan() {
            "NaN".to_owned()
        } else if n > 0.0 {
            "Infinity".to_owned()
        } else {
            "-Infinity".to_owned()
        };
    }
    let sign = if n < 0.0 { "-" } else { "" };
    // `{:e}` is the shortest round-trip form, `d.ddde±x`.
    let exp_form = format!("{:e}", n.abs());
    let (mantissa, exponent) = exp_form.split_once('e').expect("`{:e}` has an exponent");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let exponent: i32 = exponent.parse().expect("`{:e}` has an integer exponent");
    // n = 0.digits × 10^point
    let point = exponent + 1;
    let k = digits.len() as i32;
    let body = if k <= point && point <= 21 {
        format!("{digits}{}", "0".repeat((point - k) as usize))
    } else if 0 < point && point <= 21 {
        let (int, frac) = digits.split_at(point as usize);
        format!("{int}.{frac}")
    } else if -6 < point && point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else {
        let e = point - 1;
        let e_sign = if e < 0 { '-' } else { '+' };
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        format!("{first}{dot}{rest}e{e_sign}{}", e.abs())
    };
    format!("{sign}{body}")
}
