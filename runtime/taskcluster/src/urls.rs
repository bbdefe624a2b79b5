//! Taskcluster URL rules, as taskcluster-lib-urls defines them.
//!
//! Trailing slashes on the root URL and leading slashes on paths are dropped. A deployment's
//! root URL `R` serves API `S` version `V` at `R/api/S/V/<path>`, references under
//! `R/references/` and schemas under `R/schemas/`. The legacy root URL `https://taskcluster.net`
//! maps to the per-service hosts of the old deployment (`https://S.taskcluster.net/V/<path>`,
//! `https://references.taskcluster.net/...`, `https://schemas.taskcluster.net/...`).
//!
//! ```
//! use tc_runtime::urls;
//! assert_eq!(
//!     urls::api("https://tc.example.com/", "queue", "v1", "/ping"),
//!     "https://tc.example.com/api/queue/v1/ping"
//! );
//! assert_eq!(
//!     urls::api("https://taskcluster.net", "queue", "v1", "ping"),
//!     "https://queue.taskcluster.net/v1/ping"
//! );
//! ```

/// The root URL of the legacy deployment, which uses per-service host names.
pub const LEGACY_ROOT_URL: &str = "https://taskcluster.net";

/// `root_url` without trailing slashes.
pub fn normalize_root_url(root_url: &str) -> &str {
    root_url.trim_end_matches('/')
}

/// Whether `root_url` is the legacy `https://taskcluster.net` deployment.
pub fn is_legacy(root_url: &str) -> bool {
    normalize_root_url(root_url) == LEGACY_ROOT_URL
}

fn clean_path(path: &str) -> &str {
    path.trim_start_matches('/')
}

/// The base URL of an API, ending in `/`: `api(root_url, service, version, "")`.
pub fn api_base(root_url: &str, service: &str, version: &str) -> String {
    api(root_url, service, version, "")
}

/// URL of `path` in API `service` at `version`.
pub fn api(root_url: &str, service: &str, version: &str, path: &str) -> String {
    let path = clean_path(path);
    if is_legacy(root_url) {
        format!("https://{service}.taskcluster.net/{version}/{path}")
    } else {
        let root = normalize_root_url(root_url);
        format!("{root}/api/{service}/{version}/{path}")
    }
}

/// URL of the API reference (`api.json`) of `service` at `version`.
pub fn api_reference(root_url: &str, service: &str, version: &str) -> String {
    if is_legacy(root_url) {
        format!("https://references.taskcluster.net/{service}/{version}/api.json")
    } else {
        let root = normalize_root_url(root_url);
        format!("{root}/references/{service}/{version}/api.json")
    }
}

/// URL of the exchanges reference (`exchanges.json`) of `service` at `version`.
pub fn exchange_reference(root_url: &str, service: &str, version: &str) -> String {
    if is_legacy(root_url) {
        format!("https://references.taskcluster.net/{service}/{version}/exchanges.json")
    } else {
        let root = normalize_root_url(root_url);
        format!("{root}/references/{service}/{version}/exchanges.json")
    }
}

/// URL of schema `name` of `service`.
pub fn schema(root_url: &str, service: &str, name: &str) -> String {
    let name = clean_path(name);
    if is_legacy(root_url) {
        format!("https://schemas.taskcluster.net/{service}/{name}")
    } else {
        let root = normalize_root_url(root_url);
        format!("{root}/schemas/{service}/{name}")
    }
}

/// URL of the schema that API references at `version` follow.
pub fn api_reference_schema(root_url: &str, version: &str) -> String {
    schema(root_url, "common", &format!("api-reference-{version}.json"))
}

/// URL of the schema that exchanges references at `version` follow.
pub fn exchanges_reference_schema(root_url: &str, version: &str) -> String {
    schema(
        root_url,
        "common",
        &format!("exchanges-reference-{version}.json"),
    )
}

/// URL of the schema the API manifest at `version` follows.
pub fn api_manifest_schema(root_url: &str, version: &str) -> String {
    schema(root_url, "common", &format!("manifest-{version}.json"))
}

/// URL of the deployment's API manifest (the list of references).
pub fn api_manifest(root_url: &str) -> String {
    if is_legacy(root_url) {
        "https://references.taskcluster.net/manifest.json".to_owned()
    } else {
        format!("{}/references/manifest.json", normalize_root_url(root_url))
    }
}

