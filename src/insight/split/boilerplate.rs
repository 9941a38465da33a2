//! Boilerplate rules: the named, documented tests that drop page furniture, greetings, sign-offs and promotions.
//!
//! The rules are written for the shapes newsletters, blogs and podcast digests share, not for particular sentences.
//! Every rule can be turned off ([`crate::insight::SplitOptions::rules`]), or all at once
//! ([`crate::insight::SplitOptions::keep_all`]). JSONL records are never judged by them.

use std::fmt;
use std::str::FromStr;

use super::blocks::{ends_sentence, Unit};

/// The most words a title line may have ([`Rule::Title`]); a longer paragraph missing its full stop is kept.
pub const TITLE_MAX_WORDS: usize = 30;

/// The most words a greeting ([`Rule::Salutation`]) may have.
pub const SALUTATION_MAX_WORDS: usize = 6;

/// The most words a sign-off ([`Rule::SignOff`]) may have.
pub const SIGN_OFF_MAX_WORDS: usize = 6;

/// The most words a promotion ([`Rule::Promo`]) may have; a longer paragraph is an argument that mentions one.
pub const PROMO_MAX_WORDS: usize = 30;

/// How many short paragraphs at the end of a document may form its closing run ([`Rule::SignOff`]).
pub const SIGN_OFF_TAIL_UNITS: usize = 3;

/// Words (lowercase) that open a greeting.
const GREETINGS: &[&str] = &["dear", "hi", "hello", "hey", "greetings", "howdy", "hiya", "welcome"];

/// Closing phrases (lowercase, words only) that are a sign-off wherever they stand.
const SIGN_OFFS: &[&str] = &[
    "best",
    "best regards",
    "kind regards",
    "warm regards",
    "regards",
    "cheers",
    "thanks",
    "thank you",
    "many thanks",
    "thanks for reading",
    "thanks for listening",
    "thank you for reading",
    "sincerely",
    "yours",
    "yours truly",
    "all the best",
    "warmly",
    "talk soon",
    "take care",
    "until next time",
    "see you next week",
    "see you next time",
    "stay tuned",
    "stay safe",
    "love",
    "xoxo",
    "enjoy",
];

/// Word sequences (lowercase) that mark a promotion, a call to action or page furniture.
const PROMO_PHRASES: &[&[&str]] = &[
    &["subscribe"],
    &["unsubscribe"],
    &["subscribed"],
    &["sign", "up"],
    &["newsletter"],
    &["free", "trial"],
    &["click", "here"],
    &["follow", "us"],
    &["share", "this"],
    &["forward", "this"],
    &["in", "your", "inbox"],
    &["to", "your", "inbox"],
    &["send", "you"],
    &["sends", "you"],
    &["get", "your", "free"],
    &["read", "more"],
    &["learn", "more"],
    &["download", "the", "app"],
    &["sponsored", "by"],
    &["brought", "to", "you", "by"],
    &["all", "rights", "reserved"],
    &["privacy", "policy"],
    &["terms", "of", "service"],
    &["view", "in", "browser"],
    &["view", "this", "email"],
    &["advertisement"],
];

/// A boilerplate rule. Names (for flags and messages) are in [`Rule::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// `min-words`: an insight with fewer words than [`crate::insight::SplitOptions::min_words`] (default 5) is
    /// dropped. A word is a whitespace-separated token holding a letter or digit. Judged on the final insight
    /// (sentence or line, in those modes), so `Andrew`, `Keep building!` and `Related Insights` go.
    MinWords,
    /// `title`: a paragraph (not a list item) of at most [`TITLE_MAX_WORDS`] words that does not end a sentence (no
    /// final `.`, `!`, `?`, `…` or closing quote) is a title, heading, caption or label: `Related Insights`, `Dear
    /// friends,`, `Some Headline | Site Name`.
    Title,
    /// `salutation`: a paragraph of at most [`SALUTATION_MAX_WORDS`] words opening with a greeting word (`Dear`,
    /// `Hi`, `Hello`, `Hey`, `Greetings`, `Welcome` …) and not ending in `?`.
    Salutation,
    /// `sign-off`: a paragraph of at most [`SIGN_OFF_MAX_WORDS`] words that is a closing phrase (`Best,`, `Cheers`,
    /// `Thanks for reading!`, `Until next time` …), or that stands in the run of such short paragraphs (at most
    /// [`SIGN_OFF_TAIL_UNITS`], not list items) ending the document and does not end in `.` or `?` (`Keep building!`,
    /// a signature such as `Andrew`).
    SignOff,
    /// `promo`: a paragraph of at most [`PROMO_MAX_WORDS`] words holding a call to action or promotion phrase
    /// (`subscribe`, `sign up`, `newsletter`, `send you`, `get your free`, `in your inbox`, `click here`, `read
    /// more`, `sponsored by`, `privacy policy` …).
    Promo,
}

