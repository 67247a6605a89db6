//! Writing what the user chose in the dashboard (topics by role, watched groups) into the
//! config file as a profile, keeping the file's comments, order and every other key: the file
//! is the user's, kdeck only edits the keys it owns.

use super::Topics;
use std::path::{Path, PathBuf};
use toml_edit::{Array, DocumentMut, Item, Table, Value};

/// A profile as the dashboard has it now.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileDraft {
    pub name: String,
    pub brokers: String,
    pub topics: Topics,
    pub watch_groups: Vec<String>,
}

/// What saving did, for the message the user reads.
#[derive(Clone, Debug, PartialEq)]
pub struct Saved {
    pub path: PathBuf,
    pub created_file: bool,
    /// The profile existed and was updated (else it was added).
    pub updated: bool,
    /// `default_profile` was set to it (the file had no profile before).
    pub made_default: bool,
}

impl Saved {
    pub fn words(&self, name: &str) -> String {
        let what = if self.updated { "updated" } else { "saved" };
        let how = if self.made_default {
            "kdeck starts with it from now on".to_string()
        } else {
            format!("start it with --profile {name}")
        };
        format!("{what} profile `{name}` in {} ({how})", self.path.display())
    }
}

/// A profile name kdeck can write as a bare TOML key and the user can type after --profile.
pub fn valid_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a profile needs a name".into());
    }
    if name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "profile name {name:?}: use letters, digits, - and _ (at most 64)"
        ));
    }
    Ok(())
}

/// Adds or updates `[profiles.<name>]` in the file at `path` (created, with its folder, when
/// missing). Only `brokers`, `watch_groups` and the `topics` lists are written; security
/// settings are never written (they stay where the user keeps them: environment or flags).
pub fn save_profile(path: &Path, d: &ProfileDraft) -> Result<Saved, String> {
    valid_name(&d.name)?;
    let (text, created_file) = match std::fs::read_to_string(path) {
        Ok(t) => (t, false),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (String::new(), true),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| format!("{} is not valid TOML, left as it is: {e}", path.display()))?;
    let had_profiles = doc
        .get("profiles")
        .and_then(Item::as_table_like)
        .is_some_and(|t| !t.is_empty());
    let updated = edit(&mut doc, d)?;
    let made_default = !had_profiles && doc.get("default_profile").is_none();
    if made_default {
        set_value(
            doc.as_table_mut(),
            "default_profile",
            Value::from(d.name.as_str()),
        );
        // The top-level key goes before the tables, where a reader looks for it.
        doc.as_table_mut().sort_values_by(|a, _, b, _| {
            (a.get() != "default_profile").cmp(&(b.get() != "default_profile"))
        });
    }
    write_atomically(path, &doc.to_string())?;
    Ok(Saved {
        path: path.to_path_buf(),
        created_file,
        updated,
        made_default,
    })
}

/// The profile's keys in the document; true when the profile was there before.
fn edit(doc: &mut DocumentMut, d: &ProfileDraft) -> Result<bool, String> {
    let profiles = table_at(doc.as_table_mut(), "profiles", true)?;
    let updated = profiles.contains_key(&d.name);
    let profile = table_at(profiles, &d.name, false)?;
    set_value(profile, "brokers", Value::from(d.brokers.as_str()));
    set_value(
        profile,
        "watch_groups",
        Value::Array(strings(&d.watch_groups)),
    );
    let topics = table_at(profile, "topics", false)?;
    let t = &d.topics;
    for (key, list) in [
        ("request", &t.request),
        ("completion", &t.completion),
        ("status", &t.status),
        ("dlq", &t.dlq),
    ] {
        // An empty list is written too: a missing key would bring the built-in topics back.
        set_value(topics, key, Value::Array(strings(list)));
    }
    Ok(updated)
}

/// The table under `key`, made when missing; an implicit parent (`[profiles.x]` without a
/// `[profiles]` line) stays implicit.
fn table_at<'a>(parent: &'a mut Table, key: &str, implicit: bool) -> Result<&'a mut Table, String> {
    if !parent.contains_key(key) {
        let mut t = Table::new();
        t.set_implicit(implicit);
        parent.insert(key, Item::Table(t));
    }
    match parent.get_mut(key) {
        Some(Item::Table(t)) => Ok(t),
        _ => Err(format!(
            "`{key}` in the config file is not a table: kdeck leaves it as it is"
        )),
    }
}

/// Sets `key`, keeping the comment that trails the old value on its line.
fn set_value(table: &mut Table, key: &str, mut value: Value) {
    match table.get_mut(key) {
        // In place: the key keeps the comment lines above it.
        Some(item) => {
            if let Some(old) = item.as_value() {
                *value.decor_mut() = old.decor().clone();
            }
            *item = Item::Value(value);
        }
        None => {
            value.decor_mut().set_prefix(" ");
            table.insert(key, Item::Value(value));
        }
    }
}

fn strings(list: &[String]) -> Array {
    let mut a: Array = list.iter().map(String::as_str).collect();
    a.set_trailing_comma(false);
    a
}

/// Writes through a file beside the target and a rename: a crash leaves the old file or the
/// new one, never half of one. The old file's permissions are kept (a config holding
/// passwords is often 0600).
fn write_atomically(path: &Path, text: &str) -> Result<(), String> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".kdeck-{}.tmp", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let written = std::fs::write(&tmp, text).and_then(|()| {
        if let Ok(meta) = std::fs::metadata(path) {
            std::fs::set_permissions(&tmp, meta.permissions())?;
        }
        std::fs::rename(&tmp, path)
    });
    written.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write {}: {e}", path.display())
    })
}

/// The profiles a config file defines, with their brokers, in the file's order.
pub fn list_profiles(path: &Path) -> Result<Vec<(String, Option<String>)>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let doc: DocumentMut = text
        .parse()
        .map_err(|e| format!("{} is not valid TOML: {e}", path.display()))?;
    let Some(profiles) = doc.get("profiles").and_then(Item::as_table_like) else {
        return Ok(Vec::new());
    };
    Ok(profiles
        .iter()
        .map(|(name, item)| {
            let brokers = item
                .get("brokers")
                .and_then(Item::as_str)
                .map(str::to_string);
            (name.to_string(), brokers)
        })
        .collect())
}

#[cfg(test)]
mod tests;
