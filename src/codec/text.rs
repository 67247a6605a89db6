//! Text helpers shared by the dashboard and the headless commands: clock times, fitting to a
//! width, human counts and durations.

use unicode_width::UnicodeWidthStr;

/// HH:MM:SS in UTC, from epoch milliseconds.
pub fn clock_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%H:%M:%S").to_string())
        .unwrap_or_default()
}

/// Cuts `s` to `width` display columns, with an ellipsis when cut.
pub fn fit(s: &str, width: usize) -> String {
    if width == 0 {
        return String::new();
    }
    if UnicodeWidthStr::width(s) <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if w + cw + 1 > width {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

/// 1234567 -> "1.2M", for narrow columns.
pub fn human_count(n: i64) -> String {
    let a = n.unsigned_abs() as f64;
    let sign = if n < 0 { "-" } else { "" };
    if a >= 1e9 {
        format!("{sign}{:.1}G", a / 1e9)
    } else if a >= 1e6 {
        format!("{sign}{:.1}M", a / 1e6)
    } else if a >= 1e4 {
        format!("{sign}{:.1}k", a / 1e3)
    } else {
        format!("{n}")
    }
}

/// Seconds as "42s", "3m05s", "2h10m".
pub fn human_secs(s: f64) -> String {
    if !s.is_finite() {
        return "∞".into();
    }
    let s = s.max(0.0).round() as i64;
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    }
}

/// A topic followed by its position (`/p@offset`, `/p`) in `width` columns: the topic gives
/// way first, since the position is what tells rows apart.
pub fn topic_at(topic: &str, pos: &str, width: usize) -> String {
    let pos_w = UnicodeWidthStr::width(pos);
    let room = width.saturating_sub(pos_w);
    if room < 2 && UnicodeWidthStr::width(topic) + pos_w > width {
        // No room for even one letter of the topic: keep the position whole if it fits.
        return if pos_w < width {
            format!("…{pos}")
        } else {
            fit(pos, width)
        };
    }
    format!("{}{pos}", fit(topic, room))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_gives_way_to_position() {
        assert_eq!(
            topic_at("export-completions", "/2@1234", 14),
            "export…/2@1234"
        );
        assert_eq!(topic_at("jobs", "/0", 14), "jobs/0");
        assert_eq!(topic_at("seq", "/1@550", 9), "seq/1@550");
        assert_eq!(topic_at("seq", "/1@550", 7), "…/1@550");
        assert_eq!(topic_at("seq", "/1@550", 6), "/1@550");
        assert_eq!(topic_at("seq", "/1@550", 5), "/1@5…");
        assert_eq!(topic_at("sequence", "/1@550", 8), "s…/1@550");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(human_secs(3725.0), "1h02m");
        assert_eq!(human_count(123_456), "123.5k");
    }
}
