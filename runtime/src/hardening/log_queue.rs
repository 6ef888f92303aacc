//! The queues between the request path and the log writer threads, so that
//! a stalled log sink never holds a request.
//!
//! Ordinary lines (the access log, application events) wait in one bounded
//! queue and are dropped when it is full: counted, and reported by a warning
//! line once the sink takes lines again. Audit lines wait in a bounded queue
//! of their own and are never dropped quietly: when it is full the event is
//! refused on the spot ([`crate::audit`] learns it on the same thread), and
//! the request that needed it is answered 503.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering, fence};
use std::sync::{Arc, OnceLock};
use std::thread::{self, Thread};
use std::time::{Duration, SystemTime};

use crossbeam_channel::{Receiver, Sender, TryRecvError, bounded};
use tracing::Metadata;
use tracing_subscriber::fmt::MakeWriter;

use super::json_line::write_timestamp;
use crate::audit::{self, AUDIT_TARGET};
use crate::config_error::ConfigError;

/// The tracing target named in the log writer's own warnings.
pub const LOG_WRITER_TARGET: &str = "portcullis::log";

/// How often an idle writer thread looks for drops to report.
const TICK: Duration = Duration::from_secs(1);

/// How long dropping the guard waits for a writer to finish its queue.
const FLUSH_WAIT: Duration = Duration::from_secs(1);

/// What the queues counted since the pipeline started.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    /// Ordinary lines dropped because their queue was full.
    dropped: AtomicU64,
    /// Audit events refused because their queue was full.
    refused: AtomicU64,
}

impl Counters {
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    pub(crate) fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }
}

/// The sending ends of both queues: the `MakeWriter` of the JSON layers.
#[derive(Debug, Clone)]
pub(crate) struct Queues {
    lines: Sender<Vec<u8>>,
    audit: Sender<Vec<u8>>,
    /// Wakes the thread that drains `lines`.
    lines_bell: Arc<Bell>,
    /// Wakes the thread that drains `audit`.
    audit_bell: Arc<Bell>,
    counters: Arc<Counters>,
}

/// How a writer thread sleeps and is woken: it parks when its queues are
/// empty, and a line put in them unparks it only when it said it sleeps.
///
/// Cheaper than blocking on the channels (a `select` registers with and
/// unregisters from every queue it waits on, for every line). No wake-up
/// is lost: the thread says it sleeps before it looks at its queues a last
/// time, a sender looks whether it sleeps after putting its line in, both
/// with sequentially consistent ordering, and an `unpark` that comes before
/// the `park` makes the `park` return at once.
#[derive(Debug, Default)]
pub(crate) struct Bell {
    sleeping: AtomicBool,
    stop: AtomicBool,
    thread: OnceLock<Thread>,
}

impl Bell {
    /// After a line was put in a queue this bell's thread drains.
    fn ring(&self) {
        fence(Ordering::SeqCst);
        if self.sleeping.load(Ordering::SeqCst) {
            self.wake();
        }
    }

    fn wake(&self) {
        if let Some(thread) = self.thread.get() {
            thread.unpark();
        }
    }
}

impl<'a> MakeWriter<'a> for Queues {
    type Writer = Enqueue<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        Enqueue {
            queues: self,
            audit: false,
        }
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> Self::Writer {
        Enqueue {
            queues: self,
            audit: meta.target() == AUDIT_TARGET,
        }
    }
}

/// Puts one formatted line in its queue, never waiting.
pub(crate) struct Enqueue<'a> {
    queues: &'a Queues,
    audit: bool,
}

