//! Stage 5, for Rucio: the downloads and uploads of `rucio_runtime::transfer` on the crate's
//! `Rucio` (`rucio.download(&did, dir)`, `rucio.upload(path, rse, scope)`), in `src/transfer.rs`.
//!
//! The transfers are hand-written in the runtime over one seam, `ReplicaService`; this stage
//! implements it on `Rucio` with the generated methods and types of the groups that have them
//! (`list_replicas`, `add_replicas`, `set_tombstone`; `get_rse`, `lfns2pfns`; `add_did`,
//! `attach_dids`), so the transfers make the calls the OpenAPI description describes and a
//! change of it reaches them. Each call is found by its function name in whichever group has
//! it, and the element types of its request's lists by the request's fields; a description
//! without one of them gets no transfers (the emitter returns `None`).

use proc_macro2::TokenStream;
use quote::quote;

use crate::idents::ident;
use crate::model::{Method, Service};
use crate::types::typedefs::{Kind, Ty, TypeDef};

/// The docs of `src/transfer.rs`.
pub const MODULE_DOC: &str = "Downloads and uploads of data, as `rucio download` and `rucio upload` do them: \
[`Rucio::download`] and [`Rucio::upload`] start a [`Download`](crate::transfer::Download) or an [`Upload`](crate::transfer::Upload) (see \
[`runtime::transfer`](crate::runtime::transfer) for protocols, checksums, retries and errors), \
and [`ReplicaService`](crate::runtime::transfer::ReplicaService) is implemented for [`Rucio`] with this crate's calls.";

/// The calls the seam makes.
const CALLS: [&str; 7] = [
    "list_replicas",
    "add_replicas",
    "set_tombstone",
    "get_rse",
    "lfns2pfns",
    "add_did",
    "attach_dids",
];

/// Names the transfers add to `Rucio`, which no group's accessor may take.
const METHODS: &[&str] = &["download", "download_dids", "upload"];

/// A call and where it is.
struct Found<'a> {
    service: &'a Service,
    defs: &'a [TypeDef],
    method: &'a Method,
}