/// URL of `path` in the deployment's web UI.
pub fn ui(root_url: &str, path: &str) -> String {
    let path = clean_path(path);
    if is_legacy(root_url) {
        format!("https://tools.taskcluster.net/{path}")
    } else {
        format!("{}/{path}", normalize_root_url(root_url))
    }
}

/// URL of `path` in the deployment's documentation.
pub fn docs(root_url: &str, path: &str) -> String {
    let path = clean_path(path);
    if is_legacy(root_url) {
        format!("https://docs.taskcluster.net/{path}")
    } else {
        format!("{}/docs/{path}", normalize_root_url(root_url))
    }
}

pub use runtime_core::escape;

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = "https://tc.example.com";

    #[test]
    fn api_urls_drop_slashes() {
        for root in [ROOT, "https://tc.example.com/", "https://tc.example.com///"] {
            for path in ["ping", "/ping", "///ping"] {
                assert_eq!(
                    api(root, "queue", "v1", path),
                    "https://tc.example.com/api/queue/v1/ping"
                );
            }
        }
        assert_eq!(
            api_base(ROOT, "auth", "v1"),
            "https://tc.example.com/api/auth/v1/"
        );
    }

    #[test]
    fn legacy_urls() {
        for root in ["https://taskcluster.net", "https://taskcluster.net/"] {
            assert!(is_legacy(root));
            assert_eq!(
                api(root, "queue", "v1", "/task/x"),
                "https://queue.taskcluster.net/v1/task/x"
            );
            assert_eq!(
                api_reference(root, "queue", "v1"),
                "https://references.taskcluster.net/queue/v1/api.json"
            );
            assert_eq!(
                exchange_reference(root, "queue", "v1"),
                "https://references.taskcluster.net/queue/v1/exchanges.json"
            );
            assert_eq!(
                schema(root, "queue", "/v1/task.json"),
                "https://schemas.taskcluster.net/queue/v1/task.json"
            );
            assert_eq!(
                api_reference_schema(root, "v0"),
                "https://schemas.taskcluster.net/common/api-reference-v0.json"
            );
            assert_eq!(
                api_manifest(root),
                "https://references.taskcluster.net/manifest.json"
            );
            assert_eq!(ui(root, "/tasks"), "https://tools.taskcluster.net/tasks");
            assert_eq!(docs(root, "/x"), "https://docs.taskcluster.net/x");
        }
        assert!(!is_legacy("https://taskcluster.net.example.com"));
        assert!(!is_legacy("http://taskcluster.net"));
    }

    #[test]
    fn new_style_references_and_schemas() {
        let root = "https://tc.example.com/";
        assert_eq!(
            api_reference(root, "queue", "v1"),
            "https://tc.example.com/references/queue/v1/api.json"
        );
        assert_eq!(
            exchange_reference(root, "queue", "v1"),
            "https://tc.example.com/references/queue/v1/exchanges.json"
        );
        assert_eq!(
            schema(root, "queue", "/v1/task.json"),
            "https://tc.example.com/schemas/queue/v1/task.json"
        );
        assert_eq!(
            exchanges_reference_schema(root, "v0"),
            "https://tc.example.com/schemas/common/exchanges-reference-v0.json"
        );
        assert_eq!(
            api_manifest_schema(root, "v3"),
            "https://tc.example.com/schemas/common/manifest-v3.json"
        );
        assert_eq!(
            api_manifest(root),
            "https://tc.example.com/references/manifest.json"
        );
        assert_eq!(ui(root, "/tasks"), "https://tc.example.com/tasks");
        assert_eq!(docs(root, "x"), "https://tc.example.com/docs/x");
    }

    #[test]
    fn escape_round_trips_awkward_ids() {
        assert_eq!(escape("abc-_.~XYZ09"), "abc-_.~XYZ09");
        assert_eq!(escape("a/b c"), "a%2Fb%20c");
        assert_eq!(escape("100%"), "100%25");
        assert_eq!(escape("é?&=#+"), "%C3%A9%3F%26%3D%23%2B");
        assert_eq!(escape("!'()*"), "%21%27%28%29%2A");
        for id in ["a/b c", "100%", "ünï/cødé ☃", "?x=1&y", "..", ""] {
            let decoded: String =
                url::form_urlencoded::parse(format!("k={}", escape(id)).as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default();
            assert_eq!(decoded, id);
        }
    }
}
