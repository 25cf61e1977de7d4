//! The layering rule of `src/lib.rs`, kept: every module may name only modules of a lower
//! layer. The layers are read from the table in `src/lib.rs`'s own docs, so the rule as written
//! and the rule as checked cannot drift apart; every path a file names through `crate::` (or
//! `super::` reaching the crate root) is checked against them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Module name → layer, from the `//! | N | modules | … |` rows of the table in lib.rs.
fn layers(lib: &str) -> BTreeMap<String, u32> {
    let mut out = BTreeMap::new();
    for line in lib.lines() {
        let Some(row) = line.strip_prefix("//! |") else {
            continue;
        };
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let Some(Ok(layer)) = cells.first().map(|c| c.parse::<u32>()) else {
            continue;
        };
        for name in cells[1].split(',') {
            let name = name.trim().trim_matches(|c| "[]`".contains(c));
            out.insert(name.to_string(), layer);
        }
    }
    out
}

/// The top-level module a source file belongs to (`src/git/range.rs` → `git`), and how deep
/// it sits below the crate root (`super::` in a depth-1 file names the crate root).
fn module_of(rel: &Path) -> (String, usize) {
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let top = parts[0].trim_end_matches(".rs").to_string();
    let depth = match parts.last().map(String::as_str) {
        Some("mod.rs") => parts.len() - 1,
        _ => parts.len(),
    };
    (top, depth)
}

