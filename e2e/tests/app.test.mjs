// The web UI end to end, with real clicks and typing against the real server, worker, database
// and object storage. The tests run in order and build on each other: the administrator sets up
// projects and users, an uploader uploads and anonymizes, a reviewer and an outsider look in.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADMIN, BASE_URL, DATA, apiAs, collectErrors, launch, sha256, shot, signIn } from "./browser.mjs";

const run = Date.now().toString(36);
const ALPHA = `Alpha ${run}`;
const BETA = `Beta ${run}`;
const alice = { email: `alice-${run}@example.org`, password: "alice-lantern-orbit-42" };
const rita = { email: `rita-${run}@example.org`, password: "rita-copper-meadow-17" };
const bob = { email: `bob-${run}@example.org`, password: "bob-violet-canyon-93" };
const state = {};

async function withPage(viewport, fn, allow = []) {
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: viewport ?? { width: 1280, height: 800 }, acceptDownloads: true });
    const errors = collectErrors(page, allow);
    await fn(page);
    assert.deepEqual(errors, [], "errors in the page");
  } finally {
    await browser.close();
  }
}

test("an administrator creates projects, users and memberships on the admin page", { timeout: 240_000 }, async () => {
  await withPage(null, async (page) => {
    await signIn(page, ADMIN);
    await page.getByRole("link", { name: "Admin" }).click();
    await page.getByRole("heading", { name: "Queue and workers" }).waitFor();
    // the in-process worker reports in
    await page.locator("table.workers .badge", { hasText: "alive" }).first().waitFor({ timeout: 30_000 });

    for (const name of [ALPHA, BETA]) {
      await page.getByLabel("Project name").fill(name);
      await page.getByRole("button", { name: "Create project" }).click();
      await page.locator(`li[data-project="${name}"]`).waitFor();
    }
    for (const [user, role] of [[alice, "uploader"], [rita, "reviewer"], [bob, "uploader"]]) {
      const form = page.getByRole("form", { name: "New user" });
      await form.getByLabel("Email").fill(user.email);
      await form.getByLabel("Password").fill(user.password);
      await form.getByLabel("Global role").selectOption(role);
      await form.getByRole("button", { name: "Create user" }).click();
      await page.locator(`tr[data-user="${user.email}"]`).waitFor();
    }
    // a bad entry is refused with the reason next to the form
    const form = page.getByRole("form", { name: "New user" });
    await form.getByLabel("Email").fill(alice.email);
    await form.getByLabel("Password").fill("another-cobalt-fjord-58");
    await form.getByRole("button", { name: "Create user" }).click();
    await form.getByRole("alert").waitFor();

    for (const [project, user, role] of [[ALPHA, alice, "uploader"], [ALPHA, rita, "reviewer"], [BETA, bob, "uploader"]]) {
      const card = page.locator(`li[data-project="${project}"]`);
      await card.getByLabel("Member email").fill(user.email);
      await card.getByLabel("Role").selectOption(role);
      await card.getByRole("button", { name: "Add" }).click();
      await card.locator(".members li", { hasText: `${user.email} · ${role}` }).waitFor();
      assert.equal(await card.getByRole("alert").count(), 0, await card.innerText());
      assert.equal(await card.getByLabel("Member email").inputValue(), "", "the form is cleared for the next one");
    }
    await shot(page, "admin");
  }, ["status of 409"]);
  // what the page did is what the API has
  const admin = await apiAs(ADMIN);
  const projects = (await admin.get("/api/projects")).body;
  state.alpha = projects.find((p) => p.name === ALPHA).id;
  state.beta = projects.find((p) => p.name === BETA).id;
  const members = (await admin.get(`/api/projects/${state.alpha}/members`)).body;
  const added = members.filter((m) => m.email !== ADMIN.email); // the creator is a member too
  assert.deepEqual(added.map((m) => [m.email, m.role]).sort(), [[alice.email, "uploader"], [rita.email, "reviewer"]].sort());
});

