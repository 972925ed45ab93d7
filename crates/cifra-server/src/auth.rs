//! Submitters' tokens: random (256 bits), stored only as SHA-256 hashes, compared in
//! constant time; each token's intake turns; and the slowing of clients that present bad tokens again and again.

use base64::Engine;
use cifra_store::{Scope, Store, StoreError, Token};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// A new secret token: 32 bytes from the operating system's generator, base64url.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored of a token: its SHA-256.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A new token of `scope`, recorded in `store`; returns the secret, shown once.
pub fn issue(store: &dyn Store, scope: Scope) -> Result<String, StoreError> {
    let secret = new_token();
    store.add_token(&Token {
        hash: token_hash(&secret),
        scope,
    })?;
    Ok(secret)
}

/// The tokens the server knows, re-read from the store when an unknown one is presented
/// (tokens issued while the server runs, at most once a second) and when the list is
/// older than [`REFRESH_EVERY`] (tokens revoked).
pub struct Tokens {
    known: Mutex<(Vec<Token>, Instant)>,
}

/// How often the token list may be re-read for an unknown token.
const RELOAD_EVERY: Duration = Duration::from_secs(1);
/// How long a token list is trusted: a token revoked (`cifra token --revoke`) stops
/// working on every server within this time.
pub const REFRESH_EVERY: Duration = Duration::from_secs(10);

impl Tokens {
    /// The tokens in `store`.
    pub fn load(store: &dyn Store) -> Result<Tokens, StoreError> {
        let now = Instant::now();
        Ok(Tokens {
            known: Mutex::new((store.tokens()?, now)),
        })
    }

    /// The scope of `secret` among the tokens known, without asking the store; `None`
    /// also when the list is older than [`REFRESH_EVERY`] (then [`Tokens::scope`] asks).
    pub fn known(&self, secret: &str) -> Option<Scope> {
        let known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        if known.1.elapsed() >= REFRESH_EVERY {
            return None;
        }
        find(&known.0, &token_hash(secret))
    }

    /// The scope of `secret`, if it is a token of this election now: among those known
    /// if the list is fresh, or else among those the store has (re-read at most once a
    /// second; if the store cannot answer, the list known is used). It may block on the
    /// store: call it off the async workers. Every known hash is compared, in constant
    /// time, whatever matches.
    pub fn scope(&self, store: &dyn Store, secret: &str) -> Option<Scope> {
        let hash = token_hash(secret);
        {
            let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
            let age = known.1.elapsed();
            if age < REFRESH_EVERY {
                if let Some(scope) = find(&known.0, &hash) {
                    return Some(scope);
                }
            }
            if age < RELOAD_EVERY {
                return find(&known.0, &hash);
            }
            // This caller re-reads the list; the others go on with it as it is. The lock
            // is not held while the store is asked: a database that does not answer must
            // not stall the requests that only look tokens up (`known`).
            known.1 = Instant::now();
        }
        if let Ok(tokens) = store.tokens() {
            *self.known.lock().unwrap_or_else(|e| e.into_inner()) = (tokens, Instant::now());
        }
        let known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        find(&known.0, &hash)
    }
}

fn find(tokens: &[Token], hash: &[u8; 32]) -> Option<Scope> {
    let mut found = None;
    for token in tokens {
        if bool::from(token.hash.ct_eq(hash)) {
            found = Some(token.scope.clone());
        }
    }
    found
}

/// Failed authentications per client address: after [`FREE_FAILURES`] in a minute, each
/// further failure is answered only after [`PENALTY`], so guessing is slow.
#[derive(Default)]
pub struct Failures {
    by_address: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

/// Failures a client may make in a minute before being slowed.
pub const FREE_FAILURES: u32 = 10;
/// How long a slowed client waits for each further answer.
pub const PENALTY: Duration = Duration::from_secs(1);
const WINDOW: Duration = Duration::from_secs(60);
/// Addresses remembered at most (a flood of addresses must not exhaust memory).
const MAX_ADDRESSES: usize = 100_000;

impl Failures {
    /// Counts a failure from `address`; returns how long to wait before answering.
    pub fn fail(&self, address: IpAddr) -> Duration {
        let mut map = self.by_address.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if map.len() >= MAX_ADDRESSES {
            map.retain(|_, (_, since)| now.duration_since(*since) < WINDOW);
        }
        let (count, since) = map.entry(address).or_insert((0, now));
        if now.duration_since(*since) >= WINDOW {
            (*count, *since) = (0, now);
        }
        *count += 1;
        if *count > FREE_FAILURES {
            PENALTY
        } else {
            Duration::ZERO
        }
    }
}

/// Requests one token may have in intake at once: each holds a body of up to the body
/// limit and a reader's time, so a token cannot take every worker and megabyte.
pub const TURNS_PER_TOKEN: usize = 4;
/// How long a token's request waits for a turn before it is refused (503), within the
/// 30 s a request may take: a waiting request holds a connection but no body, so a
/// client sending many batches at once is served four at a time, in order.
pub const TURN_WAIT: Duration = Duration::from_secs(20);

/// The intake turns of each token: at most [`TURNS_PER_TOKEN`] requests at a time.
#[derive(Default)]
pub struct Turns {
    by_token: Mutex<HashMap<[u8; 32], Arc<Semaphore>>>,
}

impl Turns {
    /// A turn for `secret` (a valid token: the map holds only tokens of the election),
    /// held until dropped, waiting at most [`TURN_WAIT`] for one; `None` when the
    /// token's turns stayed taken that long.
    pub async fn take(&self, secret: &str) -> Option<OwnedSemaphorePermit> {
        let semaphore = {
            let mut map = self.by_token.lock().unwrap_or_else(|e| e.into_inner());
            let turns = map
                .entry(token_hash(secret))
                .or_insert_with(|| Arc::new(Semaphore::new(TURNS_PER_TOKEN)));
            Arc::clone(turns)
        };
        let turn = tokio::time::timeout(TURN_WAIT, semaphore.acquire_owned()).await;
        turn.ok()?.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bit_and_distinct() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&a)
            .unwrap();
        assert_eq!(bytes.len(), 32);
    }

    #[test]
    fn a_token_matches_only_its_own_hash() {
        let secret = new_token();
        let tokens = vec![Token {
            hash: token_hash(&secret),
            scope: Scope::National,
        }];
        assert_eq!(find(&tokens, &token_hash(&secret)), Some(Scope::National));
        assert_eq!(find(&tokens, &token_hash("guess")), None);
    }

    #[test]
    fn many_failures_from_one_address_are_slowed_and_others_are_not() {
        let failures = Failures::default();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        for _ in 0..FREE_FAILURES {
            assert_eq!(failures.fail(a), Duration::ZERO);
        }
        assert_eq!(failures.fail(a), PENALTY);
        assert_eq!(failures.fail(b), Duration::ZERO);
    }
}
