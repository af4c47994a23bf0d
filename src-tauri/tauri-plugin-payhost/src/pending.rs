//! The pending-payment record: what payhost must remember while the buyer is in
//! another app, so that a killed process never loses the return.
//!
//! Written before every hand-off (atomically: a temporary file in the same
//! directory, fsync, rename, fsync of the directory), cleared when the flow reaches
//! the merchant's return page or the buyer abandons it. A corrupt or half-written
//! file is ignored with a warning, never a crash: the worst case is the offer to
//! resume not appearing, and the merchant's server still has the payment.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// The record's file name in the app data dir.
pub const PENDING_FILE: &str = "pending-payment.json";

/// A record older than this is an abandoned flow, not one to resume.
pub const MAX_AGE_MS: u64 = 24 * 60 * 60 * 1000;

/// What payhost knew when it handed the buyer to another app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingPayment {
    /// The page the buyer left (the PG page that launched the app).
    pub left_url: String,
    /// The `merchant_uid` seen in the flow's URLs.
    pub merchant_uid: Option<String>,
    /// The `imp_uid` seen in the flow's URLs.
    pub imp_uid: Option<String>,
    /// The app's scheme (not the URL: it carries tokens).
    pub app_scheme: String,
    /// When, in milliseconds since the Unix epoch.
    pub created_at_ms: u64,
}

/// Why a stored record was not usable.
#[derive(Debug, thiserror::Error)]
pub enum PendingError {
    /// Reading or writing failed.
    #[error("pending-payment record {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The file is not a record (half-written by an old version, edited, disk error).
    #[error("pending-payment record {path} is corrupt ({message}); ignoring it")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
}

/// The record's home.
#[derive(Debug, Clone)]
pub struct PendingStore {
    path: PathBuf,
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl PendingStore {
    /// A store in `dir` (created on first save).
    pub fn new(dir: &Path) -> Self {
        Self {
            path: dir.join(PENDING_FILE),
        }
    }

    /// The record's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io_error(&self, source: io::Error) -> PendingError {
        PendingError::Io {
            path: self.path.clone(),
            source,
        }
    }

    /// Writes `record` atomically: after a crash at any point the file holds either
    /// the previous record or this one, never a mixture.
    ///
    /// # Errors
    /// When the directory cannot be created or the file written.
    pub fn save(&self, record: &PendingPayment) -> Result<(), PendingError> {
        let dir = self.path.parent().unwrap_or_else(|| Path::new("."));
        fs::create_dir_all(dir).map_err(|e| self.io_error(e))?;
        let json =
            serde_json::to_vec_pretty(record).map_err(|e| self.io_error(io::Error::other(e)))?;
        let tmp = dir.join(format!("{PENDING_FILE}.{}.tmp", std::process::id()));
        let write = || -> io::Result<()> {
            let mut file = fs::File::create(&tmp)?;
            file.write_all(&json)?;
            file.sync_all()?;
            fs::rename(&tmp, &self.path)?;
            // The rename is durable only once the directory entry is.
            fs::File::open(dir)?.sync_all()
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&tmp);
            self.io_error(e)
        })
    }

    /// Reads the record. A missing file is `Ok(None)`; a corrupt one is an error the
    /// caller logs as a warning and otherwise treats as `None`. Leftover temporary
    /// files of a crashed save are removed.
    ///
    /// # Errors
    /// [`PendingError::Corrupt`] or [`PendingError::Io`].
    pub fn load(&self) -> Result<Option<PendingPayment>, PendingError> {
        self.remove_leftovers();
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(self.io_error(err)),
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|err| PendingError::Corrupt {
                path: self.path.clone(),
                message: err.to_string(),
            })
    }

    /// Removes the record (a missing record is fine).
    ///
    /// # Errors
    /// When the file exists and cannot be removed.
    pub fn clear(&self) -> Result<(), PendingError> {
        match fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(self.io_error(err)),
        }
    }

    fn remove_leftovers(&self) {
        let Some(dir) = self.path.parent() else {
            return;
        };
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(PENDING_FILE) && name.ends_with(".tmp") {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(left: &str) -> PendingPayment {
        PendingPayment {
            left_url: left.to_owned(),
            merchant_uid: Some("order_1".to_owned()),
            imp_uid: None,
            app_scheme: "ispmobile".to_owned(),
            created_at_ms: now_ms(),
        }
    }

    #[test]
    fn a_saved_record_loads_back_and_clears() {
        let dir = tempfile::tempdir().unwrap();
        let store = PendingStore::new(&dir.path().join("nested"));
        assert_eq!(store.load().unwrap(), None);
        let saved = record("https://pg.example/a");
        store.save(&saved).unwrap();
        assert_eq!(store.load().unwrap(), Some(saved));
        store.clear().unwrap();
        assert_eq!(store.load().unwrap(), None);
        store.clear().unwrap();
    }

    #[test]
    fn a_crash_between_write_and_rename_keeps_the_previous_record() {
        let dir = tempfile::tempdir().unwrap();
        let store = PendingStore::new(dir.path());
        let old = record("https://pg.example/old");
        store.save(&old).unwrap();
        // A second name for the previous record's file. A save that wrote into that
        // file (truncate, then write) would leave a half-written record behind a
        // crash; one that writes a new file and renames it over the path leaves this
        // file as it was, so until the rename the path still holds the old record.
        let witness = dir.path().join("previous-record");
        fs::hard_link(store.path(), &witness).unwrap();
        let new = record("https://pg.example/new");
        store.save(&new).unwrap();
        let previous: PendingPayment =
            serde_json::from_slice(&fs::read(&witness).unwrap()).unwrap();
        assert_eq!(
            previous, old,
            "the save wrote into the previous record's file"
        );
        assert_eq!(store.load().unwrap(), Some(new.clone()));
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().all(|name| !name.ends_with(".tmp")),
            "a finished save leaves no temporary file: {names:?}"
        );

        // What a crash after `write_all` and before `rename` leaves behind: a
        // temporary file beside the record. `load` reads the record, not the
        // leftover, and removes the leftover.
        let tmp = dir.path().join(format!("{PENDING_FILE}.4242.tmp"));
        fs::write(&tmp, b"{\"left_url\":\"https://pg.example/ne").unwrap();
        assert_eq!(store.load().unwrap(), Some(new));
        assert!(!tmp.exists(), "the leftover temporary file is removed");
    }

    #[test]
    fn a_corrupt_record_is_reported_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let store = PendingStore::new(dir.path());
        fs::write(store.path(), b"\0\0garbage").unwrap();
        let err = store.load().unwrap_err();
        assert!(matches!(err, PendingError::Corrupt { .. }), "{err}");
        assert!(err.to_string().contains("ignoring"));
        // A new hand-off overwrites it.
        store.save(&record("https://pg.example/b")).unwrap();
        assert_eq!(
            store.load().unwrap().unwrap().left_url,
            "https://pg.example/b"
        );
    }
}