impl Found<'_> {
    /// The group's accessor on `Rucio` (its module's name).
    fn group(&self) -> TokenStream {
        let module = ident(&self.service.module);
        quote!(#module)
    }

    /// `crate::<module>::types::<name>`.
    fn ty(&self, name: &str) -> TokenStream {
        let module = ident(&self.service.module);
        let name = ident(name);
        quote!(crate::#module::types::#name)
    }

    /// The name of the request body's type.
    fn input(&self) -> Option<String> {
        self.method
            .input
            .map(|id| self.service.type_name(id).to_owned())
    }

    /// The element type of the list field `json` of the request body.
    fn input_item(&self, json: &str) -> Option<TokenStream> {
        let input = self.input()?;
        let def = self.defs.iter().find(|d| d.name == input)?;
        let Kind::Struct(s) = &def.kind else {
            return None;
        };
        let field = s.fields.iter().find(|f| f.json == json)?;
        match &field.ty {
            Ty::Vec(item) => match item.as_ref() {
                Ty::Named(name) => Some(self.ty(name)),
                _ => None,
            },
            _ => None,
        }
    }
}

fn find<'a>(services: &[(&'a Service, &'a [TypeDef])], function: &str) -> Option<Found<'a>> {
    services.iter().find_map(|(service, defs)| {
        let method = service.methods.iter().find(|m| m.function == function)?;
        Some(Found {
            service,
            defs,
            method,
        })
    })
}

/// `src/transfer.rs`: `ReplicaService` for `Rucio`, its `download` and `upload` methods, and
/// the runtime's transfer types; `None` when a call the seam needs is missing.
pub fn emit_rucio_transfers(services: &[(&Service, &[TypeDef])]) -> Option<TokenStream> {
    if services
        .iter()
        .any(|(s, _)| METHODS.contains(&s.module.as_str()))
    {
        return None;
    }
    let [list, add, tombstone, get_rse, lfns2pfns, add_did, attach] =
        CALLS.map(|c| find(services, c));
    let (list, add, tombstone, get_rse, lfns2pfns, add_did, attach) = (
        list?, add?, tombstone?, get_rse?, lfns2pfns?, add_did?, attach?,
    );
    let (list_group, list_request) = (list.group(), list.ty(&list.input()?));
    let list_did = list.input_item("dids")?;
    let (add_group, add_request) = (add.group(), add.ty(&add.input()?));
    let add_file = add.input_item("files")?;
    let (tombstone_group, tombstone_request) =
        (tombstone.group(), tombstone.ty(&tombstone.input()?));
    let tombstone_replica = tombstone.input_item("replicas")?;
    let rse_group = get_rse.group();
    let (lfns_group, lfns_query) = (lfns2pfns.group(), {
        let module = ident(&lfns2pfns.service.module);
        let query = ident(&lfns2pfns.method.query_struct());
        quote!(crate::#module::#query)
    });
    let (did_group, did_request) = (add_did.group(), add_did.ty(&add_did.input()?));
    let (attach_group, attach_request) = (attach.group(), attach.ty(&attach.input()?));
    let attach_did = attach.input_item("dids")?;

    Some(quote! {
        use std::path::PathBuf;

        use crate::runtime::transfer::{BoxFuture, FileReplicas, NewReplica, Replica, ReplicaService, RseStatus};
        use crate::{Result, Rucio, RucioClient};

        pub use crate::runtime::transfer::{
            Checksummer, Checksums, Did, Download, DownloadedFile, Progress, SUPPORTED_SCHEMES,
            TransferEvent, TransferFailure, Upload, Uploaded, checksums,
        };

        /// Rucio's calls the transfers make, with this crate's generated methods.
        impl ReplicaService for Rucio {
            fn rucio(&self) -> &RucioClient {
                self.client()
            }

            fn list_file_replicas<'a>(
                &'a self,
                dids: &'a [Did],
                schemes: &'a [String],
                rse_expression: Option<&'a str>,
            ) -> BoxFuture<'a, Result<Vec<FileReplicas>>> {
                Box::pin(async move {
                    let mut request = #list_request::new();
                    request.dids = Some(
                        dids.iter()
                            .map(|did| {
                                let mut item = #list_did::new();
                                item.scope = Some(did.scope.clone());
                                item.name = Some(did.name.clone());
                                item
                            })
                            .collect(),
                    );
                    request.schemes = Some(schemes.to_vec());
                    request.rse_expression = rse_expression.map(str::to_owned);
                    // Replicas on RSEs not available for reading are left out, as
                    // `rucio download` leaves them.
                    request.ignore_availability = Some(false);
                    let items = self
                        .#list_group()
                        .list_replicas(&Default::default(), &Default::default(), &request)
                        .await?;
                    Ok(items
                        .into_iter()
                        .filter_map(|item| {
                            let replicas = Replica::from_pfns(item.pfns.as_ref());
                            Some(FileReplicas::new(
                                Did::new(item.scope?, item.name?),
                                item.bytes.and_then(|b| u64::try_from(b).ok()),
                                item.adler32,
                                item.md5,
                                replicas,
                            ))
                        })
                        .collect())
                })
            }

            fn rse_status<'a>(&'a self, rse: &'a str) -> BoxFuture<'a, Result<RseStatus>> {
                Box::pin(async move {
                    let about = self.#rse_group().get_rse(rse).await?;
                    Ok(RseStatus::new(
                        about.availability_write.unwrap_or(true),
                        about.deterministic.unwrap_or(true),
                    ))
                })
            }

            fn write_pfn<'a>(
                &'a self,
                rse: &'a str,
                did: &'a Did,
                scheme: Option<&'a str>,
            ) -> BoxFuture<'a, Result<String>> {
                Box::pin(async move {
                    let mut query = #lfns_query::default()
                        .with_lfn(did.to_string())
                        .with_operation("write");
                    if let Some(scheme) = scheme {
                        query = query.with_scheme(scheme);
                    }
                    let mut pfns = self.#lfns_group().lfns2pfns(rse, &query).await?;
                    let lfn = did.to_string();
                    pfns.remove(&lfn)
                        .or_else(|| pfns.into_values().next())
                        .ok_or_else(|| {
                            crate::Error::new(
                                crate::ErrorKind::Schema,
                                format!("lfns2pfns of {rse} answered no PFN for {lfn}"),
                            )
                        })
                })
            }

            fn add_replica<'a>(
                &'a self,
                rse: &'a str,
                replica: &'a NewReplica,
            ) -> BoxFuture<'a, Result<()>> {
                Box::pin(async move {
                    let bytes = i64::try_from(replica.bytes).unwrap_or(i64::MAX);
                    let file = #add_file::builder()
                        .scope(replica.did.scope.clone())
                        .name(replica.did.name.clone())
                        .bytes(bytes)
                        .adler32(replica.adler32.clone())
                        .md5(replica.md5.clone())
                        .build()?;
                    let request = #add_request::new(rse, [file]);
                    self.#add_group().add_replicas(&request).await
                })
            }

            fn add_dataset<'a>(&'a self, dataset: &'a Did) -> BoxFuture<'a, Result<()>> {
                Box::pin(async move {
                    let request = #did_request::new("DATASET");
                    self.#did_group()
                        .add_did(&dataset.scope, &dataset.name, &request)
                        .await
                })
            }

            fn attach<'a>(
                &'a self,
                dataset: &'a Did,
                files: &'a [Did],
            ) -> BoxFuture<'a, Result<()>> {
                Box::pin(async move {
                    let request = #attach_request::new(files.iter().map(|did| {
                        let mut item = #attach_did::new();
                        item.scope = Some(did.scope.clone());
                        item.name = Some(did.name.clone());
                        item
                    }));
                    self.#attach_group()
                        .attach_dids(&dataset.scope, &dataset.name, &request)
                        .await
                })
            }

            fn tombstone<'a>(&'a self, rse: &'a str, did: &'a Did) -> BoxFuture<'a, Result<()>> {
                Box::pin(async move {
                    let replica = #tombstone_replica::builder()
                        .rse(rse)
                        .scope(did.scope.clone())
                        .name(did.name.clone())
                        .build()?;
                    let mut request = #tombstone_request::new();
                    request.replicas = Some(vec![replica]);
                    self.#tombstone_group().set_tombstone(&request).await
                })
            }
        }

        impl Rucio {
            /// Downloads `did` (a file, dataset or container) into `dir`, as `rucio download`
            /// does: `.await` it, after setting options on the [`Download`] if needed.
            ///
            /// ```no_run
            /// # async fn demo(rucio: rucio_client::Rucio) -> rucio_client::Result<()> {
            /// use rucio_client::transfer::Did;
            /// let dataset: Did = "user.root:run42".parse()?;
            /// let files = rucio.download(&dataset, "data").with_concurrency(8).await?;
            /// for file in files {
            ///     println!("{} from {} in {}", file.did, file.rse, file.path.display());
            /// }
            /// # Ok(()) }
            /// ```
            pub fn download(&self, did: &Did, dir: impl Into<PathBuf>) -> Download<'_, Self> {
                Download::new(self, [did.clone()], dir)
            }

            /// Downloads several DIDs into `dir` in one go (one `list_replicas` call).
            pub fn download_dids(
                &self,
                dids: impl IntoIterator<Item = Did>,
                dir: impl Into<PathBuf>,
            ) -> Download<'_, Self> {
                Download::new(self, dids, dir)
            }

            /// Uploads the file at `path` to `rse` as a file of `scope`, as `rucio upload`
            /// does: `.await` it, after setting options on the [`Upload`] if needed.
            ///
            /// ```no_run
            /// # async fn demo(rucio: rucio_client::Rucio) -> rucio_client::Result<()> {
            /// use rucio_client::transfer::Did;
            /// let uploaded = rucio
            ///     .upload("run42/events.root", "SITE_DISK", "user.root")
            ///     .with_dataset(Did::new("user.root", "run42"))
            ///     .await?;
            /// println!("{} ({}) on {}", uploaded.did, uploaded.checksums.adler32, uploaded.rse);
            /// # Ok(()) }
            /// ```
            pub fn upload(
                &self,
                path: impl Into<PathBuf>,
                rse: impl Into<String>,
                scope: impl Into<String>,
            ) -> Upload<'_, Self> {
                Upload::new(self, path, rse, scope)
            }
        }
    })
}
