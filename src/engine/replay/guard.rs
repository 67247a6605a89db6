//! Read-only profiles: the one check every write path (replay, publish, the demo writing to a
//! real cluster) goes through before it writes anything.

/// Why writes are refused: a profile's `read_only = true` or the `--read-only` flag.
pub fn ensure_writable(read_only: Option<&str>, action: &str) -> Result<(), ReadOnlyError> {
    match read_only {
        None => Ok(()),
        Some(why) => Err(ReadOnlyError(format!(
            "{action} refused: {why}, so kdeck writes nothing to this cluster"
        ))),
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ReadOnlyError(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_with_the_reason() {
        assert!(ensure_writable(None, "replay").is_ok());
        let e = ensure_writable(
            Some("profile `prod` is read-only (read_only = true)"),
            "replay",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "replay refused: profile `prod` is read-only (read_only = true), so kdeck writes nothing to this cluster"
        );
    }
}
