//! Encryption at rest (S9): users' emails and display names are stored encrypted with
//! AES-256-GCM under a key ring, and found by email through a keyed blind index.
//!
//! [`EncryptedUserStore`] wraps the [`UserStore`] of any adapter, so no adapter stores a
//! plaintext email or name and none needs code for it:
//!
//! - the stored user's `email` is the blind index of the real one, `<HMAC-SHA256 of the
//!   normalized email, hex>@blind.invalid`: unique per email, and what
//!   `find_user_by_email` looks up; its key is derived with HKDF-SHA256 from
//!   `LMS_BLIND_INDEX_KEY`, so the index reveals nothing without it;
//! - the stored `display_name` is a placeholder, and both real values are in
//!   [`SealedProfile`]: `v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`, with the
//!   record kind, field and user id as associated data, so a ciphertext copied to another
//!   row or field does not decrypt;
//! - new writes use the newest key of the ring; reads find the key by its id, so a ring
//!   can hold the old keys while [`rotate_keys`] re-encrypts everything under the newest.
//!
//! Users stored before encryption was turned on stay readable (and are found by their
//! plaintext email) until [`rotate_keys`] encrypts them.

use std::sync::Arc;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use async_trait::async_trait;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use sha2::Sha256;

use crate::domain::events::DomainEvent;
use crate::domain::text::{DisplayName, Email};
use crate::domain::user::{SealedProfile, User};
use crate::ids::UserId;
use crate::ports::{Page, PageRequest, StoreError, StoreResult, UniqueKey, UserStore};

/// The version prefix of a sealed value.
const VERSION: &str = "v1";
/// Bytes of an AES-GCM nonce.
const NONCE_LEN: usize = 12;
/// The domain of blind-index placeholders (`.invalid` is reserved: never a real address).
const BLIND_DOMAIN: &str = "blind.invalid";
/// The display name stored in place of an encrypted one.
const SEALED_NAME: &str = "(encrypted)";

/// Why a key ring or blind-index key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(String);

/// One data key.
struct DataKey {
    id: String,
    cipher: Aes256Gcm,
}

/// The data keys, newest first: the newest encrypts, every one decrypts.
pub struct KeyRing {
    keys: Vec<DataKey>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|k| k.id.as_str()).collect();
        f.debug_struct("KeyRing").field("ids", &ids).finish_non_exhaustive()
    }
}

impl KeyRing {
    /// Reads `id:base64key,…`, newest first: ids of 1 to 16 letters, digits, `-` or `_`,
    /// each once; keys of 32 bytes in standard base64.
    pub fn parse(spec: &str) -> Result<Self, KeyError> {
        let mut keys: Vec<DataKey> = Vec::new();
        for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (id, key) = entry
                .split_once(':')
                .ok_or_else(|| KeyError(format!("{entry:.3}…: expected id:base64key")))?;
            let valid_id =
                (1..=16).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !valid_id {
                return Err(KeyError(format!("key id {id:?}: 1 to 16 letters, digits, '-' or '_'")));
            }
            if keys.iter().any(|k| k.id == id) {
                return Err(KeyError(format!("key id {id:?} is listed twice")));
            }
            let bytes = STANDARD
                .decode(key)
                .map_err(|_| KeyError(format!("key {id:?} is not base64")))?;
            let cipher = Aes256Gcm::new_from_slice(&bytes)
                .map_err(|_| KeyError(format!("key {id:?} must be 32 bytes, not {}", bytes.len())))?;
            keys.push(DataKey {
                id: id.to_owned(),
                cipher,
            });
        }
        if keys.is_empty() {
            return Err(KeyError("no key given".to_owned()));
        }
        Ok(Self { keys })
    }

    /// The id of the key new values are encrypted with.
    pub fn newest_id(&self) -> &str {
        &self.keys[0].id
    }

    /// Encrypts `plaintext` under the newest key, bound to `context`.
    pub fn seal(&self, context: &str, plaintext: &str) -> StoreResult<String> {
        let key = &self.keys[0];
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let ciphertext = key
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| StoreError::backend("encryption failed"))?;
        let mut sealed = nonce.to_vec();
        sealed.extend(ciphertext);
        Ok(format!("{VERSION}.{}.{}", key.id, URL_SAFE_NO_PAD.encode(sealed)))
    }

    /// Decrypts a value [`KeyRing::seal`] made with `context`.
    pub fn open(&self, context: &str, sealed: &str) -> StoreResult<String> {
        let refuse = |why: &str| StoreError::backend(format!("cannot decrypt a stored {context}: {why}"));
        let id = key_id(sealed).ok_or_else(|| refuse("not a sealed value"))?;
        let key = self
            .keys
            .iter()
            .find(|k| k.id == id)
            .ok_or_else(|| refuse(&format!("key {id:?} is not in LMS_ENCRYPTION_KEYS")))?;
        let body = sealed.rsplit('.').next().unwrap_or_default();
        let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| refuse("not base64url"))?;
        if bytes.len() < NONCE_LEN {
            return Err(refuse("too short"));
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let plaintext = key
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| refuse("authentication failed (wrong key, or moved from another row or field)"))?;
        String::from_utf8(plaintext).map_err(|_| refuse("not UTF-8"))
    }
}

