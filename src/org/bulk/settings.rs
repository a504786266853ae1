//! The lab-facing knobs of Bulk API 2.0 processing, set from an org seed's `bulk:` section.
//!
//! ```yaml
//! bulk: { processing_delay_ms: 1500, lock_row_failure_rate: 0.05 }
//! ```
//!
//! `processing_delay_ms` holds a closed job in UploadComplete, then in InProgress, for about
//! that long each, so a learner's polling loop has something to wait for (default 0: as fast
//! as the store allows); the InProgress part is spread over the job's chunks of rows, so its
//! counts grow while it runs. `lock_row_failure_rate` (0.0–1.0) makes that fraction of ingest rows
//! fail with UNABLE_TO_LOCK_ROW, as when other transactions hold the records. Which rows fail
//! is a deterministic function of the job id and row number, so a run can be reproduced.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct BulkSettings {
    #[serde(default)]
    pub processing_delay_ms: u64,
    #[serde(default)]
    pub lock_row_failure_rate: f64,
}

/// Why a `bulk:` section is not usable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BulkSettingsError {
    #[error("bulk.lock_row_failure_rate is {0}; it must be a fraction between 0.0 and 1.0 (0.05 fails one row in twenty).")]
    Rate(f64),
    #[error("bulk.processing_delay_ms is {0}; keep it at most 600000 (ten minutes) so jobs still finish.")]
    Delay(u64),
}

impl BulkSettings {
    pub fn validate(&self) -> Result<(), BulkSettingsError> {
        if !(0.0..=1.0).contains(&self.lock_row_failure_rate) {
            return Err(BulkSettingsError::Rate(self.lock_row_failure_rate));
        }
        if self.processing_delay_ms > 600_000 {
            return Err(BulkSettingsError::Delay(self.processing_delay_ms));
        }
        Ok(())
    }

    /// Reads the seed's `bulk:` section (defaults when absent).
    pub fn from_seed(seed: &crate::org::OrgSeed) -> Result<BulkSettings, crate::org::SeedError> {
        let section = |reason: String| crate::org::SeedError::Section {
            section: "bulk".into(),
            reason,
        };
        let Some(value) = seed.other.get("bulk") else {
            return Ok(BulkSettings::default());
        };
        let settings: BulkSettings = serde_yaml::from_value(value.clone()).map_err(|e| {
            section(format!(
                "{e}; write it as {{ processing_delay_ms: 1500, lock_row_failure_rate: 0.05 }}"
            ))
        })?;
        settings.validate().map_err(|e| section(e.to_string()))?;
        Ok(settings)
    }

    /// Whether row `row` of job `job_id` meets a (simulated) lock held elsewhere.
    pub fn row_is_locked(&self, job_seed: u64, row: u64) -> bool {
        if self.lock_row_failure_rate <= 0.0 {
            return false;
        }
        // SplitMix64 of (seed, row): uniform enough, and cheap for a million rows.
        let mut z = job_seed ^ row.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z as f64 / u64::MAX as f64) < self.lock_row_failure_rate
    }
}

/// A stable 64-bit seed from a job id.
pub fn job_seed(job_id: &str) -> u64 {
    let d = Sha256::digest(job_id.as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    u64::from_le_bytes(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_section_parses_from_yaml() {
        let s: BulkSettings =
            serde_yaml::from_str("{ processing_delay_ms: 1500, lock_row_failure_rate: 0.05 }")
                .unwrap();
        assert_eq!(s.processing_delay_ms, 1500);
        assert!(s.validate().is_ok());
        let empty: BulkSettings = serde_yaml::from_str("{}").unwrap();
        assert_eq!(empty, BulkSettings::default());
    }

    #[test]
    fn an_org_seed_bulk_section_reaches_the_org() {
        let seed = crate::org::OrgSeed::from_yaml(
            "bulk: { processing_delay_ms: 250, lock_row_failure_rate: 0.25 }\n",
        )
        .unwrap();
        let org = crate::org::Org::new(&seed).unwrap();
        assert_eq!(org.bulk.settings().processing_delay_ms, 250);
        assert_eq!(org.bulk.settings().lock_row_failure_rate, 0.25);
        // Refused as the seed is read, before any org is built from it.
        let err = crate::org::OrgSeed::from_yaml("bulk: { lock_row_failure_rate: 2 }\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("bulk:"), "{err}");
        assert!(crate::org::OrgSeed::from_yaml("bulk: { delay: 2 }\n").is_err());
    }

    #[test]
    fn out_of_range_rate_is_refused() {
        let s = BulkSettings {
            lock_row_failure_rate: 1.5,
            ..Default::default()
        };
        assert!(matches!(s.validate(), Err(BulkSettingsError::Rate(_))));
    }

    #[test]
    fn lock_failures_hit_roughly_the_configured_fraction_reproducibly() {
        let s = BulkSettings {
            lock_row_failure_rate: 0.1,
            ..Default::default()
        };
        let seed = job_seed("750000000000001AAA");
        let hits = (0..20_000).filter(|&r| s.row_is_locked(seed, r)).count();
        assert!((1_600..2_400).contains(&hits), "{hits} of 20000");
        let again = (0..20_000).filter(|&r| s.row_is_locked(seed, r)).count();
        assert_eq!(hits, again);
    }

    #[test]
    fn zero_rate_never_locks() {
        let s = BulkSettings::default();
        assert!((0..1000).all(|r| !s.row_is_locked(42, r)));
    }
}
