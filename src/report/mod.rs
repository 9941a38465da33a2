//! Rendering analysis results: readable terminal text (colour only on a terminal, honouring `NO_COLOR`) and JSON
//! for scripts (schema in docs/formats.md; `schema_version` in every document). Nothing here computes similarity.

pub mod html;
pub mod json;
pub mod style;
pub mod text;

pub use style::Style;

use crate::analysis::documents::DocumentOriginality;
use crate::analysis::duplicates::DuplicateGroup;
use crate::analysis::neighbours::Link;
use crate::analysis::topics::Topic;

/// The version of the JSON output's schema; bumped when a field changes meaning or goes away.
pub const SCHEMA_VERSION: u32 = 4;

/// Everything the main report shows, computed by the analysis stage.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    /// The topics.
    pub topics: &'a [Topic],
    /// Insights in no topic.
    pub unclustered: &'a [usize],
    /// How the number of topics was chosen ("auto" or "fixed").
    pub k_choice: &'a str,
    /// The strongest cross-document links.
    pub links: &'a [Link],
    /// Duplicate groups.
    pub duplicates: &'a [DuplicateGroup],
    /// Per-document originality.
    pub originality: &'a [DocumentOriginality],
}
