//! The OpenAPI 3 document, generated from the handlers' annotations as the router registers
//! them ([`crate::routes::api`]): what is not here is not served.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

mod bounds;
mod problems;

use bounds::Bounds;
use problems::ProblemResponses;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Kiln registry",
        description = "Signed WebAssembly plugins for an industrial cloud: publish, review, resolve, audit; \
        tenants, datasets, enablements, runs and regional monitoring. \
        Every error is an RFC 9457 problem+json document whose `type` names its cause."
    ),
    components(schemas(crate::error::Problem, crate::manifest::Manifest, crate::manifest::Capability))
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
        // The console's session cookie; writes through it also send `X-CSRF-Token`.
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::SESSION_COOKIE,
                "Set by POST /v1/session. Writes must also send the session's csrf_token in X-CSRF-Token.",
            ))),
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

/// The document's info and the component schemas no operation names, which the routes'
/// operations are merged into.
pub(crate) fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// Finishes the document the routes made: the security scheme, problem responses, input
/// bounds and unique operation ids. These passes read every operation, so they run after
/// all routes are in (a `modifiers(...)` on [`ApiDoc`] would run on no paths at all).
pub(crate) fn complete(mut openapi: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let modifiers: [&dyn Modify; 4] = [&BearerToken, &ProblemResponses, &Bounds, &UniqueOperationIds];
    for modifier in modifiers {
        modifier.modify(&mut openapi);
    }
    openapi
}

/// The document served at `/openapi.json`, made from the same routes as the service.
pub fn document() -> utoipa::openapi::OpenApi {
    complete(crate::routes::api().into_openapi())
}
