//! `tc_runtime::scopes` on the test vectors of `taskcluster-lib-scopes` 11.0.0 (its
//! `test/{validate,expression,normalize,sets,simplify}_test.js` and README), transcribed as
//! data, plus edge cases checked against the library by hand (noted where they are).

use std::cmp::Ordering;

use serde_json::{Value, json};
use tc_runtime::scopes::{self, ScopeExpr};

fn expr(json: Value) -> ScopeExpr {
    serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("{json}: {e}"))
}

fn strings(json: &Value) -> Vec<String> {
    serde_json::from_value(json.clone()).expect("an array of strings")
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

// validate_test.js

#[test]
fn valid_scopes() {
    for scope in ["auth:credentials", "queue:*", "secrets:garbage:foo bar", ""] {
        assert!(scopes::is_valid_scope(scope), "{scope:?}");
    }
    for scope in [
        "some:garbage\nauth:credentials",
        "some:garbage\0auth:credentials",
        "halt:\u{1f6c7}",
    ] {
        assert!(!scopes::is_valid_scope(scope), "{scope:?}");
    }
}

// expression_test.js: "scope expression validity"

#[test]
fn expression_validity() {
    let invalid = [
        json!({}),
        json!([]),
        json!(12),
        json!({"Foo": ["abc"]}),
        json!({"AnyOf": ["abc"], "AllOf": ["abc"]}),
        json!({"AnyOf": 1}),
        json!({"AnyOf": "scope:bar"}),
        json!({"AnyOf": {}}),
    ];
    for json in invalid {
        assert!(
            serde_json::from_value::<ScopeExpr>(json.clone()).is_err(),
            "{json} should not deserialize"
        );
    }
    let valid = [
        json!("hello-world"),
        json!("scope:foo"),
        json!({"AnyOf": []}),
        json!({"AllOf": []}),
        json!({"AnyOf": ["abc"]}),
        json!({"AllOf": ["abc"]}),
        json!({"AnyOf": [{"AnyOf": ["scope:foo:thing"]}]}),
        json!({"AllOf": [{"AllOf": ["scope:foo:thing", "scope:bar:thing"]}]}),
        json!({"AnyOf": [{"AllOf": ["scope:foo:thing"]}]}),
        json!({"AllOf": [{"AnyOf": ["scope:foo:thing", "scope:bar:thing"]}]}),
        json!({"AllOf": [{"AnyOf": [{"AllOf": ["foo"]}, {"AllOf": ["bar"]}]}]}),
    ];
    for json in valid {
        let e = expr(json.clone());
        assert!(e.is_valid(), "{json}");
        assert_eq!(serde_json::to_value(&e).unwrap(), json);
        assert_eq!(e.to_string(), json.to_string());
    }
    // Structure is right, a scope is not.
    assert!(!expr(json!({"AllOf": ["a", {"AnyOf": ["b\n"]}]})).is_valid());
}

// expression_test.js: "scope expression satisfaction"

#[test]
fn expressions_not_satisfied() {
    let cases = [
        (json!([]), json!({"AnyOf": []})),
        (json!([]), json!("missing-scope")),
        (json!(["wrong-scope"]), json!("missing-scope")),
        (json!(["ghi"]), json!({"AnyOf": ["abc", "def"]})),
        (json!(["ghi*"]), json!({"AnyOf": ["abc", "def"]})),
        (json!(["ghi", "fff"]), json!({"AnyOf": ["abc", "def"]})),
        (json!(["ghi*", "fff*"]), json!({"AnyOf": ["abc", "def"]})),
        (json!(["abc"]), json!({"AnyOf": ["ghi"]})),
        (json!(["abc*"]), json!({"AllOf": ["abc", "ghi"]})),
        (json!([""]), json!({"AnyOf": ["abc", "def"]})),
        (json!(["abc:def"]), json!({"AnyOf": ["abc", "def"]})),
        (
            json!(["xyz", "abc"]),
            json!({"AllOf": [{"AnyOf": [{"AllOf": ["foo"]}, {"AllOf": ["bar"]}]}]}),
        ),
        (
            json!(["a*", "b*", "c*"]),
            json!({"AllOf": ["bx", "cx", {"AnyOf": ["xxx", "yyyy"]}]}),
        ),
    ];
    for (given, required) in cases {
        let (given, required) = (strings(&given), expr(required));
        assert!(!required.is_satisfied_by(&given), "{required} by {given:?}");
        assert_eq!(scopes::satisfying(&given, &required), None, "{required}");
    }
}

#[test]
fn expressions_satisfied() {
    let cases = [
        (json!([]), json!({"AllOf": []}), json!([])),
        (json!(["A"]), json!({"AllOf": ["A"]}), json!(["A"])),
        (json!(["A", "B"]), json!("A"), json!(["A"])),
        (json!(["a*", "b*", "c*"]), json!("abc"), json!(["abc"])),
        (
            json!(["abc"]),
            json!({"AnyOf": ["abc", "def"]}),
            json!(["abc"]),
        ),
        (
            json!(["def"]),
            json!({"AnyOf": ["abc", "def"]}),
            json!(["def"]),
        ),
        (
            json!(["abc", "def"]),
            json!({"AnyOf": ["abc", "def"]}),
            json!(["abc", "def"]),
        ),
        (
            json!(["abc*"]),
            json!({"AnyOf": ["abc", "def"]}),
            json!(["abc"]),
        ),
        (json!(["abc*"]), json!({"AnyOf": ["abc"]}), json!(["abc"])),
        (
            json!(["abc*", "def*"]),
            json!({"AnyOf": ["abc", "def"]}),
            json!(["abc", "def"]),
        ),
        (
            json!(["foo"]),
            json!({"AllOf": [{"AnyOf": [{"AllOf": ["foo"]}, {"AllOf": ["bar"]}]}]}),
            json!(["foo"]),
        ),
        (
            json!(["a*", "b*", "c*"]),
            json!({"AnyOf": ["cfoo", "dfoo"]}),
            json!(["cfoo"]),
        ),
        (
            json!(["a*", "b*", "c*"]),
            json!({"AnyOf": ["bx", "by"]}),
            json!(["bx", "by"]),
        ),
        (
            json!(["a*", "b*", "c*"]),
            json!({"AllOf": ["bx", "cx"]}),
            json!(["bx", "cx"]),
        ),
        (
            json!(["a*", "b*", "c*"]),
            json!({"AnyOf": [{"AllOf": ["ax", "jx"]}, {"AllOf": ["bx", "cx"]}, "bbb"]}),
            json!(["bbb", "bx", "cx"]),
        ),
    ];
    for (given, required, satisfying) in cases {
        let (given, required) = (strings(&given), expr(required));
        let satisfying = strings(&satisfying);
        assert!(required.is_satisfied_by(&given), "{required} by {given:?}");
        let got = scopes::satisfying(&given, &required);
        assert_eq!(got.as_ref(), Some(&satisfying), "{required} by {given:?}");
        // The library's properties: the satisfying scopes satisfy the expression, and they
        // do not change under intersection with the given ones.
        assert!(required.is_satisfied_by(&satisfying), "{required}");
        assert_eq!(scopes::intersection(&given, &satisfying), satisfying);
    }
}

// expression_test.js: "scope expression failure explanation", and the README's example

#[test]
fn remove_given_scopes() {
    let cases = [
        (json!([]), json!({"AllOf": []}), Value::Null),
        (json!(["a"]), json!({"AllOf": ["a"]}), Value::Null),
        (json!(["a"]), json!({"AllOf": ["a", "b"]}), json!("b")),
        (json!([]), json!({"AnyOf": []}), json!({"AnyOf": []})),
        (json!(["a"]), json!({"AnyOf": ["a", "b"]}), Value::Null),
        (
            json!(["c"]),
            json!({"AnyOf": ["a", "b"]}),
            json!({"AnyOf": ["a", "b"]}),
        ),
        (
            json!(["ghi"]),
            json!({"AnyOf": ["abc", "def"]}),
            json!({"AnyOf": ["abc", "def"]}),
        ),
        (
            json!(["ghi"]),
            json!({"AllOf": ["abc", "def", "ghi"]}),
            json!({"AllOf": ["abc", "def"]}),
        ),
        (
            json!(["ghi*", "fff*"]),
            json!({"AnyOf": ["abc", "def"]}),
            json!({"AnyOf": ["abc", "def"]}),
        ),
        (
            json!(["xyz", "abc"]),
            json!({"AllOf": [{"AnyOf": [{"AllOf": ["foo"]}, {"AllOf": ["bar"]}]}]}),
            json!({"AnyOf": ["foo", "bar"]}),
        ),
        // The README says this gives {"AllOf": ["def"]}; the library (and this) give "def".
        (
            json!(["abc"]),
            json!({"AllOf": [{"AnyOf": ["abc"]}, "def"]}),
            json!("def"),
        ),
        // Checked against the library: an AnyOf left empty or wrapped stays unsatisfiable.
        (
            json!([]),
            json!({"AllOf": [{"AnyOf": []}]}),
            json!({"AnyOf": []}),
        ),
        (json!(["a"]), json!({"AnyOf": [{"AllOf": []}]}), Value::Null),
    ];
    for (given, required, missing) in cases {
        let (given, required) = (strings(&given), expr(required));
        let got = scopes::remove_given(&given, &required);
        assert_eq!(
            serde_json::to_value(&got).unwrap(),
            missing,
            "{required} given {given:?}"
        );
    }
}

#[test]
fn readme_satisfaction_examples() {
    let given = ["abc*"];
    assert!(expr(json!({"AnyOf": ["abcd"]})).is_satisfied_by(&given));
    assert!(!expr(json!({"AnyOf": ["def"]})).is_satisfied_by(&given));
    assert!(expr(json!({"AnyOf": [{"AllOf": ["abcdef"]}, "def"]})).is_satisfied_by(&given));
    assert_eq!(
        scopes::intersection(&["bar:*"], &["foo:x", "bar:x"]),
        ["bar:x"]
    );
    assert_eq!(scopes::normalize(&["a", "a*", "ab", "b"]), ["a*", "b"]);
}

// normalize_test.js: "scope comparing"

#[test]
fn compare_is_a_total_order() {
    let orders: [&[&str]; 3] = [
        &["abc*", "abc", "abc%d"],
        &[
            "*", "", "**", "***", "****", "aaa*", "aaa", "aaa**", "aaa***", "aaa****", "aaa*****",
        ],
        &[
            "x*", "x", "x%*", "x%", "x%%", "x%a", "x**", "x*%", "x*a", "xa*", "xa", "xa%", "xaa",
        ],
    ];
    for order in orders {
        for (i, a) in order.iter().enumerate() {
            for (j, b) in order.iter().enumerate() {
                assert_eq!(scopes::compare(a, b), i.cmp(&j), "{a:?} vs {b:?}");
            }
        }
    }
}

// normalize_test.js: "scope sorting"

#[test]
fn sorting() {
    let cases: [(&[&str], &[&str]); 6] = [
        (
            &[
                "test-12", "test-2", "test-11", "test-1", "test-1*", "test-13", "test-3",
                "test-10", "test-*",
            ],
            &[
                "test-*", "test-1*", "test-1", "test-10", "test-11", "test-12", "test-13",
                "test-2", "test-3",
            ],
        ),
        (
            &["test*a", "test*b", "test*", "test", "testb"],
            &["test*", "test", "test*a", "test*b", "testb"],
        ),
        (
            &["abc", "abc*", "abc*d", "ab", "abcd"],
            &["ab", "abc*", "abc", "abc*d", "abcd"],
        ),
        (&["(", "*", ""], &["*", "", "("]),
        (&["ab(", "ab*", "aa"], &["aa", "ab*", "ab("]),
        (
            &[
                "*", "a*", "a", "aa", "aaa", "aab", "ab", "abb*", "abb", "abbc", "ca", "caa",
                "cab*", "cab", "cc*",
            ],
            &[
                "*", "a*", "a", "aa", "aaa", "aab", "ab", "abb*", "abb", "abbc", "ca", "caa",
                "cab*", "cab", "cc*",
            ],
        ),
    ];
    let mut rng = fastrand::Rng::with_seed(7);
    for (input, expected) in cases {
        let mut scopes: Vec<String> = input.iter().map(|s| s.to_string()).collect();
        for _ in 0..50 {
            rng.shuffle(&mut scopes);
            scopes::sort(&mut scopes);
            assert_eq!(scopes, expected);
        }
    }
}

#[test]
fn compare_uses_utf16_order_like_javascript() {
    // Checked against the library: U+FF61 sorts after U+1F600 (whose first UTF-16 unit is
    // 0xD83D), though its UTF-8 bytes sort before.
    assert_eq!(scopes::compare("\u{ff61}", "\u{1f600}"), Ordering::Greater);
    assert_eq!(scopes::compare("a\u{1f600}", "a\u{1f601}"), Ordering::Less);
    assert_eq!(scopes::compare("\u{e9}", "\u{e9}x"), Ordering::Less);
    assert_eq!(scopes::compare("\u{e9}*", "\u{e9}"), Ordering::Less);
}

// normalize_test.js: "normalizeScopeSet"

#[test]
fn normalizing() {
    let cases = [
        (json!([]), json!([])),
        (json!(["a*", "b*"]), json!(["a*", "b*"])),
        (
            json!(["abc", "abx*", "ab*", "b", "b*"]),
            json!(["ab*", "b*"]),
        ),
        (
            json!(["abc", "abx*", "ab*", "b", "b*", "abc*"]),
            json!(["ab*", "b*"]),
        ),
        (
            json!([
                "abc", "abx*", "ab*", "b", "b*", "abc*", "b*", "b*", "b*", "b*"
            ]),
            json!(["ab*", "b*"]),
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(scopes::normalize(&strings(&input)), strings(&expected));
    }
}

// normalize_test.js: "scopeset merging"

#[test]
fn merging() {
    let tr = json!([
        "assume:tr-0",
        "assume:tr-1",
        "assume:tr-10",
        "assume:tr-2",
        "assume:tr-3",
        "assume:tr-4",
        "assume:tr-5",
        "assume:tr-6",
        "assume:tr-7",
        "assume:tr-8",
        "assume:tr-9",
        "special-scope",
    ]);
    let cases = [
        (json!(["a", "b", "c"]), json!([]), json!(["a", "b", "c"])),
        (json!(["a*", "b", "c"]), json!([]), json!(["a*", "b", "c"])),
        (tr.clone(), json!([]), tr),
        (
            json!(["b*", "ab", "aa", "a", "a*"]),
            json!([]),
            json!(["a*", "b*"]),
        ),
        (
            json!(["b*", "ab", "aa", "a*"]),
            json!([]),
            json!(["a*", "b*"]),
        ),
        (
            json!(["assume:tr-10", "assume:tr-9", "special-scope"]),
            json!([]),
            json!(["assume:tr-10", "assume:tr-9", "special-scope"]),
        ),
        (
            json!([]),
            json!(["assume:tr-10", "assume:tr-9", "special-scope"]),
            json!(["assume:tr-10", "assume:tr-9", "special-scope"]),
        ),
        (
            json!(["b*", "ab", "aa", "a*", "c", "ca", "da*"]),
            json!(["b*", "ab", "aa", "a*", "abc", "ab*", "ca", "daa"]),
            json!(["a*", "b*", "c", "ca", "da*"]),
        ),
    ];
    let mut rng = fastrand::Rng::with_seed(11);
    for (a, b, expected) in cases {
        let (mut a, mut b, expected) = (strings(&a), strings(&b), strings(&expected));
        for _ in 0..20 {
            rng.shuffle(&mut a);
            rng.shuffle(&mut b);
            assert_eq!(scopes::merge(&a, &b), expected, "{a:?} + {b:?}");
        }
    }
}

// sets_test.js

#[test]
fn unions() {
    let cases = [
        (
            json!(["abc", "d*", "xyzb*"]),
            json!(["abc", "d*", "xyzb*"]),
            json!(["abc", "d*", "xyzb*"]),
        ),
        (
            json!(["abc", "a*", "d*", "xyzb*"]),
            json!(["abc", "a*", "d*", "xyzb*"]),
            json!(["a*", "d*", "xyzb*"]),
        ),
        (json!(["a*"]), json!(["b*"]), json!(["a*", "b*"])),
        (json!(["a*"]), json!(["abc", "d"]), json!(["a*", "d"])),
        (
            json!(["a", "a*", "abc", "abc*"]),
            json!(["def", "d*", "defg*"]),
            json!(["a*", "d*"]),
        ),
    ];
    for (a, b, expected) in cases {
        let (a, b, expected) = (strings(&a), strings(&b), sorted(strings(&expected)));
        assert_eq!(sorted(scopes::merge(&a, &b)), expected, "{a:?} + {b:?}");
        assert_eq!(sorted(scopes::merge(&b, &a)), expected, "{b:?} + {a:?}");
    }
}

#[test]
fn intersections() {
    let cases = [
        (json!(["foo:bar"]), json!(["foo:bar"]), json!(["foo:bar"])),
        (json!(["foo:bar"]), json!([""]), json!([])),
        (json!(["foo:bar"]), json!(["foo:*"]), json!(["foo:bar"])),
        (json!(["foo:bar:bing"]), json!(["foo:*:bing"]), json!([])),
        (json!(["foo:bar"]), json!(["*:bar"]), json!([])),
        (json!(["foo:bar"]), json!(["foo:"]), json!([])),
        (json!(["foo:bar:*"]), json!(["bar:bing"]), json!([])),
        (json!(["bar:*"]), json!(["foo:bar:bing"]), json!([])),
        (
            json!(["bar:*"]),
            json!(["foo:x", "bar:x"]),
            json!(["bar:x"]),
        ),
        (
            json!(["bar:y", "foo:x"]),
            json!(["bar:*", "foo:x"]),
            json!(["bar:y", "foo:x"]),
        ),
        (json!([""]), json!(["foo:bar"]), json!([])),
        (json!([]), json!(["foo:bar"]), json!([])),
        (
            json!(["foo:bar", "bar:bing"]),
            json!(["*"]),
            json!(["foo:bar", "bar:bing"]),
        ),
        (json!(["foo:bar"]), json!([]), json!([])),
    ];
    for (a, b, expected) in cases {
        let (a, b, expected) = (strings(&a), strings(&b), sorted(strings(&expected)));
        assert_eq!(
            sorted(scopes::intersection(&a, &b)),
            expected,
            "{a:?} & {b:?}"
        );
        assert_eq!(
            sorted(scopes::intersection(&b, &a)),
            expected,
            "{b:?} & {a:?}"
        );
    }
    // Checked against the library: a's matches, then b's, each once, in that order.
    assert_eq!(
        scopes::intersection(&["a*", "a*", "b"], &["a", "a*", "b"]),
        ["a*", "b", "a"]
    );
}

// simplify_test.js: "simplification"

/// The scopes an expression mentions, and for each `x*` also `x` with its first `*` replaced
/// by `-abc` (the library's `extractScopes`).
fn mentioned(e: &ScopeExpr, out: &mut Vec<String>) {
    match e {
        ScopeExpr::Scope(s) => {
            out.push(s.clone());
            if s.ends_with('*') {
                out.push(s.replacen('*', "-abc", 1));
            }
        }
        ScopeExpr::AllOf(members) | ScopeExpr::AnyOf(members) => {
            members.iter().for_each(|m| mentioned(m, out))
        }
    }
}

fn assert_simplifies(input: Value, output: Value) {
    let (input, output) = (expr(input), expr(output));
    assert_eq!(scopes::simplify(&input), output, "{input}");
    // Equivalent for every scope set made of the scopes mentioned.
    let mut scopes = Vec::new();
    mentioned(&input, &mut scopes);
    assert!(
        scopes.len() < 20,
        "{} scopes: too many subsets",
        scopes.len()
    );
    for bits in 0..1u32 << scopes.len() {
        let set: Vec<&String> = (0..scopes.len())
            .filter(|i| bits & (1 << i) != 0)
            .map(|i| &scopes[i])
            .collect();
        let set: Vec<&str> = set.into_iter().map(String::as_str).collect();
        assert_eq!(
            input.is_satisfied_by(&set),
            output.is_satisfied_by(&set),
            "{input} vs {output} given {set:?}"
        );
    }
}

#[test]
fn simplification() {
    let cases = [
        (json!("scope:1"), json!("scope:1")),
        (json!({"AnyOf": []}), json!({"AnyOf": []})),
        (json!({"AllOf": []}), json!({"AllOf": []})),
        (
            json!({"AnyOf": ["scope:1", "scope:2"]}),
            json!({"AnyOf": ["scope:1", "scope:2"]}),
        ),
        (
            json!({"AllOf": ["scope:1", "scope:2"]}),
            json!({"AllOf": ["scope:1", "scope:2"]}),
        ),
        (
            json!({"AnyOf": ["scope:1", "scope:2", "scope:1"]}),
            json!({"AnyOf": ["scope:1", "scope:2"]}),
        ),
        (
            json!({"AnyOf": ["scope:1", {"AllOf": ["scope:2", "scope:3"]}, {"AllOf": ["scope:2", "scope:3"]}]}),
            json!({"AnyOf": ["scope:1", {"AllOf": ["scope:2", "scope:3"]}]}),
        ),
        (
            json!({"AllOf": ["scope:1", {"AnyOf": ["scope:2", "scope:3"]}, {"AnyOf": ["scope:2", "scope:3"]}]}),
            json!({"AllOf": ["scope:1", {"AnyOf": ["scope:2", "scope:3"]}]}),
        ),
        (
            json!({"AllOf": ["scope:1", "scope:2", "scope:1"]}),
            json!({"AllOf": ["scope:1", "scope:2"]}),
        ),
        (
            json!({"AnyOf": ["scope:1", "other", "scope:2", "scope:*"]}),
            json!({"AnyOf": ["other", "scope:*", "scope:1", "scope:2"]}),
        ),
        (
            json!({"AllOf": ["scope:1", "other", "scope:2", "scope:*"]}),
            json!({"AllOf": ["other", "scope:*"]}),
        ),
        (json!({"AllOf": ["scope:1"]}), json!("scope:1")),
        (json!({"AnyOf": ["scope:1"]}), json!("scope:1")),
        (
            json!({"AllOf": ["scope:1", {"AnyOf": ["other2", "other3"]}, "other", "scope:*"]}),
            json!({"AllOf": ["other", "scope:*", {"AnyOf": ["other2", "other3"]}]}),
        ),
        (
            json!({"AnyOf": ["scope:1", {"AllOf": ["other2", "other3"]}, "other", "scope:*"]}),
            json!({"AnyOf": ["other", "scope:*", "scope:1", {"AllOf": ["other2", "other3"]}]}),
        ),
        (
            json!({"AnyOf": ["other", {"AllOf": ["other2", "other3", "other2"]}]}),
            json!({"AnyOf": ["other", {"AllOf": ["other2", "other3"]}]}),
        ),
        (
            json!({"AllOf": ["other", {"AnyOf": ["other2", "other3", "other2"]}]}),
            json!({"AllOf": ["other", {"AnyOf": ["other2", "other3"]}]}),
        ),
        (
            json!({"AllOf": ["scope1", {"AllOf": ["scope2", "scope3a", "scope3b",
                {"AllOf": [{"AnyOf": ["other1", "other2"]}, "scope4", "scope3*"]}]}]}),
            json!({"AllOf": ["scope1", "scope2", "scope3*", "scope4", {"AnyOf": ["other1", "other2"]}]}),
        ),
        (
            json!({"AllOf": [{"AnyOf": ["scope1", "scope2"]}, {"AnyOf": ["scope2", "scope3"]}]}),
            json!({"AllOf": [{"AnyOf": ["scope1", "scope2"]}, {"AnyOf": ["scope2", "scope3"]}]}),
        ),
        (
            json!({"AnyOf": ["scope1", {"AnyOf": ["scope2", "scope3a", "scope3b",
                {"AnyOf": [{"AllOf": ["other1", "other2"]}, "scope4", "scope3*"]}]}]}),
            json!({"AnyOf": ["scope1", "scope2", "scope3*", "scope3a", "scope3b", "scope4",
                {"AllOf": ["other1", "other2"]}]}),
        ),
        (
            json!({"AnyOf": [{"AllOf": ["scope1", "scope2"]}, {"AllOf": ["scope2", "scope3"]}]}),
            json!({"AnyOf": [{"AllOf": ["scope1", "scope2"]}, {"AllOf": ["scope2", "scope3"]}]}),
        ),
        // Where the library throws a TypeError or returns undefined (an AnyOf in an AnyOf that
        // simplifies to something else), the result it means.
        (json!({"AnyOf": [{"AnyOf": ["a"]}]}), json!("a")),
        (
            json!({"AnyOf": [{"AnyOf": ["a"]}, "b"]}),
            json!({"AnyOf": ["a", "b"]}),
        ),
        (
            json!({"AnyOf": [{"AnyOf": [{"AllOf": ["a", "b"]}]}]}),
            json!({"AllOf": ["a", "b"]}),
        ),
        (
            json!({"AllOf": [{"AnyOf": [{"AnyOf": ["a"]}]}]}),
            json!("a"),
        ),
    ];
    for (input, output) in cases {
        assert_simplifies(input, output);
    }
}

#[test]
fn simplify_a_queue_error() {
    let required = expr(json!({"AllOf": [
        "scope1",
        "queue:route:a",
        {"AnyOf": [
            {"AllOf": [
                "queue:scheduler-id:something",
                {"AnyOf": [
                    "queue:create-task:highest:some/workerpool",
                    "queue:create-task:very-high:some/workerpool",
                    "queue:create-task:high:some/workerpool",
                    "queue:create-task:medium:some/workerpool",
                ]},
            ]},
            {"AnyOf": [
                "queue:create-task:some/workerpool",
                {"AllOf": [
                    "queue:define-task:some/workerpool",
                    "queue:task-group-id:something/carDoq--Q6q4manuwsH9IA",
                    "queue:schedule-task:something/carDoq--Q6q4manuwsH9IA/DKg4EV9xSPiMfbFUJciO1g",
                ]},
            ]},
        ]},
    ]}));
    let given = [
        "scope1",
        "queue:route:a",
        "queue:create-task:medium:some/workerpool",
    ];
    let missing = scopes::remove_given(&given, &required).expect("something is missing");
    assert_eq!(
        scopes::simplify(&missing),
        expr(json!({"AnyOf": [
            "queue:create-task:some/workerpool",
            "queue:scheduler-id:something",
            {"AllOf": [
                "queue:define-task:some/workerpool",
                "queue:schedule-task:something/carDoq--Q6q4manuwsH9IA/DKg4EV9xSPiMfbFUJciO1g",
                "queue:task-group-id:something/carDoq--Q6q4manuwsH9IA",
            ]},
        ]}))
    );
}

#[test]
fn simplify_the_smoketests_expression() {
    let required = expr(json!({"AllOf": [
        {"AllOf": [
            "queue:create-task:highest:built-in/succeed",
            "queue:create-task:highest:built-in/fail",
            "queue:scheduler-id:smoketest",
        ]},
        {"AllOf": [
            "auth:create-client:project/taskcluster/smoketest/*",
            "auth:reset-access-token:project/taskcluster/smoketest/*",
            "project:taskcluster:smoketest:*",
        ]},
        {"AllOf": ["queue:create-task:highest:built-in/succeed", "queue:scheduler-id:smoketest"]},
        {"AllOf": ["queue:create-task:highest:built-in/succeed", "queue:scheduler-id:smoketest"]},
        {"AllOf": []},
        {"AllOf": ["purge-cache:built-in/succeed:smoketest-cache"]},
        {"AllOf": [
            "auth:create-role:project:taskcluster:smoketest:*",
            "auth:delete-role:project:taskcluster:smoketest:*",
            "auth:update-role:project:taskcluster:smoketest:*",
            "project:taskcluster:smoketest:*",
        ]},
        {"AllOf": [
            "secrets:get:project/taskcluster/smoketest/*",
            "secrets:set:project/taskcluster/smoketest/*",
        ]},
    ]}));
    assert_eq!(
        scopes::simplify(&required),
        expr(json!({"AllOf": [
            "auth:create-client:project/taskcluster/smoketest/*",
            "auth:create-role:project:taskcluster:smoketest:*",
            "auth:delete-role:project:taskcluster:smoketest:*",
            "auth:reset-access-token:project/taskcluster/smoketest/*",
            "auth:update-role:project:taskcluster:smoketest:*",
            "project:taskcluster:smoketest:*",
            "purge-cache:built-in/succeed:smoketest-cache",
            "queue:create-task:highest:built-in/fail",
            "queue:create-task:highest:built-in/succeed",
            "queue:scheduler-id:smoketest",
            "secrets:get:project/taskcluster/smoketest/*",
            "secrets:set:project/taskcluster/smoketest/*",
        ]}))
    );
}

/// Checked against the library: odd but faithful corners.
#[test]
fn library_corners() {
    // A given `a**` satisfies the required scope `a*` (it starts with `a*`) but not `ab`, so
    // normalizing the scopes of an AllOf can change its meaning for such sets.
    let all_of = expr(json!({"AllOf": ["a*", "ab"]}));
    assert_eq!(scopes::simplify(&all_of), expr(json!("a*")));
    assert!(!all_of.is_satisfied_by(&["a**"]));
    assert!(expr(json!("a*")).is_satisfied_by(&["a**"]));
    // The scopes of the expression come back, normalized: `ab` goes under `a*`.
    assert_eq!(
        scopes::satisfying(&["*"], &expr(json!({"AnyOf": ["b", "a*", "ab"]}))),
        Some(vec!["a*".to_string(), "b".to_string()])
    );
    // An AnyOf in an AnyOf is merged; an AllOf in an AnyOf holding one AnyOf is not.
    assert_eq!(
        scopes::simplify(&expr(
            json!({"AnyOf": ["c", {"AllOf": [{"AnyOf": ["a", "b"]}]}]})
        )),
        expr(json!({"AnyOf": ["c", {"AnyOf": ["a", "b"]}]}))
    );
    assert_eq!(
        scopes::simplify(&expr(json!({"AnyOf": [{"AnyOf": []}]}))),
        expr(json!({"AnyOf": []}))
    );
}
