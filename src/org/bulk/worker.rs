//! Background processing of closed jobs: the part of a job's life clients only see by polling.
//!
//! A closed ingest job waits `processing_delay_ms` in UploadComplete, then spends about the
//! same in InProgress applying its rows in chunks — each chunk under one store write lock, so
//! other clients are served between chunks and an abort takes effect at the next chunk. The
//! delay is spread over the chunks ([`Pacing`]), and each chunk's rows are counted in
//! `numberRecordsProcessed`/`numberRecordsFailed` as it ends, so a job's counts grow while it
//! is InProgress, as a real org's do batch by batch; without a delay the chunks run back to
//! back.
//! Within a chunk, rows commit in groups of [`COMMIT_ROWS`] (one transaction each for the
//! store's listeners, so one set of change-event commit info per group); a key two rows of a
//! group share fails both rows, as in a real org's batch of 200.
//! A query job runs its SOQL under a read lock and renders the CSV once.
//!
//! The work runs on tokio's blocking pool: it is CPU-bound and the store lock is synchronous.

use super::format;
use super::job::{IngestOperation, JobState};
use super::jobs::{batches_started, IngestHandle};
use super::process::{
    apply_row, broken_line_error, data_rows_about, plan_columns, rows_to_make_room_for, Column,
};
use super::results::RowOutcome;
use super::rows::{QuoteFault, RowShape, UploadRows};
use super::settings::{job_seed, BulkSettings};
use super::text_row::TextRow;
use crate::org::ids::SfId;
use crate::org::repeated_keys::RepeatedKeys;
use crate::org::store::Actor;
use crate::org::Org;
use std::time::{Duration, Instant};

/// Rows applied per store write lock.
pub const CHUNK_ROWS: usize = 2_000;

/// Rows committed together, as a real org processes a Bulk API job in batches of 200
/// records: their change events share one transaction key and commit number, with sequence
/// numbers 1..n. Each row still succeeds or fails on its own.
pub const COMMIT_ROWS: usize = 200;

/// Starts processing a closed ingest job in the background.
pub fn spawn_ingest(org: Org, job: IngestHandle, settings: BulkSettings) {
    tokio::task::spawn_blocking(move || run_ingest(&org, &job, settings));
}

fn pause(settings: &BulkSettings) {
    if settings.processing_delay_ms > 0 {
        std::thread::sleep(Duration::from_millis(settings.processing_delay_ms));
    }
}

/// The InProgress part of `processing_delay_ms`, shared out between a job's chunks: a wait
/// before each one, so the rows land (and the counts grow) across the whole phase rather
/// than all at its end.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Pacing {
    before_each_chunk: Duration,
}

impl Pacing {
    /// The wait before each of the about `rows` rows' chunks, for a delay of `delay_ms`.
    fn new(delay_ms: u64, rows: usize) -> Pacing {
        let chunks = rows.div_ceil(CHUNK_ROWS).max(1) as u32;
        Pacing {
            before_each_chunk: Duration::from_millis(delay_ms) / chunks,
        }
    }

    fn wait(&self) {
        if !self.before_each_chunk.is_zero() {
            std::thread::sleep(self.before_each_chunk);
        }
    }
}

/// Moves the job to `to` unless it was aborted meanwhile; false when it should stop.
fn advance(org: &Org, job: &IngestHandle, to: JobState) -> bool {
    let mut j = job.lock();
    match j.header.state.transition(to) {
        Ok(s) => {
            j.header.state = s;
            j.header.system_modstamp = org.clock.now();
            true
        }
        Err(_) => false,
    }
}

fn fail(org: &Org, job: &IngestHandle, message: String, started: Instant) {
    let mut j = job.lock();
    if j.header.state.is_terminal() {
        return;
    }
    j.header.state = JobState::Failed;
    j.header.error_message = Some(message);
    j.header.system_modstamp = org.clock.now();
    let ms = started.elapsed().as_millis() as u64;
    j.header.times.total_ms = ms;
    j.header.times.api_active_ms = ms;
}

/// Processes an ingest job to JobComplete, Failed or (if aborted meanwhile) leaves it.
pub fn run_ingest(org: &Org, job: &IngestHandle, settings: BulkSettings) {
    // Every change the job makes carries the origin of its create call (one shared string).
    let origin = job.lock().origin.clone();
    crate::org::origin::with_origin(origin, || ingest(org, job, settings));
}