impl Rule {
    /// Every rule, in the order they are tried.
    pub const ALL: [Rule; 5] = [
        Rule::MinWords,
        Rule::Title,
        Rule::Salutation,
        Rule::SignOff,
        Rule::Promo,
    ];

    /// The rule's name: `min-words`, `title`, `salutation`, `sign-off` or `promo`.
    pub fn name(self) -> &'static str {
        match self {
            Rule::MinWords => "min-words",
            Rule::Title => "title",
            Rule::Salutation => "salutation",
            Rule::SignOff => "sign-off",
            Rule::Promo => "promo",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Rule {
    type Err = String;

    /// Parses a rule name as [`Rule::name`] gives it (case-insensitive; `_` may stand for `-`).
    fn from_str(s: &str) -> Result<Rule, String> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        Rule::ALL.into_iter().find(|r| r.name() == wanted).ok_or_else(|| {
            let names: Vec<&str> = Rule::ALL.iter().map(|r| r.name()).collect();
            format!("unknown boilerplate rule `{s}` (expected one of: {})", names.join(", "))
        })
    }
}

/// The number of words in a text: whitespace-separated tokens holding a letter or digit.
pub(super) fn word_count(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

/// The lowercase words of a text, without surrounding punctuation.
fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// The first paragraph-level rule (of `rules`) that drops a unit, if any. `text` is the unit's cleaned text and
/// `in_tail` says whether it stands in the run of short paragraphs that ends its document.
pub(super) fn paragraph_rule(unit: &Unit<'_>, text: &str, in_tail: bool, rules: &[Rule]) -> Option<Rule> {
    let count = word_count(text);
    // Only the rules for short units read the words: a long unit is not copied into them.
    let short = SALUTATION_MAX_WORDS.max(SIGN_OFF_MAX_WORDS).max(PROMO_MAX_WORDS);
    let lower = if count <= short { words(text) } else { Vec::new() };
    let applies = |rule: Rule| {
        rules.contains(&rule)
            && match rule {
                Rule::MinWords => false,
                Rule::Title => !unit.list_item && count <= TITLE_MAX_WORDS && !ends_sentence(text),
                Rule::Salutation => {
                    count <= SALUTATION_MAX_WORDS
                        && lower.first().is_some_and(|w| GREETINGS.contains(&w.as_str()))
                        && !text.ends_with('?')
                }
                Rule::SignOff => {
                    count <= SIGN_OFF_MAX_WORDS
                        && (SIGN_OFFS.contains(&lower.join(" ").as_str())
                            || (in_tail && !text.trim_end().ends_with(['.', '?'])))
                }
                Rule::Promo => count <= PROMO_MAX_WORDS && PROMO_PHRASES.iter().any(|p| contains_phrase(&lower, p)),
            }
    };
    Rule::ALL.into_iter().find(|&rule| applies(rule))
}

/// Whether a word list holds a phrase as consecutive words.
fn contains_phrase(words: &[String], phrase: &[&str]) -> bool {
    words
        .windows(phrase.len())
        .any(|window| window.iter().zip(phrase).all(|(w, p)| w == p))
}

/// The index of the first unit of a document's closing run: the last (at most [`SIGN_OFF_TAIL_UNITS`]) units that
/// are short paragraphs (at most [`SIGN_OFF_MAX_WORDS`] words, not list items). Takes each unit's word count and
/// whether it is a list item.
pub(super) fn tail_start(units: &[(usize, bool)]) -> usize {
    let closing = units
        .iter()
        .rev()
        .take(SIGN_OFF_TAIL_UNITS)
        .take_while(|&&(n, item)| !item && n <= SIGN_OFF_MAX_WORDS);
    units.len() - closing.count()
}
