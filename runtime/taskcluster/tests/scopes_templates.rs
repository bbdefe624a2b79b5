//! `tc_runtime::scopes::Template`: the vectors of Taskcluster's
//! `libraries/api/test/expressions_test.js` (v106.0.0), transcribed as data; the corners of
//! `libraries/api/src/expressions.js`; and every `scopes` entry of the pinned references and of
//! the shared releases.

use std::path::Path;

use serde_json::{Value, json};
use tc_runtime::scopes::{Param, ParamKind, Params, ScopeExpr, Template};

fn template(json: Value) -> Template {
    serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("{json}: {e}"))
}

fn expr(json: Value) -> ScopeExpr {
    serde_json::from_value(json).expect("a scope expression")
}

/// Whether `params` has every parameter `template` reads, of the right kind (the library's
/// `ScopeExpressionTemplate.validate`).
fn has_params(template: &Template, params: &Params) -> bool {
    template.params().iter().all(|(name, kind)| {
        matches!(
            (kind, params.get(name)),
            (ParamKind::String, Some(Param::Str(_)))
                | (ParamKind::List, Some(Param::List(_)))
                | (ParamKind::Bool, Some(Param::Bool(_)))
        )
    })
}

#[test]
fn renders() {
    // The last member is what the library renders; `null` (nothing required) is an empty AllOf.
    let cases = [
        (json!({"AnyOf": []}), json!({}), json!({"AnyOf": []})),
        (json!({"AllOf": []}), json!({}), json!({"AllOf": []})),
        (
            json!({"AllOf": ["abc:<foo>"]}),
            json!({"foo": "hi"}),
            json!({"AllOf": ["abc:hi"]}),
        ),
        (
            json!({"AllOf": ["abc:<foo>:<bar>"]}),
            json!({"foo": "hi", "bar": "bye"}),
            json!({"AllOf": ["abc:hi:bye"]}),
        ),
        (
            json!({"AllOf": ["abc:<foo>:<bar>:<baz>"]}),
            json!({"foo": "hi", "bar": "bye", "baz": "bing"}),
            json!({"AllOf": ["abc:hi:bye:bing"]}),
        ),
        (
            json!({"if": "foo", "then": {"AllOf": ["bar"]}}),
            json!({"foo": false}),
            json!({"AllOf": []}),
        ),
        (
            json!({"if": "foo", "then": {"AllOf": ["bar"]}, "else": "test"}),
            json!({"foo": false}),
            json!("test"),
        ),
        (
            json!({"if": "foo", "then": {"AllOf": ["bar"]}}),
            json!({"foo": true}),
            json!({"AllOf": ["bar"]}),
        ),
        (
            json!({"if": "foo", "then": {"AllOf": ["bar:<baz>"]}}),
            json!({"foo": true, "baz": "hi"}),
            json!({"AllOf": ["bar:hi"]}),
        ),
        (
            json!({"AllOf": [{"for": "foo", "in": "bar", "each": "aa:<foo>"}]}),
            json!({"bar": ["aaa", "bbb"]}),
            json!({"AllOf": ["aa:aaa", "aa:bbb"]}),
        ),
        (
            json!({"AllOf": [{"for": "foo", "in": "bar", "each": "aa:<foo>:<b>"}]}),
            json!({"bar": ["aaa", "bbb"], "b": "q"}),
            json!({"AllOf": ["aa:aaa:q", "aa:bbb:q"]}),
        ),
    ];
    for (t, params, rendered) in cases {
        let t = template(t);
        let params = Params::from_object(&params);
        assert_eq!(t.render(&params), Ok(expr(rendered)), "{t:?}");
    }
}

