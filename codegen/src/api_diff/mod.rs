//! What a reference update changes in the generated crate's public API, and whether it breaks
//! code written against the older crate.
//!
//! Both sides are read by the generator's own stages ([`Api::taskcluster`] mirrors
//! [`crate::generate`], [`Api::rucio`] mirrors [`crate::generate_rucio`]): services and methods
//! from [`crate::model`], the Rust types from [`crate::types::typedefs`]. So the report speaks of what
//! users see (functions, arguments, types, fields, enum values), not of JSON text.
//!
//! Every change is put in one [`Class`], by the rules the emitters follow:
//!
//! - **breaking**: code that compiled against the old crate may not compile against the new one:
//!   a method, type, field, enum value, union variant or exchange removed; an argument added or
//!   removed (route parameters, a first query parameter, a payload, a header); a type changed
//!   (a field's, an input's, an output's); a field newly required or newly optional (its type
//!   gains or loses an `Option`, or `new` gains or loses an argument);
//! - **additive**: new items only: methods, types, exchanges; fields that are not required; enum
//!   values and union variants (enums, unions and structs are `#[non_exhaustive]`, and an older
//!   crate reads an unknown value as `Unknown`); a query parameter of a method that takes a query
//!   already; a method deprecated (a warning, not an error);
//! - **docs-only**: no signature changes: docs, defaults, scope expressions whose parameters stay
//!   the same, routes whose parameters stay the same, stability between experimental and stable.
//!
//! The bump follows Cargo's reading of semver: below 1.0 a breaking change bumps the minor
//! version and anything else the patch version; from 1.0 on, major, minor and patch.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

pub mod listing;

use crate::error::Result;
use crate::model::{Exchange, Method, QueryParam, ScopeExpr, Service, Stability, TypeId};
use crate::types::typedefs::{Kind, Struct, TypeDef};
use listing::{field_ty, route, rust_ty, scope_expr, signature};

/// One side of a comparison: every service of a reference set, with its Rust types.
#[derive(Debug)]
pub struct Api {
    pub services: Vec<ServiceApi>,
}

/// One service and its types.
#[derive(Debug)]
pub struct ServiceApi {
    pub service: Service,
    pub types: Vec<TypeDef>,
}

impl Api {
    /// The API the generator makes of the Taskcluster references in `references_dir` (the
    /// layout `import-references` writes: `manifest.json` at its root).
    pub fn taskcluster(references_dir: &Path) -> Result<Api> {
        let refs = crate::front::taskcluster::load(references_dir)?;
        let services = crate::services(&refs)?;
        let services = services
            .into_iter()
            .map(|service| {
                let origin = format!("{}/schemas/{}", references_dir.display(), service.name);
                let types = crate::types::typedefs::build(&origin, &service)?;
                Ok(ServiceApi { service, types })
            })
            .collect::<Result<_>>()?;
        Ok(Api { services })
    }

    /// The API the generator makes of the OpenAPI description in `spec_file` (Rucio's).
    pub fn rucio(spec_file: &Path) -> Result<Api> {
        let spec = crate::front::openapi::load(spec_file)?;
        let operations = crate::front::openapi::operations(&spec)?;
        let services = crate::rucio_services(&spec, &operations)?;
        let origin = spec_file.display().to_string();
        let services = services
            .into_iter()
            .map(|service| {
                let types = crate::types::typedefs::build(&origin, &service)?;
                Ok(ServiceApi { service, types })
            })
            .collect::<Result<_>>()?;
        Ok(Api { services })
    }

    /// Each service's module and listing ([`crate::api_diff::listing::service`]), in order.
    pub fn listings(&self) -> Vec<(String, String)> {
        self.services
            .iter()
            .map(|s| {
                (
                    s.service.module.clone(),
                    crate::api_diff::listing::service(&s.service, &s.types),
                )
            })
            .collect()
    }
}

/// What a change means for code written against the older crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// Nothing a signature shows: docs, defaults, routes, scope expressions.
    DocsOnly,
    /// New items only; code that compiled still compiles.
    Additive,
    /// Code that compiled may not compile any more.
    Breaking,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
            Class::Additive => "additive",
            Class::DocsOnly => "docs-only",
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The version bump a report implies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    None,
    Patch,
    Minor,
    Major,
}

impl Bump {
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::None => "none",
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }
}

/// One change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The service's reference name (`queue`).
    pub service: String,
    /// What changed, as the crate names it: `fn create_task (createTask)`, `type Task`,
    /// `exchange TaskDefined`, `service queue`.
    pub item: String,
    pub class: Class,
    /// How it changed.
    pub what: String,
}

/// Every change between two APIs, services in name order.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub changes: Vec<Change>,
}

