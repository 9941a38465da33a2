//! When each document was written: the date that decides where a point first appeared.
//!
//! A document's date comes, by [`DateFrom::Auto`], from the first of: a `date:` in Markdown front matter, or the
//! `date` field of a JSONL record; a date in the document's file name (`2024-05-01`, `2024_05_01`, `2024.05.01` or
//! `20240501`, standing apart from other letters and digits); the file's modification time (its UTC day). A document
//! with none of these is undated and ranks after the dated ones, in corpus order. Dates are days: two documents of
//! the same day keep their corpus order.

use std::collections::BTreeMap;
use std::fmt;
use std::time::SystemTime;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::document::{DocFormat, Document};

/// A calendar day (proleptic Gregorian, UTC), as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(i32);

impl Day {
    /// The day of `year-month-day`, or `None` when there is no such day (month 13, 30 February, year before 1000 or
    /// after 9999).
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Day> {
        if !(1000..=9999).contains(&year) || !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month)
        {
            return None;
        }
        // Days from civil (Howard Hinnant's algorithm): years counted from March, so the leap day ends a year.
        let y = if month <= 2 { year - 1 } else { year };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (month as i32 + 9) % 12;
        let doy = (153 * mp + 2) / 5 + day as i32 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Some(Day(era * 146_097 + doe - 719_468))
    }

    /// The UTC day holding a moment (`None` before 1970 or past 9999).
    pub fn of_time(time: SystemTime) -> Option<Day> {
        let secs = time.duration_since(SystemTime::UNIX_EPOCH).ok()?.as_secs();
        let day = Day(i32::try_from(secs / 86_400).ok()?);
        (day.ymd().0 <= 9999).then_some(day)
    }

    /// A day written `YYYY-MM-DD` at the start of `text` (a time may follow, as in `2024-05-01T09:30:00Z`).
    pub fn parse_start(text: &str) -> Option<Day> {
        let b = text.trim().as_bytes();
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' || b.get(10).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        Day::from_digits(&b[0..4], &b[5..7], &b[8..10])
    }

    /// The day of a year, month and day written in ASCII digits; `None` for anything else or no such day.
    fn from_digits(year: &[u8], month: &[u8], day: &[u8]) -> Option<Day> {
        let decimal = |digits: &[u8]| -> Option<u32> {
            digits
                .iter()
                .all(u8::is_ascii_digit)
                .then(|| digits.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
        };
        Day::from_ymd(decimal(year)? as i32, decimal(month)?, decimal(day)?)
    }

    /// Days since 1970-01-01 (negative before).
    pub fn days_since_epoch(self) -> i32 {
        self.0
    }

    /// The day `days` after 1970-01-01, or `None` outside the years 1000 to 9999 (a number read from a damaged file
    /// may be anything: it is compared, never computed with, before it is known to be in range).
    pub fn from_days_since_epoch(days: i32) -> Option<Day> {
        /// 1000-01-01 and 9999-12-31, in days since 1970-01-01.
        const FIRST: i32 = -354_285;
        const LAST: i32 = 2_932_896;
        (FIRST..=LAST).contains(&days).then_some(Day(days))
    }

    /// The year, month and day.
    pub fn ymd(self) -> (i32, u32, u32) {
        let z = self.0 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i32::from(month <= 2);
        (year, month, day)
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl Serialize for Day {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Day, D::Error> {
        let text = String::deserialize(d)?;
        Day::parse_start(&text)
            .filter(|_| text.len() == 10)
            .ok_or_else(|| serde::de::Error::custom(format!("not a date (YYYY-MM-DD): {text:?}")))
    }
}

/// Where a document's date was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DateSource {
    /// A `date:` line in Markdown front matter.
    FrontMatter,
    /// The `date` field of a JSONL record (the earliest, when a document has several records).
    Field,
    /// A date in the document's file name.
    FileName,
    /// The file's modification time.
    Modified,
}

impl DateSource {
    /// Every source, in the order of their codes (1, 2, 3, 4) in the index file.
    pub const ALL: [DateSource; 4] = [
        DateSource::FrontMatter,
        DateSource::Field,
        DateSource::FileName,
        DateSource::Modified,
    ];

    /// How the source is named in output: `front-matter`, `field`, `file-name` or `modified`.
    pub fn name(self) -> &'static str {
        match self {
            DateSource::FrontMatter => "front-matter",
            DateSource::Field => "field",
            DateSource::FileName => "file-name",
            DateSource::Modified => "modified",
        }
    }
}

/// A document's date and where it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentDate {
    /// The day.
    pub date: Day,
    /// Where it was found.
    pub source: DateSource,
}