impl Write for Enqueue<'_> {
    /// The formatter hands over a whole line in one call. A full queue is
    /// looked at before the line is copied, so a stalled sink costs no
    /// allocation either.
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        let queues = self.queues;
        if self.audit {
            // a writer gone (the guard dropped) refuses too: fail closed
            if queues.audit.is_full() || queues.audit.try_send(line.to_vec()).is_err() {
                queues.counters.refused.fetch_add(1, Ordering::Relaxed);
                audit::refuse_current();
            } else {
                queues.audit_bell.ring();
            }
        } else if queues.lines.is_full() || queues.lines.try_send(line.to_vec()).is_err() {
            queues.counters.dropped.fetch_add(1, Ordering::Relaxed);
        } else {
            queues.lines_bell.ring();
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A writer thread, as its guard holds it.
#[derive(Debug)]
pub(crate) struct Worker {
    bell: Arc<Bell>,
    done: Receiver<()>,
}

impl Drop for Worker {
    /// Asks the thread to write what is queued and waits a moment for it; a
    /// sink that stays stalled is left behind rather than hanging the exit.
    fn drop(&mut self) {
        self.bell.stop.store(true, Ordering::SeqCst);
        self.bell.wake();
        let _ = self.done.recv_timeout(FLUSH_WAIT);
    }
}

/// The queue sizes, in lines.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Capacities {
    pub(crate) lines: usize,
    pub(crate) audit: usize,
}

/// Starts a writer thread for `main` (ordinary lines, and audit lines unless
/// `audit` is given) and one for `audit`.
pub(crate) fn start(
    main: Box<dyn Write + Send>,
    audit: Option<Box<dyn Write + Send>>,
    capacities: Capacities,
) -> Result<(Queues, Arc<Counters>, Vec<Worker>), ConfigError> {
    if capacities.lines == 0 || capacities.audit == 0 {
        return Err(ConfigError::LogWriter(
            "a log queue holds no line; give it a capacity of at least 1",
        ));
    }
    let counters = Arc::new(Counters::default());
    let (lines, lines_rx) = bounded(capacities.lines);
    let (audit_tx, audit_rx) = bounded(capacities.audit);
    let mut workers = Vec::with_capacity(2);
    let (lines_bell, audit_bell) = match audit {
        None => {
            let bell = Arc::new(Bell::default());
            workers.push(spawn(
                "portcullis-log",
                Drain::new(main, Some(lines_rx), Some(audit_rx), &counters),
                &bell,
            )?);
            (Arc::clone(&bell), bell)
        }
        Some(audit_sink) => {
            let lines_bell = Arc::new(Bell::default());
            let audit_bell = Arc::new(Bell::default());
            workers.push(spawn(
                "portcullis-log",
                Drain::new(main, Some(lines_rx), None, &counters),
                &lines_bell,
            )?);
            workers.push(spawn(
                "portcullis-audit",
                Drain::new(audit_sink, None, Some(audit_rx), &counters),
                &audit_bell,
            )?);
            (lines_bell, audit_bell)
        }
    };
    let queues = Queues {
        lines,
        audit: audit_tx,
        lines_bell,
        audit_bell,
        counters: Arc::clone(&counters),
    };
    Ok((queues, counters, workers))
}

fn spawn(name: &str, drain: Drain, bell: &Arc<Bell>) -> Result<Worker, ConfigError> {
    let (done_tx, done) = bounded(1);
    let own = Arc::clone(bell);
    thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            // set before the thread first says it sleeps, so a sender that
            // sees it asleep also finds whom to wake
            let _ = own.thread.set(thread::current());
            drain.run(&own);
            let _ = done_tx.send(());
        })
        .map_err(|_| ConfigError::LogWriter("the log writer thread could not be started"))?;
    Ok(Worker {
        bell: Arc::clone(bell),
        done,
    })
}

/// One writer thread's sink, queues and what it has reported so far.
struct Drain {
    sink: Box<dyn Write + Send>,
    lines: Option<Receiver<Vec<u8>>>,
    audit: Option<Receiver<Vec<u8>>>,
    counters: Arc<Counters>,
    reported_dropped: u64,
    reported_refused: u64,
}

impl Drain {
    fn new(
        sink: Box<dyn Write + Send>,
        lines: Option<Receiver<Vec<u8>>>,
        audit: Option<Receiver<Vec<u8>>>,
        counters: &Arc<Counters>,
    ) -> Self {
        Self {
            sink,
            lines,
            audit,
            counters: Arc::clone(counters),
            reported_dropped: 0,
            reported_refused: 0,
        }
    }

