//! Cutting a paragraph into sentences without cutting after abbreviations, initials or inside decimals.
//!
//! A sentence ends at `.`, `!`, `?` or `…` (any run of them, then any closing quotes or brackets) when whitespace
//! follows and the next word starts with a capital letter, a digit, or an opening quote or bracket. A lowercase next
//! word never starts a sentence, so `e.g. the` and `3.5` are never cut, nor is a sentence cut while it leaves a
//! bracket or a double quote open (`("They build it. It's yours.")`). After a `.` the word before it is checked:
//! - a title before a name (`Dr.`, `Mr.`, `Prof.`, `vs.` …) never ends a sentence;
//! - an abbreviation before a number (`No.`, `Fig.`, `p.`, `Jan.` …) does not when a digit follows;
//! - a dotted abbreviation (`U.S.`, `e.g.`, `i.e.`, `p.m.`) or a single letter (an initial, `J.`) ends one only when
//!   a common sentence opener follows (`The`, `It`, `This`, `We` …), so `the U.S. Congress` and `George W. Bush` stay
//!   whole while `in the U.S. The next` is cut.

/// Abbreviations (lowercase, without the dot) that come before a name and so never end a sentence.
const TITLES: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "st", "gen", "gov", "sen", "rep", "rev", "mt", "capt", "col", "lt", "sgt", "hon",
    "pres", "vs", "v", "messrs", "mme", "fr",
];

/// Abbreviations (lowercase, without the dot) that come before a number.
const BEFORE_NUMBERS: &[&str] = &[
    "no", "nos", "fig", "figs", "vol", "p", "pp", "ch", "sec", "art", "eq", "approx", "ca", "est", "jan", "feb", "mar",
    "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "ver", "op",
];

/// Words (lowercase) that commonly open a sentence, used after a dotted abbreviation such as `U.S.`.
const OPENERS: &[&str] = &[
    "the",
    "this",
    "that",
    "these",
    "those",
    "it",
    "its",
    "they",
    "we",
    "i",
    "he",
    "she",
    "you",
    "but",
    "and",
    "so",
    "yet",
    "however",
    "in",
    "on",
    "at",
    "for",
    "as",
    "if",
    "when",
    "while",
    "there",
    "here",
    "a",
    "an",
    "our",
    "my",
    "his",
    "her",
    "their",
    "what",
    "why",
    "how",
    "some",
    "many",
    "most",
    "such",
    "after",
    "before",
    "since",
    "although",
    "though",
    "thus",
    "hence",
    "instead",
    "meanwhile",
    "still",
    "also",
    "then",
    "now",
    "today",
];

/// Byte ranges of the sentences of `text`, trimmed, in order, never empty.
///
/// One pass over the characters, keeping no copy of them, so time and memory stay linear however long the text.
pub fn sentence_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    let mut open = Open::default();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        open.count(c);
        if !is_terminal(c) {
            continue;
        }
        let mut run = 1;
        while let Some(&(_, next)) = chars.peek().filter(|&&(_, next)| is_terminal(next)) {
            open.count(next);
            run += 1;
            chars.next();
        }
        while let Some(&(_, next)) = chars.peek().filter(|&&(_, next)| is_closing(next)) {
            open.count(next);
            chars.next();
        }
        let end = chars.peek().map_or(text.len(), |&(b, _)| b);
        let single_dot = c == '.' && run == 1;
        if ends_here(text, start, at, end, single_dot, open.any()) {
            push_span(text, start, end, &mut spans);
            start = end;
            open = Open::default();
        }
    }
    push_span(text, start, text.len(), &mut spans);
    spans
}

/// Whether the sentence ends at `end`, the byte after the terminal run that starts at `at`; `inside`: whether the
/// sentence so far leaves a bracket or a double quote open, as in `("They build it. It's yours.")`.
fn ends_here(text: &str, start: usize, at: usize, end: usize, single_dot: bool, inside: bool) -> bool {
    let rest = &text[end..];
    if !rest.starts_with(char::is_whitespace) {
        return false;
    }
    if inside {
        return false;
    }
    let next_word = rest.split_whitespace().next().unwrap_or("");
    let Some(first) = next_word.chars().next() else {
        return true;
    };
    if !(first.is_uppercase() || first.is_ascii_digit() || is_opening(first)) {
        return false;
    }
    if !single_dot {
        return true;
    }
    let word = text[start..at].rsplit(char::is_whitespace).next().unwrap_or("");
    let word = word.trim_start_matches(is_opening).to_lowercase();
    let next_lower = next_word.trim_start_matches(is_opening).to_lowercase();
    let next_lower = next_lower.trim_end_matches(|c: char| !c.is_alphanumeric());
    if TITLES.contains(&word.as_str()) {
        return false;
    }
    if BEFORE_NUMBERS.contains(&word.as_str()) && first.is_ascii_digit() {
        return false;
    }
    let mut letters = word.chars();
    let initial = letters.next().is_some_and(char::is_alphabetic) && letters.next().is_none();
    if initial || (word.contains('.') && word.chars().any(char::is_alphabetic)) {
        return OPENERS.contains(&next_lower);
    }
    true
}

/// The brackets and double quotes a sentence has opened and closed so far, counted as its characters go by.
#[derive(Debug, Default, Clone, Copy)]
struct Open {
    parens: i64,
    squares: i64,
    curly_quotes: i64,
    straight_quotes: u64,
}

impl Open {
    /// Counts one character of the sentence.
    fn count(&mut self, c: char) {
        match c {
            '(' => self.parens += 1,
            ')' => self.parens -= 1,
            '[' => self.squares += 1,
            ']' => self.squares -= 1,
            '“' => self.curly_quotes += 1,
            '”' => self.curly_quotes -= 1,
            '"' => self.straight_quotes += 1,
            _ => {}
        }
    }

    /// Whether a bracket or a double quote is left open.
    fn any(&self) -> bool {
        self.parens > 0 || self.squares > 0 || self.curly_quotes > 0 || self.straight_quotes % 2 == 1
    }
}

/// Adds the trimmed range `start..end` of `text`, unless it is empty.
fn push_span(text: &str, start: usize, end: usize, spans: &mut Vec<(usize, usize)>) {
    let piece = &text[start..end];
    let lead = piece.len() - piece.trim_start().len();
    let trail = piece.len() - piece.trim_end().len();
    if lead + trail < piece.len() {
        spans.push((start + lead, end - trail));
    }
}

/// Characters that end a sentence.
fn is_terminal(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '…' | '。' | '！' | '？')
}

/// Closing quotes and brackets that may follow a sentence's end.
fn is_closing(c: char) -> bool {
    matches!(c, '"' | '\'' | '”' | '’' | '»' | ')' | ']' | '*' | '_')
}

/// Opening quotes and brackets that may start a sentence.
fn is_opening(c: char) -> bool {
    matches!(c, '"' | '\'' | '“' | '‘' | '«' | '(' | '[' | '*' | '_')
}