/// Which dates to use. Default: [`DateFrom::Auto`]. Each value's first paragraph is its `--date-from` help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum DateFrom {
    /// Front matter or JSONL field, else file name, else modification time.
    ///
    /// The document's own date (front matter or JSONL field), else its file name's, else its modification time.
    #[default]
    Auto,
    /// Only front matter or a JSONL record's "date".
    Content,
    /// Only a date in the file name (for a JSONL record with a `doc` name, that name's, else the file's).
    Name,
    /// Only the file's modification time.
    Modified,
    /// No dates: documents rank in corpus order.
    Order,
}

impl DateFrom {
    fn allows(self, source: DateSource) -> bool {
        match self {
            DateFrom::Auto => true,
            DateFrom::Content => matches!(source, DateSource::FrontMatter | DateSource::Field),
            DateFrom::Name => source == DateSource::FileName,
            DateFrom::Modified => source == DateSource::Modified,
            DateFrom::Order => false,
        }
    }
}

/// The dates of documents, by document name (as in [`crate::Insight::doc`]); an undated document is absent.
pub type DocumentDates = BTreeMap<String, DocumentDate>;

/// The date of every document that has one, by `from`. A JSONL file's records name their own documents (`doc`,
/// default the file) and may each carry a `date`; a document of several records takes the earliest.
pub fn document_dates(docs: &[Document], from: DateFrom) -> DocumentDates {
    let mut dates = DocumentDates::new();
    for doc in docs {
        let in_file_name = date_in_name(&doc.name);
        let modified = (DateSource::Modified, doc.modified.and_then(Day::of_time));
        match doc.format {
            DocFormat::Jsonl => {
                let mut own: BTreeMap<String, Option<Day>> = BTreeMap::new();
                for (name, day) in super::split::record_dates(doc) {
                    let earliest = own.entry(name).or_insert(day);
                    *earliest = match (*earliest, day) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                }
                for (name, day) in own {
                    let by_name = (name != doc.name).then(|| date_in_name(&name)).flatten();
                    let candidates = [
                        (DateSource::Field, day),
                        (DateSource::FileName, by_name.or(in_file_name)),
                        modified,
                    ];
                    if let Some(date) = pick(from, candidates) {
                        dates.insert(name, date);
                    }
                }
            }
            DocFormat::Markdown | DocFormat::Text => {
                let front = (doc.format == DocFormat::Markdown).then(|| front_matter_date(&doc.text));
                let candidates = [
                    (DateSource::FrontMatter, front.flatten()),
                    (DateSource::FileName, in_file_name),
                    modified,
                ];
                if let Some(date) = pick(from, candidates) {
                    dates.insert(doc.name.clone(), date);
                }
            }
        }
    }
    dates
}

/// The first of `candidates` (in order of preference) that has a day and that `from` allows.
fn pick(from: DateFrom, candidates: [(DateSource, Option<Day>); 3]) -> Option<DocumentDate> {
    candidates.into_iter().find_map(|(source, day)| {
        day.filter(|_| from.allows(source))
            .map(|date| DocumentDate { date, source })
    })
}

/// The `date:` of YAML front matter (a first line `---`, up to the next `---` or `...`), quoted or not.
pub fn front_matter_date(text: &str) -> Option<Day> {
    let mut lines = text.lines();
    if lines.next()?.trim_end() != "---" {
        return None;
    }
    for line in lines {
        let line = line.trim_end();
        if line == "---" || line == "..." {
            return None;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        if key.trim().eq_ignore_ascii_case("date") {
            return Day::parse_start(value.trim().trim_matches(['"', '\'']));
        }
    }
    None
}

/// The first date in the last component of a path: `YYYY-MM-DD`, `YYYY_MM_DD`, `YYYY.MM.DD` or `YYYYMMDD` with a
/// year 1900-2099, neither preceded nor followed by a letter or digit.
pub fn date_in_name(path: &str) -> Option<Day> {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path).as_bytes();
    let apart = |i: Option<&u8>| !i.is_some_and(u8::is_ascii_alphanumeric);
    for start in 0..name.len() {
        if start > 0 && !apart(name.get(start - 1)) {
            continue;
        }
        for len in [10, 8] {
            let Some(piece) = name.get(start..start + len) else {
                continue;
            };
            if !apart(name.get(start + len)) || !matches!(&piece[..2], b"19" | b"20") {
                continue;
            }
            let (month, day) = if len == 10 {
                let sep = piece[4];
                if !matches!(sep, b'-' | b'_' | b'.') || piece[7] != sep {
                    continue;
                }
                (&piece[5..7], &piece[8..])
            } else {
                (&piece[4..6], &piece[6..])
            };
            if let Some(day) = Day::from_digits(&piece[..4], month, day) {
                return Some(day);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests;
