// Webhooks in the browser: an administrator adds one pointing at a local receiver this test
// starts (a private address, so "allow" is needed), sees the secret once, sends a test and watches
// the delivery log turn "delivered"; the receiver checks the HMAC signature with that secret.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { ADMIN, apiAs, collectErrors, launch, shot, signIn } from "./browser.mjs";

const run = Date.now().toString(36);

function receiver() {
  const got = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      got.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, got, url: `http://127.0.0.1:${server.address().port}/hook` })));
}

function verify(secret, headers, body) {
  const [, t, v1] = /^t=(\d+),v1=([0-9a-f]+)$/.exec(headers["x-recognizer-signature"]) ?? [];
  assert.ok(t && v1, `signature header ${headers["x-recognizer-signature"]}`);
  assert.ok(Math.abs(Date.now() / 1000 - Number(t)) < 120, "a fresh timestamp");
  const expected = createHmac("sha256", secret).update(`${t}.${body}`).digest();
  assert.ok(timingSafeEqual(expected, Buffer.from(v1, "hex")), "the signature verifies with the secret");
  return JSON.parse(body);
}

test("an administrator adds a webhook, sends a test and the receiver gets it signed", { timeout: 120_000 }, async () => {
  const { server, got, url } = await receiver();
  const admin = await apiAs(ADMIN);
  const name = `Hooks ${run}`;
  assert.equal((await admin.post("/api/projects", { name })).status, 201);
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = collectErrors(page, ["status of 422"]);
    await signIn(page, ADMIN);
    await page.getByLabel("Project").selectOption({ label: name });
    await page.getByRole("link", { name: "Webhooks" }).click();
    const form = page.getByRole("form", { name: "Add a webhook" });
    await form.getByLabel("URL").fill(url);
    // a private address needs the administrator's permission, said at the URL field
    await form.getByRole("button", { name: "Add webhook" }).click();
    await form.locator(".field", { has: page.getByLabel("URL") }).getByRole("alert").filter({ hasText: "private" }).waitFor();
    await form.getByLabel("Allow a private address").check();
    await form.getByRole("button", { name: "Add webhook" }).click();
    const secret = (await form.locator(".new-token .secret").innerText()).trim();
    assert.match(secret, /^whsec_[0-9a-f]{48}$/);

    const card = page.locator(`article.webhook[data-webhook="${url}"]`);
    await card.getByRole("button", { name: "Send test" }).click();
    await card.locator('tr[data-status="delivered"]').waitFor({ timeout: 20_000 });
    assert.match(await card.locator("tbody tr").first().innerText(), /ping\s+delivered\s+1\s+204/);
    await shot(page, "webhooks");

    assert.equal(got.length, 1);
    const ping = verify(secret, got[0].headers, got[0].body);
    assert.equal(ping.type, "ping");
    assert.equal(got[0].headers["x-recognizer-event"], "ping");
    assert.deepEqual(errors, [], "errors in the page");
  } finally {
    await browser.close();
    server.close();
  }
});
