//! The texts through the encoder: chunks of packed sequences on worker threads, each chunk's layers, and pooling.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use super::encoder::CpuBert;
use super::int8::{self, QuantizedRows};
use super::kernels::{add_bias, attend, bias_gelu, bias_layer_norm, ATTEND_ROWS};
use super::weights::Linear;
use crate::embed::tokenize::TokenIds;
use crate::embed::EmbedError;
use crate::embed::Pooling;
use crate::linalg::row_products;

/// Buffers reused across the chunks one worker runs; they grow to the largest chunk and stay.
#[derive(Default)]
pub(crate) struct Workspace {
    /// Hidden states, [tokens × hidden].
    x: Vec<f32>,
    /// Attention context, [tokens × hidden].
    ctx: Vec<f32>,
    /// Fused Q|K|V [tokens × 3·hidden], later the feed-forward activations [tokens × intermediate].
    big: Vec<f32>,
    /// Transposed keys of one head.
    kt: Vec<f32>,
    /// Attention scores of a group of query rows.
    scores: Vec<f32>,
    /// The quantized input of an int8 linear layer.
    quantized: QuantizedRows,
}

/// Tokens a worker packs into one forward pass: large enough for efficient matrix products, small enough that
/// a worker's buffers stay near 10 KB a token (about 20 MB for MiniLM).
pub const CHUNK_TOKENS: usize = 2048;

fn grow(buf: &mut Vec<f32>, len: usize) -> &mut [f32] {
    if buf.len() < len {
        buf.resize(len, 0.0);
    }
    &mut buf[..len]
}