#[test]
fn refuses_parameters_of_the_wrong_kind() {
    let if_foo = json!({"if": "foo", "then": {"AllOf": ["bar"]}});
    let for_foo = |each: &str| json!({"AllOf": [{"for": "foo", "in": "bar", "each": each}]});
    let boolean = "scope template expects parameter `foo` to be a boolean";
    let cases = [
        (if_foo.clone(), json!({"foo": "abc"}), boolean),
        (if_foo.clone(), json!({"foo": 0}), boolean),
        (if_foo.clone(), json!({"foo": 1}), boolean),
        (if_foo.clone(), json!({"foo": 1.4}), boolean),
        // `new Date()` in the library's test; what JSON makes of one.
        (
            if_foo.clone(),
            json!({"foo": "2024-05-01T12:00:00.000Z"}),
            boolean,
        ),
        (
            for_foo("aa:<foo>"),
            json!({"bar": "a"}),
            "scope template expects parameter `bar` to be a list of strings",
        ),
        (
            for_foo("aa:<fox>"),
            json!({"bar": ["a"]}),
            "scope template expects parameter `fox` to be a string or number",
        ),
        // Not in the library's tests: missing, and a list where a string belongs.
        (if_foo, json!({}), boolean),
        (
            json!("queue:scheduler-id:<schedulerId>"),
            json!({"schedulerId": ["a"]}),
            "scope template expects parameter `schedulerId` to be a string or number",
        ),
    ];
    for (t, params, message) in cases {
        let t = template(t);
        let params = Params::from_object(&params);
        assert!(!has_params(&t, &params), "{t:?}");
        let err = t.render(&params).expect_err("should fail");
        assert_eq!(err.to_string(), message);
        let _: Box<dyn std::error::Error> = Box::new(err);
    }
}

#[test]
fn validates_parameters() {
    let cases = [
        (
            json!({"AnyOf": ["abc:<foo>"]}),
            json!({"foo": "bar"}),
            json!({"AnyOf": ["abc:bar"]}),
        ),
        (
            json!({"AnyOf": ["abc:<foo>"]}),
            json!({"foo": 9}),
            json!({"AnyOf": ["abc:9"]}),
        ),
        (
            json!({"AnyOf": ["abc:<foo>", "<bar>"]}),
            json!({"foo": 1, "bar": "hello"}),
            json!({"AnyOf": ["abc:1", "hello"]}),
        ),
        (
            json!({"AnyOf": ["abc:<foo>:<bar>"]}),
            json!({"foo": 1, "bar": "hello"}),
            json!({"AnyOf": ["abc:1:hello"]}),
        ),
        (
            json!({"if": "foo", "then": {"AllOf": ["bar"]}}),
            json!({"foo": true, "bar": "hello"}),
            json!({"AllOf": ["bar"]}),
        ),
        (
            json!({"if": "foo", "then": {"AllOf": ["bar"]}}),
            json!({"foo": false, "bar": "hello"}),
            json!({"AllOf": []}),
        ),
        (
            json!({"AllOf": [{"for": "foo", "in": "bar", "each": "aa:<foo>"}]}),
            json!({"bar": ["a", "b"]}),
            json!({"AllOf": ["aa:a", "aa:b"]}),
        ),
        (
            json!({"AllOf": [{"for": "foo", "in": "bar", "each": "aa:<foo>:<baz>"}]}),
            json!({"bar": ["a"], "baz": "8"}),
            json!({"AllOf": ["aa:a:8"]}),
        ),
    ];
    for (t, params, rendered) in cases {
        let t = template(t);
        let params = Params::from_object(&params);
        assert!(has_params(&t, &params), "{t:?}");
        assert_eq!(t.render(&params), Ok(expr(rendered)), "{t:?}");
    }
}

