//! Comparable pictures of the store, and saving / restoring the whole store to a file.
//!
//! A [`Snapshot`] holds the chosen objects' records, sorted by Id, each as field name → JSON
//! text. Two snapshots compare with `==`, serialise with serde, and [`Snapshot::render`] gives
//! stable text for a `similar` diff — the rules engine uses this for "is the org the same
//! after run 2 as after run 1". Audit fields (dates, CreatedById…) are left out by default
//! since they change on every write even when the data does not.
//!
//! [`Store::save`] / [`Store::load`] write and read the whole store (schema, records, id
//! counters) as JSON, atomically and privately through `crate::fsutil`; `save_with` /
//! `load_with` carry a value of the org's own beside it (the event bus's counters).

use super::error::SfError;
use super::ids::IdGenerator;
use super::read::field_json;
use super::record::Record;
use super::schema::{Schema, SystemField};
use super::store::Store;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// What a snapshot includes.
#[derive(Debug, Clone, Copy, Default)]
pub struct SnapshotOptions {
    /// Keep CreatedDate, CreatedById, LastModifiedDate, LastModifiedById, SystemModstamp.
    pub include_audit: bool,
    /// Keep records in the recycle bin.
    pub include_deleted: bool,
}

/// One record in a snapshot: its Id and its non-null fields as JSON text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotRecord {
    pub id: String,
    pub fields: BTreeMap<String, String>,
}

/// The records of chosen objects at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub objects: BTreeMap<String, Vec<SnapshotRecord>>,
}

impl Snapshot {
    /// One line per record: `Object Id Field=value …`, objects and fields sorted.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (object, records) in &self.objects {
            out.push_str(&format!("{object} ({} records)\n", records.len()));
            for r in records {
                out.push_str(&format!("  {}", r.id));
                for (k, v) in &r.fields {
                    out.push_str(&format!(" {k}={v}"));
                }
                out.push('\n');
            }
        }
        out
    }

    /// A unified diff from `self` to `after`; empty when they are equal.
    pub fn diff(&self, after: &Snapshot) -> String {
        if self == after {
            return String::new();
        }
        let (a, b) = (self.render(), after.render());
        similar::TextDiff::from_lines(&a, &b)
            .unified_diff()
            .header("before", "after")
            .to_string()
    }

    pub fn record_count(&self) -> usize {
        self.objects.values().map(Vec::len).sum()
    }
}

/// Why the store could not be saved or restored.
#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    #[error("could not write the org data file {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("could not read the org data file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the org data file {path} is not a valid sflab org file ({source}); move it aside to start from the seed")]
    Format {
        path: String,
        source: serde_json::Error,
    },
    #[error("the org data file {path} was written by a newer sflab (format {found}; this one reads format {FORMAT}); upgrade sflab to read it, or move it aside to start from the seed")]
    Newer { path: String, found: u32 },
}

/// The format of the org data files this sflab writes (and the newest it reads).
const FORMAT: u32 = 1;

#[derive(Serialize, Deserialize)]
struct StoreImage {
    format: u32,
    schema: Schema,
    ids: IdGenerator,
    auto_numbers: Vec<u64>,
    records: Vec<Vec<Record>>,
    /// Per object, when a record was last removed for good (`earliestDateAvailable` of the
    /// replication API); absent in older files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    purged: Vec<Option<i64>>,
    /// The rest of the org's state that outlives a restart (absent in older files).
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    org: serde_json::Value,
}

