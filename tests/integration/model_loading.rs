//! Loading models: a tiny random BERT written by the test (CLS pooling, weights with and without the `bert.`
//! prefix, missing files, foreign architectures), and sha256 verification of the real model.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor};
use insights::embed::{EmbedError, EmbedOptions, Embedder, ModelFiles, ModelLocator, DEFAULT_MODEL};
use tokenizers::models::wordpiece::WordPiece;
use tokenizers::normalizers::BertNormalizer;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::processors::bert::BertProcessing;
use tokenizers::Tokenizer;

use crate::common::{default_model, SplitMix};

const HIDDEN: usize = 8;
const WORDS: [&str; 12] = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "the", "cat", "sat", "on", "mat",
];

/// The sizes of a random one-layer BERT.
struct Shape {
    vocab: usize,
    hidden: usize,
    intermediate: usize,
    heads: usize,
    positions: usize,
    /// sentence-transformers' `max_seq_length`.
    max_seq_length: usize,
}

/// The tiny model of these tests: 12 words, 8 dimensions.
const TINY: Shape = Shape {
    vocab: WORDS.len(),
    hidden: HIDDEN,
    intermediate: 16,
    heads: 2,
    positions: 32,
    max_seq_length: 16,
};
fn random(rng: &mut SplitMix, shape: &[usize]) -> Tensor {
    let n: usize = shape.iter().product();
    let data: Vec<f32> = (0..n).map(|_| (rng.next_u64() % 2001) as f32 / 1000.0 - 1.0).collect();
    Tensor::from_vec(data, shape, &Device::Cpu).unwrap()
}

/// The weights of a one-layer BERT with random values (seeded), named as Hugging Face names them.
fn tiny_weights(prefix: &str, shape: &Shape) -> HashMap<String, Tensor> {
    let (hidden, inter) = (shape.hidden, shape.intermediate);
    let mut rng = SplitMix::new(42);
    let mut w = HashMap::new();
    let mut put = |name: &str, shape: &[usize], rng: &mut SplitMix| {
        w.insert(format!("{prefix}{name}"), random(rng, shape));
    };
    put("embeddings.word_embeddings.weight", &[shape.vocab, hidden], &mut rng);
    put(
        "embeddings.position_embeddings.weight",
        &[shape.positions, hidden],
        &mut rng,
    );
    put("embeddings.token_type_embeddings.weight", &[2, hidden], &mut rng);
    let layer = "encoder.layer.0.";
    for (name, shape) in [
        ("attention.self.query", [hidden, hidden]),
        ("attention.self.key", [hidden, hidden]),
        ("attention.self.value", [hidden, hidden]),
        ("attention.output.dense", [hidden, hidden]),
        ("intermediate.dense", [inter, hidden]),
        ("output.dense", [hidden, inter]),
    ] {
        put(&format!("{layer}{name}.weight"), &shape, &mut rng);
        put(&format!("{layer}{name}.bias"), &shape[..1], &mut rng);
    }
    for norm in [
        "embeddings.LayerNorm",
        "encoder.layer.0.attention.output.LayerNorm",
        "encoder.layer.0.output.LayerNorm",
    ] {
        let norm = norm.to_string();
        w.insert(
            format!("{prefix}{norm}.weight"),
            Tensor::ones(hidden, candle_core::DType::F32, &Device::Cpu).unwrap(),
        );
        w.insert(
            format!("{prefix}{norm}.bias"),
            Tensor::zeros(hidden, candle_core::DType::F32, &Device::Cpu).unwrap(),
        );
    }
    w
}

/// Writes a complete tiny model folder: config, tokenizer, weights and sentence-transformers metadata.
fn write_tiny_model(dir: &Path, prefix: &str, pooling: &str, model_type: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let vocab_file = dir.join("vocab.txt");
    std::fs::write(&vocab_file, WORDS.join("\n")).unwrap();
    let model = WordPiece::from_file(vocab_file.to_str().unwrap())
        .unk_token("[UNK]".into())
        .build()
        .unwrap();
    let mut tokenizer = Tokenizer::new(model);
    tokenizer
        .with_normalizer(Some(BertNormalizer::default()))
        .with_pre_tokenizer(Some(BertPreTokenizer))
        .with_post_processor(Some(BertProcessing::new(("[SEP]".into(), 3), ("[CLS]".into(), 2))));
    tokenizer.save(dir.join("tokenizer.json"), false).unwrap();
    write_model(dir, prefix, pooling, model_type, &TINY);
}

