//! Time ranges of a search: `--since/--until` on the command line and the search dialog's
//! range field ("last 1h", "since X until Y", "X..Y"). A point in time is read by the same
//! parser as `kdeck job --since` (a duration back from now, or an RFC 3339 time).

/// Records written at or after `since_ms` and before `until_ms` (either side open).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeRange {
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
}

/// A duration back from `now_ms` (`30m`, `1h`, `2d`) or a time (RFC 3339): one parser for
/// `kdeck job`, `kdeck tail` and the search dialog.
pub fn parse_point(text: &str, now_ms: i64) -> Result<i64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("expected a duration (30m, 1h, 2d) or a time (RFC 3339), got nothing".into());
    }
    crate::codec::text::parse_since(t, now_ms)
}

impl TimeRange {
    /// From `--since` and `--until`; the error names the flag.
    pub fn from_flags(
        since: Option<&str>,
        until: Option<&str>,
        now_ms: i64,
    ) -> Result<TimeRange, String> {
        let since_ms = since
            .map(|s| parse_point(s, now_ms).map_err(|m| format!("--since: {m}")))
            .transpose()?;
        let until_ms = until
            .map(|s| parse_point(s, now_ms).map_err(|m| format!("--until: {m}")))
            .transpose()?;
        TimeRange { since_ms, until_ms }
            .checked()
            .map_err(|m| format!("--since/--until: {m}"))
    }

    /// The dialog's field: empty or `all` (everything, newest first), `last 1h` or `1h`,
    /// `since X`, `until Y`, `since X until Y`, or `X..Y` (either side may be left out).
    pub fn parse(text: &str, now_ms: i64) -> Result<TimeRange, String> {
        let t = text.trim();
        if t.is_empty() || t.eq_ignore_ascii_case("all") {
            return Ok(TimeRange::default());
        }
        let point = |s: &str| -> Result<Option<i64>, String> {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            parse_point(s, now_ms).map(Some)
        };
        let lower = t.to_ascii_lowercase();
        let range = if let Some((a, b)) = t.split_once("..") {
            TimeRange {
                since_ms: point(a)?,
                until_ms: point(b)?,
            }
        } else if let Some(rest) = lower.strip_prefix("last ") {
            TimeRange {
                since_ms: point(&t[t.len() - rest.len()..])?,
                until_ms: None,
            }
        } else if lower.starts_with("since ") || lower.starts_with("until ") {
            let (since, until) = split_words(t);
            TimeRange {
                since_ms: since.map(&point).transpose()?.flatten(),
                until_ms: until.map(&point).transpose()?.flatten(),
            }
        } else {
            TimeRange {
                since_ms: point(t)?,
                until_ms: None,
            }
        };
        range.checked()
    }

    fn checked(self) -> Result<TimeRange, String> {
        if let (Some(a), Some(b)) = (self.since_ms, self.until_ms) {
            if a >= b {
                return Err(format!(
                    "the start ({}) is not before the end ({})",
                    time_text(a),
                    time_text(b)
                ));
            }
        }
        Ok(self)
    }

    pub fn is_open(&self) -> bool {
        self.since_ms.is_none() && self.until_ms.is_none()
    }

    /// Whether a record of this time is in the range. A record without a time is kept: the
    /// broker's time index placed it, and dropping it would hide it.
    pub fn contains(&self, ts: Option<i64>) -> bool {
        let Some(ts) = ts else { return true };
        self.since_ms.is_none_or(|s| ts >= s) && self.until_ms.is_none_or(|u| ts < u)
    }

    /// For titles: "since 10:00:00Z until 11:00:00Z", "all".
    pub fn describe(&self) -> String {
        match (self.since_ms, self.until_ms) {
            (None, None) => "all, newest first".into(),
            (Some(a), None) => format!("since {}", time_text(a)),
            (None, Some(b)) => format!("until {}", time_text(b)),
            (Some(a), Some(b)) => format!("since {} until {}", time_text(a), time_text(b)),
        }
    }
}

