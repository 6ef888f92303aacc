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
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, SystemTime};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, bounded, select_biased};
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
    counters: Arc<Counters>,
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
            }
        } else if queues.lines.is_full() || queues.lines.try_send(line.to_vec()).is_err() {
            queues.counters.dropped.fetch_add(1, Ordering::Relaxed);
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
    stop: Arc<AtomicBool>,
    /// The queues the thread drains, to wake it with an empty line.
    wake: Vec<Sender<Vec<u8>>>,
    done: Receiver<()>,
}

impl Drop for Worker {
    /// Asks the thread to write what is queued and waits a moment for it; a
    /// sink that stays stalled is left behind rather than hanging the exit.
    ///
    /// The flag is looked at after every line, so the thread stops at once
    /// when it is busy; when it waits, the empty line (written as nothing)
    /// wakes it. A full queue needs no waking: the thread is busy.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        for queue in &self.wake {
            let _ = queue.try_send(Vec::new());
        }
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
    match audit {
        None => workers.push(spawn(
            "portcullis-log",
            Drain::new(main, Some(lines_rx), Some(audit_rx), &counters),
            vec![lines.clone(), audit_tx.clone()],
        )?),
        Some(audit_sink) => {
            workers.push(spawn(
                "portcullis-log",
                Drain::new(main, Some(lines_rx), None, &counters),
                vec![lines.clone()],
            )?);
            workers.push(spawn(
                "portcullis-audit",
                Drain::new(audit_sink, None, Some(audit_rx), &counters),
                vec![audit_tx.clone()],
            )?);
        }
    }
    let queues = Queues {
        lines,
        audit: audit_tx,
        counters: Arc::clone(&counters),
    };
    Ok((queues, counters, workers))
}

fn spawn(name: &str, drain: Drain, wake: Vec<Sender<Vec<u8>>>) -> Result<Worker, ConfigError> {
    let stop = Arc::new(AtomicBool::new(false));
    let told = Arc::clone(&stop);
    let (done_tx, done) = bounded(1);
    thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            drain.run(&told);
            let _ = done_tx.send(());
        })
        .map_err(|_| ConfigError::LogWriter("the log writer thread could not be started"))?;
    Ok(Worker { stop, wake, done })
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
    /// then writes what is still queued.
    ///
    /// A thread with one queue waits on it alone (`recv_timeout`), one with
    /// both selects over the two: each queue waited on costs a registration
    /// per line, so the stop signal is a flag rather than a third queue.
    fn run(mut self, stop: &AtomicBool) {
        let queues: Vec<Receiver<Vec<u8>>> = self
            .audit
            .iter()
            .chain(self.lines.iter())
            .cloned()
            .collect();
        loop {
            let open = match queues.as_slice() {
                [audit, lines] => select_biased! {
                    recv(audit) -> line => self.take(line.ok()),
                    recv(lines) -> line => self.take(line.ok()),
                    default(TICK) => true,
                },
                [queue] => match queue.recv_timeout(TICK) {
                    Ok(line) => self.take(Some(line)),
                    Err(RecvTimeoutError::Timeout) => true,
                    Err(RecvTimeoutError::Disconnected) => false,
                },
                _ => false,
            };
            if !open || stop.load(Ordering::Acquire) {
                break;
            }
            self.report();
            if queues.iter().all(Receiver::is_empty) {
                let _ = self.sink.flush();
            }
        }
        for queue in &queues {
            while let Ok(line) = queue.try_recv() {
                self.write(&line);
            }
        }
        self.report();
        let _ = self.sink.flush();
    }

    /// Writes a received line; `false` when its queue is closed.
    fn take(&mut self, line: Option<Vec<u8>>) -> bool {
        match line {
            Some(line) => {
                self.write(&line);
                true
            }
            None => false,
        }
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
