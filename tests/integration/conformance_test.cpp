// Conformance with the specs and tools others use to check a server: WebSocket close frames
// (RFC 6455) from a raw socket, /metrics through Prometheus's own promtool, the OpenAPI
// document through a real linter and the real responses through a strict validator, and
// the /docs page in a real browser.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "harness.hpp"
#include "ws_client.hpp"

namespace onair::testing {
namespace {
namespace json = boost::json;

// Runs a shell command; its exit status and everything it printed (stdout and stderr).
std::pair<int, std::string> run_command(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return {-1, ""};
  std::array<char, 4096> buf;
  while (size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// ---- WebSocket close frames --------------------------------------------------------------

// A WebSocket client on a plain socket: a conforming client library refuses to send the
// close codes these tests need, so frames are written by hand (masked, as RFC 6455 5.3 asks
// of a client) and the server's frames are read back as they come.
class RawWebSocket {
 public:
  struct Frame {
    uint8_t opcode = 0;
    std::string payload;
  };

  RawWebSocket(uint16_t port, const std::string& token) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return;
    send_raw("GET /v1/rt?token=" + token +
             " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (buf_.find("\r\n\r\n") == std::string::npos)
      if (!fill(deadline)) return;
    size_t end = buf_.find("\r\n\r\n") + 4;
    upgraded_ = buf_.rfind("HTTP/1.1 101", 0) == 0;
    buf_.erase(0, end);
  }
  ~RawWebSocket() {
    if (fd_ >= 0) ::close(fd_);
  }

  bool upgraded() const { return upgraded_; }

  // One client frame, FIN set, masked with a fixed key.
  void send_frame(uint8_t opcode, const std::string& payload) {
    std::string f;
    f += char(0x80 | opcode);
    f += char(0x80 | payload.size());  // control frames: at most 125 bytes
    const char key[4] = {0x12, 0x34, 0x56, 0x78};
    f.append(key, 4);
    for (size_t i = 0; i < payload.size(); ++i) f += char(payload[i] ^ key[i & 3]);
    send_raw(f);
  }

  // The next server frame within `ms`; nullopt on timeout or when the server closed.
  std::optional<Frame> next(int ms = 10000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (true) {
      if (buf_.size() >= 2) {
        size_t len = uint8_t(buf_[1]) & 0x7f, head = 2;
        if (len == 126 && buf_.size() >= 4) {
          len = (size_t(uint8_t(buf_[2])) << 8) | uint8_t(buf_[3]);
          head = 4;
        } else if (len == 127 && buf_.size() >= 10) {
          len = 0;
          for (int i = 0; i < 8; ++i) len = (len << 8) | uint8_t(buf_[2 + i]);
          head = 10;
        }
        if (len < 126 || head > 2) {
          if (buf_.size() >= head + len) {
            Frame f{uint8_t(buf_[0] & 0x0f), buf_.substr(head, len)};
            buf_.erase(0, head + len);
            return f;
          }
        }
      }
      if (!fill(deadline)) return std::nullopt;
    }
  }

  // Reads past other frames to the server's close frame: {code, reason}; code -1: none came.
  std::pair<int, std::string> close_frame(int ms = 10000) {
    while (auto f = next(ms)) {
      if (f->opcode != 8) continue;
      if (f->payload.size() < 2) return {1005, ""};  // RFC 6455 7.1.5: no code in it
      return {(uint8_t(f->payload[0]) << 8) | uint8_t(f->payload[1]), f->payload.substr(2)};
    }
    return {-1, ""};
  }

 private:
  void send_raw(const std::string& bytes) { ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL); }
  bool fill(std::chrono::steady_clock::time_point deadline) {
    int left = int(std::chrono::duration_cast<std::chrono::milliseconds>(
                       deadline - std::chrono::steady_clock::now())
                       .count());
    if (left <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, left) <= 0) return false;
    char tmp[4096];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, size_t(n));
    return true;
  }

