//! Findings planted in an emulator's calls, for the demo: one of each kind
//! `calllogs alerts` finds, on the last full UTC day before `now` (with the
//! four same weekdays before it left as they were, the baselines), and the
//! cost outliers `calllogs audit` finds. The data stays what a provider
//! could send: calls moved, outcomes and prices changed, nothing invented
//! that the API could not hold.

use calllogs_core::{Direction, HangupCause, Status};
use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::SynthCall;

/// A German number (fictional, in a 555 block): a country the generated
/// calls never have.
pub const NEW_COUNTRY_NUMBER: &str = "+493055501234";
/// A US premium-rate (900) number.
pub const PREMIUM_NUMBER: &str = "+19002345678";

fn day_of(c: &SynthCall) -> NaiveDate {
    c.started_at.date_naive()
}

fn shift(c: &mut SynthCall, by: Duration) {
    c.started_at += by;
    c.answered_at = c.answered_at.map(|t| t + by);
    c.ended_at = c.ended_at.map(|t| t + by);
}

fn set_other_party(c: &mut SynthCall, number: &str) {
    if c.direction == Direction::Inbound {
        c.from = number.to_string();
    } else {
        c.to = number.to_string();
    }
}

/// Plants, for the day before `now`'s:
/// - **volume**: the calls of the two days before it moved into it (about
///   three times the calls);
/// - **asr_drop**: every other answered call not answered (rang out);
/// - **short_calls** and **acd_drop**: three answered calls of 3 s, the
///   others half as long;
/// - **cost_per_minute** (and `audit`'s **cost_outlier**): the answered
///   calls charged three times as much;
/// - **category_rise**: every other call that was not answered failed
///   with a carrier error instead;
/// - **new_country**: one call with a German number;
/// - **premium_rate**: one call with a premium-rate number;
///
/// and before it, **unpriced**: an answered call five days back never
/// priced. (Calls **stuck_in_progress** need no planting: every emulator
/// that lists calls in progress has some, a few percent of its calls, from
/// any day; Plivo's call records list only calls that ended.)
pub fn findings(calls: &mut [SynthCall], now: DateTime<Utc>) {
    let day = now.date_naive() - Duration::days(1);
    for c in calls.iter_mut() {
        let back = (day - day_of(c)).num_days();
        if back == 1 || back == 2 {
            shift(c, Duration::days(back));
        }
    }
    let mut answered = 0;
    let mut others = 0;
    let mut placed = (false, false);
    for c in calls.iter_mut().filter(|c| day_of(c) == day) {
        if c.status == Status::Completed {
            answered += 1;
            if answered % 2 == 0 {
                // Rang out: 20 s of ringing, nothing answered, nothing charged.
                c.status = Status::NoAnswer;
                c.cause = Some(HangupCause::NoAnswer);
                c.answered_at = None;
                c.ended_at = Some(c.started_at + Duration::seconds(20));
                c.duration_s = Some(20);
                c.talk_s = Some(0);
                c.cost_units = 0;
                continue;
            }
            let ring = c.duration_s.unwrap_or(0) - c.talk_s.unwrap_or(0);
            let talk = if answered <= 5 {
                1
            } else {
                (c.talk_s.unwrap_or(0) / 2).max(8)
            };
            let total = if answered <= 5 { 3 } else { ring + talk };
            c.answered_at = Some(c.started_at + Duration::seconds(total - talk));
            c.ended_at = Some(c.started_at + Duration::seconds(total));
            c.duration_s = Some(total);
            c.talk_s = Some(talk);
            // Three times the usual price per started minute of talk.
            c.cost_units = (talk + 59) / 60 * 850 * 3;
        } else if c.status != Status::InProgress {
            others += 1;
            if others % 2 == 1 {
                c.status = Status::Failed;
                c.cause = Some(HangupCause::RequestTimeout);
            }
        }
        if !placed.0 {
            set_other_party(c, NEW_COUNTRY_NUMBER);
            placed.0 = true;
        } else if !placed.1 {
            set_other_party(c, PREMIUM_NUMBER);
            placed.1 = true;
        }
    }
    if let Some(c) = calls
        .iter_mut()
        .find(|c| (day - day_of(c)).num_days() == 5 && c.status == Status::Completed)
    {
        c.unpriced = true;
    }
}
