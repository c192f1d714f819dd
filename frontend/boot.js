// Starts the WASM app. A file of its own, not an inline script: the Content-Security-Policy
// allows scripts from this origin only.
import init from "/pkg/frontend.js";
init().catch((e) => {
  const p = document.createElement("p");
  p.className = "fatal";
  p.textContent = `The web UI failed to start: ${e}`;
  document.body.append(p);
});
