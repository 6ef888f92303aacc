//! Scope narrowing: the token carries what was asked for and is held, never more.

use super::error::OAuthError;

/// The scopes to grant: every held scope when none is requested, else the
/// requested ones, each of which must be held.
///
/// Scopes are separated by single or repeated spaces (RFC 6749 section 3.3);
/// a scope token with a character outside `%x21 / %x23-5B / %x5D-7E` or a
/// scope the user does not hold is `invalid_scope`. Duplicates are dropped.
pub(crate) fn narrow(requested: Option<&str>, held: &[String]) -> Result<Vec<String>, OAuthError> {
    let mut granted: Vec<String> = Vec::new();
    let requested: Vec<&str> = requested
        .map(|scope| scope.split(' ').filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    if requested.is_empty() {
        for scope in held {
            if !granted.contains(scope) {
                granted.push(scope.clone());
            }
        }
        return Ok(granted);
    }
    for scope in requested {
        if !is_scope_token(scope) || !held.iter().any(|h| h == scope) {
            return Err(OAuthError::InvalidScope);
        }
        if !granted.iter().any(|g| g == scope) {
            granted.push(scope.to_owned());
        }
    }
    Ok(granted)
}

/// `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`.
fn is_scope_token(scope: &str) -> bool {
    !scope.is_empty()
        && scope
            .bytes()
            .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn held() -> Vec<String> {
        vec!["items:read".into(), "items:write".into()]
    }

    #[test]
    fn nothing_requested_grants_everything_held() {
        assert_eq!(narrow(None, &held()).unwrap(), held());
        assert_eq!(narrow(Some("  "), &held()).unwrap(), held());
    }

    #[test]
    fn requested_scopes_narrow() {
        assert_eq!(
            narrow(Some("items:read"), &held()).unwrap(),
            vec!["items:read"]
        );
        assert_eq!(
            narrow(Some("items:write  items:read items:write"), &held()).unwrap(),
            vec!["items:write", "items:read"]
        );
    }

    #[test]
    fn unheld_or_malformed_scopes_are_refused() {
        assert_eq!(
            narrow(Some("items:read users:delete"), &held()),
            Err(OAuthError::InvalidScope)
        );
        assert_eq!(
            narrow(Some("items:read\titems:write"), &held()),
            Err(OAuthError::InvalidScope)
        );
        assert_eq!(
            narrow(Some("\"items:read\""), &held()),
            Err(OAuthError::InvalidScope)
        );
    }
}