#[test]
fn parameters_in_order_of_use() {
    let create_task = template(json!({"AllOf": [
        {"each": "<scope>", "for": "scope", "in": "scopes"},
        {"each": "queue:route:<route>", "for": "route", "in": "routes"},
        "queue:create-task:project:<projectId>",
        "queue:scheduler-id:<schedulerId>",
        {"AnyOf": [{"each": "queue:create-task:<priority>:<provisionerId>/<workerType>",
                    "for": "priority", "in": "priorities"}]},
    ]}));
    let s = |name: &str, kind| (name.to_string(), kind);
    use ParamKind::{Bool, List, String};
    assert_eq!(
        create_task.params(),
        [
            s("scopes", List),
            s("routes", List),
            s("projectId", String),
            s("schedulerId", String),
            s("priorities", List),
            s("provisionerId", String),
            s("workerType", String),
        ]
    );
    let aws = template(json!({
        "else": "auth:aws-s3:read-write:<bucket>/<prefix>",
        "if": "levelIsReadOnly",
        "then": {"AnyOf": ["auth:aws-s3:read-only:<bucket>/<prefix>",
                           "auth:aws-s3:read-write:<bucket>/<prefix>"]},
    }));
    assert_eq!(
        aws.params(),
        [
            s("levelIsReadOnly", Bool),
            s("bucket", String),
            s("prefix", String)
        ]
    );
    let mut params = Params::new();
    params
        .set("levelIsReadOnly", false)
        .set("bucket", "b")
        .set("prefix", "p/");
    assert_eq!(
        aws.render(&params),
        Ok(expr(json!("auth:aws-s3:read-write:b/p/")))
    );
    // A `for` variable is no parameter, even where the name is used outside the `for`.
    let shadow = template(json!({"AllOf": ["a:<x>", {"for": "x", "in": "xs", "each": "b:<x>"}]}));
    assert_eq!(shadow.params(), [s("x", String), s("xs", List)]);
    let mut params = Params::new();
    params.set("x", "outer").set("xs", vec!["1".to_string()]);
    assert_eq!(
        shadow.render(&params),
        Ok(expr(json!({"AllOf": ["a:outer", "b:1"]})))
    );
    // `for` and `in` of one name: the list is read, then each item is bound to the name (the
    // library's extractParams lists no parameter here).
    let same = template(json!({"AllOf": [{"for": "x", "in": "x", "each": "a:<x>"}]}));
    assert_eq!(same.params(), [s("x", List)]);
    let mut params = Params::new();
    params.set("x", vec!["1".to_string(), "2".to_string()]);
    assert_eq!(
        same.render(&params),
        Ok(expr(json!({"AllOf": ["a:1", "a:2"]})))
    );
    // A hand-built template using one name as two kinds lists it twice.
    let both = Template::AllOf(vec![
        Template::Scope("<foo>".into()),
        Template::If {
            condition: "foo".into(),
            then: Box::new(Template::Scope("a".into())),
            otherwise: None,
        },
    ]);
    assert_eq!(both.params(), [s("foo", String), s("foo", Bool)]);
}

#[test]
fn parameter_syntax() {
    let mut params = Params::new();
    params.set("a", "A").set("b", "B").set("a_1", "A1");
    let cases = [
        ("a<b", "a<b"),
        ("<1x>", "<1x>"),
        ("<<a>>", "<A>"),
        ("<a.b>", "<a.b>"),
        ("<a_1>", "A1"),
        ("<>", "<>"),
        ("x<a", "x<a"),
        ("<a><b>", "AB"),
        ("<a>:<a>", "A:A"),
        ("<a>>", "A>"),
        ("", ""),
        ("plain", "plain"),
    ];
    for (t, rendered) in cases {
        let t = Template::Scope(t.to_string());
        assert_eq!(
            t.render(&params),
            Ok(ScopeExpr::Scope(rendered.into())),
            "{t:?}"
        );
    }
}

#[test]
fn nothing_and_lists_in_place() {
    let mut params = Params::new();
    params
        .set("f", false)
        .set("t", true)
        .set("xs", vec!["1".to_string(), "2".to_string()]);
    let cases = [
        // A false `if` without `else` leaves its array.
        (
            json!({"AllOf": ["a", {"if": "f", "then": "b"}]}),
            json!({"AllOf": ["a"]}),
        ),
        (
            json!({"AnyOf": [{"if": "f", "then": "b"}]}),
            json!({"AnyOf": []}),
        ),
        // ... and an `if` in an `if` passes nothing up to the root.
        (
            json!({"if": "t", "then": {"if": "f", "then": "b"}}),
            json!({"AllOf": []}),
        ),
        (
            json!({"AnyOf": ["a", {"for": "x", "in": "xs", "each": "b:<x>"}, "c"]}),
            json!({"AnyOf": ["a", "b:1", "b:2", "c"]}),
        ),
        (
            json!({"AllOf": [{"if": "t", "then": {"AllOf": [{"for": "x", "in": "xs", "each": "<x>"}]}}]}),
            json!({"AllOf": [{"AllOf": ["1", "2"]}]}),
        ),
    ];
    for (t, rendered) in cases {
        let t = template(t);
        assert_eq!(t.render(&params), Ok(expr(rendered)), "{t:?}");
    }
    // Built by hand: a `for` at the root has no array to join.
    let root_for = Template::ForEach {
        variable: "x".into(),
        collection: "xs".into(),
        each: "<x>".into(),
    };
    let root_if = Template::If {
        condition: "t".into(),
        then: Box::new(root_for.clone()),
        otherwise: None,
    };
    for t in [root_for, root_if] {
        assert_eq!(
            t.render(&params).unwrap_err().to_string(),
            "scope template has a `for` over parameter `xs` outside AllOf or AnyOf"
        );
    }
}

