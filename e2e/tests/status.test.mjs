// The status page is rendered by the WASM app (not the HTML shell) from live /api/health data.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, BASE_URL, apiAs, collectErrors, launch, shot, signIn } from "./browser.mjs";

for (const [name, viewport] of [["desktop", { width: 1280, height: 800 }], ["narrow", { width: 390, height: 800 }]]) {
  test(`status page renders from WASM with live health data (${name})`, async () => {
    const browser = await launch();
    try {
      const page = await browser.newPage({ viewport });
      const errors = collectErrors(page);
      await page.goto(BASE_URL + "/");
      await shot(page, `login-${name}`);
      await signIn(page, ADMIN);
      await page.getByRole("link", { name: "Status" }).click();
      // The shell has no such element: only the running app creates it, after fetching /api/health.
      const summary = page.getByTestId("health-summary");
      await summary.waitFor({ timeout: 20_000 });
      const cards = await page.locator("article.check h3").allInnerTexts();
      for (const title of ["Database", "Object storage", "ONNX Runtime", "Models", "Workers"]) {
        assert.ok(cards.some((c) => c.startsWith(title)), `card ${title} missing in ${cards}`);
      }
      // The page shows what the API says (to an administrator), not a canned text.
      const { body: health } = await (await apiAs(ADMIN)).get("/api/health");
      const storageCard = page.locator("article.check", { hasText: "Object storage" });
      assert.ok((await storageCard.innerText()).includes(health.storage.detail.split(":")[0]));
      assert.equal(await page.locator("tbody tr").count(), health.model_files.length);
      await shot(page, `status-${name}`);
      // Deep links load the app, which says there is nothing there.
      const deep = await page.goto(BASE_URL + "/some/deep/link");
      assert.equal(deep.status(), 200);
      await page.getByRole("heading", { name: "Page not found" }).waitFor({ timeout: 20_000 });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
}
