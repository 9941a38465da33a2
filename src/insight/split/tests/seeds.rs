//! The seed corpus (`seeds/`) as acceptance fixture: 43 content paragraphs, no boilerplate.

use super::*;

#[test]
fn seeds_give_43_content_paragraphs_11_11_10_11() {
    let docs = seeds();
    let insights = split_documents(&docs, &SplitOptions::default()).expect("split");
    let per_file: Vec<usize> = docs
        .iter()
        .map(|d| insights.iter().filter(|i| i.doc == d.name).count())
        .collect();
    assert_eq!(per_file, [11, 11, 10, 11]);
    assert_eq!(insights.len(), 43);
    let order: Vec<usize> = insights
        .iter()
        .map(|i| docs.iter().position(|d| d.name == i.doc).unwrap_or(9))
        .collect();
    assert!(order.windows(2).all(|w| w[0] <= w[1]), "insights follow file order");
    // Every seed paragraph is one line, so every insight must be exactly one whole line of its file.
    for insight in &insights {
        let source = docs
            .iter()
            .find(|d| d.name == insight.doc)
            .map(|d| d.text.as_str())
            .unwrap_or_default();
        let line = source.lines().nth(insight.line_start - 1).unwrap_or_default();
        assert_eq!(insight.line_start, insight.line_end, "{}", insight.location());
        assert_eq!(insight.text, line.trim(), "{}", insight.location());
    }
}

#[test]
fn seeds_lose_every_piece_of_boilerplate() {
    let insights = split_documents(&seeds(), &SplitOptions::default()).expect("split");
    for banned in [
        "Related Insights",
        "podcast brief",
        "We scan new podcasts",
        "Dear friends",
        "Keep building",
        "RiffOn",
    ] {
        assert!(insights.iter().all(|i| !i.text.contains(banned)), "{banned} survived");
    }
    assert!(insights.iter().all(|i| i.text != "Andrew"));
    assert!(
        insights.iter().all(|i| i.text.split_whitespace().count() >= 19),
        "only full paragraphs remain"
    );
}

#[test]
fn seeds_keep_known_paragraphs_verbatim_with_their_lines() {
    let insights = split_documents(&seeds(), &SplitOptions::default()).expect("split");
    let find = |start: &str| {
        insights
            .iter()
            .find(|i| i.text.starts_with(start))
            .cloned()
            .expect(start)
    };
    let short = find("Given AI’s strategic importance");
    assert_eq!(
        short.text,
        "Given AI’s strategic importance, nations want to ensure no foreign power can cut off their access. Hence, \
         sovereign AI."
    );
    assert!(short.doc.ends_with("002_4a29f04a0ddfd58e.txt"));
    assert_eq!((short.line_start, short.line_end), (6, 6));
    let last = insights
        .iter()
        .rfind(|i| i.doc.ends_with("001_a3d39b248739e657.txt"))
        .expect("001");
    assert!(
        last.text
            .starts_with("The 2020 research formalizing AI's \"scaling laws\""),
        "{}",
        last.text
    );
    assert_eq!((last.line_start, last.line_end), (27, 27));
    let first = &insights[0];
    assert!(first
        .text
        .starts_with("The White House's Michael Kratsios reframes \"AI sovereignty\""));
    assert!(first
        .text
        .ends_with("(\"They build it. It's yours.\") rather than remaining dependent on subscriptions."));
    assert_eq!((first.line_start, first.line_end), (1, 1));
    let dear = insights
        .iter()
        .find(|i| i.doc.ends_with("002_4a29f04a0ddfd58e.txt"))
        .expect("002");
    assert!(dear.text.starts_with("U.S. policies are driving allies away"));
    assert_eq!(dear.line_start, 2);
}

#[test]
fn seeds_boilerplate_is_caught_without_min_words_and_kept_with_keep_all() {
    let docs = seeds();
    let no_min = SplitOptions {
        rules: Rule::ALL[1..].to_vec(),
        ..SplitOptions::default()
    };
    assert_eq!(
        split_documents(&docs, &no_min).expect("split").len(),
        43,
        "the other rules suffice"
    );
    let only_min = SplitOptions {
        rules: vec![Rule::MinWords],
        ..SplitOptions::default()
    };
    let kept: Vec<String> = split_documents(&docs, &only_min)
        .expect("split")
        .into_iter()
        .map(|i| i.text)
        .collect();
    assert_eq!(
        kept.len(),
        46,
        "min-words alone misses the long titles and the promo sentence"
    );
    assert!(kept.iter().any(|t| t.ends_with("| RiffOn")));
    assert!(kept.iter().any(|t| t == "Get your free personalized podcast brief"));
    assert!(kept
        .iter()
        .any(|t| t == "We scan new podcasts and send you the top 5 insights daily."));
    let all = split_documents(
        &docs,
        &SplitOptions {
            keep_all: true,
            ..SplitOptions::default()
        },
    )
    .expect("split");
    assert_eq!(all.len(), 51);
    assert!(all.iter().any(|i| i.text == "Andrew" && i.line_start == 13));
    assert!(all.iter().any(|i| i.text == "Related Insights"));
}

#[test]
fn seeds_split_into_sentences_and_lines() {
    let docs = seeds();
    let sentences = split_documents(
        &docs,
        &SplitOptions {
            mode: SplitMode::Sentence,
            ..SplitOptions::default()
        },
    );
    let sentences = sentences.expect("split");
    assert!(sentences
        .iter()
        .any(|i| i.text == "The US and China have divergent AI strategies."));
    assert!(sentences
        .iter()
        .any(|i| i.text == "It's a complex 2x2 matrix: US vs. China and Open Source vs. Closed Source."));
    assert!(sentences.iter().all(|i| !i.text.contains("Keep building")));
    let lines = split_documents(
        &docs,
        &SplitOptions {
            mode: SplitMode::Line,
            ..SplitOptions::default()
        },
    );
    assert_eq!(lines.expect("split").len(), 43, "seed paragraphs are single lines");
}
