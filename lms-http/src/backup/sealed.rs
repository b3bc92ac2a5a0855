//! The encrypted container of a backup file: AES-256-GCM over a stream cut into
//! authenticated chunks, so a changed byte, a wrong key, a truncated file or one with
//! bytes appended is detected and named.
//!
//! # Layout
//!
//! ```text
//! header   magic "LMSBAK01" (8 bytes) | salt (32 random bytes) | key check (32 bytes)
//! chunk*   length (u32, big-endian, of what follows) | ciphertext and 16-byte tag
//! ```
//!
//! The file's data key is HKDF-SHA256 of the backup key with the file's salt, so no two
//! files share a data key and chunk nonces only need to be unique within a file: a chunk's
//! nonce is its index (u64, big-endian) followed by its final flag (u32). The key check,
//! another HKDF output, tells a wrong key from a corrupted chunk. Each chunk's associated
//! data is the header, its index and its final flag: chunks cannot be reordered, dropped
//! or moved between files, and only the last chunk carries the final flag, so a file cut
//! at a chunk boundary lacks it.
//!
//! This is the STREAM construction of online authenticated encryption, the one `age`
//! uses; it is written out over the `aes-gcm` crate because `age` fixes its cipher to
//! ChaCha20-Poly1305 and its key to a passphrase or recipient, while backups here are
//! AES-256-GCM under a 32-byte key from the environment. The cryptography itself (AES-GCM,
//! HKDF, SHA-256) comes from the RustCrypto crates.

use std::io::{self, Read, Write};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use hkdf::Hkdf;
use rand_core::{OsRng, RngCore};
use sha2::Sha256;

/// The first bytes of every backup file (format version 1).
const MAGIC: &[u8; 8] = b"LMSBAK01";
/// Bytes of the random salt.
const SALT_LEN: usize = 32;
/// Bytes of the key check.
const CHECK_LEN: usize = 32;
/// Bytes of the header.
const HEADER_LEN: usize = MAGIC.len() + SALT_LEN + CHECK_LEN;
/// Plaintext bytes in a chunk (the last may hold fewer).
const CHUNK: usize = 1 << 20;
/// Bytes of a GCM tag.
const TAG: usize = 16;

/// Why a backup file cannot be read.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    /// The file does not start like a backup file.
    #[error("not an lms backup file (no LMSBAK01 header)")]
    NotABackup,
    /// The key check does not match.
    #[error("wrong key or corrupted file: LMS_BACKUP_KEY is not the key this backup was made with, or its header was changed")]
    WrongKey,
    /// A chunk failed authentication.
    #[error("corrupted file: chunk {0} failed authentication (a byte was changed)")]
    Corrupted(u64),
    /// The file ends inside a chunk.
    #[error("truncated file: chunk {0} is incomplete")]
    TruncatedChunk(u64),
    /// The file ends after a whole chunk that is not the final one.
    #[error("truncated file: it ends after chunk {0} without the final chunk")]
    MissingFinal(u64),
    /// Bytes follow the final chunk.
    #[error("corrupted file: data follows the final chunk")]
    TrailingData,
    /// A chunk claims an impossible length.
    #[error("corrupted file: chunk {0} claims {1} bytes")]
    BadLength(u64, u32),
}

impl From<SealError> for io::Error {
    fn from(err: SealError) -> Self {
        io::Error::new(io::ErrorKind::InvalidData, err)
    }
}

/// The [`SealError`] an I/O error carries, if it carries one.
pub fn seal_error(err: &io::Error) -> Option<&SealError> {
    err.get_ref().and_then(|inner| inner.downcast_ref::<SealError>())
}

/// The data key and key check of a file with this salt.
fn derive(key: &[u8; 32], salt: &[u8]) -> ([u8; 32], [u8; CHECK_LEN]) {
    let hkdf = Hkdf::<Sha256>::new(Some(salt), key);
    let (mut data, mut check) = ([0u8; 32], [0u8; CHECK_LEN]);
    // Both outputs are far below HKDF-SHA256's limit of 8160 bytes.
    let _ = hkdf.expand(b"lms-backup v1 data key", &mut data);
    let _ = hkdf.expand(b"lms-backup v1 key check", &mut check);
    (data, check)
}

