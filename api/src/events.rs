//! What `/api/ws` pushes: first a snapshot of the current state, then every change.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Job, Video};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerEvent {
    /// Sent first on every connection (and again if the client fell behind): the jobs that are
    /// not finished plus the most recent ones, in the projects the user may see.
    Snapshot {
        jobs: Vec<Job>,
    },
    Job {
        job: Job,
    },
    JobDeleted {
        id: Uuid,
        project_id: Uuid,
    },
    Video {
        video: Video,
    },
    VideoDeleted {
        id: Uuid,
        project_id: Uuid,
    },
}
