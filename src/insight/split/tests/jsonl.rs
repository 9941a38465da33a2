//! JSONL documents: one insight a record, and errors naming file and line.

use super::*;

#[test]
fn jsonl_records_are_insights_with_id_and_doc() {
    let text = "{\"text\": \"  First   record. \", \"id\": \"a1\"}\n\n{\"text\": \"Andrew\", \"id\": 42, \"doc\": \
                \"letters/andrew.txt\"}\n{\"text\": \"   \"}\n{\"text\": \"Third record\", \"id\": null}\n";
    let insights = split(doc("corpus.jsonl", DocFormat::Jsonl, text), &SplitOptions::default());
    let got: Vec<(&str, usize, &str, Option<&str>)> = insights
        .iter()
        .map(|i| (i.doc.as_str(), i.line_start, i.text.as_str(), i.source_id.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("corpus.jsonl", 1, "First record.", Some("a1")),
            ("letters/andrew.txt", 3, "Andrew", Some("42")),
            ("corpus.jsonl", 5, "Third record", None),
        ]
    );
    assert!(insights.iter().all(|i| i.line_start == i.line_end));
}

#[test]
fn jsonl_errors_name_file_and_line() {
    let cases = [
        (
            "{\"text\": \"ok\"}\n{\"text\": \"broken\"\n",
            "corpus.jsonl:2: invalid JSON (EOF while parsing an object",
        ),
        (
            "{\"text\": \"ok\"}\n\n{\"id\": 1}\n",
            "corpus.jsonl:3: no \"text\" field",
        ),
        ("[1, 2]\n", "corpus.jsonl:1: expected a JSON object, found an array"),
        (
            "{\"text\": 5}\n",
            "corpus.jsonl:1: \"text\" must be a string, found a number",
        ),
        (
            "{\"text\": \"ok\", \"id\": [1]}\n",
            "corpus.jsonl:1: \"id\" must be a string or a number, found an array",
        ),
        (
            "{\"text\": \"ok\", \"doc\": 3}\n",
            "corpus.jsonl:1: \"doc\" must be a string, found a number",
        ),
    ];
    for (text, expected) in cases {
        let err = split_documents(&[doc("corpus.jsonl", DocFormat::Jsonl, text)], &SplitOptions::default());
        let message = err.expect_err(expected).to_string();
        assert!(message.starts_with(expected), "{message}");
    }
}
