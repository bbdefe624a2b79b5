//! A loopback Taskcluster for object and artifact transfers: the object service and the queue's artifact
//! methods (on [`Server`], every call's Hawk signature checked with the `hawk` crate
//! against the credentials it knows, payload hash included), and a storage server (see
//! `storage.rs`) for the `putUrl`/`getUrl` URLs it hands out.

pub mod storage;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::{Reply, Seen, Server};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tc_runtime::{ClientConfig, Credentials, RetryConfig};

pub use storage::{Fault, Storage};

pub const CLIENT_ID: &str = "tester/objects";
pub const ACCESS_TOKEN: &str = "objects-access-token-do-not-print";
pub const PROJECT: &str = "proj";

/// An object the fake object service knows.
#[derive(Clone, Debug)]
pub struct Obj {
    pub project_id: String,
    pub upload_id: String,
    pub expires: DateTime<Utc>,
    pub key: String,
    pub hashes: Option<Value>,
    pub finished: bool,
}

/// An artifact the fake queue knows.
#[derive(Clone, Debug)]
pub enum Artifact {
    S3(String),
    Reference(String),
    /// An object artifact (object name `t/<task>/<run>/<name>`).
    Object,
    Error {
        reason: String,
        message: String,
    },
}

/// One API call as the fake deployment saw it.
#[derive(Clone, Debug)]
pub struct Call {
    pub method: String,
    pub path: String,
    pub client_id: String,
    pub body: Option<Value>,
}

/// What the fake queue does with `contentLength` in `createArtifact`, as releases differ.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ContentLength {
    /// Before v96.7.0: the request schema has no such field, `createArtifact` answers 400.
    Refused,
    /// v96.7.0 to v106.0.0: stored, then `finishArtifact` answers 500 (every time: the
    /// artifact-created message it publishes does not fit that message's schema).
    #[default]
    BreaksFinish,
    /// A queue that takes it.
    Accepted,
}

#[derive(Default)]
pub struct Knobs {
    /// Whether `createUpload` takes `dataInline` when proposed (the AWS backend does).
    pub inline: bool,
    /// How long a getUrl lasts (negative: already expired).
    pub geturl_ttl_secs: i64,
    /// Replaces an object's hashes in `startDownload` answers.
    pub hashes_override: Option<Value>,
    /// The storage key of the next new object (so faults can be scripted before it exists).
    pub next_key: Option<String>,
    /// How `createArtifact` takes `contentLength` (default: as v106 does).
    pub content_length: ContentLength,
}

#[derive(Default)]
pub struct State {
    pub keys: HashMap<String, String>,
    pub objects: HashMap<String, Obj>,
    /// (task, run, name) → artifact.
    pub artifacts: HashMap<(String, u32, String), Artifact>,
    /// (task, run, name) → the `contentLength` an artifact was created with.
    pub content_lengths: HashMap<(String, u32, String), u64>,
    pub knobs: Knobs,
    pub calls: Vec<Call>,
    /// The certificates of the temporary credentials handed out (JSON), for secret scans.
    pub certificates: Vec<String>,
}

pub struct Deployment {
    pub api: Server,
    pub storage: Storage,
    pub state: Arc<Mutex<State>>,
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).expect("utf-8 path")
}

fn error(status: u16, code: &str, message: &str) -> Reply {
    Reply::Json(
        status,
        json!({"code": code, "message": message, "requestInfo": {}}),
    )
}

/// Checks the request's Hawk header against the known keys; returns the client id.
fn check_hawk(req: &Seen, port: u16, keys: &HashMap<String, String>) -> Result<String, Reply> {
    let denied = |m: &str| Err(error(401, "AuthenticationFailed", m));
    let Some(auth) = req.header("authorization") else {
        return denied("no Authorization header");
    };
    let Some(text) = auth.strip_prefix("Hawk ") else {
        return denied("not a Hawk header");
    };
    let header: hawk::Header = match text.parse() {
        Ok(h) => h,
        Err(_) => return denied("unparsable Hawk header"),
    };
    let Some(id) = header.id.clone() else {
        return denied("no id");
    };
    let Some(token) = keys.get(&id) else {
        return denied("unknown client id");
    };
    let key = hawk::Key::new(token, hawk::DigestAlgorithm::Sha256).expect("key");
    let hash = (!req.body.is_empty()).then(|| {
        let ct = req.header("content-type").unwrap_or("");
        let ct = ct.split(';').next().unwrap_or("").trim();
        hawk::PayloadHasher::hash(ct, hawk::DigestAlgorithm::Sha256, &req.body).expect("hash")
    });
    let mut builder = hawk::RequestBuilder::new(&req.method, "127.0.0.1", port, &req.target);
    if let Some(h) = &hash {
        builder = builder.hash(&h[..]);
    }
    if !builder
        .request()
        .validate_header(&header, &key, Duration::from_secs(60))
    {
        return denied("bad Hawk signature");
    }
    Ok(id)
}

