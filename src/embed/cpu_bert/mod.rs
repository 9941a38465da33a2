//! A fast CPU forward for BERT encoders: packed sequences (no padding), fused Q|K|V with the attention scale folded
//! in, bias + GELU and bias + residual + LayerNorm fused, one-pass softmax, linear layers through `gemm` run
//! single-threaded in each of several worker threads, and runtime dispatch of the element-wise kernels to AVX-512,
//! AVX2+FMA or portable code.
//!
//! It runs the same model as candle's `BertModel` (the tests compare the two) for the configurations it supports
//! ([`CpuBert::unsupported_reason`]); the embedder uses candle's model for anything else and on GPUs.

mod encoder;
mod forward;
pub mod int8;
pub mod isa;
pub mod kernels;
#[cfg(test)]
pub(crate) mod tests;
mod weights;

pub use encoder::CpuBert;
pub use forward::CHUNK_TOKENS;
pub use isa::Isa;