#[test]
fn refuses_invalid_templates() {
    let cases = [
        (
            json!({"for": "x", "in": "xs", "each": "<x>"}),
            "must be inside AllOf or AnyOf",
        ),
        (
            json!({"if": "a", "then": {"for": "x", "in": "xs", "each": "<x>"}}),
            "at `then`: a `for` template must be inside AllOf or AnyOf",
        ),
        (
            json!({"AllOf": [{"for": "1x", "in": "xs", "each": "<x>"}]}),
            "at `AllOf[0]`: `for` must be a parameter name",
        ),
        (
            json!({"AllOf": [{"for": "x", "in": "a.b", "each": "<x>"}]}),
            "`in` must be",
        ),
        (
            json!({"if": "", "then": "a"}),
            "`if` must be a parameter name",
        ),
        (
            json!({"if": 1, "then": "a"}),
            "`if` must be a parameter name",
        ),
        (
            json!({"AllOf": [{"for": "x", "in": "xs", "each": {"AllOf": []}}]}),
            "`each` must be a string",
        ),
        (
            json!({"AllOf": [{"for": "x", "in": "xs"}]}),
            "expected an object with the keys",
        ),
        (
            json!({"AllOf": [], "x": 1}),
            "expected an object with the keys",
        ),
        (json!({"AnyOf": "a"}), "`AnyOf` must be an array"),
        (
            json!({"AnyOf": ["a", {"AllOf": [null]}]}),
            "at `AnyOf[1].AllOf[0]`: expected a string or an object",
        ),
        (json!(1), "expected a string or an object"),
        (
            json!({"if": "a", "then": "b", "else": [] }),
            "at `else`: expected a string or an object",
        ),
        (
            json!({"AllOf": ["<foo>", {"if": "foo", "then": "a"}]}),
            "parameter `foo` is used both as a string and as a boolean",
        ),
        (
            json!({"AllOf": [{"for": "x", "in": "xs", "each": "<x>:<xs>"}]}),
            "parameter `xs` is used both as a list and as a string",
        ),
    ];
    for (json, message) in cases {
        let err = serde_json::from_value::<Template>(json.clone())
            .expect_err(&format!("{json} should be refused"))
            .to_string();
        assert!(err.contains(message), "{json}: {err}");
    }
}

#[test]
fn params() {
    let mut params = Params::new();
    params
        .set("a", "x")
        .set("n", -5_i64)
        .set("u", u64::MAX)
        .set("b", true)
        .set("l", vec!["1".to_string()])
        .set_default("a", "ignored")
        .set_default("d", String::from("default"));
    assert_eq!(params.get("a"), Some(&Param::Str("x".into())));
    assert_eq!(params.get("n"), Some(&Param::Str("-5".into())));
    assert_eq!(
        params.get("u"),
        Some(&Param::Str("18446744073709551615".into()))
    );
    assert_eq!(params.get("b"), Some(&Param::Bool(true)));
    assert_eq!(params.get("l"), Some(&Param::List(vec!["1".into()])));
    assert_eq!(params.get("d"), Some(&Param::Str("default".into())));
    assert_eq!(params.get("missing"), None);
    params.set("a", false);
    assert_eq!(params.get("a"), Some(&Param::Bool(false)));

    let from = Params::from_object(&json!({
        "s": "str", "t": true, "l": ["a", "b"], "empty": [],
        "mixed": ["a", 1], "null": null, "object": {"a": "b"},
    }));
    assert_eq!(from.get("s"), Some(&Param::Str("str".into())));
    assert_eq!(from.get("t"), Some(&Param::Bool(true)));
    assert_eq!(
        from.get("l"),
        Some(&Param::List(vec!["a".into(), "b".into()]))
    );
    assert_eq!(from.get("empty"), Some(&Param::List(vec![])));
    for ignored in ["mixed", "null", "object"] {
        assert_eq!(from.get(ignored), None, "{ignored}");
    }
    assert_eq!(Params::from_object(&json!(["a"])), Params::new());
}

