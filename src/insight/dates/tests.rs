//! Documents' dates: parsing, sources, ordering.

use super::*;

fn day(text: &str) -> Day {
    Day::parse_start(text).expect("a date")
}

#[test]
fn days_round_trip_through_the_calendar() {
    assert_eq!(Day::from_ymd(1970, 1, 1), Some(Day(0)));
    assert_eq!(Day::from_ymd(2000, 3, 1).map(|d| d.0), Some(11_017));
    for n in [-500_000, -1, 0, 59, 60, 10_956, 19_782, 2_000_000] {
        let (y, m, d) = Day(n).ymd();
        if (1000..=9999).contains(&y) {
            assert_eq!(Day::from_ymd(y, m, d), Some(Day(n)), "{n}");
        }
    }
    assert_eq!(day("2024-02-29").to_string(), "2024-02-29");
    assert_eq!(Day::from_ymd(2023, 2, 29), None);
    assert_eq!(Day::from_ymd(1900, 2, 29), None);
    assert_eq!(Day::from_ymd(2024, 13, 1), None);
    assert_eq!(day("2024-05-01T09:30:00Z"), day("2024-05-01"));
    assert_eq!(Day::parse_start("2024-05-011"), None);
    assert_eq!(Day::parse_start("May 1, 2024"), None);
    let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(19_782 * 86_400 + 86_399);
    assert_eq!(Day::of_time(t), Some(Day(19_782)));
}

#[test]
fn days_read_from_a_file_are_taken_only_within_the_years_1000_to_9999() {
    // Found by the index fuzzer: a damaged day near i32::MAX overflowed the calendar arithmetic.
    assert_eq!(Day::from_days_since_epoch(i32::MAX), None);
    assert_eq!(Day::from_days_since_epoch(i32::MIN), None);
    let first = Day::from_ymd(1000, 1, 1).unwrap();
    let last = Day::from_ymd(9999, 12, 31).unwrap();
    assert_eq!(Day::from_days_since_epoch(first.days_since_epoch()), Some(first));
    assert_eq!(Day::from_days_since_epoch(last.days_since_epoch()), Some(last));
    assert_eq!(Day::from_days_since_epoch(first.days_since_epoch() - 1), None);
    assert_eq!(Day::from_days_since_epoch(last.days_since_epoch() + 1), None);
}

#[test]
fn dates_in_file_names_stand_apart() {
    assert_eq!(date_in_name("notes/2024-05-01-episode.md"), Some(day("2024-05-01")));
    assert_eq!(date_in_name("digest_2023_12_31.txt"), Some(day("2023-12-31")));
    assert_eq!(date_in_name("20240105 interview.txt"), Some(day("2024-01-05")));
    assert_eq!(
        date_in_name("2019/01/01/post.md"),
        None,
        "folders are not the file name"
    );
    assert_eq!(date_in_name("seeds/000_050be5057ca1e8ea.txt"), None);
    assert_eq!(date_in_name("a20240501b.txt"), None, "inside a word");
    assert_eq!(date_in_name("id-120240501.txt"), None, "inside a number");
    assert_eq!(date_in_name("2024-02-30.txt"), None, "no such day");
    assert_eq!(date_in_name("2024-05_01.txt"), None, "mixed separators");
}

#[test]
fn front_matter_gives_its_date() {
    let text = "---\ntitle: x\nDate: \"2024-03-05\"\n---\nBody.";
    assert_eq!(front_matter_date(text), Some(day("2024-03-05")));
    assert_eq!(
        front_matter_date("---\ntitle: x\n---\ndate: 2024-03-05\n"),
        None,
        "after the front matter"
    );
    assert_eq!(front_matter_date("date: 2024-03-05\n"), None, "no front matter");
    assert_eq!(front_matter_date("---\ndate: soon\n---\n"), None);
}

fn doc(name: &str, text: &str, modified: Option<SystemTime>) -> Document {
    Document {
        name: name.into(),
        text: text.into(),
        format: DocFormat::from_path(std::path::Path::new(name)),
        modified,
    }
}

#[test]
fn each_document_takes_the_first_source_allowed() {
    let mtime = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(19_000 * 86_400);
    let docs = [
        doc("a/2024-01-02-note.md", "---\ndate: 2023-06-07\n---\nText.", Some(mtime)),
        doc("b/2024-01-02-note.md", "Text.", Some(mtime)),
        doc("c.txt", "Text.", Some(mtime)),
        doc("-", "Text.", None),
        doc(
            "d.jsonl",
            "{\"text\": \"a\", \"doc\": \"x\", \"date\": \"2022-02-02\"}\n\
             {\"text\": \"b\", \"doc\": \"x\", \"date\": \"2021-01-01\"}\n\
             {\"text\": \"c\", \"doc\": \"2020-05-05 y\"}\n{\"text\": \"d\"}\n",
            Some(mtime),
        ),
    ];
    let got = |from| {
        document_dates(&docs, from)
            .into_iter()
            .map(|(name, d)| format!("{name}={}:{}", d.date, d.source.name()))
            .collect::<Vec<_>>()
    };
    let modified = Day(19_000).to_string();
    assert_eq!(
        got(DateFrom::Auto),
        [
            "2020-05-05 y=2020-05-05:file-name".to_string(),
            "a/2024-01-02-note.md=2023-06-07:front-matter".into(),
            "b/2024-01-02-note.md=2024-01-02:file-name".into(),
            format!("c.txt={modified}:modified"),
            format!("d.jsonl={modified}:modified"),
            "x=2021-01-01:field".into(),
        ]
    );
    assert_eq!(
        got(DateFrom::Content),
        ["a/2024-01-02-note.md=2023-06-07:front-matter", "x=2021-01-01:field"]
    );
    assert_eq!(got(DateFrom::Name).len(), 3);
    assert_eq!(got(DateFrom::Modified).len(), 6, "all but standard input");
    assert!(got(DateFrom::Order).is_empty());
}