impl Report {
    /// The changes of one class.
    pub fn of(&self, class: Class) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(move |c| c.class == class)
    }

    /// The most serious class of any change, if there is one.
    pub fn class(&self) -> Option<Class> {
        self.changes.iter().map(|c| c.class).max()
    }

    /// The bump for a crate at `version` (`0.1.0`): below 1.0 breaking is minor, anything else
    /// patch; from 1.0 on, breaking is major, additive minor, docs-only patch.
    pub fn bump(&self, version: &str) -> Bump {
        let major = version
            .split('.')
            .next()
            .and_then(|m| m.parse::<u64>().ok());
        let stable = major.is_some_and(|m| m >= 1);
        match (self.class(), stable) {
            (None, _) => Bump::None,
            (Some(Class::Breaking), true) => Bump::Major,
            (Some(Class::Breaking), false) => Bump::Minor,
            (Some(Class::Additive), true) => Bump::Minor,
            (Some(_), _) => Bump::Patch,
        }
    }

    /// `version` bumped as [`Report::bump`] says (`0.1.0` → `0.2.0` for a breaking change).
    pub fn next_version(&self, version: &str) -> String {
        let mut parts: Vec<u64> = version
            .split('.')
            .map(|p| p.parse().unwrap_or(0))
            .chain(std::iter::repeat(0))
            .take(3)
            .collect();
        match self.bump(version) {
            Bump::None => return version.to_owned(),
            Bump::Patch => parts[2] += 1,
            Bump::Minor => {
                parts[1] += 1;
                parts[2] = 0;
            }
            Bump::Major => parts = vec![parts[0] + 1, 0, 0],
        }
        format!("{}.{}.{}", parts[0], parts[1], parts[2])
    }

    /// One line: `3 breaking, 10 additive, 2 docs-only`.
    pub fn counts(&self) -> String {
        [Class::Breaking, Class::Additive, Class::DocsOnly]
            .iter()
            .map(|&c| format!("{} {c}", self.of(c).count()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The report for a crate at `version`: counts, the bump, then per service the changes by
    /// class (docs-only ones as a list of the items touched).
    pub fn render(&self, version: &str) -> String {
        let mut out = String::new();
        let bump = self.bump(version);
        out.push_str(&format!("{}\n", self.counts()));
        out.push_str(&match bump {
            Bump::None => format!("no change to the public API: version {version} stays\n"),
            b => format!(
                "bump: {} ({version} -> {}; {})\n",
                b.as_str(),
                self.next_version(version),
                if version.starts_with("0.") {
                    "below 1.0, breaking changes bump the minor version, others the patch"
                } else {
                    "breaking: major, additive: minor, docs-only: patch"
                }
            ),
        });
        let services: BTreeSet<&str> = self.changes.iter().map(|c| c.service.as_str()).collect();
        for service in services {
            out.push_str(&format!("\n{service}\n"));
            for class in [Class::Breaking, Class::Additive] {
                let changes: Vec<&Change> =
                    self.of(class).filter(|c| c.service == service).collect();
                if changes.is_empty() {
                    continue;
                }
                out.push_str(&format!("  {class} ({}):\n", changes.len()));
                for c in changes {
                    out.push_str(&format!("    {}: {}\n", c.item, c.what));
                }
            }
            let docs: Vec<&Change> = self
                .of(Class::DocsOnly)
                .filter(|c| c.service == service)
                .collect();
            if !docs.is_empty() {
                out.push_str(&format!("  docs-only ({}):\n", docs.len()));
                // Routes, scopes, stability: said; docs: listed by item.
                let mut docs_of: Vec<&str> = Vec::new();
                for c in docs {
                    if c.what == DOCS_CHANGED {
                        if !docs_of.contains(&c.item.as_str()) {
                            docs_of.push(&c.item);
                        }
                    } else {
                        out.push_str(&format!("    {}: {}\n", c.item, c.what));
                    }
                }
                if !docs_of.is_empty() {
                    out.push_str(&format!("    docs changed: {}\n", docs_of.join(", ")));
                }
            }
        }
        out
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render("0.1.0"))
    }
}

/// What a docs-only change of an item's prose says.
const DOCS_CHANGED: &str = "docs changed";

/// The changes from `old` to `new`.
pub fn diff(old: &Api, new: &Api) -> Report {
    let mut changes = Vec::new();
    let old_services: BTreeMap<&str, &ServiceApi> = old
        .services
        .iter()
        .map(|s| (s.service.name.as_str(), s))
        .collect();
    let new_services: BTreeMap<&str, &ServiceApi> = new
        .services
        .iter()
        .map(|s| (s.service.name.as_str(), s))
        .collect();
    let names: BTreeSet<&str> = old_services
        .keys()
        .chain(new_services.keys())
        .copied()
        .collect();
    for name in names {
        let mut d = Differ {
            service: name,
            changes: &mut changes,
        };
        match (old_services.get(name), new_services.get(name)) {
            (Some(o), Some(n)) => d.service(o, n),
            (None, Some(n)) => {
                d.push(
                    format!("service {name}"),
                    Class::Additive,
                    format!(
                        "added: module {} (feature `{}`), client {}, {} methods, {} types",
                        n.service.module,
                        n.service.module,
                        n.service.client,
                        n.service.methods.len(),
                        n.types.len()
                    ),
                );
                for m in &n.service.methods {
                    d.added_method(m, n);
                }
                d.exchanges(None, Some(&n.service));
                d.types(&[], &n.types);
            }
            (Some(o), None) => {
                d.push(
                    format!("service {name}"),
                    Class::Breaking,
                    format!(
                        "removed: module {}, client {}",
                        o.service.module, o.service.client
                    ),
                );
                for m in &o.service.methods {
                    d.removed_method(m, &o.service);
                }
                d.exchanges(Some(&o.service), None);
                d.types(&o.types, &[]);
            }
            (None, None) => {}
        }
    }
    Report { changes }
}

struct Differ<'a> {
    service: &'a str,
    changes: &'a mut Vec<Change>,
}

