//! Avro values that JSON has no type for (bytes, decimals, dates and times, non-finite floats)
//! as text a person reads, and back. Each pair is exact both ways, so a decoded record encodes to
//! the same bytes.

use base64::Engine as _;
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat};
use serde_json::{Number, Value};

/// Marks bytes shown as base64: without it base64 text and the text itself could not be told apart.
pub(super) const BASE64_PREFIX: &str = "base64:";

/// Days from 0001-01-01 (chrono's day 1) to 1970-01-01.
const EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// Longest decimal turned into digits; more is surely not a decimal (the conversion is quadratic).
const DECIMAL_MAX_BYTES: usize = 128;

/// Bytes as the text they are when it is UTF-8; otherwise (or when the text itself starts with
/// the prefix) `base64:` and the base64 of the bytes.
pub(super) fn bytes_json(b: &[u8]) -> Value {
    match std::str::from_utf8(b) {
        Ok(s) if !s.starts_with(BASE64_PREFIX) => Value::String(s.to_string()),
        _ => Value::String(format!(
            "{BASE64_PREFIX}{}",
            base64::engine::general_purpose::STANDARD.encode(b)
        )),
    }
}

pub(super) fn bytes_from_json(v: &Value) -> Result<Vec<u8>, String> {
    let s = v
        .as_str()
        .ok_or_else(|| format!("{} is not text", brief(v)))?;
    if let Some(b64) = s.strip_prefix(BASE64_PREFIX) {
        if let Ok(b) = base64::engine::general_purpose::STANDARD.decode(b64) {
            return Ok(b);
        }
    }
    Ok(s.as_bytes().to_vec())
}

/// A float as a JSON number; NaN and the infinities, which JSON has not, as text.
pub(super) fn float_json(f: f64) -> Value {
    match Number::from_f64(f) {
        Some(n) => Value::Number(n),
        None if f.is_nan() => Value::String("NaN".into()),
        None if f > 0.0 => Value::String("Infinity".into()),
        None => Value::String("-Infinity".into()),
    }
}

/// An f32 widened through its shortest text, so 0.1f32 shows as 0.1, not 0.10000000149011612.
pub(super) fn float32_json(f: f32) -> Value {
    match f.to_string().parse::<f64>() {
        Ok(d) if f.is_finite() => float_json(d),
        _ => float_json(f64::from(f)),
    }
}

pub(super) fn float_from_json(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

/// The precision of a timestamp's long.
#[derive(Clone, Copy)]
pub(super) enum Unit {
    Millis,
    Micros,
    Nanos,
}

fn to_datetime(v: i64, unit: Unit) -> Option<DateTime<chrono::Utc>> {
    let dt = match unit {
        Unit::Millis => DateTime::from_timestamp_millis(v)?,
        Unit::Micros => DateTime::from_timestamp_micros(v)?,
        Unit::Nanos => DateTime::from_timestamp_nanos(v),
    };
    // Years of more than four digits do not read back as RFC 3339: those stay numbers.
    (0..=9999)
        .contains(&chrono::Datelike::year(&dt))
        .then_some(dt)
}

/// A timestamp as RFC 3339 UTC text ("2026-12-05T07:00:00.123Z"); a local timestamp the same
/// without the zone. Out of the calendar's range: the number.
pub(super) fn timestamp_json(v: i64, unit: Unit, utc: bool) -> Value {
    let Some(dt) = to_datetime(v, unit) else {
        return Value::from(v);
    };
    let (secs, frac) = match unit {
        Unit::Millis => (SecondsFormat::Millis, "%.3f"),
        Unit::Micros => (SecondsFormat::Micros, "%.6f"),
        Unit::Nanos => (SecondsFormat::Nanos, "%.9f"),
    };
    if utc {
        Value::String(dt.to_rfc3339_opts(secs, true))
    } else {
        Value::String(dt.format(&format!("%Y-%m-%dT%H:%M:%S{frac}")).to_string())
    }
}

pub(super) fn timestamp_from_json(v: &Value, unit: Unit, utc: bool) -> Option<i64> {
    if let Some(n) = v.as_i64() {
        return Some(n);
    }
    let s = v.as_str()?;
    let dt = if utc {
        DateTime::parse_from_rfc3339(s).ok()?.to_utc()
    } else {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
            .ok()?
            .and_utc()
    };
    match unit {
        Unit::Millis => Some(dt.timestamp_millis()),
        Unit::Micros => Some(dt.timestamp_micros()),
        Unit::Nanos => dt.timestamp_nanos_opt(),
    }
}

/// Days since 1970-01-01 as "YYYY-MM-DD".
pub(super) fn date_json(days: i32) -> Value {
    let date = days
        .checked_add(EPOCH_DAYS_FROM_CE)
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .filter(|d| (0..=9999).contains(&chrono::Datelike::year(d)));
    match date {
        Some(d) => Value::String(d.format("%Y-%m-%d").to_string()),
        None => Value::from(days),
    }
}

pub(super) fn date_from_json(v: &Value) -> Option<i32> {
    if let Some(n) = v.as_i64() {
        return i32::try_from(n).ok();
    }
    let d = NaiveDate::parse_from_str(v.as_str()?, "%Y-%m-%d").ok()?;
    chrono::Datelike::num_days_from_ce(&d).checked_sub(EPOCH_DAYS_FROM_CE)
}

/// A time of day as "HH:MM:SS.fff" (`digits` decimals: 3 for millis, 6 for micros).
pub(super) fn time_json(v: i64, digits: u32) -> Value {
    let per_sec = 10_i64.pow(digits);
    if !(0..86_400 * per_sec).contains(&v) {
        return Value::from(v);
    }
    let (secs, frac) = (v / per_sec, v % per_sec);
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let width = digits as usize;
    Value::String(format!("{h:02}:{m:02}:{s:02}.{frac:0width$}"))
}

pub(super) fn time_from_json(v: &Value, digits: u32) -> Option<i64> {
    if let Some(n) = v.as_i64() {
        return Some(n);
    }
    let s = v.as_str()?;
    let (hms, frac) = s.split_once('.').unwrap_or((s, ""));
    let mut parts = hms.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, sec) = (parts.next()??, parts.next()??, parts.next()??);
    if parts.next().is_some() || frac.len() > digits as usize || h > 23 || m > 59 || sec > 59 {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let per_sec = 10_i64.pow(digits);
    let frac_v = format!("{frac:0<width$}", width = digits as usize)
        .parse::<i64>()
        .ok()?;
    Some((h * 3600 + m * 60 + sec) * per_sec + frac_v)
}

/// A decimal's big-endian two's-complement unscaled bytes as text with `scale` decimals.
pub(super) fn decimal_json(unscaled: &[u8], scale: usize) -> Result<Value, String> {
    if unscaled.len() > DECIMAL_MAX_BYTES {
        return Err(format!("a decimal of {} bytes is too long", unscaled.len()));
    }
    let negative = unscaled.first().is_some_and(|b| b & 0x80 != 0);
    let mut mag = unscaled.to_vec();
    if negative {
        negate(&mut mag);
    }
    let mut digits = to_digits(&mag);
    if digits.len() <= scale {
        digits = format!("{}{digits}", "0".repeat(scale + 1 - digits.len()));
    }
    let (int, frac) = digits.split_at(digits.len() - scale);
    let sign = if negative { "-" } else { "" };
    let dot = if scale > 0 { "." } else { "" };
    Ok(Value::String(format!("{sign}{int}{dot}{frac}")))
}

/// Text (or a number) to the unscaled bytes of a decimal with `scale` decimals: the fewest
/// bytes that hold it (as Java's BigInteger writes it), or `size` bytes for a fixed.
pub(super) fn decimal_from_json(
    v: &Value,
    scale: usize,
    size: Option<usize>,
) -> Result<Vec<u8>, String> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return Err(format!("{} is not a decimal", brief(v))),
    };
    let not_decimal = || format!("{} is not a decimal", brief(v));
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(&text)),
    };
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !all_digits(int) || !all_digits(frac) {
        return Err(not_decimal());
    }
    let extra = frac.get(scale..).unwrap_or("");
    if extra.bytes().any(|b| b != b'0') {
        return Err(format!("{} has more than {scale} decimal places", brief(v)));
    }
    let frac = &frac[..frac.len() - extra.len()];
    let digits = format!("{int}{frac}{}", "0".repeat(scale - frac.len()));
    let mut bytes = from_digits(&digits);
    bytes.insert(0, 0);
    if negative {
        negate(&mut bytes);
    }
    fit_twos_complement(bytes, size)
        .ok_or_else(|| format!("{} does not fit the decimal's bytes", brief(v)))
}

