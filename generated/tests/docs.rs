//! What the rendered docs and a user's imports see: every feature documented (docs.rs metadata),
//! the runtime's modules inlined into this crate's docs, `Event` where the events are, and the
//! runtime's public items all documented.

use tc_client::queue::events::{DecodeError, Event, QueueEvent};

#[test]
fn events_decode_with_what_their_module_exports() {
    let exchange = "exchange/taskcluster-queue/v1/task-group-sealed";
    let err: DecodeError = QueueEvent::decode(exchange, "primary.G.-", b"{}").unwrap_err();
    assert!(err.to_string().contains(exchange), "{err}");
    let err = QueueEvent::decode("exchange/elsewhere", "", b"{}").unwrap_err();
    assert!(err.to_string().contains("not an exchange"), "{err}");
}

#[test]
fn the_rendered_docs_show_every_feature_and_the_runtime() {
    let metadata = "[package.metadata.docs.rs]\nall-features = true\n";
    for (name, manifest) in [
        ("generated/Cargo.toml", include_str!("../Cargo.toml")),
        (
            "runtime/taskcluster/Cargo.toml",
            include_str!("../../runtime/taskcluster/Cargo.toml"),
        ),
    ] {
        assert!(manifest.contains(metadata), "{name} lacks\n{metadata}");
    }
    // `pub use tc_runtime as runtime` alone renders as one line; inlined, its modules show.
    let lib = include_str!("../src/lib.rs");
    assert!(
        lib.contains("#[doc(inline)]\npub use tc_runtime as runtime;"),
        "the runtime is inlined"
    );
    let runtime = include_str!("../../runtime/taskcluster/src/lib.rs");
    assert!(runtime.contains("#![warn(missing_docs)]"));
}
