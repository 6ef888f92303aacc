//! JSON lines through tracing-subscriber, written off the request path.

use std::fmt;
use std::io::Write;
use std::sync::Arc;

use tracing::Dispatch;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::{EnvFilter, Targets, filter_fn};
use tracing_subscriber::layer::{Layer as _, SubscriberExt as _};
use tracing_subscriber::{Registry, fmt as tfmt};

use super::json_line::{JsonFields, JsonLine};
use super::log_queue::{self, Capacities, Counters, Queues, Worker};
use crate::audit::AUDIT_TARGET;
use crate::config_error::ConfigError;

/// The default filter: `info` and above from every target.
pub const DEFAULT_LOG_FILTER: &str = "info";

/// A JSON-lines log pipeline: one object per line with `timestamp`, `level`,
/// `target`, the event's fields flattened, and the current `request` span
/// (which carries the request id) under `span`.
///
/// Lines are formatted on the calling thread and written by a background
/// thread, so a stalled sink never holds a request:
///
/// - ordinary lines (the access log, application events) wait in a bounded
///   queue ([`JsonLogs::queue_capacity`]); when it is full a line is
///   dropped and counted ([`LogGuard::dropped_lines`]), and once the sink
///   takes lines again a warning on [`super::LOG_WRITER_TARGET`] says how
///   many were lost;
/// - audit events ([`crate::AUDIT_TARGET`]) wait in a bounded queue of their
///   own ([`JsonLogs::audit_queue_capacity`]) and are never dropped quietly:
///   when it is full the request that needs the event is refused with 503
///   (`audit_unavailable`, with `Retry-After`), counted in
///   [`LogGuard::refused_audit_events`].
///
/// Audit events go to the same stream unless [`JsonLogs::audit_to`] routes
/// them to a writer of their own (with a thread of its own).
///
/// ```no_run
/// use portcullis::hardening::JsonLogs;
///
/// let _guard = JsonLogs::stdout().filter("info,portcullis=debug").init().unwrap();
/// // keep `_guard` alive until the end of `main`: dropping it flushes the logs
/// ```
#[must_use]
pub struct JsonLogs {
    writer: Box<dyn Write + Send>,
    audit: Option<Box<dyn Write + Send>>,
    filter: String,
    capacities: Capacities,
}

impl fmt::Debug for JsonLogs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonLogs")
            .field("filter", &self.filter)
            .field("audit_routed", &self.audit.is_some())
            .field("capacities", &self.capacities)
            .finish_non_exhaustive()
    }
}

impl JsonLogs {
    /// Lines on standard output.
    pub fn stdout() -> Self {
        Self::to_writer(std::io::stdout())
    }

    /// Lines into `writer` (a file, a socket, a test buffer).
    pub fn to_writer(writer: impl Write + Send + 'static) -> Self {
        Self {
            writer: Box::new(writer),
            audit: None,
            filter: DEFAULT_LOG_FILTER.to_owned(),
            capacities: Capacities {
                lines: DEFAULT_LOG_QUEUE,
                audit: DEFAULT_LOG_QUEUE,
            },
        }
    }

    /// How many ordinary lines may wait for the writer before new ones are
    /// dropped; [`DEFAULT_LOG_QUEUE`] by default, zero is refused at build.
    pub fn queue_capacity(mut self, lines: usize) -> Self {
        self.capacities.lines = lines;
        self
    }

    /// How many audit lines may wait for the writer before requests that
    /// need one are refused with 503; [`DEFAULT_LOG_QUEUE`] by default, zero
    /// is refused at build.
    pub fn audit_queue_capacity(mut self, lines: usize) -> Self {
        self.capacities.audit = lines;
        self
    }

    /// Keeps the events `directives` enable, in `RUST_LOG` syntax
    /// (`info,portcullis::access=warn`); checked when the pipeline is built.
    pub fn filter(mut self, directives: impl Into<String>) -> Self {
        self.filter = directives.into();
        self
    }

    /// Writes audit events to `writer` instead of the main stream. They are
    /// kept at every level, whatever the main filter says.
    pub fn audit_to(mut self, writer: impl Write + Send + 'static) -> Self {
        self.audit = Some(Box::new(writer));
        self
    }

    /// The subscriber as a [`Dispatch`], and the guard that flushes the
    /// writers when dropped. Use it with `tracing::dispatcher::set_default`
    /// or `with_default` (tests), or call [`JsonLogs::init`].
    pub fn build(self) -> Result<(Dispatch, LogGuard), ConfigError> {
        let filter = EnvFilter::builder()
            .with_default_directive(LevelFilter::INFO.into())
            .parse(&self.filter)
            .map_err(|error| ConfigError::LogFilter(error.to_string()))?;
        let routed = self.audit.is_some();
        let (queues, counters, workers) =
            log_queue::start(self.writer, self.audit, self.capacities)?;
        // Each filter a layer has costs its bookkeeping on every span and
        // event, so the audit exclusion is added only when it excludes.
        let main: Box<dyn tracing_subscriber::Layer<Registry> + Send + Sync> = if routed {
            Box::new(
                json_layer(queues.clone())
                    .with_filter(filter_fn(|metadata| metadata.target() != AUDIT_TARGET))
                    .with_filter(filter),
            )
        } else {
            Box::new(json_layer(queues.clone()).with_filter(filter))
        };
        let audit = routed.then(|| {
            json_layer(queues)
                .with_filter(Targets::new().with_target(AUDIT_TARGET, LevelFilter::TRACE))
        });
        let subscriber = Registry::default().with(main).with(audit);
        Ok((
            Dispatch::new(subscriber),
            LogGuard {
                _workers: workers,
                counters,
            },
        ))
    }

    /// Builds the pipeline and installs it for the whole process.
    pub fn init(self) -> Result<LogGuard, ConfigError> {
        let (dispatch, guard) = self.build()?;
        tracing::dispatcher::set_global_default(dispatch)
            .map_err(|_| ConfigError::LoggingAlreadyInstalled)?;
        Ok(guard)
    }
}

/// How many lines each queue holds by default.
///
/// A few thousand lines cover any burst the writer thread cannot absorb at
/// once; the queue's slots are set aside at start (32 bytes each).
pub const DEFAULT_LOG_QUEUE: usize = 4096;

fn json_layer<S>(writer: Queues) -> impl tracing_subscriber::Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    tfmt::layer()
        .event_format(JsonLine)
        .fmt_fields(JsonFields)
        .with_writer(writer)
}

/// Flushes and stops the log writers when dropped; keep it alive while the
/// application runs.
///
/// Once it is dropped, audit events can no longer be written, so requests
/// that need one are refused (fail closed).
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard {
    _workers: Vec<Worker>,
    counters: Arc<Counters>,
}

impl LogGuard {
    /// How many ordinary lines were dropped because their queue was full.
    pub fn dropped_lines(&self) -> u64 {
        self.counters.dropped()
    }

    /// How many audit events were refused because their queue was full
    /// (each one a request answered 503).
    pub fn refused_audit_events(&self) -> u64 {
        self.counters.refused()
    }
}

impl fmt::Debug for LogGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogGuard")
            .field("writers", &self._workers.len())
            .field("dropped_lines", &self.dropped_lines())
            .field("refused_audit_events", &self.refused_audit_events())
            .finish()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_filter_is_refused_at_build() {
        let error = JsonLogs::to_writer(std::io::sink())
            .filter("info,[=")
            .build()
            .unwrap_err();
        assert!(matches!(error, ConfigError::LogFilter(_)));
    }
}
