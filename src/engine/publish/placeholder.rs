//! `{{...}}` placeholders in template texts: expanded per record, so `{{seq}}`, `{{uuid}}` and
//! `{{now}}` differ between the records of one burst. Pure: the clock, the random seed and the
//! environment come in through [`Vars`], so a preview equals the record sent with the same vars.

use std::collections::HashMap;

/// Answers `{{env.NAME}}`.
pub type EnvLookup = std::sync::Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// What placeholders read: the time, the record's sequence number (from 1), a random seed and
/// the environment. Two renders with equal vars give equal records.
#[derive(Clone)]
pub struct Vars {
    pub now_ms: i64,
    pub seq: u64,
    pub seed: u64,
    /// `{{env.NAME}}` lookups; None: the variable is not set.
    pub env: EnvLookup,
}

impl std::fmt::Debug for Vars {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vars")
            .field("now_ms", &self.now_ms)
            .field("seq", &self.seq)
            .field("seed", &self.seed)
            .finish()
    }
}

/// Equal when they render equal records for the same environment (the environment lookup
/// itself cannot be compared).
impl PartialEq for Vars {
    fn eq(&self, o: &Vars) -> bool {
        (self.now_ms, self.seq, self.seed) == (o.now_ms, o.seq, o.seed)
    }
}

impl Vars {
    /// The real clock, a random seed and the process environment; `seq` 1.
    pub fn system() -> Vars {
        Vars {
            now_ms: chrono::Utc::now().timestamp_millis(),
            seq: 1,
            seed: random_seed(),
            env: std::sync::Arc::new(|k| std::env::var(k).ok()),
        }
    }

    /// Fixed time and seed, and exactly these environment variables (tests, snapshots).
    pub fn fixed(now_ms: i64, seed: u64, env: &[(&str, &str)]) -> Vars {
        let map: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Vars {
            now_ms,
            seq: 1,
            seed,
            env: std::sync::Arc::new(move |k| map.get(k).cloned()),
        }
    }

    /// The vars of record `seq` of a burst: the time now, a seed of its own.
    pub fn next(&self, seq: u64, now_ms: i64) -> Vars {
        Vars {
            now_ms,
            seq,
            seed: splitmix(self.seed ^ seq.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
            env: self.env.clone(),
        }
    }
}

/// Random bits from the standard library's per-process hash keys (OS randomness).
pub fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    h.finish()
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A small deterministic generator for `{{uuid}}` and `{{rand.int}}`.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        splitmix(self.0)
    }

    /// A random (version 4) UUID.
    pub fn uuid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }
}

/// The help line shown with an unknown placeholder.
pub const KNOWN: &str = "{{uuid}}, {{hex32}}, {{hex16}}, {{now}}, {{now+5m}}, {{now-1h}}, {{local}}, {{local+5m}}, {{stamp}}, {{seq}}, {{rand.int(1,100)}}, {{env.NAME}}, {{field.NAME}}";

/// Expands every placeholder of `text`. `field` answers `{{field.NAME}}` (Err: its message).
pub fn expand(
    text: &str,
    vars: &Vars,
    rng: &mut Rng,
    field: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("{{") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let end = after.find("}}").ok_or_else(|| {
            format!(
                "unclosed placeholder: {:?} has no closing }}}}",
                &rest[at..]
            )
        })?;
        let name = after[..end].trim();
        out.push_str(&one(name, vars, rng, field)?);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn one(
    name: &str,
    vars: &Vars,
    rng: &mut Rng,
    field: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Result<String, String> {
    match name {
        "uuid" => return Ok(rng.uuid()),
        "hex32" => return Ok(format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64())),
        // A span id as OpenTelemetry writes it (W3C trace context): 8 bytes in hex.
        "hex16" => return Ok(format!("{:016x}", rng.next_u64())),
        "seq" => return Ok(vars.seq.to_string()),
        "now" => return Ok(rfc3339(vars.now_ms)),
        "local" => return Ok(local(vars.now_ms, LOCAL_DATE_TIME)),
        "stamp" => return Ok(local(vars.now_ms, STAMP)),
        _ => {}
    }
    if let Some(shift) = name.strip_prefix("local") {
        let ms = offset_ms(shift).ok_or_else(|| {
            format!("{{{{{name}}}}}: expected a shift like local+5m or local-1h (units s, m, h, d)")
        })?;
        return Ok(local(vars.now_ms.saturating_add(ms), LOCAL_DATE_TIME));
    }
    if let Some(shift) = name.strip_prefix("now") {
        let ms = offset_ms(shift).ok_or_else(|| {
            format!("{{{{{name}}}}}: expected a shift like now+5m or now-1h (units s, m, h, d)")
        })?;
        return Ok(rfc3339(vars.now_ms.saturating_add(ms)));
    }
    if let Some(var) = name.strip_prefix("env.") {
        return (vars.env)(var).ok_or_else(|| {
            format!("{{{{env.{var}}}}}: the environment variable {var} is not set")
        });
    }
    if let Some(f) = name.strip_prefix("field.") {
        return field(f);
    }
    if let Some(args) = name
        .strip_prefix("rand.int(")
        .and_then(|a| a.strip_suffix(')'))
    {
        return rand_int(args, rng).ok_or_else(|| {
            format!("{{{{{name}}}}}: expected rand.int(LOW,HIGH) with whole numbers, LOW <= HIGH")
        });
    }
    Err(format!(
        "unknown placeholder {{{{{name}}}}} (known: {KNOWN})"
    ))
}

fn rand_int(args: &str, rng: &mut Rng) -> Option<String> {
    let (a, b) = args.split_once(',')?;
    let lo: i64 = a.trim().parse().ok()?;
    let hi: i64 = b.trim().parse().ok()?;
    if lo > hi {
        return None;
    }
    let span = (hi as i128 - lo as i128 + 1) as u128;
    let v = lo as i128 + (rng.next_u64() as u128 % span) as i128;
    Some(v.to_string())
}

/// `+5m`, `-1h`, `+30s`, `+2d`, `+500ms` in milliseconds.
fn offset_ms(s: &str) -> Option<i64> {
    let (sign, rest) = match s.chars().next()? {
        '+' => (1, &s[1..]),
        '-' => (-1, &s[1..]),
        _ => return None,
    };
    let rest = rest.trim();
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    let n: i64 = rest[..digits].parse().ok()?;
    let unit = match &rest[digits..] {
        "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return None,
    };
    n.checked_mul(unit).map(|v| v * sign)
}

/// A zone-less local date-time, as Java's `LocalDateTime` reads it (the infinite scheduler's
/// `scheduledTime`): `{{local}}`.
pub const LOCAL_DATE_TIME: &str = "%Y-%m-%dT%H:%M:%S";
/// The portal's event id suffix `_YYYYMMDD_HHMMSS`: `{{stamp}}`.
pub const STAMP: &str = "%Y%m%d_%H%M%S";

/// `ms` in this machine's time zone, formatted with `fmt`.
pub fn local(ms: i64, fmt: &str) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&chrono::Local)
        .format(fmt)
        .to_string()
}

