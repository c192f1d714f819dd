// Retention on the Admin page: an administrator sees each project's storage and sets how long
// its videos are kept; the setting is saved and shown again after a reload.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, apiAs, collectErrors, launch, shot, signIn } from "./browser.mjs";

const run = Date.now().toString(36);

test("an administrator sets a project's retention on the admin page", { timeout: 120_000 }, async () => {
  const admin = await apiAs(ADMIN);
  const name = `Archive ${run}`;
  const project = await admin.post("/api/projects", { name });
  assert.equal(project.status, 201);
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = collectErrors(page);
    await signIn(page, ADMIN);
    await page.getByRole("link", { name: "Admin" }).click();
    const row = page.locator(`table.storage tr[data-project="${name}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /0 · 0 B/);
    await row.getByLabel(`keep videos of ${name} (days)`).fill("30");
    await row.getByRole("button", { name: "Save" }).click();
    await row.getByText("saved").waitFor();
    await row.scrollIntoViewIfNeeded();
    await shot(page, "admin-retention");
    await page.reload();
    await page.locator(`table.storage tr[data-project="${name}"]`).waitFor();
    assert.equal(await page.getByLabel(`keep videos of ${name} (days)`).inputValue(), "30");
    const storage = (await admin.get("/api/admin/storage")).body.find((p) => p.project_id === project.body.id);
    assert.deepEqual(storage.retention, { videos_days: 30, artifacts_days: null });
    assert.deepEqual(errors, [], "errors in the page");
  } finally {
    await browser.close();
  }
});
