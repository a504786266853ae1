//! The "Assigned" view's state: the active track's labs as the driver computed them
//! ([`AssignedBoard`], from `track::assigned_rows`), the selected row, and the wording of due
//! dates: relative to the board's moment ("overdue by 3 days", "due in 5 h") and as a moment
//! in the learner's time zone ("Thu 10 Dec 09:00"). Pure: the zone is a parameter.

use crate::track::{next_due, AssignedRow, TrackStatus};
use chrono::{DateTime, Datelike, FixedOffset, Offset, TimeZone, Timelike, Utc};

/// The time zone due moments are shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShownZone {
    /// The machine's zone (`chrono::Local`), daylight saving included.
    Local,
    /// One fixed offset from UTC (what tests use).
    Fixed(FixedOffset),
}

impl ShownZone {
    /// The zone's offset from UTC at the moment `at`.
    pub fn offset_at(self, at: DateTime<Utc>) -> FixedOffset {
        match self {
            ShownZone::Local => chrono::Local
                .offset_from_utc_datetime(&at.naive_utc())
                .fix(),
            ShownZone::Fixed(offset) => offset,
        }
    }

    /// `at` as a clock on the wall in this zone reads it.
    pub fn local(self, at: DateTime<Utc>) -> DateTime<FixedOffset> {
        at.with_timezone(&self.offset_at(at))
    }
}

/// A due moment as the learner's clock reads it: "Thu 10 Dec 09:00", or "Fri 04 Dec" when it
/// falls on the day's last minute there (a track's bare date means the end of that day, UTC).
/// A moment in another year than `now`'s says its year ("Fri 01 Jan 2027"), so next January
/// does not read as this past one.
pub fn due_label(due: DateTime<Utc>, now: DateTime<Utc>, zone: ShownZone) -> String {
    let local = zone.local(due);
    let mut said = if local.hour() == 23 && local.minute() == 59 {
        local.format("%a %d %b").to_string()
    } else {
        local.format("%a %d %b %H:%M").to_string()
    };
    if local.year() != zone.local(now).year() {
        said.insert_str(10, &format!(" {}", local.year()));
    }
    said
}

/// The active track as the screen shows it: computed by the driver from the workspace's
/// track and progress at `now`, sent again whenever progress changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignedBoard {
    pub track: String,
    /// Percent of a lab's points an attempt needs to count.
    pub threshold: u32,
    /// The backend passes must be made on (`mock` or `sandbox`).
    pub backend: String,
    /// The moment the rows were judged at (overdue marks are relative to it).
    pub now: DateTime<Utc>,
    pub rows: Vec<AssignedRow>,
}

impl AssignedBoard {
    /// The board of `track` with its rows judged at `now`.
    pub fn new(
        track: &crate::track::Track,
        rows: Vec<AssignedRow>,
        now: DateTime<Utc>,
    ) -> AssignedBoard {
        AssignedBoard {
            track: track.name.clone(),
            threshold: track.pass_threshold,
            backend: match track.backend {
                crate::lab::Backend::Mock => "mock".into(),
                crate::lab::Backend::Sandbox => "sandbox".into(),
            },
            now,
            rows,
        }
    }

    /// The same rows judged again at `now`: a due moment that passed while the classroom
    /// was open makes its unpassed lab overdue.
    pub fn judge_at(&mut self, now: DateTime<Utc>) {
        self.now = now;
        for r in &mut self.rows {
            r.overdue = r.status != TrackStatus::Passed && now > r.due_at;
        }
    }

    pub fn overdue(&self) -> usize {
        self.rows.iter().filter(|r| r.overdue).count()
    }

    /// What the title bar says about the track: how many labs are overdue, else when the
    /// next one is due; `None` when every lab is passed.
    pub fn headline(&self) -> Option<String> {
        match self.overdue() {
            0 => next_due(&self.rows).map(|r| format!("track: next {}", when(r, self.now))),
            n => Some(format!("track: {n} overdue")),
        }
    }
}

/// The view's own state: which row is selected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssignedView {
    pub selected: usize,
}

impl AssignedView {
    pub fn move_by(&mut self, delta: isize, rows: usize) {
        let last = rows.saturating_sub(1) as isize;
        self.selected = (self.selected as isize + delta).clamp(0, last.max(0)) as usize;
    }
}

fn amount(d: chrono::Duration) -> String {
    let hours = d.num_hours();
    if hours < 1 {
        let m = d.num_minutes().max(1);
        format!("{m} min")
    } else if hours < 48 {
        format!("{hours} h")
    } else {
        format!("{} days", d.num_days())
    }
}

/// The row's due moment relative to `now`: "passed", "passed late", "overdue by 3 days",
/// "due in 5 h".
pub fn when(row: &AssignedRow, now: DateTime<Utc>) -> String {
    if row.status == TrackStatus::Passed {
        return if row.passed_late {
            "passed late".into()
        } else {
            "passed".into()
        };
    }
    let left = row.due_at - now;
    if left < chrono::Duration::zero() {
        format!("overdue by {}", amount(-left))
    } else {
        format!("due in {}", amount(left))
    }
}