/// RFC 3339 in UTC with milliseconds, as the services' producers write it.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_705_314_600_000; // 2024-01-15T10:30:00Z

    fn run(text: &str) -> Result<String, String> {
        let v = Vars::fixed(T0, 7, &[("TEAM", "payments")]);
        let mut rng = Rng::new(v.seed);
        expand(text, &v, &mut rng, &mut |f| match f {
            "org" => Ok("org-1".into()),
            other => Err(format!("no field {other}")),
        })
    }

    #[test]
    fn each_placeholder_expands() {
        assert_eq!(run("{{now}}").unwrap(), "2024-01-15T10:30:00.000Z");
        assert_eq!(run("{{now+5m}}").unwrap(), "2024-01-15T10:35:00.000Z");
        assert_eq!(run("{{ now-1h }}").unwrap(), "2024-01-15T09:30:00.000Z");
        assert_eq!(run("{{now+1d}}").unwrap(), "2024-01-16T10:30:00.000Z");
        assert_eq!(run("job-{{seq}}").unwrap(), "job-1");
        assert_eq!(run("{{env.TEAM}}/{{field.org}}").unwrap(), "payments/org-1");
        let u = run("{{uuid}}").unwrap();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(u.chars().all(|c| c.is_ascii_hexdigit() || c == '-'));
        for _ in 0..50 {
            let n: i64 = run("{{rand.int(1,3)}}").unwrap().parse().unwrap();
            assert!((1..=3).contains(&n));
        }
        assert_eq!(run("{{rand.int(5,5)}}").unwrap(), "5");
        assert_eq!(run("no placeholders").unwrap(), "no placeholders");
    }

    #[test]
    fn local_time_stamp_and_hex32_have_the_services_formats() {
        let l = run("{{local}}").unwrap();
        let parsed = chrono::NaiveDateTime::parse_from_str(&l, "%Y-%m-%dT%H:%M:%S").unwrap();
        assert_eq!(l.len(), 19, "{l}: no zone, no fraction");
        let later = run("{{local+5m}}").unwrap();
        let later = chrono::NaiveDateTime::parse_from_str(&later, "%Y-%m-%dT%H:%M:%S").unwrap();
        assert_eq!((later - parsed).num_minutes(), 5);
        assert!(run("{{local+5x}}").unwrap_err().contains("local+5m"));
        let st = run("{{stamp}}").unwrap();
        assert_eq!(st.len(), 15, "{st}");
        assert!(chrono::NaiveDateTime::parse_from_str(&st, "%Y%m%d_%H%M%S").is_ok());
        assert_eq!(st, parsed.format("%Y%m%d_%H%M%S").to_string());
        let h = run("{{hex32}}").unwrap();
        assert_eq!(h.len(), 32, "{h}");
        assert!(h
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        let s = run("{{hex16}}").unwrap();
        assert_eq!(s.len(), 16, "{s}");
        assert!(s
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }

    #[test]
    fn same_vars_same_text_and_next_differs() {
        let v = Vars::fixed(T0, 42, &[]);
        let go = |v: &Vars| {
            let mut rng = Rng::new(v.seed);
            expand("{{uuid}} {{seq}}", v, &mut rng, &mut |_| Err(String::new())).unwrap()
        };
        assert_eq!(go(&v), go(&v.clone()));
        let n = v.next(2, T0);
        assert_ne!(go(&v), go(&n));
        assert!(go(&n).ends_with(" 2"));
    }

    #[test]
    fn errors_name_the_placeholder() {
        let e = run("a {{nope}} b").unwrap_err();
        assert!(e.starts_with("unknown placeholder {{nope}}"), "{e}");
        assert!(run("{{env.MISSING_VAR}}")
            .unwrap_err()
            .contains("MISSING_VAR is not set"));
        assert!(run("{{field.zzz}}").unwrap_err().contains("no field zzz"));
        assert!(run("{{now+5x}}").unwrap_err().contains("now+5m"));
        assert!(run("{{now5m}}").is_err());
        assert!(run("{{rand.int(9,1)}}").is_err());
        assert!(run("{{rand.int(a,1)}}").is_err());
        assert!(run("{{uuid").unwrap_err().contains("unclosed"));
    }
}
