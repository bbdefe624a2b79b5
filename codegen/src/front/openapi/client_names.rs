//! The names Rucio users know: where Rucio's own Python client (`rucio.client.Client`, 41.5.1)
//! has a method for an operation, the generated method takes that method's name, and the name
//! by rule ([`super::naming`], the path form) becomes a rustdoc alias.
//!
//! Each entry is the route as the repaired spec has it, the name, and the Python client's
//! class and method (checked against `rucio/client/*.py`: the method builds this route and sends
//! this HTTP method). Where one Python method serves several routes (`get_config`,
//! `list_subscriptions`, `set_config_option`), each route gets a name of its own that starts
//! from it. An entry with no Python method names an operation whose rule name misleads. The
//! Python client's private login methods (`__get_token_userpass`, …) give no names: the `/auth`
//! calls keep their rule names. Rucio's wire test (`rucio/tests/wire.rs`) compares these
//! operations with the Python client's calls.

/// `(route, name, Python client method)`; an empty Python method: a name by role.
pub const CLIENT_NAMES: &[(&str, &str, &str)] = &[
    (
        "DELETE /accounts/{account}/attr/{key}",
        "delete_account_attribute",
        "AccountClient.delete_account_attribute",
    ),
    (
        "POST /accounts/{account}/attr/{key}",
        "add_account_attribute",
        "AccountClient.add_account_attribute",
    ),
    (
        "POST /accounts/{account}/scopes/{scope}",
        "add_scope",
        "ScopeClient.add_scope",
    ),
    (
        "GET /accounts/{account}/limits/local/{rse}",
        "get_local_account_limit",
        "AccountClient.get_local_account_limit",
    ),
    (
        "GET /accounts/{account}/limits/global/{rse_expression}",
        "get_global_account_limit",
        "AccountClient.get_global_account_limit",
    ),
    (
        "GET /accounts/{account}/identities",
        "list_identities",
        "AccountClient.list_identities",
    ),
    (
        "DELETE /accounts/{account}/identities",
        "del_identity",
        "AccountClient.del_identity",
    ),
    (
        "POST /accounts/{account}/identities",
        "add_identity",
        "AccountClient.add_identity",
    ),
    (
        "GET /accounts/{account}/rules",
        "list_account_rules",
        "AccountClient.list_account_rules",
    ),
    (
        "GET /accounts/{account}/usage/history/{rse}",
        "get_account_usage_history",
        "AccountClient.get_account_usage_history",
    ),
    (
        "GET /accounts/{account}/usage/local/{rse}",
        "get_local_account_usage",
        "AccountClient.get_local_account_usage",
    ),
    (
        "GET /accounts/{account}/usage/global/{rse_expression}",
        "get_global_account_usage",
        "AccountClient.get_global_account_usage",
    ),
    (
        "PUT /accounts/{account}",
        "update_account",
        "AccountClient.update_account",
    ),
    (
        "GET /accounts/{account}",
        "get_account",
        "AccountClient.get_account",
    ),
    (
        "DELETE /accounts/{account}",
        "delete_account",
        "AccountClient.delete_account",
    ),
    (
        "POST /accounts/{account}",
        "add_account",
        "AccountClient.add_account",
    ),
    (
        "GET /accounts",
        "list_accounts",
        "AccountClient.list_accounts",
    ),
    (
        "GET /accounts/{account}/attr/",
        "list_account_attributes",
        "AccountClient.list_account_attributes",
    ),
    (
        "DELETE /accounts/{account}/limits/local/{rse}",
        "delete_local_account_limit",
        "AccountClient.delete_local_account_limit",
    ),
    (
        "POST /accounts/{account}/limits/local/{rse}",
        "set_local_account_limit",
        "AccountClient.set_local_account_limit",
    ),
    (
        "DELETE /accounts/{account}/limits/global/{rse_expression}",
        "delete_global_account_limit",
        "AccountClient.delete_global_account_limit",
    ),
    (
        "POST /accounts/{account}/limits/global/{rse_expression}",
        "set_global_account_limit",
        "AccountClient.set_global_account_limit",
    ),
    (
        "PUT /config/{section}/{option}/{value}",
        "set_config_option_by_path",
        "ConfigClient.set_config_option",
    ),
    (
        "GET /config/{section}/{option}",
        "get_config_option",
        "ConfigClient.get_config",
    ),
    (
        "DELETE /config/{section}/{option}",
        "delete_config_option",
        "ConfigClient.delete_config_option",
    ),
    (
        "GET /config/{section}",
        "get_config_section",
        "ConfigClient.get_config",
    ),
    (
        "DELETE /config/{section}",
        "delete_config_section",
        "ConfigClient.delete_config_section",
    ),
    ("GET /config", "get_config", "ConfigClient.get_config"),
    (
        "POST /config",
        "set_config_option",
        "ConfigClient.set_config_option",
    ),
    (
        "GET /credentials/signurl",
        "get_signed_url",
        "CredentialClient.get_signed_url",
    ),
    (
        "PUT /dids/{scope}/{name}/status",
        "set_status",
        "DIDClient.set_status",
    ),
    (
        "GET /dids/{scope}/{name}/meta",
        "get_metadata",
        "DIDClient.get_metadata",
    ),
    (
        "DELETE /dids/{scope}/{name}/meta",
        "delete_metadata",
        "DIDClient.delete_metadata",
    ),
    (
        "POST /dids/{scope}/{name}/meta",
        "set_metadata_bulk",
        "DIDClient.set_metadata_bulk",
    ),
    (
        "POST /dids/bulkdidsmeta",
        "set_dids_metadata_bulk",
        "DIDClient.set_dids_metadata_bulk",
    ),
    (
        "POST /dids/bulkmeta",
        "get_metadata_bulk",
        "DIDClient.get_metadata_bulk",
    ),
    (
        "GET /dids/{scope}/{name}/dids",
        "list_content",
        "DIDClient.list_content",
    ),
    (
        "DELETE /dids/{scope}/{name}/dids",
        "detach_dids",
        "DIDClient.detach_dids",
    ),
    (
        "POST /dids/{scope}/{name}/dids",
        "attach_dids",
        "DIDClient.attach_dids",
    ),
    ("POST /dids", "add_dids", "DIDClient.add_dids"),
    (
        "GET /dids/{scope}/{name}/dids/history",
        "list_content_history",
        "DIDClient.list_content_history",
    ),
    (
        "POST /dids/attachments",
        "attach_dids_to_dids",
        "DIDClient.attach_dids_to_dids",
    ),
    (
        "GET /dids/{scope}/dids/search",
        "list_dids",
        "DIDClient.list_dids",
    ),
    ("GET /dids/{scope}/", "scope_list", "DIDClient.scope_list"),
    (
        "GET /dids/{guid}/guid",
        "get_dataset_by_guid",
        "DIDClient.get_dataset_by_guid",
    ),
    (
        "GET /dids/{scope}/{name}/files",
        "list_files",
        "DIDClient.list_files",
    ),
    (
        "POST /dids/bulkfiles",
        "bulk_list_files",
        "DIDClient.bulk_list_files",
    ),
    (
        "GET /dids/{scope}/{name}/rules",
        "list_did_rules",
        "DIDClient.list_did_rules",
    ),
    (
        "GET /dids/{scope}/{name}/parents",
        "list_parent_dids",
        "DIDClient.list_parent_dids",
    ),
    (
        "GET /dids/{scope}/{name}/associated_rules",
        "list_associated_rules_for_file",
        "DIDClient.list_associated_rules_for_file",
    ),
    (
        "POST /dids/sample",
        "create_did_sample",
        "DIDClient.create_did_sample",
    ),
    ("POST /dids/resurrect", "resurrect", "DIDClient.resurrect"),
    ("POST /dids/{scope}/{name}", "add_did", "DIDClient.add_did"),
    ("GET /dids/{scope}/{name}", "get_did", "DIDClient.get_did"),
    ("POST /dirac/addfiles", "add_files", "DiracClient.add_files"),
    ("GET /export", "export_data", "ExportClient.export_data"),
    ("POST /import", "import_data", "ImportClient.import_data"),
    (
        "GET /lifetime_exceptions/",
        "list_exceptions",
        "LifetimeClient.list_exceptions",
    ),
    (
        "POST /lifetime_exceptions/",
        "add_exception",
        "LifetimeClient.add_exception",
    ),
    (
        "GET /locks/{rse}",
        "get_dataset_locks_by_rse",
        "LockClient.get_dataset_locks_by_rse",
    ),
    (
        "GET /locks/{scope}/{name}",
        "get_dataset_locks",
        "LockClient.get_dataset_locks",
    ),
    (
        "POST /locks/bulk_locks_for_dids",
        "get_locks_for_dids",
        "LockClient.get_locks_for_dids",
    ),
    (
        "POST /meta_conventions/{key}",
        "add_key",
        "MetaConventionClient.add_key",
    ),
    (
        "GET /meta_conventions/{key}/",
        "list_values",
        "MetaConventionClient.list_values",
    ),
    (
        "POST /meta_conventions/{key}/",
        "add_value",
        "MetaConventionClient.add_value",
    ),
    (
        "GET /opendata/dids",
        "list_opendata_dids",
        "OpenDataClient.list_opendata_dids",
    ),
    (
        "PUT /opendata/dids/{scope}/{name}",
        "update_opendata_did",
        "OpenDataClient.update_opendata_did",
    ),
    (
        "GET /opendata/dids/{scope}/{name}",
        "get_opendata_did",
        "OpenDataClient.get_opendata_did",
    ),
    (
        "DELETE /opendata/dids/{scope}/{name}",
        "remove_opendata_did",
        "OpenDataClient.remove_opendata_did",
    ),
    (
        "POST /opendata/dids/{scope}/{name}",
        "add_opendata_did",
        "OpenDataClient.add_opendata_did",
    ),
    (
        "GET /opendata/public/dids",
        "list_opendata_dids",
        "OpenDataClient.list_opendata_dids",
    ),
    (
        "GET /opendata/public/dids/{scope}/{name}",
        "get_opendata_did",
        "OpenDataClient.get_opendata_did",
    ),
    ("GET /ping", "ping", "PingClient.ping"),
    (
        "POST /replicas/list",
        "list_replicas",
        "ReplicaClient.list_replicas",
    ),
    (
        "GET /replicas/suspicious",
        "list_suspicious_replicas",
        "ReplicaClient.list_suspicious_replicas",
    ),
    (
        "POST /replicas/suspicious",
        "declare_suspicious_file_replicas",
        "ReplicaClient.declare_suspicious_file_replicas",
    ),
    (
        "POST /replicas/bad/pfns",
        "add_bad_pfns",
        "ReplicaClient.add_bad_pfns",
    ),
    (
        "POST /replicas/bad/dids",
        "declare_bad_did_replicas",
        "ReplicaClient.declare_bad_did_replicas",
    ),
    (
        "GET /replicas/rse/{rse}",
        "list_datasets_per_rse",
        "ReplicaClient.list_datasets_per_rse",
    ),
    (
        "POST /replicas/bad",
        "declare_bad_file_replicas",
        "ReplicaClient.declare_bad_file_replicas",
    ),
    (
        "POST /replicas/quarantine",
        "quarantine_replicas",
        "ReplicaClient.quarantine_replicas",
    ),
    (
        "POST /replicas/dids",
        "get_did_from_pfns",
        "ReplicaClient.get_did_from_pfns",
    ),
    (
        "GET /replicas/{scope}/{name}/datasets",
        "list_dataset_replicas",
        "ReplicaClient.list_dataset_replicas",
    ),
    (
        "POST /replicas/datasets_bulk",
        "list_dataset_replicas_bulk",
        "ReplicaClient.list_dataset_replicas_bulk",
    ),
    (
        "POST /replicas/tombstone",
        "set_tombstone",
        "ReplicaClient.set_tombstone",
    ),
    (
        "GET /replicas/{scope}/{name}/datasets_vp",
        "list_dataset_replicas_vp",
        "ReplicaClient.list_dataset_replicas_vp",
    ),
    (
        "POST /replicas",
        "add_replicas",
        "ReplicaClient.add_replicas",
    ),
    (
        "GET /requests/{scope}/{name}/{rse}",
        "list_request_by_did",
        "RequestClient.list_request_by_did",
    ),
    (
        "GET /requests/history/{scope}/{name}/{rse}",
        "list_request_history_by_did",
        "RequestClient.list_request_history_by_did",
    ),
    (
        "GET /requests/list",
        "list_requests",
        "RequestClient.list_requests",
    ),
    (
        "GET /requests/history/list",
        "list_requests_history",
        "RequestClient.list_requests_history",
    ),
    (
        "PUT /requests/transfer_limits",
        "set_transfer_limit",
        "RequestClient.set_transfer_limit",
    ),
    (
        "GET /requests/transfer_limits",
        "list_transfer_limits",
        "RequestClient.list_transfer_limits",
    ),
    (
        "DELETE /requests/transfer_limits",
        "delete_transfer_limit",
        "RequestClient.delete_transfer_limit",
    ),
    (
        "DELETE /rses/{rse}/attr/{key}",
        "delete_rse_attribute",
        "RSEClient.delete_rse_attribute",
    ),
    (
        "POST /rses/{rse}/attr/{key}",
        "add_rse_attribute",
        "RSEClient.add_rse_attribute",
    ),
    (
        "PUT /rses/{source}/distances/{destination}",
        "update_distance",
        "RSEClient.update_distance",
    ),
    (
        "GET /rses/{source}/distances/{destination}",
        "get_distance",
        "RSEClient.get_distance",
    ),
    (
        "DELETE /rses/{source}/distances/{destination}",
        "delete_distance",
        "RSEClient.delete_distance",
    ),
    (
        "POST /rses/{source}/distances/{destination}",
        "add_distance",
        "RSEClient.add_distance",
    ),
    (
        "PUT /rses/{rse}/protocols/{scheme}/{hostname}/{port}",
        "update_protocols",
        "RSEClient.update_protocols",
    ),
    (
        "DELETE /rses/{rse}/protocols/{scheme}/{hostname}/{port}",
        "delete_protocols",
        "RSEClient.delete_protocols",
    ),
    (
        "GET /rses/{rse}/protocols",
        "get_protocols",
        "RSEClient.get_protocols",
    ),
    (
        "GET /rses/{rse}/lfns2pfns",
        "lfns2pfns",
        "RSEClient.lfns2pfns",
    ),
    (
        "PUT /rses/{rse}/usage",
        "set_rse_usage",
        "RSEClient.set_rse_usage",
    ),
    (
        "GET /rses/{rse}/usage",
        "get_rse_usage",
        "RSEClient.get_rse_usage",
    ),
    (
        "GET /rses/{rse}/usage/history",
        "list_rse_usage_history",
        "RSEClient.list_rse_usage_history",
    ),
    (
        "PUT /rses/{rse}/limits",
        "set_rse_limits",
        "RSEClient.set_rse_limits",
    ),
    (
        "GET /rses/{rse}/limits",
        "get_rse_limits",
        "RSEClient.get_rse_limits",
    ),
    (
        "DELETE /rses/{rse}/limits",
        "delete_rse_limits",
        "RSEClient.delete_rse_limits",
    ),
    (
        "DELETE /rses/{rse}/qos_policy/{policy}",
        "delete_qos_policy",
        "RSEClient.delete_qos_policy",
    ),
    (
        "POST /rses/{rse}/qos_policy/{policy}",
        "add_qos_policy",
        "RSEClient.add_qos_policy",
    ),
    ("PUT /rses/{rse}", "update_rse", "RSEClient.update_rse"),
    ("GET /rses/{rse}", "get_rse", "RSEClient.get_rse"),
    ("DELETE /rses/{rse}", "delete_rse", "RSEClient.delete_rse"),
    ("POST /rses/{rse}", "add_rse", "RSEClient.add_rse"),
    ("GET /rses/", "list_rses", "RSEClient.list_rses"),
    (
        "GET /rses/{rse}/attr/",
        "list_rse_attributes",
        "RSEClient.list_rse_attributes",
    ),
    (
        "POST /rses/{rse}/protocols/{scheme}",
        "add_protocol",
        "RSEClient.add_protocol",
    ),
    (
        "PUT /rules/{rule_id}",
        "update_replication_rule",
        "RuleClient.update_replication_rule",
    ),
    (
        "GET /rules/{rule_id}",
        "get_replication_rule",
        "RuleClient.get_replication_rule",
    ),
    (
        "DELETE /rules/{rule_id}",
        "delete_replication_rule",
        "RuleClient.delete_replication_rule",
    ),
    (
        "GET /rules/",
        "list_replication_rules",
        "RuleClient.list_replication_rules",
    ),
    (
        "POST /rules/",
        "add_replication_rule",
        "RuleClient.add_replication_rule",
    ),
    (
        "GET /rules/{rule_id}/locks",
        "list_replica_locks",
        "RuleClient.list_replica_locks",
    ),
    (
        "POST /rules/{rule_id}/reduce",
        "reduce_replication_rule",
        "RuleClient.reduce_replication_rule",
    ),
    (
        "POST /rules/{rule_id}/move",
        "move_replication_rule",
        "RuleClient.move_replication_rule",
    ),
    (
        "GET /rules/{scope}/{name}/history",
        "list_replication_rule_full_history",
        "RuleClient.list_replication_rule_full_history",
    ),
    (
        "GET /rules/{rule_id}/analysis",
        "examine_replication_rule",
        "RuleClient.examine_replication_rule",
    ),
    (
        "PUT /scopes/{account}/{scope}",
        "update_scope",
        "ScopeClient.update_scope",
    ),
    (
        "GET /scopes/owner/",
        "list_scope_owners",
        "ScopeClient.list_scope_owners",
    ),
    (
        "GET /subscriptions/{account}/{name}/rules/states",
        "list_subscription_rule_states",
        "SubscriptionClient.list_subscription_rule_states",
    ),
    (
        "GET /subscriptions/{account}/{name}/rules",
        "list_subscription_rules",
        "SubscriptionClient.list_subscription_rules",
    ),
    (
        "PUT /subscriptions/{account}/{name}",
        "update_subscription",
        "SubscriptionClient.update_subscription",
    ),
    (
        "GET /subscriptions/{account}/{name}",
        "get_subscription",
        "SubscriptionClient.list_subscriptions",
    ),
    (
        "POST /subscriptions/{account}/{name}",
        "add_subscription",
        "SubscriptionClient.add_subscription",
    ),
    (
        "GET /subscriptions/name/{name}",
        "list_subscriptions_by_name",
        "SubscriptionClient.list_subscriptions",
    ),
    (
        "GET /subscriptions/{account}",
        "list_subscriptions",
        "SubscriptionClient.list_subscriptions",
    ),
    (
        "GET /subscriptions/id/{subscription_id}",
        "get_subscription_by_id",
        "",
    ),
    (
        "POST /dids/{input_scope}/{input_name}/{output_scope}/{output_name}/{nbfiles}/sample",
        "create_did_sample_by_path",
        "",
    ),
];
