// The model registry in the browser: an uploader adds a skeleton classifier on the Models page
// with its contract filled in field by field; a file that is not ONNX is refused at the file
// field; the analyze form offers the model for its service, and the event it finds shows the
// classifier's score in its "why" panel.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADMIN, apiAs, collectErrors, launch, shot, signIn } from "./browser.mjs";

const run = Date.now().toString(36);
const vic = { email: `vic-${run}@example.org`, password: "vic-saffron-glacier-58" };
const repo = new URL("../../", import.meta.url).pathname;

function sharedClip(name) {
  const roots = [process.env.RECOGNIZER_SHARED_DATA, join(repo, "../shared/data"), "/work/shared/data"];
  for (const root of roots.filter(Boolean)) if (existsSync(join(root, name))) return join(root, name);
  throw new Error(`${name} is missing: this test needs the labelled footage of ../shared/data (set RECOGNIZER_SHARED_DATA)`);
}

/// The probe models of the Rust tests (recognizer/tests/python/make_models.py), built with the
/// tests' Python venv (the Rust tests create it; `make test` runs them first).
function makeModels() {
  const tools = process.env.RECOGNIZER_TOOLS ?? `${process.env.HOME}/.cache/recognizer/tools`;
  const python = join(tools, "pyvenv-test/bin/python");
  if (!existsSync(python)) throw new Error(`${python} is missing: run the Rust tests first (they create the venv with numpy and onnx)`);
  const dir = mkdtempSync(join(tmpdir(), "models-"));
  execFileSync(python, [join(repo, "recognizer/tests/python/make_models.py"), dir]);
  return dir;
}

test("an uploader registers a classifier, is told when a file is not ONNX, and an analyze job uses it", { timeout: 420_000 }, async () => {
  const models = makeModels();
  const notOnnx = join(models, "notes.onnx");
  writeFileSync(notOnnx, "these are not weights");
  const clip = sharedClip("falls-gmdcsa24/Subject 1/Fall/13.mp4");
  const admin = await apiAs(ADMIN);
  assert.equal((await admin.post("/api/users", { email: vic.email, password: vic.password, role: "uploader" })).status, 201);
  const project = await admin.post("/api/projects", { name: `Ward ${run}` });
  assert.equal((await admin.post(`/api/projects/${project.body.id}/members`, { email: vic.email, role: "uploader" })).status, 200);

  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = collectErrors(page, ["status of 422"]);
    await signIn(page, vic);
    await page.locator("#upload-input").setInputFiles(clip);
    await page.locator('li.upload.done[data-filename="13.mp4"]').waitFor({ timeout: 60_000 });
    // the library searches on the server and says how many match
    const search = page.getByRole("search", { name: "Find videos" });
    await search.getByRole("searchbox", { name: "Name" }).fill("nothing-like-this");
    await page.getByText("No videos match.").waitFor();
    await search.getByRole("searchbox", { name: "Name" }).fill("13");
    await page.getByRole("navigation", { name: "Pages of videos" }).getByText("1–1 of 1").waitFor();
    assert.equal(await page.locator("li.video-card").count(), 1);

    await page.getByRole("link", { name: "Models" }).click();
    const form = page.getByRole("form", { name: "Add a model" });
    await form.getByLabel("Name").fill("always fall");
    await form.getByLabel("Service").selectOption("fall");
    await form.getByRole("button", { name: "MMAction2 export" }).click();
    assert.equal(await form.getByLabel("Input layout").inputValue(), "NMTVC");
    await form.getByLabel("Output", { exact: true }).selectOption("probabilities");
    await form.getByLabel("Frames per window (T)").fill("30");
    await form.getByLabel("People per window (M)").fill("1");
    await form.getByLabel("Classes, in output order").fill("other, fall");
    await form.getByLabel("Event class").fill("fall");
    await form.getByLabel("ONNX file").setInputFiles(notOnnx);
    await form.getByRole("button", { name: "Check and add" }).click();
    await form.locator(".field", { has: page.getByLabel("ONNX file") }).getByRole("alert").filter({ hasText: "not an ONNX model" }).waitFor();
    await shot(page, "models-refused");
    await form.getByLabel("ONNX file").setInputFiles(join(models, "constant_fall.onnx"));
    await form.getByRole("button", { name: "Check and add" }).click();
    const row = page.locator('tr[data-model="always fall"]');
    await row.waitFor();
    assert.match(await row.innerText(), /NMTVC · 30 frames · 1 persons · 3 channels/);
    await shot(page, "models");

    await page.getByRole("link", { name: "Jobs", exact: true }).click();
    await page.getByRole("link", { name: "New job" }).click();
    await page.getByLabel("Kind").selectOption("analyze");
    await page.getByLabel("13.mp4").check();
    assert.deepEqual(await page.getByLabel("Fight classifier").locator("option").allInnerTexts(), ["none: the scorer alone"]);
    await page.getByLabel("Fall classifier").selectOption({ label: "always fall" });
    await page.getByRole("button", { name: "Start job" }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    await page.locator("h1 .badge", { hasText: "succeeded" }).waitFor({ timeout: 360_000 });
    await page.locator('li.event[data-service="fall"] button').click();
    const why = page.getByRole("region", { name: /Why this fall was raised/ });
    await why.waitFor();
    assert.match(await why.innerText(), /classifier\s+0\.90/);
    await shot(page, "event-with-classifier");
    assert.deepEqual(errors, [], "errors in the page");
  } finally {
    await browser.close();
  }
});
