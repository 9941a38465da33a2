//! Terminal text for each command: headings, scores, provenance (`doc:lines`) and wrapped insight texts.

use std::io::{self, Write};

use super::{Report, Style};
use crate::analysis::documents::DocumentOriginality;
use crate::analysis::duplicates::{DuplicateGroup, DuplicateKind};
use crate::analysis::neighbours::Link;
use crate::analysis::similar::{Match, Similar, Verdict};
use crate::analysis::topics::Topic;
use crate::index::{Hit, Index};

fn score(style: &Style, s: f32) -> String {
    style.green(&format!("{s:.2}"))
}

fn location(style: &Style, index: &Index, i: usize) -> String {
    style.dim(&index.insights[i].location())
}

/// `, sentence at LINE:COL-LINE:COL` when a match was made by a sentence whose place in its document is known.
fn sentence_place(index: &Index, m: &Match) -> String {
    let place = m
        .matching_sentence()
        .and_then(|row| index.sentences.as_ref()?.layout.places[row]);
    place.map_or(String::new(), |p| {
        format!(
            ", sentence at {}:{}-{}:{}",
            p.line_start, p.column_start, p.line_end, p.column_end
        )
    })
}

/// The answer to `insights similar`.
pub fn similar(out: &mut dyn Write, style: &Style, index: &Index, query: &str, result: &Similar) -> io::Result<()> {
    writeln!(
        out,
        "{}",
        style.bold(&format!("\"{}\"", Style::clip(query, style.width.saturating_sub(2))))
    )?;
    match &result.verdict {
        Verdict::SaidBefore(m) => writeln!(
            out,
            "{} claim score {} (match {}) with {}{}",
            style.yellow("Said before:"),
            score(style, result.claim_score),
            score(style, m.hit.score),
            location(style, index, m.hit.index),
            style.dim(&sentence_place(index, m))
        )?,
        Verdict::Related(m) | Verdict::New(Some(m)) => {
            let (label, what) = match result.verdict {
                Verdict::Related(_) => (style.cyan("Related:"), "same subject, another claim: the closest"),
                _ => (style.green("New:"), "the closest"),
            };
            writeln!(
                out,
                "{label} {what} insight matches at {} ({})",
                score(style, m.hit.score),
                location(style, index, m.hit.index)
            )?
        }
        Verdict::New(None) => writeln!(out, "{} the index is empty", style.green("New:"))?,
    }
    if result.hits.is_empty() {
        return writeln!(out, "{}", style.dim("No insight reaches the minimum score."));
    }
    for (rank, s) in result.hits.iter().enumerate() {
        let h = s.found.hit;
        writeln!(
            out,
            "{:>3}. {}  {}",
            rank + 1,
            score(style, h.score),
            location(style, index, h.index)
        )?;
        if !s.copies.is_empty() {
            let copies: Vec<String> = s.copies.iter().map(|&c| index.insights[c].location()).collect();
            writeln!(
                out,
                "       {}",
                style.dim(&format!("same text also at {}", copies.join(", ")))
            )?;
        }
        let text = &index.insights[h.index].text;
        // The best sentence is marked when it, not the whole insight, made the match.
        let sentence = s
            .found
            .matching_sentence()
            .and_then(|row| Some(index.sentences.as_ref()?.layout.spans[row].clone()));
        match sentence {
            // The sentence that matched, marked in place between » and «.
            Some(span) => {
                let marked = format!("{}»{}«{}", &text[..span.start], &text[span.clone()], &text[span.end..]);
                writeln!(out, "{}", style.wrap(&marked, "       "))?;
            }
            None => writeln!(out, "{}", style.wrap(text, "       "))?,
        }
    }
    Ok(())
}

