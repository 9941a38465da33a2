//! Which implementation of the encoder runs the model: the one asked for, and the one running.

/// Which implementation of the encoder runs the model. Each value's first paragraph is its `--engine` help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Engine {
    /// The fast CPU forward where it can run, else candle.
    ///
    /// The fast forward is [`super::cpu_bert`]; it runs wherever it supports the model and the device is the CPU.
    #[default]
    Auto,
    /// The fast CPU forward, or an error.
    Fast,
    /// candle's BertModel.
    ///
    /// It runs on any device.
    Candle,
}

/// The engine an [`Embedder`] runs, as loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunningEngine {
    /// candle's `BertModel`.
    Candle,
    /// The fast CPU forward at f32, with the instruction set it uses.
    FastCpu {
        /// The instruction set.
        isa: &'static str,
    },
    /// The fast CPU forward with int8 linear layers.
    FastCpuInt8 {
        /// The int8 product kernel.
        kernel: &'static str,
        /// The instruction set of the rest.
        isa: &'static str,
    },
}

impl std::fmt::Display for RunningEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunningEngine::Candle => f.write_str("candle"),
            RunningEngine::FastCpu { isa } => write!(f, "fast-cpu ({isa})"),
            RunningEngine::FastCpuInt8 { kernel, isa } => write!(f, "fast-cpu int8 ({kernel}, {isa})"),
        }
    }
}
