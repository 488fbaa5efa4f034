// A browser calls a browser through onair: headless Chromium (Debian's) with a fake camera
// and microphone opens onair's test page twice; one page publishes with WHIP, the other
// plays with WHEP; getStats must show decoded frames at the published size and audio.
//   node webrtc_call.mjs <http port> <whip path+query> <whep path+query> [token]
// Prints one JSON line with what the pages saw; exits non-zero when something is wrong.
import { chromium } from "playwright-core";

const [port, whip, whep, token] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--use-fake-device-for-media-stream",
         "--use-fake-ui-for-media-stream", "--allow-loopback-in-peer-connection",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const result = {};
try {
  const sender = await browser.newPage();
  await sender.goto(`${base}/web/webrtc.html`);
  await sender.evaluate(async ({ whip, token }) => { window.s = await window.onair.publish(whip, { token }); },
                        { whip, token });
  const viewer = await browser.newPage();
  await viewer.goto(`${base}/web/webrtc.html`);
  await viewer.evaluate(async ({ whep, token }) => { window.s = await window.onair.play(whep, { token }); },
                        { whep, token });
  const deadline = Date.now() + 20000;
  for (;;) {
    result.viewer = await viewer.evaluate(() => window.onair.stats(window.s));
    const v = result.viewer.inbound.video, a = result.viewer.inbound.audio;
    if (v && v.framesDecoded > 60 && a && a.totalAudioEnergy > 0 && v.frameWidth === 640) break;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  result.sender = await sender.evaluate(() => window.onair.stats(window.s));
  await viewer.evaluate(() => window.s.stop());
  await sender.evaluate(() => window.s.stop());
} catch (e) {
  result.error = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
const v = result.viewer?.inbound?.video, a = result.viewer?.inbound?.audio;
process.exitCode = v && v.framesDecoded > 60 && v.frameWidth === 640 && v.frameHeight === 480 && a &&
                   a.totalAudioEnergy > 0 ? 0 : 1;
