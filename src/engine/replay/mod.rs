//! Replay as plain logic: the audit log, the read-only guard, the replayed record's headers,
//! where a record goes back to, what a resume still has to send. The Kafka side (planning
//! from the DLQ, sending, the worker) is `crate::kafka::replay`.

pub mod audit;
pub mod guard;
pub mod headers;
pub mod partition;
pub mod resume;
pub mod target;

/// A new run id: UTC time and a random tail, sortable and short enough to type.
pub fn new_run_id() -> String {
    let now = chrono::Utc::now();
    let nanos = now.timestamp_subsec_nanos() as u64;
    let mix = (nanos ^ ((std::process::id() as u64) << 20)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    format!(
        "{}-{:06x}",
        now.format("%Y%m%dT%H%M%SZ"),
        (mix >> 40) & 0xff_ffff
    )
}

/// The dialog's check of an edited value before it is sent: when the original value was JSON,
/// the edit must be JSON too. Says where it breaks, in words.
pub fn check_edit(original: Option<&[u8]>, edited: &[u8]) -> Result<(), String> {
    let was_json = original
        .filter(|v| v.first().is_some_and(|b| *b == b'{' || *b == b'['))
        .is_some_and(|v| serde_json::from_slice::<serde_json::Value>(v).is_ok());
    if !was_json {
        return Ok(());
    }
    serde_json::from_slice::<serde_json::Value>(edited)
        .map(drop)
        .map_err(|e| {
            format!(
                "the edited value is not valid JSON (line {}, column {}): {}",
                e.line(),
                e.column(),
                e.to_string().split(" at line").next().unwrap_or("")
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_of_json_must_stay_json() {
        assert!(check_edit(Some(br#"{"a":1}"#), br#"{"a":2}"#).is_ok());
        let e = check_edit(Some(br#"{"a":1}"#), br#"{"a":"#).unwrap_err();
        assert!(
            e.starts_with("the edited value is not valid JSON (line 1"),
            "{e}"
        );
        assert!(check_edit(Some(b"plain"), b"{not json").is_ok());
        assert!(check_edit(None, b"x").is_ok());
    }

    #[test]
    fn run_ids_are_distinct_and_sortable() {
        let a = new_run_id();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let b = new_run_id();
        assert!(a < b && a.len() == 23, "{a} {b}");
    }
}
