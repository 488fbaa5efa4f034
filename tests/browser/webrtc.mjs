// WebRTC through onair in headless Chromium (Debian's), with a fake camera and microphone,
// using onair's own test page (/web/webrtc.html: window.onair.publish / play / stats).
//   node webrtc.mjs <scenario> '<json args>'
// Scenarios:
//   call      {base, whip, whep, token?, width, height}: one page publishes, another plays;
//             passes when the viewer decodes > 60 frames at width x height and hears audio.
//   nack      same args; onair drops packets on purpose (webrtc.drop_*_every): passes when
//             NACKs were sent and answered and the viewer still decodes.
//   simulcast {base, whip, whep, layer_url}: 1280x720 published as q/h/f; the viewer asks
//             for each layer in turn and must see 320, 640 and 1280 wide frames.
//   play      {base, whep, width, height, seconds}: one page plays a stream (e.g. published
//             over RTMP); passes when frames decoded rise every second and audio is heard.
//   publish   {base, whip, token?, hold_ms, stop_file?}: one page publishes its camera and
//             microphone until hold_ms passed or stop_file exists (the test plays the stream
//             over RTMP, FLV and HLS meanwhile); passes when video and audio were sent.
//   meeting   {base, members: [{whip, wheps: [..]}, ..], rt, room}: every member publishes and
//             plays the others, only the first with its microphone on; the first member also
//             listens on the realtime WebSocket `rt` for the room's active_speaker events
//             (`speakers`); passes when every remote video decodes frames and one was heard.
// Prints one JSON line with what the pages saw; exits non-zero when something is wrong.
import { chromium } from "playwright-core";

const [scenario, argText] = process.argv.slice(2);
const args = JSON.parse(argText);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--use-fake-device-for-media-stream",
         "--use-fake-ui-for-media-stream", "--allow-loopback-in-peer-connection",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const result = { scenario };
let ok = false;

async function page() {
  const p = await browser.newPage();
  await p.goto(`${args.base}/web/webrtc.html`);
  return p;
}

// Polls the viewer's stats until `done(stats)` or the deadline.
async function until(viewer, done, ms, name = "s") {
  const deadline = Date.now() + ms;
  let st;
  for (;;) {
    st = await viewer.evaluate((n) => window.onair.stats(window[n]), name);
    if (done(st) || Date.now() > deadline) return st;
    await sleep(250);
  }
}

