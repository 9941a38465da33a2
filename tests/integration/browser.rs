//! The report's page in a real headless Chromium: every insight drawn, hover, search, click, no console error, no
//! network request, a screenshot that is not blank, and the same bytes on every run.

use std::path::Path;

use serde_json::Value;

use crate::cdp::Browser;
use crate::cli_embed::insights;

/// Writes the seeds' page to `path` with `insights report seeds/ --html`, run in the repository as the README does.
fn write_page(path: &Path) {
    let out = insights()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["report", "seeds/", "-q", "--html", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(report.contains("Topics"), "the terminal report stays: {report}");
}

/// The page's own data, read back from its script element.
fn page_data(html: &str) -> Value {
    let start = html.find("id=\"insights-data\">").unwrap() + "id=\"insights-data\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

/// The page's texts: gzip-compressed, base64, joined by newlines.
fn unpack_texts(packed: &str) -> Vec<String> {
    use std::io::Read;
    let mut text = String::new();
    flate2::read::GzDecoder::new(&crate::cdp::base64_decode(packed)[..])
        .read_to_string(&mut text)
        .unwrap();
    text.split('\n').map(str::to_string).collect()
}

/// Decodes a PNG into (width, height, RGBA or RGB bytes, bytes per pixel).
fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>, usize) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf, info.color_type.samples())
}

#[test]
fn the_seeds_page_draws_every_insight_answers_hover_search_and_click_and_fetches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("seeds.html");
    write_page(&page);
    let html = std::fs::read_to_string(&page).unwrap();
    let again = dir.path().join("again.html");
    write_page(&again);
    assert_eq!(
        std::fs::read(&again).unwrap(),
        html.as_bytes(),
        "two runs give the same bytes"
    );

    let data = page_data(&html);
    let texts = unpack_texts(data["texts"].as_str().unwrap());
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    assert_eq!(texts.len(), 43, "the seeds' 43 insights");
    assert_eq!(
        data["points"].as_array().unwrap().len(),
        43,
        "each insight is one point"
    );

    let mut browser = Browser::launch(1400, 900);
    let url = format!("file://{}", page.display());
    browser.open(&url);
    assert_eq!(browser.eval("insightsMapReady.then(map => map.count)"), 43);
    assert_eq!(browser.eval("insightsMap.drawn"), 43, "every point is drawn");

    // Hover an isolated point: the tooltip shows its text.
    let isolated = browser.eval(
        "(() => { const s = [...Array(insightsMap.count).keys()].map(i => insightsMap.screenOf(i));
           return s.findIndex((p, i) => s.every((q, j) => j === i || Math.hypot(p[0] - q[0], p[1] - q[1]) > 12)); })()",
    );
    let i = isolated.as_i64().expect("an isolated point") as usize;
    let at = browser.eval(&format!("insightsMap.screenOf({i})"));
    let (x, y) = (at[0].as_f64().unwrap(), at[1].as_f64().unwrap());
    browser.mouse("mouseMoved", x, y);
    assert_eq!(browser.eval("insightsMap.hovered"), i as i64);
    let tooltip = browser
        .eval("document.getElementById('tooltip').hidden ? null : document.getElementById('tooltip').textContent");
    let shown = tooltip.as_str().expect("the tooltip is shown");
    let start: String = texts[i].chars().take(60).collect();
    assert!(shown.starts_with(&start), "tooltip {shown:?} for {:?}", texts[i]);

    // Search "Huawei": exactly the insights whose text contains it are highlighted.
    browser.eval("document.getElementById('search').focus()");
    browser.call("Input.insertText", serde_json::json!({ "text": "Huawei" }));
    let want: Vec<i64> = (0..texts.len() as i64)
        .filter(|&k| texts[k as usize].to_lowercase().contains("huawei"))
        .collect();
    assert!(!want.is_empty());
    let got: Vec<i64> = browser
        .eval("insightsMap.highlighted")
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(got, want);

    // Click a point that has neighbours: they are listed beside the map.
    let neighbours = data["neighbours"].as_array().unwrap();
    let with_neighbours = (0..texts.len())
        .find(|&k| !neighbours[k].as_array().unwrap().is_empty())
        .unwrap();
    browser.eval("document.getElementById('search').value = ''; document.getElementById('search').dispatchEvent(new Event('input'))");
    let at = browser.eval(&format!("insightsMap.screenOf({with_neighbours})"));
    let (x, y) = (at[0].as_f64().unwrap(), at[1].as_f64().unwrap());
    browser.mouse("mouseMoved", x, y);
    browser.mouse("mousePressed", x, y);
    browser.mouse("mouseReleased", x, y);
    let clicked = browser.eval("insightsMap.selected").as_i64().unwrap() as usize;
    let listed = browser.eval("[...document.querySelectorAll('#neighbour-list li')].map(li => li.textContent)");
    let listed = listed.as_array().unwrap();
    let expected = neighbours[clicked].as_array().unwrap();
    assert!(!expected.is_empty(), "the clicked point {clicked} has neighbours");
    assert_eq!(listed.len(), expected.len());
    for (item, neighbour) in listed.iter().zip(expected) {
        let text = texts[neighbour[0].as_u64().unwrap() as usize];
        let start: String = text.chars().take(40).collect();
        assert!(item.as_str().unwrap().contains(&start), "{item} lists {text:?}");
    }

    // A screenshot that is not blank: many colours, and a good share of pixels that are not the background.
    let shot = browser.screenshot();
    let (width, height, pixels, channels) = decode_png(&shot);
    assert_eq!((width, height), (1400, 900));
    let mut colours = std::collections::HashSet::new();
    let mut inked = 0usize;
    for px in pixels.chunks_exact(channels) {
        colours.insert([px[0], px[1], px[2]]);
        if px[0] < 200 || px[1] < 200 || px[2] < 200 {
            inked += 1;
        }
    }
    assert!(colours.len() > 50, "{} colours", colours.len());
    assert!(inked * 100 > (width * height) as usize, "{inked} dark pixels");
    let keep = std::env::var_os("INSIGHTS_UPDATE_SCREENSHOT").is_some();
    let target = if keep {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/seeds-map.png")
    } else {
        dir.path().join("seeds-map.png")
    };
    std::fs::write(&target, &shot).unwrap();

    // Nothing went wrong, and nothing was fetched but the page itself.
    let errors = browser.errors();
    assert!(errors.is_empty(), "{errors:?}");
    let requests = browser.requests();
    assert!(requests.iter().all(|r| *r == url), "{requests:?}");
}
