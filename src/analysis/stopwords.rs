//! English stop words: function words too common to say anything about a topic, dropped from keywords.

/// Lowercase English stop words, sorted (so membership is a binary search). Covers articles, pronouns,
/// prepositions, conjunctions, auxiliaries, common adverbs and quantifiers, and the stems that contractions leave
/// once split at the apostrophe ("don", "isn", "ll", "ve").
#[rustfmt::skip]
pub const STOP_WORDS: &[&str] = &[
    "about", "above", "according", "across", "actually", "after", "afterwards", "again", "against",
    "ain", "all", "almost", "alone", "along", "already", "also", "although", "always", "am",
    "among", "amongst", "an", "and", "another", "any", "anyhow", "anyone", "anything", "anyway",
    "anywhere", "are", "aren", "around", "as", "at", "away", "be", "became", "because", "become",
    "becomes", "becoming", "been", "before", "beforehand", "behind", "being", "below", "beside",
    "besides", "between", "beyond", "both", "but", "by", "can", "cannot", "could", "couldn", "did",
    "didn", "do", "does", "doesn", "doing", "don", "done", "down", "due", "during", "each", "eg",
    "either", "else", "elsewhere", "enough", "especially", "etc", "even", "ever", "every",
    "everyone", "everything", "everywhere", "except", "few", "for", "former", "formerly", "from",
    "further", "furthermore", "had", "hadn", "has", "hasn", "have", "haven", "having", "he",
    "hence", "her", "here", "hereafter", "hereby", "herein", "hers", "herself", "him", "himself",
    "his", "how", "however", "ie", "if", "in", "indeed", "instead", "into", "is", "isn", "it",
    "its", "itself", "just", "least", "less", "let", "like", "ll", "many", "may", "maybe", "me",
    "meanwhile", "might", "mightn", "mine", "more", "moreover", "most", "mostly", "much", "must",
    "mustn", "my", "myself", "namely", "neither", "never", "nevertheless", "next", "no", "nobody",
    "none", "nor", "not", "nothing", "now", "nowhere", "of", "off", "often", "on", "once", "one",
    "only", "onto", "or", "other", "others", "otherwise", "our", "ours", "ourselves", "out", "over",
    "own", "per", "perhaps", "quite", "rather", "re", "really", "same", "seem", "seemed", "seeming",
    "seems", "several", "shall", "shan", "she", "should", "shouldn", "since", "so", "some",
    "somehow", "someone", "something", "sometime", "sometimes", "somewhere", "still", "such",
    "than", "that", "the", "their", "theirs", "them", "themselves", "then", "thence", "there",
    "thereafter", "thereby", "therefore", "therein", "thereupon", "these", "they", "this", "those",
    "though", "through", "throughout", "thru", "thus", "to", "together", "too", "toward", "towards",
    "under", "unless", "until", "up", "upon", "us", "use", "used", "uses", "using", "ve", "very",
    "via", "was", "wasn", "we", "well", "were", "weren", "what", "whatever", "when", "whence",
    "whenever", "where", "whereafter", "whereas", "whereby", "wherein", "whereupon", "wherever",
    "whether", "which", "while", "whither", "who", "whoever", "whole", "whom", "whose", "why",
    "will", "with", "within", "without", "won", "would", "wouldn", "yet", "you", "your", "yours",
    "yourself", "yourselves",
];

/// True when `word` (already lowercase) is an English stop word.
pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_sorted_and_unique() {
        assert!(
            STOP_WORDS.windows(2).all(|w| w[0] < w[1]),
            "STOP_WORDS must be sorted and unique"
        );
    }

    #[test]
    fn membership() {
        assert!(is_stop_word("the") && is_stop_word("yourselves") && is_stop_word("about"));
        assert!(!is_stop_word("sovereignty") && !is_stop_word("The"));
    }
}