/// The key id of a sealed value, if it is one.
pub fn key_id(sealed: &str) -> Option<&str> {
    let mut parts = sealed.splitn(3, '.');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(VERSION), Some(id), Some(_)) => Some(id),
        _ => None,
    }
}

/// The keyed blind index of emails.
pub struct BlindIndex {
    key: [u8; 32],
}

impl std::fmt::Debug for BlindIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BlindIndex(<redacted>)")
    }
}

impl BlindIndex {
    /// The index keyed by HKDF-SHA256 of `secret` (at least 32 bytes).
    pub fn new(secret: &[u8]) -> Result<Self, KeyError> {
        if secret.len() < 32 {
            return Err(KeyError("the blind-index key must have at least 32 bytes".to_owned()));
        }
        let mut key = [0u8; 32];
        hkdf::Hkdf::<Sha256>::new(Some(b"lms blind index"), secret)
            .expand(b"user email", &mut key)
            .map_err(|_| KeyError("HKDF expansion failed".to_owned()))?;
        Ok(Self { key })
    }

    /// The placeholder stored for `email`: its index as an address at a reserved domain.
    pub fn of(&self, email: &Email) -> Email {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        mac.update(email.as_str().as_bytes());
        let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        Email::parse(&format!("{hex}@{BLIND_DOMAIN}")).expect("64 hex digits at a two-label domain is an email")
    }
}

/// The associated data of a user's field.
fn context(field: &str, id: UserId) -> String {
    format!("user.{field}.{id}")
}

/// A [`UserStore`] that encrypts emails and display names on their way to `inner`.
pub struct EncryptedUserStore {
    inner: Arc<dyn UserStore>,
    keys: Arc<KeyRing>,
    blind: Arc<BlindIndex>,
}

impl std::fmt::Debug for EncryptedUserStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptedUserStore")
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

impl EncryptedUserStore {
    /// Encrypts the users stored in `inner`.
    pub fn new(inner: Arc<dyn UserStore>, keys: Arc<KeyRing>, blind: Arc<BlindIndex>) -> Self {
        Self { inner, keys, blind }
    }

    /// The user as stored: placeholders in the clear, the real values sealed.
    fn seal(&self, user: &User) -> StoreResult<User> {
        let sealed = SealedProfile {
            email: self.keys.seal(&context("email", user.id), user.email.as_str())?,
            display_name: self
                .keys
                .seal(&context("display_name", user.id), user.display_name.as_str())?,
        };
        Ok(User {
            email: self.blind.of(&user.email),
            display_name: DisplayName::parse(SEALED_NAME).expect("a short plain name is valid"),
            sealed: Some(sealed),
            ..user.clone()
        })
    }

    /// The user as the services see it.
    fn open(&self, stored: User) -> StoreResult<User> {
        let Some(sealed) = &stored.sealed else {
            return Ok(stored);
        };
        let email = self.keys.open(&context("email", stored.id), &sealed.email)?;
        let name = self
            .keys
            .open(&context("display_name", stored.id), &sealed.display_name)?;
        let invalid = |what: &str| StoreError::backend(format!("user {}: the decrypted {what} is invalid", stored.id));
        Ok(User {
            email: Email::parse(&email).map_err(|_| invalid("email"))?,
            display_name: DisplayName::parse(&name).map_err(|_| invalid("display name"))?,
            sealed: None,
            ..stored
        })
    }

