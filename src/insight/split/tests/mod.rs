//! Tests of the splitter: the seed corpus as acceptance fixture, then each rule and mode on small documents.

mod jsonl;
mod seeds;
mod text;

use std::path::Path;

use super::*;
use crate::document::read_inputs;

/// The seed corpus, read as the CLI would read `seeds/`.
fn seeds() -> Vec<Document> {
    read_inputs(&[Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds")])
        .expect("seeds read")
        .documents
}

/// A document with a name and format.
fn doc(name: &str, format: DocFormat, text: &str) -> Document {
    Document {
        name: name.to_string(),
        text: text.to_string(),
        format,
        modified: None,
    }
}

/// The texts of splitting one text document.
fn texts(text: &str, opts: &SplitOptions) -> Vec<String> {
    split(doc("t.txt", DocFormat::Text, text), opts)
        .into_iter()
        .map(|i| i.text)
        .collect()
}

/// The texts of splitting one Markdown document with default options.
fn md_texts(text: &str) -> Vec<String> {
    split(doc("t.md", DocFormat::Markdown, text), &SplitOptions::default())
        .into_iter()
        .map(|i| i.text)
        .collect()
}

fn split(document: Document, opts: &SplitOptions) -> Vec<Insight> {
    split_documents(&[document], opts).expect("text never fails")
}

/// Options with one mode and no minimum length.
fn mode(mode: SplitMode) -> SplitOptions {
    SplitOptions {
        mode,
        min_words: 1,
        ..SplitOptions::default()
    }
}

#[test]
fn settings_are_recorded_and_read_back_in_canonical_form() {
    let default = SplitOptions::default();
    assert_eq!(
        default.describe(),
        "paragraph min-words=5 rules=min-words,title,salutation,sign-off,promo"
    );
    let shuffled = SplitOptions {
        mode: SplitMode::Sentence,
        min_words: 3,
        rules: vec![Rule::Promo, Rule::Title, Rule::Promo],
        keep_all: false,
    };
    assert_eq!(shuffled.describe(), "sentence min-words=3 rules=title,promo");
    assert_eq!(SplitOptions::parse(&shuffled.describe()), Some(shuffled.canonical()));
    let none = SplitOptions {
        mode: SplitMode::Line,
        rules: Vec::new(),
        ..SplitOptions::default()
    };
    assert_eq!(SplitOptions::parse(&none.describe()), Some(none));
    // Keep-all overrides the rules and the threshold, so settings differing only in those are the same.
    let keep = |min_words| SplitOptions {
        min_words,
        keep_all: true,
        ..SplitOptions::default()
    };
    assert_eq!(keep(2).canonical(), keep(9).canonical());
    assert_eq!(SplitOptions::parse("paragraph keep-all"), Some(keep(5)));
    for bad in [
        "",
        "paragraph",
        "words min-words=5 rules=",
        "line min-words=x rules=",
        "line min-words=2 rules=nope",
        "line min-words=2 rules=promo,title",
        "line keep-all extra",
    ] {
        assert_eq!(SplitOptions::parse(bad), None, "{bad:?}");
    }
}