fn ingest(org: &Org, job: &IngestHandle, settings: BulkSettings) {
    pause(&settings);
    if !advance(org, job, JobState::InProgress) {
        return;
    }
    let (uploads, dialect, spec, user, seed) = {
        let j = job.lock();
        (
            j.uploads.clone(),
            j.header.dialect,
            j.spec.clone(),
            j.header.created_by_id.clone(),
            job_seed(&j.header.id),
        )
    };
    let pacing = match settings.processing_delay_ms {
        0 => None,
        ms => Some(Pacing::new(
            ms,
            uploads.iter().map(|u| data_rows_about(u)).sum(),
        )),
    };
    // The first chunk's wait, before anything is read (a job failed by its header fails
    // after it too); each later chunk waits its share as it comes up.
    if let Some(p) = &pacing {
        p.wait();
    }
    let started = Instant::now();
    let user = SfId::parse(&user).unwrap_or_else(|_| SfId::from_15(b"005000000000000"));
    let mut row_number: u64 = 0;
    let mut chunks_applied: usize = 0;
    // Records are read into a reused pool: a row costs no allocation of its own.
    let mut chunk: Vec<TextRow> = Vec::with_capacity(CHUNK_ROWS);
    // Which rows of the chunk are lines with broken quoting, and how (see `rows`).
    let mut broken: Vec<Option<QuoteFault>> = Vec::with_capacity(CHUNK_ROWS);
    let mut outcomes: Vec<RowOutcome> = Vec::with_capacity(CHUNK_ROWS);
    let mut repeated = RepeatedKeys::new();
    for upload in &uploads {
        let header = match format::read_header(upload, dialect) {
            Ok(h) => h,
            Err(e) => return fail(org, job, e.to_string(), started),
        };
        let ext = spec.external_id_field.as_deref();
        let mut plan = match plan_columns(
            &org.store.read(),
            &spec.object,
            ext,
            spec.operation,
            &header,
        ) {
            Ok(p) => p,
            Err(message) => return fail(org, job, message, started),
        };
        let user_id = user.to_string();
        plan.refuse_uneditable(&org.store.read(), &org.auth, &user_id, spec.operation);
        let mut key = plan.batch_key(spec.operation);
        let mut id_column = plan.columns.iter().position(|c| *c == Column::Id);
        let rows_about = data_rows_about(upload);
        {
            let mut store = org.store.write();
            let stored = store.table(plan.object_index).len();
            let room = rows_to_make_room_for(spec.operation, rows_about, stored);
            store.reserve(plan.object_index, room);
        }
        // The outcomes grow by the upload's rows: room for them once, not by doubling (each
        // doubling of a million outcomes copies what is there).
        job.lock().outcomes.reserve(rows_about);
        let mut rows = UploadRows::new(upload, dialect);
        let mut skipped_header = false;
        loop {
            let mut filled = 0;
            broken.clear();
            while filled < CHUNK_ROWS {
                if chunk.len() == filled {
                    chunk.push(TextRow::default());
                }
                match rows.read(&mut chunk[filled]) {
                    Ok(Some(_)) if !skipped_header => skipped_header = true,
                    Ok(Some(shape)) => {
                        broken.push(match shape {
                            RowShape::BrokenLine(fault) => Some(fault),
                            RowShape::Record => None,
                        });
                        filled += 1;
                    }
                    Ok(None) => break,
                    Err(e) => return fail(org, job, e.to_string(), started),
                }
            }
            if filled == 0 {
                break;
            }
            if chunks_applied > 0 {
                if let Some(p) = &pacing {
                    p.wait();
                }
            }
            chunks_applied += 1;
            if job.lock().header.state != JobState::InProgress {
                // Aborted before this chunk: its rows and the rest stay unprocessed.
                return;
            }
            outcomes.clear();
            {
                let _unit_gate = org.composite.enter_blocking();
                let mut store = org.store.write();
                if plan.schema_key != store.schema_key() {
                    // The schema changed since the header was planned (a field defined
                    // meanwhile): its slots are resolved again.
                    plan = match plan_columns(&store, &spec.object, ext, spec.operation, &header) {
                        Ok(p) => p,
                        Err(message) => {
                            drop(store);
                            return fail(org, job, message, started);
                        }
                    };
                    plan.refuse_uneditable(&store, &org.auth, &user_id, spec.operation);
                    key = plan.batch_key(spec.operation);
                    id_column = plan.columns.iter().position(|c| *c == Column::Id);
                }
                let actor = Actor::new(user, org.clock.now());
                let mut entries = Vec::with_capacity(plan.columns.len() + 1);
                for (group, broken) in chunk[..filled]
                    .chunks(COMMIT_ROWS)
                    .zip(broken.chunks(COMMIT_ROWS))
                {
                    let repeats = match &key {
                        // A broken line is no row of the file, so it names no key.
                        Some(k) => repeated.find(group.len(), k.kind, |i| {
                            if broken[i].is_some() {
                                ""
                            } else {
                                k.of(&group[i])
                            }
                        }),
                        None => &[],
                    };
                    make_heap_room();
                    // The group's records are deleted by one call: they keep their lookups
                    // to one another (see `Store::deleting_together`).
                    let together: Vec<SfId> = match (spec.operation, id_column) {
                        (IngestOperation::Delete | IngestOperation::HardDelete, Some(c)) => group
                            .iter()
                            .filter_map(|row| SfId::parse(row.get(c)?).ok())
                            .collect(),
                        _ => Vec::new(),
                    };
                    store.deleting_together(together, |store| {
                        store.commit_together(|store| {
                            for (i, (row, &broken)) in group.iter().zip(broken).enumerate() {
                                let locked = settings.row_is_locked(seed, row_number);
                                row_number += 1;
                                outcomes.push(match (&key, broken) {
                                    (_, Some(fault)) => {
                                        RowOutcome::failed("", broken_line_error(fault))
                                    }
                                    (Some(k), None) if repeats[i] => k.repeated(row),
                                    _ => apply_row(
                                        store,
                                        &actor,
                                        &spec,
                                        &plan,
                                        row,
                                        locked,
                                        &mut entries,
                                    ),
                                });
                            }
                        })
                    });
                }
            }
            let mut j = job.lock();
            if j.header.state != JobState::InProgress {
                // Aborted meanwhile: this chunk's writes stand (as in a real org, work already
                // done is not undone), the rest stays unprocessed.
                record_outcomes(org, &mut j, &outcomes);
                return;
            }
            record_outcomes(org, &mut j, &outcomes);
            let ms = started.elapsed().as_millis() as u64;
            j.header.times.total_ms = ms;
            j.header.times.api_active_ms = ms;
        }
    }
    let mut j = job.lock();
    if let Ok(s) = j.header.state.transition(JobState::JobComplete) {
        j.header.state = s;
        j.header.system_modstamp = org.clock.now();
        let ms = started.elapsed().as_millis() as u64;
        j.header.times.total_ms = ms;
        j.header.times.api_active_ms = ms;
    }
}

