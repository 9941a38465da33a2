//! Embedding throughput on a fixed corpus: the 151 reference texts (seed insights, Debian package descriptions and
//! edge cases, from 1 to over 256 word pieces). Criterion reports passages per second (`thrpt`).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use insights::embed::{DeviceChoice, EmbedOptions, Embedder, ModelLocator, DEFAULT_MODEL};

fn corpus() -> Vec<String> {
    include_str!("../tests/minilm_reference.jsonl")
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("reference line");
            value["text"].as_str().expect("text field").to_string()
        })
        .collect()
}

fn embed(c: &mut Criterion) {
    let located = ModelLocator::from_env()
        .resolve(DEFAULT_MODEL, &mut |e| eprintln!("{e:?}"))
        .expect("the default model can be had");
    let texts = corpus();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let mut group = c.benchmark_group("embed");
    group.sample_size(10);
    group.throughput(Throughput::Elements(refs.len() as u64));
    for batch_size in [8, 16, 32] {
        let opts = EmbedOptions {
            batch_size: Some(batch_size),
            device: DeviceChoice::Cpu,
            ..EmbedOptions::default()
        };
        let embedder = Embedder::load(&located.files, located.weights_sha256.clone(), &opts).expect("model loads");
        group.bench_function(format!("reference_151_texts/batch_{batch_size}"), |b| {
            b.iter(|| embedder.embed(&refs).expect("embeds"))
        });
    }
    group.finish();
}

criterion_group!(benches, embed);
criterion_main!(benches);
