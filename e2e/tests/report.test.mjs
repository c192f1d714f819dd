// An evaluation report in the browser: an uploader gives an analyze job the labelled interval of a
// real fall clip through the labels sub-form, sees the report with its charts, moves the threshold
// and the numbers change, downloads report.html — which opens in Chromium with the network off.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADMIN, apiAs, collectErrors, launch, uploadInLibrary, sharedClip, shot, signIn } from "./browser.mjs";

const run = Date.now().toString(36);

test("an analyze job with labels shows its evaluation, the threshold moves it, report.html opens offline", { timeout: 420_000 }, async () => {
  const clip = sharedClip("falls-gmdcsa24/Subject 1/Fall/13.mp4"); // Falling (BW) 0.4–4 s
  const admin = await apiAs(ADMIN);
  const name = `Evaluation ${run}`;
  assert.equal((await admin.post("/api/projects", { name })).status, 201);
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const errors = collectErrors(page);
    await signIn(page, ADMIN);
    await page.getByLabel("Project").selectOption({ label: name });
    await uploadInLibrary(page, clip);

    await page.getByRole("link", { name: "Jobs", exact: true }).click();
    await page.getByRole("link", { name: "New job" }).click();
    await page.getByLabel("Kind").selectOption("analyze");
    await page.getByLabel("13.mp4").check();
    await page.locator("details.advanced summary").click();
    const rules = page.locator('[data-param="labels"]');
    await rules.getByRole("button", { name: "Add a rule" }).click();
    assert.equal(await rules.getByLabel("Video of rule 1").inputValue(), "13.mp4", "the chosen video is offered");
    await rules.getByLabel("Class of rule 1").fill("fall");
    await rules.getByLabel("Start of rule 1").fill("0.4");
    await rules.getByLabel("End of rule 1").fill("4");
    await page.getByRole("button", { name: "Start job" }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    const jobId = page.url().split("/").pop();
    const job = (await admin.get(`/api/jobs/${jobId}`)).body;
    assert.deepEqual(job.params.labels, [{ video: "13.mp4", label: "fall", start: 0.4, end: 4 }]);
    await page.locator("h1 .badge", { hasText: "succeeded" }).waitFor({ timeout: 360_000 });

    // the report: numbers per service, the charts drawn
    const report = page.getByRole("region", { name: "Evaluation against the labels" });
    await report.waitFor({ timeout: 20_000 });
    const fall = report.locator('.service-report[data-service="fall"]');
    await fall.waitFor();
    const clips = fall.locator('tr[data-level="clips"]');
    assert.equal(await clips.locator('[data-measure="confusion"]').innerText(), "1 / 0 / 0 / 0", "the clip's fall found");
    await page.waitForFunction(() => {
      const imgs = [...document.querySelectorAll(".report figure img")];
      return imgs.length === 5 && imgs.every((i) => i.complete && i.naturalWidth > 0);
    }, null, { timeout: 20_000 });
    assert.match(await fall.locator("table.measures").nth(1).innerText(), /IoU ≥ 0\.3\s+1 of 1/);
    await report.scrollIntoViewIfNeeded();
    await shot(page, "report");

    // a threshold above every score: the clip is missed now, computed in the page
    const before = await fall.locator('tr[data-level="1 s windows"] [data-measure="confusion"]').innerText();
    await fall.getByLabel("Threshold").fill("0.99");
    assert.equal(await fall.locator("output").innerText(), "0.99");
    assert.equal(await clips.locator('[data-measure="confusion"]').innerText(), "0 / 0 / 0 / 1");
    assert.equal(await clips.locator('[data-measure="recall"]').innerText(), "0.00");
    assert.notEqual(await fall.locator('tr[data-level="1 s windows"] [data-measure="confusion"]').innerText(), before);

    // report.html downloads and opens with the network off: everything is inside it
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      report.getByRole("link", { name: "Download report.html" }).click(),
    ]);
    const saved = join(mkdtempSync(join(tmpdir(), "rcg-report-")), "report.html");
    await download.saveAs(saved);
    const offline = await browser.newContext({ offline: true });
    const requests = [];
    offline.on("request", (r) => { if (!r.url().startsWith("file:")) requests.push(r.url()); });
    const view = await offline.newPage();
    await view.goto(`file://${saved}`);
    assert.equal(await view.locator("figure svg").count(), 5, "the five charts render inside the file");
    assert.match(await view.locator("h1").innerText(), /against its labels/);
    assert.match(await view.locator("body").innerText(), /IoU ≥ 0\.3/);
    assert.deepEqual(requests, [], "report.html fetched nothing");
    await view.screenshot({ path: new URL("../screenshots/report-html.png", import.meta.url).pathname, fullPage: true });
    await offline.close();
    assert.deepEqual(errors, [], "errors in the page");
  } finally {
    await browser.close();
  }
});
