//! Settling deliveries: a run of consecutive acked deliveries goes to the broker as one
//! `basic.ack` with `multiple`, nacks go one by one, all in the order the program made them.
//! Acks that a message still being handled keeps out of the run (a program handling several
//! at once) go one by one, so that a slow message never holds up the window.
//!
//! An ack per message costs more than everything else a consumer does: the broker settles
//! each one on its own (a quorum queue writes each to its log), and lapin hands each one
//! through two of its tasks. Coalescing them is what lets a consumer decode typed messages
//! faster than a raw lapin consumer that acks one by one (bench/README, the Pulse rows).
//!
//! At least once still holds: an ack is only ever sent for deliveries the program acked, and
//! one not sent yet when the connection drops is redelivered, like an ack lost on the wire.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use lapin::Channel;
use lapin::options::{BasicAckOptions, BasicNackOptions};
use tokio::sync::{mpsc, oneshot};

use super::connection::Liveness;
use super::error::{Error, ErrorKind};

/// Acks wait at most this long for others to join them, even if the program stops reading
/// the stream.
const FLUSH_AFTER: Duration = Duration::from_millis(20);

/// The acks and nacks of one channel's deliveries. Cheap to clone: every message holds one.
#[derive(Clone)]
pub(super) struct Acks {
    shared: Arc<Shared>,
}

struct Shared {
    window: Mutex<Window>,
    /// To the task that sends them, in order (see [`send`]).
    commands: mpsc::UnboundedSender<Command>,
    liveness: Liveness,
    /// The consumer's runtime, for the flush timer.
    runtime: tokio::runtime::Handle,
    /// This many acks collected are sent without waiting for the stream to go idle or the
    /// timer.
    batch: usize,
}

/// Deliveries the broker still counts as unacknowledged, oldest first.
#[derive(Default)]
struct Window {
    pending: VecDeque<(u64, State)>,
    /// How many at the front of `pending` are no longer `Open`.
    settled_front: usize,
    /// How many of `pending` are `Acked`, and how many are not `Open`.
    acked: usize,
    settled: usize,
    /// Whether a timer will flush the window.
    timer_armed: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    Open,
    /// Acked by the program; sent with the next flush.
    Acked,
    /// Nacked by the program; its nack is already on its way.
    Nacked,
}

impl Window {
    /// Marks open delivery `tag` acked or nacked; false if it is not one.
    fn settle(&mut self, tag: u64, state: State) -> bool {
        let i = match self.pending.binary_search_by_key(&tag, |(t, _)| *t) {
            Ok(i) if self.pending[i].1 == State::Open => i,
            _ => return false,
        };
        self.pending[i].1 = state;
        self.settled += 1;
        if state == State::Acked {
            self.acked += 1;
        }
        if i == self.settled_front {
            let mut front = i + 1;
            while self
                .pending
                .get(front)
                .is_some_and(|(_, s)| *s != State::Open)
            {
                front += 1;
            }
            self.settled_front = front;
        }
        true
    }

    /// The acks to send, as `(tag, multiple)`: one for the settled front, up to its last
    /// acked delivery, then one for each acked delivery after the first open one. Leaves the
    /// open deliveries only.
    fn take_acks(&mut self) -> Vec<(u64, bool)> {
        let front = std::mem::take(&mut self.settled_front);
        let acked = |(tag, state): &(u64, State)| (*state == State::Acked).then_some(*tag);
        let run = self.pending.range(..front).rev().find_map(acked);
        let alone = self.pending.range(front..).filter_map(acked);
        let acks = run
            .map(|tag| (tag, true))
            .into_iter()
            .chain(alone.map(|tag| (tag, false)))
            .collect();
        self.pending.drain(..front);
        if self.settled > front {
            self.pending.retain(|(_, state)| *state == State::Open);
        }
        self.acked = 0;
        self.settled = 0;
        acks
    }
}

#[derive(Debug)]
enum Command {
    /// `basic.ack` of this delivery, or with `multiple` (`true`) of every unsettled delivery
    /// up to it.
    Ack(u64, bool),
    /// `basic.nack` of this one delivery, requeued or not.
    Nack(u64, bool),
    /// Answered once everything before it is on the wire.
    Sent(oneshot::Sender<()>),
}