test("an uploader uploads a clip, anonymizes it, watches live progress to 100 %, plays the result with a seek and downloads it", { timeout: 240_000 }, async () => {
  await withPage(null, async (page) => {
    await signIn(page, alice);
    assert.equal(await page.getByRole("link", { name: "Admin" }).count(), 0);
    await page.locator("#upload-input").setInputFiles(join(DATA, "bikes.mp4"));
    await page.locator('li.upload.done[data-filename="bikes.mp4"]').waitFor({ timeout: 60_000 });
    // the library learns of the new video over the websocket
    const card = page.locator(".video-card", { hasText: "bikes.mp4" });
    await card.waitFor({ timeout: 20_000 });
    assert.ok(await card.locator("img").count(), "poster shown");
    await page.waitForFunction(() => [...document.images].every((i) => i.complete && i.naturalWidth > 0), null, { timeout: 10_000 });
    assert.match(await card.locator(".meta").innerText(), /0:10 · 640×272/);
    await shot(page, "library");

    await card.getByRole("link").click();
    await page.getByRole("heading", { name: "bikes.mp4" }).waitFor();
    await page.waitForFunction(() => document.querySelector("video.player")?.readyState >= 1);
    await shot(page, "video");

    await page.getByRole("link", { name: "New job" }).click();
    await page.getByLabel("Kind").selectOption("anonymize");
    assert.ok(await page.getByLabel("bikes.mp4").isChecked(), "the video we came from is chosen");
    // words to choose from come as a drop-down
    assert.deepEqual(await page.getByLabel("What to hide").locator("option").allInnerTexts(), ["face", "eyes", "person"]);
    await page.locator("details.advanced summary").click();
    assert.equal(await page.getByLabel("Face detection threshold").inputValue(), "0.2");
    // a value the API refuses: the message appears next to that field
    await page.getByLabel("Mask size").fill("9");
    await page.getByRole("button", { name: "Start job" }).click();
    const invalid = page.locator(".field.invalid", { has: page.getByLabel("Mask size") });
    await invalid.getByRole("alert").waitFor();
    assert.match(await invalid.innerText(), /mask_scale 9 must be between 1 and 4/);
    assert.equal(await page.getByText(/mask_scale 9 must be/).count(), 1, "said once, at the field");
    await shot(page, "job-form-error");
    await page.getByLabel("Mask size").fill("1.5");

    let navigations = 0;
    page.on("framenavigated", () => navigations++);
    const jobGets = [];
    page.on("request", (r) => { if (/\/api\/jobs\/[0-9a-f-]+$/.test(r.url()) && r.method() === "GET") jobGets.push(r.url()); });
    await page.getByRole("button", { name: "Start job" }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    state.job = page.url().split("/").pop();
    const bar = page.getByRole("progressbar");
    const seen = [];
    const deadline = Date.now() + 180_000;
    for (;;) {
      // the status first: a value read after it is at least as new (the other order could pair
      // a running value with the final status)
      const status = await page.locator("h1 .badge").innerText();
      const value = Number(await bar.getAttribute("aria-valuenow"));
      if (seen.at(-1)?.[0] !== value || seen.at(-1)?.[1] !== status) seen.push([value, status]);
      if (status === "running" && value > 0 && value < 100 && !state.shotRunning) {
        state.shotRunning = true;
        await shot(page, "job-running");
      }
      if (status === "succeeded" || status === "failed") break;
      assert.ok(Date.now() < deadline, `job did not finish: ${JSON.stringify(seen)}`);
      await page.waitForTimeout(150);
    }
    assert.deepEqual(seen.at(-1), [100, "succeeded"], JSON.stringify(seen));
    assert.ok(seen.some(([v, s]) => s === "running" && v > 0 && v < 100), `saw it running part-way: ${JSON.stringify(seen)}`);
    // all of that arrived over the websocket: one HTTP read of the job, no reloads
    assert.equal(jobGets.length, 1, jobGets.join());
    assert.equal(navigations, 1, "only the navigation to the job page (client-side)");

    const result = page.locator('article[data-artifact="anonymized.mp4"]');
    await result.waitFor({ timeout: 20_000 });
    const played = await result.locator("video").evaluate(async (v) => {
      if (v.readyState < 1) await new Promise((r) => v.addEventListener("loadedmetadata", r, { once: true }));
      v.muted = true;
      v.currentTime = 6;
      await new Promise((r) => v.addEventListener("seeked", r, { once: true }));
      await v.play();
      const start = performance.now();
      while (v.currentTime < 6.4 && performance.now() - start < 10_000) await new Promise((r) => setTimeout(r, 50));
      return { duration: v.duration, time: v.currentTime, paused: v.paused, error: v.error?.message ?? null };
    });
    assert.equal(played.error, null);
    assert.ok(Math.abs(played.duration - 10) < 0.2, JSON.stringify(played));
    assert.ok(played.time >= 6.4 && !played.paused, `plays on from the seek: ${JSON.stringify(played)}`);
    await shot(page, "job-done");

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      result.getByRole("link", { name: "Download" }).click(),
    ]);
    const saved = join(mkdtempSync(join(tmpdir(), "rcg-")), download.suggestedFilename());
    await download.saveAs(saved);
    const artifacts = (await (await apiAs(alice)).get(`/api/jobs/${state.job}/artifacts`)).body;
    const mp4 = artifacts.find((a) => a.filename === "anonymized.mp4");
    assert.equal(sha256(saved), mp4.sha256);

    const log = page.locator('article[data-artifact="masks.jsonl"]');
    await log.getByRole("button", { name: "View" }).click();
    await log.locator(".records li").first().waitFor();
    assert.match(await log.locator(".viewer").innerText(), /250 records/);
    await shot(page, "job-results-viewer");

    await page.getByRole("link", { name: "Jobs", exact: true }).click();
    const row = page.locator(`li.job[data-job="${state.job}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /succeeded/);
    await shot(page, "jobs");
  }, ["status of 422"]); // the refused parameter, on purpose
  const videos = (await (await apiAs(alice)).get(`/api/videos?project=${state.alpha}`)).body;
  state.video = videos.find((v) => v.filename === "bikes.mp4").id;
  assert.equal(videos.find((v) => v.filename === "bikes.mp4").sha256, sha256(join(DATA, "bikes.mp4")));
});

test("an uploader makes a training set with an annotate job and looks into its results", { timeout: 240_000 }, async () => {
  await withPage(null, async (page) => {
    await signIn(page, alice);
    await page.getByRole("link", { name: "Jobs", exact: true }).click();
    await page.getByRole("link", { name: "New job" }).click();
    await page.getByLabel("Kind").selectOption("annotate");
    await page.getByLabel("bikes.mp4").check();
    await page.locator("details.advanced summary").click();
    assert.deepEqual(await page.getByLabel("Coordinates").locator("option").allInnerTexts(), ["frame", "bbox"]);
    // no label: the API says stage 3 needs one, at the label field
    await page.getByRole("button", { name: "Start job" }).click();
    await page.locator(".field.invalid", { has: page.getByLabel("Label", { exact: true }) }).getByRole("alert").waitFor();
    await shot(page, "annotate-form-error");
    await page.getByLabel("Label", { exact: true }).fill("ride");
    await page.getByLabel("Pose model input size").fill("256");
    await page.getByRole("button", { name: "Start job" }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    await page.locator("h1 .badge", { hasText: "succeeded" }).waitFor({ timeout: 180_000 });
    for (const name of ["dataset.pkl", "windows.csv", "classes.json", "poses.jsonl", "tracks.jsonl", "tracks.mot.txt", "coco.json"]) {
      await page.locator(`article[data-artifact="${name}"]`).first().waitFor();
    }
    const windows = page.locator('article[data-artifact="windows.csv"]');
    await windows.getByRole("button", { name: "View" }).click();
    await windows.locator("table tbody tr").first().waitFor();
    assert.deepEqual((await windows.locator("thead th").allInnerTexts()).slice(0, 3), ["frame_dir", "video", "label"]);
    assert.match(await windows.locator("tbody tr").first().innerText(), /bikes_000000\s+bikes\.mp4\s+0\s+ride/);
    await shot(page, "annotate-results");
  }, ["status of 422"]);
});

test("a reviewer cannot reach admin pages or start jobs", { timeout: 240_000 }, async () => {
  await withPage(null, async (page) => {
    await signIn(page, rita);
    assert.equal(await page.getByRole("link", { name: "Admin" }).count(), 0, "no Admin link");
    await page.locator(".video-card", { hasText: "bikes.mp4" }).waitFor();
    assert.equal(await page.locator("#upload-input").count(), 0, "no upload for reviewers");
    await shot(page, "reviewer-library");
    await page.locator(".video-card", { hasText: "bikes.mp4" }).getByRole("link").click();
    await page.getByRole("heading", { name: "bikes.mp4" }).waitFor();
    assert.equal(await page.getByRole("link", { name: "New job" }).count(), 0);
    assert.equal(await page.getByRole("button", { name: "Delete" }).count(), 0);
    // typing the addresses does not help
    await page.goto(BASE_URL + "/admin");
    await page.getByText("Only administrators can open this page.").waitFor();
    await shot(page, "reviewer-admin");
    await page.goto(BASE_URL + "/new-job");
    await page.getByText("Your role in this project cannot start jobs.").waitFor();
    // the job's results are there to watch
    await page.goto(BASE_URL + `/jobs/${state.job}`);
    await page.locator('article[data-artifact="anonymized.mp4"] video').waitFor();
    assert.equal(await page.getByRole("button", { name: "Retry" }).count(), 0);
    // and the API refuses what the pages do not offer
    const status = await page.evaluate(async (project) => {
      const me = await (await fetch("/api/auth/me")).json();
      const r = await fetch("/api/jobs", { method: "POST", headers: { "content-type": "application/json", "x-csrf-token": me.csrf_token },
        body: JSON.stringify({ project_id: project, kind: "anonymize", video_ids: [] }) });
      return r.status;
    }, state.alpha);
    assert.equal(status, 403);
  }, ["403"]);
});

test("an uploader in project B sees nothing of project A", { timeout: 240_000 }, async () => {
  await withPage({ width: 390, height: 800 }, async (page) => {
    await signIn(page, bob);
    const options = await page.getByLabel("Project").locator("option").allInnerTexts();
    assert.deepEqual(options, [BETA]);
    await page.getByText("No videos in this project yet.").waitFor();
    await shot(page, "outsider-library-narrow");
    await page.goto(BASE_URL + `/videos/${state.video}`);
    await page.getByRole("alert").waitFor();
    assert.equal(await page.locator("video").count(), 0);
    await page.goto(BASE_URL + `/jobs/${state.job}`);
    await page.getByRole("alert").waitFor();
    await page.getByRole("link", { name: "Jobs", exact: true }).click();
    await page.getByText("No jobs match.").waitFor();
    assert.equal(await page.locator("li.job").count(), 0);
    await shot(page, "outsider-jobs-narrow");
  }, ["404"]);
});

test("dropped files upload side by side, a dropped connection resumes, a file that is not a video is refused", { timeout: 240_000 }, async () => {
  const files = ["carphone_pristine.mp4", "cap13_edit2.mp4"];
  await withPage(null, async (page) => {
    // small chunks, so each file takes several requests
    await page.addInitScript(() => localStorage.setItem("recognizer.upload_chunk_bytes", "131072"));
    const sent = new Map(); // upload url -> bytes the server received
    let dropped = null;
    await page.route("**/api/uploads/*", async (route) => {
      const request = route.request();
      if (request.method() !== "PATCH") return route.continue();
      const url = request.url();
      const count = (sent.get(url)?.count ?? 0) + 1;
      const bytes = (sent.get(url)?.bytes ?? 0) + (request.postDataBuffer()?.length ?? 0);
      sent.set(url, { count, bytes });
      if (count === 2 && dropped === null) {
        // the chunk reaches the server, but the answer is lost
        dropped = url;
        await route.fetch();
        return route.abort("connectionreset");
      }
      return route.continue();
    });
    await signIn(page, alice);
    const payload = [...files.map((f) => [f, readFileSync(join(DATA, f)).toString("base64")]),
      ["notes.mp4", Buffer.from("these are notes, not a video\n".repeat(50)).toString("base64")]];
    const dataTransfer = await page.evaluateHandle((payload) => {
      const dt = new DataTransfer();
      for (const [name, b64] of payload) {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        dt.items.add(new File([bytes], name, { type: "video/mp4" }));
      }
      return dt;
    }, payload);
    await page.dispatchEvent(".dropzone", "dragover", { dataTransfer });
    await page.dispatchEvent(".dropzone", "drop", { dataTransfer });
    let sawResuming = false;
    let sawProgress = false;
    const deadline = Date.now() + 90_000;
    for (;;) {
      sawResuming ||= (await page.locator("li.upload.resuming").count()) > 0;
      sawProgress ||= (await page.locator("li.upload .detail", { hasText: /\d+ % · .*\/s/ }).count()) > 0;
      const done = await page.locator("li.upload.done").count();
      const failed = await page.locator("li.upload.failed").count();
      if (done + failed === 3) break;
      assert.ok(Date.now() < deadline, "uploads did not finish");
      await page.waitForTimeout(50);
    }
    await page.waitForFunction(() => document.querySelectorAll(".video-card img").length >= 3
      && [...document.images].every((i) => i.complete && i.naturalWidth > 0), null, { timeout: 10_000 });
    await shot(page, "uploads");
    assert.ok(sawResuming, "the dropped upload said it was resuming");
    assert.ok(sawProgress, "percent and speed were shown");
    for (const f of files) await page.locator(`li.upload.done[data-filename="${f}"]`).waitFor();
    const refused = page.locator('li.upload.failed[data-filename="notes.mp4"]');
    assert.match(await refused.innerText(), /not a video/);
    // the dropped chunk was not sent twice: the page asked the server where to go on
    const size = files.map((f) => readFileSync(join(DATA, f)).length);
    assert.ok(size.includes(sent.get(dropped).bytes), `bytes sent for the dropped upload ${sent.get(dropped).bytes} vs sizes ${size}`);
  }, ["Failed to load resource"]);
  const videos = (await (await apiAs(alice)).get(`/api/videos?project=${state.alpha}`)).body;
  for (const f of files) {
    assert.equal(videos.find((v) => v.filename === f)?.sha256, sha256(join(DATA, f)), f);
  }
  assert.ok(!videos.some((v) => v.filename === "notes.mp4"), "nothing kept of the refused file");
});
