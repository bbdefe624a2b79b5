//! The `typed-filters` repair: list views that take their filters from the whole query string
//! (`request.args` handed to the core as a dict) document none of them, so a client could not
//! send one. The table below gives each such view's filters: the keys the core reads by name,
//! typed, and one map (`QueryKind::Pairs`) for the keys it matches against anything else
//! (account attributes, rule columns, DID metadata).

use serde_json::{Value, json};

use super::spec::{Location, Operation, Parameter};

pub const TYPED_FILTERS: &str = "typed-filters";

/// A filter: name, JSON schema, description.
type Filter = (&'static str, &'static str, &'static str);

const STRING: &str = r#"{"type": "string"}"#;
const PAIRS: &str = r#"{"type": "object", "additionalProperties": {"type": "string"}}"#;

/// The filters of `rucio.core.rule.list_rules` (`filters`): `account` and `scope` may hold `*`
/// wildcards, the dates compare, and any other key is compared with that column of the rule.
const RULE_FILTERS: &[Filter] = &[
    ("scope", STRING, "The rule's DID scope; `*` is a wildcard."),
    ("name", STRING, "The rule's DID name."),
    (
        "state",
        STRING,
        "The rule's state, by name or letter (`OK`/`O`, `REPLICATING`/`R`, `STUCK`/`S`, \
         `SUSPENDED`/`U`, `WAITING_APPROVAL`/`W`, `INJECT`/`I`).",
    ),
    (
        "rse_expression",
        STRING,
        "The rule's RSE expression, exactly.",
    ),
    ("activity", STRING, "The rule's transfer activity."),
    (
        "did_type",
        STRING,
        "The DID's type: `FILE`, `DATASET` or `CONTAINER`.",
    ),
    (
        "grouping",
        STRING,
        "The rule's grouping: `ALL`, `DATASET` or `NONE`.",
    ),
    (
        "subscription_id",
        STRING,
        "The subscription that made the rule.",
    ),
    (
        "created_before",
        STRING,
        "Rules created before this time (`%Y-%m-%dT%H:%M:%S.%fZ` or RFC 1123).",
    ),
    ("created_after", STRING, "Rules created after this time."),
    (
        "updated_before",
        STRING,
        "Rules last updated before this time.",
    ),
    (
        "updated_after",
        STRING,
        "Rules last updated after this time.",
    ),
    (
        "filters",
        PAIRS,
        "Any other column of the rule (`copies`, `locked`, `comments`, …), compared for \
         equality.",
    ),
];

/// (operation, the view and core function that read them, filters)
const FILTERS: &[(&str, &str, &[&[Filter]])] = &[
    (
        "/paths/~1accounts/get",
        "accounts.py `Account.get` → `rucio.core.account.list_accounts(filter_)`",
        &[&[
            ("account", STRING, "The account's name; `*` is a wildcard."),
            (
                "account_type",
                STRING,
                "The account's type: `USER`, `GROUP` or `SERVICE`.",
            ),
            (
                "identity",
                STRING,
                "An identity of the account (a DN, a username, …).",
            ),
            (
                "filters",
                PAIRS,
                "Account attributes: accounts whose attribute `key` has this value.",
            ),
        ]],
    ),
    (
        "/paths/~1rules~1/get",
        "rules.py `AllRule.get` → `rucio.core.rule.list_rules(filters)`",
        &[
            &[("account", STRING, "The rule's account; `*` is a wildcard.")],
            RULE_FILTERS,
        ],
    ),
    (
        "/paths/~1accounts~1{account}~1rules/get",
        "accounts.py `Rules.get`: `{'account': account}` and the query → \
         `rucio.core.rule.list_rules(filters)`",
        &[RULE_FILTERS],
    ),
    (
        "/paths/~1dids~1{scope}~1dids~1search/get",
        "dids.py `Search.get`: every query argument but `type`, `limit`, `long` and \
         `recursive` is a filter of `rucio.core.did.list_dids` (the DID metadata plugins)",
        &[&[
            ("project", STRING, "The DID's `project` metadata."),
            ("datatype", STRING, "The DID's `datatype` metadata."),
            ("run_number", STRING, "The DID's `run_number` metadata."),
            ("stream_name", STRING, "The DID's `stream_name` metadata."),
            ("prod_step", STRING, "The DID's `prod_step` metadata."),
            ("version", STRING, "The DID's `version` metadata."),
            ("campaign", STRING, "The DID's `campaign` metadata."),
            ("provenance", STRING, "The DID's `provenance` metadata."),
            ("phys_group", STRING, "The DID's `phys_group` metadata."),
            (
                "metadata",
                PAIRS,
                "Any other metadata key, compared for equality (keys may carry an operator: \
                 `length.gt`).",
            ),
        ]],
    ),
];

/// Adds the table's filters to `op` (those it does not document already); the entry if one
/// fitted.
pub fn typed_filters(op: &mut Operation) -> Option<&'static str> {
    let (entry, _view, filters) = FILTERS.iter().find(|(p, ..)| *p == op.pointer)?;
    for (name, schema, description) in filters.iter().copied().flatten() {
        if op.params.iter().any(|p| p.name == *name) {
            continue;
        }
        let schema: Value = serde_json::from_str(schema).unwrap_or_else(|_| json!({}));
        op.params.push(Parameter {
            name: (*name).to_owned(),
            location: Location::Query,
            required: false,
            description: (*description).to_owned(),
            schema,
        });
    }
    if !op.repairs.contains(&TYPED_FILTERS) {
        op.repairs.push(TYPED_FILTERS);
    }
    Some(entry)
}

/// Every entry of the table, to report those that fit no operation.
pub fn entries() -> impl Iterator<Item = &'static str> {
    FILTERS.iter().map(|(op, ..)| *op)
}
