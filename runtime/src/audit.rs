//! Audit events: one per authorization decision, on their own tracing target.

use crate::policy::PolicyInfo;

/// The tracing target of audit events, so a subscriber can route them apart.
pub const AUDIT_TARGET: &str = "portcullis::audit";

/// Records an authorization decision. Credentials never appear in it.
pub(crate) fn decision(subject: Option<&str>, policy: &PolicyInfo, outcome: Outcome, reason: &str) {
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
}

/// Whether a request was let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Allow,
    Deny,
}
