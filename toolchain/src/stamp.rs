//! The install stamp: `toolchain/.installed` holds the SHA-256 of the `package-lock.json` that
//! the last successful `npm ci` installed, so an unchanged lockfile skips npm.

use std::{
    fs,
    io::ErrorKind,
    path::{Path, PathBuf},
};

use sha2::{Digest, Sha256};

use crate::ToolchainError;

/// Lower-case hex SHA-256 of a file's bytes.
pub(crate) fn file_digest(path: &Path) -> Result<String, ToolchainError> {
    let bytes = fs::read(path).map_err(|e| ToolchainError::io("read", path, e))?;
    Ok(format!("{:x}", Sha256::digest(&bytes)))
}

/// Whether the stamp at `stamp` records `digest`. A missing or unreadable stamp never matches.
pub(crate) fn stamp_matches(stamp: &Path, digest: &str) -> bool {
    fs::read_to_string(stamp).is_ok_and(|recorded| recorded.trim() == digest)
}

/// Records `digest`, replacing the stamp atomically (write a sibling, then rename), so a reader
/// never sees a half-written stamp.
pub(crate) fn write_stamp(stamp: &Path, digest: &str) -> Result<(), ToolchainError> {
    let tmp = sibling(stamp, ".tmp");
    fs::write(&tmp, format!("{digest}\n")).map_err(|e| ToolchainError::io("write", &tmp, e))?;
    fs::rename(&tmp, stamp).map_err(|e| ToolchainError::io("write", stamp, e))
}

/// Removes the stamp, so an install interrupted half-way is redone next time.
pub(crate) fn remove_stamp(stamp: &Path) -> Result<(), ToolchainError> {
    match fs::remove_file(stamp) {
        Err(e) if e.kind() != ErrorKind::NotFound => Err(ToolchainError::io("remove", stamp, e)),
        _ => Ok(()),
    }
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh, empty directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(tag: &str) -> Self {
            let dir = std::env::temp_dir()
                .join(format!("causeway-toolchain-{tag}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).expect("create temp dir");
            Self(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn digest_is_sha256_hex() {
        let dir = TempDir::new("digest");
        let file = dir.0.join("package-lock.json");
        fs::write(&file, b"abc").unwrap();
        assert_eq!(
            file_digest(&file).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn digest_of_missing_file_names_it() {
        let dir = TempDir::new("digest-missing");
        let err = file_digest(&dir.0.join("nope.json")).unwrap_err();
        assert!(err.to_string().contains("nope.json"), "{err}");
    }

    #[test]
    fn missing_stamp_does_not_match() {
        let dir = TempDir::new("missing");
        assert!(!stamp_matches(&dir.0.join(".installed"), "00"));
    }

    #[test]
    fn written_stamp_matches_only_its_digest() {
        let dir = TempDir::new("roundtrip");
        let stamp = dir.0.join(".installed");
        write_stamp(&stamp, "aa11").unwrap();
        assert!(stamp_matches(&stamp, "aa11"));
        assert!(!stamp_matches(&stamp, "aa12"));
        assert!(!stamp_matches(&stamp, ""));
        assert!(!dir.0.join(".installed.tmp").exists(), "temporary file left behind");
    }

    #[test]
    fn stamp_tolerates_surrounding_whitespace() {
        let dir = TempDir::new("whitespace");
        let stamp = dir.0.join(".installed");
        fs::write(&stamp, "  aa11 \r\n").unwrap();
        assert!(stamp_matches(&stamp, "aa11"));
    }

    #[test]
    fn rewrite_replaces_old_digest() {
        let dir = TempDir::new("rewrite");
        let stamp = dir.0.join(".installed");
        write_stamp(&stamp, "old").unwrap();
        write_stamp(&stamp, "new").unwrap();
        assert!(stamp_matches(&stamp, "new"));
        assert!(!stamp_matches(&stamp, "old"));
    }

    #[test]
    fn removed_stamp_no_longer_matches_and_removing_twice_is_fine() {
        let dir = TempDir::new("remove");
        let stamp = dir.0.join(".installed");
        write_stamp(&stamp, "aa").unwrap();
        remove_stamp(&stamp).unwrap();
        assert!(!stamp_matches(&stamp, "aa"));
        remove_stamp(&stamp).unwrap();
    }
}
