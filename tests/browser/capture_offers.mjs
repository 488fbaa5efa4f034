// Captures the SDP offers Debian's Chromium makes for WHIP (camera + microphone, sendonly;
// with and without three simulcast layers) and for WHEP (recvonly), so SDP code is tested
// against what a real browser sends. Writes them to the directory given.
//   node capture_offers.mjs ../webrtc/offers
import { chromium } from "playwright-core";
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";

const dir = process.argv[2] || ".";
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--use-fake-device-for-media-stream",
         "--use-fake-ui-for-media-stream", "--disable-background-networking", "--no-first-run"],
});
try {
  // getUserMedia needs a secure context: http://localhost is one (about:blank is not).
  const server = createServer((req, res) => res.end("<!doctype html><title>offers</title>"));
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const page = await browser.newPage();
  await page.goto(`http://localhost:${server.address().port}/`);
  server.close();
  const version = browser.version().split(".")[0];
  const offers = await page.evaluate(async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 1280, height: 720 } });
    const [audio] = stream.getAudioTracks(), [video] = stream.getVideoTracks();
    const make = async (setup) => {
      const pc = new RTCPeerConnection();
      setup(pc);
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      await new Promise((r) => { if (pc.iceGatheringState === "complete") r(); pc.onicegatheringstatechange = () => pc.iceGatheringState === "complete" && r(); setTimeout(r, 3000); });
      const sdp = pc.localDescription.sdp;
      pc.close();
      return sdp;
    };
    return {
      whip: await make((pc) => {
        pc.addTransceiver(audio, { direction: "sendonly" });
        pc.addTransceiver(video, { direction: "sendonly" });
      }),
      whip_simulcast: await make((pc) => {
        pc.addTransceiver(audio, { direction: "sendonly" });
        pc.addTransceiver(video, { direction: "sendonly", sendEncodings: [
          { rid: "q", scaleResolutionDownBy: 4 }, { rid: "h", scaleResolutionDownBy: 2 }, { rid: "f" }] });
      }),
      whep: await make((pc) => {
        pc.addTransceiver("audio", { direction: "recvonly" });
        pc.addTransceiver("video", { direction: "recvonly" });
      }),
    };
  });
  for (const [name, sdp] of Object.entries(offers)) {
    const file = `${dir}/chromium-${version}-${name}.sdp`;
    writeFileSync(file, sdp);
    console.log(file, sdp.length, "bytes");
  }
} finally {
  await browser.close();
}
