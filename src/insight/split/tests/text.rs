//! Text and Markdown splitting: paragraphs, wrapping, lists, headings, sentences, lines, rules, odd inputs.

use super::*;

#[test]
fn a_wrapped_paragraph_is_joined_with_its_line_range() {
    let text =
        "Short title\n\nThis paragraph was wrapped by an editor\nat a narrow width, so it spans\nthree lines.\n\nEnd.";
    let insights = split(doc("w.txt", DocFormat::Text, text), &SplitOptions::default());
    assert_eq!(insights.len(), 1);
    assert_eq!(
        insights[0].text,
        "This paragraph was wrapped by an editor at a narrow width, so it spans three lines."
    );
    assert_eq!((insights[0].line_start, insights[0].line_end), (3, 5));
    assert_eq!(insights[0].location(), "w.txt:3-5");
}

#[test]
fn short_sentence_lines_are_one_wrapped_paragraph_but_long_ones_are_paragraphs() {
    let wrapped = "One sentence a line is a style.\nIt wraps at each sentence end.\nIt is still one paragraph.";
    assert_eq!(texts(wrapped, &SplitOptions::default()).len(), 1);
    let long = "A".repeat(LONG_LINE_CHARS - 20);
    let text = format!("{long} first long line ends here.\n{long} second long line ends here.\nShort tail line ends.");
    assert_eq!(texts(&text, &mode(SplitMode::Paragraph)).len(), 3);
    let unended = format!("{long} first long line goes on and\n{long} second long line also ends.");
    assert_eq!(
        texts(&unended, &SplitOptions::default()).len(),
        1,
        "a wide-wrapped paragraph stays whole"
    );
}

#[test]
fn markdown_bullets_are_insights_and_headings_are_not() {
    let text = "---\ntitle: Front matter is not an insight\n---\n# A Heading That Is Long Enough To Count\n\n\
                Intro paragraph with enough words in it.\n\n- First bullet with enough words\n* Second bullet that \
                wraps\n  onto a continuation line\n+ Third bullet with five words\n1. Numbered item with enough \
                words\n2) Another numbered item with words\n- [x] A done task with words\n\nSetext Heading Words \
                Here Now\n=======\n\n```\nlet code = \"is not an insight at all\";\n```\n\n> Quoted text that is \
                worth keeping here.\n\n***\n\n## Closing heading words here too";
    assert_eq!(
        md_texts(text),
        [
            "Intro paragraph with enough words in it.",
            "First bullet with enough words",
            "Second bullet that wraps onto a continuation line",
            "Third bullet with five words",
            "Numbered item with enough words",
            "Another numbered item with words",
            "A done task with words",
            "Quoted text that is worth keeping here.",
        ]
    );
    let items = split(doc("t.md", DocFormat::Markdown, text), &SplitOptions::default());
    assert_eq!((items[2].line_start, items[2].line_end), (9, 10));
}

#[test]
fn sentences_are_not_cut_at_abbreviations_initials_or_decimals() {
    let text = "Dr. Smith met Mr. Jones at the U.S. Capitol on Jan. 5 to discuss it. Prices rose 3.5 percent, e.g. \
                for housing. George W. Bush spoke! Did it work? Growth slowed in the U.S. The outlook is \
                uncertain... Who knows. He said \"it is over.\" Then he left (as planned. Really.) quietly.";
    assert_eq!(
        texts(text, &mode(SplitMode::Sentence)),
        [
            "Dr. Smith met Mr. Jones at the U.S. Capitol on Jan. 5 to discuss it.",
            "Prices rose 3.5 percent, e.g. for housing.",
            "George W. Bush spoke!",
            "Did it work?",
            "Growth slowed in the U.S.",
            "The outlook is uncertain...",
            "Who knows.",
            "He said \"it is over.\"",
            "Then he left (as planned. Really.) quietly.",
        ]
    );
}

#[test]
fn sentences_carry_the_lines_they_span() {
    let text = "First sentence is on line one. Second one starts\nhere and ends on line two. Third\nsits on three.";
    let insights = split(doc("s.txt", DocFormat::Text, text), &mode(SplitMode::Sentence));
    let spans: Vec<(usize, usize)> = insights.iter().map(|i| (i.line_start, i.line_end)).collect();
    assert_eq!(spans, [(1, 1), (1, 2), (2, 3)]);
    assert_eq!(insights[1].text, "Second one starts here and ends on line two.");
}

#[test]
fn line_mode_takes_each_non_empty_line() {
    let text = "Line one has words.\n\n  Line   two has   spaces.  \nline three continues\n- a bullet line here";
    let opts = SplitOptions {
        mode: SplitMode::Line,
        keep_all: true,
        ..SplitOptions::default()
    };
    let insights = split(doc("l.txt", DocFormat::Text, text), &opts);
    let got: Vec<(usize, &str)> = insights.iter().map(|i| (i.line_start, i.text.as_str())).collect();
    assert_eq!(
        got,
        [
            (1, "Line one has words."),
            (3, "Line two has spaces."),
            (4, "line three continues"),
            (5, "a bullet line here")
        ]
    );
    // The boilerplate rules judge whole paragraphs: lines 3-4 make a title-like paragraph with no sentence end.
    let judged = texts(text, &mode(SplitMode::Line));
    assert_eq!(judged, ["Line one has words.", "a bullet line here"]);
}