try {
  if (scenario === "call" || scenario === "nack") {
    const sender = await page();
    await sender.evaluate(async ({ whip, token }) => { window.s = await window.onair.publish(whip, { token }); }, args);
    const viewer = await page();
    await viewer.evaluate(async ({ whep, token }) => { window.s = await window.onair.play(whep, { token }); }, args);
    const decoded = (st) => st.inbound.video && st.inbound.video.framesDecoded > 60 &&
                            st.inbound.video.frameWidth === args.width && st.inbound.audio &&
                            st.inbound.audio.totalAudioEnergy > 0;
    result.viewer = await until(viewer, decoded, 20000);
    if (scenario === "nack") {
      // Let losses and repairs pile up, then look again: decoding must have gone on.
      const before = result.viewer.inbound.video?.framesDecoded ?? 0;
      await sleep(5000);
      result.viewer = await viewer.evaluate(() => window.onair.stats(window.s));
      result.frames_gained = (result.viewer.inbound.video?.framesDecoded ?? 0) - before;
    }
    result.sender = await sender.evaluate(() => window.onair.stats(window.s));
    result.delete_status = [await viewer.evaluate(() => window.s.stop()), await sender.evaluate(() => window.s.stop())];
    const v = result.viewer.inbound.video;
    ok = decoded(result.viewer) && v.frameHeight === args.height && result.delete_status.every((x) => x === 200);
    if (scenario === "nack") {
      const sent = result.sender.outbound.find((o) => o.kind === "video");
      ok = ok && result.frames_gained > 60 && v.nackCount > 0 && sent.nackCount > 0 &&
           sent.retransmittedPacketsSent > 0;
    }
  } else if (scenario === "simulcast") {
    const sender = await page();
    await sender.evaluate(async ({ whip }) => { window.s = await window.onair.publish(whip, { simulcast: true }); }, args);
    const viewer = await page();
    await viewer.evaluate(async ({ whep }) => { window.s = await window.onair.play(whep + (whep.includes("?") ? "&" : "?") + "layer=q"); }, args);
    result.widths = {};
    for (const [layer, width] of [["q", 320], ["h", 640], ["f", 1280]]) {
      if (layer !== "q") {
        const status = await viewer.evaluate(async (layer) => {
          const r = await fetch(window.s.resource + "/layer", { method: "POST", body: JSON.stringify({ layer }),
                                                                 headers: { "Content-Type": "application/json" } });
          return r.status;
        }, layer);
        result["layer_" + layer] = status;
      }
      const st = await until(viewer, (st) => st.inbound.video?.frameWidth === width, 25000);
      result.widths[layer] = st.inbound.video?.frameWidth;
    }
    result.sender = await sender.evaluate(() => window.onair.stats(window.s));
    ok = result.widths.q === 320 && result.widths.h === 640 && result.widths.f === 1280;
  } else if (scenario === "meeting") {
    // The first member listens on the realtime WebSocket before anyone publishes; only the
    // first member's microphone is on (the others send silence), so it is the one speaker.
    const pages = [];
    for (const m of args.members) {
      const p = await page();
      if (pages.length === 0) {
        await p.evaluate(({ rt, room }) => new Promise((resolve, reject) => {
          window.speakers = [];
          const ws = new WebSocket(rt);
          ws.onopen = () => ws.send(JSON.stringify({ type: "subscribe", room, id: "s" }));
          ws.onerror = () => reject(new Error("realtime WebSocket failed"));
          ws.onmessage = (e) => {
            const msg = JSON.parse(e.data);
            if (msg.type === "ack" && msg.id === "s") resolve();
            for (const ev of msg.type === "batch" ? msg.messages : [msg])
              if (ev.type === "active_speaker") window.speakers.push(ev.body?.user ?? null);
          };
        }), args);
      }
      await p.evaluate(async ({ whip, speaks }) => {
        const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240 } });
        for (const t of media.getAudioTracks()) t.enabled = speaks;
        window.s = await window.onair.publish(whip, { stream: media });
      }, { whip: m.whip, speaks: pages.length === 0 });
      pages.push(p);
    }
    for (let i = 0; i < pages.length; ++i) {
      await pages[i].evaluate(async ({ wheps }) => {
        window.views = [];
        for (const url of wheps) {
          const video = document.createElement("video");
          video.autoplay = true;
          document.body.appendChild(video);
          window.views.push(await window.onair.play(url, { video }));
        }
      }, args.members[i]);
    }
    const deadline = Date.now() + 25000;
    for (;;) {
      result.speakers = await pages[0].evaluate(() => window.speakers);
      result.decoded = [];
      for (const p of pages)
        result.decoded.push(await p.evaluate(async () => {
          const out = [];
          for (const v of window.views) out.push((await window.onair.stats(v)).inbound.video?.framesDecoded ?? 0);
          return out;
        }));
      const seen = result.decoded.length === args.members.length &&
          result.decoded.every((row) => row.length === args.members.length - 1 && row.every((n) => n > 30));
      ok = seen && result.speakers.length > 0;
      if (ok || Date.now() > deadline) break;
      await sleep(500);
    }
  } else if (scenario === "play") {
    // Plays `whep` (a stream published over RTMP, bridged): passes when the picture is
    // width x height, frames decoded rise every second for `seconds`, and audio is heard.
    const viewer = await page();
    await viewer.evaluate(async ({ whep, token }) => { window.s = await window.onair.play(whep, { token }); }, args);
    const started = (st) => st.inbound.video && st.inbound.video.framesDecoded > 10;
    let st = await until(viewer, started, 20000);
    result.decoded = [];
    let frozen = 0;
    for (let i = 0; i < (args.seconds || 8); ++i) {
      const before = st.inbound.video?.framesDecoded ?? 0;
      await sleep(1000);
      st = await viewer.evaluate(() => window.onair.stats(window.s));
      const now = st.inbound.video?.framesDecoded ?? 0;
      result.decoded.push(now);
      if (now <= before) ++frozen;
    }
    result.viewer = st;
    result.frozen = frozen;
    const v = st.inbound.video, a = st.inbound.audio;
    ok = frozen === 0 && v && v.frameWidth === args.width && v.frameHeight === args.height &&
         a && a.totalAudioEnergy > 0 && a.packetsReceived > 100;
  } else if (scenario === "publish") {
    // Publishes for `hold_ms` (another client watches the stream meanwhile), or until the
    // file `stop_file` exists; passes when the publisher sent video and audio all along.
    const sender = await page();
    await sender.evaluate(async ({ whip, token }) => { window.s = await window.onair.publish(whip, { token }); }, args);
    const { existsSync } = await import("node:fs");
    const deadline = Date.now() + (args.hold_ms || 30000);
    while (Date.now() < deadline && !(args.stop_file && existsSync(args.stop_file))) await sleep(250);
    const st = await sender.evaluate(() => window.onair.stats(window.s));
    result.sender = st;
    const sent = (kind) => st.outbound.some((o) => o.kind === kind && o.packetsSent > 20);
    ok = st.transport && st.transport.dtlsState === "connected" && sent("video") && sent("audio");
  } else {
    result.error = "unknown scenario " + scenario;
  }
} catch (e) {
  result.error = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
process.exitCode = ok ? 0 : 1;
