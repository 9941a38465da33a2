//! Tests of the graph: recall against exact search, determinism, updates, and the file.

use super::*;
use crate::index::synthetic::{generate, queries, SyntheticSpec};
use crate::index::top_k;
use crate::linalg::fast_dot;
use crate::vectors::Embeddings;

fn nodes(e: &Embeddings) -> NodeVectors<'_> {
    NodeVectors {
        flat: e.as_flat(),
        dim: e.dim(),
        rows: None,
        dot: fast_dot(),
    }
}

fn recall(hnsw: &Hnsw, e: &Embeddings, qs: &Embeddings, k: usize, ef: usize) -> f64 {
    let mut hit = 0;
    for q in qs.rows() {
        let exact: Vec<usize> = top_k(e, q, k, &|_| true).iter().map(|h| h.index).collect();
        let found: Vec<usize> = hnsw
            .search(&nodes(e), q, ef)
            .iter()
            .take(k)
            .map(|s| s.node as usize)
            .collect();
        hit += exact.iter().filter(|x| found.contains(x)).count();
    }
    hit as f64 / (k * qs.len()) as f64
}

fn small(n: usize) -> (Embeddings, Embeddings) {
    let spec = SyntheticSpec {
        dim: 32,
        ..SyntheticSpec::new(n, 7)
    };
    (generate(&spec).0, queries(&spec, 100))
}

#[test]
fn finds_nearly_all_true_neighbours() {
    let (e, qs) = small(3000);
    let hnsw = Hnsw::build(&nodes(&e), (0..3000).collect(), AnnOptions::default(), &|_| {});
    let r = recall(&hnsw, &e, &qs, 10, 64);
    assert!(r >= 0.97, "recall@10 {r}");
    assert!(
        recall(&hnsw, &e, &qs, 10, 10) < r + 1e-9,
        "a narrower beam is no better"
    );
}

#[test]
fn the_graph_does_not_depend_on_the_thread_count() {
    let (e, _) = small(1500);
    let build = |threads| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| Hnsw::build(&nodes(&e), (0..1500).collect(), AnnOptions::default(), &|_| {}))
    };
    let (one, three) = (build(1), build(3));
    assert_eq!(one.graph.entry, three.graph.entry);
    assert_eq!(&*one.graph.layer0, &*three.graph.layer0);
    assert_eq!(&*one.graph.upper, &*three.graph.upper);
}

#[test]
fn an_update_cuts_out_removed_nodes_and_links_new_ones() {
    let (e, qs) = small(3000);
    let keys: Vec<u64> = (0..3000).map(|i| i * 7 + 1).collect();
    let first = e.select(&(0..2500).collect::<Vec<_>>());
    let hnsw = Hnsw::build(&nodes(&first), keys[..2500].to_vec(), AnnOptions::default(), &|_| {});
    // Drop every tenth of the first 2,500 and add the last 500, in a new order.
    let rows: Vec<usize> = (0..3000).filter(|i| i % 10 != 3 || *i >= 2500).rev().collect();
    let second = e.select(&rows);
    let new_keys: Vec<u64> = rows.iter().map(|&i| keys[i]).collect();
    let (updated, stats) = hnsw.update(&nodes(&second), new_keys.clone(), hnsw.storage(), &|_| {});
    assert_eq!(
        stats,
        UpdateStats {
            added: 500,
            removed: 250,
            rebuilt: false
        }
    );
    assert_eq!(&*updated.keys, &new_keys[..]);
    let r = recall(&updated, &second, &qs, 10, 64);
    assert!(r >= 0.97, "recall@10 after the update {r}");
    for node in 0..updated.len() as u32 {
        assert!(updated
            .graph
            .neighbours(node, 0)
            .iter()
            .all(|&x| (x as usize) < updated.len()));
    }
    // Removing most of it rebuilds.
    let few = e.select(&[1, 2, 3]);
    let (_, stats) = updated.update(
        &nodes(&few),
        vec![keys[1], keys[2], keys[3]],
        updated.storage(),
        &|_| {},
    );
    assert!(stats.rebuilt);
}

