// onair's /docs page in a real browser: headless Chromium (Debian's) opens it and waits for
// Redoc to render the API from /docs/openapi.yaml: the title, the operation "Create a room"
// and its path. Every request the page makes must go to onair itself (the page has to work
// with no internet); what its Content-Security-Policy refuses never leaves the browser and
// is only reported. Saves a screenshot.
//   node docs_page.mjs <http port> <screenshot.png>
// Prints one JSON line with what the page showed; exits non-zero when something is wrong.
import { chromium } from "playwright-core";

const [port, screenshot] = process.argv.slice(2);
const origin = `http://127.0.0.1:${port}`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"],
});
let ok = false;
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const requests = [];
  const failed = [];
  const errors = [];
  page.on("request", (r) => requests.push(r.url()));
  const cspBlocked = new Set();
  page.on("requestfailed", (r) => {
    // Refused by the page's own Content-Security-Policy: never sent.
    if (r.failure()?.errorText === "csp") cspBlocked.add(r.url());
    else failed.push(`${r.url()} ${r.failure()?.errorText}`);
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  // What the page's Content-Security-Policy blocked (never requested): reported, not an error.
  const blocked = [];
  page.on("console", (m) => { if (m.type() === "error" && m.text().includes("Content Security Policy")) blocked.push(m.text()); });
  // Anything for another host is refused here, so a CDN dependency fails the test even on
  // a machine that has internet.
  await page.route((url) => url.origin !== origin, (route) => route.abort());
  const res = await page.goto(`${origin}/docs`, { waitUntil: "load", timeout: 30000 });
  // Redoc renders the operation's summary as a heading, and its path in the right panel.
  const op = page.locator("h2", { hasText: "Create a room" }).first();
  await op.waitFor({ state: "visible", timeout: 30000 });
  await op.scrollIntoViewIfNeeded();
  const seen = await page.evaluate(() => ({
    title: document.title,
    heading: document.querySelector("h1")?.textContent || "",
    operations: document.querySelectorAll("[data-section-id^='operation/']").length,
    createRoomPath: document.body.innerText.includes("/v1/rooms/{id}/seats/requests"),
  }));
  await page.screenshot({ path: screenshot });
  const foreign = requests.filter((u) => !u.startsWith(origin) && !u.startsWith("data:") && !u.startsWith("blob:") &&
                                         !cspBlocked.has(u));
  console.log(JSON.stringify({ status: res.status(), seen, requests, foreign, failed, errors, blocked }));
  ok = res.status() === 200 && seen.heading.includes("onair") && seen.operations >= 40 &&
       seen.createRoomPath && foreign.length === 0 && failed.length === 0 && errors.length === 0;
} finally {
  await browser.close();
}
process.exitCode = ok ? 0 : 1;