impl Deployment {
    pub async fn start() -> Deployment {
        let storage = Storage::start().await;
        let state = Arc::new(Mutex::new(State::default()));
        {
            let mut s = state.lock().unwrap();
            s.keys.insert(CLIENT_ID.into(), ACCESS_TOKEN.into());
            s.knobs.inline = true;
            s.knobs.geturl_ttl_secs = 60;
        }
        let port_slot = Arc::new(Mutex::new(0u16));
        let (st, storage_base, storage_state, slot) = (
            state.clone(),
            storage.base(),
            storage.state.clone(),
            port_slot.clone(),
        );
        let storage_dir = storage.dir.clone();
        let api = Server::start(move |req| {
            let port = *slot.lock().unwrap();
            let mut s = st.lock().unwrap();
            let client_id = match check_hawk(req, port, &s.keys) {
                Ok(id) => id,
                Err(reply) => return reply,
            };
            let path = req.path().to_owned();
            let body = (!req.body.is_empty()).then(|| req.json());
            s.calls.push(Call {
                method: req.method.clone(),
                path: path.clone(),
                client_id,
                body: body.clone(),
            });
            let ctx = Ctx {
                storage_base: &storage_base,
                storage_state: &storage_state,
                storage_dir: &storage_dir,
            };
            if let Some(rest) = path.strip_prefix("/api/object/v1/") {
                object_api(&mut s, &ctx, &req.method, rest, body.unwrap_or(Value::Null))
            } else if let Some(rest) = path.strip_prefix("/api/queue/v1/") {
                queue_api(&mut s, &ctx, &req.method, rest, body.unwrap_or(Value::Null))
            } else {
                error(404, "ResourceNotFound", "no such service")
            }
        })
        .await;
        *port_slot.lock().unwrap() = api.port();
        Deployment {
            api,
            storage,
            state,
        }
    }

    pub fn config(&self) -> ClientConfig {
        ClientConfig::new(self.api.root_url())
            .with_credentials(Credentials::new(CLIENT_ID, ACCESS_TOKEN))
            .with_timeout(Duration::from_secs(20))
            .with_retry_config(RetryConfig {
                retries: 4,
                delay_factor: Duration::from_millis(2),
                randomization_factor: 0.25,
                max_delay: Duration::from_millis(20),
            })
    }

    pub fn obj(&self, name: &str) -> Obj {
        self.state.lock().unwrap().objects[name].clone()
    }

    pub fn key_of(&self, name: &str) -> String {
        self.obj(name).key
    }

    pub fn calls(&self) -> Vec<Call> {
        self.state.lock().unwrap().calls.clone()
    }

    pub fn knobs(&self, f: impl FnOnce(&mut Knobs)) {
        f(&mut self.state.lock().unwrap().knobs);
    }

    /// Registers a finished object with `data` (stored directly, as if uploaded earlier).
    pub fn seed_object(&self, name: &str, data: &[u8]) {
        let key = tc_runtime::slugid::nice();
        self.storage.put_bytes(&key, data);
        let (_, sha256, sha512) = self.storage.state.lock().unwrap().stored[&key].clone();
        self.state.lock().unwrap().objects.insert(
            name.to_owned(),
            Obj {
                project_id: PROJECT.into(),
                upload_id: tc_runtime::slugid::nice(),
                expires: Utc::now() + chrono::Duration::days(1),
                key,
                hashes: Some(json!({"sha256": sha256, "sha512": sha512})),
                finished: true,
            },
        );
    }

