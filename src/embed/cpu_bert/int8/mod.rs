//! The int8 linear layers of the fast CPU forward (`--precision int8`): weights quantized per output channel at
//! load, activations quantized per token on each product, integer products on AVX-512 VNNI, AVX2 or portable
//! code, and the result dequantized to f32 for the rest of the forward (attention, GELU and LayerNorm stay f32).

pub mod kernel;
pub mod level;
pub mod quantize;
#[cfg(test)]
mod tests;

pub use kernel::{accumulators, products};
pub use level::Int8Kernel;
pub use quantize::{QuantizedMatrix, QuantizedRows};
