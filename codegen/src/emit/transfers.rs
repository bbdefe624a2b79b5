//! Stage 5a: the object and artifact transfers of `tc_runtime::objects` as methods of the
//! clients they need (`object.download_to_file(..)`, `queue.upload_artifact_from_file(..)`),
//! in a module of the service of their own, `transfers.rs`, compiled with the crate's
//! `transfers` feature (so that a build without it compiles no transfer engine).
//!
//! The transfers are hand-written in the runtime (a multi-call protocol with hashing and
//! retries is not a template), over two seams, `ObjectService` and `ArtifactService`: this
//! stage implements them on the `Object` and `Queue` clients with their generated methods and
//! types (so the transfers make the API calls the references describe, and a reference change
//! reaches them), and gives each transfer a method on its client, so a user needs no second
//! crate and no raw `Client`. A group is emitted when the service has every API method the
//! transfers call, by reference name, so a release without them (v24 has no object service
//! and no `finishArtifact`) gets none; artifact transfers also need the object service (and
//! its feature). A generated API method of the same name wins: the group that has it is left
//! out (none does in the shared releases).

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::model::Service;
use crate::types::paths::{Item, Paths};
use crate::types::typedefs::{Kind, Presence, TypeDef, UNKNOWN_FIELDS};

/// One group of transfer methods: which service, which API methods they need.
struct Group {
    service: &'static str,
    needs: &'static [&'static str],
    methods: fn(&Paths) -> Vec<Transfer>,
}

/// One method: its name, its doc, and its parameters after `&self`.
struct Transfer {
    name: &'static str,
    doc: &'static str,
    generics: TokenStream,
    params: TokenStream,
    args: TokenStream,
    output: TokenStream,
}

/// The object service's calls that `ObjectService` makes.
const OBJECT_CALLS: &[&str] = &["createUpload", "finishUpload", "startDownload"];
/// The queue's calls that `ArtifactService` makes.
const ARTIFACT_CALLS: &[&str] = &[
    "artifact",
    "latestArtifact",
    "createArtifact",
    "finishArtifact",
];

const GROUPS: &[Group] = &[
    Group {
        service: "object",
        needs: OBJECT_CALLS,
        methods: object_uploads,
    },
    Group {
        service: "object",
        needs: OBJECT_CALLS,
        methods: object_downloads,
    },
    Group {
        service: "queue",
        needs: ARTIFACT_CALLS,
        methods: artifact_downloads,
    },
    Group {
        service: "queue",
        needs: ARTIFACT_CALLS,
        methods: artifact_uploads,
    },
];

/// A service's `transfers.rs`: the module's items and the `#[cfg]` its `mod` item carries.
pub struct TransfersModule {
    /// `#[cfg(feature = "transfers")]`, and the object service's feature for the queue.
    pub gate: TokenStream,
    pub items: TokenStream,
}