/// Writes a random one-layer BERT of 64 dimensions (two heads of 32, so the fast CPU forward runs it) that
/// tokenises as the real model does: its `tokenizer.json`, its vocabulary and its 256 word pieces a text. The model
/// runs in a blink; everything around it (reading, splitting, tokenising, searching) is the real work.
pub fn write_model_with_real_tokenizer(dir: &Path) {
    write_model_with_real_tokenizer_of(dir, 64, 2);
}

/// [`write_model_with_real_tokenizer`] with `hidden` dimensions in `heads` heads (of 32 or 64 each): at 384, its
/// vectors weigh what the default model's do, in files, stores and answers.
pub fn write_model_with_real_tokenizer_of(dir: &Path, hidden: usize, heads: usize) {
    std::fs::create_dir_all(dir).unwrap();
    let tokenizer = &default_model().files.tokenizer;
    std::fs::copy(tokenizer, dir.join("tokenizer.json")).unwrap();
    let vocab = Tokenizer::from_file(tokenizer).unwrap().get_vocab_size(true);
    let shape = Shape {
        vocab,
        hidden,
        intermediate: 128,
        heads,
        positions: 512,
        max_seq_length: 256,
    };
    write_model(dir, "", "mean", "bert", &shape);
}

/// The config, weights and sentence-transformers metadata of a model of `shape` (its tokenizer already there).
fn write_model(dir: &Path, prefix: &str, pooling: &str, model_type: &str, shape: &Shape) {
    std::fs::create_dir_all(dir.join("1_Pooling")).unwrap();
    let config = serde_json::json!({
        "architectures": ["BertModel"], "model_type": model_type, "hidden_act": "gelu",
        "hidden_size": shape.hidden, "intermediate_size": shape.intermediate,
        "num_attention_heads": shape.heads, "num_hidden_layers": 1,
        "max_position_embeddings": shape.positions, "type_vocab_size": 2, "vocab_size": shape.vocab,
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
        "layer_norm_eps": 1e-12, "pad_token_id": 0
    });
    std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
    candle_core::safetensors::save(&tiny_weights(prefix, shape), dir.join("model.safetensors")).unwrap();
    let pooling_config = serde_json::json!({
        "word_embedding_dimension": shape.hidden,
        "pooling_mode_cls_token": pooling == "cls",
        "pooling_mode_mean_tokens": pooling == "mean",
        "pooling_mode_max_tokens": pooling == "max",
    });
    std::fs::write(dir.join("1_Pooling/config.json"), pooling_config.to_string()).unwrap();
    let max = serde_json::json!({ "max_seq_length": shape.max_seq_length });
    std::fs::write(dir.join("sentence_bert_config.json"), max.to_string()).unwrap();
}

fn load(dir: &Path) -> Result<Embedder, EmbedError> {
    let files = ModelFiles::from_dir(dir, "tiny")?;
    let opts = EmbedOptions {
        device: insights::embed::DeviceChoice::Cpu,
        ..EmbedOptions::default()
    };
    Embedder::load(&files, None, &opts)
}

const TEXTS: [&str; 3] = ["hello world", "the cat sat on the mat", "cat"];