#[test]
fn numbers_as_javascript_prints_them() {
    // String(n) in node 20 for each (the scopes_peer test compares many more).
    let cases = [
        (json!(1e21), "1e+21"),
        (json!(123.0), "123"),
        (json!(0.000001), "0.000001"),
        (json!(1e-7), "1e-7"),
        (json!(-1.5), "-1.5"),
        (json!(9007199254740993_u64), "9007199254740992"),
        (json!(1.4), "1.4"),
        (json!(0.1 + 0.2), "0.30000000000000004"),
        (json!(5e-324), "5e-324"),
        (json!(1.7976931348623157e308), "1.7976931348623157e+308"),
        (json!(123456789012345680000.0), "123456789012345680000"),
        (json!(-0.0), "0"),
        (json!(100), "100"),
        (json!(1e20), "100000000000000000000"),
        (json!(12345.678e-10), "0.0000012345678"),
        (json!(i64::MIN), "-9223372036854776000"),
    ];
    for (number, printed) in cases {
        let params = Params::from_object(&json!({ "n": number }));
        assert_eq!(
            params.get("n"),
            Some(&Param::Str(printed.into())),
            "{number}"
        );
    }
}

/// Values for every parameter a template reads: `x` for strings, two items for lists, `flag`.
fn params_for(template: &Template, flag: bool) -> Params {
    let mut params = Params::new();
    for (name, kind) in template.params() {
        match kind {
            ParamKind::String => params.set(&name, format!("{name}-x")),
            ParamKind::List => params.set(&name, vec![format!("{name}-1"), format!("{name}-2")]),
            ParamKind::Bool => params.set(&name, flag),
        };
    }
    params
}

fn check_references(what: &str, scopes: impl Iterator<Item = (String, Value)>) -> usize {
    let mut count = 0;
    for (method, json) in scopes {
        let template: Template = serde_json::from_value(json.clone())
            .unwrap_or_else(|e| panic!("{what} {method}: {json}: {e}"));
        for flag in [false, true] {
            let rendered = template
                .render(&params_for(&template, flag))
                .unwrap_or_else(|e| panic!("{what} {method}: {e}"));
            assert!(rendered.is_valid(), "{what} {method}: {rendered}");
        }
        count += 1;
    }
    count
}

fn entries_scopes(service: &str, api: &Value) -> Vec<(String, Value)> {
    api["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let name = format!("{service}.{}", entry["name"].as_str()?);
            Some((name, entry.get("scopes")?.clone()))
        })
        .collect()
}

#[test]
fn every_scopes_entry_of_the_references() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut pinned = Vec::new();
    for dir in std::fs::read_dir(root.join("references")).expect("references/") {
        let api = dir.expect("a directory entry").path().join("v1/api.json");
        if let Ok(text) = std::fs::read_to_string(&api) {
            let service = api
                .parent()
                .and_then(Path::parent)
                .and_then(Path::file_name);
            let service = service.expect("a service directory").to_string_lossy();
            let json: Value = serde_json::from_str(&text).expect("api.json is JSON");
            pinned.extend(entries_scopes(&service, &json));
        }
    }
    let count = check_references("references/", pinned.into_iter());
    assert_eq!(count, 142, "v106.0.0 has 142 methods with scopes");

    let shared = root.join("../shared/references/taskcluster");
    for release in ["v24.3.1", "v60.0.0", "v95.0.0", "v106.0.0"] {
        let path = shared.join(format!("{release}.json"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let files: Vec<Value> = serde_json::from_str(&text).expect("a bundle is JSON");
        let scopes = files.iter().flat_map(|file| {
            let name = file["filename"].as_str().unwrap_or_default();
            let service = name.split('/').nth(1).unwrap_or_default().to_string();
            entries_scopes(&service, &file["content"])
        });
        let count = check_references(release, scopes);
        assert!(count > 50, "{release}: only {count} methods with scopes");
        println!("{release}: {count} scope templates parsed and rendered");
    }
}