  int fd_ = -1;
  bool upgraded_ = false;
  std::string buf_;
};

std::string close_body(int code, const std::string& reason = "") {
  std::string b;
  b += char((code >> 8) & 0xff);
  b += char(code & 0xff);
  return b + reason;
}

// Opens an authenticated connection (waits for its welcome), sends one close frame and
// returns the server's answer.
std::pair<int, std::string> answer_to_close(Server& s, const std::string& body) {
  RawWebSocket ws(s.port(), s.token("closer"));
  EXPECT_TRUE(ws.upgraded());
  auto welcome = ws.next();
  EXPECT_TRUE(welcome && welcome->opcode == 1 &&
              welcome->payload.find("\"welcome\"") != std::string::npos);
  ws.send_frame(8, body);
  return ws.close_frame();
}

TEST(Realtime, CloseCodesNotAllowedOnTheWireAreAnswered1002) {
  Server s;
  s.start();
  // RFC 6455 7.4: below 1000, 1004 (reserved), 1005/1006/1015 (never sent), 1016..2999
  // (unassigned) and 5000 and above are not valid in a close frame: fail with 1002.
  for (int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535}) {
    auto [answer, reason] = answer_to_close(s, close_body(code, "bye"));
    EXPECT_EQ(answer, 1002) << "client close code " << code << ", reason " << reason;
  }
  // Each refusal is counted.
  auto metrics = s.get("/metrics", "").body;
  auto at = metrics.find("\nonair_rt_bad_messages_total ");
  ASSERT_NE(at, std::string::npos) << metrics;
  EXPECT_GE(std::stoll(metrics.substr(at + 29)), 10) << metrics.substr(at, 40);
}

TEST(Realtime, ACloseReasonThatIsNotUtf8IsAnswered1007) {
  Server s;
  s.start();
  for (std::string reason : {"\xff", "bye\xc3", "\xed\xa0\x80"}) {
    auto [answer, text] = answer_to_close(s, close_body(1000, reason));
    EXPECT_EQ(answer, 1007) << text;
  }
}

TEST(Realtime, ValidCloseCodesAreEchoed) {
  Server s;
  s.start();
  for (int code : {1000, 1001, 1003, 1008, 1011, 1012, 3000, 4000, 4999}) {
    auto [answer, reason] = answer_to_close(s, close_body(code, "fine, \xe4\xbd\xa0\xe5\xa5\xbd"));
    EXPECT_EQ(answer, code) << reason;
  }
  // No code at all: a normal close.
  EXPECT_EQ(answer_to_close(s, "").first, 1000);
}

// ---- A server with something of everything ---------------------------------------------

// Every HTTP exchange of a test, kept to check against docs/openapi.yaml.
class Recorder {
 public:
  explicit Recorder(Server& s) : s_(s) {}

  HttpResult call(const std::string& method, const std::string& target,
                  const std::string& body = "", const std::string& token = "",
                  const std::map<std::string, std::string>& headers = {}) {
    HttpResult r = http_call(s_.port(), method, target, body, token, headers);
    json::object x{{"method", method},
                   {"target", target},
                   {"status", r.status},
                   {"content_type", r.headers["content-type"]},
                   {"body", r.body}};
    lines_ += json::serialize(x) + "\n";
    return r;
  }
  HttpResult get(const std::string& t, const std::string& tok = "") {
    return call("GET", t, "", tok);
  }
  HttpResult post(const std::string& t, const std::string& b, const std::string& tok) {
    return call("POST", t, b, tok);
  }

  // One JSON object per line (validate_responses.mjs reads it).
  void save(const std::string& path) const { std::ofstream(path) << lines_; }
  size_t count() const { return size_t(std::count(lines_.begin(), lines_.end(), '\n')); }

 private:
  Server& s_;
  std::string lines_;
};

// ffmpeg publishing a generated test pattern (x264 + AAC, TESTING.md) until destroyed.
class Publisher {
 public:
  explicit Publisher(const std::string& url) {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      ::execlp("ffmpeg", "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-re", "-f",
               "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-f", "lavfi", "-i",
               "sine=frequency=440:sample_rate=44100", "-c:v", "libx264", "-preset", "ultrafast",
               "-g", "30", "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "flv", url.c_str(), nullptr);
      ::_exit(127);
    }
  }
  ~Publisher() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status;
    ::waitpid(pid_, &status, 0);
  }

 private:
  pid_t pid_ = -1;
};

