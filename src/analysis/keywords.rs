//! keywords (in progress)
