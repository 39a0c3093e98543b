//! Error responses as the service sends them: `application/problem+json` documents, with the
//! statuses every route of a kind can answer, whether or not its annotation lists them.
//!
//! The cross-cutting causes live here rather than in each `#[utoipa::path]`, because they come
//! from shared layers, not from the handler: the bearer-token extractor (401), role and scope
//! checks (403), the path, query and body extractors (422), the body limit (413) and the
//! database (500). Handler-specific statuses (404, 409, 410, 429, 503, ...) stay in the
//! annotations; this pass only rewrites their content type and fills in their descriptions.

use std::collections::BTreeSet;

use utoipa::Modify;
use utoipa::openapi::path::Operation;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder};

use crate::error::{PROBLEM_JSON, PROBLEMS};

/// Documents every error response as problem+json and adds the statuses shared layers return.
pub struct ProblemResponses;

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
                &mut item.head,
                &mut item.options,
                &mut item.trace,
            ];
            for op in operations.into_iter().flatten() {
                add_shared_statuses(path, op);
                for (status, response) in op.responses.responses.iter_mut() {
                    if let (RefOr::T(response), Some(code)) = (response, error_status(status)) {
                        response.content.clear();
                        response.content.insert(PROBLEM_JSON.to_string(), problem_content());
                        if response.description.is_empty() {
                            response.description = describe(code);
                        }
                    }
                }
            }
        }
    }
}

/// Adds the statuses that come from layers every route of its kind passes through.
fn add_shared_statuses(path: &str, op: &mut Operation) {
    let mut shared = BTreeSet::new();
    // The bearer-token extractor refuses a missing, unknown, revoked or expired token; every
    // handler then checks the role and the token's scopes.
    if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
        shared.extend([401, 403]);
    }
    // A path segment that is not UTF-8, a query value of the wrong type or a body that does
    // not parse is refused by the extractor, before the handler runs.
    if op.parameters.as_ref().is_some_and(|p| !p.is_empty()) || op.request_body.is_some() {
        shared.insert(422);
    }
    // The body limit is a layer over every route that reads a body.
    if op.request_body.is_some() {
        shared.insert(413);
    }
    // Everything under /v1 reads the database, which can fail.
    if path.starts_with("/v1/") {
        shared.insert(500);
    }
    for code in shared {
        op.responses
            .responses
            .entry(code.to_string())
            .or_insert_with(|| RefOr::T(ResponseBuilder::new().description(describe(code)).build()));
    }
}

/// The status code of a 4xx or 5xx response key.
fn error_status(key: &str) -> Option<u16> {
    key.parse::<u16>().ok().filter(|code| *code >= 400)
}

fn problem_content() -> utoipa::openapi::Content {
    ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build()
}

/// "A problem document: `slug` (title), ..." for every cause the service answers with `code`.
fn describe(code: u16) -> String {
    let causes: Vec<String> = PROBLEMS
        .iter()
        .filter(|(_, status, _)| *status == code)
        .map(|(slug, _, title)| format!("`{slug}` ({title})"))
        .collect();
    if causes.is_empty() {
        "A problem document.".to_string()
    } else {
        format!("A problem document whose `type` is one of: {}.", causes.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_status_is_described_by_its_causes() {
        let forbidden = describe(403);
        assert!(forbidden.contains("`forbidden`"), "{forbidden}");
        assert!(!forbidden.contains("`not-found`"), "{forbidden}");
        assert_eq!(describe(418), "A problem document.");
    }

    #[test]
    fn only_client_and_server_errors_are_problems() {
        assert_eq!(error_status("404"), Some(404));
        assert_eq!(error_status("503"), Some(503));
        assert_eq!(error_status("202"), None);
        assert_eq!(error_status("default"), None);
    }
}
