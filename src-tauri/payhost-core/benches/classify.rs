//! Criterion benchmark of `classify` and `parse_return` over the whole case tables.
//!
//! `classify` runs synchronously in the WebView's navigation hook (Android's UI
//! thread) for every navigation, so its cost per URL matters. Each figure is paired
//! with a baseline measured in the same run over the same URLs: splitting the
//! string on `://`, the least any scheme test can do. `cargo xtask bench` runs this
//! and prints median ns per URL and the ratio to the baseline.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use payhost_core::{classify, parse_return, Context, Platform, ReturnContext};
use serde::Deserialize;

#[derive(Deserialize)]
struct File {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    url: String,
}

fn urls(text: &str) -> Vec<String> {
    let file: File = toml::from_str(text).expect("case table parses");
    file.case.into_iter().map(|case| case.url).collect()
}

fn baseline(urls: &[String]) -> usize {
    urls.iter()
        .map(|url| {
            black_box(url.as_str())
                .split_once("://")
                .map_or(0, |(scheme, _)| scheme.len())
        })
        .sum()
}

fn bench(c: &mut Criterion) {
    let navigation = urls(include_str!("../tests/data/navigation.toml"));
    let deep_links = urls(include_str!("../tests/data/deeplinks.toml"));
    let returns = ReturnContext::new(&["myapp"], &["shop.example", "127.0.0.1:8080"]).unwrap();
    let ctx = Context::new(Platform::Android, returns.clone());
    // Build the lazily parsed tables outside the measurement.
    let _ = classify("ispmobile://warm-up", &ctx);

    let mut group = c.benchmark_group("navigation");
    group.throughput(Throughput::Elements(navigation.len() as u64));
    group.bench_function("classify", |b| {
        b.iter(|| {
            for url in &navigation {
                black_box(classify(black_box(url), &ctx));
            }
        });
    });
    group.bench_function("baseline_split", |b| {
        b.iter(|| black_box(baseline(&navigation)))
    });
    group.finish();

    let mut group = c.benchmark_group("deep_link");
    group.throughput(Throughput::Elements(deep_links.len() as u64));
    group.bench_function("parse_return", |b| {
        b.iter(|| {
            for url in &deep_links {
                black_box(parse_return(black_box(url), &returns));
            }
        });
    });
    group.bench_function("baseline_split", |b| {
        b.iter(|| black_box(baseline(&deep_links)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
