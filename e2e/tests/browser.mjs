// Shared browser set-up: Debian's Chromium, headless, no network beyond loopback; sign-in and
// set-up helpers for the app tests.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const BASE_URL = process.env.RECOGNIZER_URL ?? "http://127.0.0.1:8080";
export const SHOTS = new URL("../screenshots/", import.meta.url).pathname;
export const DATA = process.env.RECOGNIZER_DATA_CACHE ?? `${process.env.HOME}/.cache/recognizer/data`;
export const ADMIN = {
  email: process.env.RECOGNIZER_ADMIN_EMAIL ?? "admin@example.org",
  password: process.env.RECOGNIZER_ADMIN_PASSWORD ?? "admin-password-1",
};
mkdirSync(SHOTS, { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--autoplay-policy=no-user-gesture-required"],
  });
}

/// Fails the test on any error the page logs (a WASM panic shows up here). Failed resource loads
/// that a test provokes on purpose (403/404 answers, dropped uploads) are told apart by `allow`.
export function collectErrors(page, allow = []) {
  // Every fresh page asks /api/auth/me first; before sign-in the answer is 401.
  allow = [...allow, "status of 401"];
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error" && !allow.some((a) => m.text().includes(a))) errors.push(m.text());
  });
  return errors;
}

export async function shot(page, name) {
  await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });
}

export const sha256 = (path) => createHash("sha256").update(readFileSync(path)).digest("hex");

/// Signs in through the form, with the keyboard.
export async function signIn(page, { email, password }) {
  await page.goto(BASE_URL + "/");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.keyboard.press("Enter");
  await page.getByRole("button", { name: "Sign out" }).waitFor({ timeout: 20_000 });
}

/// A signed-in API client for set-up and for checking what the pages show against the API.
export async function apiAs({ email, password }) {
  const login = await fetch(BASE_URL + "/api/auth/login", {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password }),
  });
  if (!login.ok) throw new Error(`login ${email}: ${login.status} ${await login.text()}`);
  const cookie = login.headers.get("set-cookie").split(";")[0];
  const { csrf_token } = await login.json();
  const call = async (method, path, body) => {
    const r = await fetch(BASE_URL + path, {
      method,
      headers: { cookie, "x-csrf-token": csrf_token, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  };
  return { get: (p) => call("GET", p), post: (p, b) => call("POST", p, b ?? {}) };
}

/// A clip of the labelled footage in ../shared/data (tests only; the product never reads it).
export function sharedClip(name) {
  const roots = [process.env.RECOGNIZER_SHARED_DATA, new URL("../../../shared/data", import.meta.url).pathname, "/work/shared/data"];
  for (const root of roots.filter(Boolean)) {
    if (existsSync(join(root, name))) return join(root, name);
  }
  throw new Error(`${name} is missing: this test needs the labelled footage of ../shared/data (set RECOGNIZER_SHARED_DATA to its folder)`);
}

/// Uploads a file on the library page (the current project) and waits until it is stored.
export async function uploadInLibrary(page, path) {
  await page.getByRole("link", { name: "Library" }).click();
  await page.locator("#upload-input").setInputFiles(path);
  await page.locator(`li.upload.done[data-filename="${path.split("/").pop()}"]`).waitFor({ timeout: 60_000 });
}