/// A chunk's nonce: its index and final flag.
fn nonce(index: u64, last: bool) -> [u8; 12] {
    let mut nonce = [0u8; 12];
    nonce[..8].copy_from_slice(&index.to_be_bytes());
    nonce[8..].copy_from_slice(&u32::from(last).to_be_bytes());
    nonce
}

/// A chunk's associated data: the header, its index and its final flag.
fn associated(header: &[u8], index: u64, last: bool) -> Vec<u8> {
    let mut aad = Vec::with_capacity(header.len() + 9);
    aad.extend_from_slice(header);
    aad.extend_from_slice(&index.to_be_bytes());
    aad.push(u8::from(last));
    aad
}

/// Encrypts what is written into chunks on `out`; [`Sealer::finish`] writes the final
/// chunk, without which the file reads as truncated.
pub struct Sealer<W: Write> {
    out: W,
    cipher: Aes256Gcm,
    header: Vec<u8>,
    buffer: Vec<u8>,
    index: u64,
}

impl<W: Write> std::fmt::Debug for Sealer<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

impl<W: Write> Sealer<W> {
    /// Writes the header of a new file under `key`.
    pub fn new(mut out: W, key: &[u8; 32]) -> io::Result<Self> {
        let mut salt = [0u8; SALT_LEN];
        OsRng.fill_bytes(&mut salt);
        let (data, check) = derive(key, &salt);
        let mut header = Vec::with_capacity(HEADER_LEN);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&salt);
        header.extend_from_slice(&check);
        out.write_all(&header)?;
        Ok(Self {
            out,
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&data)),
            header,
            buffer: Vec::with_capacity(CHUNK),
            index: 0,
        })
    }

    fn seal(&mut self, last: bool) -> io::Result<()> {
        let aad = associated(&self.header, self.index, last);
        let sealed = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce(self.index, last)),
                Payload {
                    msg: &self.buffer,
                    aad: &aad,
                },
            )
            .map_err(|_| io::Error::other("encryption failed"))?;
        let length = u32::try_from(sealed.len()).map_err(io::Error::other)?;
        self.out.write_all(&length.to_be_bytes())?;
        self.out.write_all(&sealed)?;
        self.buffer.clear();
        self.index += 1;
        Ok(())
    }

    /// Writes the final chunk and returns the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.seal(true)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> Write for Sealer<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = CHUNK - self.buffer.len();
        let taken = room.min(data.len());
        self.buffer.extend_from_slice(&data[..taken]);
        if self.buffer.len() == CHUNK {
            self.seal(false)?;
        }
        Ok(taken)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Reads the plaintext of a file written by [`Sealer`], checking every chunk before any
/// of its bytes are returned. Errors carry a [`SealError`] ([`seal_error`]).
pub struct Opener<R: Read> {
    input: R,
    cipher: Aes256Gcm,
    header: Vec<u8>,
    plain: Vec<u8>,
    at: usize,
    index: u64,
    done: bool,
}

impl<R: Read> std::fmt::Debug for Opener<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opener")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

/// Reads exactly `buf.len()` bytes, or as many as there are: how many were read.
fn read_full(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(filled)
}

