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
/// way first, since the position is what tells rows apart, and it is shortened in the middle,
/// where names of one pipeline differ least (`franc.task.completion` → `franc.t…pletion`).
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
    format!("{}{pos}", middle(topic, room))
}

/// `s` in `width` columns, cut in the middle with an ellipsis when it does not fit.
pub fn middle(s: &str, width: usize) -> String {
    if UnicodeWidthStr::width(s) <= width {
        return s.to_string();
    }
    if width < 3 {
        return fit(s, width);
    }
    let tail_w = (width - 1) / 2;
    let head_w = width - 1 - tail_w;
    let cw = |c: char| unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
    let (mut head, mut used) = (String::new(), 0);
    for c in s.chars() {
        if used + cw(c) > head_w {
            break;
        }
        used += cw(c);
        head.push(c);
    }
    let (mut tail, mut used) = (Vec::new(), 0);
    for c in s.chars().rev() {
        if used + cw(c) > tail_w {
            break;
        }
        used += cw(c);
        tail.push(c);
    }
    let tail: String = tail.into_iter().rev().collect();
    format!("{head}…{tail}")
}

/// A duration back from `now` (`1h`), `all` (from the beginning), or a time (RFC 3339).
pub fn parse_since(text: &str, now_ms: i64) -> Result<i64, String> {
    if let Some(t) = crate::codec::decode::parse_time_ms(text.trim()) {
        return Ok(t);
    }
    if matches!(text.trim(), "all" | "beginning") {
        return Ok(0);
    }
    parse_duration_ms(text).map(|d| now_ms - d).map_err(|_| {
        format!("expected a duration (30m, 1h, 2d) or a time (RFC 3339), got {text:?}")
    })
}

/// `+0.120s`, `+12.3s`, `+3m05s`, `-0.200s` (a clock ahead of the request's).
pub fn delta_text(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "+" };
    let a = ms.unsigned_abs();
    if a < 10_000 {
        format!("{sign}{}.{:03}s", a / 1000, a % 1000)
    } else if a < 60_000 {
        format!("{sign}{:.1}s", a as f64 / 1000.0)
    } else {
        format!(
            "{sign}{}",
            crate::codec::text::human_secs(a as f64 / 1000.0)
        )
    }
}

/// A duration in words: `90s`, `5m`, `1h`, `2d`, `500ms`, or a bare number of seconds.
pub fn parse_duration_ms(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("expected a duration such as 30s, 5m, 1h or 2d, got {text:?}"))?;
    let unit_ms = match unit.trim() {
        "ms" => 1.0,
        "" | "s" | "sec" | "secs" => 1000.0,
        "m" | "min" | "mins" => 60_000.0,
        "h" | "hour" | "hours" => 3_600_000.0,
        "d" | "day" | "days" => 86_400_000.0,
        other => {
            return Err(format!(
                "unknown unit {other:?} in {text:?} (use ms, s, m, h or d)"
            ))
        }
    };
    let ms = n * unit_ms;
    if !ms.is_finite() || ms > 3.65e12 {
        return Err(format!("{text:?} is too long"));
    }
    Ok(ms as i64)
}

/// `s` cut into pieces of at most `width` display columns (at least one piece; a character
/// wider than `width` gets a piece of its own).
pub fn chunks(s: &str, width: usize) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut used = 0;
    for c in s.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width && used > 0 {
            out.push(String::new());
            used = 0;
        }
        if let Some(last) = out.last_mut() {
            last.push(c);
        }
        used += w;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cut_by_display_width() {
        assert_eq!(chunks("abcdefg", 3), vec!["abc", "def", "g"]);
        assert_eq!(chunks("", 3), vec![""]);
        assert_eq!(chunks("日本語", 4), vec!["日本", "語"]);
        assert_eq!(chunks("ab", 0), vec!["a", "b"]);
    }

    #[test]
    fn since_reads_durations_and_times() {
        assert_eq!(parse_since("1h", 10_000_000), Ok(10_000_000 - 3_600_000));
        assert_eq!(
            parse_since("2024-01-15T10:30:00Z", 0),
            Ok(1_705_314_600_000)
        );
        assert!(parse_since("yesterday", 0)
            .unwrap_err()
            .contains("RFC 3339"));
    }

    #[test]
    fn deltas_read_at_a_glance() {
        assert_eq!(delta_text(120), "+0.120s");
        assert_eq!(delta_text(-200), "-0.200s");
        assert_eq!(delta_text(12_340), "+12.3s");
        assert_eq!(delta_text(185_000), "+3m05s");
    }

    #[test]
    fn durations_read_like_words() {
        assert_eq!(parse_duration_ms("5m"), Ok(300_000));
        assert_eq!(parse_duration_ms("1h"), Ok(3_600_000));
        assert_eq!(parse_duration_ms("90"), Ok(90_000));
        assert_eq!(parse_duration_ms("1.5s"), Ok(1500));
        assert_eq!(parse_duration_ms("250ms"), Ok(250));
        assert!(parse_duration_ms("5 fortnights").is_err());
        assert!(parse_duration_ms("m").is_err());
    }

    #[test]
    fn topic_gives_way_to_position() {
        assert_eq!(
            topic_at("export-completions", "/2@1234", 14),
            "exp…ons/2@1234"
        );
        assert_eq!(topic_at("jobs", "/0", 14), "jobs/0");
        assert_eq!(topic_at("seq", "/1@550", 9), "seq/1@550");
        assert_eq!(topic_at("seq", "/1@550", 7), "…/1@550");
        assert_eq!(topic_at("seq", "/1@550", 6), "/1@550");
        assert_eq!(topic_at("seq", "/1@550", 5), "/1@5…");
        assert_eq!(topic_at("sequence", "/1@550", 8), "s…/1@550");
        assert_eq!(
            topic_at("franc.task.completion", "/1@5", 19),
            "franc.t…pletion/1@5"
        );
        assert_eq!(middle("abcdef", 5), "ab…ef");
        assert_eq!(middle("abc", 3), "abc");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(human_secs(3725.0), "1h02m");
        assert_eq!(human_count(123_456), "123.5k");
    }
}