impl Store {
    /// A snapshot of `objects` (case-insensitive names); unknown names are INVALID_TYPE.
    pub fn snapshot(&self, objects: &[&str], opts: SnapshotOptions) -> Result<Snapshot, SfError> {
        let mut snap = Snapshot::default();
        for name in objects {
            let t = self
                .schema
                .object_index(name)
                .ok_or_else(|| super::store::invalid_type(name))?;
            let obj = self.schema.object_at(t);
            let table = self.table(t);
            let mut records = Vec::new();
            for (_, rec) in table.iter() {
                if table.is_deleted(rec) && !opts.include_deleted {
                    continue;
                }
                let id = table.id_of(rec).map(|i| i.to_string()).unwrap_or_default();
                let mut fields = BTreeMap::new();
                for (i, f) in obj.fields.iter().enumerate() {
                    let audit = matches!(
                        f.system,
                        Some(
                            SystemField::CreatedDate
                                | SystemField::CreatedById
                                | SystemField::LastModifiedDate
                                | SystemField::LastModifiedById
                                | SystemField::SystemModstamp
                        )
                    );
                    if f.system == Some(SystemField::Id) || (audit && !opts.include_audit) {
                        continue;
                    }
                    let v = field_json(f, rec.get(i));
                    if !v.is_null() {
                        fields.insert(f.name.clone(), v.to_string());
                    }
                }
                records.push(SnapshotRecord { id, fields });
            }
            records.sort_by(|a, b| a.id.cmp(&b.id));
            snap.objects.insert(obj.name.clone(), records);
        }
        Ok(snap)
    }

    /// Writes the whole store to `path` atomically (mode 0600).
    pub fn save(&self, path: &Path) -> Result<(), PersistError> {
        self.save_with(path, serde_json::Value::Null)
    }

    /// [`Store::save`] with `org`, the org's own state beside the store's, in the same file.
    pub fn save_with(&self, path: &Path, org: serde_json::Value) -> Result<(), PersistError> {
        let image = StoreImage {
            org,
            format: FORMAT,
            schema: self.schema.clone(),
            ids: self.ids.clone(),
            auto_numbers: self.auto_numbers.clone(),
            records: (0..self.schema.len())
                .map(|t| self.table(t).iter().map(|(_, r)| r.clone()).collect())
                .collect(),
            purged: (0..self.schema.len())
                .map(|t| self.table(t).last_purged_ms())
                .collect(),
        };
        let shown = path.display().to_string();
        let bytes = serde_json::to_vec(&image).map_err(|e| PersistError::Format {
            path: shown.clone(),
            source: e,
        })?;
        crate::fsutil::write_private_atomic(path, &bytes).map_err(|e| PersistError::Write {
            path: shown,
            source: e,
        })
    }

    /// Reads a store written by [`Store::save`].
    pub fn load(path: &Path) -> Result<Store, PersistError> {
        Store::load_with(path).map(|(store, _)| store)
    }

    /// [`Store::load`], with the org's own state saved beside it (null when none was).
    pub fn load_with(path: &Path) -> Result<(Store, serde_json::Value), PersistError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| PersistError::Read {
            path: shown.clone(),
            source: e,
        })?;
        let image: StoreImage = serde_json::from_slice(&bytes).map_err(|e| {
            // A newer file may not even parse as this format: its number says so.
            #[derive(Deserialize)]
            struct FormatOnly {
                format: u32,
            }
            match serde_json::from_slice::<FormatOnly>(&bytes) {
                Ok(f) if f.format > FORMAT => PersistError::Newer {
                    path: shown.clone(),
                    found: f.format,
                },
                _ => PersistError::Format {
                    path: shown.clone(),
                    source: e,
                },
            }
        })?;
        if image.format > FORMAT {
            return Err(PersistError::Newer {
                path: shown,
                found: image.format,
            });
        }
        let mut store = Store::new(image.schema);
        store.ids = image.ids;
        for (t, n) in image.auto_numbers.into_iter().enumerate() {
            if let Some(slot) = store.auto_numbers.get_mut(t) {
                *slot = n;
            }
        }
        for (t, records) in image
            .records
            .into_iter()
            .enumerate()
            .take(store.tables.len())
        {
            for rec in records {
                if let Some(id) = store.tables[t].id_of(&rec) {
                    store.ids.observe(&id);
                }
                store.tables[t].insert(rec);
            }
        }
        for (t, purged) in image.purged.into_iter().enumerate() {
            if let (Some(ms), Some(table)) = (purged, store.tables.get_mut(t)) {
                table.note_purged(ms);
            }
        }
        Ok((store, image.org))
    }
}
