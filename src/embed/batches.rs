//! The padded batches of candle's encoder: texts longest first, as many to a batch as a budget of padded word
//! pieces allows (as text-embeddings-inference forms them), and the next texts tokenised on the CPU while the
//! device runs the current ones.

use std::sync::mpsc;

use super::tokenize::TokenIds;
use super::EmbedError;

/// Texts tokenised ahead, per piece of a pipelined run: small enough that the device starts soon, large enough that
/// sorting within a piece leaves little padding.
pub const PIPELINE_TEXTS: usize = 2048;

/// How many texts a padded batch may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchLimits {
    /// The most texts in a batch.
    pub texts: usize,
    /// The most padded word pieces in a batch (texts × the longest text's pieces), if limited; a text longer than
    /// the budget still runs, alone.
    pub tokens: Option<usize>,
}

impl BatchLimits {
    /// Cuts `order` (indices into `tokens`, longest first) into consecutive batches within the limits.
    pub fn cut<'a>(&self, order: &'a [usize], tokens: &[TokenIds]) -> Vec<&'a [usize]> {
        let mut batches = Vec::new();
        let mut rest = order;
        while let Some(&first) = rest.first() {
            // Longest first: the batch's first text sets its padded length.
            let longest = tokens[first].ids.len().max(1);
            let by_tokens = self.tokens.map_or(usize::MAX, |budget| (budget / longest).max(1));
            let n = self.texts.max(1).min(by_tokens).min(rest.len());
            let (batch, tail) = rest.split_at(n);
            batches.push(batch);
            rest = tail;
        }
        batches
    }
}

/// The indices of `tokens`, longest first; equal lengths keep their order (the sort is stable).
pub fn longest_first(tokens: &[TokenIds]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..tokens.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(tokens[i].ids.len()));
    order
}

/// Runs `texts` in pieces of `piece` texts: `tokenize` makes the next piece's ids on another thread while `run`
/// handles the current one, given the offset of its first text in `texts`. Stops at the first error of either.
pub fn pipelined(
    texts: &[&str],
    piece: usize,
    tokenize: impl Fn(&[&str]) -> Result<Vec<TokenIds>, EmbedError> + Sync,
    mut run: impl FnMut(usize, &[TokenIds]) -> Result<(), EmbedError>,
) -> Result<(), EmbedError> {
    std::thread::scope(|scope| {
        // One piece waits while another runs: memory holds at most three pieces' ids.
        let (ready, pieces) = mpsc::sync_channel::<(usize, Result<Vec<TokenIds>, EmbedError>)>(1);
        let tokenize = &tokenize;
        scope.spawn(move || {
            for (k, slice) in texts.chunks(piece.max(1)).enumerate() {
                let ids = tokenize(slice);
                let failed = ids.is_err();
                // A closed channel means the consumer stopped (an error of its own): nothing more is wanted.
                if ready.send((k * piece.max(1), ids)).is_err() || failed {
                    return;
                }
            }
        });
        for (offset, ids) in pieces {
            run(offset, &ids?)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of_lengths(lens: &[usize]) -> Vec<TokenIds> {
        lens.iter()
            .map(|&n| TokenIds {
                ids: vec![1; n],
                type_ids: vec![0; n],
            })
            .collect()
    }

    #[test]
    fn batches_keep_within_the_token_budget_and_the_count() {
        let tokens = of_lengths(&[10, 300, 40, 40, 40, 5, 5, 5, 5, 5]);
        let order = longest_first(&tokens);
        assert_eq!(order, vec![1, 2, 3, 4, 0, 5, 6, 7, 8, 9]);
        let limits = BatchLimits {
            texts: 4,
            tokens: Some(100),
        };
        let batches = limits.cut(&order, &tokens);
        // 300 pieces exceed the budget and run alone; 2 × 40 fit in 100, 3 × 40 do not; then 4 texts at most.
        assert_eq!(batches, vec![&[1][..], &[2, 3], &[4, 0], &[5, 6, 7, 8], &[9]]);
        for batch in &batches {
            let padded = batch.len() * tokens[batch[0]].ids.len();
            assert!(batch.len() == 1 || padded <= 100, "{batch:?}: {padded} padded pieces");
        }
        let by_count = BatchLimits { texts: 3, tokens: None }.cut(&order, &tokens);
        assert_eq!(by_count.iter().map(|b| b.len()).collect::<Vec<_>>(), vec![3, 3, 3, 1]);
        assert!(BatchLimits { texts: 3, tokens: None }.cut(&[], &tokens).is_empty());
    }

    #[test]
    fn a_pipelined_run_sees_every_piece_once_in_order_and_stops_at_an_error() {
        let texts: Vec<String> = (0..10).map(|i| "w ".repeat(i + 1)).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let tokenize = |slice: &[&str]| -> Result<Vec<TokenIds>, EmbedError> {
            Ok(of_lengths(&slice.iter().map(|t| t.len() / 2).collect::<Vec<_>>()))
        };
        let mut seen = Vec::new();
        pipelined(&refs, 3, tokenize, |offset, ids| {
            seen.extend(ids.iter().enumerate().map(|(i, t)| (offset + i, t.ids.len())));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, (0..10).map(|i| (i, i + 1)).collect::<Vec<_>>());

        // The tokenizer's error ends the run; so does the consumer's, without waiting for the rest.
        let failing = |slice: &[&str]| -> Result<Vec<TokenIds>, EmbedError> {
            if slice[0].len() > 10 {
                Err(EmbedError::config("tokenizer.json", "broken"))
            } else {
                tokenize(slice)
            }
        };
        let mut pieces = 0;
        let err = pipelined(&refs, 3, failing, |_, _| {
            pieces += 1;
            Ok(())
        });
        assert!(err.unwrap_err().to_string().contains("broken"));
        assert_eq!(pieces, 2);
        let err = pipelined(&refs, 3, tokenize, |offset, _| match offset {
            0 => Ok(()),
            _ => Err(EmbedError::config("model", "device lost")),
        });
        assert!(err.unwrap_err().to_string().contains("device lost"));
    }
}