    /// Writes lines as they come, audit lines first, until told to stop;
    /// then writes what is still queued. Sleeps (parked, see [`Bell`])
    /// when both queues are empty, at most [`TICK`] at a time.
    fn run(mut self, bell: &Bell) {
        let queues: Vec<Receiver<Vec<u8>>> = self
            .audit
            .iter()
            .chain(self.lines.iter())
            .cloned()
            .collect();
        loop {
            // one line at a time, audit lines first, as a biased select
            let mut wrote = false;
            let mut closed;
            'drain: loop {
                closed = 0;
                for queue in &queues {
                    match queue.try_recv() {
                        Ok(line) => {
                            self.write(&line);
                            wrote = true;
                            if bell.stop.load(Ordering::SeqCst) {
                                break 'drain;
                            }
                            continue 'drain;
                        }
                        Err(TryRecvError::Disconnected) => closed += 1,
                        Err(TryRecvError::Empty) => {}
                    }
                }
                break;
            }
            // every sender gone: nothing more can come
            if closed == queues.len() {
                break;
            }
            if bell.stop.load(Ordering::SeqCst) {
                break;
            }
            self.report();
            if wrote {
                let _ = self.sink.flush();
            }
            bell.sleeping.store(true, Ordering::SeqCst);
            fence(Ordering::SeqCst);
            if queues.iter().all(Receiver::is_empty) && !bell.stop.load(Ordering::SeqCst) {
                thread::park_timeout(TICK);
            }
            bell.sleeping.store(false, Ordering::SeqCst);
        }
        for queue in &queues {
            while let Ok(line) = queue.try_recv() {
                self.write(&line);
            }
        }
        self.report();
        let _ = self.sink.flush();
    }

    fn write(&mut self, line: &[u8]) {
        // Nothing to tell a request that is already answered; a sink that
        // fails keeps failing and the lines are lost, as with any writer.
        let _ = self.sink.write_all(line);
    }

    /// Writes a warning for lines dropped and audit events refused since the
    /// last one: the sink takes lines again, so it can say what it missed.
    fn report(&mut self) {
        if self.lines.is_some() {
            let dropped = self.counters.dropped();
            if dropped > self.reported_dropped {
                let line = warning(
                    "log lines dropped: the log sink fell behind",
                    "dropped",
                    dropped - self.reported_dropped,
                );
                self.reported_dropped = dropped;
                self.write(line.as_bytes());
            }
        }
        if self.audit.is_some() {
            let refused = self.counters.refused();
            if refused > self.reported_refused {
                let line = warning(
                    "audit queue full: requests needing an audit event were refused with 503",
                    "refused",
                    refused - self.reported_refused,
                );
                self.reported_refused = refused;
                self.write(line.as_bytes());
            }
        }
    }
}

/// A warning line in the shape of [`super::json_line::JsonLine`]'s.
fn warning(message: &str, field: &str, count: u64) -> String {
    let mut line = String::with_capacity(160);
    line.push_str("{\"timestamp\":\"");
    let _ = write_timestamp(&mut line, SystemTime::now());
    let _ = writeln!(
        line,
        "\",\"level\":\"WARN\",\"target\":\"{LOG_WRITER_TARGET}\",\"message\":\"{message}\",\"{field}\":{count}}}"
    );
    line
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn warnings_are_json_lines() {
        let line = warning("lines dropped", "dropped", 7);
        assert!(line.ends_with('\n'));
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["dropped"], 7);
        assert_eq!(value["target"], LOG_WRITER_TARGET);
        assert_eq!(value["level"], "WARN");
    }

    #[test]
    fn empty_queues_are_refused() {
        let capacities = Capacities { lines: 0, audit: 1 };
        assert!(matches!(
            start(Box::new(io::sink()), None, capacities),
            Err(ConfigError::LogWriter(_))
        ));
    }
}
