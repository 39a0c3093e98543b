//! The OpenAPI 3 document, generated from the handlers' annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

mod bounds;
mod problems;

use bounds::Bounds;
use problems::ProblemResponses;

use crate::routes::{
    audit, datasets, enablements, health, keys, monitoring, namespaces, overview, places, plugins, review, runs,
    tenants, tokens,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "Kiln registry", description = "Signed WebAssembly plugins for an industrial cloud: publish, review, resolve, audit; \
        tenants, datasets, enablements, runs and regional monitoring. \
        Every error is an RFC 9457 problem+json document whose `type` names its cause."),
    paths(
        health::healthz, health::readyz, health::metrics, health::openapi,
        tokens::create, tokens::list, tokens::revoke,
        namespaces::create, namespaces::show, namespaces::add_member,
        keys::add, keys::list, keys::revoke,
        plugins::publish, plugins::search, plugins::list_versions, plugins::show, plugins::download, plugins::resolve,
        plugins::yank, plugins::unyank,
        review::queue, review::approve, review::reject, review::take_down_version, review::take_down_plugin,
        audit::list, audit::verify,
        tenants::create, tenants::import, tenants::list, tenants::show, tenants::update, tenants::usage,
        datasets::upload, datasets::list, datasets::versions, datasets::show, datasets::preview, datasets::delete,
        enablements::create, enablements::list, enablements::show, enablements::update, enablements::disable,
        runs::submit, runs::list, runs::show, runs::result, runs::cancel,
        monitoring::months, monitoring::rollup_route,
        places::list, overview::show,
    ),
    components(schemas(crate::error::Problem, crate::manifest::Manifest, crate::manifest::Capability)),
    modifiers(&BearerToken, &ProblemResponses, &Bounds, &UniqueOperationIds)
)]
struct ApiDoc;

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Operation ids are the handlers' names, which repeat across resources (`list`, `show`):
/// prefixing the tag makes each unique, as OpenAPI requires and code generators rely on.
struct UniqueOperationIds;

impl Modify for UniqueOperationIds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
            for op in operations.into_iter().flatten() {
                if let (Some(tag), Some(id)) = (op.tags.as_ref().and_then(|t| t.first()), op.operation_id.as_mut())
                    && !id.starts_with(&format!("{tag}_"))
                {
                    *id = format!("{tag}_{id}");
                }
            }
        }
    }
}

/// The document served at `/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