/// The transfer methods `service` gets, in an `impl` block of its client, and the seam the
/// transfers call it through, as a module of their own compiled with the `transfers` feature:
/// `None` when the service gets none. `object_service` says whether the crate has the object
/// service (artifact transfers need it).
pub fn emit_transfers(
    service: &Service,
    defs: &[TypeDef],
    object_service: bool,
) -> Option<TransfersModule> {
    let has = |name: &str| service.methods.iter().any(|m| m.name == name);
    if service.name == "queue" && !object_service {
        return None;
    }
    let taken = |name: &str| service.methods.iter().any(|m| m.function == name);
    let paths = Paths::new([service.client.clone()]);
    // Names are looked at through a scratch copy, so a group left out imports nothing.
    let scratch = paths.scratch();
    let groups: Vec<&Group> = GROUPS
        .iter()
        .filter(|g| g.service == service.name && g.needs.iter().all(|n| has(n)))
        .filter(|g| (g.methods)(&scratch).iter().all(|t| !taken(t.name)))
        .collect();
    if groups.is_empty() {
        return None;
    }
    // Artifact transfers reach the object service's client, compiled with its feature.
    let gate = match service.name.as_str() {
        "queue" => quote!(#[cfg(all(feature = "transfers", feature = "object"))]),
        _ => quote!(#[cfg(feature = "transfers")]),
    };
    let seam = match service.name.as_str() {
        "object" => object_seam(&paths, &service.client, defs),
        _ => artifact_seam(&paths, &service.client, defs),
    };
    let methods: Vec<TokenStream> = groups
        .iter()
        .flat_map(|g| (g.methods)(&paths))
        .map(|t| {
            let Transfer {
                name,
                doc,
                generics,
                params,
                args,
                output,
            } = t;
            let function = Ident::new(name, Span::call_site());
            let objects = paths.get(Item::Objects);
            let result = paths.get(Item::RuntimeResult);
            let doc = format!(
                "{doc}\n\nSee [`objects::{name}`] for the details: hashes, retries, progress."
            );
            quote! {
                #[doc = #doc]
                pub async fn #function #generics (&self, #params) -> #result<#output> {
                    #objects::#function(self, #args).await
                }
            }
        })
        .collect();
    let client = Ident::new(&service.client, Span::call_site());
    let imports = paths.imports();
    let items = quote! {
        #imports

        use super::{types, #client};

        impl #client {
            #(#methods)*
        }

        #seam
    };
    Some(TransfersModule { gate, items })
}

/// `ObjectService` for the object service's client: `createUpload`, `finishUpload` and
/// `startDownload` with their generated types.
fn object_seam(paths: &Paths, client: &str, defs: &[TypeDef]) -> TokenStream {
    let client = Ident::new(client, Span::call_site());
    let o = paths.get(Item::Objects);
    let result = paths.get(Item::RuntimeResult);
    let config = paths.get(Item::ClientConfig);
    let string = paths.get(Item::String);
    let literal =
        |name: &str, values: &[(&str, TokenStream)]| struct_literal(paths, defs, name, values);
    let put_url = literal(
        "PutUrlUploadRequest",
        &[
            ("content_type", quote!(proposal.content_type.clone())),
            (
                "content_length",
                quote!(i64::try_from(proposal.content_length).unwrap_or(i64::MAX)),
            ),
        ],
    );
    let data_inline = literal(
        "DataInlineUploadRequest",
        &[
            ("content_type", quote!(proposal.content_type.clone())),
            ("object_data", quote!(data.clone())),
        ],
    );
    let create_upload = literal(
        "CreateUploadRequest",
        &[
            ("project_id", quote!(proposal.project_id.clone())),
            ("upload_id", quote!(proposal.upload_id.clone())),
            ("expires", quote!(proposal.expires)),
            ("proposed_upload_methods", quote!(methods)),
        ],
    );
    let content = literal(
        "ObjectContentHashes",
        &[
            ("sha256", quote!(hashes.sha256.clone())),
            ("sha512", quote!(hashes.sha512.clone())),
        ],
    );
    let finish_upload = literal(
        "FinishUploadRequest",
        &[
            ("project_id", quote!(proposal.project_id.clone())),
            ("upload_id", quote!(proposal.upload_id.clone())),
            ("hashes", content),
        ],
    );
    quote! {
        /// The object service's calls the transfers make, with this client's methods.
        impl #o::ObjectService for #client {
            fn client_config(&self) -> &#config {
                self.client.config()
            }

            fn propose_upload<'a>(
                &'a self,
                name: &'a str,
                proposal: &'a #o::UploadProposal,
            ) -> #o::BoxFuture<'a, #result<#o::UploadAgreement>> {
                Box::pin(async move {
                    let mut methods = types::ProposedUploadMethods::new();
                    methods.put_url = Some(#put_url);
                    if let Some(data) = &proposal.data_inline_base64 {
                        methods.data_inline = Some(#data_inline);
                    }
                    let request = #create_upload;
                    let chosen = self.create_upload(name, &request).await?.upload_method;
                    Ok(match (chosen.data_inline, chosen.put_url) {
                        (Some(true), _) => #o::UploadAgreement::DataInline,
                        (_, Some(put)) => #o::UploadAgreement::PutUrl {
                            url: put.url,
                            headers: put.headers,
                            expires: Some(put.expires),
                        },
                        _ => #o::UploadAgreement::None,
                    })
                })
            }

            fn complete_upload<'a>(
                &'a self,
                name: &'a str,
                proposal: &'a #o::UploadProposal,
                hashes: &'a #o::Hashes,
            ) -> #o::BoxFuture<'a, #result<()>> {
                Box::pin(async move {
                    let mut content = types::ObjectContentHashes::new();
                    content.sha256 = Some(hashes.sha256.clone());
                    content.sha512 = Some(hashes.sha512.clone());
                    let request = #finish_upload;
                    self.finish_upload(name, &request).await
                })
            }

            fn get_url<'a>(&'a self, name: &'a str) -> #o::BoxFuture<'a, #result<#o::GetUrl>> {
                Box::pin(async move {
                    let mut accept = types::SupportedDownloadMethods::new();
                    accept.get_url = Some(true);
                    let request = types::DownloadObjectRequest::new(accept);
                    match self.start_download(name, &request).await? {
                        types::DownloadObjectResponse::GetUrl(answer) => {
                            // Every hash the service gave, the ones this release names and any
                            // a newer one adds: the download checks what it can.
                            let mut hashes = answer.hashes.unknown_fields;
                            for (algorithm, value) in
                                [("sha256", answer.hashes.sha256), ("sha512", answer.hashes.sha512)]
                            {
                                if let Some(value) = value {
                                    hashes.insert(#string::from(algorithm), value.into());
                                }
                            }
                            Ok(#o::GetUrl::new(
                                answer.url,
                                Some(answer.expires),
                                hashes.into_iter().collect(),
                            ))
                        }
                        other => Err(crate::Error::new(
                            crate::ErrorKind::Schema,
                            format!("startDownload answered {other:?}, not the getUrl method"),
                        )),
                    }
                })
            }
        }
    }
}

