//! Password hashing with Argon2id (PHC strings), for seeding and verifying.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use secrecy::{ExposeSecret, SecretString};

/// Hashes `password` with Argon2id and a random salt, as a PHC string.
///
/// Use it to seed a user store; store the result, never the password.
///
/// ```
/// let hash = portcullis::users::hash_password("correct horse").unwrap();
/// assert!(hash.starts_with("$argon2id$"));
/// assert!(portcullis::users::verify_password(&hash, "correct horse"));
/// assert!(!portcullis::users::verify_password(&hash, "wrong"));
/// ```
pub fn hash_password(password: &str) -> Result<String, PasswordHashError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|_| PasswordHashError)
}

/// Whether `password` matches the PHC `hash`; a malformed hash matches nothing.
pub fn verify_password(hash: &str, password: &str) -> bool {
    #[cfg(test)]
    tests::VERIFICATIONS.with(|count| count.set(count.get() + 1));
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Verifies against a stored secret hash; `None` runs the same work on a decoy.
///
/// Unknown users cost as much as known ones, so timing does not reveal which
/// usernames exist.
pub(crate) fn verify_or_decoy(hash: Option<&SecretString>, decoy: &str, password: &str) -> bool {
    match hash {
        Some(hash) => verify_password(hash.expose_secret(), password),
        None => {
            let _ = verify_password(decoy, password);
            false
        }
    }
}

/// Hashing failed (the random source or parameters were unusable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordHashError;

impl std::fmt::Display for PasswordHashError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the password could not be hashed")
    }
}

impl std::error::Error for PasswordHashError {}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use secrecy::SecretString;

    use super::*;

    thread_local! {
        /// Argon2 verifications run on this thread.
        pub(super) static VERIFICATIONS: Cell<usize> = const { Cell::new(0) };
    }

    fn verifications_during(check: impl FnOnce() -> bool) -> (bool, usize) {
        let before = VERIFICATIONS.with(Cell::get);
        let outcome = check();
        (outcome, VERIFICATIONS.with(Cell::get) - before)
    }

    #[test]
    fn unknown_users_cost_one_argon2_verification_like_known_ones() {
        let decoy = hash_password("decoy").unwrap();
        let stored = SecretString::from(hash_password("right").unwrap());
        assert_eq!(
            verifications_during(|| verify_or_decoy(Some(&stored), &decoy, "right")),
            (true, 1)
        );
        assert_eq!(
            verifications_during(|| verify_or_decoy(Some(&stored), &decoy, "wrong")),
            (false, 1)
        );
        // No user: the decoy is verified, and even its own password fails.
        assert_eq!(
            verifications_during(|| verify_or_decoy(None, &decoy, "decoy")),
            (false, 1)
        );
    }

    #[test]
    fn malformed_hashes_match_nothing() {
        assert!(!verify_password("not a phc string", "anything"));
        assert!(!verify_password("", ""));
    }
}