#[test]
fn the_file_round_trips_and_damage_is_refused() {
    let (e, qs) = small(800);
    let hnsw = Hnsw::build(
        &nodes(&e),
        (0..800).map(|i| i * 3).collect(),
        AnnOptions::default(),
        &|_| {},
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.idx.ann");
    file::save(&hnsw, &path).unwrap();
    let back = file::load(&path).unwrap();
    assert!(
        matches!(back.graph.layer0, graph::MappedOrOwned::Mapped { .. }),
        "the level-0 lists are mapped, not copied"
    );
    assert_eq!(&*back.keys, &*hnsw.keys);
    assert_eq!(back.graph.entry, hnsw.graph.entry);
    let q = qs.row(0);
    assert_eq!(back.search(&nodes(&e), q, 32), hnsw.search(&nodes(&e), q, 32));

    let bytes = std::fs::read(&path).unwrap();
    let write = |b: &[u8]| std::fs::write(&path, b).unwrap();
    let err = |_: ()| file::load(&path).unwrap_err().to_string();
    write(&bytes[..bytes.len() - 7]);
    assert!(err(()).contains("truncated"), "{}", err(()));
    let mut flipped = bytes.clone();
    flipped[200] ^= 1;
    write(&flipped);
    assert!(err(()).contains("checksum"), "{}", err(()));
    write(b"INSIGHTS-IDX and more bytes than a header needs, and then some more of them...........");
    assert!(err(()).contains("no INSIGHTS-ANN signature"), "{}", err(()));
    // A link to a node missing at that level passes the checksum only if forged: it is still refused.
    let mut forged = bytes.clone();
    let end = forged.len() - 4;
    let count_at = file::layout(800, 32, hnsw.graph.upper.len(), 0).unwrap().upper;
    forged[count_at..count_at + 4].copy_from_slice(&1u32.to_le_bytes());
    let low = (0..800u32).find(|&i| hnsw.graph.levels[i as usize] == 0).unwrap();
    forged[count_at + 4..count_at + 8].copy_from_slice(&low.to_le_bytes());
    let crc = crc32fast::hash(&forged[..end]);
    forged[end..].copy_from_slice(&crc.to_le_bytes());
    write(&forged);
    assert!(err(()).contains("not there at level 1"), "{}", err(()));
}

#[test]
fn big_graphs_link_with_a_narrower_beam_and_search_with_a_wider_one() {
    let small = AnnOptions::for_nodes(60_000);
    assert_eq!(small, AnnOptions::default());
    assert_eq!(small.ef_for(60_000), 64);
    assert_eq!(small.ef_for(100_000), 64);
    let big = AnnOptions::for_nodes(1_000_000);
    assert_eq!(big.ef_construction, 100);
    assert_eq!(big.ef_for(1_000_000), 202);
    assert_eq!(big.ef_for(100_000_000), 512, "capped");
}

#[test]
fn an_int8_copy_is_walked_saved_and_kept_through_updates() {
    let (e, qs) = small(3000);
    let f32_graph = Hnsw::build(&nodes(&e), (0..3000).collect(), AnnOptions::default(), &|_| {});
    let int8_graph = f32_graph.clone().with_storage(compact::Storage::Int8, &nodes(&e));
    assert_eq!(int8_graph.storage(), compact::Storage::Int8);
    // The walk reads the codes (the scores are estimates), and still finds nearly every true neighbour.
    let q = qs.row(0);
    let walked = int8_graph.search(&nodes(&e), q, 32);
    assert!(walked
        .iter()
        .any(|s| s.score != crate::linalg::dot(q, e.row(s.node as usize))));
    let r = recall(&int8_graph, &e, &qs, 10, 64);
    assert!(r >= 0.95, "recall@10 walking int8 {r}");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.idx.ann");
    file::save(&int8_graph, &path).unwrap();
    let back = file::load(&path).unwrap();
    assert!(matches!(
        back.int8.as_ref().unwrap().codes,
        graph::MappedOrOwned::Mapped { .. }
    ));
    assert_eq!(back.search(&nodes(&e), q, 32), walked);
    // A file without the copy is the same as before it existed.
    file::save(&f32_graph, &path).unwrap();
    assert_eq!(file::load(&path).unwrap().storage(), compact::Storage::F32);
    // A damaged storage word is refused, whatever it says.
    let bytes = std::fs::read(&path).unwrap();
    for (word, needle) in [(2u32, "unknown vector storage 2"), (1, "do not fit")] {
        let mut damaged = bytes.clone();
        damaged[56..60].copy_from_slice(&word.to_le_bytes());
        std::fs::write(&path, &damaged).unwrap();
        let err = file::load(&path).unwrap_err().to_string();
        assert!(err.contains(needle), "{err}");
    }

    let rows: Vec<usize> = (0..3000).filter(|i| i % 10 != 3).collect();
    let second = e.select(&rows);
    let (updated, _) = back.update(
        &nodes(&second),
        rows.iter().map(|&i| i as u64).collect(),
        back.storage(),
        &|_| {},
    );
    let codes = updated.int8.as_ref().expect("the update keeps the int8 copy");
    assert_eq!(codes.len(), rows.len());
    assert_eq!(
        updated.search(&nodes(&second), q, 32),
        Hnsw {
            int8: None,
            ..updated.clone()
        }
        .with_storage(compact::Storage::Int8, &nodes(&second))
        .search(&nodes(&second), q, 32)
    );
}
