//! Our vectors against sentence-transformers' own for the 151 reference texts: cosine ≥ 0.9999 for each, in one
//! call and in shuffled mixed-length batches of 7.

use insights::linalg::dot;
use serde::Deserialize;

use crate::common::{embedder, SplitMix};

#[derive(Deserialize)]
struct Reference {
    text: String,
    embedding: Vec<f32>,
}

fn references() -> Vec<Reference> {
    let text = include_str!("../minilm_reference.jsonl");
    let refs: Vec<Reference> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("reference line"))
        .collect();
    assert_eq!(refs.len(), 151);
    refs
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    dot(a, b) / (dot(a, a).sqrt() * dot(b, b).sqrt())
}

fn assert_matches(label: &str, refs: &[&Reference], got: &insights::Embeddings) {
    assert_eq!(got.len(), refs.len());
    let mut worst = (1.0f32, "");
    for (r, v) in refs.iter().zip(got.rows()) {
        assert_eq!(v.len(), 384);
        let c = cosine(&r.embedding, v);
        if c < worst.0 {
            worst = (c, &r.text);
        }
    }
    assert!(worst.0 >= 0.9999, "{label}: cosine {} for {:?}", worst.0, worst.1);
}

#[test]
fn every_reference_text_in_one_call() {
    let refs = references();
    let texts: Vec<&str> = refs.iter().map(|r| r.text.as_str()).collect();
    let got = embedder(32).embed(&texts).unwrap();
    for row in got.rows() {
        assert!((dot(row, row) - 1.0).abs() < 1e-5, "not unit length");
    }
    assert_matches("one call", &refs.iter().collect::<Vec<_>>(), &got);
}

#[test]
fn shuffled_mixed_length_batches_of_seven() {
    let refs = references();
    let mut order: Vec<usize> = (0..refs.len()).collect();
    SplitMix::new(7).shuffle(&mut order);
    let shuffled: Vec<&Reference> = order.iter().map(|&i| &refs[i]).collect();
    let model = embedder(7);
    // Within one call (the embedder forms batches of 7 from length-sorted texts) ...
    let texts: Vec<&str> = shuffled.iter().map(|r| r.text.as_str()).collect();
    assert_matches("batch size 7", &shuffled, &model.embed(&texts).unwrap());
    // ... and as separate calls of 7 texts each, so each batch mixes long and short texts.
    for chunk in shuffled.chunks(7) {
        let texts: Vec<&str> = chunk.iter().map(|r| r.text.as_str()).collect();
        assert_matches("calls of 7", chunk, &model.embed(&texts).unwrap());
    }
}

#[test]
fn long_texts_are_tokenised_as_a_whole_text_would_be() {
    use insights::embed::tokenize::TextTokenizer;
    let files = &crate::common::default_model().files;
    let ours = TextTokenizer::load(&files.tokenizer, 256).unwrap();
    let mut whole = tokenizers::Tokenizer::from_file(&files.tokenizer).unwrap();
    whole
        .with_truncation(Some(tokenizers::TruncationParams {
            max_length: 256,
            ..Default::default()
        }))
        .unwrap();
    whole.with_padding(None);
    let refs = references();
    let prose: String = refs.iter().map(|r| r.text.as_str()).collect::<Vec<_>>().join(" \n\t");
    let long = prose.repeat(20);
    let spaces_first = format!("{}{}", " ".repeat(200_000), prose);
    let one_word = "x".repeat(50_000) + " and then words";
    let texts = [
        long.as_str(),
        spaces_first.as_str(),
        one_word.as_str(),
        "a short one",
        &prose[..20_000],
    ];
    let got = ours.encode(&texts).unwrap();
    for (text, ids) in texts.iter().zip(&got) {
        let expected = whole.encode(*text, true).unwrap();
        assert_eq!(ids.ids, expected.get_ids(), "{}", &text[..40.min(text.len())]);
    }
    assert_eq!(got[0].ids.len(), 256);
}

/// candle's engine (the one GPUs run), in batches cut by a budget of padded word pieces, on shuffled texts: the
/// same vectors, in input order. f16, which runs on GPUs only, is refused on the CPU with what to use instead.
#[test]
fn candle_engine_in_token_budget_batches_matches_and_f16_needs_a_gpu() {
    use insights::embed::{DeviceChoice, EmbedOptions, Embedder, Engine, Precision, RunningEngine};
    let refs = references();
    let mut order: Vec<usize> = (0..refs.len()).collect();
    SplitMix::new(11).shuffle(&mut order);
    let shuffled: Vec<&Reference> = order.iter().map(|&i| &refs[i]).collect();
    let located = crate::common::default_model();
    let opts = |precision| EmbedOptions {
        batch_tokens: Some(600),
        device: DeviceChoice::Cpu,
        engine: Engine::Candle,
        precision,
        ..EmbedOptions::default()
    };
    let candle = Embedder::load(&located.files, located.weights_sha256.clone(), &opts(Precision::F32)).unwrap();
    assert_eq!(candle.engine(), RunningEngine::Candle);
    let texts: Vec<&str> = shuffled.iter().map(|r| r.text.as_str()).collect();
    assert_matches("candle, 600-piece batches", &shuffled, &candle.embed(&texts).unwrap());
    let timings = candle.timings();
    assert_eq!(timings.texts, refs.len());
    assert!(timings.model > std::time::Duration::ZERO && timings.tokenize > std::time::Duration::ZERO);

    let err = Embedder::load(&located.files, located.weights_sha256.clone(), &opts(Precision::F16))
        .err()
        .expect("f16 on the CPU is refused")
        .to_string();
    assert!(
        err.contains("f16 precision is not available: f16 runs only on a GPU"),
        "{err}"
    );
}