std::string field(const HttpResult& r, std::initializer_list<const char*> path) {
  json::value v = r.json();
  for (const char* k : path) {
    if (v.is_object() && v.as_object().contains(k)) {
      v = v.as_object().at(k);
    } else if (v.is_array() && !v.as_array().empty() && std::string(k) == "0") {
      v = v.as_array()[0];
    } else {
      return "";
    }
  }
  return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
}

// Drives the server through most of its API (rooms, members, seats, PK, gifts, likes, server
// messages, tokens, admin, media over RTMP and HTTP-FLV, a realtime WebSocket with chat) and
// through its common errors, so that most metric families exist and most documented
// responses have been seen. Every HTTP exchange goes through `rec`.
void exercise(Server& s, Recorder& rec) {
  std::string alice = s.token("alice", "Alice"), bob = s.token("bob", "Bob"),
              carol = s.token("carol", "Carol"), dave = s.token("dave", "Dave"), admin = s.admin();
  rec.get("/healthz");
  rec.get("/readyz");
  rec.get("/v1/gifts", bob);
  rec.post("/v1/tokens", R"({"user":"zoe","name":"Zoe","room":"*","role":"audience","ttl_s":60})",
           admin);
  rec.post("/v1/tokens", R"({"user":"zoe","ttl_s":0})", admin);  // 400
  rec.post("/v1/tokens", R"({"user":"zoe"})", bob);              // 403

  // A live room with an audience, a co-host by request and one by invitation.
  auto created = rec.post(
      "/v1/rooms", R"({"kind":"live","title":"Alice live","metadata":{"topic":"music"}})", alice);
  std::string a = created.str("id");
  std::string publish_url = field(created, {"seats", "0", "publish", "rtmp"});
  rec.post("/v1/rooms/" + a + "/join", "", alice);
  rec.post("/v1/rooms/" + a + "/join", "", bob);
  rec.post("/v1/rooms/" + a + "/join", "", dave);
  rec.post("/v1/rooms/" + a + "/heartbeat", "", bob);
  rec.get("/v1/rooms/" + a, bob);
  rec.get("/v1/rooms", bob);
  rec.get("/v1/rooms?limit=1", bob);
  rec.call("PATCH", "/v1/rooms/" + a, R"({"title":"Alice live!"})", alice);
  rec.post("/v1/rooms/" + a + "/seats/requests", "", bob);
  rec.post("/v1/rooms/" + a + "/seats/requests/bob/accept", "", alice);
  rec.call("PATCH", "/v1/rooms/" + a + "/seats/bob", R"({"audio_muted":true})", bob);
  rec.get("/v1/rooms/" + a + "/seats", bob);
  rec.post("/v1/rooms/" + a + "/seats/invitations", R"({"user":"dave"})", alice);
  rec.post("/v1/rooms/" + a + "/seats/invitations/accept", "", dave);
  rec.call("DELETE", "/v1/rooms/" + a + "/seats/dave", "", alice);
  rec.get("/v1/rooms/" + a + "/members", alice);
  rec.post("/v1/rooms/" + a + "/members/dave/mute", R"({"seconds":60})", alice);

  // Gifts, likes and server messages.
  rec.post("/v1/rooms/" + a + "/gifts", R"({"gift_id":1,"amount":3,"biz_id":"order-1"})", bob);
  rec.post("/v1/rooms/" + a + "/gifts", R"({"gift_id":1,"amount":3,"biz_id":"order-1"})",
           bob);  // a repeat
  rec.post("/v1/rooms/" + a + "/gifts", R"({"gift_id":999,"biz_id":"order-2"})",
           bob);  // no such gift
  rec.get("/v1/rooms/" + a + "/gifts", alice);
  rec.get("/v1/rooms/" + a + "/gifts/rank", alice);
  rec.post("/v1/rooms/" + a + "/likes", R"({"count":5})", bob);
  rec.post("/v1/rooms/" + a + "/messages", R"({"type":"notice","body":{"text":"welcome"}})", admin);
  rec.post("/v1/push", R"({"users":["bob"],"type":"reward","body":{"coins":5}})", admin);

  // The realtime WebSocket: chat in the room.
  {
    WsClient ws(s.port(), "/v1/rt?token=" + bob);
    ws.wait_type("welcome");
    ws.send(json::object{{"type", "subscribe"}, {"room", a}, {"id", "sub"}});
    ws.wait_type("subscribed");
    ws.send(json::object{{"type", "chat"}, {"room", a}, {"text", "hello"}, {"id", 1}});
    ws.wait_type("batch");
  }

  // A PK with a second live room.
  std::string b = rec.post("/v1/rooms", R"({"kind":"live","title":"Carol live"})", carol).str("id");
  rec.post("/v1/rooms/" + b + "/join", "", carol);
  auto pk = rec.post("/v1/pk", R"({"from_room":")" + a + R"(","to_room":")" + b + R"("})", alice);
  std::string pk_id = pk.str("id");
  rec.post("/v1/pk/" + pk_id + "/accept", "", carol);
  rec.get("/v1/rooms/" + a, bob);  // in a PK: pk is an object
  rec.get("/v1/pk/" + pk_id, alice);
  rec.post("/v1/pk/" + pk_id + "/end", "", carol);

  // Media: ffmpeg publishes to the anchor's seat URL; HTTP-FLV plays it.
  {
    Publisher pub(publish_url);
    EXPECT_TRUE(
        eventually([&] { return s.get("/v1/rooms/" + a, alice).str("status") == "live"; }, 20000))
        << "the publish did not start: " << publish_url;
    rec.get("/v1/rooms/" + a, bob);  // live, with the seat live
    rec.get("/v1/admin/streams", admin);
    std::string flv = field(rec.get("/v1/rooms/" + a, bob), {"seats", "0", "play", "flv"});
    std::string flv_path = flv.substr(flv.find("/live/"));
    raw_exchange(s.port(), "GET " + flv_path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    rec.get("/live/" + a + "-nobody.m3u8");  // 404
    rec.call("DELETE", "/v1/admin/streams/" + a + "-alice", "", admin);
  }
  // WHIP refusals.
  rec.call("POST", "/v1/whip/" + a + "-alice", "v=0\r\n", "",
           {{"Content-Type", "application/sdp"}});
  rec.call("POST", "/v1/whip/" + a + "-alice", "{}", alice, {{"Content-Type", "application/json"}});

  // Errors every client meets.
  rec.get("/v1/rooms");                                 // 401: no token
  rec.get("/v1/rooms", "not-a-token");                  // 401
  rec.get("/v1/rooms/1234567", bob);                    // 404
  rec.post("/v1/rooms", "{not json", alice);            // 400
  rec.post("/v1/rooms", R"({"kind":"party"})", alice);  // 400
  rec.get("/v1/admin/stats", bob);                      // 403
  rec.get("/v1/admin/stats", admin);
  rec.post("/v1/auth/sms/send", R"({"phone":"13800138000"})", "");  // 404: phone login is off
  rec.post("/v1/rooms/" + a + "/members/bob/kick", "", dave);       // 403: not the owner
  rec.post("/v1/rooms/" + a + "/leave", "", bob);
  rec.post("/v1/rooms/" + a + "/members/dave/kick", "", alice);
  rec.call("DELETE", "/v1/rooms/" + b, "", carol);
  rec.get("/v1/rooms/" + b, carol);  // 410: closed
  rec.get("/v1/rooms?status=closed", admin);
}

// ---- Metrics through promtool ------------------------------------------------------------

TEST(Ops, MetricsPassPromtoolCheckMetrics) {
  Server s;
  s.start();
  Recorder rec(s);
  exercise(s, rec);
  auto m = s.get("/metrics", "");
  ASSERT_EQ(m.status, 200);
  // Most families exist, or promtool has little to check.
  for (const char* family :
       {"onair_http_requests_total", "onair_http_request_duration_seconds", "onair_rooms",
        "onair_gifts_total", "onair_rt_connections", "onair_rt_messages_in_total",
        "onair_media_bytes_in_total", "onair_webrtc_loop_lag_seconds"})
    EXPECT_NE(m.body.find(std::string("# TYPE ") + family + " "), std::string::npos)
        << family << "\n"
        << m.body;
  std::string path = s.dir() + "/metrics.txt";
  std::ofstream(path) << m.body;
  auto [status, out] = run_command("promtool check metrics < " + path);
  EXPECT_EQ(status, 0) << "promtool check metrics:\n" << out;
}

// ---- The OpenAPI document ----------------------------------------------------------------

const char* kNode = "cd " ONAIR_SOURCE_DIR
                    "/tests/openapi && REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true ";

TEST(Ops, OpenApiDocumentPassesRedoclyLintStrict) {
  auto [status, out] =
      run_command(std::string(kNode) +
                  "timeout 120 node_modules/.bin/redocly lint --config redocly.yaml "
                  "--format stylish ../../docs/openapi.yaml");
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("Your API description is valid"), std::string::npos) << out;
}

