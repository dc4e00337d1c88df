//! Times as people read them: "3d ago", "in 4d", "3 Nov".

use time::{Duration, OffsetDateTime};

/// A duration in its largest sensible unit, rounded to the nearest (6d 23h reads "7d").
fn span(d: Duration) -> String {
    let s = d.whole_seconds().abs();
    let round = |unit: i64| (s + unit / 2) / unit;
    match s {
        s if s < 60 => "just now".into(),
        s if s < 3600 - 30 => format!("{}m", round(60)),
        s if s < 86_400 - 1800 => format!("{}h", round(3600)),
        s if s < 86_400 * 60 => format!("{}d", round(86_400)),
        s if s < 86_400 * 730 => format!("{}mo", round(86_400 * 30)),
        _ => format!("{}y", round(86_400 * 365)),
    }
}

/// "3d ago" for a past time.
pub fn ago(t: OffsetDateTime, now: OffsetDateTime) -> String {
    let s = span(now - t);
    if s == "just now" {
        s
    } else {
        format!("{s} ago")
    }
}

/// "in 4d" for a future time, "expired 2d ago" for a past one.
pub fn until(t: OffsetDateTime, now: OffsetDateTime) -> String {
    if t > now {
        let s = span(t - now);
        if s == "just now" {
            "in under a minute".into()
        } else {
            format!("in {s}")
        }
    } else {
        format!("expired {}", ago(t, now))
    }
}

pub fn day_month(t: OffsetDateTime) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{} {}",
        t.day(),
        MONTHS[usize::from(u8::from(t.month())) - 1]
    )
}

pub fn date_time(t: OffsetDateTime) -> String {
    format!("{} {:02}:{:02}", t.date(), t.hour(), t.minute())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn relative_times() {
        let now = datetime!(2026-11-28 12:00 UTC);
        assert_eq!(ago(now - Duration::days(3), now), "3d ago");
        assert_eq!(until(now + Duration::days(4), now), "in 4d");
        assert_eq!(until(now - Duration::days(2), now), "expired 2d ago");
        assert_eq!(ago(now - Duration::seconds(5), now), "just now");
        assert_eq!(day_month(datetime!(2026-11-03 8:00 UTC)), "3 Nov");
        assert_eq!(
            until(now + Duration::days(7) - Duration::seconds(3), now),
            "in 7d"
        );
        assert_eq!(
            ago(now - Duration::minutes(59) - Duration::seconds(50), now),
            "1h ago"
        );
    }
}
