//! Parsers for numeric flags whose range is known: a NaN, an infinity or a cosine of 2 is refused at the command line
//! with the range in the message, instead of silently matching nothing (or everything).

/// A number, refusing NaN and the infinities.
fn finite(text: &str) -> Result<f32, String> {
    let x: f32 = text.trim().parse().map_err(|_| format!("{text:?} is not a number"))?;
    if x.is_finite() {
        Ok(x)
    } else {
        Err(format!("{text:?} is not a finite number"))
    }
}

/// A number within `range`; `what` names such numbers and their range in the message.
fn within(text: &str, range: std::ops::RangeInclusive<f32>, what: &str) -> Result<f32, String> {
    let x = finite(text)?;
    if range.contains(&x) {
        Ok(x)
    } else {
        Err(format!("{x} is not {what}"))
    }
}

/// A cosine similarity threshold: from -1 to 1.
pub fn cosine(text: &str) -> Result<f32, String> {
    within(text, -1.0..=1.0, "a cosine similarity (they lie from -1 to 1)")
}

/// A claim-score threshold: from -3 to 3 (a claim score, `m + (m - background)`, lies there).
pub fn claim_score(text: &str) -> Result<f32, String> {
    within(text, -3.0..=3.0, "a claim score (they lie from -3 to 3)")
}

/// A ratio margin: a positive number.
pub fn ratio(text: &str) -> Result<f32, String> {
    let x = finite(text)?;
    if x > 0.0 {
        Ok(x)
    } else {
        Err(format!("{x} is not a ratio margin (it must be above 0)"))
    }
}

/// A count of results to show: at least one (asking for none would still print a verdict or a header).
pub fn at_least_one(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("0 results asked for: give 1 or more".to_string()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{text:?} is not a whole number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_out_of_range_are_refused_with_the_range() {
        assert_eq!(cosine("0.6"), Ok(0.6));
        assert_eq!(cosine("-1"), Ok(-1.0));
        for bad in ["nan", "inf", "-inf", "2", "-1.5", "x", ""] {
            assert!(cosine(bad).is_err(), "{bad}");
        }
        assert!(cosine("2").unwrap_err().contains("from -1 to 1"));
        assert_eq!(claim_score("1.2"), Ok(1.2));
        assert!(claim_score("nan").unwrap_err().contains("not a finite number"));
        assert!(claim_score("4").is_err());
        assert_eq!(ratio("1.06"), Ok(1.06));
        assert!(ratio("0").is_err() && ratio("inf").is_err());
        assert_eq!(at_least_one("3"), Ok(3));
        assert!(at_least_one("0").unwrap_err().contains("give 1 or more"));
        assert!(at_least_one("-1").is_err() && at_least_one("two").is_err());
    }
}
