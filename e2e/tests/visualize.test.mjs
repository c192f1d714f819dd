// Render overlay in the browser: from a finished analyze job on a real fall clip (GMDCSA24, from
// ../shared/data), a reviewer previews one frame in the debug style, renders the overlay video,
// and the rendered video plays and seeks on the visualize job's page.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, apiAs, collectErrors, launch, uploadInLibrary, sharedClip, shot, signIn } from "./browser.mjs";

const run = Date.now().toString(36);
const vic = { email: `vic-${run}@example.org`, password: "vic-quartz-meadow-58" };

async function until(what, check, limitMs) {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

test("an analyze job's overlay is previewed, rendered, and plays and seeks", { timeout: 420_000 }, async () => {
  const clip = sharedClip("falls-gmdcsa24/Subject 1/Fall/13.mp4");
  const admin = await apiAs(ADMIN);
  assert.equal((await admin.post("/api/users", { email: vic.email, password: vic.password, role: "uploader" })).status, 201);
  const project = await admin.post("/api/projects", { name: `Overlay ${run}` });
  assert.equal(project.status, 201, JSON.stringify(project.body));
  assert.equal((await admin.post(`/api/projects/${project.body.id}/members`, { email: vic.email, role: "uploader" })).status, 200);

  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = collectErrors(page);
    await signIn(page, vic);
    await uploadInLibrary(page, clip);
    const api = await apiAs(vic);
    const [video] = (await api.get(`/api/videos?project=${project.body.id}`)).body;
    const analyze = await api.post("/api/jobs", {
      project_id: project.body.id, kind: "analyze", video_ids: [video.id], params: { pose_input_size: 256 },
    });
    assert.equal(analyze.status, 201, JSON.stringify(analyze.body));
    const anonymize = await api.post("/api/jobs", { project_id: project.body.id, kind: "anonymize", video_ids: [video.id], params: {} });
    assert.equal(anonymize.status, 201, JSON.stringify(anonymize.body));
    for (const job of [analyze.body, anonymize.body]) {
      await until(`the ${job.kind} job`, async () => (await api.get(`/api/jobs/${job.id}`)).body.status === "succeeded", 300_000);
    }

    // the finished job offers an overlay: preview a frame in the debug style
    await page.goto(new URL(`/jobs/${analyze.body.id}`, page.url()).href);
    const section = page.getByRole("region", { name: "Render overlay" });
    await section.waitFor();
    // the video's anonymize job blurs the faces (its mask log), so no face detector runs
    await section.locator(".overlay-faces", { hasText: `anonymize job ${anonymize.body.id.slice(0, 8)}` }).waitFor();
    await section.getByLabel("Style").selectOption("debug");
    await section.getByLabel("At second").fill("1.2");
    await section.getByRole("button", { name: "Preview frame" }).click();
    const preview = section.locator("img.overlay-preview");
    await preview.waitFor();
    await page.waitForFunction(() => document.querySelector("img.overlay-preview")?.complete && document.querySelector("img.overlay-preview").naturalWidth > 0, null, { timeout: 60_000 });
    assert.equal(await preview.evaluate((img) => img.naturalWidth), 640);
    assert.match(await preview.getAttribute("src"), /style=debug/);
    await preview.scrollIntoViewIfNeeded();
    await shot(page, "overlay-preview");

    // render the whole video: a visualize job, whose page plays the result
    await section.getByRole("button", { name: "Render overlay video" }).click();
    await page.waitForURL((url) => /\/jobs\/[0-9a-f-]{36}$/.test(url.pathname) && !url.pathname.endsWith(analyze.body.id));
    await page.locator("h1", { hasText: "visualize job" }).waitFor();
    const rendering = (await api.get(`/api/jobs/${page.url().split("/").pop()}`)).body;
    assert.equal(rendering.params.source_job, analyze.body.id);
    assert.equal(rendering.params.masks_job, anonymize.body.id);
    assert.equal(rendering.params.style, "debug");
    await page.locator("h1 .badge", { hasText: "succeeded" }).waitFor({ timeout: 240_000 });
    const player = page.locator('article[data-artifact="overlay.mp4"] video.player');
    await player.waitFor();
    await page.waitForFunction(() => document.querySelector('article[data-artifact="overlay.mp4"] video')?.readyState >= 1, null, { timeout: 30_000 });
    const duration = await player.evaluate((v) => v.duration);
    assert.ok(Math.abs(duration - 4.27) < 0.2, `the overlay lasts ${duration} s`);
    // it plays …
    await player.evaluate((v) => { v.muted = true; return v.play(); });
    await page.waitForFunction(() => document.querySelector('article[data-artifact="overlay.mp4"] video').currentTime > 0.3, null, { timeout: 20_000 });
    await player.evaluate((v) => v.pause());
    // … and seeks, decoding the frame it lands on
    const landed = await player.evaluate((v) => new Promise((resolve, reject) => {
      v.addEventListener("seeked", () => resolve({ t: v.currentTime, ready: v.readyState }), { once: true });
      v.addEventListener("error", () => reject(new Error(`video error ${v.error?.code}`)), { once: true });
      v.currentTime = 2.5;
    }));
    assert.ok(Math.abs(landed.t - 2.5) < 0.1, `seeked to ${landed.t}`);
    await page.waitForFunction(() => document.querySelector('article[data-artifact="overlay.mp4"] video').readyState >= 2, null, { timeout: 10_000 });
    assert.equal(await player.evaluate((v) => v.error), null);
    // the poster is shown beside it
    const poster = page.locator('article[data-artifact="poster.png"] img');
    await poster.waitFor();
    await player.scrollIntoViewIfNeeded();
    await shot(page, "overlay-job");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
