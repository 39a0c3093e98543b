//! Lengths, patterns and ranges of the API's inputs, declared from the constants the handlers
//! check them with, so the document and the checks cannot drift apart.
//!
//! utoipa takes `pattern` only as a string literal, so the bounds are applied here, by
//! parameter and by schema property, rather than in each annotation.

use utoipa::Modify;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::{OpenApi, RefOr};

use crate::extract::Page;
use crate::manifest::{NAME_MAX_LEN, NAME_PATTERN};
use crate::routes::datasets::{DATASET_NAME_MAX_LEN, DATASET_NAME_PATTERN};
use crate::routes::tenants::{SIZE_CLASSES, TEXT_MAX_LEN};

/// A string rule: a regular expression and a maximum length in characters.
#[derive(Debug, Clone, Copy)]
struct StringRule {
    pattern: &'static str,
    max_length: usize,
}

/// Namespaces, plugins, principals, tenants and categories ([`crate::manifest::valid_name`]).
const NAME: StringRule = StringRule { pattern: NAME_PATTERN, max_length: NAME_MAX_LEN };
/// Dataset names ([`crate::routes::datasets::valid_dataset_name`]).
const DATASET: StringRule = StringRule { pattern: DATASET_NAME_PATTERN, max_length: DATASET_NAME_MAX_LEN };
/// A tenant's name, district, park and industry: not only spaces (`\S` is unanchored).
const TEXT: StringRule = StringRule { pattern: "\\S", max_length: TEXT_MAX_LEN };
/// Resource ids: 8 random bytes in hex ([`crate::store::new_id`]).
pub const ID_PATTERN: &str = "^[0-9a-f]{16}$";
const ID: StringRule = StringRule { pattern: ID_PATTERN, max_length: 16 };

/// Path parameters by name, and under which path prefix (`name` means a plugin under
/// `/v1/plugins` and a dataset under a tenant).
const PATH_PARAMS: &[(&str, &str, StringRule)] = &[
    ("/v1/", "tenant", NAME),
    ("/v1/", "ns", NAME),
    ("/v1/plugins/", "name", NAME),
    ("/v1/tenants/", "name", DATASET),
    ("/v1/", "id", ID),
];

/// Request body properties checked with a name rule: (schema, property, rule).
const BODY_PROPERTIES: &[(&str, &str, StringRule)] = &[
    ("CreateToken", "principal", NAME),
    ("CreateToken", "tenant", NAME),
    ("CreateNamespace", "name", NAME),
    ("CreateNamespace", "owner", NAME),
    ("AddMember", "principal", NAME),
    ("NewTenant", "id", NAME),
    ("NewTenant", "name", TEXT),
    ("NewTenant", "district", TEXT),
    ("NewTenant", "park", TEXT),
    ("NewTenant", "industry", TEXT),
    ("TenantUpdate", "name", TEXT),
    ("TenantUpdate", "district", TEXT),
    ("TenantUpdate", "park", TEXT),
    ("TenantUpdate", "industry", TEXT),
    ("Manifest", "namespace", NAME),
    ("Manifest", "name", NAME),
    ("NewSchedule", "enablement", ID),
];

/// Declares the bounds of every parameter and request property the service checks.
pub struct Bounds;

impl Modify for Bounds {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations =
                [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch, &mut item.head];
            for op in operations.into_iter().flatten() {
                bound_parameters(path, op);
            }
        }
        if let Some(components) = openapi.components.as_mut() {
            for (schema, property, rule) in BODY_PROPERTIES {
                if let Some(object) = components.schemas.get_mut(*schema).and_then(object_mut)
                    && let Some(target) = object.properties.get_mut(*property).and_then(object_mut)
                {
                    apply(target, *rule);
                }
            }
            // An update may send null for "unchanged", so its enum lists null too.
            for (schema, nullable) in [("NewTenant", false), ("TenantUpdate", true)] {
                if let Some(object) = components.schemas.get_mut(schema).and_then(object_mut)
                    && let Some(target) = object.properties.get_mut("size_class").and_then(object_mut)
                {
                    let mut values: Vec<serde_json::Value> = SIZE_CLASSES.iter().map(|c| (*c).into()).collect();
                    if nullable {
                        values.push(serde_json::Value::Null);
                    }
                    target.enum_values = Some(values);
                }
            }
        }
    }
}

fn bound_parameters(path: &str, op: &mut Operation) {
    for param in op.parameters.iter_mut().flatten() {
        let Some(schema) = param.schema.as_mut().and_then(object_mut) else { continue };
        match param.parameter_in {
            ParameterIn::Path => {
                if let Some((_, _, rule)) =
                    PATH_PARAMS.iter().find(|(prefix, name, _)| path.starts_with(prefix) && *name == param.name)
                {
                    apply(schema, *rule);
                }
            }
            ParameterIn::Query => match param.name.as_str() {
                // `Page::limit_offset` refuses anything outside these.
                "page" => {
                    schema.minimum = Some(1usize.into());
                    schema.maximum = Some((Page::MAX_PAGE as usize).into());
                }
                "per_page" => {
                    schema.minimum = Some(1usize.into());
                    schema.maximum = Some((Page::MAX_PER_PAGE as usize).into());
                }
                _ => {}
            },
            _ => {}
        }
    }
}

fn apply(schema: &mut utoipa::openapi::schema::Object, rule: StringRule) {
    schema.pattern = Some(rule.pattern.to_string());
    schema.max_length = Some(rule.max_length);
    schema.min_length = Some(1);
}

/// The object schema behind an inline schema (not a reference).
fn object_mut(schema: &mut RefOr<Schema>) -> Option<&mut utoipa::openapi::schema::Object> {
    match schema {
        RefOr::T(Schema::Object(object)) => Some(object),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bounded_body_property_exists_in_the_document() {
        let doc = crate::openapi::document();
        let schemas = &doc.components.as_ref().expect("components").schemas;
        for (schema, property, _) in BODY_PROPERTIES {
            let value = serde_json::to_value(&schemas[*schema]).expect("serializable");
            assert!(
                value["properties"][property]["pattern"].is_string(),
                "{schema}.{property} carries no pattern: {value}"
            );
        }
    }

    #[test]
    fn every_bounded_path_parameter_is_used_somewhere() {
        let doc = serde_json::to_value(crate::openapi::document()).expect("serializable");
        for (prefix, name, _) in PATH_PARAMS {
            let used = doc["paths"].as_object().expect("paths").iter().any(|(path, item)| {
                path.starts_with(prefix)
                    && item.as_object().expect("item").values().any(|op| {
                        op["parameters"].as_array().is_some_and(|ps| {
                            ps.iter()
                                .any(|p| p["name"] == *name && p["in"] == "path" && p["schema"]["pattern"].is_string())
                        })
                    })
            });
            assert!(used, "no path under {prefix} has a bounded `{name}` parameter");
        }
    }

    #[test]
    fn ids_are_what_new_id_makes() {
        let id = crate::store::new_id();
        assert_eq!(id.len(), ID.max_length);
        assert!(id.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)), "{id}");
    }
}
