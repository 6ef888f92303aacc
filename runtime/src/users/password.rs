//! Password hashing with Argon2id (PHC strings), for seeding and verifying.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
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
    hash_passwords([password])?.pop().ok_or(PasswordHashError)
}

/// Hashes each of `passwords` like [`hash_password`], with one Argon2 memory
/// block (19 MiB) for all of them, allocated once and freed at the end.
///
/// Seeding several users this way keeps start-up memory low: the allocator
/// keeps the freed memory of separately hashed passwords, one block each.
///
/// ```
/// let hashes = portcullis::users::hash_passwords(["a-pass", "b-pass"]).unwrap();
/// assert!(portcullis::users::verify_password(&hashes[1], "b-pass"));
/// ```
pub fn hash_passwords<'a>(
    passwords: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<String>, PasswordHashError> {
    let argon2 = Argon2::default();
    let mut memory: Vec<Block> = Vec::new();
    let mut hashes = Vec::new();
    for password in passwords {
        if memory.is_empty() {
            memory = vec![Block::default(); argon2.params().block_count()];
        }
        let salt = SaltString::generate(&mut OsRng);
        let mut raw_salt = [0_u8; 64];
        let raw_salt = salt
            .decode_b64(&mut raw_salt)
            .map_err(|_| PasswordHashError)?;
        let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
            argon2
                .hash_password_into_with_memory(password.as_bytes(), raw_salt, out, &mut memory)
                .map_err(|_| argon2::password_hash::Error::Password)
        })
        .map_err(|_| PasswordHashError)?;
        hashes.push(phc_string(&argon2, &salt, output)?);
    }
    Ok(hashes)
}

/// A PHC string with the default parameters, a random salt and a random
/// output: as costly to verify as any hash, and matched by no password
/// anyone knows, without spending Argon2's memory and time to make it.
pub(crate) fn decoy_hash() -> Result<String, PasswordHashError> {
    let mut random = [0_u8; Params::DEFAULT_OUTPUT_LEN];
    getrandom::fill(&mut random).map_err(|_| PasswordHashError)?;
    let output = Output::new(&random).map_err(|_| PasswordHashError)?;
    phc_string(
        &Argon2::default(),
        &SaltString::generate(&mut OsRng),
        output,
    )
}

fn phc_string(
    argon2: &Argon2<'_>,
    salt: &SaltString,
    output: Output,
) -> Result<String, PasswordHashError> {
    let hash = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(argon2::Version::V0x13.into()),
        params: ParamsString::try_from(argon2.params()).map_err(|_| PasswordHashError)?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

/// Argon2 verifications run in this process, for tests that compare work
/// rather than time (`testing` feature only).
#[cfg(feature = "testing")]
#[doc(hidden)]
pub static VERIFICATIONS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Whether `password` matches the PHC `hash`; a malformed hash matches nothing.
///
/// Allocates the hash's Argon2 memory for this one check; the user
/// directory instead reuses the memory of its hashing gate.
pub fn verify_password(hash: &str, password: &str) -> bool {
    verify_with_memory(hash, password, &mut Vec::new())
}

/// Whether `password` matches the PHC `hash`, computed in `memory`, which
/// grows to the hash's block count if needed and is kept for the next check.
///
/// The comparison of the outputs is constant-time ([`Output`]'s equality).
pub(crate) fn verify_with_memory(hash: &str, password: &str, memory: &mut Vec<Block>) -> bool {
    #[cfg(feature = "testing")]
    VERIFICATIONS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    #[cfg(test)]
    tests::VERIFICATIONS.with(|count| count.set(count.get() + 1));
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(version)) => version,
        Some(Err(_)) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let mut raw_salt = [0_u8; 64];
    let Ok(raw_salt) = salt.decode_b64(&mut raw_salt) else {
        return false;
    };
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let argon2 = Argon2::new(algorithm, version, params);
    let computed = Output::init_with(expected.len(), |out| {
        argon2
            .hash_password_into_with_memory(password.as_bytes(), raw_salt, out, &mut *memory)
            .map_err(|_| argon2::password_hash::Error::Password)
    });
    computed.is_ok_and(|computed| computed == expected)
}

/// Verifies against a stored secret hash in `memory`; `None` runs the same
/// work on a decoy.
///
/// Unknown users cost as much as known ones, so timing does not reveal which
/// usernames exist.
pub(crate) fn verify_or_decoy(
    hash: Option<&SecretString>,
    decoy: &str,
    password: &str,
    memory: &mut Vec<Block>,
) -> bool {
    match hash {
        Some(hash) => verify_with_memory(hash.expose_secret(), password, memory),
        None => {
            let _ = verify_with_memory(decoy, password, memory);
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
            verifications_during(|| verify_or_decoy(
                Some(&stored),
                &decoy,
                "right",
                &mut Vec::new()
            )),
            (true, 1)
        );
        assert_eq!(
            verifications_during(|| verify_or_decoy(
                Some(&stored),
                &decoy,
                "wrong",
                &mut Vec::new()
            )),
            (false, 1)
        );
        // No user: the decoy is verified, and even its own password fails.
        assert_eq!(
            verifications_during(|| verify_or_decoy(None, &decoy, "decoy", &mut Vec::new())),
            (false, 1)
        );
    }

    #[test]
    fn decoys_are_argon2id_hashes_with_the_default_cost_matching_nothing() {
        let decoy = decoy_hash().unwrap();
        let real = hash_password("x").unwrap();
        let params = |hash: &str| hash.split('$').nth(3).unwrap().to_owned();
        assert!(decoy.starts_with("$argon2id$v=19$"));
        assert_eq!(params(&decoy), params(&real));
        assert!(!verify_password(&decoy, ""));
        assert_ne!(decoy, decoy_hash().unwrap());
    }

    #[test]
    fn one_memory_block_hashes_many_passwords() {
        let hashes = hash_passwords(["first", "second"]).unwrap();
        assert!(verify_password(&hashes[0], "first"));
        assert!(verify_password(&hashes[1], "second"));
        assert!(!verify_password(&hashes[1], "first"));
    }

    #[test]
    fn one_reused_memory_verifies_many_hashes() {
        let hashes = hash_passwords(["first", "second"]).unwrap();
        let mut memory = Vec::new();
        assert!(verify_with_memory(&hashes[0], "first", &mut memory));
        let blocks = memory.len();
        assert_eq!(blocks, Params::DEFAULT_M_COST as usize);
        assert!(!verify_with_memory(&hashes[1], "first", &mut memory));
        assert!(verify_with_memory(&hashes[1], "second", &mut memory));
        assert_eq!(memory.len(), blocks);
    }

    #[test]
    fn malformed_hashes_match_nothing() {
        assert!(!verify_password("not a phc string", "anything"));
        assert!(!verify_password("", ""));
    }
}
