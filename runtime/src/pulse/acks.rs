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

use super::{Error, ErrorKind, Liveness};

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
    /// How many of `pending` are `Acked`.
    acked: usize,
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
    /// Spawns the sending task: call within a tokio runtime.
    pub(super) fn new(channel: &Channel, liveness: Liveness, prefetch: u16) -> Acks {
        let (commands, receiver) = mpsc::unbounded_channel();
        tokio::spawn(send(channel.clone(), liveness.clone(), receiver));
        // Half the window: the broker keeps the other half coming while a run collects.
        let batch = match prefetch {
            0 => 100,
            n => usize::from(n / 2).max(1),
        };
        Acks {
            shared: Arc::new(Shared {
                window: Mutex::new(Window::default()),
                commands,
                liveness,
                batch,
            }),
        }
    }

    /// Records a delivery (in the order they arrive) so that its ack can join a run.
    pub(super) fn delivered(&self, tag: u64) {
        self.shared.lock().pending.push_back((tag, State::Open));
    }

    /// Acks delivery `tag`: at once if it completes a run, else with the next flush.
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
        let i = match window.pending.binary_search_by_key(&tag, |(t, _)| *t) {
            Ok(i) if window.pending[i].1 == State::Open => i,
            _ => return Err(closed(what)),
        };
        window.pending[i].1 = match nack {
            None => {
                window.acked += 1;
                State::Acked
            }
            Some(requeue) => {
                // Queued now, so before any later ack that covers it.
                if shared.commands.send(Command::Nack(tag, requeue)).is_err() {
                    return Err(closed(what));
                }
                State::Nacked
            }
        };
        if i == window.settled_front {
            let mut front = i + 1;
            while window
                .pending
                .get(front)
                .is_some_and(|(_, s)| *s != State::Open)
            {
                front += 1;
            }
            window.settled_front = front;
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

    /// Sends the acks collected: one for the settled front of the window, up to its last
    /// acked delivery, and one for each acked delivery after the first open one. What is left
    /// is the open deliveries.
    fn flush(&self, window: &mut Window) {
        let front = std::mem::take(&mut window.settled_front);
        let acked = |(tag, state): &(u64, State)| (*state == State::Acked).then_some(*tag);
        let run = window.pending.range(..front).rev().find_map(acked);
        let alone = window.pending.range(front..).filter_map(acked);
        let commands = run
            .map(|tag| Command::Ack(tag, true))
            .into_iter()
            .chain(alone.map(|tag| Command::Ack(tag, false)));
        for command in commands {
            // If the sender has gone the channel has too: the broker redelivers.
            let _ = self.commands.send(command);
        }
        window.pending.drain(..front);
        // Beyond the front, only what is still open stays.
        if !window.pending.is_empty() {
            window.pending.retain(|(_, state)| *state == State::Open);
        }
        window.acked = 0;
    }

    /// Flushes the window in [`FLUSH_AFTER`] (at once outside a tokio runtime).
    fn arm_timer(&self, this: &Arc<Shared>, window: &mut Window) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return self.flush(window);
        };
        window.timer_armed = true;
        let shared = Arc::downgrade(this);
        runtime.spawn(async move {
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