impl Acks {
    /// Settles the deliveries of `channel`, `prefetch` of which the broker sends ahead.
    /// Spawns the sending task on the current tokio runtime.
    pub(super) fn new(channel: &Channel, liveness: Liveness, prefetch: u16) -> Result<Acks, Error> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::new(
                ErrorKind::Config,
                "a Pulse consumer runs on a tokio runtime",
            )
        })?;
        let (commands, receiver) = mpsc::unbounded_channel();
        runtime.spawn(send(channel.clone(), liveness.clone(), receiver));
        // Half the window: the broker keeps the other half coming while a run collects.
        let batch = match prefetch {
            0 => 100,
            n => usize::from(n / 2).max(1),
        };
        Ok(Acks {
            shared: Arc::new(Shared {
                window: Mutex::new(Window::default()),
                commands,
                liveness,
                runtime,
                batch,
            }),
        })
    }

    /// Records a delivery (in the order they arrive) so that its ack can join a run.
    pub(super) fn delivered(&self, tag: u64) {
        self.shared.lock().pending.push_back((tag, State::Open));
    }

    /// Acks delivery `tag`: sent with the next flush, which this starts if `batch` acks are
    /// collected.
    pub(super) fn ack(&self, tag: u64) -> Result<(), Error> {
        self.settle(tag, None)
    }

    /// Nacks delivery `tag` (requeued or dropped), after the acks made before it.
    pub(super) fn nack(&self, tag: u64, requeue: bool) -> Result<(), Error> {
        self.settle(tag, Some(requeue))
    }

    /// Sends the acks collected so far: the stream calls it before it waits for the broker,
    /// which may be waiting for them.
    pub(super) fn flush(&self) {
        self.shared.flush(&mut self.shared.lock());
    }

    /// Flushes, and returns once every ack and nack made so far is written to the broker;
    /// fails if the channel closed before.
    pub(super) async fn sent(&self) -> Result<(), Error> {
        let (done, sent) = oneshot::channel();
        {
            let mut window = self.shared.lock();
            self.shared.flush(&mut window);
            if self.shared.commands.send(Command::Sent(done)).is_err() {
                return Err(unsent());
            }
        }
        match self.shared.liveness.unless_down(sent).await {
            Some(Ok(())) => Ok(()),
            _ => Err(unsent()),
        }
    }

    /// Acks (`nack` none) or nacks delivery `tag`.
    fn settle(&self, tag: u64, nack: Option<bool>) -> Result<(), Error> {
        let what = if nack.is_some() { "nack" } else { "ack" };
        let shared = &self.shared;
        if !shared.liveness.alive() {
            return Err(closed(what));
        }
        let mut window = shared.lock();
        let state = if nack.is_some() {
            State::Nacked
        } else {
            State::Acked
        };
        if !window.settle(tag, state) {
            return Err(closed(what));
        }
        if let Some(requeue) = nack {
            // Queued now, under the lock, so before any later ack that covers it.
            if shared.commands.send(Command::Nack(tag, requeue)).is_err() {
                return Err(closed(what));
            }
        }
        if window.acked >= shared.batch {
            shared.flush(&mut window);
        } else if !window.timer_armed {
            shared.arm_timer(&self.shared, &mut window);
        }
        Ok(())
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Window> {
        // The window's invariants hold between statements: a panic elsewhere cannot break them.
        self.window
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sends the acks collected.
    fn flush(&self, window: &mut Window) {
        for (tag, multiple) in window.take_acks() {
            // If the sender has gone the channel has too: the broker redelivers.
            let _ = self.commands.send(Command::Ack(tag, multiple));
        }
    }

    /// Flushes the window in [`FLUSH_AFTER`], on the consumer's runtime.
    fn arm_timer(&self, this: &Arc<Shared>, window: &mut Window) {
        window.timer_armed = true;
        let shared = Arc::downgrade(this);
        self.runtime.spawn(async move {
            tokio::time::sleep(FLUSH_AFTER).await;
            if let Some(shared) = Weak::upgrade(&shared) {
                let mut window = shared.lock();
                window.timer_armed = false;
                shared.flush(&mut window);
            }
        });
    }
}

impl Drop for Shared {
    /// The stream and every message are gone: send what is collected; the task then ends,
    /// and with it the channel.
    fn drop(&mut self) {
        let mut window = std::mem::take(self.window.get_mut().unwrap_or_else(|p| p.into_inner()));
        self.flush(&mut window);
    }
}

/// The task that sends a channel's acks and nacks, one after the other, until every [`Acks`]
/// of the channel is gone or the channel closes.
async fn send(
    channel: Channel,
    liveness: Liveness,
    mut commands: mpsc::UnboundedReceiver<Command>,
) {
    while let Some(command) = commands.recv().await {
        let sent = match command {
            Command::Ack(tag, multiple) => {
                let options = BasicAckOptions { multiple };
                liveness.unless_down(channel.basic_ack(tag, options)).await
            }
            Command::Nack(tag, requeue) => {
                let one = BasicNackOptions {
                    multiple: false,
                    requeue,
                };
                liveness.unless_down(channel.basic_nack(tag, one)).await
            }
            Command::Sent(done) => {
                let _ = done.send(());
                continue;
            }
        };
        // The channel has closed: the broker requeues whatever is unacked.
        if !matches!(sent, Some(Ok(()))) {
            return;
        }
    }
}

fn closed(what: &str) -> Error {
    Error::new(
        ErrorKind::Channel,
        format!(
            "cannot {what}: the channel the message came on has closed; the broker redelivers it"
        ),
    )
}

fn unsent() -> Error {
    Error::new(
        ErrorKind::Channel,
        "cannot send the acks: the channel has closed; the broker redelivers what they were for",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(tags: std::ops::RangeInclusive<u64>) -> Window {
        let mut w = Window::default();
        w.pending.extend(tags.map(|t| (t, State::Open)));
        w
    }

    fn open(w: &Window) -> Vec<u64> {
        w.pending.iter().map(|(t, _)| *t).collect()
    }

    #[test]
    fn consecutive_acks_go_as_one_run() {
        let mut w = window(1..=5);
        for tag in [2, 1, 3] {
            assert!(w.settle(tag, State::Acked));
        }
        assert_eq!(w.acked, 3);
        assert_eq!(w.take_acks(), [(3, true)]);
        assert_eq!(open(&w), [4, 5]);
        assert_eq!(w.take_acks(), [], "nothing twice");
    }

    #[test]
    fn an_open_delivery_ends_the_run_and_later_acks_go_alone() {
        let mut w = window(1..=6);
        for tag in [1, 2, 4, 6] {
            w.settle(tag, State::Acked);
        }
        assert_eq!(w.take_acks(), [(2, true), (4, false), (6, false)]);
        assert_eq!(open(&w), [3, 5]);
        // Settled, the open ones go in turn; a run never reaches past an open one.
        w.settle(5, State::Acked);
        w.settle(3, State::Acked);
        assert_eq!(w.take_acks(), [(5, true)]);
        assert!(w.pending.is_empty());
    }

    #[test]
    fn nacked_deliveries_are_skipped_not_acked() {
        let mut w = window(1..=4);
        w.settle(1, State::Acked);
        w.settle(2, State::Nacked);
        w.settle(4, State::Nacked);
        assert_eq!(w.acked, 1);
        // 2's nack went first: a run up to 1 leaves it alone; 4 is neither open nor acked.
        assert_eq!(w.take_acks(), [(1, true)]);
        assert_eq!(open(&w), [3]);
        w.settle(3, State::Acked);
        assert_eq!(w.take_acks(), [(3, true)]);
    }

    #[test]
    fn only_open_deliveries_settle() {
        let mut w = window(1..=2);
        assert!(w.settle(1, State::Acked));
        assert!(!w.settle(1, State::Nacked), "settled already");
        assert!(!w.settle(9, State::Acked), "never delivered");
        assert_eq!(w.take_acks(), [(1, true)]);
        assert!(!w.settle(1, State::Acked), "sent already");
    }
}