TEST(Ops, RealResponsesMatchTheOpenApiSchemas) {
  Server s;
  s.start();
  Recorder rec(s);
  exercise(s, rec);
  rec.get("/metrics");
  rec.get("/docs");
  rec.get("/docs/openapi.yaml");
  rec.get("/web/webrtc.html");
  ASSERT_GE(rec.count(), 60u);
  std::string path = s.dir() + "/exchanges.jsonl";
  rec.save(path);
  auto [status, out] =
      run_command(std::string(kNode) + "timeout 120 node validate_responses.mjs " + path);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find(" 0 failed"), std::string::npos) << out;
}

// ---- The /docs page ----------------------------------------------------------------------

TEST(Ops, DocsIsAnHtmlReferenceAndTheYamlIsBesideIt) {
  Server s;
  s.start();
  auto page = s.get("/docs", "");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.headers["content-type"].rfind("text/html", 0), 0u) << page.headers["content-type"];
  EXPECT_NE(page.body.find("<!DOCTYPE html>"), std::string::npos);
  // What the page loads comes from onair: no http(s):// URL in a src or href.
  EXPECT_EQ(page.body.find("src=\"http"), std::string::npos) << page.body;
  EXPECT_EQ(page.body.find("href=\"http"), std::string::npos) << page.body;
  auto yaml = s.get("/docs/openapi.yaml", "");
  EXPECT_EQ(yaml.status, 200);
  EXPECT_EQ(yaml.headers["content-type"].rfind("application/yaml", 0), 0u);
  EXPECT_EQ(yaml.body.rfind("openapi: 3", 0), 0u);
  EXPECT_NE(yaml.body.find("/v1/rooms/{id}/seats/requests"), std::string::npos);
  auto script = s.get("/docs/redoc.standalone.js", "");
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.headers["content-type"].rfind("text/javascript", 0), 0u);
  EXPECT_GT(script.body.size(), 500000u);
  EXPECT_NE(script.body.find("Redoc"), std::string::npos);
}

TEST(Browser, ChromiumRendersTheApiReferenceAtDocsWithNoInternet) {
  Server s;
  s.start();
  // The screenshot stays in the build tree for a look (tests/browser/docs_page.mjs).
  std::string shot = std::filesystem::current_path().string() + "/docs_page.png";
  auto [status, out] =
      run_command("cd " ONAIR_SOURCE_DIR "/tests/browser && timeout 90 node docs_page.mjs " +
                  std::to_string(s.port()) + " " + shot);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("\"foreign\":[]"), std::string::npos) << out;
  EXPECT_TRUE(std::filesystem::exists(shot));
}

}  // namespace
}  // namespace onair::testing
