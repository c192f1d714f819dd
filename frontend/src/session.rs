//! Who is signed in, their projects, and the project the pages show.

use api::{Me, Project, Role};
use leptos::prelude::*;
use uuid::Uuid;

const PROJECT_KEY: &str = "recognizer.project";

#[derive(Clone, Copy)]
pub struct Session {
    /// `None` until `/api/auth/me` answered; then `Some(None)` when signed out.
    pub me: RwSignal<Option<Option<Me>>>,
    pub project: RwSignal<Option<Uuid>>,
}

pub fn provide() -> Session {
    let session = Session {
        me: RwSignal::new(None),
        project: RwSignal::new(None),
    };
    provide_context(session);
    CURRENT.with(|c| c.set(Some(session)));
    session
}

thread_local! {
    // Async tasks (uploads, websocket callbacks) run outside the component tree, so the session
    // is also reachable without a reactive owner.
    static CURRENT: std::cell::Cell<Option<Session>> = const { std::cell::Cell::new(None) };
}

fn current() -> Option<Session> {
    CURRENT.with(|c| c.get())
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// Called on any 401: the cookie expired or was revoked.
pub fn signed_out() {
    if let Some(s) = current() {
        s.me.set(Some(None));
    }
}

pub fn csrf_token() -> String {
    current()
        .and_then(|s| s.me.get_untracked().flatten())
        .map(|me| me.csrf_token)
        .unwrap_or_default()
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

impl Session {
    pub fn signed_in(self, me: Me) {
        let remembered = storage()
            .and_then(|s| s.get_item(PROJECT_KEY).ok().flatten())
            .and_then(|id| Uuid::parse_str(&id).ok());
        let project = remembered
            .filter(|id| me.projects.iter().any(|p| p.id == *id))
            .or_else(|| me.projects.first().map(|p| p.id));
        self.project.set(project);
        self.me.set(Some(Some(me)));
    }

    pub fn choose_project(self, id: Uuid) {
        if let Some(s) = storage() {
            let _ = s.set_item(PROJECT_KEY, &id.to_string());
        }
        self.project.set(Some(id));
    }

    pub fn me(self) -> Option<Me> {
        self.me.get().flatten()
    }

    pub fn is_admin(self) -> bool {
        self.me().is_some_and(|m| m.user.role == Role::Admin)
    }

    pub fn projects(self) -> Vec<Project> {
        self.me().map(|m| m.projects).unwrap_or_default()
    }

    pub fn current_project(self) -> Option<Project> {
        let id = self.project.get()?;
        self.projects().into_iter().find(|p| p.id == id)
    }

    /// The caller's role in `project` (admins may do everything everywhere).
    pub fn role_in(self, project: Uuid) -> Option<Role> {
        if self.is_admin() {
            return Some(Role::Admin);
        }
        self.projects()
            .into_iter()
            .find(|p| p.id == project)
            .map(|p| p.role)
    }

    pub fn can_write(self, project: Uuid) -> bool {
        self.role_in(project).is_some_and(Role::can_write)
    }
}

/// Re-reads `/api/auth/me` (after projects or memberships changed).
pub async fn refresh() {
    if let (Some(s), Ok(me)) = (current(), crate::http::get::<Me>("/api/auth/me").await) {
        s.signed_in(me);
    }
}