/// `ArtifactService` for the queue's client: `artifact`, `latestArtifact`, `createArtifact`
/// and `finishArtifact` with their generated types, and the object service's client.
fn artifact_seam(paths: &Paths, client: &str, defs: &[TypeDef]) -> TokenStream {
    let client = Ident::new(client, Span::call_site());
    let o = paths.get(Item::Objects);
    let result = paths.get(Item::RuntimeResult);
    let config = paths.get(Item::ClientConfig);
    // `contentLength` is in the request's schema from v96 on; before, it can only be sent as
    // a member the schema does not name (the queue refuses it then, which the docs say).
    let has_content_length = defs.iter().any(|d| {
        d.name == "ObjectArtifactRequest"
            && matches!(&d.kind, Kind::Struct(s) if s.fields.iter().any(|f| f.json == "contentLength"))
    });
    let content_length = if has_content_length {
        quote! {
            if let Some(length) = content_length {
                request = request.with_content_length(length);
            }
        }
    } else {
        quote! {
            if let Some(length) = content_length {
                request.unknown_fields.insert("contentLength".into(), length.into());
            }
        }
    };
    quote! {
        /// The queue's calls the artifact transfers make, with this client's methods.
        impl #o::ArtifactService for #client {
            type Objects = crate::object::Object;

            fn client_config(&self) -> &#config {
                self.client.config()
            }

            fn locate_artifact<'a>(
                &'a self,
                task_id: &'a str,
                run_id: Option<u32>,
                name: &'a str,
            ) -> #o::BoxFuture<'a, #result<#o::ArtifactLocation>> {
                Box::pin(async move {
                    let content = match run_id {
                        Some(run) => self.artifact(task_id, &run.to_string(), name).await?,
                        None => self.latest_artifact(task_id, name).await?,
                    };
                    Ok(match content {
                        types::GetArtifactContentResponse::S3(a) => #o::ArtifactLocation::Url(a.url),
                        types::GetArtifactContentResponse::Reference(a) => {
                            #o::ArtifactLocation::Url(a.url)
                        }
                        types::GetArtifactContentResponse::Object(a) => #o::ArtifactLocation::Object {
                            name: a.name,
                            credentials: object_credentials(a.credentials)?,
                        },
                        types::GetArtifactContentResponse::Error(a) => #o::ArtifactLocation::Error {
                            reason: a.reason,
                            message: a.message,
                        },
                        types::GetArtifactContentResponse::Unknown(value) => {
                            #o::ArtifactLocation::Unsupported(value["storageType"].to_string())
                        }
                    })
                })
            }

            fn create_object_artifact<'a>(
                &'a self,
                artifact: &'a #o::ArtifactUpload,
                content_length: Option<u64>,
            ) -> #o::BoxFuture<'a, #result<#o::ObjectArtifact>> {
                Box::pin(async move {
                    let mut request =
                        types::ObjectArtifactRequest::new(artifact.expires(), artifact.content_type());
                    #content_length
                    let created = self
                        .create_artifact(
                            artifact.task_id(),
                            &artifact.run_id().to_string(),
                            artifact.name(),
                            &types::PostArtifactRequest::Object(request),
                        )
                        .await?;
                    match created {
                        types::PostArtifactResponse::Object(a) => Ok(#o::ObjectArtifact::new(
                            a.name,
                            a.project_id,
                            a.upload_id,
                            a.expires,
                            object_credentials(a.credentials)?,
                        )),
                        other => Err(crate::Error::new(
                            crate::ErrorKind::Schema,
                            format!("createArtifact answered {other:?}, not an object artifact"),
                        )),
                    }
                })
            }

            fn complete_artifact<'a>(
                &'a self,
                artifact: &'a #o::ArtifactUpload,
                upload_id: &'a str,
            ) -> #o::BoxFuture<'a, #result<()>> {
                Box::pin(async move {
                    self.finish_artifact(
                        artifact.task_id(),
                        &artifact.run_id().to_string(),
                        artifact.name(),
                        &types::FinishArtifactRequest::new(upload_id),
                    )
                    .await
                })
            }

            fn objects_with(&self, credentials: crate::Credentials) -> crate::object::Object {
                let config = self
                    .client
                    .config()
                    .clone()
                    .with_proxy_url("")
                    .with_credentials(credentials);
                crate::object::Object::new(&config)
            }
        }

        /// The temporary credentials the queue hands out for the object service.
        fn object_credentials(c: types::ObjectServiceCredentials) -> #result<crate::Credentials> {
            let credentials = crate::Credentials::new(c.client_id, c.access_token);
            if c.certificate.is_empty() {
                return Ok(credentials);
            }
            Ok(credentials.with_certificate(crate::runtime::Certificate::from_json(&c.certificate)?))
        }
    }
}