    /// Whether the stored user is sealed under the newest key.
    fn current(&self, stored: &User) -> bool {
        stored.sealed.as_ref().is_some_and(|s| {
            key_id(&s.email) == Some(self.keys.newest_id()) && key_id(&s.display_name) == Some(self.keys.newest_id())
        })
    }
}

#[async_trait]
impl UserStore for EncryptedUserStore {
    async fn insert_user(&self, user: &User, password_hash: Option<&str>, events: &[DomainEvent]) -> StoreResult<()> {
        // A user stored before encryption was on holds the email in the clear: still taken.
        if self.inner.find_user_by_email(&user.email).await?.is_some() {
            if self.inner.get_user(user.id).await?.is_some() {
                return Err(StoreError::Duplicate(UniqueKey::Id));
            }
            return Err(StoreError::Duplicate(UniqueKey::UserEmail));
        }
        self.inner.insert_user(&self.seal(user)?, password_hash, events).await
    }

    async fn get_user(&self, id: UserId) -> StoreResult<Option<User>> {
        self.inner.get_user(id).await?.map(|u| self.open(u)).transpose()
    }

    async fn find_user_by_email(&self, email: &Email) -> StoreResult<Option<User>> {
        if let Some(found) = self.inner.find_user_by_email(&self.blind.of(email)).await? {
            return self.open(found).map(Some);
        }
        let plain = self.inner.find_user_by_email(email).await?;
        Ok(plain.filter(|u| u.sealed.is_none()))
    }

    async fn update_user(&self, user: &User, expected_version: u64, events: &[DomainEvent]) -> StoreResult<()> {
        // As on insertion: an email stored in the clear before encryption is taken.
        if let Some(other) = self.inner.find_user_by_email(&user.email).await? {
            if other.id != user.id {
                return Err(StoreError::Duplicate(UniqueKey::UserEmail));
            }
        }
        self.inner
            .update_user(&self.seal(user)?, expected_version, events)
            .await
    }

    async fn list_users(&self, page: PageRequest) -> StoreResult<Page<User>> {
        let found = self.inner.list_users(page).await?;
        Ok(Page {
            items: found
                .items
                .into_iter()
                .map(|u| self.open(u))
                .collect::<StoreResult<_>>()?,
            next_after: found.next_after,
        })
    }
}

/// What [`rotate_keys`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rotation {
    /// Users looked at.
    pub users: u64,
    /// Users re-encrypted under the newest key (or encrypted for the first time).
    pub rewritten: u64,
}

