// A browser chats over onair's realtime WebSocket: headless Chromium (Debian's) opens
// /v1/rt with a URL token, subscribes, sends chat and danmaku, and reads them back in seq
// order from the room's batches; a second page with a bad token sees close code 4001.
//   node realtime_chat.mjs <http port> <token> <room> <bad token>
// Prints one JSON line with what the pages saw; exits non-zero when something is wrong.
import { chromium } from "playwright-core";

const [port, token, room, badToken] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"],
});
try {
  const page = await browser.newPage();
  const seen = await page.evaluate(async ({ port, token, room }) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/rt?token=${token}`);
    const out = { welcome: null, acks: 0, messages: [] };
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("timeout: " + JSON.stringify(out))), 10000);
      ws.onmessage = (e) => {
        const m = JSON.parse(e.data);
        if (m.type === "welcome") {
          out.welcome = m.user;
          ws.send(JSON.stringify({ type: "subscribe", room, id: "sub" }));
        } else if (m.type === "ack" && m.id === "sub") {
          ws.send(JSON.stringify({ type: "chat", room, text: "hello from chromium 你好", id: 1 }));
          ws.send(JSON.stringify({ type: "danmaku", room, text: "666", color: "#ffcc00", mode: "top", id: 2 }));
        } else if (m.type === "ack") {
          out.acks++;
        } else if (m.type === "batch") {
          for (const x of m.messages) out.messages.push({ seq: x.seq, type: x.type, text: x.text, from: x.from.id, color: x.color });
          if (out.messages.length >= 2 && out.acks >= 2) { clearTimeout(timer); resolve(); }
        } else if (m.type === "error") {
          reject(new Error(JSON.stringify(m)));
        }
      };
      ws.onclose = (e) => reject(new Error("closed " + e.code + " " + e.reason));
    });
    ws.close(1000);
    return out;
  }, { port, token, room });

  const refused = await (await browser.newPage()).evaluate(async ({ port, badToken }) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/rt?token=${badToken}`);
    return await new Promise((resolve) => { ws.onclose = (e) => resolve({ code: e.code, reason: e.reason }); });
  }, { port, badToken });

  console.log(JSON.stringify({ seen, refused }));
  const ok = seen.welcome && seen.messages.length === 2 && seen.messages[0].seq < seen.messages[1].seq &&
             seen.messages[0].text === "hello from chromium 你好" && seen.messages[1].color === "#ffcc00" &&
             refused.code === 4001;
  process.exitCode = ok ? 0 : 1;
} finally {
  await browser.close();
}
