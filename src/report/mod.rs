//! Rendering (in progress)
