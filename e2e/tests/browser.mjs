// Shared browser set-up: Debian's Chromium, headless, no network beyond loopback.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

export const BASE_URL = process.env.RECOGNIZER_URL ?? "http://127.0.0.1:8080";
export const SHOTS = new URL("../screenshots/", import.meta.url).pathname;
mkdirSync(SHOTS, { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/// Fails the test on any error the page logs (a WASM panic shows up here).
export function collectErrors(page) {
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  return errors;
}
