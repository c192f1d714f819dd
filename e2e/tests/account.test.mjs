// A person changes their own password on the Account page: a wrong current password and a weak
// new one are refused next to their fields; then the new password works and the old one does not.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, BASE_URL, apiAs, collectErrors, launch, shot, signIn } from "./browser.mjs";

const run = Date.now().toString(36);
const ivy = { email: `ivy-${run}@example.org`, password: "ivy-harbor-saffron-28" };
const next = "ivy-quartz-meadow-lantern";

test("a person changes their own password on the account page", { timeout: 120_000 }, async () => {
  const admin = await apiAs(ADMIN);
  const created = await admin.post("/api/users", { email: ivy.email, password: ivy.password, role: "uploader" });
  assert.equal(created.status, 201, JSON.stringify(created.body));

  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // the refused attempts answer 422 (the browser logs those resource loads)
    const errors = collectErrors(page, ["status of 422"]);
    await signIn(page, ivy);
    // the status page is for administrators: an uploader has no link to it
    assert.equal(await page.getByRole("link", { name: "Status" }).count(), 0);
    await page.getByRole("link", { name: "Account" }).click();
    const form = page.getByRole("form", { name: "Change password" });
    await form.waitFor();

    await form.getByLabel("Current password").fill("not my password");
    await form.getByLabel("New password").fill(next);
    await form.getByRole("button", { name: "Change password" }).click();
    await form.getByRole("alert").filter({ hasText: "current password is wrong" }).waitFor();

    await form.getByLabel("Current password").fill(ivy.password);
    await form.getByLabel("New password").fill("password123");
    await form.getByRole("button", { name: "Change password" }).click();
    await form.getByRole("alert").filter({ hasText: "too easy to guess" }).waitFor();
    await shot(page, "account-weak-password");

    await form.getByLabel("New password").fill(next);
    await form.getByRole("button", { name: "Change password" }).click();
    await form.getByRole("status").filter({ hasText: "Password changed" }).waitFor();
    await shot(page, "account-changed");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
  const old = await fetch(BASE_URL + "/api/auth/login", {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify(ivy),
  });
  assert.equal(old.status, 401);
  await apiAs({ email: ivy.email, password: next });
});

test("a person creates an API token on the account page, uses it with curl, revokes it", { timeout: 120_000 }, async () => {
  const { execFileSync } = await import("node:child_process");
  const joe = { email: `joe-${run}@example.org`, password: "joe-marble-thistle-36" };
  const admin = await apiAs(ADMIN);
  assert.equal((await admin.post("/api/users", { email: joe.email, password: joe.password, role: "uploader" })).status, 201);
  const curl = (token, ...args) => execFileSync("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}",
    "-H", `Authorization: Bearer ${token}`, ...args]).toString();

  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors = collectErrors(page);
    await signIn(page, joe);
    await page.getByRole("link", { name: "Account" }).click();
    const form = page.getByRole("form", { name: "Create a token" });
    await form.getByLabel("Name").fill("nightly export");
    await form.getByLabel("Access").selectOption("read");
    await form.getByLabel("Expires").selectOption("30");
    await form.getByRole("button", { name: "Create token" }).click();
    const secret = page.locator(".new-token .secret");
    await secret.waitFor();
    const token = (await secret.innerText()).trim();
    assert.ok(token.length >= 32, "a long secret");
    const row = page.locator('tr[data-token="nightly export"]');
    await row.waitFor();
    assert.match(await row.innerText(), /read only/);
    await shot(page, "account-token");

    // used with curl: reads work, writes are refused (read only)
    assert.equal(curl(token, `${BASE_URL}/api/auth/me`), "200");
    assert.equal(curl(token, "-X", "POST", "-H", "content-type: application/json", "-d", '{"name":"x"}', `${BASE_URL}/api/projects`), "403");
    await page.reload();
    await row.waitFor();
    assert.match(await row.locator("td").nth(3).innerText(), /^\d{4}-\d\d-\d\d /, "its last use is shown");

    await row.getByRole("button", { name: "Revoke" }).click();
    await row.waitFor({ state: "detached" });
    assert.equal(curl(token, `${BASE_URL}/api/auth/me`), "401");
    assert.deepEqual(errors, [], "errors in the page");
  } finally {
    await browser.close();
  }
});
