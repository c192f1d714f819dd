// Guided job forms: a reviewer starts an anonymize job from a preset without opening "Advanced";
// every field has a label and help from the API's schema; nested parameters are sub-forms (no
// JSON text boxes); an analyze job's exclusion zone is drawn on the video's poster.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ADMIN, DATA, apiAs, collectErrors, launch, uploadInLibrary, shot, signIn } from "./browser.mjs";

const run = Date.now().toString(36);

test("a reviewer-friendly anonymize job starts from a preset without touching Advanced", { timeout: 240_000 }, async () => {
  const admin = await apiAs(ADMIN);
  const name = `Forms ${run}`;
  const project = await admin.post("/api/projects", { name });
  assert.equal(project.status, 201);
  const kinds = (await admin.get("/api/job-kinds")).body;
  const anonymize = kinds.find((k) => k.kind === "anonymize");
  const eyes = anonymize.presets.find((p) => p.name === "eyes_only");
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = collectErrors(page);
    await signIn(page, ADMIN);
    await page.getByLabel("Project").selectOption({ label: name });
    await uploadInLibrary(page, join(DATA, "bikes.mp4"));

    await page.getByRole("link", { name: "Jobs", exact: true }).click();
    await page.getByRole("link", { name: "New job" }).click();
    await page.getByLabel("Kind").selectOption("anonymize");
    // presets with their help; the first (the defaults) is chosen
    const presets = page.locator("fieldset.presets li");
    assert.deepEqual(await presets.locator("label").allInnerTexts(), anonymize.presets.map((p) => p.label));
    assert.ok(await page.getByLabel("Standard").isChecked());
    assert.match(await page.locator("fieldset.presets").innerText(), /deface/);
    // every field has its label and one line of help; no JSON text anywhere
    for (const field of await page.locator(".job-form .field[data-param]").all()) {
      assert.ok((await field.locator(".help").textContent()).length > 10, await field.innerHTML());
    }
    assert.equal(await page.locator(".job-form textarea").count(), 0, "no JSON text boxes");
    // the filter is a sub-form: its own inputs per kind
    assert.equal(await page.getByLabel("Blur strength").inputValue(), "0.5");
    await page.getByLabel("How to hide it").selectOption("mosaic");
    assert.equal(await page.getByLabel("Block size").inputValue(), "12");
    await page.getByLabel("How to hide it").selectOption("blur");
    await shot(page, "job-form-presets");

    // the reviewer picks "Eyes only" and the video, and starts it; Advanced stays closed
    await page.getByLabel(eyes.label, { exact: true }).check();
    assert.equal(await page.getByLabel("What to hide").inputValue(), "eyes", "the preset shows in the basic fields");
    assert.equal(await page.getByLabel("How to hide it").inputValue(), "solid");
    await page.getByLabel("bikes.mp4").check();
    assert.equal(await page.locator("details.advanced").getAttribute("open"), null, "Advanced untouched");
    await page.getByRole("button", { name: "Start job" }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    const id = page.url().split("/").pop();
    const job = (await admin.get(`/api/jobs/${id}`)).body;
    assert.equal(job.params.mode, "eyes");
    assert.equal(job.params.shape, "box");
    assert.deepEqual(job.params.filter, { kind: "solid", colour: [0, 0, 0] });
    assert.equal(job.params.detect_every, anonymize.defaults.detect_every, "the rest stays at the defaults");
    await page.locator("h1 .badge", { hasText: "succeeded" }).waitFor({ timeout: 180_000 });
    await page.locator('article[data-artifact="anonymized.mp4"]').waitFor({ timeout: 20_000 });

    // analyze: a zone drawn on the poster inside the form goes into the job's parameters
    await page.getByRole("link", { name: "Jobs", exact: true }).click();
    await page.getByRole("link", { name: "New job" }).click();
    await page.getByLabel("Kind").selectOption("analyze");
    await page.getByLabel("Falls only").check();
    await page.getByLabel("bikes.mp4").check();
    // the fall exclusion zones (footfall has its own zone drawing further down)
    const zonesField = page.locator('[data-param="events.exclusion_zones"]');
    const canvas = zonesField.locator(".zone-canvas");
    await canvas.waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-param="events.exclusion_zones"] img')].every((i) => i.complete && i.naturalWidth > 0));
    await canvas.scrollIntoViewIfNeeded();
    const box = await canvas.boundingBox();
    for (const [x, y] of [[0.1, 0.6], [0.5, 0.6], [0.5, 0.95]]) await page.mouse.click(box.x + x * box.width, box.y + y * box.height);
    await zonesField.getByLabel("Name", { exact: true }).fill("bench");
    await zonesField.getByRole("button", { name: "Finish zone" }).click();
    await canvas.locator('polygon[data-zone="bench"]').waitFor();
    // weights are three named numbers under Advanced
    await page.locator("details.advanced summary").click();
    assert.deepEqual(await page.locator('[data-param="events.fall.weights"] .weight label').allInnerTexts(),
      ["height ratio", "torso orientation", "downward velocity"]);
    await shot(page, "job-form-analyze");
    await page.getByRole("button", { name: "Start job" }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    const analyze = (await admin.get(`/api/jobs/${page.url().split("/").pop()}`)).body;
    assert.deepEqual(analyze.params.events.services, ["fall"]);
    assert.equal(analyze.params.events.exclusion_zones.length, 1);
    const zone = analyze.params.events.exclusion_zones[0];
    assert.equal(zone.name, "bench");
    assert.equal(zone.points.length, 3);
    for (const [x, y] of zone.points) assert.ok(x >= 0.05 && x <= 0.55 && y >= 0.55 && y <= 1, `relative corner ${x}, ${y}`);
    assert.deepEqual(errors, [], "errors in the page");
  } finally {
    await browser.close();
  }
});
