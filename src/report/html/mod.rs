//! The report as one self-contained HTML page: a map of the corpus (every insight a point, placed by the layout,
//! coloured by topic) beside the report's topics, recurring arguments, strongest links and originality. Scripts,
//! styles and data are inline; the page makes no network request of any kind, and the same input gives the same
//! bytes.
//!
//! The page's data is one JSON object in a `<script type="application/json">` element ([`data`] owns its format);
//! `page.js` unpacks the texts and draws the map on a canvas. It also exposes `window.insightsMapReady`, a promise
//! of the interface the browser tests and the benchmark drive: `count`, `drawn`, `screenOf(i)`, `highlighted`,
//! `selected`, `hovered`, `firstPaintMs`, `panFrames(n)`.

mod data;

pub use data::Page;

use crate::index::Index;

const STYLE: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");

/// The whole page.
pub fn page(index: &Index, page: &Page) -> String {
    let json = data::page_data(index, page);
    let mut out = String::with_capacity(json.len() + STYLE.len() + SCRIPT.len() + 4096);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    // No request may leave the page: scripts and styles inline, nothing else at all.
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'; \
         style-src 'unsafe-inline'; img-src data:\">\n",
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    out.push_str(&escape_html(page.title));
    out.push_str("</title>\n<style>\n");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n");
    out.push_str(BODY);
    out.push_str("<script type=\"application/json\" id=\"insights-data\">");
    out.push_str(&json);
    out.push_str("</script>\n<script>\n");
    out.push_str(SCRIPT);
    out.push_str("</script>\n</body>\n</html>\n");
    out
}

/// The page's fixed markup; `page.js` fills it in.
const BODY: &str = r#"<header>
  <h1 id="title"></h1>
  <span id="summary"></span>
  <input id="search" type="search" placeholder="Search the insights' text" aria-label="Search">
  <span id="search-count"></span>
  <select id="document-filter" aria-label="Document"><option value="-1">All documents</option></select>
  <button id="reset" type="button">Reset view</button>
</header>
<main>
  <div id="map-pane"><canvas id="map"></canvas><div id="tooltip" hidden></div><div id="legend"></div></div>
  <aside id="side">
    <section id="selection"><h2>Selected</h2><p class="hint">Click a point to see its text, its nearest insights in other documents and the insights that make the same argument.</p></section>
    <section><h2>Topics</h2><ol id="topics"></ol></section>
    <section><h2>Recurring arguments</h2><ol id="groups"></ol></section>
    <section><h2>Strongest links across documents</h2><ol id="links"></ol></section>
    <section><h2>Originality by document</h2><ol id="originality"></ol></section>
  </aside>
</main>
"#;

/// `text` safe inside HTML elements and attribute values.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
