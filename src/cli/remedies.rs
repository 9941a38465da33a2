//! What to type next: the remedies that name this command line's flags, added at the edge to the library's typed
//! errors and notices (the library says what went wrong; only the CLI knows its flags).

use insights::corpus::{CorpusError, Notice};
use insights::embed::{EmbedError, PrecisionRefusal};
use insights::index::IndexError;

/// The remedy naming flags for an error the command failed with, if it is one of the library's that has one.
pub fn for_error(err: &anyhow::Error) -> Option<String> {
    err.chain().find_map(|cause| {
        if let Some(e) = cause.downcast_ref::<CorpusError>() {
            return match e {
                CorpusError::Index(e) => for_index(e),
                CorpusError::Embed(e) => for_embed(e),
                _ => None,
            };
        }
        cause
            .downcast_ref::<IndexError>()
            .and_then(for_index)
            .or_else(|| cause.downcast_ref::<EmbedError>().and_then(for_embed))
    })
}

/// The remedy naming flags that goes with a notice, if any.
pub fn for_notice(notice: &Notice) -> Option<&'static str> {
    match notice {
        Notice::WaitingForWriter { .. } => Some("--no-wait to fail instead"),
        Notice::ApproximateUnreadable(_) => Some("`insights index ... --ann on` builds it again"),
        _ => None,
    }
}

fn for_index(e: &IndexError) -> Option<String> {
    match e {
        IndexError::ModelMismatch { model, index_model, .. } => Some(format!(
            "re-index with `insights index ... --model {model}`, or pass --model {index_model}"
        )),
        IndexError::PrecisionMismatch { precision, .. } => Some(format!(
            "leave out --precision to use the index's, or re-index with `insights index ... --precision {precision}`"
        )),
        _ => None,
    }
}

fn for_embed(e: &EmbedError) -> Option<String> {
    match e {
        EmbedError::PrecisionUnavailable { refusal, .. } => Some(
            match refusal {
                PrecisionRefusal::Int8OnCandle => "leave out --engine candle, or use --precision f32",
                PrecisionRefusal::Int8NeedsFastEngine(_) => "use --device cpu (or, for a new index, --precision f32)",
                PrecisionRefusal::F16OnCpu => "pass --device cuda; on the CPU use --precision f32, or int8 for speed",
                PrecisionRefusal::F16OnFastEngine => "leave out --engine fast",
            }
            .to_string(),
        ),
        EmbedError::Device { problem, .. } if problem.no_usable_gpu() => Some("or run with --device cpu".to_string()),
        EmbedError::ModelNotFound { .. } => Some("or pass --model DIR".to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use insights::embed::{DeviceProblem, Precision};

    #[test]
    fn remedies_name_the_flags_that_help() {
        let refused = |refusal| {
            for_error(&anyhow::Error::new(CorpusError::Embed(
                EmbedError::PrecisionUnavailable {
                    precision: Precision::F16,
                    refusal,
                },
            )))
        };
        assert!(refused(PrecisionRefusal::F16OnCpu).is_some_and(|r| r.contains("--device cuda")));
        let device = |problem| {
            for_error(&anyhow::Error::new(EmbedError::Device {
                device: "cuda:0".into(),
                problem,
            }))
        };
        assert_eq!(
            device(DeviceProblem::NoGpu).as_deref(),
            Some("or run with --device cpu")
        );
        assert_eq!(
            device(DeviceProblem::NoSuchGpu),
            None,
            "the CPU is no remedy for a wrong GPU number"
        );
        let mismatch = IndexError::ModelMismatch {
            path: "a.idx".into(),
            index_model: "theirs".into(),
            index_dim: 2,
            model: "ours".into(),
            dim: 3,
        };
        let wrapped = anyhow::Error::new(mismatch).context("while opening");
        assert_eq!(
            for_error(&wrapped).as_deref(),
            Some("re-index with `insights index ... --model ours`, or pass --model theirs")
        );
        assert_eq!(for_error(&anyhow::anyhow!("something else")), None);
    }
}