impl Differ<'_> {
    fn push(&mut self, item: impl Into<String>, class: Class, what: impl Into<String>) {
        self.changes.push(Change {
            service: self.service.to_owned(),
            item: item.into(),
            class,
            what: what.into(),
        });
    }

    fn service(&mut self, old: &ServiceApi, new: &ServiceApi) {
        let item = format!("service {}", self.service);
        let (o, n) = (&old.service, &new.service);
        if o.module != n.module || o.client != n.client {
            self.push(
                &item,
                Class::Breaking,
                format!(
                    "renamed: module {} -> {}, client {} -> {}",
                    o.module, n.module, o.client, n.client
                ),
            );
        }
        if o.api_version != n.api_version {
            self.push(
                &item,
                Class::DocsOnly,
                format!(
                    "API version {} -> {} (the calls go to the new version's routes)",
                    o.api_version.as_deref().unwrap_or("(none)"),
                    n.api_version.as_deref().unwrap_or("(none)")
                ),
            );
        }
        if o.title != n.title || o.description != n.description {
            self.push(&item, Class::DocsOnly, DOCS_CHANGED);
        }
        self.methods(old, new);
        self.exchanges(Some(o), Some(n));
        self.types(&old.types, &new.types);
    }

    fn methods(&mut self, old: &ServiceApi, new: &ServiceApi) {
        let old_methods: BTreeMap<&str, &Method> = old
            .service
            .methods
            .iter()
            .map(|m| (m.name.as_str(), m))
            .collect();
        for m in &new.service.methods {
            match old_methods.get(m.name.as_str()) {
                Some(o) => self.method(o, m, old, new),
                None => self.added_method(m, new),
            }
        }
        let new_names: BTreeSet<&str> = new
            .service
            .methods
            .iter()
            .map(|m| m.name.as_str())
            .collect();
        for m in old
            .service
            .methods
            .iter()
            .filter(|m| !new_names.contains(m.name.as_str()))
        {
            self.removed_method(m, &old.service);
        }
    }

    fn added_method(&mut self, m: &Method, new: &ServiceApi) {
        let mut what = format!("added: {}", signature(&new.service, m));
        if streams(new, m) {
            what.push_str(&format!(
                ", and {} (every item, page after page)",
                m.stream_function.as_deref().unwrap_or_default()
            ));
        }
        what.push_str(&format!(" [{}]", route(m)));
        self.push(method_item(m), Class::Additive, what);
    }

    fn removed_method(&mut self, m: &Method, old: &Service) {
        self.push(
            method_item(m),
            Class::Breaking,
            format!("removed: {} [{}]", signature(old, m), route(m)),
        );
    }

    fn method(&mut self, o: &Method, n: &Method, old: &ServiceApi, new: &ServiceApi) {
        let item = method_item(n);
        if o.function != n.function {
            self.push(
                &item,
                Class::Breaking,
                format!("renamed: fn {} -> fn {}", o.function, n.function),
            );
        }
        let (old_route, new_route) = (route(o), route(n));
        let old_args: Vec<&str> = o.args.iter().map(|a| a.name.as_str()).collect();
        let new_args: Vec<&str> = n.args.iter().map(|a| a.name.as_str()).collect();
        if old_args != new_args {
            self.push(
                &item,
                Class::Breaking,
                format!(
                    "route parameters ({}) -> ({}): {old_route} -> {new_route}",
                    old_args.join(", "),
                    new_args.join(", ")
                ),
            );
        } else if old_route != new_route {
            self.push(
                &item,
                Class::DocsOnly,
                format!("route {old_route} -> {new_route} (same arguments)"),
            );
        }
        self.query(&item, o, n);
        self.headers(&item, o, n);
        // Ids are the service's own: two generations' types compare by name.
        let old_name = |t: Option<TypeId>| t.map(|t| old.service.type_name(t));
        let new_name = |t: Option<TypeId>| t.map(|t| new.service.type_name(t));
        let (old_input, new_input) = (old_name(o.input), new_name(n.input));
        if old_input != new_input {
            let what = match (old_input, new_input) {
                (None, Some(t)) => format!("takes a payload now: &{t}"),
                (Some(t), None) => format!("takes no payload now (was &{t})"),
                (Some(a), Some(b)) => format!("input: payload &{a} -> &{b}"),
                (None, None) => unreachable!("they differ"),
            };
            self.push(&item, Class::Breaking, what);
        }
        if old_name(o.output) != new_name(n.output) || o.answer != n.answer {
            let what = |s: &Service, m: &Method| {
                signature(s, m)
                    .rsplit_once(" -> ")
                    .map_or(String::new(), |(_, out)| out.to_owned())
            };
            self.push(
                &item,
                Class::Breaking,
                format!(
                    "output: {} -> {}",
                    what(&old.service, o),
                    what(&new.service, n)
                ),
            );
        }
        self.scopes(&item, o, n);
        if o.stability != n.stability {
            let class = if n.stability == Stability::Deprecated {
                Class::Additive
            } else {
                Class::DocsOnly
            };
            let what = if n.stability == Stability::Deprecated {
                format!(
                    "stability: {} -> deprecated (#[deprecated]: a warning where it is called)",
                    stability(o.stability)
                )
            } else {
                format!(
                    "stability: {} -> {}",
                    stability(o.stability),
                    stability(n.stability)
                )
            };
            self.push(&item, class, what);
        }
        match (streams(old, o), streams(new, n)) {
            (false, true) => self.push(
                &item,
                Class::Additive,
                format!(
                    "fn {} added (every item, page after page)",
                    n.stream_function.as_deref().unwrap_or_default()
                ),
            ),
            (true, false) => self.push(
                &item,
                Class::Breaking,
                format!(
                    "fn {} removed (its answer is no longer a page)",
                    o.stream_function.as_deref().unwrap_or_default()
                ),
            ),
            (true, true) if o.stream_function != n.stream_function => self.push(
                &item,
                Class::Breaking,
                format!(
                    "renamed: fn {} -> fn {}",
                    o.stream_function.as_deref().unwrap_or_default(),
                    n.stream_function.as_deref().unwrap_or_default()
                ),
            ),
            _ => {}
        }
        if o.authenticated != n.authenticated {
            let what = if n.authenticated {
                "sent with the client's credentials now"
            } else {
                "sent without credentials now"
            };
            self.push(&item, Class::DocsOnly, what);
        }
        if o.title != n.title
            || o.description != n.description
            || o.aliases != n.aliases
            || o.counterpart != n.counterpart
        {
            self.push(&item, Class::DocsOnly, DOCS_CHANGED);
        }
    }

    fn query(&mut self, item: &str, o: &Method, n: &Method) {
        let names = |m: &Method| {
            m.query
                .iter()
                .map(|q| q.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match (o.query.is_empty(), n.query.is_empty()) {
            (true, true) => {}
            (true, false) => self.push(
                item,
                Class::Breaking,
                format!(
                    "takes `query: &{}` now (query parameters {}): a new argument",
                    n.query_struct(),
                    names(n)
                ),
            ),
            (false, true) => self.push(
                item,
                Class::Breaking,
                format!("takes no query now (query parameters {} removed)", names(o)),
            ),
            (false, false) => {
                let old_query: BTreeMap<&str, &QueryParam> =
                    o.query.iter().map(|q| (q.name.as_str(), q)).collect();
                let struct_name = n.query_struct();
                for q in &n.query {
                    match old_query.get(q.name.as_str()) {
                        None => self.push(
                            item,
                            Class::Additive,
                            format!(
                                "query parameter {} added ({struct_name}.{}: {})",
                                q.name,
                                q.ident,
                                crate::api_diff::listing::query_ty(q.kind)
                            ),
                        ),
                        Some(old) if old.kind != q.kind || old.ident != q.ident => self.push(
                            item,
                            Class::Breaking,
                            format!(
                                "query parameter {}: {}: {} -> {}: {}",
                                q.name,
                                old.ident,
                                crate::api_diff::listing::query_ty(old.kind),
                                q.ident,
                                crate::api_diff::listing::query_ty(q.kind)
                            ),
                        ),
                        Some(old) if old.description != q.description => {
                            self.push(item, Class::DocsOnly, DOCS_CHANGED)
                        }
                        Some(_) => {}
                    }
                }
                for q in o
                    .query
                    .iter()
                    .filter(|q| !n.query.iter().any(|nq| nq.name == q.name))
                {
                    self.push(
                        item,
                        Class::Breaking,
                        format!(
                            "query parameter {} removed ({struct_name}.{})",
                            q.name, q.ident
                        ),
                    );
                }
            }
        }
    }

    /// Header parameters (Rucio's): required ones are arguments, optional ones fields.
    fn headers(&mut self, item: &str, o: &Method, n: &Method) {
        let required = |m: &Method| {
            m.headers
                .iter()
                .filter(|h| h.required)
                .map(|h| h.ident.clone())
                .collect::<Vec<_>>()
        };
        let optional = |m: &Method| {
            m.headers
                .iter()
                .filter(|h| !h.required)
                .map(|h| h.ident.clone())
                .collect::<BTreeSet<_>>()
        };
        let (old_required, new_required) = (required(o), required(n));
        if old_required != new_required {
            self.push(
                item,
                Class::Breaking,
                format!(
                    "header arguments ({}) -> ({})",
                    old_required.join(", "),
                    new_required.join(", ")
                ),
            );
        }
        let (old_optional, new_optional) = (optional(o), optional(n));
        if old_optional == new_optional {
            return;
        }
        let removed: Vec<&String> = old_optional.difference(&new_optional).collect();
        let added: Vec<&String> = new_optional.difference(&old_optional).collect();
        let class = if old_optional.is_empty() || new_optional.is_empty() || !removed.is_empty() {
            Class::Breaking
        } else {
            Class::Additive
        };
        self.push(
            item,
            class,
            format!("optional headers: added {added:?}, removed {removed:?}"),
        );
    }

    fn scopes(&mut self, item: &str, o: &Method, n: &Method) {
        match (&o.scopes, &n.scopes) {
            (None, None) => {}
            (None, Some(s)) => self.push(
                item,
                Class::Additive,
                format!(
                    "requires scopes now: {} (required_scopes::{} added)",
                    scope_expr(s),
                    n.function
                ),
            ),
            (Some(s), None) => self.push(
                item,
                Class::Breaking,
                format!(
                    "requires no scopes now (was {}; required_scopes::{} removed)",
                    scope_expr(s),
                    o.function
                ),
            ),
            (Some(a), Some(b)) if a != b => {
                // The scope function takes the route parameters, and what else the expression
                // reads: its signature changes only with the latter.
                let extra = |m: &Method, e: &ScopeExpr| {
                    crate::model::scope_params::template_params(e)
                        .into_iter()
                        .map(|(p, _)| p)
                        .filter(|p| !m.args.iter().any(|a| &a.name == p))
                        .collect::<BTreeSet<_>>()
                };
                let (old_extra, new_extra) = (extra(o, a), extra(n, b));
                let what = format!("scopes: {} -> {}", scope_expr(a), scope_expr(b));
                if old_extra == new_extra {
                    self.push(item, Class::DocsOnly, what);
                } else {
                    self.push(
                        item,
                        Class::Breaking,
                        format!(
                            "{what} (required_scopes::{} reads {new_extra:?}, was {old_extra:?})",
                            n.function
                        ),
                    );
                }
            }
            _ => {}
        }
    }

    /// The exchanges of `o` and `n` (`None`: a service added or removed).
    fn exchanges(&mut self, o: Option<&Service>, n: Option<&Service>) {
        fn exchanges(s: Option<&Service>) -> &[Exchange] {
            s.and_then(|s| s.events.as_ref())
                .map_or(&[], |e| e.exchanges.as_slice())
        }
        /// The name of `e`'s message, an exchange of `s` (ids compare only within a service).
        fn message<'a>(s: Option<&'a Service>, e: &Exchange) -> &'a str {
            s.map_or("", |s| s.type_name(e.message))
        }
        let (olds, news) = (exchanges(o), exchanges(n));
        let full = |s: Option<&Service>, e: &Exchange| {
            format!(
                "{}{}",
                s.and_then(|s| s.events.as_ref()).map_or("", |e| &e.prefix),
                e.exchange
            )
        };
        let key = |e: &Exchange| {
            e.routing_key
                .iter()
                .filter(|k| k.constant.is_none())
                .map(|k| k.ident.clone())
                .collect::<Vec<_>>()
        };
        let pattern = |e: &Exchange| {
            e.routing_key
                .iter()
                .map(|k| match &k.constant {
                    Some(c) => c.clone(),
                    None if k.multiple_words => format!("{}#", k.name),
                    None => k.name.clone(),
                })
                .collect::<Vec<_>>()
                .join(".")
        };
        for e in news {
            let item = format!("exchange {}", e.ident);
            let Some(old) = olds.iter().find(|x| x.name == e.name) else {
                self.push(
                    item,
                    Class::Additive,
                    format!(
                        "added: {} (routing key {}), message {}",
                        full(n, e),
                        pattern(e),
                        message(n, e)
                    ),
                );
                continue;
            };
            if old.ident != e.ident {
                self.push(
                    &item,
                    Class::Breaking,
                    format!("renamed: {} -> {}", old.ident, e.ident),
                );
            }
            if full(o, old) != full(n, e) {
                self.push(
                    &item,
                    Class::DocsOnly,
                    format!("exchange {} -> {}", full(o, old), full(n, e)),
                );
            }
            if message(o, old) != message(n, e) {
                self.push(
                    &item,
                    Class::Breaking,
                    format!("message {} -> {}", message(o, old), message(n, e)),
                );
            }
            let (old_key, new_key) = (key(old), key(e));
            let removed: Vec<&String> = old_key.iter().filter(|k| !new_key.contains(k)).collect();
            let added: Vec<&String> = new_key.iter().filter(|k| !old_key.contains(k)).collect();
            if !removed.is_empty() {
                self.push(
                    &item,
                    Class::Breaking,
                    format!("routing-key fields removed: {removed:?}"),
                );
            }
            if !added.is_empty() {
                self.push(
                    &item,
                    Class::Additive,
                    format!("routing-key fields added: {added:?}"),
                );
            }
            if pattern(old) != pattern(e) {
                self.push(
                    &item,
                    Class::DocsOnly,
                    format!("routing key {} -> {}", pattern(old), pattern(e)),
                );
            }
            if old.title != e.title || old.description != e.description {
                self.push(&item, Class::DocsOnly, DOCS_CHANGED);
            }
        }
        for e in olds
            .iter()
            .filter(|e| !news.iter().any(|x| x.name == e.name))
        {
            self.push(
                format!("exchange {}", e.ident),
                Class::Breaking,
                format!("removed: {}", full(o, e)),
            );
        }
    }

    fn types(&mut self, olds: &[TypeDef], news: &[TypeDef]) {
        let old_types: BTreeMap<&str, &TypeDef> =
            olds.iter().map(|t| (t.name.as_str(), t)).collect();
        let new_types: BTreeMap<&str, &TypeDef> =
            news.iter().map(|t| (t.name.as_str(), t)).collect();
        for (name, n) in &new_types {
            match old_types.get(name) {
                Some(o) => self.typedef(o, n),
                None => self.push(
                    format!("type {name}"),
                    Class::Additive,
                    format!("added: {}", one_line(&crate::api_diff::listing::typedef(n))),
                ),
            }
        }
        for (name, o) in &old_types {
            if !new_types.contains_key(name) {
                self.push(
                    format!("type {name}"),
                    Class::Breaking,
                    format!(
                        "removed: {}",
                        one_line(&crate::api_diff::listing::typedef(o))
                    ),
                );
            }
        }
    }

    fn typedef(&mut self, o: &TypeDef, n: &TypeDef) {
        let item = format!("type {}", n.name);
        if o.events_only != n.events_only {
            if n.events_only {
                self.push(
                    &item,
                    Class::Breaking,
                    "only Pulse messages use it now: compiled only with the `events` feature",
                );
            } else {
                self.push(
                    &item,
                    Class::Additive,
                    "the API uses it now: compiled without the `events` feature too",
                );
            }
        }
        if o.doc != n.doc {
            self.push(&item, Class::DocsOnly, DOCS_CHANGED);
        }
        match (&o.kind, &n.kind) {
            (Kind::Struct(a), Kind::Struct(b)) => self.fields(&item, a, b),
            (Kind::Enum(a), Kind::Enum(b)) => {
                for (variant, value) in &b.variants {
                    match a.variants.iter().find(|(_, v)| v == value) {
                        None => self.push(
                            &item,
                            Class::Additive,
                            format!(
                                "enum value {value:?} added ({variant}; the enum is \
                                 non_exhaustive and an older crate reads it as Unknown)"
                            ),
                        ),
                        Some((old_variant, _)) if old_variant != variant => self.push(
                            &item,
                            Class::Breaking,
                            format!("enum value {value:?}: variant {old_variant} -> {variant}"),
                        ),
                        Some(_) => {}
                    }
                }
                for (variant, value) in &a.variants {
                    if !b.variants.iter().any(|(_, v)| v == value) {
                        self.push(
                            &item,
                            Class::Breaking,
                            format!("enum value {value:?} removed ({variant})"),
                        );
                    }
                }
            }
            (Kind::Union(a), Kind::Union(b)) => {
                for v in &b.variants {
                    match a.variants.iter().find(|x| x.ident == v.ident) {
                        None => self.push(
                            &item,
                            Class::Additive,
                            format!(
                                "union variant {}({}) added (the union is non_exhaustive)",
                                v.ident,
                                rust_ty(&v.ty)
                            ),
                        ),
                        Some(old) if old.ty != v.ty => self.push(
                            &item,
                            Class::Breaking,
                            format!(
                                "union variant {}: {} -> {}",
                                v.ident,
                                rust_ty(&old.ty),
                                rust_ty(&v.ty)
                            ),
                        ),
                        Some(old) if old.tag_value != v.tag_value => self.push(
                            &item,
                            Class::DocsOnly,
                            format!(
                                "union variant {}: tag {:?} -> {:?}",
                                v.ident, old.tag_value, v.tag_value
                            ),
                        ),
                        Some(old) if old.doc != v.doc => {
                            self.push(&item, Class::DocsOnly, DOCS_CHANGED)
                        }
                        Some(_) => {}
                    }
                }
                for v in &a.variants {
                    if !b.variants.iter().any(|x| x.ident == v.ident) {
                        self.push(
                            &item,
                            Class::Breaking,
                            format!("union variant {}({}) removed", v.ident, rust_ty(&v.ty)),
                        );
                    }
                }
                if a.tag != b.tag {
                    self.push(
                        &item,
                        Class::DocsOnly,
                        format!("union tag {:?} -> {:?}", a.tag, b.tag),
                    );
                }
            }
            (Kind::Alias(a), Kind::Alias(b)) => {
                if a != b {
                    self.push(
                        &item,
                        Class::Breaking,
                        format!("type {} = {} -> {}", n.name, rust_ty(a), rust_ty(b)),
                    );
                }
            }
            (a, b) => self.push(
                &item,
                Class::Breaking,
                format!("{} -> {}", kind_name(a), kind_name(b)),
            ),
        }
    }

    fn fields(&mut self, item: &str, a: &Struct, b: &Struct) {
        let is_arg = |s: &Struct, i: usize| s.required.contains(&i);
        for (i, f) in b.fields.iter().enumerate() {
            let Some((j, old)) = a.fields.iter().enumerate().find(|(_, x)| x.json == f.json) else {
                let what = format!("field {}: {} added", f.ident, field_ty(f));
                if is_arg(b, i) {
                    self.push(
                        item,
                        Class::Breaking,
                        format!("{what}, required: {}", takes(b)),
                    );
                } else {
                    self.push(item, Class::Additive, what);
                }
                continue;
            };
            if old.ident != f.ident {
                self.push(
                    item,
                    Class::Breaking,
                    format!("field {:?}: renamed {} -> {}", f.json, old.ident, f.ident),
                );
            }
            if old.ty != f.ty {
                self.push(
                    item,
                    Class::Breaking,
                    format!(
                        "field {}: type changed: {} -> {}",
                        f.ident,
                        field_ty(old),
                        field_ty(f)
                    ),
                );
            } else if old.presence != f.presence {
                let what = if f.presence.is_required() && !old.presence.is_required() {
                    "newly required"
                } else if old.presence.is_required() && !f.presence.is_required() {
                    "newly optional"
                } else {
                    "nullability changed"
                };
                self.push(
                    item,
                    Class::Breaking,
                    format!(
                        "field {}: {what}: {} -> {}",
                        f.ident,
                        field_ty(old),
                        field_ty(f)
                    ),
                );
            }
            let (was_arg, is_now_arg) = (is_arg(a, j), is_arg(b, i));
            match (was_arg, is_now_arg) {
                (false, true) => self.push(
                    item,
                    Class::Breaking,
                    format!("field {}: newly required: {}", f.ident, takes(b)),
                ),
                (true, false) => self.push(
                    item,
                    Class::Breaking,
                    format!("field {}: newly optional: {}", f.ident, no_longer(a)),
                ),
                _ => {}
            }
            if old.constant != f.constant {
                self.push(
                    item,
                    Class::DocsOnly,
                    format!(
                        "field {}: constant {:?} -> {:?}",
                        f.ident, old.constant, f.constant
                    ),
                );
            }
            // A field newly required in a request has a new note in its docs, said already.
            let docs_differ = old.doc != f.doc && was_arg == is_now_arg;
            if docs_differ || old.default != f.default {
                self.push(item, Class::DocsOnly, DOCS_CHANGED);
            }
        }
        for f in a
            .fields
            .iter()
            .filter(|f| !b.fields.iter().any(|x| x.json == f.json))
        {
            self.push(
                item,
                Class::Breaking,
                format!("field {}: {} removed", f.ident, field_ty(f)),
            );
        }
        // `new`'s arguments: the same ones in another order.
        let args = |s: &Struct| {
            s.required
                .iter()
                .map(|&i| s.fields[i].json.clone())
                .collect::<Vec<_>>()
        };
        let (old_args, new_args) = (args(a), args(b));
        let same_set =
            old_args.iter().collect::<BTreeSet<_>>() == new_args.iter().collect::<BTreeSet<_>>();
        match (a.built_by_name(), b.built_by_name()) {
            (false, true) => self.push(
                item,
                Class::Breaking,
                "built by name now: `new` gave way to `builder()`".to_owned(),
            ),
            (true, false) => self.push(
                item,
                Class::Breaking,
                "built by `new` now: `builder()` gave way to it".to_owned(),
            ),
            _ => {}
        }
        if same_set && old_args != new_args && !a.built_by_name() && !b.built_by_name() {
            self.push(
                item,
                Class::Breaking,
                format!("`new` takes its arguments in another order: {new_args:?}"),
            );
        }
    }
}