/// `insights neighbors`: each insight that has neighbours in other documents.
pub fn neighbours(out: &mut dyn Write, style: &Style, index: &Index, neighbours: &[Vec<Hit>]) -> io::Result<()> {
    let with = neighbours.iter().filter(|n| !n.is_empty()).count();
    writeln!(
        out,
        "{}",
        style.bold(&format!(
            "{with} of {} insights have neighbours in other documents",
            index.len()
        ))
    )?;
    for (i, hits) in neighbours.iter().enumerate().filter(|(_, h)| !h.is_empty()) {
        writeln!(out)?;
        writeln!(out, "{}", location(style, index, i))?;
        writeln!(out, "{}", style.wrap(&Style::clip(&index.insights[i].text, 240), "  "))?;
        for h in hits {
            writeln!(
                out,
                "    {}  {}",
                score(style, h.score),
                location(style, index, h.index)
            )?;
            let clipped = Style::clip(&index.insights[h.index].text, style.width.saturating_sub(10));
            writeln!(out, "          {}", style.dim(&clipped))?;
        }
    }
    Ok(())
}

/// `insights duplicates`: each group, its kind, its text and where it appears.
pub fn duplicates(out: &mut dyn Write, style: &Style, index: &Index, groups: &[DuplicateGroup]) -> io::Result<()> {
    if groups.is_empty() {
        return writeln!(out, "{}", style.bold("No insight is repeated across documents."));
    }
    writeln!(
        out,
        "{}",
        style.bold(&format!(
            "{} groups of insights repeated across documents",
            groups.len()
        ))
    )?;
    for (n, g) in groups.iter().enumerate() {
        let docs = index.documents_of(&g.members);
        writeln!(out)?;
        writeln!(
            out,
            "{} {} in {} documents (score {})",
            style.bold(&format!("{}.", n + 1)),
            style.cyan(DuplicateKind::name(g.kind)),
            docs.len(),
            score(style, g.score)
        )?;
        writeln!(
            out,
            "{}",
            style.wrap(&Style::clip(&index.insights[g.members[0]].text, 300), "   ")
        )?;
        for &m in &g.members {
            writeln!(out, "   - {}", location(style, index, m))?;
        }
    }
    Ok(())
}

/// `insights clusters`: each topic with keywords, representative and members.
pub fn topics(
    out: &mut dyn Write,
    style: &Style,
    index: &Index,
    topics: &[Topic],
    unclustered: &[usize],
) -> io::Result<()> {
    writeln!(
        out,
        "{}",
        style.bold(&format!("{} topics over {} insights", topics.len(), index.len()))
    )?;
    for t in topics {
        writeln!(out)?;
        topic_heading(out, style, t, "   ")?;
        writeln!(out, "{}", style.wrap(&index.insights[t.representative].text, "   "))?;
        for &m in &t.members {
            let clipped = Style::clip(&index.insights[m].text, style.width.saturating_sub(40).max(30));
            writeln!(out, "   - {}  {}", location(style, index, m), style.dim(&clipped))?;
        }
    }
    if !unclustered.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", style.bold(&format!("Unclustered ({})", unclustered.len())))?;
        for &m in unclustered {
            writeln!(out, "   - {}", location(style, index, m))?;
        }
    }
    Ok(())
}

/// A topic's heading line, then its sub-topics' keywords indented by `indent`.
fn topic_heading(out: &mut dyn Write, style: &Style, t: &Topic, indent: &str) -> io::Result<()> {
    writeln!(
        out,
        "{} {}  {}",
        style.bold(&format!("Topic {}", t.id)),
        style.dim(&format!(
            "({} insights, {} documents)",
            t.members.len(),
            t.documents.len()
        )),
        style.cyan(&t.keywords.join(", "))
    )?;
    if !t.subtopics.is_empty() {
        let parts: Vec<String> = t
            .subtopics
            .iter()
            .map(|s| {
                format!(
                    "{} ({})",
                    s.keywords.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
                    s.members.len()
                )
            })
            .collect();
        writeln!(
            out,
            "{}",
            style.wrap(&format!("sub-topics: {}", parts.join(" · ")), indent)
        )?;
    }
    Ok(())
}

