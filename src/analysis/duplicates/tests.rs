//! Duplicate groups: verbatim, near-verbatim and paraphrase pairs, and the seed corpus.

use super::*;

fn ins(doc: &str, text: &str) -> Insight {
    Insight {
        doc: doc.into(),
        line_start: 1,
        line_end: 1,
        text: text.into(),
        source_id: None,
        file: None,
    }
}

/// Neighbour lists (best first, both directions) holding the candidate pairs `(i, j, cosine)`.
fn lists(n: usize, pairs: &[(usize, usize, f32)]) -> Vec<Vec<Hit>> {
    let mut out = vec![Vec::new(); n.max(1)];
    for &(i, j, score) in pairs {
        for (a, b) in [(i, j), (j, i)] {
            if a < out.len() {
                out[a].push(Hit { index: b, score });
            }
        }
    }
    for hits in &mut out {
        hits.sort_by(|a, b| b.score.total_cmp(&a.score));
    }
    out
}

fn run(insights: &[Insight], pairs: &[(usize, usize, f32)]) -> Vec<DuplicateGroup> {
    group_duplicates(insights, &lists(insights.len(), pairs), &DuplicateOptions::default())
}

#[test]
fn verbatim_ignores_case_whitespace_and_typographic_quotes() {
    let v = [
        ins(
            "a",
            "AI  sovereignty is \u{201C}owning\u{201D} the stack \u{2014} it\u{2019}s yours.",
        ),
        ins("b", "ai sovereignty is \"owning\" the\nstack - it's yours."),
        ins("c", "Something else entirely."),
    ];
    let g = run(&v, &[]);
    assert_eq!(g.len(), 1);
    assert_eq!(
        (g[0].kind, g[0].members.clone(), g[0].score),
        (DuplicateKind::Verbatim, vec![0, 1], 1.0)
    );
}

#[test]
fn one_changed_word_is_near_verbatim_but_not_in_a_short_text() {
    let long = "The US is pouring capital into massive compute clusters to build ever larger proprietary models";
    let edited = "The US is pouring money into massive compute clusters to build ever larger proprietary models";
    let v = [
        ins("a", long),
        ins("b", edited),
        ins("a", "Chips are good"),
        ins("b", "Chips are bad"),
    ];
    let g = run(&v, &[(0, 1, 0.97), (2, 3, 0.5)]);
    assert_eq!(g.len(), 1);
    assert_eq!(
        (g[0].kind, g[0].members.clone(), g[0].score),
        (DuplicateKind::NearVerbatim, vec![0, 1], 0.97)
    );
    assert!((word_similarity(long, edited) - (1.0 - 1.0 / 15.0)).abs() < 1e-6);
}

#[test]
fn paraphrase_needs_a_high_cosine() {
    let v = [
        ins("a", "Nations want to own their AI hardware."),
        ins("b", "Countries wish to control the chips their models run on."),
        ins("c", "Open models will become a commodity."),
    ];
    let g = run(&v, &[(0, 1, 0.9), (1, 2, 0.7)]);
    assert_eq!(g.len(), 1);
    assert_eq!(
        (g[0].kind, g[0].members.clone(), g[0].score),
        (DuplicateKind::Paraphrase, vec![0, 1], 0.9)
    );
}

#[test]
fn same_document_pairs_are_ignored() {
    let v = [
        ins("a", "Alpha beta."),
        ins("a", "ALPHA   beta."),
        ins("a", "Gamma delta."),
        ins("b", "Epsilon."),
    ];
    assert!(run(&v, &[(0, 2, 0.99), (2, 1, 0.99)]).is_empty());
}

#[test]
fn a_group_takes_the_weakest_link_it_needs() {
    let v = [
        ins("a", "one two three four five six seven eight nine ten"),
        ins("b", "One two three four five six seven eight nine ten"),
        ins("c", "one two three four five six seven eight nine eleven"),
        ins("d", "completely different words said the same way"),
    ];
    // 0=1 verbatim; 2 near-verbatim of 1; 3 paraphrase of 2; the weak 0-3 link is redundant.
    let g = run(&v, &[(1, 2, 0.95), (2, 3, 0.88), (0, 3, 0.86), (0, 2, 0.96)]);
    assert_eq!(g.len(), 1);
    assert_eq!(
        (g[0].kind, g[0].members.clone(), g[0].score),
        (DuplicateKind::Paraphrase, vec![0, 1, 2, 3], 0.88)
    );
    let g = run(&v[..3], &[(1, 2, 0.95), (0, 2, 0.96)]);
    assert_eq!((g[0].kind, g[0].score), (DuplicateKind::NearVerbatim, 0.96));
}

#[test]
fn groups_are_ordered_by_size_then_first_member_and_bad_pairs_are_safe() {
    let v = [
        ins("a", "x y"),
        ins("a", "p q"),
        ins("b", "p q"),
        ins("b", "x y"),
        ins("c", "x y"),
    ];
    let pairs = [(0, 99, 1.0), (1, 1, 1.0), (1, 3, f32::NAN)];
    let g = run(&v, &pairs);
    let members: Vec<Vec<usize>> = g.iter().map(|g| g.members.clone()).collect();
    assert_eq!(members, vec![vec![0, 3, 4], vec![1, 2]]);
    assert!(run(&[], &pairs).is_empty());
}