/// Drops redundant sign bytes, then widens to `size` when given (None: it does not fit).
fn fit_twos_complement(mut b: Vec<u8>, size: Option<usize>) -> Option<Vec<u8>> {
    while b.len() > 1 && ((b[0] == 0 && b[1] & 0x80 == 0) || (b[0] == 0xFF && b[1] & 0x80 != 0)) {
        b.remove(0);
    }
    let Some(size) = size else { return Some(b) };
    if b.len() > size {
        return None;
    }
    let fill = if b[0] & 0x80 != 0 { 0xFF } else { 0 };
    let mut out = vec![fill; size - b.len()];
    out.extend_from_slice(&b);
    Some(out)
}

/// Two's-complement negation in place (invert, add one).
fn negate(b: &mut [u8]) {
    let mut carry = true;
    for byte in b.iter_mut().rev() {
        let (v, c) = (!*byte).overflowing_add(u8::from(carry));
        *byte = v;
        carry = c;
    }
}

/// Big-endian unsigned bytes to decimal digits.
fn to_digits(mag: &[u8]) -> String {
    let mut n: Vec<u8> = mag.iter().copied().skip_while(|b| *b == 0).collect();
    let mut digits = Vec::new();
    while !n.is_empty() {
        let mut rem = 0u32;
        for byte in n.iter_mut() {
            let cur = (rem << 8) | u32::from(*byte);
            *byte = (cur / 10) as u8;
            rem = cur % 10;
        }
        digits.push(b'0' + rem as u8);
        let zeros = n.iter().take_while(|b| **b == 0).count();
        n.drain(..zeros);
    }
    if digits.is_empty() {
        digits.push(b'0');
    }
    digits.iter().rev().map(|d| char::from(*d)).collect()
}

/// Decimal digits to big-endian unsigned bytes (empty for zero).
fn from_digits(digits: &str) -> Vec<u8> {
    let mut n: Vec<u8> = Vec::new();
    for d in digits.bytes() {
        let mut carry = u32::from(d - b'0');
        for byte in n.iter_mut().rev() {
            let cur = u32::from(*byte) * 10 + carry;
            *byte = (cur & 0xFF) as u8;
            carry = cur >> 8;
        }
        if carry > 0 {
            n.insert(0, carry as u8);
        }
    }
    n
}

/// A value shortened for an error message.
pub(super) fn brief(v: &Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}
