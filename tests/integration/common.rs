//! Shared fixtures: the real default model, loaded once per test binary.

use std::sync::OnceLock;

use insights::embed::{EmbedOptions, Embedder, ModelLocator, DEFAULT_MODEL};

/// The located default model (fetched with pip if the hub is unreachable and it is not present).
pub fn default_model() -> &'static insights::embed::locate::LocatedModel {
    static MODEL: OnceLock<insights::embed::locate::LocatedModel> = OnceLock::new();
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
    };
    Embedder::load(&located.files, located.weights_sha256.clone(), &opts).expect("default model loads")
}

/// A small deterministic PRNG (SplitMix64) for shuffles in tests.
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next pseudo-random number.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Shuffles a slice in place (Fisher-Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}