fn links(out: &mut dyn Write, style: &Style, index: &Index, links: &[Link]) -> io::Result<()> {
    for l in links {
        writeln!(
            out,
            "  {}  {}  <->  {}",
            score(style, l.score),
            location(style, index, l.a),
            location(style, index, l.b)
        )?;
        writeln!(
            out,
            "{}",
            style.wrap(&Style::clip(&index.insights[l.a].text, 200), "        ")
        )?;
    }
    Ok(())
}

fn originality(out: &mut dyn Write, style: &Style, index: &Index, docs: &[DocumentOriginality]) -> io::Result<()> {
    for d in docs {
        let share = if d.insights == 0 {
            0.0
        } else {
            100.0 * d.original as f64 / d.insights as f64
        };
        let date = d.date.map_or(String::new(), |x| {
            style.dim(&format!("  {} ({})", x.date, x.source.name()))
        });
        writeln!(
            out,
            "  {}{date}  {} of {} insights original ({share:.0}%)",
            style.bold(&d.doc),
            d.original,
            d.insights
        )?;
        for r in &d.repeats {
            let first = if r.first == r.insight {
                "first appeared here".to_string()
            } else {
                format!("first in {}", index.insights[r.first].location())
            };
            let clipped = Style::clip(&index.insights[r.insight].text, 60);
            writeln!(
                out,
                "    {} line {}: {}  {}",
                style.yellow("repeat"),
                index.insights[r.insight].line_start,
                style.dim(&first),
                style.dim(&format!("\"{clipped}\""))
            )?;
        }
    }
    Ok(())
}

/// `insights report`: the corpus summary, topics, strongest links, duplicates and per-document originality.
pub fn report(out: &mut dyn Write, style: &Style, index: &Index, r: &Report) -> io::Result<()> {
    let docs = index.documents();
    writeln!(out, "{}", style.bold("Corpus"))?;
    writeln!(
        out,
        "  {} documents, {} insights, {} topics  {}",
        docs.len(),
        index.len(),
        r.topics.len(),
        style.dim(&format!(
            "(model {}, split {})",
            index.meta.kind.model_id,
            index.meta.split.describe()
        ))
    )?;
    writeln!(out)?;
    writeln!(out, "{}", style.bold("Topics"))?;
    for t in r.topics {
        write!(out, "  ")?;
        topic_heading(out, style, t, "     ")?;
        let rep = Style::clip(&index.insights[t.representative].text, 220);
        writeln!(out, "{}", style.wrap(&rep, "     "))?;
        writeln!(
            out,
            "{}",
            style.dim(&style.wrap(&format!("in: {}", t.documents.join(", ")), "     "))
        )?;
    }
    if !r.unclustered.is_empty() {
        writeln!(out, "  Unclustered: {} insights", r.unclustered.len())?;
    }
    writeln!(out)?;
    writeln!(out, "{}", style.bold("Strongest links across documents"))?;
    if r.links.is_empty() {
        writeln!(out, "  none above the minimum score")?;
    }
    links(out, style, index, r.links)?;
    writeln!(out)?;
    writeln!(out, "{}", style.bold("Repeated across documents"))?;
    if r.duplicates.is_empty() {
        writeln!(out, "  no insight is repeated across documents")?;
    }
    for g in r.duplicates {
        let locs: Vec<String> = g.members.iter().map(|&m| index.insights[m].location()).collect();
        writeln!(
            out,
            "  {} x{}  {}",
            style.cyan(DuplicateKind::name(g.kind)),
            g.members.len(),
            style.dim(&locs.join("  "))
        )?;
        writeln!(
            out,
            "{}",
            style.wrap(&Style::clip(&index.insights[g.members[0]].text, 160), "     ")
        )?;
    }
    writeln!(out)?;
    writeln!(out, "{}", style.bold("Documents"))?;
    originality(out, style, index, r.originality)
}