#[test]
fn cls_pooling_takes_the_first_token() {
    let tmp = tempfile::tempdir().unwrap();
    let (cls_dir, mean_dir) = (tmp.path().join("cls"), tmp.path().join("mean"));
    write_tiny_model(&cls_dir, "", "cls", "bert");
    write_tiny_model(&mean_dir, "", "mean", "bert");
    let cls = load(&cls_dir).unwrap();
    assert_eq!(cls.dim(), HIDDEN);
    assert_eq!(cls.sentence_config().pooling, insights::embed::Pooling::Cls);
    assert_eq!(cls.sentence_config().max_seq_length, 16);
    let got = cls.embed(&TEXTS).unwrap();

    // The expected vectors: candle's BERT run directly, one text at a time, first token, normalised.
    let config: candle_transformers::models::bert::Config =
        serde_json::from_str(&std::fs::read_to_string(cls_dir.join("config.json")).unwrap()).unwrap();
    let vb = candle_nn::VarBuilder::from_tensors(tiny_weights("", &TINY), candle_core::DType::F32, &Device::Cpu);
    let bert = candle_transformers::models::bert::BertModel::load(vb, &config).unwrap();
    let tokenizer = Tokenizer::from_file(cls_dir.join("tokenizer.json")).unwrap();
    for (i, text) in TEXTS.iter().enumerate() {
        let ids = tokenizer.encode(*text, true).unwrap().get_ids().to_vec();
        let n = ids.len();
        let ids = Tensor::from_vec(ids, (1, n), &Device::Cpu).unwrap();
        let hidden = bert.forward(&ids, &ids.zeros_like().unwrap(), None).unwrap();
        let mut first: Vec<f32> = hidden.get(0).unwrap().get(0).unwrap().to_vec1().unwrap();
        insights::linalg::normalize_in_place(&mut first);
        for (a, b) in first.iter().zip(got.row(i)) {
            assert!((a - b).abs() < 1e-5, "{text}: {first:?} vs {:?}", got.row(i));
        }
    }
    // Mean pooling of the same weights gives other vectors.
    let mean = load(&mean_dir).unwrap().embed(&TEXTS).unwrap();
    assert!(insights::linalg::dot(mean.row(1), got.row(1)) < 0.999);
}

#[test]
fn weights_load_with_and_without_the_bert_prefix() {
    let tmp = tempfile::tempdir().unwrap();
    let (plain, prefixed) = (tmp.path().join("plain"), tmp.path().join("prefixed"));
    write_tiny_model(&plain, "", "mean", "bert");
    write_tiny_model(&prefixed, "bert.", "mean", "bert");
    let a = load(&plain).unwrap().embed(&TEXTS).unwrap();
    let b = load(&prefixed).unwrap().embed(&TEXTS).unwrap();
    assert_eq!(a, b);
}

#[test]
fn a_missing_file_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    write_tiny_model(tmp.path(), "", "mean", "bert");
    std::fs::remove_file(tmp.path().join("tokenizer.json")).unwrap();
    let err = load(tmp.path()).err().expect("missing tokenizer is an error");
    assert!(
        matches!(&err, EmbedError::MissingFile { file, .. } if file == "tokenizer.json"),
        "{err}"
    );
    assert!(err.to_string().contains("missing tokenizer.json"), "{err}");
}

#[test]
fn another_architecture_is_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    write_tiny_model(tmp.path(), "", "mean", "gpt2");
    let err = load(tmp.path()).err().expect("gpt2 is refused").to_string();
    assert!(err.contains("\"gpt2\" is not supported"), "{err}");
    assert!(err.contains("config.json"), "{err}");
}

#[test]
fn a_model_file_with_one_byte_changed_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let models = tmp.path().join("models");
    let folder = models.join(DEFAULT_MODEL.replace('/', "--"));
    for (name, path) in default_model().files.present() {
        let dest = folder.join(name);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(path, &dest).unwrap();
    }
    let locator = ModelLocator {
        models_dir: models,
        hf_cache: tmp.path().join("hf"),
        offline: true,
        endpoint: None,
    };
    assert!(
        locator.find_local(DEFAULT_MODEL).unwrap().is_some(),
        "an intact copy verifies"
    );
    let tokenizer = folder.join("tokenizer.json");
    let mut bytes = std::fs::read(&tokenizer).unwrap();
    bytes[100] ^= 0x01;
    std::fs::write(&tokenizer, bytes).unwrap();
    let err = locator.find_local(DEFAULT_MODEL).unwrap_err();
    assert!(matches!(err, EmbedError::ChecksumMismatch { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("sha256 mismatch") && message.contains("tokenizer.json"),
        "{message}"
    );
}
