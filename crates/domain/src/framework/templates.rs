//! The seeds' work systems as templates (filled in by the templates task).

use super::FrameworkTemplate;

/// Every shipped template.
pub fn all() -> Vec<FrameworkTemplate> {
    vec![]
}
