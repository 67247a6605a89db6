//! The layering rule of ARCHITECTURE.md, checked on the source: a module imports only from its
//! own layer or the layers below it, `domain` imports nothing else of the crate, rdkafka is
//! named only in `kafka/`, ratatui, crossterm and tui-input only in `tui/`. Every path in code
//! counts (`use crate::…`, `crate::x::y(…)`, `super::super::…` climbing out of a layer), in
//! tests too; comments and string literals do not.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Top to bottom.
const LAYERS: &[&str] = &[
    "cmd", "tui", "kafka", "demo", "support", "engine", "codec", "domain",
];

/// External crates allowed only under one layer.
const CONFINED: &[(&str, &str)] = &[
    ("rdkafka", "kafka"),
    ("ratatui", "tui"),
    ("crossterm", "tui"),
    ("tui_input", "tui"),
];

fn rank(layer: &str) -> Option<usize> {
    LAYERS.iter().position(|l| *l == layer)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file under src/ (`src/engine/replay/mod.rs` -> [engine, replay]).
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The code of a file with comments, string and char literals blanked out, so that a path
/// in prose or in a message is not an import.
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        let rest = &src[i..];
        if rest.starts_with("//") {
            let end = rest.find('\n').unwrap_or(rest.len());
            i += end;
        } else if rest.starts_with("/*") {
            let end = rest.find("*/").map(|e| e + 2).unwrap_or(rest.len());
            i += end;
        } else if let Some(len) = raw_string_len(rest) {
            out.push_str("\"\"");
            i += len;
        } else if b[i] == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            out.push_str("\"\"");
            i = j + 1;
        } else if let Some(len) = char_literal_len(rest) {
            out.push_str("' '");
            i += len;
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// r"…", r#"…"#, br#"…"#: the length of the literal starting here, if one does.
fn raw_string_len(rest: &str) -> Option<usize> {
    let start = if rest.starts_with("br") {
        2
    } else if rest.starts_with('r') {
        1
    } else {
        return None;
    };
    let hashes = rest[start..].bytes().take_while(|c| *c == b'#').count();
    if rest.as_bytes().get(start + hashes) != Some(&b'"') {
        return None;
    }
    let close = format!("\"{}", "#".repeat(hashes));
    let body = start + hashes + 1;
    rest[body..].find(&close).map(|e| body + e + close.len())
}

/// 'x', '\n', '\'' (a lifetime such as 'a is not one).
fn char_literal_len(rest: &str) -> Option<usize> {
    let mut chars = rest.char_indices();
    if chars.next()?.1 != '\'' {
        return None;
    }
    let (_, c) = chars.next()?;
    if c == '\\' {
        let end = rest[2..].find('\'')?;
        return Some(2 + end + 1);
    }
    let (i, close) = chars.next()?;
    (close == '\'').then_some(i + 1)
}

/// Where a path written in `module` lands: the top-level module of the crate it names, if it
/// names one (`crate::x`, or enough `super::` to climb out of the file's top-level module).
fn targets(code: &str, module: &[String]) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < code.len() {
        let at_word_start = i == 0
            || !(bytes[i - 1].is_ascii_alphanumeric()
                || bytes[i - 1] == b'_'
                || bytes[i - 1] == b':');
        let rest = &code[i..];
        if at_word_start && rest.starts_with("crate::") {
            let name = ident(&rest[7..]);
            if !name.is_empty() {
                found.push((name.to_string(), path_text(rest)));
            }
        } else if at_word_start && rest.starts_with("super::") {
            let mut depth = 0;
            let mut r = rest;
            while let Some(next) = r.strip_prefix("super::") {
                depth += 1;
                r = next;
            }
            // A file's module path has one entry per level; climbing all of them reaches the
            // crate root, whose next name is a top-level module.
            if depth >= module.len() && !module.is_empty() {
                let name = ident(r);
                if !name.is_empty() {
                    found.push((name.to_string(), path_text(rest)));
                }
            }
            i += rest.len() - r.len();
            continue;
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    found
}

fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

fn path_text(s: &str) -> String {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(s.len());
    s[..end].to_string()
}

/// Every breach of the rule in the tree under `src`, as "file: what".
fn breaches(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let rel = file.strip_prefix(src).unwrap();
        let module = module_path(rel);
        let top = module[0].as_str();
        if top == "main" || top == "lib" {
            continue;
        }
        let shown = format!("src/{}", rel.display());
        let Some(own) = rank(top) else {
            out.push(format!(
                "{shown}: top-level module `{top}` belongs to no layer (add it to a layer folder)"
            ));
            continue;
        };
        let code = code_only(&std::fs::read_to_string(&file).unwrap());
        let mut seen = BTreeSet::new();
        for (target, path) in targets(&code, &module) {
            if target == top || !seen.insert(path.clone()) {
                continue;
            }
            match rank(&target) {
                Some(r) if top == "domain" => out.push(format!(
                    "{shown}: `{path}`: domain imports nothing else of the crate (`{}` is layer {r})",
                    LAYERS[r]
                )),
                Some(r) if r < own => out.push(format!(
                    "{shown}: `{path}` runs up from {top} to {target}"
                )),
                Some(_) => {}
                None => out.push(format!("{shown}: `{path}` names no known layer")),
            }
        }
        for (krate, home) in CONFINED {
            if top != *home && uses_crate(&code, krate) {
                out.push(format!(
                    "{shown}: uses `{krate}`, which only {home}/ may import"
                ));
            }
        }
    }
    out
}

fn uses_crate(code: &str, krate: &str) -> bool {
    let needle = format!("{krate}::");
    code.match_indices(&needle).any(|(i, _)| {
        let before = code[..i].chars().next_back();
        !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    })
}

/// Longest function body allowed, in lines (its signature to its closing brace).
const MAX_FN_LINES: usize = 80;

/// Every function in `code` longer than `max` lines, as (name, first line, lines).
fn long_functions(code: &str, max: usize) -> Vec<(String, usize, usize)> {
    let bytes = code.as_bytes();
    let mut out = Vec::new();
    for (at, _) in code.match_indices("fn ") {
        let starts_word =
            at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
        let name = ident(&code[at + 3..]);
        if !starts_word || name.is_empty() {
            continue;
        }
        // The body opens at the first `{` before any `;` (a trait method without a body).
        let rest = &code[at..];
        let Some(open) = rest
            .find(['{', ';'])
            .filter(|i| rest.as_bytes()[*i] == b'{')
        else {
            continue;
        };
        let mut depth = 0usize;
        let mut close = None;
        for (i, c) in rest[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(open + i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(close) = close else { continue };
        let lines = rest[..close].matches('\n').count() + 1;
        if lines > max {
            let first = code[..at].matches('\n').count() + 1;
            out.push((name.to_string(), first, lines));
        }
    }
    out
}

#[test]
fn functions_stay_short() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut found = Vec::new();
    for file in files {
        let code = code_only(&std::fs::read_to_string(&file).unwrap());
        for (name, line, lines) in long_functions(&code, MAX_FN_LINES) {
            let rel = file.strip_prefix(&src).unwrap().display();
            found.push(format!("src/{rel}:{line}: fn {name} is {lines} lines"));
        }
    }
    assert!(
        found.is_empty(),
        "functions over {MAX_FN_LINES} lines (split them):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_length_check_counts_bodies_not_signatures() {
    let body = |n: usize| "    x();\n".repeat(n);
    let code = format!(
        "fn short() {{\n{}}}\nfn long(a: u8) -> u8 {{\n{}}}\ntrait T {{ fn sig(&self); }}\n",
        body(3),
        body(80)
    );
    assert_eq!(
        long_functions(&code, MAX_FN_LINES),
        vec![("long".to_string(), 6, 82)]
    );
}

#[test]
fn imports_only_point_down() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = breaches(&src);
    assert!(
        found.is_empty(),
        "{} import(s) break the layering (top to bottom: {}):\n{}",
        found.len(),
        LAYERS.join(" > "),
        found.join("\n")
    );
}

/// The checker itself, on a planted tree: an upward import, one climbing out with super::,
/// a forbidden crate, a domain import, and what must not count (comments, strings, a
/// downward import).
#[test]
fn the_checker_finds_planted_breaches() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    let write = |rel: &str, text: &str| {
        let p = src.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "engine/replay/mod.rs",
        "use crate::tui::app::State;\nuse crate::codec::text::fit;\n",
    );
    write(
        "engine/filter/mod.rs",
        "fn f() { super::super::kafka::x(); }\n",
    );
    write(
        "codec/text.rs",
        "// crate::tui::app in a comment\nconst S: &str = \"crate::cmd\";\n",
    );
    write("support/log.rs", "use ratatui::text::Span;\n");
    write(
        "domain/mod.rs",
        "fn f() -> crate::codec::text::X { todo!() }\n",
    );
    write("stray.rs", "\n");
    let mut found = breaches(src);
    found.sort();
    assert_eq!(
        found,
        vec![
            "src/domain/mod.rs: `crate::codec::text::X`: domain imports nothing else of the crate (`codec` is layer 6)",
            "src/engine/filter/mod.rs: `super::super::kafka::x` runs up from engine to kafka",
            "src/engine/replay/mod.rs: `crate::tui::app::State` runs up from engine to tui",
            "src/stray.rs: top-level module `stray` belongs to no layer (add it to a layer folder)",
            "src/support/log.rs: uses `ratatui`, which only tui/ may import",
        ]
    );
}