impl CpuBert {
    /// Pools the texts `tokens[order[..]]` in chunks of about [`CHUNK_TOKENS`] consecutive texts of `order`, on
    /// `workers` threads (at least one; the calling thread only collects). After each chunk, `sink` gets the chunk's
    /// text indices and their pooled vectors (`hidden` values each, not normalised), on the calling thread.
    pub fn embed_pooled(
        &self,
        tokens: &[TokenIds],
        order: &[usize],
        pooling: Pooling,
        workers: usize,
        sink: &mut dyn FnMut(&[usize], &[f32]),
    ) -> Result<(), EmbedError> {
        for &i in order {
            self.check(&tokens[i])?;
        }
        let chunks = chunk_by_tokens(order, tokens, CHUNK_TOKENS);
        let run = |ws: &mut Workspace, chunk: usize| {
            let texts = &order[chunks[chunk].clone()];
            let seqs: Vec<&TokenIds> = texts.iter().map(|&i| &tokens[i]).collect();
            let mut pooled = vec![0f32; seqs.len() * self.hidden];
            self.forward_chunk(&seqs, pooling, ws, &mut pooled);
            pooled
        };
        let workers = workers.clamp(1, chunks.len().max(1));
        if workers == 1 {
            let mut ws = Workspace::default();
            for (i, range) in chunks.iter().enumerate() {
                sink(&order[range.clone()], &run(&mut ws, i));
            }
            return Ok(());
        }
        let next = AtomicUsize::new(0);
        let (tx, rx) = mpsc::channel::<(usize, Vec<f32>)>();
        std::thread::scope(|scope| {
            for _ in 0..workers {
                let tx = tx.clone();
                let (next, run, chunks) = (&next, &run, &chunks);
                scope.spawn(move || {
                    let mut ws = Workspace::default();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= chunks.len() || tx.send((i, run(&mut ws, i))).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(tx);
            for (i, pooled) in rx {
                sink(&order[chunks[i].clone()], &pooled);
            }
        });
        Ok(())
    }

    /// Runs `seqs` packed together (no padding) and writes each one's pooled vector (`hidden` values, not yet
    /// normalised) into `out`.
    pub(crate) fn forward_chunk(&self, seqs: &[&TokenIds], pooling: Pooling, ws: &mut Workspace, out: &mut [f32]) {
        let isa = self.isa;
        let (h, inter, d) = (self.hidden, self.intermediate, self.head_dim);
        let t: usize = seqs.iter().map(|s| s.ids.len()).sum();
        let longest = seqs.iter().map(|s| s.ids.len()).max().unwrap_or(0);
        let lp = longest.next_multiple_of(16);
        grow(&mut ws.kt, d * lp);
        grow(&mut ws.scores, ATTEND_ROWS * lp);
        grow(&mut ws.ctx, t * h);
        grow(&mut ws.big, t * (3 * h).max(inter));
        let x = grow(&mut ws.x, t * h);
        let w = &self.weights;
        w.embed_tokens(seqs, x);
        bias_layer_norm(isa, x, &self.zeros, &w.embed_norm_g, &w.embed_norm_b, self.eps);
        for layer in &w.layers {
            let qkv = &mut ws.big[..t * 3 * h];
            self.linear(
                qkv,
                &ws.x[..t * h],
                &layer.qkv_w,
                (t, 3 * h, h),
                false,
                &mut ws.quantized,
            );
            add_bias(isa, qkv, &layer.qkv_b);
            let mut start = 0;
            for s in seqs {
                let len = s.ids.len();
                let rows = &qkv[start * 3 * h..(start + len) * 3 * h];
                let ctx = &mut ws.ctx[start * h..(start + len) * h];
                for head in (0..h).step_by(d) {
                    match d {
                        32 => attend::<32>(isa, rows, ctx, h, head, &mut ws.kt, &mut ws.scores),
                        64 => attend::<64>(isa, rows, ctx, h, head, &mut ws.kt, &mut ws.scores),
                        _ => unreachable!("head sizes are checked at load"),
                    }
                }
                start += len;
            }
            let x = &mut ws.x[..t * h];
            self.linear(x, &ws.ctx[..t * h], &layer.out_w, (t, h, h), true, &mut ws.quantized);
            bias_layer_norm(isa, x, &layer.out_b, &layer.attn_norm_g, &layer.attn_norm_b, self.eps);
            let act = &mut ws.big[..t * inter];
            self.linear(act, x, &layer.up_w, (t, inter, h), false, &mut ws.quantized);
            bias_gelu(isa, act, &layer.up_b);
            self.linear(x, act, &layer.down_w, (t, h, inter), true, &mut ws.quantized);
            bias_layer_norm(isa, x, &layer.down_b, &layer.out_norm_g, &layer.out_norm_b, self.eps);
        }
        pool(&ws.x[..t * h], seqs, pooling, h, out);
    }

    /// `y[m × n] (+)= x[m × k] · wᵀ` in the weights' precision; `quantized` holds int8 activations.
    fn linear(
        &self,
        y: &mut [f32],
        x: &[f32],
        w: &Linear,
        (m, n, k): (usize, usize, usize),
        accumulate: bool,
        quantized: &mut QuantizedRows,
    ) {
        match w {
            Linear::F32(w) => row_products(y, x, w, m, n, k, accumulate),
            Linear::Int8(w) => {
                quantized.quantize(self.int8, x, m, k);
                int8::products(self.int8, y, quantized, w, m, accumulate);
            }
        }
    }
}

/// Pools each sequence's rows of `x` into its row of `out`, as [`Pooling::apply`] does on padded batches.
fn pool(x: &[f32], seqs: &[&TokenIds], pooling: Pooling, h: usize, out: &mut [f32]) {
    let mut start = 0;
    for (s, dst) in seqs.iter().zip(out.chunks_exact_mut(h)) {
        let len = s.ids.len();
        let rows = &x[start * h..(start + len) * h];
        start += len;
        if len == 0 {
            dst.fill(0.0);
            continue;
        }
        match pooling {
            Pooling::Cls => dst.copy_from_slice(&rows[..h]),
            Pooling::Mean => {
                dst.fill(0.0);
                for row in rows.chunks_exact(h) {
                    for (o, v) in dst.iter_mut().zip(row) {
                        *o += v;
                    }
                }
                let inv = 1.0 / len as f32;
                dst.iter_mut().for_each(|o| *o *= inv);
            }
            Pooling::Max => {
                dst.fill(f32::NEG_INFINITY);
                for row in rows.chunks_exact(h) {
                    for (o, v) in dst.iter_mut().zip(row) {
                        *o = o.max(*v);
                    }
                }
            }
        }
    }
}

/// Splits `order` (indices into `tokens`) into consecutive chunks of at most `budget` tokens each (a longer text
/// makes a chunk of its own).
pub(crate) fn chunk_by_tokens(order: &[usize], tokens: &[TokenIds], budget: usize) -> Vec<std::ops::Range<usize>> {
    let mut chunks = Vec::new();
    let (mut start, mut used) = (0, 0);
    for (i, &text) in order.iter().enumerate() {
        let len = tokens[text].ids.len();
        if i > start && used + len > budget {
            chunks.push(start..i);
            (start, used) = (i, 0);
        }
        used += len;
    }
    if start < order.len() {
        chunks.push(start..order.len());
    }
    chunks
}