impl<R: Read> Opener<R> {
    /// Reads and checks the header under `key`.
    pub fn new(mut input: R, key: &[u8; 32]) -> io::Result<Self> {
        let mut header = vec![0u8; HEADER_LEN];
        let read = read_full(&mut input, &mut header)?;
        if read < MAGIC.len() || &header[..MAGIC.len()] != MAGIC {
            return Err(SealError::NotABackup.into());
        }
        if read < HEADER_LEN {
            return Err(SealError::TruncatedChunk(0).into());
        }
        let salt = &header[MAGIC.len()..MAGIC.len() + SALT_LEN];
        let (data, check) = derive(key, salt);
        if header[MAGIC.len() + SALT_LEN..] != check {
            return Err(SealError::WrongKey.into());
        }
        Ok(Self {
            input,
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&data)),
            header,
            plain: Vec::new(),
            at: 0,
            index: 0,
            done: false,
        })
    }

    /// Reads and opens the next chunk into `plain`; false after the final chunk.
    fn next_chunk(&mut self) -> io::Result<bool> {
        if self.done {
            return Ok(false);
        }
        let mut length = [0u8; 4];
        match read_full(&mut self.input, &mut length)? {
            0 => return Err(SealError::MissingFinal(self.index.saturating_sub(1)).into()),
            4 => {}
            _ => return Err(SealError::TruncatedChunk(self.index).into()),
        }
        let length = u32::from_be_bytes(length);
        if (length as usize) < TAG || length as usize > CHUNK + TAG {
            return Err(SealError::BadLength(self.index, length).into());
        }
        let mut sealed = vec![0u8; length as usize];
        if read_full(&mut self.input, &mut sealed)? < sealed.len() {
            return Err(SealError::TruncatedChunk(self.index).into());
        }
        // The final flag is not stored: a chunk opens under exactly one of the two.
        let mut opened = None;
        for last in [false, true] {
            let aad = associated(&self.header, self.index, last);
            let payload = Payload {
                msg: &sealed,
                aad: &aad,
            };
            if let Ok(plain) = self
                .cipher
                .decrypt(Nonce::from_slice(&nonce(self.index, last)), payload)
            {
                opened = Some((plain, last));
                break;
            }
        }
        let Some((plain, last)) = opened else {
            return Err(SealError::Corrupted(self.index).into());
        };
        if last {
            let mut extra = [0u8; 1];
            if read_full(&mut self.input, &mut extra)? > 0 {
                return Err(SealError::TrailingData.into());
            }
            self.done = true;
        }
        self.plain = plain;
        self.at = 0;
        self.index += 1;
        Ok(true)
    }
}

impl<R: Read> Read for Opener<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.plain.len() {
            if !self.next_chunk()? {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.plain.len() - self.at);
        buf[..n].copy_from_slice(&self.plain[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];

    fn sealed(data: &[u8]) -> Vec<u8> {
        let mut sealer = Sealer::new(Vec::new(), &KEY).unwrap();
        sealer.write_all(data).unwrap();
        sealer.finish().unwrap()
    }

    fn open(file: &[u8], key: &[u8; 32]) -> Result<Vec<u8>, SealError> {
        let mut out = Vec::new();
        Opener::new(file, key)
            .and_then(|mut o| o.read_to_end(&mut out))
            .map_err(|e| seal_error(&e).cloned().expect("a seal error"))?;
        Ok(out)
    }

    #[test]
    fn data_of_several_chunks_round_trips() {
        let data: Vec<u8> = (0..(CHUNK * 2 + 17)).map(|i| (i % 251) as u8).collect();
        assert_eq!(open(&sealed(&data), &KEY).unwrap(), data);
        assert_eq!(open(&sealed(b""), &KEY).unwrap(), b"");
    }

    #[test]
    fn every_kind_of_damage_is_named() {
        let data: Vec<u8> = (0..(CHUNK + 100)).map(|i| (i % 13) as u8).collect();
        let file = sealed(&data);
        assert_eq!(open(&file, &[8; 32]), Err(SealError::WrongKey));
        let mut flipped = file.clone();
        flipped[HEADER_LEN + 4 + 1000] ^= 1;
        assert_eq!(open(&flipped, &KEY), Err(SealError::Corrupted(0)));
        assert_eq!(open(&file[..file.len() - 10], &KEY), Err(SealError::TruncatedChunk(1)));
        let first_chunk_end = HEADER_LEN + 4 + CHUNK + TAG;
        assert_eq!(open(&file[..first_chunk_end], &KEY), Err(SealError::MissingFinal(0)));
        let mut longer = file.clone();
        longer.push(0);
        assert_eq!(open(&longer, &KEY), Err(SealError::TrailingData));
        assert_eq!(open(b"PK\x03\x04 not a backup", &KEY), Err(SealError::NotABackup));
    }
}
