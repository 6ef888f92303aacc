//! Audit events: one per authorization decision, on their own tracing target.

use std::cell::Cell;

use http::{HeaderValue, StatusCode};

use crate::policy::PolicyInfo;
use crate::problem::{Problem, ProblemResponder};
use crate::rejection::AuthRejection;

/// The tracing target of audit events, so a subscriber can route them apart.
pub const AUDIT_TARGET: &str = "portcullis::audit";

thread_local! {
    /// Set by the log writer when the audit event being recorded on this
    /// thread found its queue full (the event is written on the thread that
    /// records it, so no request sees another's refusal).
    static REFUSED: Cell<bool> = const { Cell::new(false) };
}

/// Called by the log writer: the audit event being recorded on this thread
/// could not be queued.
#[cfg(feature = "json-logs")]
pub(crate) fn refuse_current() {
    REFUSED.set(true);
}

/// Records an authorization decision. Credentials never appear in it.
///
/// `Err` when the log pipeline could not take the event (its audit queue is
/// full): the request must then be refused rather than served unrecorded.
pub(crate) fn decision(
    subject: Option<&str>,
    policy: &PolicyInfo,
    outcome: Outcome,
    reason: &str,
) -> Result<(), AuditUnavailable> {
    REFUSED.set(false);
    let subject = subject.unwrap_or("-");
    let policy_id = policy.id;
    let requirement = &policy.requirement;
    match outcome {
        Outcome::Allow => {
            tracing::info!(target: AUDIT_TARGET, subject, policy_id, policy = %requirement, outcome = "allow", reason, "authorization decision")
        }
        Outcome::Deny => {
            tracing::warn!(target: AUDIT_TARGET, subject, policy_id, policy = %requirement, outcome = "deny", reason, "authorization decision")
        }
    }
    if REFUSED.replace(false) {
        Err(AuditUnavailable)
    } else {
        Ok(())
    }
}

/// The audit event of a decision could not be recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AuditUnavailable;

impl AuditUnavailable {
    /// 503 `audit_unavailable` with `Retry-After`: the request is refused
    /// rather than served without its audit line.
    pub(crate) fn rejection(self, responder: &ProblemResponder) -> AuthRejection {
        AuthRejection::unavailable(
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "audit_unavailable",
                "the request cannot be recorded right now; try again shortly",
            ),
            HeaderValue::from_static("1"),
            responder.clone(),
        )
    }
}

/// Whether a request was let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Allow,
    Deny,
}
