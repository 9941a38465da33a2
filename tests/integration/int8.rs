//! `--precision int8` against f32 on the real model: the 151 reference texts and the paragraphs of `seeds/`,
//! mean cosine ≥ 0.99 and each ≥ 0.97, and the vectors stay unit length.

use insights::embed::{DeviceChoice, EmbedOptions, Embedder, Precision};
use insights::linalg::dot;

use crate::common::default_model;

fn embedder(precision: Precision) -> Embedder {
    let located = default_model();
    let opts = EmbedOptions {
        device: DeviceChoice::Cpu,
        precision,
        ..EmbedOptions::default()
    };
    Embedder::load(&located.files, located.weights_sha256.clone(), &opts).expect("default model loads")
}

fn texts() -> Vec<String> {
    let mut texts: Vec<String> = include_str!("../minilm_reference.jsonl")
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("reference line")["text"]
                .as_str()
                .expect("text")
                .to_string()
        })
        .collect();
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let mut files: Vec<_> = std::fs::read_dir(seeds)
        .expect("seeds/")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(file).expect("seed file");
        texts.extend(
            text.split("\n\n")
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(String::from),
        );
    }
    texts
}

#[test]
fn int8_vectors_stay_close_to_f32() {
    let texts = texts();
    assert!(texts.len() > 170, "{} texts", texts.len());
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let f32_model = embedder(Precision::F32);
    let int8_model = embedder(Precision::Int8);
    assert_eq!(int8_model.precision(), Precision::Int8);
    assert!(
        matches!(int8_model.engine(), insights::embed::RunningEngine::FastCpuInt8 { .. }),
        "{}",
        int8_model.engine()
    );
    assert!(int8_model.engine().to_string().starts_with("fast-cpu int8 ("));
    let (a, b) = (f32_model.embed(&refs).unwrap(), int8_model.embed(&refs).unwrap());
    let cosines: Vec<f32> = a.rows().zip(b.rows()).map(|(x, y)| dot(x, y)).collect();
    for row in b.rows() {
        assert!((dot(row, row) - 1.0).abs() < 1e-5, "not unit length");
    }
    let mean = cosines.iter().sum::<f32>() / cosines.len() as f32;
    let (worst, at) = cosines
        .iter()
        .enumerate()
        .map(|(i, &c)| (c, i))
        .fold((1.0f32, 0), |w, c| if c.0 < w.0 { c } else { w });
    eprintln!(
        "int8 vs f32 over {} texts: mean cosine {mean:.5}, min {worst:.5}",
        cosines.len()
    );
    assert!(mean >= 0.99, "mean cosine {mean}");
    assert!(worst >= 0.97, "cosine {worst} for {:?}", texts[at]);
    assert!(mean < 1.0 - 1e-6, "int8 gave the f32 vectors: it did not run");
}
