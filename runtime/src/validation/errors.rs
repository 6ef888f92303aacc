//! Where a value sits ([`Path`]) and what failed there ([`ValidationErrors`]).

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use crate::problem::FieldError;

/// The location of a value inside a request body, built on the stack while
/// validation walks the value.
///
/// A path costs nothing until a rule fails: only then is it rendered as a URI
/// fragment JSON pointer such as `#/tags/3` (RFC 6901, section 6).
///
/// ```
/// use portcullis::validation::Path;
///
/// let root = Path::root();
/// let tags = Path::key(&root, "tags");
/// let third = Path::index(&tags, 3);
/// assert_eq!(third.to_pointer(), "#/tags/3");
/// assert_eq!(root.to_pointer(), "#");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    segment: Segment,
}

#[derive(Debug, Clone, Copy)]
enum Segment {
    Root,
    Key(&'static str),
    Index(usize),
}

impl<'a> Path<'a> {
    /// The whole body.
    pub const fn root() -> Self {
        Self {
            parent: None,
            segment: Segment::Root,
        }
    }

    /// The member `name` of the object at `parent`.
    pub const fn key(parent: &'a Path<'a>, name: &'static str) -> Self {
        Self {
            parent: Some(parent),
            segment: Segment::Key(name),
        }
    }

    /// The item `index` of the list at `parent`.
    pub const fn index(parent: &'a Path<'a>, index: usize) -> Self {
        Self {
            parent: Some(parent),
            segment: Segment::Index(index),
        }
    }

    /// This path as a URI fragment JSON pointer, such as `#/address/city`.
    pub fn to_pointer(&self) -> String {
        let mut pointer = String::with_capacity(16);
        pointer.push('#');
        self.write_segments(&mut pointer);
        pointer
    }

    /// Appends the segments from the root down to this one.
    fn write_segments(&self, pointer: &mut String) {
        if let Some(parent) = self.parent {
            parent.write_segments(pointer);
        }
        match self.segment {
            Segment::Root => {}
            Segment::Key(name) => {
                pointer.push('/');
                push_escaped(pointer, name);
            }
            Segment::Index(index) => {
                let _ = write!(pointer, "/{index}");
            }
        }
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_pointer())
    }
}

/// Appends `segment` to a URI fragment JSON pointer: `~` and `/` are escaped
/// as RFC 6901 says, and every byte outside the fragment's unreserved set is
/// percent-encoded, so a pointer never carries markup or control characters.
pub(crate) fn push_escaped(pointer: &mut String, segment: &str) {
    for byte in segment.bytes() {
        match byte {
            b'~' => pointer.push_str("~0"),
            b'/' => pointer.push_str("~1"),
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'$'
            | b'!'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'='
            | b':'
            | b'@' => pointer.push(char::from(byte)),
            other => {
                let _ = write!(pointer, "%{other:02X}");
            }
        }
    }
}

/// Every failure a validation found, one entry per failing value, in the
/// order of the fields.
///
/// ```
/// use portcullis::validation::{Path, ValidationErrors};
///
/// let mut errors = ValidationErrors::new();
/// let root = Path::root();
/// errors.push(&Path::key(&root, "name"), "must be at least 3 characters long");
/// assert_eq!(errors.len(), 1);
/// assert_eq!(errors.as_slice()[0].pointer, "#/name");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationErrors {
    errors: Vec<FieldError>,
}

impl ValidationErrors {
    /// An empty list.
    pub const fn new() -> Self {
        Self { errors: Vec::new() }
    }

    /// Records that the value at `path` failed with `detail`.
    pub fn push(&mut self, path: &Path<'_>, detail: impl Into<Cow<'static, str>>) {
        self.errors.push(FieldError {
            pointer: path.to_pointer(),
            detail: detail.into(),
        });
    }

    /// Records a failure at an already rendered pointer.
    pub fn push_pointer(&mut self, pointer: String, detail: impl Into<Cow<'static, str>>) {
        self.errors.push(FieldError {
            pointer,
            detail: detail.into(),
        });
    }

    /// Whether nothing failed.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// How many values failed.
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// The failures, in order.
    pub fn as_slice(&self) -> &[FieldError] {
        &self.errors
    }

    /// The failures as the `errors` member of a problem document.
    pub fn into_vec(self) -> Vec<FieldError> {
        self.errors
    }

    /// `Ok(())` when nothing failed, else `Err(self)`.
    pub fn into_result(self) -> Result<(), Self> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, error) in self.errors.iter().enumerate() {
            if n > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", error.pointer, error.detail)?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn pointers_escape_tilde_slash_and_markup() {
        let root = Path::root();
        let odd = Path::key(&root, "a/b~c");
        assert_eq!(odd.to_pointer(), "#/a~1b~0c");
        let mut pointer = String::from("#");
        push_escaped(&mut pointer, "<script> é");
        assert_eq!(pointer, "#%3Cscript%3E%20%C3%A9");
    }

    #[test]
    fn nested_paths_render_in_order() {
        let root = Path::root();
        let items = Path::key(&root, "items");
        let second = Path::index(&items, 1);
        let name = Path::key(&second, "name");
        assert_eq!(name.to_pointer(), "#/items/1/name");
    }

    #[test]
    fn result_reflects_emptiness() {
        assert!(ValidationErrors::new().into_result().is_ok());
        let mut errors = ValidationErrors::new();
        errors.push(&Path::root(), "is not valid");
        assert_eq!(errors.to_string(), "#: is not valid");
        assert!(errors.into_result().is_err());
    }
}
