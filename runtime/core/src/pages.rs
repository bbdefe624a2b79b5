//! Paginated methods as streams: every item, page after page, following continuation tokens.

use std::collections::VecDeque;

use futures_core::Stream;
use futures_util::stream;
use serde::de::DeserializeOwned;

use crate::call::Call;
use crate::error::Result;

/// Every item of a paginated method: calls `call(token)` (the first time with `None`, then with
/// each page's continuation token) and yields the items `split` takes from each page, until a
/// page comes without a token. Each call is retried as any call is; an error that remains ends
/// the stream, after being yielded.
pub fn pages<'a, P, T, C, S>(call: C, split: S) -> impl Stream<Item = Result<T>> + Send + Unpin + 'a
where
    P: DeserializeOwned + Send + 'static,
    T: Send + 'a,
    C: FnMut(Option<String>) -> Call<P> + Send + 'a,
    S: Fn(P) -> (Vec<T>, Option<String>) + Send + 'a,
{
    struct State<C, S, T> {
        call: C,
        split: S,
        items: VecDeque<T>,
        /// `Some(token)` while there is another page to ask for (`Some(None)` for the first).
        next: Option<Option<String>>,
    }
    let state = State {
        call,
        split,
        items: VecDeque::new(),
        next: Some(None),
    };
    // Boxed, so that the stream is `Unpin`: `while let Some(item) = stream.next().await` works
    // without pinning it first.
    Box::pin(stream::unfold(state, |mut state| async move {
        loop {
            if let Some(item) = state.items.pop_front() {
                return Some((Ok(item), state));
            }
            let token = state.next.take()?;
            match (state.call)(token).await {
                Ok(page) => {
                    let (items, token) = (state.split)(page);
                    state.items.extend(items);
                    // An empty token is no token (some services send "").
                    state.next = token.filter(|t| !t.is_empty()).map(Some);
                }
                Err(e) => return Some((Err(e), state)),
            }
        }
    }))
}
