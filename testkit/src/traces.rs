//! [`Recorder`]: a `tracing` layer that keeps every span and event with all their fields, for
//! tests of what the runtime reports, and a scan of everything recorded for secrets.
//!
//! ```
//! let recorder = tc_testkit::traces::Recorder::new();
//! {
//!     let _guard = recorder.install(); // this thread only: tests stay independent
//!     tracing::debug!(answer = 42, "hello");
//! }
//! let event = &recorder.events("hello")[0];
//! assert_eq!(event.field("answer"), Some("42"));
//! recorder.assert_no_secret(&["hunter2"]);
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::{LookupSpan, Registry};

/// A span or an event as recorded.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// `true` for a span, `false` for an event.
    pub is_span: bool,
    /// The span's name; for an event, its message (the `message` field).
    pub name: String,
    pub target: String,
    /// `TRACE`, `DEBUG`, `INFO`, `WARN` or `ERROR`.
    pub level: String,
    /// Every field with its value as a string (`Debug` for values that are not strings),
    /// in the order recorded; a span's later `record` calls are added at the end.
    pub fields: Vec<(String, String)>,
    /// The names of the spans around it, outermost first (for an event: its parents).
    pub scope: Vec<String>,
}

impl Recorded {
    /// The last value recorded for `name`.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether it happened inside a span called `span`.
    pub fn within(&self, span: &str) -> bool {
        self.scope.iter().any(|s| s == span)
    }
}

#[derive(Default)]
struct State {
    /// Spans and events in the order they began.
    all: Vec<Recorded>,
    /// Where each live span is in `all`.
    spans: HashMap<u64, usize>,
}

/// Records every span and event of the subscriber it is installed in; clones share the record.
#[derive(Clone, Default)]
pub struct Recorder {
    state: Arc<Mutex<State>>,
}

impl fmt::Debug for Recorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recorder")
            .field("recorded", &self.lock().all.len())
            .finish()
    }
}

impl Recorder {
    pub fn new() -> Recorder {
        Recorder::default()
    }

    /// Makes a subscriber with this recorder (every level) the current thread's default until
    /// the guard is dropped. Tasks spawned on other threads are not seen: use a
    /// current-thread runtime (`#[tokio::test]`'s default).
    pub fn install(&self) -> tracing::subscriber::DefaultGuard {
        // While a single dispatcher exists, tracing-core asks only the registering thread's
        // default about a new callsite: one first reached by another test's thread would be
        // cached as uninteresting and never reach this recorder. A second dispatcher, kept for
        // good, makes it ask every live one.
        static SECOND: OnceLock<tracing::Dispatch> = OnceLock::new();
        SECOND.get_or_init(|| tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default()));
        tracing::subscriber::set_default(Registry::default().with(self.clone()))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Everything recorded, in the order it began.
    pub fn all(&self) -> Vec<Recorded> {
        self.lock().all.clone()
    }

    /// The spans called `name`.
    pub fn spans(&self, name: &str) -> Vec<Recorded> {
        self.all()
            .into_iter()
            .filter(|r| r.is_span && r.name == name)
            .collect()
    }

    /// The events whose message starts with `message`.
    pub fn events(&self, message: &str) -> Vec<Recorded> {
        self.all()
            .into_iter()
            .filter(|r| !r.is_span && r.name.starts_with(message))
            .collect()
    }

    /// Every field name and value recorded (and every span name and event message), for
    /// scanning.
    pub fn strings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for r in self.all() {
            out.push(r.name.clone());
            for (k, v) in r.fields {
                out.push(k);
                out.push(v);
            }
        }
        out
    }

    /// Panics, naming the field, if any recorded string contains one of `secrets` (empty ones
    /// are ignored). The panic message does not repeat the secret.
    pub fn assert_no_secret(&self, secrets: &[&str]) {
        let secrets: Vec<&str> = secrets.iter().copied().filter(|s| !s.is_empty()).collect();
        for r in self.all() {
            let texts = std::iter::once(("(name)", r.name.as_str()))
                .chain(r.fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            for (field, text) in texts {
                for (n, secret) in secrets.iter().enumerate() {
                    assert!(
                        !text.contains(secret),
                        "secret #{n} found in field {field} of {} {:?}",
                        if r.is_span { "span" } else { "event" },
                        r.name
                    );
                }
            }
        }
    }
}

/// Collects fields as strings.
struct Fields<'a> {
    out: &'a mut Vec<(String, String)>,
    message: Option<String>,
}

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.push(field, value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.push(field, format!("{value:?}"));
    }
}

impl Fields<'_> {
    fn push(&mut self, field: &Field, value: String) {
        if field.name() == "message" {
            self.message = Some(value.clone());
        }
        self.out.push((field.name().to_owned(), value));
    }
}

fn scope<S>(ctx: &Context<'_, S>, start: Option<&Id>) -> Vec<String>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let Some(span) = start.and_then(|id| ctx.span(id)) else {
        return Vec::new();
    };
    span.scope()
        .from_root()
        .map(|s| s.name().to_owned())
        .collect()
}

impl<S> Layer<S> for Recorder
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Vec::new();
        attrs.record(&mut Fields {
            out: &mut fields,
            message: None,
        });
        let parent = if attrs.is_root() {
            None
        } else {
            attrs
                .parent()
                .cloned()
                .or_else(|| ctx.current_span().id().cloned())
        };
        let recorded = Recorded {
            is_span: true,
            name: attrs.metadata().name().to_owned(),
            target: attrs.metadata().target().to_owned(),
            level: attrs.metadata().level().to_string(),
            fields,
            scope: scope(&ctx, parent.as_ref()),
        };
        let mut state = self.lock();
        state.all.push(recorded);
        let at = state.all.len() - 1;
        state.spans.insert(id.into_u64(), at);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut state = self.lock();
        let Some(&at) = state.spans.get(&id.into_u64()) else {
            return;
        };
        values.record(&mut Fields {
            out: &mut state.all[at].fields,
            message: None,
        });
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Vec::new();
        let mut visitor = Fields {
            out: &mut fields,
            message: None,
        };
        event.record(&mut visitor);
        let message = visitor.message.take().unwrap_or_default();
        let parent = if event.is_root() {
            None
        } else {
            event
                .parent()
                .cloned()
                .or_else(|| ctx.current_span().id().cloned())
        };
        let recorded = Recorded {
            is_span: false,
            name: message,
            target: event.metadata().target().to_owned(),
            level: event.metadata().level().to_string(),
            fields,
            scope: scope(&ctx, parent.as_ref()),
        };
        self.lock().all.push(recorded);
    }

    fn on_close(&self, id: Id, _ctx: Context<'_, S>) {
        // Ids are reused after a span closes.
        self.lock().spans.remove(&id.into_u64());
    }
}
