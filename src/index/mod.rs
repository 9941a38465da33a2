//! Vector index (in progress)