    pub fn add_artifact(&self, task: &str, run: u32, name: &str, artifact: Artifact) {
        self.state
            .lock()
            .unwrap()
            .artifacts
            .insert((task.into(), run, name.into()), artifact);
    }
}

struct Ctx<'a> {
    storage_base: &'a str,
    storage_state: &'a Arc<Mutex<storage::StorageState>>,
    storage_dir: &'a std::path::Path,
}

fn parse_time(v: &Value) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v.as_str()?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn object_api(s: &mut State, ctx: &Ctx<'_>, method: &str, rest: &str, body: Value) -> Reply {
    let (route, name) = rest.split_once('/').unwrap_or((rest, ""));
    let name = decode(name);
    match (method, route) {
        ("PUT", "upload") => {
            let (Some(project_id), Some(upload_id), Some(expires)) = (
                body["projectId"].as_str(),
                body["uploadId"].as_str(),
                parse_time(&body["expires"]),
            ) else {
                return error(400, "InputValidationError", "bad createUpload body");
            };
            let existing = s.objects.get(&name).cloned();
            if let Some(o) = &existing
                && (o.upload_id != upload_id
                    || o.project_id != project_id
                    || o.expires.timestamp_millis() != expires.timestamp_millis()
                    || o.finished)
            {
                return error(
                    409,
                    "RequestConflict",
                    "upload differs from the existing one",
                );
            }
            let key = existing
                .map(|o| o.key)
                .or_else(|| s.knobs.next_key.take())
                .unwrap_or_else(tc_runtime::slugid::nice);
            s.objects.insert(
                name.clone(),
                Obj {
                    project_id: project_id.into(),
                    upload_id: upload_id.into(),
                    expires,
                    key: key.clone(),
                    hashes: None,
                    finished: false,
                },
            );
            let proposed = &body["proposedUploadMethods"];
            let answer = |method: Value| {
                Reply::Json(
                    200,
                    json!({"projectId": project_id, "uploadId": upload_id,
                           "expires": body["expires"], "uploadMethod": method}),
                )
            };
            if s.knobs.inline
                && let Some(data) = proposed["dataInline"]["objectData"].as_str()
            {
                let data = base64::engine::general_purpose::STANDARD
                    .decode(data)
                    .expect("base64 objectData");
                std::fs::write(ctx.storage_dir.join(&key), &data).expect("store inline");
                let hashes = tc_runtime::objects::Hashes::of(&data);
                ctx.storage_state.lock().unwrap().stored.insert(
                    key.clone(),
                    (data.len() as u64, hashes.sha256, hashes.sha512),
                );
                return answer(json!({"dataInline": true}));
            }
            if let Some(put) = proposed.get("putUrl") {
                let headers = vec![
                    (
                        "Content-Type".to_owned(),
                        put["contentType"].as_str().unwrap_or("").to_owned(),
                    ),
                    (
                        "Content-Length".to_owned(),
                        put["contentLength"].to_string(),
                    ),
                    ("Content-Encoding".to_owned(), "identity".to_owned()),
                ];
                ctx.storage_state
                    .lock()
                    .unwrap()
                    .put_headers
                    .insert(key.clone(), headers.clone());
                let headers: serde_json::Map<String, Value> = headers
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect();
                return answer(json!({"putUrl": {
                    "url": format!("{}/put/{key}?X-Amz-Signature=SECRET-PUT-SIGNATURE", ctx.storage_base),
                    "expires": (Utc::now() + chrono::Duration::minutes(45)).to_rfc3339(),
                    "headers": headers,
                }}));
            }
            answer(json!({}))
        }
        ("POST", "finish-upload") => {
            let Some(o) = s.objects.get_mut(&name) else {
                return error(404, "ResourceNotFound", "no such upload");
            };
            if body["uploadId"].as_str() != Some(o.upload_id.as_str())
                || body["projectId"].as_str() != Some(o.project_id.as_str())
            {
                return error(409, "RequestConflict", "uploadId or projectId differ");
            }
            let stored = ctx
                .storage_state
                .lock()
                .unwrap()
                .stored
                .get(&o.key)
                .cloned();
            let Some((_, sha256, sha512)) = stored else {
                return error(400, "InputError", "no data was uploaded");
            };
            if body["hashes"]["sha256"].as_str() != Some(sha256.as_str())
                || body["hashes"]["sha512"].as_str() != Some(sha512.as_str())
            {
                return error(400, "InputError", "hashes do not match the uploaded data");
            }
            o.hashes = Some(body["hashes"].clone());
            o.finished = true;
            Reply::Raw(204, vec![], vec![])
        }
        ("PUT", "start-download") => {
            if body["acceptDownloadMethods"]["getUrl"] != json!(true) {
                return error(406, "NoMatchingMethod", "only getUrl is supported");
            }
            let Some(o) = s.objects.get(&name).filter(|o| o.finished) else {
                return error(404, "ResourceNotFound", "no such object");
            };
            let hashes = s
                .knobs
                .hashes_override
                .clone()
                .or(o.hashes.clone())
                .unwrap_or(json!({}));
            let expires = Utc::now() + chrono::Duration::seconds(s.knobs.geturl_ttl_secs);
            Reply::Json(
                200,
                json!({
                    "method": "getUrl",
                    "url": format!("{}/get/{}?X-Amz-Signature=SECRET-GET-SIGNATURE", ctx.storage_base, o.key),
                    "expires": expires.to_rfc3339(),
                    "hashes": hashes,
                }),
            )
        }
        _ => error(404, "ResourceNotFound", "no such object method"),
    }
}