/// The best score against the threshold: "5/6 (83%)", or "–" with no judged attempt.
pub fn best(row: &AssignedRow) -> String {
    match row.best {
        Some((p, m)) if m > 0 => format!("{p}/{m} ({}%)", u64::from(p) * 100 / u64::from(m)),
        _ => "–".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn row(status: TrackStatus, due: &str) -> AssignedRow {
        AssignedRow {
            lab: "l".into(),
            title: "L".into(),
            due: due.into(),
            due_at: at(due),
            status,
            overdue: false,
            passed_late: false,
            passed_at: None,
            attempts: 0,
            attempts_elsewhere: 0,
            best: None,
            passed_on: None,
            leaked_by: vec![],
        }
    }

    #[test]
    fn due_dates_read_relative_to_now() {
        let now = at("2026-12-05T12:00:00Z");
        let r = row(TrackStatus::NotStarted, "2026-12-02T12:00:00Z");
        assert_eq!(when(&r, now), "overdue by 3 days");
        let r = row(TrackStatus::Attempted, "2026-12-05T17:00:00Z");
        assert_eq!(when(&r, now), "due in 5 h");
        let r = row(TrackStatus::Started, "2026-12-05T12:20:00Z");
        assert_eq!(when(&r, now), "due in 20 min");
        let mut r = row(TrackStatus::Passed, "2026-12-01T00:00:00Z");
        assert_eq!(when(&r, now), "passed");
        r.passed_late = true;
        assert_eq!(when(&r, now), "passed late");
    }

    #[test]
    fn due_moments_read_in_the_zone_given_not_in_utc() {
        let due = at("2026-12-10T17:00:00Z");
        let utc = ShownZone::Fixed(FixedOffset::east_opt(0).unwrap());
        let los_angeles = ShownZone::Fixed(FixedOffset::west_opt(8 * 3600).unwrap());
        let tokyo = ShownZone::Fixed(FixedOffset::east_opt(9 * 3600).unwrap());
        let now = at("2026-12-02T12:00:00Z");
        assert_eq!(due_label(due, now, utc), "Thu 10 Dec 17:00");
        assert_eq!(due_label(due, now, los_angeles), "Thu 10 Dec 09:00");
        assert_eq!(due_label(due, now, tokyo), "Fri 11 Dec 02:00");
        let end_of_day = at("2026-12-04T23:59:59Z");
        assert_eq!(due_label(end_of_day, now, utc), "Fri 04 Dec");
        assert_eq!(due_label(end_of_day, now, los_angeles), "Fri 04 Dec 15:59");
    }

    #[test]
    fn a_due_date_in_another_year_says_its_year() {
        let utc = ShownZone::Fixed(FixedOffset::east_opt(0).unwrap());
        let now = at("2026-12-02T12:00:00Z");
        let next_january = at("2027-01-01T23:59:59Z");
        assert_eq!(due_label(next_january, now, utc), "Fri 01 Jan 2027");
        let timed = at("2999-01-01T09:30:00Z");
        assert_eq!(due_label(timed, now, utc), "Tue 01 Jan 2999 09:30");
        let last_year = at("2025-12-30T23:59:59Z");
        assert_eq!(due_label(last_year, now, utc), "Tue 30 Dec 2025");
    }

    #[test]
    fn best_score_shows_the_share_of_points() {
        let mut r = row(TrackStatus::Attempted, "2026-12-05T17:00:00Z");
        assert_eq!(best(&r), "–");
        r.best = Some((5, 6));
        assert_eq!(best(&r), "5/6 (83%)");
    }

    #[test]
    fn headline_counts_overdue_labs_before_naming_the_next_due() {
        let now = at("2026-12-05T12:00:00Z");
        let mut late = row(TrackStatus::NotStarted, "2026-12-02T12:00:00Z");
        late.overdue = true;
        let soon = row(TrackStatus::Started, "2026-12-06T12:00:00Z");
        let done = row(TrackStatus::Passed, "2026-12-01T00:00:00Z");
        let mut b = AssignedBoard {
            track: "T".into(),
            threshold: 80,
            backend: "mock".into(),
            now,
            rows: vec![late, soon.clone(), done.clone()],
        };
        assert_eq!(b.headline().as_deref(), Some("track: 1 overdue"));
        b.rows = vec![soon, done.clone()];
        assert_eq!(b.headline().as_deref(), Some("track: next due in 24 h"));
        b.rows = vec![done];
        assert_eq!(b.headline(), None);
    }

    #[test]
    fn selection_stays_inside_the_rows() {
        let mut v = AssignedView::default();
        v.move_by(5, 3);
        assert_eq!(v.selected, 2);
        v.move_by(-9, 3);
        assert_eq!(v.selected, 0);
        v.move_by(1, 0);
        assert_eq!(v.selected, 0);
    }
}
