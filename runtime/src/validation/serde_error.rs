//! A serde error rendered as a validation entry: the pointer it names and a
//! message for the client. Shared by the decoder and the body description.

use serde_path_to_error::Segment;

use super::errors::{ValidationErrors, push_escaped};

/// Records a serde data error found at `path` below the value at `pointer`.
pub(crate) fn push_data_error(
    errors: &mut ValidationErrors,
    mut pointer: String,
    path: &serde_path_to_error::Path,
    message: &str,
) {
    tracing::debug!(target: "portcullis::validation", %path, error = message, "input does not match the expected shape");
    let mut segments: Vec<&Segment> = path.iter().collect();
    if message.starts_with("unknown field") && matches!(segments.last(), Some(Segment::Map { .. }))
    {
        // The key is the client's, not a member of the type: point at its object.
        segments.pop();
    }
    for segment in segments {
        match segment {
            Segment::Seq { index } => {
                pointer.push('/');
                pointer.push_str(&index.to_string());
            }
            Segment::Map { key } => {
                pointer.push('/');
                push_escaped(&mut pointer, key);
            }
            Segment::Enum { variant } => {
                pointer.push('/');
                push_escaped(&mut pointer, variant);
            }
            Segment::Unknown => {}
        }
    }
    let detail = if let Some(field) = quoted_after(message, "missing field ") {
        pointer.push('/');
        push_escaped(&mut pointer, field);
        "is required"
    } else if message.starts_with("invalid type") {
        "has the wrong type"
    } else if message.starts_with("invalid length") {
        "has the wrong number of items"
    } else if message.starts_with("unknown field") {
        "contains a member that is not allowed"
    } else if message.starts_with("duplicate field") {
        "contains a member more than once"
    } else if message.starts_with("invalid value") || message.starts_with("unknown variant") {
        "has a value that is not allowed"
    } else {
        "is not valid"
    };
    errors.push_pointer(pointer, detail);
}

/// The text between the backticks that follow `prefix` at the start of
/// `message`: serde writes the developer's field name there.
fn quoted_after<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    let rest = message.strip_prefix(prefix)?.strip_prefix('`')?;
    rest.split_once('`').map(|(name, _)| name)
}
