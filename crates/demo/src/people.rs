//! Membership stages and their dates for synthetic people.
//!
//! Dates follow the development procedure (发展党员工作细则): an applicant is at
//! least 18, is made an activist within months, a candidate after at least a
//! year as an activist, probationary some months later, and full a year after
//! that (rarely later: probation can be extended). Members who joined before
//! 2000 often have only their admission dates on record, as in real rosters.

use chrono::{Datelike, Days, NaiveDate};
use dangjian_domain::date::add_years;
use dangjian_domain::person::{MemberStatus, StageDates};
use rand::Rng;

use crate::REFERENCE_DATE;

fn before(d: NaiveDate, days: u64) -> NaiveDate {
    d - Days::new(days)
}

fn after(d: NaiveDate, days: u64) -> NaiveDate {
    d + Days::new(days)
}

/// Draws a status for a branch member beyond the first few (who are full members).
pub(crate) fn status(rng: &mut impl Rng) -> MemberStatus {
    let roll = rng.gen_range(0..100);
    match roll {
        0..=65 => MemberStatus::Full,
        66..=70 => MemberStatus::Probationary,
        71..=74 => MemberStatus::Candidate,
        75..=80 => MemberStatus::Activist,
        81..=85 => MemberStatus::Applicant,
        _ => MemberStatus::None,
    }
}

/// A birth year fitting the status; `senior` people are the branch's core.
pub(crate) fn birth_year(rng: &mut impl Rng, status: MemberStatus, senior: bool) -> i32 {
    if senior {
        return rng.gen_range(1965..=1984);
    }
    match status {
        MemberStatus::Full => rng.gen_range(1966..=2001),
        MemberStatus::Probationary => rng.gen_range(1990..=2003),
        MemberStatus::Candidate | MemberStatus::Activist | MemberStatus::Applicant => {
            if rng.gen_bool(0.15) {
                rng.gen_range(1978..=1990)
            } else {
                rng.gen_range(1991..=2003)
            }
        }
        MemberStatus::None => rng.gen_range(1966..=2003),
    }
}

/// A day in `year`.
pub(crate) fn birth_date(rng: &mut impl Rng, year: i32) -> NaiveDate {
    let start = NaiveDate::from_ymd_opt(year, 1, 1).expect("valid year");
    let len = if NaiveDate::from_ymd_opt(year, 2, 29).is_some() { 366 } else { 365 };
    after(start, rng.gen_range(0..len))
}

/// Stage dates consistent with `status` for someone born on `birth`.
pub(crate) fn stage_dates(rng: &mut impl Rng, status: MemberStatus, birth: NaiveDate) -> StageDates {
    let r = REFERENCE_DATE;
    match status {
        MemberStatus::None => StageDates::default(),
        MemberStatus::Applicant => {
            StageDates { applied_on: Some(before(r, rng.gen_range(5..=540))), ..Default::default() }
        }
        MemberStatus::Activist => {
            let activist = before(r, rng.gen_range(15..=720));
            let applied = before(activist, rng.gen_range(30..=240));
            StageDates { applied_on: Some(applied), activist_on: Some(activist), ..Default::default() }
        }
        MemberStatus::Candidate => {
            let candidate = before(r, rng.gen_range(15..=300));
            let activist = before(candidate, rng.gen_range(365..=700));
            let applied = before(activist, rng.gen_range(30..=240));
            StageDates {
                applied_on: Some(applied),
                activist_on: Some(activist),
                candidate_on: Some(candidate),
                ..Default::default()
            }
        }
        MemberStatus::Probationary => {
            let probationary = before(r, rng.gen_range(20..=360));
            let candidate = before(probationary, rng.gen_range(90..=300));
            let activist = before(candidate, rng.gen_range(365..=700));
            let applied = before(activist, rng.gen_range(30..=240));
            StageDates {
                applied_on: Some(applied),
                activist_on: Some(activist),
                candidate_on: Some(candidate),
                probationary_on: Some(probationary),
                full_on: None,
            }
        }
        MemberStatus::Full => full_member_dates(rng, birth),
    }
}

fn full_member_dates(rng: &mut impl Rng, birth: NaiveDate) -> StageDates {
    let adult = after(add_years(birth, 18), 30);
    // Apply young enough for the whole path (about four and a half years at
    // most) to end before the reference date; people apply between 18 and 32.
    let latest_apply = before(REFERENCE_DATE, 1_700).min(add_years(birth, 32));
    let applied = if latest_apply > adult {
        after(adult, rng.gen_range(0..=(latest_apply - adult).num_days() as u64))
    } else {
        adult
    };
    let activist = after(applied, rng.gen_range(30..=240));
    let candidate = after(activist, rng.gen_range(365..=700));
    let probationary = after(candidate, rng.gen_range(90..=300));
    let extended = rng.gen_bool(0.02);
    let mut full =
        if extended { after(add_years(probationary, 1), rng.gen_range(180..=365)) } else { add_years(probationary, 1) };
    let mut dates = [applied, activist, candidate, probationary];
    let latest_full = before(REFERENCE_DATE, 20);
    if full > latest_full {
        let shift = (full - latest_full).num_days() as u64 + rng.gen_range(0..=400);
        for d in &mut dates {
            *d = before(*d, shift);
        }
        full = before(full, shift);
    }
    let [applied, activist, candidate, probationary] = dates;
    let legacy = probationary.year() < 2000 && rng.gen_bool(0.5);
    if legacy {
        StageDates { probationary_on: Some(probationary), full_on: Some(full), ..Default::default() }
    } else {
        StageDates {
            applied_on: Some(applied),
            activist_on: Some(activist),
            candidate_on: Some(candidate),
            probationary_on: Some(probationary),
            full_on: Some(full),
        }
    }
}

#[cfg(test)]
mod tests {
    use dangjian_domain::person::validate_stages;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    #[test]
    fn every_status_gets_valid_dates_from_age_18() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..5_000 {
            for status in MemberStatus::ALL {
                let senior = rng.gen_bool(0.2);
                let year = birth_year(&mut rng, status, senior);
                let birth = birth_date(&mut rng, year);
                let dates = stage_dates(&mut rng, status, birth);
                assert_eq!(validate_stages(status, &dates), Ok(()), "{status:?} {dates:?}");
                for stage in MemberStatus::STAGES {
                    if let Some(d) = dates.get(stage) {
                        assert!(d <= REFERENCE_DATE);
                        assert!(d >= add_years(birth, 18), "{status:?} born {birth}: {dates:?}");
                    }
                }
            }
        }
    }
}
