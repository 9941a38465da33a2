//! The arithmetic precision of the linear layers: f32 (the default, matches sentence-transformers) or int8 (faster
//! on the CPU, vectors slightly different).

use std::fmt;
use std::str::FromStr;

/// The precision asked for with `--precision`, and recorded in an index next to the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// 32-bit floats throughout (the default).
    #[default]
    F32,
    /// Linear layers in int8: weights quantized per output channel, activations per token (fast CPU forward only).
    Int8,
}

impl Precision {
    /// The name used on the command line and in index files: `f32` or `int8`.
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::Int8 => "int8",
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
            other => Err(format!("{other:?}: expected f32 or int8")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Precision;

    #[test]
    fn names_round_trip_and_others_are_refused() {
        for p in [Precision::F32, Precision::Int8] {
            assert_eq!(p.name().parse::<Precision>(), Ok(p));
        }
        assert_eq!(" INT8 ".parse::<Precision>(), Ok(Precision::Int8));
        assert!("int4"
            .parse::<Precision>()
            .unwrap_err()
            .contains("expected f32 or int8"));
    }
}
