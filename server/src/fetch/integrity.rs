//! Subresource-integrity values (`sha256-<base64>`, as registries and `integrity =` write
//! them) and WORKSPACE's hex `sha256 =`, and checking bytes against them.

use std::fmt;
use std::io::Read;
use std::path::Path;

use base64::Engine;
use sha2::Digest;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Sha256,
    Sha384,
    Sha512,
}

impl Algorithm {
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha384 => "sha384",
            Algorithm::Sha512 => "sha512",
        }
    }
    fn len(self) -> usize {
        match self {
            Algorithm::Sha256 => 32,
            Algorithm::Sha384 => 48,
            Algorithm::Sha512 => 64,
        }
    }
}

/// An expected digest.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Integrity {
    pub algorithm: Algorithm,
    pub digest: Vec<u8>,
}

impl fmt::Display for Integrity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}",
            self.algorithm.name(),
            base64::engine::general_purpose::STANDARD.encode(&self.digest)
        )
    }
}

impl Integrity {
    /// Parses an SRI value (`sha256-...`, `sha384-...`, `sha512-...`).
    pub fn parse_sri(text: &str) -> Result<Integrity, String> {
        let text = text.trim();
        let (algo, b64) = text
            .split_once('-')
            .ok_or_else(|| format!("integrity '{text}' is not of the form sha256-<base64>"))?;
        let algorithm = match algo {
            "sha256" => Algorithm::Sha256,
            "sha384" => Algorithm::Sha384,
            "sha512" => Algorithm::Sha512,
            other => {
                return Err(format!(
                    "integrity '{text}': unsupported algorithm '{other}'"
                ))
            }
        };
        let digest = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| format!("integrity '{text}': invalid base64 ({e})"))?;
        if digest.len() != algorithm.len() {
            return Err(format!(
                "integrity '{text}': a {} digest has {} bytes, this one {}",
                algorithm.name(),
                algorithm.len(),
                digest.len()
            ));
        }
        Ok(Integrity { algorithm, digest })
    }

    /// Parses WORKSPACE's `sha256 = "<64 hex digits>"`.
    pub fn parse_sha256_hex(text: &str) -> Result<Integrity, String> {
        let text = text.trim();
        if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("sha256 '{text}' is not 64 hexadecimal digits"));
        }
        let digest = (0..32)
            .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16))
            .collect::<Result<Vec<u8>, _>>()
            .map_err(|e| format!("sha256 '{text}': {e}"))?;
        Ok(Integrity {
            algorithm: Algorithm::Sha256,
            digest,
        })
    }

    /// A file name safe form: `sha256-<hex>`.
    pub fn file_key(&self) -> String {
        format!("{}-{}", self.algorithm.name(), hex(&self.digest))
    }

    /// The digest of `bytes` with this value's algorithm, as an [`Integrity`].
    pub fn of_bytes(&self, bytes: &[u8]) -> Integrity {
        let mut h = Hasher::new(self.algorithm);
        h.update(bytes);
        h.finish()
    }

    /// The digest of the file at `path` with this value's algorithm.
    pub fn of_file(&self, path: &Path) -> std::io::Result<Integrity> {
        let mut file = std::fs::File::open(path)?;
        let mut h = Hasher::new(self.algorithm);
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
        Ok(h.finish())
    }
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of `bytes` in hexadecimal (cache keys).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&sha2::Sha256::digest(bytes))
}

enum Hasher {
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

impl Hasher {
    fn new(a: Algorithm) -> Hasher {
        match a {
            Algorithm::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            Algorithm::Sha384 => Hasher::Sha384(sha2::Sha384::new()),
            Algorithm::Sha512 => Hasher::Sha512(sha2::Sha512::new()),
        }
    }
    fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(bytes),
            Hasher::Sha384(h) => h.update(bytes),
            Hasher::Sha512(h) => h.update(bytes),
        }
    }
    fn finish(self) -> Integrity {
        let (algorithm, digest) = match self {
            Hasher::Sha256(h) => (Algorithm::Sha256, h.finalize().to_vec()),
            Hasher::Sha384(h) => (Algorithm::Sha384, h.finalize().to_vec()),
            Hasher::Sha512(h) => (Algorithm::Sha512, h.finalize().to_vec()),
        };
        Integrity { algorithm, digest }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sri_round_trip_and_errors() {
        let i =
            Integrity::parse_sri("sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=").unwrap();
        assert_eq!(
            i.file_key(),
            "sha256-e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(i.of_bytes(b""), i);
        assert_eq!(
            i.to_string(),
            "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        let hexed = Integrity::parse_sha256_hex(
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        )
        .unwrap();
        assert_eq!(hexed, i);
        assert!(Integrity::parse_sri("md5-xyz").is_err());
        assert!(Integrity::parse_sri("sha256-AAAA").is_err());
        assert!(Integrity::parse_sri("nodash").is_err());
        assert!(Integrity::parse_sha256_hex("zz").is_err());
    }
}
