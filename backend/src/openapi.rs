//! The OpenAPI document, generated from the handlers' annotations and the `api` types.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Recognizer API", description = "Video analytics: uploads, jobs (annotate, analyze, visualize, anonymize), artifacts, live events."),
    paths(
        crate::auth::login, crate::auth::logout, crate::auth::me, crate::auth::change_password, crate::auth::create_token, crate::auth::list_tokens, crate::auth::delete_token,
        crate::users::list, crate::users::create, crate::users::update,
        crate::projects::list, crate::projects::create, crate::projects::get, crate::projects::members, crate::projects::add_member, crate::projects::remove_member,
        crate::videos::create_upload, crate::videos::get_upload, crate::videos::patch_upload, crate::videos::list, crate::videos::get,
        crate::videos::file, crate::videos::poster, crate::videos::set_zones, crate::videos::delete,
        crate::jobs::kinds, crate::jobs::create, crate::jobs::list, crate::jobs::get, crate::jobs::cancel, crate::jobs::retry,
        crate::jobs::artifacts, crate::jobs::download,
        crate::models::upload, crate::models::list, crate::models::delete,
        crate::webhooks::create, crate::webhooks::list, crate::webhooks::delete, crate::webhooks::test, crate::webhooks::deliveries,
        crate::events::list, crate::events::get, crate::events::thumbnail,
        crate::live::websocket, crate::admin::queue, crate::admin::storage, crate::admin::set_retention, crate::admin::removals, crate::admin::pin_video, crate::admin::pin_job, crate::health::get_health,
    ),
    tags((name = "auth"), (name = "projects"), (name = "videos"), (name = "jobs"), (name = "events"), (name = "models"), (name = "webhooks"), (name = "admin"))
)]
pub struct ApiDoc;

pub async fn document() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}
