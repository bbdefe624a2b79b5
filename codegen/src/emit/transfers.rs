//! Stage 5a: the object and artifact transfers of `tc_runtime::objects` as methods of the
//! clients they need (`object.download_to_file(..)`, `queue.upload_artifact_from_file(..)`);
//! the pipeline hands them to the client emitter.
//!
//! The transfers are hand-written in the runtime (a multi-call protocol with hashing and
//! retries is not a template); this stage only gives each one a method on its client, so a
//! user needs no second crate and no raw `Client`. A group of methods is emitted when the
//! service has every API method the transfer calls, by reference name, so a release without
//! them (v24 has no object service and no `finishArtifact`) gets none. A generated API method
//! of the same name wins: the group that has it is left out (none does in the shared releases).

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::model::Service;
use crate::types::paths::{Item, Paths};

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

const GROUPS: &[Group] = &[
    Group {
        service: "object",
        needs: &["createUpload", "finishUpload"],
        methods: object_uploads,
    },
    Group {
        service: "object",
        needs: &["startDownload"],
        methods: object_downloads,
    },
    Group {
        service: "queue",
        needs: &["artifact", "latestArtifact"],
        methods: artifact_downloads,
    },
    Group {
        service: "queue",
        needs: &["createArtifact", "finishArtifact"],
        methods: artifact_uploads,
    },
];

/// The transfer methods `service` gets, for its client's `impl` block.
pub fn emit_transfers(paths: &Paths, service: &Service) -> TokenStream {
    let has = |name: &str| service.methods.iter().any(|m| m.name == name);
    let taken = |name: &str| service.methods.iter().any(|m| m.function == name);
    // Names are looked at through a scratch copy, so a group left out imports nothing.
    let scratch = paths.scratch();
    let methods = GROUPS
        .iter()
        .filter(|g| g.service == service.name && g.needs.iter().all(|n| has(n)))
        .filter(|g| (g.methods)(&scratch).iter().all(|t| !taken(t.name)))
        .flat_map(|g| (g.methods)(paths))
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
                    #objects::#function(&self.client, #args).await
                }
            }
        });
    quote!(#(#methods)*)
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
