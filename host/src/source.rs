//! A plugin's source, carried inside its component for reviewers.
//!
//! An interpreter's component holds its plugin as bytecode in a memory snapshot, which no
//! reviewer can read. `kiln plugin build` therefore appends the project's source files as one
//! top-level custom section, [`SECTION`]: the engine ignores custom sections, and since the
//! publish signature covers the component's sha256, the source a reviewer reads is the one the
//! maker signed. The section holds a JSON document `{"files": [{"path", "text"}]}`.

use serde::{Deserialize, Serialize};
use wasmparser::{Parser, Payload};

/// The custom section's name.
pub const SECTION: &str = "kiln:source";

/// The most source a component may carry, in bytes of the section's document.
pub const MAX_SOURCE_BYTES: usize = 2 << 20;

/// One file of a plugin's source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFile {
    /// Its path in the project, `/`-separated.
    pub path: String,
    /// Its text.
    pub text: String,
}

#[derive(Serialize, Deserialize)]
struct Document {
    files: Vec<SourceFile>,
}

/// Why a component's source cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SourceError {
    /// The component is not readable.
    #[error("the component is malformed: {0}")]
    Malformed(String),
    /// The section is larger than [`MAX_SOURCE_BYTES`].
    #[error("the source section is {0} bytes, over the limit of {MAX_SOURCE_BYTES}")]
    TooLarge(usize),
    /// The section is not the expected document.
    #[error("the source section is not a source document: {0}")]
    Invalid(String),
    /// More than one section carries source.
    #[error("the component carries its source twice")]
    Duplicate,
}

/// `component` with `files` appended as the [`SECTION`] custom section.
pub fn embed(component: &[u8], files: Vec<SourceFile>) -> Result<Vec<u8>, SourceError> {
    let document = serde_json::to_vec(&Document { files }).map_err(|e| SourceError::Invalid(e.to_string()))?;
    if document.len() > MAX_SOURCE_BYTES {
        return Err(SourceError::TooLarge(document.len()));
    }
    let mut payload = Vec::with_capacity(document.len() + 16);
    leb128(&mut payload, SECTION.len() as u64);
    payload.extend_from_slice(SECTION.as_bytes());
    payload.extend_from_slice(&document);
    let mut out = Vec::with_capacity(component.len() + payload.len() + 8);
    out.extend_from_slice(component);
    out.push(0); // custom section
    leb128(&mut out, payload.len() as u64);
    out.extend_from_slice(&payload);
    Ok(out)
}

/// The source files `component` carries, if it carries any. Reads the top level only (nested
/// modules' sections are the toolchain's, not the maker's).
pub fn extract(component: &[u8]) -> Result<Option<Vec<SourceFile>>, SourceError> {
    let mut found = None;
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(component) {
        match payload.map_err(|e| SourceError::Malformed(e.message().to_string()))? {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::CustomSection(section) if depth == 0 && section.name() == SECTION => {
                if found.is_some() {
                    return Err(SourceError::Duplicate);
                }
                let data = section.data();
                if data.len() > MAX_SOURCE_BYTES {
                    return Err(SourceError::TooLarge(data.len()));
                }
                let document: Document =
                    serde_json::from_slice(data).map_err(|e| SourceError::Invalid(e.to_string()))?;
                found = Some(document.files);
            }
            _ => {}
        }
    }
    Ok(found)
}

fn leb128(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Vec<SourceFile> {
        vec![
            SourceFile { path: "app.py".into(), text: "Guest = export(P)\n".into() },
            SourceFile { path: "p.py".into(), text: "class P: …\n".into() },
        ]
    }

    #[test]
    fn embedded_source_reads_back_and_the_component_stays_valid() {
        // `(component (core module))`, in bytes.
        let component = b"\0asm\x0d\0\x01\0\x01\x08\0asm\x01\0\0\0".to_vec();
        let with = embed(&component, files()).unwrap();
        wasmparser::Validator::new().validate_all(&with).expect("still a valid component");
        assert_eq!(extract(&with).unwrap(), Some(files()));
        assert_eq!(extract(&component).unwrap(), None);
    }

    #[test]
    fn the_section_format_is_pinned() {
        let with = embed(b"\0asm\x0d\0\x01\0", vec![SourceFile { path: "a.py".into(), text: "x=1".into() }]).unwrap();
        let section = &with[8..];
        assert_eq!(section, b"\0\x34\x0bkiln:source{\"files\":[{\"path\":\"a.py\",\"text\":\"x=1\"}]}");
    }

    #[test]
    fn a_second_or_malformed_source_section_is_refused() {
        let component = b"\0asm\x0d\0\x01\0".to_vec();
        let twice = embed(&embed(&component, files()).unwrap(), files()).unwrap();
        assert_eq!(extract(&twice), Err(SourceError::Duplicate));
        let mut bad = component.clone();
        bad.extend_from_slice(b"\0\x0e\x0bkiln:sourcexx");
        assert!(matches!(extract(&bad), Err(SourceError::Invalid(_))));
    }

    #[test]
    fn oversized_source_is_refused_when_embedding() {
        let big = vec![SourceFile { path: "big.py".into(), text: "x".repeat(MAX_SOURCE_BYTES) }];
        assert!(matches!(embed(b"\0asm\x0d\0\x01\0", big), Err(SourceError::TooLarge(_))));
    }
}
