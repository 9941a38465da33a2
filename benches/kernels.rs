//! The fast CPU forward's kernels, per instruction set: GELU, softmax, a BERT-shaped linear layer, one sequence's
//! attention, and a whole corpus (the 151 reference texts) through the fast engine and through candle's.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use insights::embed::cpu_bert::{int8, kernels, Isa};
use insights::embed::{DeviceChoice, EmbedOptions, Embedder, Engine, ModelLocator, DEFAULT_MODEL};
use insights::linalg::row_products;

fn data(n: usize) -> Vec<f32> {
    (0..n).map(|i| ((i * 7919) % 2001) as f32 / 1000.0 - 1.0).collect()
}

fn elementwise(c: &mut Criterion) {
    let mut group = c.benchmark_group("kernels");
    let bias = data(1536);
    let rows = data(64 * 1536);
    group.throughput(Throughput::Elements(rows.len() as u64));
    for isa in Isa::supported() {
        group.bench_function(BenchmarkId::new("bias_gelu_64x1536", isa.name()), |b| {
            let mut x = rows.clone();
            b.iter(|| {
                x.copy_from_slice(&rows);
                kernels::bias_gelu(isa, &mut x, &bias)
            })
        });
    }
    let scores = data(128);
    group.throughput(Throughput::Elements(scores.len() as u64));
    for isa in Isa::supported() {
        group.bench_function(BenchmarkId::new("softmax_128", isa.name()), |b| {
            let mut x = scores.clone();
            b.iter(|| {
                x.copy_from_slice(&scores);
                kernels::softmax(isa, &mut x)
            })
        });
    }
    // One sequence of 64 tokens, all 12 heads of MiniLM (hidden 384, head size 32).
    let (len, hidden) = (64, 384);
    let qkv = data(len * 3 * hidden);
    group.throughput(Throughput::Elements(len as u64));
    for isa in Isa::supported() {
        group.bench_function(BenchmarkId::new("attention_64_tokens_12_heads", isa.name()), |b| {
            let mut ctx = vec![0f32; len * hidden];
            let (mut kt, mut s) = (vec![0f32; 32 * len], vec![0f32; kernels::ATTEND_ROWS * len]);
            b.iter(|| {
                for head in (0..hidden).step_by(32) {
                    kernels::attend::<32>(isa, &qkv, &mut ctx, hidden, head, &mut kt, &mut s);
                }
            })
        });
    }
    group.finish();
}

fn linear(c: &mut Criterion) {
    let mut group = c.benchmark_group("kernels");
    group.sample_size(20);
    // The feed-forward up-projection of MiniLM on a 2,048-token chunk: [2048 × 384] · [1536 × 384]ᵀ.
    let (m, n, k) = (2048, 1536, 384);
    let (x, w) = (data(m * k), data(n * k));
    let mut y = vec![0f32; m * n];
    group.throughput(Throughput::Elements((2 * m * n * k) as u64));
    group.bench_function("linear_2048x384_to_1536_flops", |b| {
        b.iter(|| row_products(&mut y, &x, &w, m, n, k, false))
    });
    group.finish();
}

/// The four linear layers of a MiniLM layer on a 2,048-token chunk, f32 (`gemm`) against int8 (activation
/// quantization included, as the forward runs it) on each int8 kernel. Throughput is in multiply-adds × 2.
fn linear_int8(c: &mut Criterion) {
    let mut group = c.benchmark_group("linear");
    group.sample_size(10);
    let m = 2048;
    for (n, k) in [(1152, 384), (384, 384), (1536, 384), (384, 1536)] {
        let (x, w) = (data(m * k), data(n * k));
        let mut y = vec![0f32; m * n];
        group.throughput(Throughput::Elements((2 * m * n * k) as u64));
        group.bench_function(BenchmarkId::new(format!("{n}x{k}"), "f32"), |b| {
            b.iter(|| row_products(&mut y, &x, &w, m, n, k, false))
        });
        let wq = int8::QuantizedMatrix::quantize(&w, n, k);
        let mut xq = int8::QuantizedRows::default();
        for kernel in int8::Int8Kernel::supported() {
            if kernel == int8::Int8Kernel::SCALAR {
                continue;
            }
            group.bench_function(BenchmarkId::new(format!("{n}x{k}"), kernel.name()), |b| {
                b.iter(|| {
                    xq.quantize(kernel, &x, m, k);
                    int8::products(kernel, &mut y, &xq, &wq, m, false)
                })
            });
        }
    }
    group.finish();
}

fn whole_corpus(c: &mut Criterion) {
    let located = ModelLocator::from_env()
        .resolve(DEFAULT_MODEL, &mut |e| eprintln!("{e:?}"))
        .expect("the default model can be had");
    let texts: Vec<String> = include_str!("../tests/minilm_reference.jsonl")
        .lines()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line).expect("reference line")["text"]
                .as_str()
                .expect("text field")
                .to_string()
        })
        .collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let mut group = c.benchmark_group("kernels");
    group.sample_size(10);
    group.throughput(Throughput::Elements(refs.len() as u64));
    for (name, engine) in [("fast", Engine::Fast), ("candle", Engine::Candle)] {
        let opts = EmbedOptions {
            device: DeviceChoice::Cpu,
            engine,
            ..EmbedOptions::default()
        };
        let embedder = Embedder::load(&located.files, located.weights_sha256.clone(), &opts).expect("model loads");
        group.bench_function(BenchmarkId::new("reference_151_texts", name), |b| {
            b.iter(|| embedder.embed(&refs).expect("embeds"))
        });
    }
    group.finish();
}

criterion_group!(benches, elementwise, linear, linear_int8, whole_corpus);
criterion_main!(benches);
