//! Criterion benchmarks of the scanning core.
//!
//! - `throughput`: MiB/s of `Scanner::scan` over a realistic corpus with few hits: the `.py`
//!   files of this machine's Python standard library (up to 64 MiB, read once into memory),
//!   with a few generated tokens planted. Falls back to this repository's own sources.
//! - `rules`: loading and compiling the built-in rules (pre-commit pays this on every run).
//! - `read_vs_mmap`: a whole-file scan read in windows (what patrol does) against the same
//!   scan over a memory map, per file size: what soundness costs (see src/read.rs).

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use patrol::finding::Origin;
use patrol::rules::load_rules;
use patrol::scan::{ScanOptions, Scanner};

const CORPUS_LIMIT: usize = 64 << 20;

fn python_stdlib() -> Option<PathBuf> {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['stdlib'])",
        ])
        .output()
        .ok()?;
    let p = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    p.is_dir().then_some(p)
}

fn collect(dir: &Path, ext: &str, out: &mut Vec<Vec<u8>>, total: &mut usize) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if *total >= CORPUS_LIMIT {
            return;
        }
        if p.is_dir() && !p.is_symlink() {
            if p.file_name().is_some_and(|n| n != "site-packages") {
                collect(&p, ext, out, total);
            }
        } else if p.extension().is_some_and(|x| x == ext) {
            if let Ok(data) = std::fs::read(&p) {
                *total += data.len();
                out.push(data);
            }
        }
    }
}

/// A classic token with a valid checksum, generated (never a real one).
fn token(prefix: &str, seed: u32) -> String {
    let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut x = seed.wrapping_mul(2_654_435_761).max(1);
    let body: String = (0..30)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            alphabet[(x % 62) as usize] as char
        })
        .collect();
    let mut n = crc32fast::hash(body.as_bytes());
    let mut check = [b'0'; 6];
    for c in check.iter_mut().rev() {
        *c = alphabet[(n % 62) as usize];
        n /= 62;
    }
    format!("{prefix}_{body}{}", String::from_utf8_lossy(&check))
}

fn corpus() -> Vec<Vec<u8>> {
    let mut files = Vec::new();
    let mut total = 0;
    match python_stdlib() {
        Some(dir) => collect(&dir, "py", &mut files, &mut total),
        None => collect(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("src").as_path(),
            "rs",
            &mut files,
            &mut total,
        ),
    }
    let n = files.len();
    for i in 0..10 {
        let f = &mut files[(i * 7919) % n];
        f.extend_from_slice(
            format!("\nGITHUB_TOKEN = \"{}\"\n", token("ghp", i as u32 + 1)).as_bytes(),
        );
    }
    files
}

fn throughput(c: &mut Criterion) {
    let files = corpus();
    let bytes: usize = files.iter().map(Vec::len).sum();
    let scanner = Scanner::new(
        load_rules(true, &[] as &[&str]).unwrap(),
        ScanOptions::default(),
    );
    let origin = Origin::Stdin;
    let mut g = c.benchmark_group("throughput");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.measurement_time(Duration::from_secs(10));
    g.sample_size(20);
    g.bench_function("scan_corpus", |b| {
        b.iter(|| {
            let n: usize = files
                .iter()
                .map(|f| scanner.scan(f, &origin).findings.len())
                .sum();
            assert_eq!(n, 10);
        })
    });
    g.finish();
}

fn rules(c: &mut Criterion) {
    c.bench_function("rules/load_and_compile_builtin", |b| {
        b.iter(|| {
            Scanner::new(
                load_rules(true, &[] as &[&str]).unwrap(),
                ScanOptions::default(),
            )
        })
    });
}

/// What reading instead of mapping costs: a whole-file scan through `Scanner::scan_reader`
/// (read(2) in 8 MiB windows, what patrol does) against `Scanner::scan` over a memory map of
/// the same file (what it did before, and is not sound for files others may write).
fn read_vs_mmap(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let corpus: Vec<u8> = corpus().concat();
    let scanner = Scanner::new(
        load_rules(true, &[] as &[&str]).unwrap(),
        ScanOptions::default(),
    );
    let mut g = c.benchmark_group("read_vs_mmap");
    g.measurement_time(Duration::from_secs(5));
    g.sample_size(20);
    for mib in [1usize, 16, 64] {
        let path = dir.path().join(format!("f{mib}"));
        let data: Vec<u8> = corpus.iter().cycle().take(mib << 20).copied().collect();
        std::fs::write(&path, &data).unwrap();
        g.throughput(Throughput::Bytes(data.len() as u64));
        g.bench_with_input(BenchmarkId::new("read", mib), &path, |b, p| {
            let mut buf = Vec::new();
            b.iter(|| {
                let mut f = std::fs::File::open(p).unwrap();
                scanner
                    .scan_reader(&mut f, &Origin::Stdin, &mut buf)
                    .unwrap()
                    .0
                    .findings
                    .len()
            })
        });
        g.bench_with_input(BenchmarkId::new("mmap", mib), &path, |b, p| {
            b.iter(|| {
                let f = std::fs::File::open(p).unwrap();
                // SAFETY: a benchmark's own temporary file, which nothing else writes while it
                // is mapped; patrol itself never maps files (see src/read.rs).
                #[allow(unsafe_code)]
                let m = unsafe { memmap2::Mmap::map(&f) }.unwrap();
                scanner.scan(&m, &Origin::Stdin).findings.len()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, throughput, rules, read_vs_mmap);
criterion_main!(benches);