fn temporary(s: &mut State, name: &str, scope: String) -> Value {
    let issuer = Credentials::new(CLIENT_ID, ACCESS_TOKEN);
    let now = SystemTime::now();
    let temp = issuer
        .create_temporary(
            Some(name),
            &[scope],
            now - Duration::from_secs(60),
            now + Duration::from_secs(3600),
        )
        .expect("temporary credentials");
    s.keys
        .insert(temp.client_id.clone(), temp.access_token.clone());
    let certificate = temp.certificate.expect("a certificate").to_json();
    s.certificates.push(certificate.clone());
    json!({
        "clientId": temp.client_id,
        "accessToken": temp.access_token,
        "certificate": certificate,
    })
}

fn queue_api(s: &mut State, ctx: &Ctx<'_>, method: &str, rest: &str, body: Value) -> Reply {
    let parts: Vec<&str> = rest.split('/').collect();
    let (task, run, kind, name) = match parts.as_slice() {
        ["task", t, "runs", r, kind, name] => {
            (t.to_string(), r.parse::<u32>().ok(), *kind, decode(name))
        }
        ["task", t, kind, name] => (t.to_string(), None, *kind, decode(name)),
        _ => return error(404, "ResourceNotFound", "no such queue route"),
    };
    let run = match run {
        Some(r) => r,
        None => match s
            .artifacts
            .keys()
            .filter(|(t, _, _)| *t == task)
            .map(|(_, r, _)| *r)
            .max()
        {
            Some(r) => r,
            None => return error(404, "ResourceNotFound", "no runs"),
        },
    };
    let object_name = format!("t/{task}/{run}/{name}");
    match (method, kind) {
        ("GET", "artifact-content") => {
            let Some(a) = s.artifacts.get(&(task.clone(), run, name.clone())).cloned() else {
                return error(404, "ResourceNotFound", "Artifact not found");
            };
            match a {
                Artifact::S3(url) => Reply::Json(200, json!({"storageType": "s3", "url": url})),
                Artifact::Reference(url) => {
                    Reply::Json(200, json!({"storageType": "reference", "url": url}))
                }
                Artifact::Object => {
                    let creds = temporary(
                        s,
                        &format!("artifact-download/{task}/{run}/{name}"),
                        format!("object:download:{object_name}"),
                    );
                    Reply::Json(
                        200,
                        json!({"storageType": "object", "name": object_name, "credentials": creds}),
                    )
                }
                Artifact::Error { reason, message } => Reply::Json(
                    200,
                    json!({"storageType": "error", "reason": reason, "message": message}),
                ),
            }
        }
        ("GET", "artifacts") => {
            // getArtifact and getLatestArtifact: a redirect to the data, or for an error
            // artifact its reason and message with 424, as v106's `replyWithArtifactDownload`.
            let Some(a) = s.artifacts.get(&(task.clone(), run, name.clone())).cloned() else {
                return error(404, "ResourceNotFound", "Artifact not found");
            };
            let (storage_type, url) = match a {
                Artifact::Error { reason, message } => {
                    return Reply::Raw(
                        424,
                        vec![
                            ("content-type".into(), "application/json".into()),
                            ("x-taskcluster-artifact-storage-type".into(), "error".into()),
                        ],
                        json!({"reason": reason, "message": message})
                            .to_string()
                            .into_bytes(),
                    );
                }
                Artifact::S3(url) => ("s3", url),
                Artifact::Reference(url) => ("reference", url),
                Artifact::Object => match s.objects.get(&object_name) {
                    Some(o) => (
                        "object",
                        format!(
                            "{}/get/{}?X-Amz-Signature=SECRET-GET-SIGNATURE",
                            ctx.storage_base, o.key
                        ),
                    ),
                    None => return error(404, "ResourceNotFound", "Object does not exist."),
                },
            };
            Reply::Raw(
                303,
                vec![
                    ("content-type".into(), "application/json".into()),
                    ("location".into(), url.clone()),
                    (
                        "x-taskcluster-artifact-storage-type".into(),
                        storage_type.into(),
                    ),
                ],
                json!({"storageType": storage_type, "url": url})
                    .to_string()
                    .into_bytes(),
            )
        }
        ("POST", "artifacts") => {
            if body["storageType"] != json!("object") {
                return error(400, "InputError", "only object artifacts here");
            }
            let content_length = body.get("contentLength").and_then(Value::as_u64);
            if content_length.is_some() && s.knobs.content_length == ContentLength::Refused {
                return error(
                    400,
                    "InputValidationError",
                    "Schema Validation Failed!\nRejecting Schema: \
                     https://tc.example.com/schemas/queue/v1/post-artifact-request.json#\n\
                     Errors:\n  * data must NOT have additional properties",
                );
            }
            let Some(expires) = parse_time(&body["expires"]) else {
                return error(400, "InputValidationError", "bad expires");
            };
            let upload_id = tc_runtime::slugid::nice();
            // The queue locks the upload in with the object service.
            s.objects.insert(
                object_name.clone(),
                Obj {
                    project_id: PROJECT.into(),
                    upload_id: upload_id.clone(),
                    expires,
                    key: tc_runtime::slugid::nice(),
                    hashes: None,
                    finished: false,
                },
            );
            s.artifacts
                .insert((task.clone(), run, name.clone()), Artifact::Object);
            if let Some(length) = content_length {
                s.content_lengths
                    .insert((task.clone(), run, name.clone()), length);
            }
            let creds = temporary(
                s,
                &format!("artifact-upload/{task}/{run}/on/wg/wid"),
                format!("object:upload:{PROJECT}:{object_name}"),
            );
            Reply::Json(
                200,
                json!({"storageType": "object", "name": object_name, "projectId": PROJECT,
                       "uploadId": upload_id, "expires": expires.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                       "credentials": creds}),
            )
        }
        ("PUT", "artifacts") => {
            let Some(o) = s.objects.get(&object_name) else {
                return error(
                    400,
                    "InputError",
                    "Object storing artifact data does not exist",
                );
            };
            if body["uploadId"].as_str() != Some(o.upload_id.as_str()) {
                return error(400, "InputError", "given uploadId does not match");
            }
            if !o.finished {
                return error(
                    400,
                    "InputError",
                    "Object storing artifact data does not exist",
                );
            }
            let with_length = s.content_lengths.contains_key(&(task, run, name));
            if with_length && s.knobs.content_length == ContentLength::BreaksFinish {
                return error(
                    500,
                    "InternalServerError",
                    "Internal Server Error, incidentId 8e0b0d6e-0d5c-4b8c-9f0a-3c1f5e2a7d41.",
                );
            }
            Reply::Raw(204, vec![], vec![])
        }
        _ => error(404, "ResourceNotFound", "no such queue method"),
    }
}

/// Deterministic pseudo-random bytes.
pub fn data(len: usize, seed: u8) -> Vec<u8> {
    let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ u64::from(seed);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// A fresh empty directory under the system temp dir.
pub fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "tc-objects-{tag}-{}-{}",
        std::process::id(),
        tc_runtime::slugid::nice()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