fn object_uploads(paths: &Paths) -> Vec<Transfer> {
    let o = paths.get(Item::Objects);
    let path = paths.get(Item::Path);
    vec![
        Transfer {
            name: "upload_from_bytes",
            doc: "Uploads `data` as `upload` describes (`createUpload`, the data inline or \
                  to `putUrl`, `finishUpload` with its SHA-256 and SHA-512).",
            generics: quote!(),
            params: quote!(upload: &#o::Upload, data: impl Into<#o::Bytes>),
            args: quote!(upload, data),
            output: quote!(#o::Uploaded),
        },
        Transfer {
            name: "upload_from_file",
            doc: "Uploads the file at `path` as `upload` describes, streaming it.",
            generics: quote!(),
            params: quote!(upload: &#o::Upload, path: impl AsRef<#path>),
            args: quote!(upload, path),
            output: quote!(#o::Uploaded),
        },
        Transfer {
            name: "upload_from_reader",
            doc: "Uploads `length` bytes of `reader` as `upload` describes; a retry seeks it \
                  back to where it was.",
            generics: quote!(<R>),
            params: quote!(upload: &#o::Upload, reader: R, length: u64),
            args: quote!(upload, reader, length),
            output: quote!(#o::Uploaded),
        },
    ]
    .into_iter()
    .map(|t| with_reader_bound(t, &o))
    .collect()
}

fn object_downloads(paths: &Paths) -> Vec<Transfer> {
    let o = paths.get(Item::Objects);
    let path = paths.get(Item::Path);
    let vec = paths.get(Item::Vec);
    let options = quote!(options: &#o::DownloadOptions);
    vec![
        Transfer {
            name: "download_to_file",
            doc: "Downloads object `name` to `path`, verifying its hashes; the file appears \
                  only once complete and verified.",
            generics: quote!(),
            params: quote!(name: &str, path: impl AsRef<#path>, #options),
            args: quote!(name, path, options),
            output: quote!(#o::Downloaded),
        },
        Transfer {
            name: "download_to_vec",
            doc: "Downloads object `name` into memory, verifying its hashes.",
            generics: quote!(),
            params: quote!(name: &str, #options),
            args: quote!(name, options),
            output: quote!((#vec<u8>, #o::Downloaded)),
        },
        Transfer {
            name: "download_to_writer",
            doc: "Downloads object `name` into `writer`, verifying its hashes once all is \
                  written: on an error, `writer` may hold partial data.",
            generics: quote!(<W>),
            params: quote!(name: &str, writer: &mut W, #options),
            args: quote!(name, writer, options),
            output: quote!(#o::Downloaded),
        },
    ]
    .into_iter()
    .map(|t| with_writer_bound(t, &o))
    .collect()
}

fn artifact_downloads(paths: &Paths) -> Vec<Transfer> {
    let o = paths.get(Item::Objects);
    let path = paths.get(Item::Path);
    let vec = paths.get(Item::Vec);
    let option = paths.get(Item::Option);
    let which = quote!(task_id: &str, run_id: #option<u32>, name: &str);
    let options = quote!(options: &#o::DownloadOptions);
    vec![
        Transfer {
            name: "download_artifact_to_file",
            doc: "Downloads artifact `name` of task `task_id`, run `run_id` (`None` for the \
                  latest run), to `path`, whatever its storage type: `s3` and `reference` \
                  from their URL, `object` through the object service (hashes verified), \
                  `error` as an error carrying its reason and message.",
            generics: quote!(),
            params: quote!(#which, path: impl AsRef<#path>, #options),
            args: quote!(task_id, run_id, name, path, options),
            output: quote!(#o::Downloaded),
        },
        Transfer {
            name: "download_artifact_to_vec",
            doc: "Downloads an artifact into memory; see [`Self::download_artifact_to_file`].",
            generics: quote!(),
            params: quote!(#which, #options),
            args: quote!(task_id, run_id, name, options),
            output: quote!((#vec<u8>, #o::Downloaded)),
        },
        Transfer {
            name: "download_artifact_to_writer",
            doc: "Downloads an artifact into `writer`; see \
                  [`Self::download_artifact_to_file`]. On an error, `writer` may hold partial \
                  data.",
            generics: quote!(<W>),
            params: quote!(#which, writer: &mut W, #options),
            args: quote!(task_id, run_id, name, writer, options),
            output: quote!(#o::Downloaded),
        },
    ]
    .into_iter()
    .map(|t| with_writer_bound(t, &o))
    .collect()
}

fn artifact_uploads(paths: &Paths) -> Vec<Transfer> {
    let o = paths.get(Item::Objects);
    let path = paths.get(Item::Path);
    vec![
        Transfer {
            name: "upload_artifact_from_bytes",
            doc: "Uploads `data` as an `object` artifact in one call: `createArtifact`, the \
                  object upload with the temporary credentials the queue returns, \
                  `finishArtifact`.",
            generics: quote!(),
            params: quote!(artifact: &#o::ArtifactUpload, data: impl Into<#o::Bytes>),
            args: quote!(artifact, data),
            output: quote!(#o::Uploaded),
        },
        Transfer {
            name: "upload_artifact_from_file",
            doc: "Uploads the file at `path` as an `object` artifact; see \
                  [`Self::upload_artifact_from_bytes`].",
            generics: quote!(),
            params: quote!(artifact: &#o::ArtifactUpload, path: impl AsRef<#path>),
            args: quote!(artifact, path),
            output: quote!(#o::Uploaded),
        },
        Transfer {
            name: "upload_artifact_from_reader",
            doc: "Uploads `length` bytes of `reader` as an `object` artifact; see \
                  [`Self::upload_artifact_from_bytes`].",
            generics: quote!(<R>),
            params: quote!(artifact: &#o::ArtifactUpload, reader: R, length: u64),
            args: quote!(artifact, reader, length),
            output: quote!(#o::Uploaded),
        },
    ]
    .into_iter()
    .map(|t| with_reader_bound(t, &o))
    .collect()
}

/// Spells out the bounds of a `<R>` reader parameter.
fn with_reader_bound(mut t: Transfer, o: &TokenStream) -> Transfer {
    if !t.generics.is_empty() {
        t.generics = quote!(<R: #o::AsyncRead + #o::AsyncSeek + Send + Unpin + 'static>);
    }
    t
}

/// Spells out the bounds of a `<W>` writer parameter.
fn with_writer_bound(mut t: Transfer, o: &TokenStream) -> Transfer {
    if !t.generics.is_empty() {
        t.generics = quote!(<W: #o::AsyncWrite + Send + Unpin>);
    }
    t
}

/// `types::<name> { … }`: the fields in `values` (by Rust name, each the value's own type,
/// wrapped in `Some` here where the field is an `Option`), the constants the schema requires, and
/// every other field unset. The glue builds its requests so, by name, whatever a release's
/// schema requires and in whichever order, and whether the type has `new` or a builder; a field
/// the schema requires and the glue does not give fails to compile, in the releases test.
fn struct_literal(
    paths: &Paths,
    defs: &[TypeDef],
    name: &str,
    values: &[(&str, TokenStream)],
) -> TokenStream {
    let ty = Ident::new(name, Span::call_site());
    let map = paths.get(Item::Map);
    let unknown = crate::idents::ident(UNKNOWN_FIELDS);
    let Some(Kind::Struct(s)) = defs.iter().find(|d| d.name == name).map(|d| &d.kind) else {
        return quote!(types::#ty);
    };
    let fields = s.fields.iter().enumerate().filter_map(|(i, f)| {
        let field = crate::idents::ident(&f.ident);
        let given = values.iter().find(|(n, _)| *n == f.ident).map(|(_, v)| v);
        let value = match (given, f.presence) {
            (Some(value), Presence::Required) => quote!(#value),
            (Some(value), Presence::OptionalNullable) => quote!(Some(Some(#value))),
            (Some(value), _) => quote!(Some(#value)),
            (None, presence) => match s.constant_value(i) {
                Some(constant) => constant,
                None if presence == Presence::Required => return None,
                None => quote!(None),
            },
        };
        Some(quote!(#field: #value))
    });
    quote! {
        types::#ty {
            #(#fields,)*
            #unknown: #map::new(),
        }
    }
}
