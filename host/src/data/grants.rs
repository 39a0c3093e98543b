//! Which datasets and columns a run may read.

use std::collections::{BTreeMap, BTreeSet};

/// The grants of one run: datasets, each with all columns or a chosen set.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Grants {
    datasets: BTreeMap<String, Option<BTreeSet<String>>>,
}

/// A grant written wrongly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid grant `{0}`: expected DATASET or DATASET:COLUMN,COLUMN")]
pub struct GrantError(pub String);

impl Grants {
    /// No grants: the plugin may read nothing.
    pub fn none() -> Self {
        Self::default()
    }

    /// Grants every column of `dataset`.
    pub fn dataset(mut self, dataset: impl Into<String>) -> Self {
        self.datasets.insert(dataset.into(), None);
        self
    }

    /// Grants `columns` of `dataset`, adding to earlier grants of it.
    pub fn columns<S: Into<String>>(
        mut self,
        dataset: impl Into<String>,
        columns: impl IntoIterator<Item = S>,
    ) -> Self {
        let entry = self.datasets.entry(dataset.into()).or_insert_with(|| Some(BTreeSet::new()));
        if let Some(set) = entry {
            set.extend(columns.into_iter().map(Into::into));
        }
        self
    }

    /// Adds a grant written `DATASET` or `DATASET:COL,COL` (the CLI's `--grant`).
    pub fn parse_into(self, spec: &str) -> Result<Self, GrantError> {
        let valid = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || "_-.".contains(c));
        match spec.split_once(':') {
            None if valid(spec) => Ok(self.dataset(spec)),
            Some((dataset, cols)) if valid(dataset) => {
                let cols: Vec<&str> = cols.split(',').map(str::trim).collect();
                if cols.iter().all(|c| valid(c)) {
                    Ok(self.columns(dataset, cols))
                } else {
                    Err(GrantError(spec.to_string()))
                }
            }
            _ => Err(GrantError(spec.to_string())),
        }
    }

    /// Whether `dataset` is granted at all.
    pub fn allows_dataset(&self, dataset: &str) -> bool {
        self.datasets.contains_key(dataset)
    }

    /// Whether `column` of `dataset` is granted.
    pub fn allows_column(&self, dataset: &str, column: &str) -> bool {
        match self.datasets.get(dataset) {
            Some(None) => true,
            Some(Some(columns)) => columns.contains(column),
            None => false,
        }
    }

    /// The granted dataset names.
    pub fn dataset_names(&self) -> impl Iterator<Item = &str> {
        self.datasets.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsed_grants_allow_only_what_they_name() {
        let g = Grants::none().parse_into("a").unwrap().parse_into("b:x,y").unwrap();
        assert!(g.allows_column("a", "anything"));
        assert!(g.allows_column("b", "x"));
        assert!(!g.allows_column("b", "z"));
        assert!(!g.allows_dataset("c"));
    }

    #[test]
    fn path_like_grants_are_refused() {
        assert!(Grants::none().parse_into("../etc").is_err());
        assert!(Grants::none().parse_into("a:").is_err());
    }
}
