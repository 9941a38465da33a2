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
