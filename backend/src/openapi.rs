//! The OpenAPI document, generated from the handlers' annotations and the `api` types, plus one
//! schema per job kind's parameters (`AnonymizeParams`, …) built from vision's parameter tables —
//! the same tables the web form and the CLI read.

use api::JobKind;
use serde_json::Value;
use utoipa::OpenApi;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{OpenApi as Document, RefOr};
use vision::params::{Input, Param};

#[derive(OpenApi)]
#[openapi(
    info(title = "Recognizer API", description = "Video analytics: uploads, jobs (annotate, analyze, visualize, anonymize), artifacts, live camera streams and their events. Each job kind's parameters: the schemas AnonymizeParams, AnnotateParams, AnalyzeParams and VisualizeParams, or GET /api/job-kinds."),
    paths(
        crate::auth::login, crate::auth::logout, crate::auth::me, crate::auth::change_password, crate::auth::create_token, crate::auth::list_tokens, crate::auth::delete_token,
        crate::users::list, crate::users::create, crate::users::update,
        crate::projects::list, crate::projects::create, crate::projects::get, crate::projects::members, crate::projects::add_member, crate::projects::remove_member,
        crate::videos::create_upload, crate::videos::get_upload, crate::videos::patch_upload, crate::videos::list, crate::videos::get,
        crate::videos::file, crate::videos::poster, crate::videos::set_zones, crate::videos::set_footfall, crate::videos::delete,
        crate::jobs::kinds, crate::jobs::create, crate::jobs::list, crate::jobs::get, crate::jobs::cancel, crate::jobs::retry,
        crate::jobs::artifacts, crate::jobs::download, crate::overlay::preview,
        crate::models::upload, crate::models::list, crate::models::delete,
        crate::webhooks::create, crate::webhooks::list, crate::webhooks::delete, crate::webhooks::test, crate::webhooks::deliveries,
        crate::streams::create, crate::streams::list, crate::streams::get, crate::streams::update, crate::streams::delete, crate::live::stream_view,
        crate::events::list, crate::events::get, crate::events::thumbnail, crate::events::clip,
        crate::live::websocket, crate::admin::queue, crate::admin::storage, crate::admin::set_retention, crate::admin::removals, crate::admin::pin_video, crate::admin::pin_job, crate::health::get_health,
    ),
    tags((name = "auth"), (name = "projects"), (name = "videos"), (name = "jobs"), (name = "events"), (name = "models"), (name = "webhooks"), (name = "streams"), (name = "admin"))
)]
pub struct ApiDoc;

/// The whole document, with the job kinds' parameter schemas.
pub fn full() -> Document {
    let mut doc = ApiDoc::openapi();
    let components = doc.components.get_or_insert_with(Default::default);
    for (kind, name) in [
        (JobKind::Anonymize, "AnonymizeParams"),
        (JobKind::Annotate, "AnnotateParams"),
        (JobKind::Analyze, "AnalyzeParams"),
        (JobKind::Visualize, "VisualizeParams"),
    ] {
        let schema = params_schema(
            &crate::jobs::parameters(kind),
            &crate::jobs::defaults(kind),
            "",
        );
        components
            .schemas
            .insert(name.to_string(), RefOr::T(schema));
    }
    doc
}

pub async fn document() -> axum::Json<Document> {
    axum::Json(full())
}

/// An object of the parameters under `prefix` (all of them for ""), nested by their dotted paths.
fn params_schema(params: &[Param], defaults: &Value, prefix: &str) -> Schema {
    let mut object = ObjectBuilder::new().schema_type(Type::Object);
    let mut nested: Vec<&str> = Vec::new();
    for p in params {
        let Some(rest) = p.path.strip_prefix(prefix) else {
            continue;
        };
        match rest.split_once('.') {
            None => {
                object = object.property(rest, leaf(p, vision::params::value_at(defaults, p.path)))
            }
            Some((head, _)) if !nested.contains(&head) => {
                nested.push(head);
                let inner = params_schema(params, defaults, &format!("{prefix}{head}."));
                object = object.property(head, inner);
            }
            Some(_) => {}
        }
    }
    Schema::Object(object.build())
}

/// One parameter: its label as the title, help and unit as the description, range and default.
fn leaf(p: &Param, default: Option<&Value>) -> Schema {
    let description = match p.unit {
        Some(unit) => format!(
            "{} ({unit}){}",
            p.help,
            if p.advanced { " Advanced." } else { "" }
        ),
        None => format!("{}{}", p.help, if p.advanced { " Advanced." } else { "" }),
    };
    let object = || {
        ObjectBuilder::new()
            .title(Some(p.label))
            .description(Some(description.clone()))
            .default(default.cloned())
    };
    let array = |items: Schema| {
        ArrayBuilder::new()
            .title(Some(p.label))
            .description(Some(description.clone()))
            .default(default.cloned())
            .items(RefOr::T(items))
    };
    match &p.input {
        Input::Toggle => object().schema_type(Type::Boolean).into(),
        Input::Integer { min, max } => object()
            .schema_type(Type::Integer)
            .minimum(Some(*min as f64))
            .maximum(Some(*max as f64))
            .into(),
        Input::Number { min, max, .. } => object()
            .schema_type(Type::Number)
            .minimum(Some(*min))
            .maximum(Some(*max))
            .into(),
        Input::Choice { options } => object()
            .schema_type(Type::String)
            .enum_values(Some(options.clone()))
            .into(),
        Input::Several { options } => array(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(options.clone()))
                .into(),
        )
        .min_items(Some(1))
        .into(),
        Input::Weights { .. } => array(
            ObjectBuilder::new()
                .schema_type(Type::Number)
                .minimum(Some(0.0))
                .maximum(Some(1.0))
                .into(),
        )
        .min_items(Some(3))
        .max_items(Some(3))
        .into(),
        Input::Text | Input::LongText | Input::Job | Input::Model { .. } => object()
            .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
            .into(),
        Input::Labels | Input::Zones | Input::Lines => {
            array(ObjectBuilder::new().schema_type(Type::Object).into()).into()
        }
        Input::Filter => object().schema_type(Type::Object).into(),
    }
}
