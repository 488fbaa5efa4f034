// Captures the SDP offers Debian's Firefox ESR makes for WHIP (fake camera + microphone,
// sendonly; with and without three simulcast layers) and for WHEP (recvonly), the Firefox
// counterpart of capture_offers.mjs, so SDP code is tested against what a real Firefox
// sends. Writes firefox-esr-<major>-whip.sdp, -whip_simulcast.sdp and -whep.sdp to the
// directory given. Debian's Firefox has no OpenH264 plug-in (Mozilla downloads it at run
// time), so its offers carry VP8/VP9/AV1 but no H264.
//
// Firefox is not part of CI, so puppeteer-core is not in package.json. To run it once:
//   apt-get install -y firefox-esr
//   mkdir -p /tmp/ffcap && (cd /tmp/ffcap && npm init -y && npm install puppeteer-core)
//   unshare -n sh -c 'ip link set lo up; PUPPETEER_DIR=/tmp/ffcap \
//     node tests/browser/capture_offers_firefox.mjs tests/webrtc/offers'
// puppeteer-core drives Firefox over WebDriver BiDi (playwright-core cannot drive a stock
// Firefox). The netns keeps all traffic on loopback; without it Firefox would also gather
// candidates on the host's interfaces.
import { createRequire } from "node:module";
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const dir = process.argv[2] || ".";
const from = process.env.PUPPETEER_DIR || process.cwd();
const entry = createRequire(join(from, "package.json")).resolve("puppeteer-core");
const { default: puppeteer } = await import(pathToFileURL(entry).href);

const browser = await puppeteer.launch({
  browser: "firefox",
  executablePath: process.env.FIREFOX || "/usr/bin/firefox-esr",
  headless: true,
  extraPrefsFirefox: {
    "media.navigator.streams.fake": true,
    "media.navigator.permission.disabled": true,
  },
});
try {
  // getUserMedia needs a secure context: http://localhost is one (about:blank is not).
  const server = createServer((req, res) => res.end("<!doctype html><title>offers</title>"));
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const page = await browser.newPage();
  await page.goto(`http://localhost:${server.address().port}/`);
  server.close();
  const version = (await browser.version()).replace(/^[^0-9]*/, "").split(".")[0];
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
        pc.addTransceiver(audio, { direction: "sendonly", streams: [stream] });
        pc.addTransceiver(video, { direction: "sendonly", streams: [stream] });
      }),
      whip_simulcast: await make((pc) => {
        pc.addTransceiver(audio, { direction: "sendonly", streams: [stream] });
        pc.addTransceiver(video, { direction: "sendonly", streams: [stream], sendEncodings: [
          { rid: "q", scaleResolutionDownBy: 4 }, { rid: "h", scaleResolutionDownBy: 2 }, { rid: "f" }] });
      }),
      whep: await make((pc) => {
        pc.addTransceiver("audio", { direction: "recvonly" });
        pc.addTransceiver("video", { direction: "recvonly" });
      }),
    };
  });
  for (const [name, sdp] of Object.entries(offers)) {
    const file = `${dir}/firefox-esr-${version}-${name}.sdp`;
    writeFileSync(file, sdp);
    console.log(file, sdp.length, "bytes");
  }
} finally {
  await browser.close();
}