/// `text` without comments (line and block), keeping line breaks so that lines still count.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let b = text.as_bytes();
    let (mut i, mut in_str) = (0, false);
    while i < b.len() {
        if in_str {
            if b[i] == b'\\' && i + 1 < b.len() {
                out.push_str("  ");
                i += 2;
                continue;
            }
            if b[i] == b'"' {
                in_str = false;
            }
            out.push(if b[i] == b'\n' { '\n' } else { ' ' });
            i += 1;
        } else if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            while i < b.len() && !b[i..].starts_with(b"*/") {
                if b[i] == b'\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 2;
        } else if b[i] == b'"' && (i == 0 || b[i - 1] != b'\'') {
            in_str = true;
            out.push(' ');
            i += 1;
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

/// Every crate module `code` names, with the 1-based line: `crate::x`, `crate::{x, y::z}`,
/// and `super::x` where `super` is the crate root. A name reached through `super::` counts only
/// if it is a module of the table (`super::` inside an inline `mod tests` names items of the
/// file's own module).
fn named_modules(code: &str, depth: usize, layers: &BTreeMap<String, u32>) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut roots = vec!["crate::".to_string()];
    if depth >= 1 {
        roots.push("super::".repeat(depth));
    }
    for root in &roots {
        let mut from = 0;
        while let Some(at) = code[from..].find(root.as_str()) {
            let start = from + at;
            from = start + root.len();
            // `super::super::` is found again at its second `super::`; only whole roots count.
            let before = code[..start].chars().next_back();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let line = code[..start].matches('\n').count() + 1;
            let rest = &code[from..];
            let via_super = root != "crate::";
            if let Some(group) = rest.strip_prefix('{') {
                let mut level = 0;
                let mut item = String::new();
                for c in group.chars() {
                    match c {
                        '{' => level += 1,
                        '}' if level == 0 => break,
                        '}' => level -= 1,
                        ',' if level == 0 => {
                            let name = ident(item.trim());
                            if !via_super || layers.contains_key(&name) {
                                out.push((line, name));
                            }
                            item.clear();
                            continue;
                        }
                        _ => {}
                    }
                    if level == 0 {
                        item.push(c);
                    }
                }
                let name = ident(item.trim());
                if !via_super || layers.contains_key(&name) {
                    out.push((line, name));
                }
            } else {
                let name = ident(rest);
                if !via_super || layers.contains_key(&name) {
                    out.push((line, name));
                }
            }
        }
    }
    out.retain(|(_, n)| !n.is_empty() && n != "self");
    out.sort();
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every violation in the files `(path relative to src, text)`: `file:line: message`.
fn violations(layers: &BTreeMap<String, u32>, files: &[(PathBuf, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (rel, text) in files {
        let (module, depth) = module_of(rel);
        if module == "lib" || module == "main" {
            continue; // the crate root declares modules; the binary sits above everything
        }
        let Some(&own) = layers.get(&module) else {
            out.push(format!(
                "src/{}: module `{module}` is in no layer of the table in src/lib.rs",
                rel.display()
            ));
            continue;
        };
        for (line, named) in named_modules(&strip_comments(text), depth, layers) {
            if named == module {
                continue;
            }
            match layers.get(&named) {
                Some(&l) if l < own => {}
                Some(&l) => out.push(format!(
                    "src/{}:{line}: `{module}` (layer {own}) names `{named}` (layer {l}); a \
                     module may name only lower layers",
                    rel.display()
                )),
                None => out.push(format!(
                    "src/{}:{line}: `{module}` names `{named}`, which is in no layer",
                    rel.display()
                )),
            }
        }
    }
    out
}

#[test]
fn every_module_names_only_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let layers = layers(&lib);
    assert!(
        layers.len() >= 15,
        "the layer table was not read: {layers:?}"
    );
    // Every module lib.rs declares has a layer.
    for line in lib.lines() {
        let line = line.trim_start_matches("pub ").trim();
        if let Some(m) = line.strip_prefix("mod ").and_then(|m| m.strip_suffix(';')) {
            assert!(layers.contains_key(m), "module {m} is in no layer");
        }
    }
    let mut paths = Vec::new();
    rust_files(&src, &mut paths);
    let files: Vec<(PathBuf, String)> = paths
        .iter()
        .map(|p| {
            let rel = p.strip_prefix(&src).unwrap().to_path_buf();
            (rel, std::fs::read_to_string(p).unwrap())
        })
        .collect();
    let bad = violations(&layers, &files);
    assert!(bad.is_empty(), "layering violations:\n{}", bad.join("\n"));
}

/// The checker finds what it must: a stage naming `config`, the offline core naming `verify`,
/// grouped and multi-line imports, inline paths, `super::` at the crate root; and it ignores
/// comments, strings and a module's own submodules.
#[test]
fn the_checker_catches_upward_imports() {
    let lib = "//! | 0 | [`finding`] | x |\n//! | 5 | [`scan`] | x |\n//! | 7 | `verify`, `report` | x |\n//! | 9 | `config` | x |\n";
    let layers = layers(lib);
    assert_eq!(layers["report"], 7);
    let files = vec![
        (
            PathBuf::from("report/text.rs"),
            "use crate::finding::Finding;\nuse crate::config::X;\n".to_string(),
        ),
        (
            PathBuf::from("scan/mod.rs"),
            "use crate::{\n    finding::F,\n    verify::Status,\n};\nuse super::scanner;\n"
                .to_string(),
        ),
        (
            PathBuf::from("scan/redact.rs"),
            "// crate::verify in a comment\nlet s = \"crate::config\";\nfn f() { crate::verify::go(); }\n"
                .to_string(),
        ),
        (
            PathBuf::from("verify.rs"),
            "use super::config;\nuse crate::report::Format;\n".to_string(),
        ),
        (
            PathBuf::from("report/mod.rs"),
            "use super::finding::F;\nuse crate::finding::G;\n".to_string(),
        ),
    ];
    let bad = violations(&layers, &files);
    let want = [
        "src/report/text.rs:2: `report` (layer 7) names `config`",
        "src/scan/mod.rs:1: `scan` (layer 5) names `verify`",
        "src/scan/redact.rs:3: `scan` (layer 5) names `verify`",
        "src/verify.rs:1: `verify` (layer 7) names `config`",
        "src/verify.rs:2: `verify` (layer 7) names `report`",
    ];
    assert_eq!(bad.len(), want.len(), "{bad:#?}");
    for (b, w) in bad.iter().zip(want) {
        assert!(b.starts_with(w), "{b} should start with {w}");
    }
}