#[test]
fn mutual_best_matches_that_stand_out_are_paraphrases_below_the_cosine_rule() {
    // 0 (doc a) and 3 (doc r) restate each other at 0.72, well above both sides' other neighbours (0.5-0.55);
    // 1 (doc b) and 2 (doc c) are each other's best match too, but at 0.6, below the floor.
    let v = [
        ins("a", "Nations want to own the hardware their AI runs on, not rent it."),
        ins(
            "b",
            "Cloud rental keeps allies dependent on subscriptions to American platforms.",
        ),
        ins("c", "Export programmes finance data centres in developing countries."),
        ins(
            "r",
            "Countries would rather possess the machines behind their models than lease them.",
        ),
    ];
    let pairs = [
        (0, 3, 0.72),
        (0, 1, 0.55),
        (0, 2, 0.5),
        (1, 3, 0.52),
        (2, 3, 0.5),
        (1, 2, 0.6),
    ];
    let g = run(&v, &pairs);
    assert_eq!(g.len(), 1, "{g:?}");
    assert_eq!(
        (g[0].kind, g[0].members.clone(), g[0].score),
        (DuplicateKind::Paraphrase, vec![0, 3], 0.72)
    );
    // The same cosine among neighbours nearly as close (one subject, other arguments) does not stand out.
    let mut crowded_v = v.to_vec();
    crowded_v.push(ins(
        "d",
        "Sovereign clouds let governments keep their data and models at home.",
    ));
    let crowded = [
        (0, 3, 0.72),
        (0, 1, 0.7),
        (0, 2, 0.69),
        (0, 4, 0.69),
        (1, 3, 0.7),
        (2, 3, 0.69),
        (3, 4, 0.69),
        (1, 2, 0.6),
    ];
    assert!(run(&crowded_v, &crowded).is_empty());
    // A pair with no other neighbour above the lists' cut stands out the most.
    assert_eq!(run(&v, &[(0, 3, 0.7)]).len(), 1);
    // Without the margin test only the cosine rule is left, and 0.72 is below it.
    let off = DuplicateOptions {
        paraphrase_min_margin: 9.0,
        ..DuplicateOptions::default()
    };
    assert!(group_duplicates(&v, &lists(4, &pairs), &off).is_empty());
}

#[test]
fn a_group_takes_no_second_insight_from_a_document_it_has() {
    // 0 and 1 are verbatim copies in docs a and b; 2 in doc b is close to them, but doc b already has the text.
    let v = [
        ins(
            "a",
            "Open models will become a free commodity, so compute is what is worth owning.",
        ),
        ins(
            "b",
            "Open models will become a free commodity, so compute is what is worth owning.",
        ),
        ins(
            "b",
            "China leads in open-source models as a strategy to commoditise software.",
        ),
        ins("c", "Gardening in spring needs patience and a good compost."),
    ];
    let g = run(&v, &[(0, 2, 0.9), (1, 3, 0.1), (0, 3, 0.1), (2, 3, 0.1)]);
    assert_eq!(g.len(), 1, "{g:?}");
    assert_eq!((g[0].kind, g[0].members.clone()), (DuplicateKind::Verbatim, vec![0, 1]));
}

/// The seed corpus: 4 documents sharing exactly 6 paragraphs verbatim (4 in three documents, 2 in two), all on
/// one topic. With the reference MiniLM vectors of its paragraphs and *every* cross-document pair as a
/// candidate, the defaults must find exactly those 6 verbatim groups and nothing else.
#[test]
fn seed_corpus_has_exactly_six_verbatim_groups() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixture = std::fs::read_to_string(root.join("tests/minilm_reference.jsonl")).unwrap();
    let mut docs: Vec<_> = std::fs::read_dir(root.join("seeds"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    docs.sort();
    let docs: Vec<(String, String)> = docs
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            (
                p.display().to_string(),
                text.split_whitespace().collect::<Vec<_>>().join(" "),
            )
        })
        .collect();
    // Every reference paragraph found in a seed document is an insight of that document.
    let (mut insights, mut vectors) = (Vec::new(), Vec::new());
    for line in fixture.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let text = v["text"].as_str().unwrap();
        let emb: Vec<f32> = v["embedding"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect();
        for (doc, body) in &docs {
            let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if flat.len() > 40
                && body.contains(&flat)
                && !insights.iter().any(|i: &Insight| &i.doc == doc && i.text == text)
            {
                insights.push(ins(doc, text));
                vectors.push(emb.clone());
            }
        }
    }
    let cos = |a: &[f32], b: &[f32]| {
        let d: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
        d / (a.iter().map(|x| x * x).sum::<f32>() * b.iter().map(|x| x * x).sum::<f32>()).sqrt()
    };
    let mut pairs = Vec::new();
    for i in 0..insights.len() {
        for j in i + 1..insights.len() {
            pairs.push((i, j, cos(&vectors[i], &vectors[j])));
        }
    }
    let groups = run(&insights, &pairs);
    let sizes: Vec<usize> = groups.iter().map(|g| g.members.len()).collect();
    assert_eq!(sizes, [3, 3, 3, 3, 2, 2], "{groups:?}");
    assert!(groups
        .iter()
        .all(|g| g.kind == DuplicateKind::Verbatim && g.score == 1.0));
    // The evidence behind the paraphrase default: distinct paragraphs of this one-topic corpus stay far below it.
    let max_other = pairs
        .iter()
        .filter(|&&(i, j, _)| normalize_text(&insights[i].text) != normalize_text(&insights[j].text))
        .map(|p| p.2)
        .fold(f32::MIN, f32::max);
    assert!(max_other < 0.78, "{max_other}");
}
