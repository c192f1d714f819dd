//! The analyze job's footfall part for one video: the counted numbers as tables, a people-free
//! background of the place (the video's median frame, downloaded if the job read stored tracks),
//! the heatmap pictures, charts and page (`reports::footfall`), all under `<video>/footfall/`.

use std::path::Path;

use vision::footfall::Footfall;
use vision::footfall::background::{SAMPLES, median_background};

use super::annotate::{AnnotateInput, with_video};
use super::{Artifact, JobContext, JobError, download, scratch, upload};

/// The background's largest width: enough to see the place, small enough for a page.
const BACKGROUND_WIDTH: u32 = 960;

pub(super) async fn write(
    ctx: &JobContext,
    input: &AnnotateInput,
    dir: &Path,
    footfall: Footfall,
) -> Result<Vec<Artifact>, JobError> {
    let out = dir.join("footfall");
    std::fs::create_dir_all(&out).map_err(|e| scratch(&out, e))?;
    let mut files = Vec::new();
    for (name, text) in [
        ("heatmap.csv", footfall.heatmap_csv()),
        ("zones.csv", footfall.zones_csv()),
        ("occupancy.csv", footfall.occupancy_csv()),
        ("lines.csv", footfall.lines_csv()),
    ] {
        let path = out.join(name);
        std::fs::write(&path, text).map_err(|e| scratch(&path, e))?;
        files.push(path);
    }
    let video = dir.join("input");
    if !video.exists() {
        download(ctx, &input.input_key, &video).await?;
    }
    let (video_s, name, target) = (
        video.to_string_lossy().into_owned(),
        input.filename.clone(),
        out.clone(),
    );
    let written = tokio::task::spawn_blocking(move || {
        let background = median_background(&video_s, SAMPLES, BACKGROUND_WIDTH)
            .map_err(|e| e.to_string().replace(&video_s, "the file"))?;
        reports::footfall::write_footfall(&target, &name, &footfall, &background)
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| JobError::from_join("drawing the footfall heatmap", e))?
    .map_err(|reason| JobError::Input {
        key: input.input_key.clone(),
        reason,
    })?;
    files.extend(written);
    let mut artifacts = Vec::new();
    for path in files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let kind = match name.as_str() {
            "footfall.html" => "footfall-report",
            _ => "footfall",
        };
        let key = ctx.artifact_key(&format!("{}/footfall/{name}", input.video_id));
        artifacts.push(with_video(upload(ctx, kind, &path, &key).await?, input));
    }
    Ok(artifacts)
}
