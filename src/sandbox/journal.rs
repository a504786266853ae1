//! The seed journal: every record sflab creates in a real org, written down (mode 0600,
//! atomically) *before* the create is sent and again with its id once the org answers, so
//! the cleanup deletes exactly those records — also when a run was interrupted, because the
//! journal left behind is replayed before the next run on that org.
//!
//! An entry without an id is a create whose answer never arrived: sflab cannot know whether
//! the org made the record, and never guesses (it would risk deleting someone else's record),
//! so it reports it once for the learner to check by hand.

use super::client::OrgClient;
use super::error::SandboxError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One record sflab is creating or created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub object: String,
    /// The org's answer; `None` while the create is in flight.
    pub id: Option<String>,
    /// What the record is, for messages (`Account "Falcon Corp"`).
    pub label: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct JournalFile {
    instance_url: String,
    entries: Vec<JournalEntry>,
}

/// The journal of one org (one file per alias).
#[derive(Debug)]
pub struct SeedJournal {
    path: PathBuf,
    file: JournalFile,
}

/// What replaying a journal did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Cleanup {
    pub deleted: Vec<String>,
    /// Records already gone (deleted by the learner's code, or by hand).
    pub already_gone: Vec<String>,
    /// Creates whose answer never arrived: check these by hand.
    pub unconfirmed: Vec<String>,
    /// Deletes the org refused (id, reason); they stay in the journal for the next run.
    pub failed: Vec<(String, String)>,
}

impl SeedJournal {
    /// Opens the journal at `path` (empty when there is none).
    pub fn open(path: &Path, instance_url: &str) -> Result<SeedJournal, SandboxError> {
        let file = match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| SandboxError::Journal {
                path: path.into(),
                reason: format!("it is not a journal sflab wrote ({e}); move it aside after checking the org for records sflab created"),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => JournalFile {
                instance_url: instance_url.into(),
                entries: Vec::new(),
            },
            Err(e) => {
                return Err(SandboxError::Journal {
                    path: path.into(),
                    reason: e.to_string(),
                })
            }
        };
        Ok(SeedJournal {
            path: path.into(),
            file,
        })
    }

    pub fn entries(&self) -> &[JournalEntry] {
        &self.file.entries
    }

    pub fn is_empty(&self) -> bool {
        self.file.entries.is_empty()
    }

    fn save(&self) -> Result<(), SandboxError> {
        let err = |reason: String| SandboxError::Journal {
            path: self.path.clone(),
            reason,
        };
        if self.file.entries.is_empty() {
            return match std::fs::remove_file(&self.path) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(err(e.to_string())),
            };
        }
        if let Some(dir) = self.path.parent() {
            crate::fsutil::create_private_dir(dir).map_err(|e| err(e.to_string()))?;
        }
        let bytes = serde_json::to_vec_pretty(&self.file).map_err(|e| err(e.to_string()))?;
        crate::fsutil::write_private_atomic(&self.path, &bytes).map_err(|e| err(e.to_string()))
    }

    /// Writes down a create about to be sent; returns its entry number.
    pub fn before_create(&mut self, object: &str, label: &str) -> Result<usize, SandboxError> {
        self.file.entries.push(JournalEntry {
            object: object.into(),
            id: None,
            label: label.into(),
        });
        self.save()?;
        Ok(self.file.entries.len() - 1)
    }

    /// Writes down the id the org gave entry `index`.
    pub fn after_create(&mut self, index: usize, id: &str) -> Result<(), SandboxError> {
        if let Some(e) = self.file.entries.get_mut(index) {
            e.id = Some(id.into());
        }
        self.save()
    }

    /// The create of entry `index` failed for sure: nothing to clean up.
    pub fn create_failed(&mut self, index: usize) -> Result<(), SandboxError> {
        if index < self.file.entries.len() {
            self.file.entries.remove(index);
        }
        self.save()
    }

    /// Deletes every journaled record (newest first, so children go before parents), keeping
    /// in the journal only those the org refused to delete.
    pub async fn replay(&mut self, client: &OrgClient) -> Result<Cleanup, SandboxError> {
        let mut out = Cleanup::default();
        if self.file.entries.is_empty() {
            return Ok(out);
        }
        let here = client.login().instance_url;
        if self.file.instance_url.trim_end_matches('/') != here.trim_end_matches('/') {
            return Err(SandboxError::Journal {
                path: self.path.clone(),
                reason: format!(
                    "it lists records created in {}, but this login is for {here}; sflab deletes records only in the org that made them. Clean up {} by hand (the file lists the ids), then delete the file",
                    self.file.instance_url, self.file.instance_url
                ),
            });
        }
        let mut keep = Vec::new();
        let entries = std::mem::take(&mut self.file.entries);
        for entry in entries.into_iter().rev() {
            let Some(id) = &entry.id else {
                out.unconfirmed.push(entry.label.clone());
                continue;
            };
            if !safe_segment(&entry.object) || !safe_segment(id) {
                out.failed
                    .push((id.clone(), "not a Salesforce name or id".into()));
                continue;
            }
            let path = OrgClient::data_path(&format!("/sobjects/{}/{id}", entry.object));
            match client.send(reqwest::Method::DELETE, &path, None).await {
                Ok(a) if a.ok() => out.deleted.push(id.clone()),
                Ok(a) if a.status == 404 => out.already_gone.push(id.clone()),
                Ok(a) => {
                    out.failed.push((id.clone(), a.error_text()));
                    keep.push(entry);
                }
                Err(e) => {
                    out.failed.push((id.clone(), e.to_string()));
                    keep.push(entry);
                }
            }
        }
        keep.reverse();
        self.file.entries = keep;
        self.save()?;
        Ok(out)
    }
}

/// Object names and ids are letters, digits and underscores only.
fn safe_segment(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_on_disk_before_the_create_and_gets_its_id_after() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dev.journal");
        let mut j = SeedJournal::open(&path, "https://x").unwrap();
        let i = j.before_create("Account", "Account \"Falcon\"").unwrap();
        let on_disk = SeedJournal::open(&path, "https://x").unwrap();
        assert_eq!(on_disk.entries()[0].id, None);
        j.after_create(i, "001000000000001AAA").unwrap();
        let on_disk = SeedJournal::open(&path, "https://x").unwrap();
        assert_eq!(
            on_disk.entries()[0].id.as_deref(),
            Some("001000000000001AAA")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        j.create_failed(i).unwrap();
        assert!(!path.exists(), "an empty journal leaves no file");
    }

    #[tokio::test]
    async fn a_journal_from_another_org_is_never_replayed_here() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dev.journal");
        let mut j = SeedJournal::open(&path, "https://old.my.salesforce.com").unwrap();
        let i = j.before_create("Account", "Account").unwrap();
        j.after_create(i, "001000000000001AAA").unwrap();
        let mut login = crate::sandbox::profile::tests::login("dev");
        login.instance_url = "http://127.0.0.1:9".into();
        let client = OrgClient::new(login, None);
        let e = j.replay(&client).await.unwrap_err().to_string();
        assert!(e.contains("only in the org that made them"), "{e}");
        assert_eq!(j.entries().len(), 1, "the entry is kept");
    }

    #[test]
    fn a_garbled_journal_is_an_error_not_a_guess() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dev.journal");
        std::fs::write(&path, "{not json").unwrap();
        assert!(SeedJournal::open(&path, "https://x").is_err());
    }
}