/// "since X until Y" -> (X, Y); "until Y" -> (None, Y).
fn split_words(t: &str) -> (Option<&str>, Option<&str>) {
    let lower = t.to_ascii_lowercase();
    let until_at = if lower.starts_with("until ") {
        Some(0)
    } else {
        lower.find(" until ").map(|i| i + 1)
    };
    let since = lower
        .starts_with("since ")
        .then(|| &t["since ".len()..until_at.unwrap_or(t.len())]);
    let until = until_at.map(|i| &t[i + "until ".len()..]);
    (since, until)
}

fn time_text(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M:%SZ").to_string())
        .unwrap_or_else(|| format!("{ms} ms"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;
    const H: i64 = 3_600_000;

    #[test]
    fn flags_read_durations_and_times() {
        let r = TimeRange::from_flags(Some("1h"), None, NOW).unwrap();
        assert_eq!(r.since_ms, Some(NOW - H));
        assert_eq!(r.until_ms, None);
        let r = TimeRange::from_flags(Some("30m"), Some("10m"), NOW).unwrap();
        assert_eq!(r.since_ms, Some(NOW - H / 2));
        assert_eq!(r.until_ms, Some(NOW - H / 6));
        let r = TimeRange::from_flags(Some("2026-11-25T10:00:00Z"), None, NOW).unwrap();
        assert_eq!(r.since_ms, Some(1_795_600_800_000));
    }

    #[test]
    fn bad_flags_say_which_and_why_in_words() {
        let e = TimeRange::from_flags(Some("yesterday"), None, NOW).unwrap_err();
        assert!(e.starts_with("--since: "), "{e}");
        assert!(e.contains("duration") && e.contains("\"yesterday\""), "{e}");
        let e = TimeRange::from_flags(None, Some("5 fortnights"), NOW).unwrap_err();
        assert!(e.starts_with("--until: "), "{e}");
        let e = TimeRange::from_flags(Some("10m"), Some("1h"), NOW).unwrap_err();
        assert!(e.contains("not before"), "{e}");
        assert!(TimeRange::from_flags(Some(""), None, NOW).is_err());
        assert!(TimeRange::from_flags(Some("-1h"), None, NOW).is_err());
    }

    #[test]
    fn dialog_forms() {
        assert!(TimeRange::parse("", NOW).unwrap().is_open());
        assert!(TimeRange::parse(" all ", NOW).unwrap().is_open());
        let last = TimeRange::parse("last 1h", NOW).unwrap();
        assert_eq!(last, TimeRange::parse("1h", NOW).unwrap());
        assert_eq!(last.since_ms, Some(NOW - H));
        let both = TimeRange::parse("since 2h until 1h", NOW).unwrap();
        assert_eq!(
            (both.since_ms, both.until_ms),
            (Some(NOW - 2 * H), Some(NOW - H))
        );
        assert_eq!(both, TimeRange::parse("2h..1h", NOW).unwrap());
        let until = TimeRange::parse("until 1h", NOW).unwrap();
        assert_eq!((until.since_ms, until.until_ms), (None, Some(NOW - H)));
        assert_eq!(until, TimeRange::parse("..1h", NOW).unwrap());
        let t = TimeRange::parse("2026-11-25T10:00:00Z..2026-11-25T11:00:00Z", NOW).unwrap();
        assert_eq!(t.until_ms.unwrap() - t.since_ms.unwrap(), H);
        assert!(TimeRange::parse("last week", NOW).is_err());
        assert!(TimeRange::parse("1h..2h", NOW).is_err());
    }

    #[test]
    fn contains_is_half_open() {
        let r = TimeRange {
            since_ms: Some(10),
            until_ms: Some(20),
        };
        assert!(!r.contains(Some(9)));
        assert!(r.contains(Some(10)));
        assert!(r.contains(Some(19)));
        assert!(!r.contains(Some(20)));
        assert!(r.contains(None));
    }
}
