// WebRTC through onair with real browsers: Debian's Chromium, headless, fake camera and
// microphone, driven by playwright-core (tests/browser/webrtc.mjs) on onair's own test page.
// These tests run inside a network namespace that has only loopback (TESTING.md), as one
// ctest entry: see tests/CMakeLists.txt (webrtc_browser).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <array>
#include <cstdio>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "harness.hpp"
#include "media_clients.hpp"
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
  std::string token, stream, whip, whep, rtmp, flv, hls, publish_rtmp;
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
    seat.publish_rtmp = std::string(o["publish"].as_object()["rtmp"].as_string());
    auto& play = o["play"].as_object();
    seat.whep = std::string(play["whep"].as_string());
    seat.rtmp = std::string(play["rtmp"].as_string());
    seat.flv = std::string(play["flv"].as_string());
    seat.hls = std::string(play["hls"].as_string());
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

// The stream as /v1/admin/streams shows it, once it has both codecs; empty after `ms`.
json::object stream_info(Server& s, const std::string& name, int ms) {
  auto end = Clock::now() + std::chrono::milliseconds(ms);
  while (Clock::now() < end) {
    auto r = s.get("/v1/admin/streams", s.admin());
    if (r.status == 200) {
      json::value doc = r.json();  // kept: a range-for over a temporary's member dangles
      for (const auto& v : doc.as_object()["streams"].as_array()) {
        const auto& o = v.as_object();
        if (o.at("name").as_string() == name && o.at("video_codec").as_string() == "h264" &&
            o.at("audio_codec").as_string() == "aac")
          return o;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return {};
}

// The stream's entry in /v1/admin/streams once it is published, whatever its codecs (a
// WebRTC stream nobody watches over RTMP/FLV/HLS has none yet: its bridge has not run).
json::object listed_stream(Server& s, const std::string& name, int ms) {
  json::object found;
  eventually([&] {
    auto r = s.get("/v1/admin/streams", s.admin());
    if (r.status != 200) return false;
    json::value doc = r.json();
    for (const auto& v : doc.as_object()["streams"].as_array())
      if (v.as_object().at("name").as_string() == name) found = v.as_object();
    return !found.empty();
  }, ms);
  return found;
}

// The sum of a counter's samples in /metrics whose line starts with `prefix`.
double metric_sum(Server& s, const std::string& prefix) {
  std::istringstream lines(s.get("/metrics", "").body);
  double sum = 0;
  for (std::string line; std::getline(lines, line);)
    if (line.starts_with(prefix)) sum += std::atof(line.c_str() + line.rfind(' ') + 1);
  return sum;
}

// Waits until the server has received `packets` WebRTC packets in all: media flows.
bool media_flowing(Server& s, double packets, int ms) {
  return eventually([&] { return metric_sum(s, "onair_webrtc_packets_in_total") >= packets; }, ms);
}

// Prints the bridge's latency (onair_bridge_latency_seconds) per direction and kind: count
// and the bucket bound under which 50% and 99% fall. For the log, not asserted (timing).
void print_bridge_latency(Server& s) {
  std::istringstream lines(s.get("/metrics", "").body);
  std::map<std::string, std::vector<std::pair<double, double>>> buckets;  // series -> (le, count)
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("onair_bridge_latency_seconds_bucket{")) continue;
    auto le = line.find("le=\"");
    if (le == std::string::npos) continue;
    std::string series = line.substr(0, le - 1) + "}", bound = line.substr(le + 4, line.find('"', le + 4) - le - 4);
    buckets[series].emplace_back(bound == "+Inf" ? 1e9 : std::atof(bound.c_str()),
                                 std::atof(line.c_str() + line.rfind(' ') + 1));
  }
  for (const auto& [series, b] : buckets) {
    double total = b.empty() ? 0 : b.back().second;
    if (total == 0) continue;
    auto at = [&](double q) {
      for (const auto& [le, n] : b)
        if (n >= q * total) return le;
      return 1e9;
    };
    std::printf("%s count=%.0f p50<=%gs p99<=%gs\n", series.c_str(), total, at(0.5), at(0.99));
  }
}

// What ffprobe says of a URL's streams: "h264 640x480" / "aac 48000" lines.
std::string probe(const std::string& url) {
  return run("timeout 30 ffprobe -v error -show_entries stream=codec_name,width,height,sample_rate -of "
             "compact=p=0:nk=1 '" + url + "' 2>&1");
}

// Decodes `secs` of a URL with ffmpeg; what it printed (nothing when every frame decoded).
std::string decode(const std::string& url, int secs) {
  return run("timeout 60 ffmpeg -nostdin -hide_banner -v error -i '" + url + "' -t " + std::to_string(secs) +
             " -f null - 2>&1; echo exit=$?");
}

// The largest distance between the latest audio and the latest video timestamp while
// reading `secs` of the URL in the order the packets come (after each track's first).
double av_skew_ms(const std::string& url, int secs) {
  std::string csv = run("timeout 40 ffprobe -v error -read_intervals %+" + std::to_string(secs) +
                        " -show_entries packet=codec_type,pts_time -of csv=p=0 '" + url + "' 2>/dev/null");
  std::istringstream in(csv);
  std::string line;
  double audio = -1, video = -1, worst = 0;
  while (std::getline(in, line)) {
    auto comma = line.find(',');
    if (comma == std::string::npos) continue;
    double t = std::atof(line.c_str() + comma + 1);
    (line.starts_with("audio") ? audio : video) = t;
    if (audio >= 0 && video >= 0) worst = std::max(worst, std::abs(audio - video) * 1000);
  }
  return audio < 0 || video < 0 ? 1e9 : worst;
}

// A WHIP seat with `codec` video: nobody watching over RTMP/FLV/HLS costs no bridge work;
// then ffmpeg reads its RTMP, FLV and HLS URLs and gets H.264 at the published size and
// AAC 48 kHz, decodable, audio and video within 100 ms.
void whip_seat_plays_over_rtmp_flv_and_hls(const std::string& codec) {
  Server s(config("webrtc:\n  video_codecs: [" + codec + "]\nhls:\n  segment_s: 1\n"));
  s.start();
  std::string room;
  auto seats = seated_room(s, "call", {"alice"}, room);
  const Seat& seat = seats[0];
  std::string stop = ::testing::TempDir() + "onair-publish-stop-" + codec + "-" + std::to_string(::getpid());
  std::filesystem::remove(stop);
  std::pair<int, std::string> published;
  std::thread page([&] {
    published = browser("publish", {{"base", base(s)}, {"whip", seat.whip}, {"hold_ms", 90000}, {"stop_file", stop}});
  });
  auto listed = listed_stream(s, seat.stream, 30000);
  ASSERT_FALSE(listed.empty()) << "the WHIP stream was never published";
  EXPECT_EQ(listed["source"].as_string(), "webrtc");
  // Only when needed: 200 packets in (a few seconds of media), and no bridge has run.
  EXPECT_TRUE(media_flowing(s, 200, 30000));
  listed = listed_stream(s, seat.stream, 5000);
  EXPECT_EQ(json::serialize(listed["bridges"]), "[]") << json::serialize(listed);
  EXPECT_EQ(metric_sum(s, "onair_bridge_frames_total{direction=\"webrtc_to_rtmp\""), 0);

  // A player wakes the bridge: the admin API says so while it plays.
  std::string watching;
  std::thread player([&] { watching = decode(seat.flv, 8); });
  auto info = stream_info(s, seat.stream, 30000);
  EXPECT_FALSE(info.empty()) << "the WHIP stream never showed h264 + aac in /v1/admin/streams";
  if (!info.empty()) {
    EXPECT_EQ(info["width"].as_int64(), 640);
    EXPECT_EQ(info["height"].as_int64(), 480);
    EXPECT_NE(json::serialize(info["bridges"]).find("webrtc_to_rtmp"), std::string::npos) << json::serialize(info);
  }
  player.join();
  EXPECT_EQ(watching, "exit=0\n") << watching;
  for (const std::string& url : {seat.flv, seat.rtmp}) {
    std::string p = probe(url);
    EXPECT_NE(p.find("h264|640|480"), std::string::npos) << url << ": " << p;
    EXPECT_NE(p.find("aac|48000"), std::string::npos) << url << ": " << p;
    std::string out = decode(url, 8);
    EXPECT_EQ(out, "exit=0\n") << url << ": " << out;
  }
  double skew = av_skew_ms(seat.flv, 6);
  EXPECT_LT(skew, 100) << "audio and video timestamps apart over FLV by " << skew << " ms";
  // The last player gone, the bridge goes to sleep (5 s later); the next player wakes it and
  // gets a clean start again.
  EXPECT_TRUE(eventually([&] { return json::serialize(listed_stream(s, seat.stream, 5000)["bridges"]) == "[]"; },
                         30000))
      << "the bridge still runs with nobody watching";
  std::string woken = probe(seat.flv);
  EXPECT_NE(woken.find("h264|640|480"), std::string::npos) << woken;
  EXPECT_NE(woken.find("aac|48000"), std::string::npos) << woken;
  std::string again = decode(seat.flv, 4);
  EXPECT_EQ(again, "exit=0\n") << "after the bridge slept: " << again;
  // HLS: the first playlist request wakes the bridge and waits for the first segment.
  std::string p = probe(seat.hls);
  EXPECT_NE(p.find("h264|640|480"), std::string::npos) << p;
  EXPECT_NE(p.find("aac|48000"), std::string::npos) << p;
  std::string out = decode(seat.hls, 4);
  EXPECT_EQ(out, "exit=0\n") << "hls: " << out;
  EXPECT_GT(metric_sum(s, "onair_bridge_frames_total{direction=\"webrtc_to_rtmp\",kind=\"video\"}"), 0);
  if (codec == "VP8") {
    EXPECT_GT(metric_sum(s, "onair_bridge_transcode_seconds_total"), 0);
  }
  print_bridge_latency(s);
  std::ofstream(stop) << "stop";
  page.join();
  std::filesystem::remove(stop);
  EXPECT_EQ(published.first, 0) << published.second;
}

TEST(WebRtcBrowser, AWhipSeatPlaysOverRtmpFlvAndHls) {
  // H.264 from the browser: the bridge forwards the video as it came and converts Opus.
  whip_seat_plays_over_rtmp_flv_and_hls("H264");
}

TEST(WebRtcBrowser, AVp8WhipSeatPlaysOverRtmpFlvAndHlsAsH264) {
  // VP8 from the browser: transcoded to H.264 on the bridge's worker while watched.
  whip_seat_plays_over_rtmp_flv_and_hls("VP8");
}

TEST(WebRtcBrowser, AWhipStreamWithLossDecodesCleanlyOverFlv) {
  // One packet in 20 from the browser is lost (5%): frames the NACKs cannot repair in
  // bridge.jitter_ms are dropped up to the next keyframe, which the bridge asks for.
  Server s(config("webrtc:\n  video_codecs: [H264]\n  drop_inbound_every: 20\n"));
  s.start();
  std::string room;
  auto seats = seated_room(s, "call", {"alice"}, room);
  const Seat& seat = seats[0];
  std::string stop = ::testing::TempDir() + "onair-publish-stop-loss-" + std::to_string(::getpid());
  std::filesystem::remove(stop);
  std::pair<int, std::string> published;
  std::thread page([&] {
    published = browser("publish", {{"base", base(s)}, {"whip", seat.whip}, {"hold_ms", 90000}, {"stop_file", stop}});
  });
  EXPECT_FALSE(listed_stream(s, seat.stream, 30000).empty()) << "the WHIP stream was never published";
  std::string out = decode(seat.flv, 8);
  EXPECT_EQ(out, "exit=0\n") << out;
  auto m = s.get("/metrics", "").body;
  EXPECT_NE(m.find("onair_bridge_keyframe_requests_total{direction=\"webrtc_to_rtmp\"}"), std::string::npos) << m;
  std::istringstream lines(m);
  for (std::string line; std::getline(lines, line);)  // what the loss cost, for the log
    if (line.starts_with("onair_bridge_") || line.starts_with("onair_webrtc_nack")) std::printf("%s\n", line.c_str());
  std::ofstream(stop) << "stop";
  page.join();
  std::filesystem::remove(stop);
  EXPECT_EQ(published.first, 0) << published.second;
}

TEST(WebRtcBrowser, AnRtmpSeatInHighProfilePlaysOverWhepInChromium) {
  // ffmpeg's libx264 High profile, no B-frames; Chromium offers only constrained baseline,
  // baseline, main and 4:4:4 for receiving, and decodes High all the same.
  Server s(config());
  s.start();
  std::string room;
  auto seats = seated_room(s, "call", {"alice"}, room);
  const Seat& seat = seats[0];
  Publisher ffmpeg(seat.publish_rtmp, true, test_media_no_bframes());
  ASSERT_FALSE(stream_info(s, seat.stream, 20000).empty()) << "the RTMP publish never showed h264 + aac";
  auto [status, out] = browser("play", {{"base", base(s)}, {"whep", seat.whep}, {"width", 640}, {"height", 360},
                                        {"seconds", 8}});
  EXPECT_EQ(status, 0) << out;
  auto m = s.get("/metrics", "").body;
  EXPECT_NE(m.find("onair_bridge_frames_total{direction=\"rtmp_to_webrtc\",kind=\"audio\"}"), std::string::npos);
  print_bridge_latency(s);
}

TEST(WebRtcBrowser, ALiveRoomWithAnRtmpAnchorAndAWhipCohostPlaysBothSeatsOnEveryProtocol) {
  Server s(config("webrtc:\n  video_codecs: [H264]\n"));
  s.start();
  LiveRoom room = open_live_room(s, "alice");
  Publisher obs(room.publish_rtmp, true, test_media_no_bframes());
  std::string bob = s.token("bob", "Bob", room.id);
  ASSERT_EQ(s.post("/v1/rooms/" + room.id + "/join", "", bob).status, 200);
  ASSERT_EQ(s.post("/v1/rooms/" + room.id + "/seats/requests", "", bob).status, 201);
  ASSERT_EQ(s.post("/v1/rooms/" + room.id + "/seats/requests/bob/accept", "", room.anchor_token).status, 200);
  json::value doc = s.get("/v1/rooms/" + room.id + "/seats", bob).json();
  const auto& seats = doc.as_object()["seats"].as_array();
  ASSERT_EQ(seats.size(), 2u);
  auto url = [&](size_t i, const char* group, const char* kind) {
    return std::string(seats[i].as_object().at(group).as_object().at(kind).as_string());
  };
  std::string stop = ::testing::TempDir() + "onair-publish-stop-room-" + std::to_string(::getpid());
  std::filesystem::remove(stop);
  std::pair<int, std::string> published;
  std::thread page([&] {
    published = browser("publish", {{"base", base(s)}, {"whip", url(1, "publish", "whip")}, {"hold_ms", 120000},
                                    {"stop_file", stop}});
  });
  ASSERT_FALSE(stream_info(s, room.stream, 20000).empty()) << "the anchor's RTMP stream";
  EXPECT_FALSE(listed_stream(s, room.id + "-bob", 30000).empty()) << "the cohost's WHIP stream";
  // An FLV player of each seat: the anchor's as published, the cohost's through the bridge.
  std::string anchor = probe(url(0, "play", "flv")), cohost = probe(url(1, "play", "flv"));
  EXPECT_NE(anchor.find("h264|640|360"), std::string::npos) << anchor;
  EXPECT_NE(cohost.find("h264|640|480"), std::string::npos) << cohost;
  EXPECT_NE(cohost.find("aac|48000"), std::string::npos) << cohost;
  // A WHEP player of each seat: the anchor's through the bridge, the cohost's forwarded.
  auto [a_status, a_out] = browser("play", {{"base", base(s)}, {"whep", url(0, "play", "whep")}, {"width", 640},
                                            {"height", 360}, {"seconds", 4}});
  EXPECT_EQ(a_status, 0) << a_out;
  auto [c_status, c_out] = browser("play", {{"base", base(s)}, {"whep", url(1, "play", "whep")}, {"width", 640},
                                            {"height", 480}, {"seconds", 4}});
  EXPECT_EQ(c_status, 0) << c_out;
  std::ofstream(stop) << "stop";
  page.join();
  std::filesystem::remove(stop);
  EXPECT_EQ(published.first, 0) << published.second;
}

TEST(WebRtcBrowser, AVp8WhipStreamIsRefusedOverRtmpFlvAndHlsWithAReasonWhenTranscodingIsOff) {
  Server s(config("webrtc:\n  video_codecs: [VP8]\nbridge:\n  vp8_transcode: \"off\"\n"));
  s.start();
  std::string room;
  auto seats = seated_room(s, "call", {"alice"}, room);
  const Seat& seat = seats[0];
  std::string stop = ::testing::TempDir() + "onair-publish-stop-vp8-" + std::to_string(::getpid());
  std::filesystem::remove(stop);
  std::pair<int, std::string> published;
  std::thread page([&] {
    published = browser("publish", {{"base", base(s)}, {"whip", seat.whip}, {"hold_ms", 60000}, {"stop_file", stop}});
  });
  // Published (held from the WHIP answer on): an FLV request answers at once, no waiting.
  bool listed = false;
  for (int i = 0; i < 150 && !listed; ++i) {
    listed = s.get("/v1/admin/streams", s.admin()).body.find("\"" + seat.stream + "\"") != std::string::npos;
    if (!listed) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_TRUE(listed);
  auto flv = s.get(seat.flv.substr(seat.flv.find("/live/")), "");
  EXPECT_EQ(flv.status, 415) << flv.body;
  EXPECT_NE(flv.body.find("VP8"), std::string::npos) << flv.body;
  auto hls = s.get(seat.hls.substr(seat.hls.find("/live/")), "");
  EXPECT_EQ(hls.status, 415) << hls.body;
  std::string rtmp = run("timeout 20 ffprobe -v error '" + seat.rtmp + "' 2>&1");
  EXPECT_NE(rtmp.find("VP8"), std::string::npos) << rtmp;
  std::ofstream(stop) << "stop";
  page.join();
  std::filesystem::remove(stop);
  EXPECT_EQ(published.first, 0) << published.second;
}

}  // namespace
}  // namespace onair::testing