#[test]
fn newsletter_boilerplate_is_dropped_by_named_rules() {
    let text = "Hi everyone,\n\nWelcome back!\n\nOpen models are catching up with closed ones on most benchmarks.\n\n\
                Subscribe to our newsletter to get this in your inbox.\n\nThe Weekly Digest | Example Site\n\n\
                Thanks for reading!\n\nBest,\nJane";
    assert_eq!(
        texts(text, &SplitOptions::default()),
        ["Open models are catching up with closed ones on most benchmarks."]
    );
    let each = |rule: Rule| SplitOptions {
        rules: vec![rule],
        min_words: 0,
        ..SplitOptions::default()
    };
    let kept = |rule: Rule| texts(text, &each(rule));
    assert!(!kept(Rule::Title)
        .iter()
        .any(|t| t.contains("Example Site") || t == "Hi everyone,"));
    assert!(!kept(Rule::Salutation)
        .iter()
        .any(|t| t == "Hi everyone," || t == "Welcome back!"));
    assert!(!kept(Rule::SignOff)
        .iter()
        .any(|t| t == "Thanks for reading!" || t == "Best, Jane"));
    assert!(!kept(Rule::Promo).iter().any(|t| t.starts_with("Subscribe")));
    assert_eq!(
        texts(
            text,
            &SplitOptions {
                keep_all: true,
                ..SplitOptions::default()
            }
        )
        .len(),
        7
    );
}

#[test]
fn rules_spare_content_lists_and_long_paragraphs() {
    let text = "Why local models matter:\n\n- Your data stays private\n- No vendor lock-in\n- Predictable costs";
    assert_eq!(
        texts(text, &mode(SplitMode::Paragraph)),
        ["Your data stays private", "No vendor lock-in", "Predictable costs"]
    );
    let long =
        "Vendors that send you weekly reports about subscriptions and newsletters tend to see lower churn, because \
                regular contact keeps the product in mind and gives customers a reason to renew when the contract \
                comes up for review next year.";
    assert_eq!(texts(long, &SplitOptions::default()), [long]);
}

#[test]
fn text_is_cleaned_but_unicode_kept() {
    let text = "  The “America first”\tapproach —  and its\u{a0}costs —\nare real.  ";
    assert_eq!(
        texts(text, &SplitOptions::default()),
        ["The “America first” approach — and its costs — are real."]
    );
}

#[test]
fn rule_names_round_trip() {
    for rule in Rule::ALL {
        assert_eq!(rule.name().parse::<Rule>(), Ok(rule));
        assert_eq!(rule.to_string(), rule.name());
    }
    assert_eq!("SIGN_OFF".parse::<Rule>(), Ok(Rule::SignOff));
    assert!("footer"
        .parse::<Rule>()
        .unwrap_err()
        .contains("min-words, title, salutation, sign-off, promo"));
}

#[test]
fn crlf_documents_split_like_lf_ones() {
    let lf = "Title line\n\nA paragraph that wraps\nover two lines.\n\n- a bullet item here\n";
    let crlf = lf.replace('\n', "\r\n");
    let a = split(doc("x.md", DocFormat::Markdown, lf), &mode(SplitMode::Paragraph));
    let b = split(doc("x.md", DocFormat::Markdown, &crlf), &mode(SplitMode::Paragraph));
    assert_eq!(a, b);
    assert_eq!(a.len(), 2);
    assert!(b.iter().all(|i| !i.text.contains('\r')));
}

#[test]
fn odd_inputs_never_panic_and_lines_stay_in_range() {
    let odd = [
        "",
        "\n\n",
        ".",
        "...",
        "- ",
        "-",
        "```",
        "```\nunclosed fence",
        "#",
        "“",
        "1.",
        "a.b.c. D",
        "(((",
        "\"",
        "! ? .",
        "é.\u{301} Ü",
        "\r",
        "---",
        "---\nfront: matter",
        "> ",
        ">>> deep quote.",
        "* * *",
        "10) x",
        "\u{feff}Hi.",
    ];
    for text in odd {
        for format in [DocFormat::Text, DocFormat::Markdown] {
            for split_mode in [SplitMode::Paragraph, SplitMode::Sentence, SplitMode::Line] {
                let opts = SplitOptions {
                    mode: split_mode,
                    keep_all: true,
                    ..SplitOptions::default()
                };
                let lines = text.split('\n').count();
                for insight in split(doc("o", format, text), &opts) {
                    assert!(
                        1 <= insight.line_start && insight.line_start <= insight.line_end,
                        "{text:?}"
                    );
                    assert!(insight.line_end <= lines && !insight.text.is_empty(), "{text:?}");
                }
            }
        }
    }
}

#[test]
fn a_paragraph_over_the_bound_is_cut_into_insights_of_whole_sentences_with_their_lines() {
    // 3,000 hard-wrapped lines of two sentences each: one paragraph of about 190 KB, three 64 KiB pieces.
    let lines: Vec<String> = (0..3000)
        .map(|i| format!("Claim number {i} holds here. It rests on a reason of its own."))
        .collect();
    let doc = Document {
        name: "long.txt".into(),
        text: lines.join("\n"),
        format: DocFormat::Text,
        modified: None,
    };
    let insights = split_documents(std::slice::from_ref(&doc), &SplitOptions::default()).unwrap();
    assert_eq!(insights.len(), 3);
    assert!(insights.iter().all(|i| i.text.len() <= MAX_INSIGHT_BYTES));
    // Every sentence is kept, whole, in order, and each piece says which lines it came from.
    let joined: Vec<&str> = insights.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(joined.join(" "), lines.join(" "));
    for pair in insights.windows(2) {
        assert!(pair[0].line_end <= pair[1].line_start);
        assert!(pair[1].text.starts_with("Claim number") || pair[1].text.starts_with("It rests"));
    }
    assert_eq!((insights[0].line_start, insights.last().unwrap().line_end), (1, 3000));
    let first_end = insights[0].line_end;
    assert!(lines[first_end - 1].contains(insights[0].text.rsplit(". ").next().unwrap()));
}