/// How a type built from `s` takes a required field.
fn takes(s: &Struct) -> &'static str {
    if s.built_by_name() {
        "`build()` requires it"
    } else {
        "`new` takes it"
    }
}

/// How a type built from `s` took a field that is now optional.
fn no_longer(s: &Struct) -> &'static str {
    if s.built_by_name() {
        "`build()` no longer requires it"
    } else {
        "`new` no longer takes it"
    }
}

/// `fn create_task (createTask)`.
fn method_item(m: &Method) -> String {
    if m.function == m.name {
        format!("fn {}", m.function)
    } else {
        format!("fn {} ({})", m.function, m.name)
    }
}

/// Whether the client has a `_stream` method for `m`, a method of `api`.
fn streams(api: &ServiceApi, m: &Method) -> bool {
    matches!(
        crate::types::paging::paging(&api.service, m, &api.types),
        Ok(Some(_))
    )
}

fn stability(s: Stability) -> &'static str {
    match s {
        Stability::Stable => "stable",
        Stability::Experimental => "experimental",
        Stability::Deprecated => "deprecated",
    }
}

fn kind_name(kind: &Kind) -> &'static str {
    match kind {
        Kind::Struct(_) => "struct",
        Kind::Enum(_) => "enum",
        Kind::Union(_) => "union",
        Kind::Alias(_) => "type alias",
    }
}

