//! Named saved filters: `[filters]` in the config file, one `name = "jq expression"` each,
//! compiled once at load (every subcommand refuses a file with a broken one) and used as
//! `@name` in the filter input and in `kdeck tail --filter @name`.
//!
//! ```toml
//! [filters]
//! failed = '.value.status == "failed"'
//! acme = '.headers.org_id == "org-customer-001"'
//! ```

use super::ConfigError;
use crate::engine::filter::Expr;
use std::collections::BTreeMap;

/// One saved filter, compiled.
#[derive(Clone, Debug, PartialEq)]
pub struct SavedFilter {
    pub name: String,
    pub expr: Expr,
}

/// Compiles every saved filter; the error names the filter (`filters.<name>`) and says what
/// jaq found wrong.
pub fn resolve(
    file: &BTreeMap<String, String>,
    err: &dyn Fn(&str, String) -> ConfigError,
) -> Result<Vec<SavedFilter>, ConfigError> {
    let mut out = Vec::with_capacity(file.len());
    for (name, source) in file {
        let key = format!("filters.{name}");
        if !valid_name(name) {
            return Err(err(
                &key,
                "a saved filter's name is letters, digits, `-` and `_` only (it is typed as @name)"
                    .into(),
            ));
        }
        let expr = Expr::compile(source).map_err(|m| err(&key, m))?;
        out.push(SavedFilter {
            name: name.clone(),
            expr: expr.with_name(name),
        });
    }
    Ok(out)
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `@name` → that saved filter; anything else is compiled as an expression.
pub fn lookup(text: &str, saved: &[SavedFilter]) -> Result<Expr, String> {
    let text = text.trim();
    let Some(name) = text.strip_prefix('@') else {
        return Expr::compile(text);
    };
    match saved.iter().find(|s| s.name == name) {
        Some(s) => Ok(s.expr.clone()),
        None if saved.is_empty() => Err(format!(
            "no saved filter is named \"{name}\": the config has no [filters] table"
        )),
        None => Err(format!(
            "no saved filter is named \"{name}\" (saved: {})",
            saved
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}
