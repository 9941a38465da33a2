//! Texts cut into consecutive runs of about so many bytes: the steps a build embeds between journal writes, and the
//! batches the tokenizer encodes at once.

/// `texts` cut into consecutive steps of about `step_bytes` of text (at most `step_texts` texts, at least one; a
/// step ends with the text that reaches `step_bytes`).
pub fn consecutive_by_bytes<'a, 't>(
    texts: &'a [&'t str],
    step_bytes: usize,
    step_texts: usize,
) -> impl Iterator<Item = &'a [&'t str]> {
    let mut rest = texts;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut bytes = 0;
        let mut n = 0;
        while n < rest.len() && n < step_texts && (n == 0 || bytes < step_bytes) {
            bytes += rest[n].len();
            n += 1;
        }
        let (step, tail) = rest.split_at(n);
        rest = tail;
        Some(step)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_cover_every_text_once_within_their_bounds() {
        const BYTES: usize = 128 * 1024;
        const TEXTS: usize = 4096;
        let long = "x".repeat(BYTES * 2);
        let short = "word";
        let mut texts: Vec<&str> = vec![short; TEXTS + 10];
        texts.insert(3, &long);
        let steps: Vec<&[&str]> = consecutive_by_bytes(&texts, BYTES, TEXTS).collect();
        assert_eq!(steps.iter().map(|s| s.len()).sum::<usize>(), texts.len());
        // The oversized text ends its step; no step is empty or holds more than the cap.
        assert_eq!(steps[0].len(), 4);
        assert!(steps.iter().all(|s| !s.is_empty() && s.len() <= TEXTS));
        assert_eq!(steps.concat(), texts);
        assert_eq!(consecutive_by_bytes(&[], BYTES, TEXTS).count(), 0);
    }
}
