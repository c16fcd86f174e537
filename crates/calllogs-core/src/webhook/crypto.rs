//! The primitives the providers' signature schemes are made of, on the
//! aws-lc-rs that rustls already builds (no second crypto library).

use aws_lc_rs::{digest, hmac, signature};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// HMAC-SHA1 of `data` under `key` (Twilio's legacy scheme).
pub fn hmac_sha1(key: &[u8], data: &[u8]) -> Vec<u8> {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, key);
    hmac::sign(&key, data).as_ref().to_vec()
}

/// HMAC-SHA256 of `data` under `key`.
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    hmac::sign(&key, data).as_ref().to_vec()
}

/// SHA-256 of `data`, lower-case hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, data).as_ref())
}

/// Standard base64 with padding.
pub fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Standard base64 decoded (surrounding white space ignored); `None` when
/// it is not base64.
pub fn unb64(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text.trim()).ok()
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Whether `a` and `b` are equal, in time that does not depend on where
/// they differ (a signature compared byte by byte with early exit leaks
/// how much of a forgery was right).
pub fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether `sig` is an Ed25519 signature of `message` by `public_key` (32 bytes).
pub fn ed25519_verify(public_key: &[u8], message: &[u8], sig: &[u8]) -> bool {
    signature::UnparsedPublicKey::new(&signature::ED25519, public_key)
        .verify(message, sig)
        .is_ok()
}

/// The Ed25519 signature of `message` by the key of `seed`.
pub fn ed25519_sign(seed: &[u8; 32], message: &[u8]) -> Vec<u8> {
    match signature::Ed25519KeyPair::from_seed_unchecked(seed) {
        Ok(pair) => pair.sign(message).as_ref().to_vec(),
        // A 32-byte seed always makes a key; an empty signature would
        // simply fail verification.
        Err(_) => Vec::new(),
    }
}

/// The public key (32 bytes) of the Ed25519 key of `seed`.
pub fn ed25519_public(seed: &[u8; 32]) -> Vec<u8> {
    use signature::KeyPair as _;
    match signature::Ed25519KeyPair::from_seed_unchecked(seed) {
        Ok(pair) => pair.public_key().as_ref().to_vec(),
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_the_rfc_4231_and_2202_vectors() {
        // RFC 4231 test case 2 and RFC 2202 test case 2 ("Jefe").
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex(&hmac_sha1(b"Jefe", b"what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
    }

    #[test]
    fn ed25519_signs_and_verifies_and_refuses_a_changed_message() {
        let seed = [7u8; 32];
        let public = ed25519_public(&seed);
        let sig = ed25519_sign(&seed, b"1700000000|{}");
        assert!(ed25519_verify(&public, b"1700000000|{}", &sig));
        assert!(!ed25519_verify(&public, b"1700000001|{}", &sig));
        assert!(same(b"abc", b"abc") && !same(b"abc", b"abd") && !same(b"ab", b"abc"));
    }
}
