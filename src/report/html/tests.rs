//! The page: every insight once, its data safe inside `<script>`, nothing fetched, the same bytes every time.

use super::*;
use crate::analysis::duplicates::{DuplicateGroup, DuplicateKind};
use crate::analysis::neighbours::tests::index_of;
use crate::analysis::topics::Topic;
use crate::index::Hit;
use crate::report::Report;

#[test]
fn the_page_holds_every_insight_once_escapes_its_text_and_is_repeatable() {
    let mut index = index_of(&["a.txt", "a.txt", "b.txt"], &[[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]]);
    index.insights[0].text = "Huawei said </script><script>alert(1)</script> <!-- here".into();
    index.insights[2].text = "A \"quoted\" & <b>bold</b> claim".into();
    let topics = vec![Topic {
        id: 0,
        members: vec![0, 1],
        keywords: vec!["huawei".into()],
        representative: 0,
        documents: vec!["a.txt".into()],
        subtopics: Vec::new(),
    }];
    let groups = vec![DuplicateGroup {
        kind: DuplicateKind::Paraphrase,
        members: vec![1, 2],
        score: 0.9,
    }];
    let report = Report {
        topics: &topics,
        unclustered: &[2],
        k_choice: "auto",
        links: &[],
        duplicates: &groups,
        originality: &[],
    };
    let neighbours = vec![
        vec![Hit {
            index: 2,
            score: 0.51234,
        }],
        vec![],
        vec![],
    ];
    let positions = [[0.0, 0.0], [1.0, 0.5], [-2.0, 3.25]];
    let page_of = || {
        page(
            &index,
            &Page {
                title: "insights: <test>",
                report: &report,
                positions: &positions,
                neighbours: &neighbours,
            },
        )
    };
    let html = page_of();
    assert_eq!(html, page_of(), "the same input gives the same bytes");
    // The data script holds no "</" or "<!--" that could end it early; the text is still all there.
    let start = html.find("id=\"insights-data\">").unwrap();
    let end = start + html[start..].find("</script>").unwrap();
    let json = &html[start + "id=\"insights-data\">".len()..end];
    assert!(!json.contains("</") && !json.contains("<!--"), "{json}");
    let data: serde_json::Value = serde_json::from_str(json).unwrap();
    let texts = data::unpack_texts(data["texts"].as_str().unwrap());
    assert_eq!(texts.len(), 3);
    assert_eq!(texts[0], index.insights[0].text);
    assert_eq!(texts[2], index.insights[2].text);
    assert_eq!(data["points"].as_array().unwrap().len(), 3);
    assert_eq!(data["points"][2], serde_json::json!([-2.0, 3.25, -1, 1, 3, 3, -1]));
    assert_eq!(data["neighbours"][0], serde_json::json!([[2, 0.5123]]));
    assert_eq!(data["groups"][0]["kind"], "paraphrase");
    assert_eq!(data["topics"][0]["x"], 0.5);
    // The texts are in the data only (compressed), never also in the markup.
    assert!(!html.contains("bold"));
    assert!(html.contains("<title>insights: &lt;test&gt;</title>"));
    // Nothing is fetched: no URL but the policy that forbids them.
    for banned in ["http://", "https://", "src=\"", "href=\"", "@import", "url("] {
        assert!(!html.contains(banned), "{banned}");
    }
    assert!(html.contains("default-src 'none'"));
}