/// Re-encrypts every user not sealed under the newest key (`lms-server rotate-keys`).
/// A user changed meanwhile was written under the newest key by that change, and is left
/// as it is.
pub async fn rotate_keys(store: &EncryptedUserStore) -> StoreResult<Rotation> {
    let mut rotation = Rotation::default();
    let mut page = PageRequest {
        after: None,
        limit: PageRequest::MAX_LIMIT,
    };
    loop {
        let found = store.inner.list_users(page).await?;
        for stored in found.items {
            rotation.users += 1;
            if store.current(&stored) {
                continue;
            }
            let expected = stored.version;
            let mut user = store.open(stored)?;
            user.version += 1;
            match store.inner.update_user(&store.seal(&user)?, expected, &[]).await {
                Ok(()) => rotation.rewritten += 1,
                Err(StoreError::VersionConflict | StoreError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        match found.next_after {
            Some(next) => page.after = Some(next),
            None => return Ok(rotation),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{SubsecRound, Utc};

    use super::*;
    use crate::domain::user::Role;
    use crate::memory::MemoryStore;

    const K1: &str = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const K2: &str = "k2:HxseHRwbGhkYFxYVFBMSERAPDg0MCwoJCAcGBQQDAgE=";

    fn user(email: &str, name: &str) -> User {
        let now = Utc::now().trunc_subsecs(6);
        User {
            id: UserId::new(),
            email: Email::parse(email).unwrap(),
            display_name: DisplayName::parse(name).unwrap(),
            role: Role::Student,
            premium: false,
            created_at: now,
            updated_at: now,
            version: 1,
            sealed: None,
        }
    }

    fn encrypted(memory: &Arc<MemoryStore>, ring: &str) -> EncryptedUserStore {
        EncryptedUserStore::new(
            memory.clone(),
            Arc::new(KeyRing::parse(ring).unwrap()),
            Arc::new(BlindIndex::new(&[7u8; 32]).unwrap()),
        )
    }

    #[test]
    fn key_rings_are_checked() {
        assert!(KeyRing::parse("").is_err());
        assert!(KeyRing::parse("k1").is_err());
        assert!(KeyRing::parse("k1:c2hvcnQ=").is_err(), "a short key");
        assert!(KeyRing::parse(&format!("{K1},{K1}")).is_err(), "an id twice");
        assert!(KeyRing::parse("bad id:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").is_err());
        assert_eq!(KeyRing::parse(&format!("{K2},{K1}")).unwrap().newest_id(), "k2");
        assert!(BlindIndex::new(b"short").is_err());
    }

    #[test]
    fn sealed_values_are_bound_to_their_context() {
        let ring = KeyRing::parse(K1).unwrap();
        let sealed = ring.seal("user.email.a", "ada@example.com").unwrap();
        assert_eq!(key_id(&sealed), Some("k1"));
        assert!(!sealed.contains("ada"));
        assert_eq!(ring.open("user.email.a", &sealed).unwrap(), "ada@example.com");
        assert!(ring.open("user.email.b", &sealed).is_err(), "moved to another row");
        assert!(
            ring.open("user.display_name.a", &sealed).is_err(),
            "moved to another field"
        );
        assert_ne!(
            ring.seal("c", "x").unwrap(),
            ring.seal("c", "x").unwrap(),
            "fresh nonces"
        );
        assert!(
            KeyRing::parse(K2).unwrap().open("user.email.a", &sealed).is_err(),
            "unknown key"
        );
    }

    #[tokio::test]
    async fn users_are_stored_sealed_and_found_by_email() {
        let memory = Arc::new(MemoryStore::new());
        let store = encrypted(&memory, K1);
        let ada = user("Ada@Example.com", "Ada Lovelace");
        store.insert_user(&ada, None, &[]).await.unwrap();
        let raw = memory.get_user(ada.id).await.unwrap().unwrap();
        assert!(!format!("{raw:?}").contains("ada@example.com") && !format!("{raw:?}").contains("Lovelace"));
        assert_eq!(store.get_user(ada.id).await.unwrap(), Some(ada.clone()));
        assert_eq!(store.find_user_by_email(&ada.email).await.unwrap(), Some(ada.clone()));
        let again = store.insert_user(&user("ada@example.com", "Other"), None, &[]).await;
        assert!(
            matches!(again, Err(StoreError::Duplicate(UniqueKey::UserEmail))),
            "{again:?}"
        );
    }

    #[tokio::test]
    async fn rotation_re_encrypts_old_and_plaintext_users_under_the_newest_key() {
        let memory = Arc::new(MemoryStore::new());
        let plain = user("plain@example.com", "Plain Person");
        memory.insert_user(&plain, None, &[]).await.unwrap();
        let old = user("old@example.com", "Old Key");
        encrypted(&memory, K1).insert_user(&old, None, &[]).await.unwrap();

        let store = encrypted(&memory, &format!("{K2},{K1}"));
        assert_eq!(
            store.find_user_by_email(&plain.email).await.unwrap().map(|u| u.id),
            Some(plain.id)
        );
        let taken = store.insert_user(&user("plain@example.com", "Twin"), None, &[]).await;
        assert!(
            matches!(taken, Err(StoreError::Duplicate(UniqueKey::UserEmail))),
            "{taken:?}"
        );
        let rotation = rotate_keys(&store).await.unwrap();
        assert_eq!(rotation, Rotation { users: 2, rewritten: 2 });
        assert_eq!(
            rotate_keys(&store).await.unwrap().rewritten,
            0,
            "nothing left to rotate"
        );

        let only_new = encrypted(&memory, K2);
        for expected in [&plain, &old] {
            let found = only_new
                .find_user_by_email(&expected.email)
                .await
                .unwrap()
                .expect("found");
            assert_eq!(
                (found.email, found.display_name),
                (expected.email.clone(), expected.display_name.clone())
            );
        }
        let raw = format!("{:?}", memory.list_users(PageRequest::first()).await.unwrap());
        assert!(!raw.contains("v1.k1.") && !raw.contains("plain@example.com"), "{raw}");
    }
}
