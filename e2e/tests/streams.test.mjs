// Streams in the browser: a real RTSP camera (GStreamer's server looping a real fall from
// GMDCSA24, started here) is added on the Streams page with its password; the page shows it going
// live with its health; its own page shows the live view — the worker's drawn frames — with the
// latency, and the fall with its picture and clip; a zone is drawn on a still of it and saved;
// then it is disabled and deleted (the embedded
// worker lets it go).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { Socket, createServer } from "node:net";
import { createSocket } from "node:dgram";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADMIN, apiAs, collectErrors, launch, sharedClip, shot, signIn } from "./browser.mjs";

const run = Date.now().toString(36);
const REPO = new URL("../../", import.meta.url).pathname;

const freeTcp = () => new Promise((resolve) => {
  const s = createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
});
const freeUdp = () => new Promise((resolve) => {
  const s = createSocket("udp4").bind(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
});

/// A fall (GMDCSA24 Subject 1, 14: the person falls about 1 s in) as a camera sends it: 640 wide,
/// 15 fps, H.264 without B-frames, a keyframe a second; looped, the person falls every 6 s.
function cameraClip() {
  const out = join(tmpdir(), "recognizer-e2e-camera-fall14.ts");
  if (!existsSync(out)) {
    const r = spawnSync("ffmpeg", ["-loglevel", "error", "-y", "-i", sharedClip("falls-gmdcsa24/Subject 1/Fall/14.mp4"), "-t", "6",
      "-vf", "scale=640:-2,fps=15", "-c:v", "libx264", "-preset", "veryfast", "-bf", "0", "-g", "15", "-an", out]);
    assert.equal(r.status, 0, `making the camera clip: ${r.stderr}`);
  }
  return out;
}

async function startCamera(user, password) {
  const [port, udp] = [await freeTcp(), await freeUdp()];
  const feeder = spawn("ffmpeg", ["-loglevel", "error", "-re", "-stream_loop", "-1", "-i", cameraClip(),
    "-c", "copy", "-f", "rtp", `rtp://127.0.0.1:${udp}`], { stdio: "ignore" });
  const server = spawn("/usr/bin/python3", [join(REPO, "scripts/rtsp-server.py"), "--port", String(port),
    "--udp-port", String(udp), "--user", user, "--password", password], { stdio: "ignore" });
  for (let i = 0; i < 150; i++) {
    const up = await new Promise((resolve) => {
      const c = new Socket();
      c.once("connect", () => { c.destroy(); resolve(true); }).once("error", () => resolve(false)).connect(port, "127.0.0.1");
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `rtsp://127.0.0.1:${port}/cam`, stop: () => { feeder.kill("SIGKILL"); server.kill("SIGKILL"); } };
}

test("a camera is added on the Streams page, goes live and its live view shows the drawn frames", { timeout: 180_000 }, async () => {
  const camera = await startCamera("viewer", "cam-secret-7");
  const admin = await apiAs(ADMIN);
  const name = `Cameras ${run}`;
  assert.equal((await admin.post("/api/projects", { name })).status, 201);
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = collectErrors(page, ["status of 422"]);
    await signIn(page, ADMIN);
    await page.getByLabel("Project").selectOption({ label: name });
    await page.getByRole("link", { name: "Streams" }).click();
    const form = page.getByRole("form", { name: "Add a stream" });
    // a URL that is not one is refused at its field
    await form.getByLabel("Name", { exact: true }).fill("Lobby");
    await form.getByLabel("URL").fill("camera at the door");
    await form.getByRole("button", { name: "Add stream" }).click();
    await form.locator(".field", { has: page.getByLabel("URL") }).getByRole("alert").filter({ hasText: "not a URL" }).waitFor();
    await form.getByLabel("URL").fill(camera.url);
    await form.getByLabel("User name").fill("viewer");
    await form.getByLabel("Password").fill("cam-secret-7");
    await form.getByLabel("fight").uncheck();
    await form.getByLabel("Pose input (pixels)").fill("512");
    await form.getByRole("button", { name: "Add stream" }).click();

    const row = page.locator("table.streams tbody tr", { hasText: "Lobby" });
    await row.waitFor();
    // the embedded worker takes it; the row turns live with its health, pushed over the websocket
    await row.locator('[data-state="live"]').waitFor({ timeout: 60_000 });
    await row.locator(".health", { hasText: "latency" }).waitFor({ timeout: 20_000 });
    assert.ok(!(await page.content()).includes("cam-secret-7"), "the password is never shown");
    await shot(page, "streams");

    await row.getByRole("link", { name: "Lobby" }).click();
    const frame = page.locator('img[data-live="frame"]');
    await frame.waitFor({ timeout: 30_000 });
    // a new picture arrives a few times a second
    const first = await frame.getAttribute("src");
    await page.waitForFunction((old) => document.querySelector('img[data-live="frame"]')?.getAttribute("src") !== old, first, { timeout: 10_000 });
    const size = await frame.evaluate((img) => [img.naturalWidth, img.naturalHeight]);
    assert.deepEqual(size, [640, 480]);
    const caption = await page.locator(".live-view figcaption").innerText();
    assert.match(caption, /\d+ people/);
    assert.match(caption, /analysed \d+ ms after decoding/);
    await page.locator(".health", { hasText: "fps" }).waitFor();
    // the fall: listed when it opens (with its picture), its clip once it closed
    const fall = page.locator('ul.stream-events li[data-ongoing="false"]', { hasText: "fall" }).first();
    await fall.locator("video.clip").waitFor({ timeout: 90_000 });
    assert.ok(await fall.locator("img.thumb").evaluate((img) => img.complete && img.naturalWidth > 0), "the event's picture loads");
    await page.waitForFunction(() => document.querySelector("ul.stream-events video.clip")?.readyState >= 1, null, { timeout: 15_000 });
    const clipSecs = await fall.locator("video.clip").evaluate((v) => v.duration);
    assert.ok(clipSecs > 4 && clipSecs < 30, `clip of ${clipSecs} s`);
    await shot(page, "stream-live");

    // a zone without falls, drawn on a still of the live view and saved into the stream
    const zones = page.getByRole("region", { name: "Zones without falls" });
    await zones.getByRole("button", { name: "Draw on this frame" }).click();
    const canvas = zones.locator(".zone-canvas");
    await canvas.locator("img").waitFor();
    assert.deepEqual(await canvas.locator("img").evaluate((img) => [img.complete, img.naturalWidth, img.naturalHeight]), [true, 640, 480], "the still is a live frame");
    await canvas.scrollIntoViewIfNeeded();
    const box = await canvas.boundingBox();
    for (const [x, y] of [[0.05, 0.6], [0.5, 0.6], [0.5, 0.95], [0.05, 0.95]]) {
      await page.mouse.click(box.x + x * box.width, box.y + y * box.height);
    }
    await zones.getByLabel("Name", { exact: true }).fill("bench");
    await zones.getByRole("button", { name: "Finish zone" }).click();
    await zones.getByRole("button", { name: "Save zones" }).click();
    await zones.getByRole("status").filter({ hasText: "Saved" }).waitFor();
    await shot(page, "stream-zones");
    const streamId = new URL(page.url()).pathname.split("/").pop();
    const saved = (await admin.get(`/api/streams/${streamId}`)).body;
    assert.equal(saved.zones.length, 1, JSON.stringify(saved.zones));
    assert.equal(saved.zones[0].name, "bench");
    for (const [x, y] of saved.zones[0].points) assert.ok(x >= 0.03 && x <= 0.52 && y >= 0.58 && y <= 0.97, `relative corner ${x}, ${y}`);
    await page.reload();
    await page.getByRole("region", { name: "Zones without falls" }).locator('li[data-zone="bench"]').waitFor();

    // disabled, the worker lets it go; deleted, it is gone
    await page.getByRole("link", { name: "Streams" }).click();
    await row.getByRole("button", { name: "Disable" }).click();
    await row.locator('[data-state="disabled"]').waitFor({ timeout: 10_000 });
    await row.getByRole("button", { name: "Delete" }).click();
    await row.waitFor({ state: "detached", timeout: 10_000 });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    camera.stop();
  }
});