/// Bytes asked for at once before a commit group: about what its new records take, and under
/// glibc's 128 KiB thresholds for handing memory straight to the system or back to it.
const HEAP_ROOM: usize = 120 * 1024;

/// Grows this thread's heap for a commit group in one step. glibc grows a thread's heap by
/// only what each allocation needs, a page at a time and a system call each; one block asked
/// for and handed straight back stays at the top of the heap as room for the group's records
/// (about a tenth of a million-row job's time). Costs one allocation per group elsewhere.
fn make_heap_room() {
    drop(std::hint::black_box(Vec::<u8>::with_capacity(HEAP_ROOM)));
}

/// Adds a chunk's outcomes to the job, and counts the batches of 10,000 records it started
/// against the org's daily allocation (before the job can be seen complete).
fn record_outcomes(org: &Org, j: &mut super::ingest_job::IngestJob, outcomes: &[RowOutcome]) {
    let before = j.header.number_records_processed;
    for o in outcomes {
        if matches!(o, RowOutcome::Failed(_)) {
            j.number_records_failed += 1;
        }
        j.header.number_records_processed += 1;
    }
    j.outcomes.extend_from_slice(outcomes);
    let started = batches_started(before, j.header.number_records_processed);
    org.bulk.count_batches(org.clock.now(), started);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_in_progress_delay_is_shared_out_between_the_chunks() {
        let fifty_thousand = Pacing::new(1500, 50_000);
        assert_eq!(fifty_thousand.before_each_chunk, Duration::from_millis(60));
        // A job of one chunk (or none) waits the whole delay before it, as before.
        assert_eq!(
            Pacing::new(1500, 3).before_each_chunk,
            Duration::from_millis(1500)
        );
        assert_eq!(
            Pacing::new(1500, 0).before_each_chunk,
            Duration::from_millis(1500)
        );
        assert_eq!(
            Pacing::new(1000, CHUNK_ROWS + 1).before_each_chunk,
            Duration::from_millis(500)
        );
    }
}
