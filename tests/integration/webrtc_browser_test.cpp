// WebRTC through onair with real browsers: Debian's Chromium, headless, fake camera and
// microphone, driven by playwright-core (tests/browser/webrtc.mjs) on onair's own test page.
// These tests run inside a network namespace that has only loopback (TESTING.md), as one
// ctest entry: see tests/CMakeLists.txt (webrtc_browser).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <array>
#include <cstdio>
#include <string>

#include "harness.hpp"
#include "ws_client.hpp"

namespace onair::testing {
namespace {
namespace json = boost::json;

std::pair<int, std::string> run_command(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return {-1, ""};
  std::array<char, 4096> buf;
  while (size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// Runs a scenario of tests/browser/webrtc.mjs; its JSON result.
std::pair<int, std::string> browser(const std::string& scenario, const json::object& args) {
  std::string a = json::serialize(args);
  std::string quoted = "'";
  for (char c : a) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  quoted += "'";
  return run_command("cd " ONAIR_SOURCE_DIR "/tests/browser && timeout 120 node webrtc.mjs " + scenario + " " + quoted);
}

struct Seat {
  std::string token, stream, whip, whep;
};

// A room of `kind` where each of `users` joined and took a seat; their seat URLs.
std::vector<Seat> seated_room(Server& s, const std::string& kind, const std::vector<std::string>& users,
                              std::string& room) {
  std::vector<Seat> out;
  room = s.post("/v1/rooms", R"({"kind":")" + kind + R"("})", s.token(users[0])).str("id");
  for (const auto& u : users) {
    Seat seat;
    seat.token = s.token(u, u, room);
    EXPECT_EQ(s.post("/v1/rooms/" + room + "/join", "", seat.token).status, 200);
    auto taken = s.post("/v1/rooms/" + room + "/seats", "", seat.token);
    EXPECT_TRUE(taken.status == 200 || taken.status == 201) << taken.body;
    auto o = taken.json().as_object();
    seat.stream = std::string(o["stream"].as_string());
    seat.whip = std::string(o["publish"].as_object()["whip"].as_string());
    seat.whep = std::string(o["play"].as_object()["whep"].as_string());
    out.push_back(seat);
  }
  return out;
}

std::string base(const Server& s) { return "http://127.0.0.1:" + std::to_string(s.port()); }

// Members here send no heartbeats; keep them in their rooms for the length of a test.
std::string config(const std::string& more = "") { return "rooms:\n  member_timeout_s: 600\n" + more; }

TEST(WebRtcBrowser, ChromiumCallsChromiumThroughWhipAndWhepWithVp8) {
  Server s(config());
  s.start();
  std::string room;
  auto seats = seated_room(s, "call", {"alice", "bob"}, room);
  WsClient ws(s.port(), "/v1/rt?token=" + seats[1].token);
  ws.send(R"({"type":"subscribe","room":")" + room + R"(","id":"s"})");
  auto [status, out] = browser("call", {{"base", base(s)}, {"whip", seats[0].whip}, {"whep", seats[0].whep},
                                        {"width", 640}, {"height", 480}});
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("\"dtlsState\":\"connected\""), std::string::npos) << out;
  // The seat turned live while its WHIP session ran, and stopped when it was deleted.
  auto seat_event = [&](const char* action) {
    return ws.wait_for([&](const json::object& o) {
      std::string t = json::serialize(o);
      return t.find("seat_changed") != std::string::npos && t.find(std::string("\"action\":\"") + action) != std::string::npos;
    }, 5000);
  };
  EXPECT_TRUE(seat_event("live").has_value());
  EXPECT_TRUE(seat_event("stopped").has_value());
}

TEST(WebRtcBrowser, BrowsersBehindAUdpBlockConnectOverIceTcp) {
  // Only the passive TCP candidate is offered: what a browser behind a firewall that drops
  // UDP ends up using.
  Server s(config("webrtc:\n  udp: false\n"));
  s.start();
  std::string room;
  auto seats = seated_room(s, "call", {"alice"}, room);
  auto [status, out] = browser("call", {{"base", base(s)}, {"whip", seats[0].whip}, {"whep", seats[0].whep},
                                        {"width", 640}, {"height", 480}});
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("\"protocol\":\"tcp\""), std::string::npos) << out;
  EXPECT_EQ(out.find("\"protocol\":\"udp\""), std::string::npos) << out;
}

TEST(WebRtcBrowser, H264FromTheBrowserIsForwardedAsItCame) {
  Server s(config("webrtc:\n  video_codecs: [H264]\n"));
  s.start();
  std::string room;
  auto seats = seated_room(s, "call", {"alice"}, room);
  auto [status, out] = browser("call", {{"base", base(s)}, {"whip", seats[0].whip}, {"whep", seats[0].whep},
                                        {"width", 640}, {"height", 480}});
  EXPECT_EQ(status, 0) << out;
}

TEST(WebRtcBrowser, LostPacketsAreAskedForAndResentBothWays) {
  // Every 25th packet from the publisher and every 30th to the viewer is lost on purpose.
  Server s(config("webrtc:\n  drop_inbound_every: 25\n  drop_outbound_every: 30\n"));
  s.start();
  std::string room;
  auto seats = seated_room(s, "call", {"alice"}, room);
  auto [status, out] = browser("nack", {{"base", base(s)}, {"whip", seats[0].whip}, {"whep", seats[0].whep},
                                        {"width", 640}, {"height", 480}});
  EXPECT_EQ(status, 0) << out;
  auto m = s.get("/metrics", "").body;
  EXPECT_NE(m.find("onair_webrtc_retransmits_total"), std::string::npos);
  EXPECT_EQ(m.find("onair_webrtc_retransmits_total 0\n"), std::string::npos) << m;
}

TEST(WebRtcBrowser, SimulcastViewerSwitchesLayersAtKeyframes) {
  Server s(config());
  s.start();
  std::string room;
  auto seats = seated_room(s, "call", {"alice"}, room);
  auto [status, out] = browser("simulcast", {{"base", base(s)}, {"whip", seats[0].whip}, {"whep", seats[0].whep}});
  EXPECT_EQ(status, 0) << out;
}

TEST(WebRtcBrowser, ThreePersonMeetingEachSeesTheOtherTwo) {
  Server s(config());
  s.start();
  std::string room;
  auto seats = seated_room(s, "meeting", {"ann", "ben", "cat"}, room);
  json::array members;
  for (size_t i = 0; i < seats.size(); ++i) {
    json::array wheps;
    for (size_t j = 0; j < seats.size(); ++j)
      if (j != i) wheps.push_back(json::value(seats[j].whep));
    members.push_back(json::object{{"whip", seats[i].whip}, {"wheps", wheps}});
  }
  // The first member's page hears who speaks over its realtime WebSocket, and waits for it.
  std::string rt = "ws://127.0.0.1:" + std::to_string(s.port()) + "/v1/rt?token=" + seats[0].token;
  auto [status, out] = browser("meeting", {{"base", base(s)}, {"members", members}, {"rt", rt}, {"room", room}});
  EXPECT_EQ(status, 0) << out;
  // Only ann's microphone is on: the room hears that ann speaks.
  EXPECT_NE(out.find("\"speakers\":[\"ann\""), std::string::npos) << "no active_speaker event for ann: " << out;
}

}  // namespace
}  // namespace onair::testing
