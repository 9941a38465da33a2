//! duplicates (in progress)
