// Events in the browser: an uploader analyzes a real fall clip (GMDCSA24, from ../shared/data),
// sees the fall in the job's event list with its picture, opens it: the video page's player jumps
// to the fall, the timeline under the player marks it, and the "why" panel explains it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, apiAs, collectErrors, launch, uploadInLibrary, sharedClip, shot, signIn } from "./browser.mjs";

const run = Date.now().toString(36);
const uma = { email: `uma-${run}@example.org`, password: "uma-cobalt-harvest-73" };

/// The labelled footage lives outside the repository (../shared/data); say so when it is missing.

const playerTime = (page) => page.locator("video.player").first().evaluate((v) => v.currentTime);

test("an analyze job on a real fall clip shows its fall in a list, on the timeline and in the player", { timeout: 420_000 }, async () => {
  // GMDCSA24 Subject 1 Fall 13: Falling (BW) from 0.4 to 4 s
  const clip = sharedClip("falls-gmdcsa24/Subject 1/Fall/13.mp4");
  const admin = await apiAs(ADMIN);
  const user = await admin.post("/api/users", { email: uma.email, password: uma.password, role: "uploader" });
  assert.equal(user.status, 201, JSON.stringify(user.body));
  const project = await admin.post("/api/projects", { name: `Care home ${run}` });
  assert.equal(project.status, 201, JSON.stringify(project.body));
  const member = await admin.post(`/api/projects/${project.body.id}/members`, { email: uma.email, role: "uploader" });
  assert.equal(member.status, 200, JSON.stringify(member.body));

  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = collectErrors(page);
    await signIn(page, uma);
    await uploadInLibrary(page, clip);

    await page.getByRole("link", { name: "Jobs", exact: true }).click();
    await page.getByRole("link", { name: "New job" }).click();
    await page.getByLabel("Kind").selectOption("analyze");
    await page.getByLabel("13.mp4").check();
    await page.getByRole("button", { name: "Start job" }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    await page.locator("h1 .badge", { hasText: "succeeded" }).waitFor({ timeout: 360_000 });

    // the job's events: the fall, with its picture
    const fall = page.locator('li.event[data-service="fall"]');
    await fall.waitFor({ timeout: 20_000 });
    assert.equal(await page.locator("li.event").count(), 1, "one event in this clip");
    const picture = fall.locator("img");
    await picture.evaluate((img) => img.complete || new Promise((r) => img.addEventListener("load", r, { once: true })));
    assert.ok(await picture.evaluate((img) => img.naturalWidth) >= 320, "the event's picture loaded");
    const when = await fall.locator(".event-when").innerText();
    await shot(page, "analyze-job-events");

    // open it: the video page, the player at the fall, the event selected on the timeline
    const eventId = await fall.getAttribute("data-event");
    const stored = await (await apiAs(uma)).get(`/api/events/${eventId}`);
    assert.equal(stored.status, 200);
    const start = stored.body.start_secs;
    assert.ok(start <= 4.0 && stored.body.end_secs >= 0.4, `the fall ${start}–${stored.body.end_secs} s overlaps its label`);
    await fall.getByRole("button").click();
    await page.waitForURL(/\/videos\/[0-9a-f-]{36}\?t=/);
    const span = page.locator(`.timeline .span[data-event="${eventId}"]`);
    await span.waitFor();
    assert.match(await span.getAttribute("class"), /selected/);
    await page.waitForFunction(() => document.querySelector("video.player")?.readyState >= 1);
    assert.ok(Math.abs(await playerTime(page) - start) < 0.3, `player at ${await playerTime(page)} s, the fall starts at ${start} s`);
    const why = page.getByRole("region", { name: /Why this fall was raised/ });
    await why.waitFor();
    assert.match(await why.innerText(), /height ratio/);
    assert.match(await page.locator(`li.event[data-event="${eventId}"] .event-when`).innerText(), new RegExp(when.split(" ")[0].replace(".", "\\.")));

    // back to the start, then a click on the timeline seeks again and moves the playhead
    await page.locator("video.player").first().evaluate((v) => { v.currentTime = 0; });
    await page.waitForFunction(() => document.querySelector("video.player").currentTime === 0);
    await span.click();
    await page.waitForFunction((s) => Math.abs(document.querySelector("video.player").currentTime - s) < 0.3, start);
    const [head, track] = await Promise.all([
      page.locator(".lane[data-service=fall] .playhead").boundingBox(),
      page.locator(".lane[data-service=fall] .lane-track").boundingBox(),
    ]);
    const spanBox = await span.boundingBox();
    assert.ok(Math.abs(head.x - spanBox.x) < 4, `playhead at ${head.x}, the span starts at ${spanBox.x} (track ${track.x}–${track.x + track.width})`);
    await shot(page, "video-events");

    // a zone over the floor, drawn on the poster with the mouse: later jobs raise no fall there
    // (the fall zones' section; footfall's zones and lines have their own below it)
    const zones = page.getByRole("region", { name: "Zones without falls" });
    const canvas = zones.locator(".zone-canvas");
    await canvas.scrollIntoViewIfNeeded();
    const box = await canvas.boundingBox();
    for (const [x, y] of [[0.02, 0.5], [0.98, 0.5], [0.98, 0.98], [0.02, 0.98]]) {
      await page.mouse.click(box.x + x * box.width, box.y + y * box.height);
    }
    assert.equal(await canvas.locator(".corner").count(), 4);
    await zones.getByLabel("Name", { exact: true }).fill("floor");
    await zones.getByRole("button", { name: "Finish zone" }).click();
    await zones.getByRole("button", { name: "Save zones" }).click();
    await zones.getByRole("status").filter({ hasText: "Saved" }).waitFor();
    await shot(page, "video-zones");
    await page.reload();
    await page.getByRole("region", { name: "Zones without falls" }).locator('.zone-canvas polygon[data-zone="floor"]').waitFor();
    const video = (await (await apiAs(uma)).get(`/api/videos/${stored.body.video_id}`)).body;
    assert.equal(video.zones.length, 1);
    for (const [x, y] of video.zones[0].points) assert.ok(x >= 0 && x <= 1 && y >= 0.45 && y <= 1, `relative corner ${x}, ${y}`);
    const api = await apiAs(uma);
    const again = await api.post("/api/jobs", { project_id: project.body.id, kind: "analyze", video_ids: [video.id], params: {} });
    assert.equal(again.status, 201, JSON.stringify(again.body));
    for (let i = 0; ; i++) {
      const j = (await api.get(`/api/jobs/${again.body.id}`)).body;
      if (j.status === "succeeded") break;
      assert.ok(!["failed", "canceled"].includes(j.status) && i < 600, `the second job: ${JSON.stringify(j)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.deepEqual((await api.get(`/api/events?job=${again.body.id}`)).body, [], "no fall inside the floor zone");
    assert.deepEqual(errors, [], "errors in the page");
  } finally {
    await browser.close();
  }
});
