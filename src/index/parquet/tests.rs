//! Shard files written and read back.

use super::*;
use crate::embed::{Precision, VectorKind};
use crate::index::IndexMeta;
use crate::insight::SplitOptions;
use crate::vectors::Embeddings;

fn meta(dim: usize) -> IndexMeta {
    IndexMeta {
        kind: VectorKind {
            model_id: "m".into(),
            weights_sha256: "ab".repeat(32),
            dim,
            precision: Precision::F32,
        },
        split: SplitOptions::default().canonical(),
    }
}

#[test]
fn shards_are_read_as_written_and_cover_every_text_once() {
    assert_eq!("2/4".parse::<Shard>(), Ok(Shard { index: 2, count: 4 }));
    assert!("4/4".parse::<Shard>().is_err() && "1".parse::<Shard>().is_err() && "0/0".parse::<Shard>().is_err());
    let insights: Vec<Insight> = (0..40)
        .map(|i| {
            Insight::new(
                format!("d{}", i % 3),
                i + 1,
                i + 1,
                format!("Point {i} is made. It is {} long.", i % 7),
            )
        })
        .collect();
    let all = shard_texts(&insights, Shard::ALL);
    // 40 texts of their own, 40 first sentences, and 7 distinct second sentences.
    assert_eq!(all.len(), 40 + 40 + 7);
    let tmp = tempfile::tempdir().unwrap();
    let mut total = 0;
    for index in 0..3 {
        let shard = Shard { index, count: 3 };
        let texts = shard_texts(&insights, shard);
        let vectors = Embeddings::from_flat(2, texts.iter().flat_map(|t| [t.insight as f32, 1.0]).collect());
        let mut w = ShardWriter::create(&tmp.path().join(format!("{index}.parquet")), &meta(2), shard).unwrap();
        w.write(
            &insights,
            &texts[..texts.len() / 2],
            &vectors.select(&(0..texts.len() / 2).collect::<Vec<_>>()),
        )
        .unwrap();
        let rest: Vec<usize> = (texts.len() / 2..texts.len()).collect();
        w.write(&insights, &texts[texts.len() / 2..], &vectors.select(&rest))
            .unwrap();
        total += w.finish().unwrap();
    }
    assert_eq!(total, all.len());
    let set = read_shards(tmp.path()).unwrap();
    assert_eq!(
        (set.meta.clone(), set.shards.len(), set.missing()),
        (meta(2), 3, vec![])
    );
    assert_eq!(set.uncovered(&insights), 0);
    for t in &all {
        let at = set.hashes.iter().position(|h| *h == t.hash).unwrap();
        assert_eq!(set.vectors.row(at), [t.insight as f32, 1.0]);
    }
    std::fs::remove_file(tmp.path().join("1.parquet")).unwrap();
    let set = read_shards(tmp.path()).unwrap();
    assert_eq!(set.missing(), vec![Shard { index: 1, count: 3 }]);
    assert!(set.uncovered(&insights) > 0);
    std::fs::write(tmp.path().join("2.parquet"), b"not parquet").unwrap();
    let err = read_shards(tmp.path()).unwrap_err().to_string();
    assert!(err.contains("2.parquet") && err.contains("Parquet"), "{err}");
}
