// Footfall in the browser: a zone and a counting line drawn with the mouse on a video's poster
// and saved with the video; an analyze job with footfall on counts them, and its page shows the
// heatmap (with a window selector) and the zone and line tables; after a reload the zone and
// line are still on the video.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ADMIN, BASE_URL, DATA, apiAs, collectErrors, launch, uploadInLibrary, shot, signIn } from "./browser.mjs";

const run = Date.now().toString(36);

test("zones and lines drawn on a video are counted and shown as a heatmap and tables", { timeout: 420_000 }, async () => {
  const admin = await apiAs(ADMIN);
  const name = `Footfall ${run}`;
  const project = await admin.post("/api/projects", { name });
  assert.equal(project.status, 201);
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = collectErrors(page);
    await signIn(page, ADMIN);
    await page.getByLabel("Project").selectOption({ label: name });
    await uploadInLibrary(page, join(DATA, "vtest.avi"));
    await page.getByRole("link", { name: "vtest.avi" }).first().click();

    // draw on the video page's footfall picture: a zone of four corners, then a line
    const section = page.locator("section.footfall-layout");
    const canvas = section.locator(".zone-canvas");
    await canvas.waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll("section.footfall-layout img")].every((i) => i.complete && i.naturalWidth > 0));
    await canvas.scrollIntoViewIfNeeded();
    let box = await canvas.boundingBox();
    const click = (x, y) => page.mouse.click(box.x + x * box.width, box.y + y * box.height);
    for (const [x, y] of [[0.05, 0.55], [0.5, 0.55], [0.5, 0.95], [0.05, 0.95]]) await click(x, y);
    await section.getByLabel("Name", { exact: true }).fill("lawn");
    await section.getByRole("button", { name: "Finish zone" }).click();
    await canvas.locator('polygon[data-zone="lawn"]').waitFor();
    await section.getByLabel("Line").check();
    await click(0.5, 0.2);
    await click(0.5, 0.99);
    await section.getByLabel("Name", { exact: true }).fill("middle");
    await section.getByRole("button", { name: "Finish line" }).click();
    await canvas.locator('line[data-line="middle"]').waitFor({ state: "attached" }); // a vertical line has no width: "hidden" to Playwright
    await shot(page, "footfall-drawn");
    await section.getByRole("button", { name: "Save zones and lines" }).click();
    await section.getByRole("status").filter({ hasText: "Saved" }).waitFor();
    const video = page.url().split("/").pop();
    const stored = (await admin.get(`/api/videos/${video}`)).body.footfall;
    assert.equal(stored.zones[0].name, "lawn");
    assert.equal(stored.zones[0].points.length, 4);
    for (const [x, y] of stored.zones[0].points) assert.ok(x >= 0.03 && x <= 0.52 && y >= 0.53 && y <= 0.97, `relative corner ${x}, ${y}`);
    assert.equal(stored.lines[0].name, "middle");

    // reload: still there
    await page.reload();
    await page.locator('section.footfall-layout polygon[data-zone="lawn"]').waitFor();
    await page.locator('section.footfall-layout line[data-line="middle"]').waitFor({ state: "attached" });

    // an analyze job with footfall on, in 20 s windows
    await page.getByRole("link", { name: "Jobs", exact: true }).click();
    await page.getByRole("link", { name: "New job" }).click();
    await page.getByLabel("Kind").selectOption("analyze");
    await page.getByLabel("Falls only").check();
    await page.getByLabel("vtest.avi").check();
    // footfall's settings appear with its toggle; a line drawn in the form goes to the job
    const linesField = page.locator('[data-param="footfall.lines"]');
    assert.equal(await linesField.isVisible(), false, "hidden while footfall is off");
    await page.getByLabel("Count footfall").check();
    const lineCanvas = linesField.locator(".zone-canvas");
    await lineCanvas.waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-param="footfall.lines"] img')].every((i) => i.complete && i.naturalWidth > 0));
    await lineCanvas.scrollIntoViewIfNeeded();
    box = await lineCanvas.boundingBox();
    await click(0.1, 0.5);
    await click(0.9, 0.5);
    await linesField.getByLabel("Name", { exact: true }).fill("path");
    await linesField.getByRole("button", { name: "Finish line" }).click();
    await lineCanvas.locator('line[data-line="path"]').waitFor({ state: "attached" });
    await page.locator("details.advanced summary").click();
    await page.getByLabel("Heatmap window").fill("20");
    await page.getByRole("button", { name: "Start job" }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    const job = page.url().split("/").pop();
    const params = (await admin.get(`/api/jobs/${job}`)).body.params;
    assert.equal(params.footfall.lines.length, 1);
    assert.equal(params.footfall.lines[0].name, "path");
    assert.ok(Math.abs(params.footfall.lines[0].a[1] - 0.5) < 0.03 && params.footfall.lines[0].a[0] < 0.15, JSON.stringify(params.footfall.lines[0]));

    // the job page: heatmap, window selector, zone and line tables
    const footfall = page.locator("section.footfall");
    await footfall.waitFor({ timeout: 360_000 });
    await page.waitForFunction(() => { const i = document.querySelector("section.footfall img.heatmap-picture"); return i && i.complete && i.naturalWidth > 0; });
    const row = footfall.locator('table.zone-table tr[data-zone="lawn"]');
    await row.waitFor();
    const whole = await row.locator("td").allInnerTexts();
    const summary = (await admin.get(`/api/jobs/${job}/artifacts`)).body.find((a) => a.filename === "footfall.json");
    const numbers = await (await fetch(`${BASE_URL}/api/artifacts/${summary.id}/download`, { headers: await cookieOf(page) })).json();
    assert.equal(whole[1], String(numbers.zones[0].stats[0].entries), "the table shows the job's numbers");
    assert.ok(Number(whole[1]) > 0, `people walk onto the lawn: ${whole}`);
    const line = await footfall.locator('table.line-table tr[data-line="middle"] td').allInnerTexts();
    assert.ok(Number(line[1]) + Number(line[2]) > 0, `people cross the middle: ${line}`);
    // the form's line counts too, beside the video's own
    assert.ok(await footfall.locator('table.line-table tr[data-line="path"]').count() === 1);
    // 80 s in 20 s windows: the whole video and 4 windows to choose from
    const windows = footfall.getByLabel("Window");
    assert.equal(await windows.locator("option").count(), 5);
    const before = await footfall.locator("img.heatmap-picture").getAttribute("src");
    await windows.selectOption({ index: 3 });
    await page.waitForFunction((b) => { const i = document.querySelector("section.footfall img.heatmap-picture"); return i.getAttribute("src") !== b && i.complete && i.naturalWidth > 0; }, before);
    const third = await row.locator("td").allInnerTexts();
    assert.equal(third[1], String(numbers.zones[0].stats[3].entries), "the table follows the window");
    await footfall.locator('figure[data-chart="occupancy"] img').waitFor();
    await footfall.scrollIntoViewIfNeeded();
    await shot(page, "footfall-job");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

/// The page's session cookie, for fetching what the page fetched.
async function cookieOf(page) {
  const cookies = await page.context().cookies();
  return { cookie: cookies.map((c) => `${c.name}=${c.value}`).join("; ") };
}
