//! serde and toml describe a mismatch in Rust's terms (`expected usize`, `struct FileUi`,
//! `integer `-1` as i128`); a user editing a TOML file needs it in TOML's words.

/// The message with Rust type names turned into words, and "invalid type: X, expected Y"
/// turned round into "expected Y, got X" (what to write first, then what was found).
pub fn humanize(message: &str) -> String {
    let m = message.trim();
    for lead in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = m.strip_prefix(lead) {
            if let Some((got, want)) = rest.rsplit_once(", expected ") {
                return format!("expected {}, got {}", expected(want), found(got));
            }
        }
    }
    if let Some(rest) = m.strip_prefix("unknown field ") {
        if let Some((field, known)) = rest.split_once(", expected one of ") {
            return format!(
                "unknown key {field} (known keys: {})",
                known.replace('`', "")
            );
        }
        if let Some((field, known)) = rest.split_once(", expected ") {
            return format!("unknown key {field} (the only key here is {known})");
        }
        if let Some((field, _)) = rest.split_once(", there are no fields") {
            return format!("unknown key {field} (no keys belong here)");
        }
    }
    if let Some(field) = m.strip_prefix("missing field ") {
        return format!("the key {field} is required here");
    }
    expected_in_text(m)
}

/// What a value should have been, in words.
fn expected(want: &str) -> String {
    let w = want.trim();
    let w = w.strip_prefix("a ").unwrap_or(w);
    match w {
        "u8" => "a whole number from 0 to 255".into(),
        "u16" => "a whole number from 0 to 65535".into(),
        "u32" => "a whole number from 0 to 4294967295".into(),
        "usize" | "u64" | "u128" => "a whole number, 0 or more".into(),
        "isize" | "i8" | "i16" | "i32" | "i64" | "i128" => "a whole number".into(),
        "f32" | "f64" => "a number".into(),
        "boolean" | "bool" => "true or false".into(),
        "string" | "borrowed string" | "char" | "character" => "text in quotes".into(),
        "sequence" | "tuple" => "a list [ ... ]".into(),
        "map" => "a table".into(),
        _ if w.starts_with("struct ") || w.starts_with("map") => "a table".into(),
        _ if w.starts_with("sequence") || w.starts_with("tuple") => "a list [ ... ]".into(),
        _ => want.trim().to_string(),
    }
}

/// What was found instead, in words.
fn found(got: &str) -> String {
    let g = got.trim();
    let ticked = |prefix: &str| {
        g.strip_prefix(prefix)
            .and_then(|r| r.strip_prefix('`'))
            .and_then(|r| r.split_once('`'))
            .map(|(v, _)| v.to_string())
    };
    if let Some(n) = ticked("integer ").or_else(|| ticked("floating point ")) {
        return format!("the number {n}");
    }
    if let Some(b) = ticked("boolean ") {
        return b;
    }
    if let Some(s) = g.strip_prefix("string ") {
        return format!("the text {s}");
    }
    match g {
        "sequence" => "a list".into(),
        "map" => "a table".into(),
        "unit value" | "Option value" => "nothing".into(),
        _ => g.to_string(),
    }
}

/// Rust type names left anywhere else in a message.
fn expected_in_text(m: &str) -> String {
    let mut out = m.to_string();
    for (rust, words) in [
        ("expected usize", "expected a whole number, 0 or more"),
        ("expected u64", "expected a whole number, 0 or more"),
        (
            "expected u32",
            "expected a whole number from 0 to 4294967295",
        ),
        ("expected i64", "expected a whole number"),
        ("expected i32", "expected a whole number"),
        ("expected f64", "expected a number"),
    ] {
        out = out.replace(rust, words);
    }
    for suffix in [" as i128", " as u128", " as i64", " as u64"] {
        out = out.replace(&format!("`{suffix}"), "`");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::humanize;

    #[test]
    fn rust_types_become_words() {
        assert_eq!(
            humanize("invalid type: string \"lots\", expected usize"),
            "expected a whole number, 0 or more, got the text \"lots\""
        );
        assert_eq!(
            humanize("invalid type: integer `5`, expected struct FileUi"),
            "expected a table, got the number 5"
        );
        assert_eq!(
            humanize("invalid value: integer `-1` as i128, expected usize"),
            "expected a whole number, 0 or more, got the number -1"
        );
        assert_eq!(
            humanize("invalid type: boolean `true`, expected a string"),
            "expected text in quotes, got true"
        );
        assert_eq!(
            humanize("invalid type: sequence, expected a map"),
            "expected a table, got a list"
        );
        assert_eq!(
            humanize("unknown field `bufer_size`, expected one of `theme`, `buffer_size`"),
            "unknown key `bufer_size` (known keys: theme, buffer_size)"
        );
        assert_eq!(humanize("something else"), "something else");
    }
}
