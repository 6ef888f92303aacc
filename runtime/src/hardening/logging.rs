//! JSON lines through tracing-subscriber, written off the request path.

use std::fmt;
use std::io::Write;

use tracing::Dispatch;
use tracing::level_filters::LevelFilter;
use tracing_appender::non_blocking::{NonBlocking, NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::filter::{EnvFilter, Targets, filter_fn};
use tracing_subscriber::layer::{Layer as _, SubscriberExt as _};
use tracing_subscriber::{Registry, fmt as tfmt};

use super::json_line::{JsonFields, JsonLine};
use crate::audit::AUDIT_TARGET;
use crate::config_error::ConfigError;

/// The default filter: `info` and above from every target.
pub const DEFAULT_LOG_FILTER: &str = "info";

/// A JSON-lines log pipeline: one object per line with `timestamp`, `level`,
/// `target`, the event's fields flattened, and the current `request` span
/// (which carries the request id) under `span`.
///
/// Lines are formatted on the calling thread and written by a background
/// thread (tracing-appender's non-blocking writer), so a slow stdout never
/// holds a request. Lines are not dropped when that writer falls behind: the
/// caller waits instead, since an audit trail with holes is worth little.
///
/// Audit events ([`crate::AUDIT_TARGET`]) go to the same stream unless
/// [`JsonLogs::audit_to`] routes them to a writer of their own.
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
}

impl fmt::Debug for JsonLogs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonLogs")
            .field("filter", &self.filter)
            .field("audit_routed", &self.audit.is_some())
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
        }
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
        let mut guards = Vec::with_capacity(2);
        let (main, guard) = non_blocking(self.writer);
        guards.push(guard);
        // Each filter a layer has costs its bookkeeping on every span and
        // event, so the audit exclusion is added only when it excludes.
        let main: Box<dyn tracing_subscriber::Layer<Registry> + Send + Sync> = match self.audit {
            Some(_) => Box::new(
                json_layer(main)
                    .with_filter(filter_fn(|metadata| metadata.target() != AUDIT_TARGET))
                    .with_filter(filter),
            ),
            None => Box::new(json_layer(main).with_filter(filter)),
        };
        let audit = self.audit.map(|writer| {
            let (audit, guard) = non_blocking(writer);
            guards.push(guard);
            json_layer(audit)
                .with_filter(Targets::new().with_target(AUDIT_TARGET, LevelFilter::TRACE))
        });
        let subscriber = Registry::default().with(main).with(audit);
        Ok((Dispatch::new(subscriber), LogGuard { _guards: guards }))
    }

    /// Builds the pipeline and installs it for the whole process.
    pub fn init(self) -> Result<LogGuard, ConfigError> {
        let (dispatch, guard) = self.build()?;
        tracing::dispatcher::set_global_default(dispatch)
            .map_err(|_| ConfigError::LoggingAlreadyInstalled)?;
        Ok(guard)
    }
}

/// How many lines may wait for the writer thread before a request waits.
///
/// tracing-appender's default (128,000) sets aside and touches 4 MB at start
/// for the queue alone; a few thousand lines cover any burst the writer
/// thread cannot absorb at once.
const QUEUED_LINES: usize = 4096;

fn non_blocking(writer: Box<dyn Write + Send>) -> (NonBlocking, WorkerGuard) {
    NonBlockingBuilder::default()
        .buffered_lines_limit(QUEUED_LINES)
        .lossy(false)
        .thread_name("portcullis-log")
        .finish(writer)
}

fn json_layer<S>(writer: NonBlocking) -> impl tracing_subscriber::Layer<S>
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
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard {
    _guards: Vec<WorkerGuard>,
}

impl fmt::Debug for LogGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogGuard")
            .field("writers", &self._guards.len())
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