/// A listing entry on one line: `struct A { a: String, b: Option<u64> } new(a)`.
fn one_line(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    match lines.as_slice() {
        [first, fields @ .., last] if first.ends_with('{') => {
            let fields: Vec<&str> = fields
                .iter()
                .copied()
                .filter(|f| *f != crate::types::typedefs::UNKNOWN_FIELDS)
                .collect();
            format!("{} {} {last}", first, fields.join(", "))
        }
        _ => lines.join(" "),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::front::taskcluster::references::fixture;

    /// The API of the fixture's one method `get`, answering `answer` (which may refer to
    /// `apple.json`).
    fn api(answer: Value) -> Api {
        let apple =
            json!({"title": "Apple", "type": "object", "properties": {"a": {"type": "string"}}});
        let refs = fixture::one_method(
            &[("answer.json", answer), ("apple.json", apple)],
            "answer.json",
        );
        let services = crate::services(&refs).unwrap_or_else(|e| panic!("{e}"));
        let services = services
            .into_iter()
            .map(|service| {
                let types = crate::types::typedefs::build("test", &service).unwrap();
                ServiceApi { service, types }
            })
            .collect();
        Api { services }
    }

    fn thing(properties: Value) -> Value {
        json!({"title": "Thing", "type": "object", "properties": properties})
    }

    fn output_changes(report: &Report) -> Vec<&str> {
        report
            .changes
            .iter()
            .filter(|c| c.what.starts_with("output"))
            .map(|c| c.what.as_str())
            .collect()
    }

    #[test]
    fn answers_compare_by_name_not_by_id() {
        let old = api(thing(json!({"name": {"type": "string"}})));
        // A type whose name sorts first moves `Thing`'s id; the answer is still `Thing`.
        let new = api(thing(json!({
            "name": {"type": "string"},
            "apple": {"$ref": "apple.json#"}
        })));
        let id = |api: &Api| api.services[0].service.methods[0].output.unwrap();
        assert_ne!(id(&old), id(&new));
        let report = diff(&old, &new);
        assert_eq!(output_changes(&report), Vec::<&str>::new());
        assert!(
            report
                .changes
                .iter()
                .any(|c| c.item == "type Apple" && c.class == Class::Additive),
            "{:?}",
            report.changes
        );

        // The same id, another name: a change of the answer's type.
        let renamed = api(json!({"title": "Other", "type": "object",
            "properties": {"name": {"type": "string"}}}));
        assert_eq!(id(&old), id(&renamed));
        assert_eq!(
            output_changes(&diff(&old, &renamed)),
            ["output: Thing -> Other"]
        );
    }
}
