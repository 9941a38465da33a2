//! The arithmetic precision of the model: f32 (the default, matches sentence-transformers), int8 linear layers
//! (faster on the CPU, vectors slightly different) or f16 throughout (on a GPU).

use std::fmt;
use std::str::FromStr;

use super::engine::Engine;

/// The precision asked for with `--precision`, and recorded in an index next to the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// 32-bit floats throughout (the default).
    #[default]
    F32,
    /// Linear layers in int8: weights quantized per output channel, activations per token (fast CPU forward only).
    Int8,
    /// 16-bit floats for the weights and activations, pooled in f32 (candle's engine on a GPU only).
    F16,
}

impl Precision {
    /// The name used on the command line and in index files: `f32`, `int8` or `f16`.
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::Int8 => "int8",
            Precision::F16 => "f16",
        }
    }
}

/// Why a precision cannot run with the engine and device chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrecisionRefusal {
    /// int8 with candle's engine: int8 runs only on the fast CPU engine.
    Int8OnCandle,
    /// int8 where the fast CPU engine cannot run (the reason given).
    Int8NeedsFastEngine(String),
    /// f16 on the CPU: it runs only on a GPU.
    F16OnCpu,
    /// f16 with the fast engine: it runs only on candle's engine, on a GPU.
    F16OnFastEngine,
}

impl fmt::Display for PrecisionRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrecisionRefusal::Int8OnCandle => {
                f.write_str("the candle engine was chosen (int8 runs only on the fast CPU engine)")
            }
            PrecisionRefusal::Int8NeedsFastEngine(reason) => {
                write!(f, "the fast CPU engine cannot run this model here: {reason}")
            }
            PrecisionRefusal::F16OnCpu => f.write_str("f16 runs only on a GPU, with a build that has the cuda feature"),
            PrecisionRefusal::F16OnFastEngine => {
                f.write_str("the fast engine was chosen (f16 runs only on candle's engine, on a GPU)")
            }
        }
    }
}

impl Precision {
    /// Why this precision cannot run with `engine` on the CPU (`on_cpu`) or a GPU, where `fast_refusal` says why
    /// the fast CPU forward cannot run; `None` when it can.
    pub fn refusal(self, engine: Engine, on_cpu: bool, fast_refusal: Option<&str>) -> Option<PrecisionRefusal> {
        match self {
            Precision::F32 => None,
            Precision::Int8 if engine == Engine::Candle => Some(PrecisionRefusal::Int8OnCandle),
            Precision::Int8 => fast_refusal.map(|reason| PrecisionRefusal::Int8NeedsFastEngine(reason.to_string())),
            Precision::F16 if on_cpu => Some(PrecisionRefusal::F16OnCpu),
            Precision::F16 if engine == Engine::Fast => Some(PrecisionRefusal::F16OnFastEngine),
            Precision::F16 => None,
        }
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Precision {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "f32" | "fp32" | "float32" => Ok(Precision::F32),
            "int8" | "i8" => Ok(Precision::Int8),
            "f16" | "fp16" | "float16" | "half" => Ok(Precision::F16),
            other => Err(format!("{other:?}: expected f32, int8 or f16")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Precision;

    #[test]
    fn names_round_trip_and_others_are_refused() {
        for p in [Precision::F32, Precision::Int8, Precision::F16] {
            assert_eq!(p.name().parse::<Precision>(), Ok(p));
        }
        assert_eq!(" INT8 ".parse::<Precision>(), Ok(Precision::Int8));
        assert!("int4"
            .parse::<Precision>()
            .unwrap_err()
            .contains("expected f32, int8 or f16"));
    }
}
