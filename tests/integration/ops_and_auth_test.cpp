// Operations endpoints, token issuing, phone login with both senders and its rate limits,
// CORS, and the `onair token` / `onair url` commands.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <regex>

#include "auth/crypto.hpp"
#include "auth/stream_signer.hpp"
#include "auth/token.hpp"
#include "core/ids.hpp"
#include "harness.hpp"

namespace onair::testing {
namespace {
namespace json = boost::json;

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  ::pclose(p);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

TEST(Ops, HealthReadinessMetricsDocsAndStats) {
  Server s;
  s.start();
  EXPECT_EQ(s.get("/healthz", "").status, 200);
  EXPECT_EQ(s.get("/readyz", "").status, 200);
  auto t = s.token("u");
  auto id = s.post("/v1/rooms", R"({"kind":"live"})", t).str("id");
  s.post("/v1/rooms/" + id + "/join", "", t);
  s.post("/v1/rooms/" + id + "/gifts", R"({"gift_id":1,"biz_id":"m1"})", s.admin());
  EXPECT_TRUE(eventually([&] {
    auto m = s.get("/metrics", "");
    return m.body.find("onair_rooms 1") != std::string::npos;
  }, 3000));
  auto m = s.get("/metrics", "");
  EXPECT_EQ(m.headers["content-type"].rfind("text/plain", 0), 0u);
  for (const char* name :
       {"onair_http_requests_total{method=\"POST\",route=\"/v1/rooms\",status=\"201\"} 1",
        "onair_http_request_duration_seconds_bucket{route=\"/v1/rooms/{id}/join\",le=\"+Inf\"} 1",
        "onair_room_members 1", "onair_room_seats 1", "onair_gifts_total 1", "onair_webhook_queue 0",
        "# TYPE onair_http_request_duration_seconds histogram"})
    EXPECT_NE(m.body.find(name), std::string::npos) << name << "\n" << m.body;
  auto docs = s.get("/docs/openapi.yaml", "");
  EXPECT_EQ(docs.status, 200);
  EXPECT_NE(docs.body.find("openapi: 3"), std::string::npos);
  EXPECT_NE(docs.body.find("/v1/rooms/{id}/seats/requests"), std::string::npos);
  EXPECT_EQ(s.get("/v1/admin/stats", t).status, 403);
  auto stats = s.get("/v1/admin/stats", s.admin());
  ASSERT_EQ(stats.status, 200);
  EXPECT_NE(stats.body.find("\"members\":1"), std::string::npos) << stats.body;
}

TEST(Ops, CorsPreflightAndHeaders) {
  Server s;
  s.start();
  auto pre = http_call(s.port(), "OPTIONS", "/v1/rooms/1/join", "", "",
                       {{"Origin", "https://app.example"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.headers["access-control-allow-origin"], "*");
  EXPECT_NE(pre.headers["access-control-allow-methods"].find("POST"), std::string::npos);
  EXPECT_NE(pre.headers["access-control-allow-headers"].find("Authorization"), std::string::npos);
  auto get = http_call(s.port(), "GET", "/healthz", "", "", {{"Origin", "https://app.example"}});
  EXPECT_EQ(get.headers["access-control-allow-origin"], "*");
}

TEST(Auth, AdminIssuesTokensWithGrants) {
  Server s;
  s.start();
  auto r = s.post("/v1/tokens", R"({"user":"zoe","name":"Zoe","room":"42","role":"audience","ttl_s":60,"grants":{"chat":false}})",
                  s.admin());
  ASSERT_EQ(r.status, 200) << r.body;
  auth::TokenKeys keys(std::map<std::string, std::string>{{Server::kKey, Server::kSecret}});
  auto c = keys.verify(r.str("token"), unix_s(), 0);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->sub, "zoe");
  EXPECT_EQ(c->name, "Zoe");
  EXPECT_EQ(c->grants.room, "42");
  EXPECT_FALSE(c->grants.publish);
  EXPECT_FALSE(c->grants.chat);
  EXPECT_TRUE(c->grants.subscribe);
  EXPECT_NEAR(std::stoll(r.str("expires_at")) / 1000, unix_s() + 60, 2);
  EXPECT_EQ(s.post("/v1/tokens", R"({"user":"zoe"})", s.token("notadmin")).status, 403);
  EXPECT_EQ(s.post("/v1/tokens", R"({"user":"zoe","ttl_s":0})", s.admin()).status, 400);
}

TEST(Auth, PhoneLoginWithTheLogSenderAndItsRateLimits) {
  Server s("auth:\n  sms: {enabled: true, sender: log, phone_interval_s: 60, ip_per_hour: 3}\n");
  s.start();
  ASSERT_EQ(s.post("/v1/auth/sms/send", R"({"phone":"+8613800138000"})", "").status, 204);
  // The code is in the server log.
  std::smatch m;
  std::string log;
  ASSERT_TRUE(eventually([&] {
    log = s.log();
    return std::regex_search(log, m, std::regex("phone=\\+8613800138000 code=(\\d{6})"));
  }, 3000));
  std::string code = m[1];
  // A second code for the same phone within the interval is refused with Retry-After.
  auto again = s.post("/v1/auth/sms/send", R"({"phone":"+8613800138000"})", "");
  EXPECT_EQ(again.status, 429);
  EXPECT_FALSE(again.headers["retry-after"].empty());
  // Wrong code, then the right one.
  EXPECT_EQ(s.post("/v1/auth/sms/verify", R"({"phone":"+8613800138000","code":"000000x"})", "").status, 401);
  auto ok = s.post("/v1/auth/sms/verify", R"({"phone":"+8613800138000","code":")" + code + "\"}", "");
  ASSERT_EQ(ok.status, 200) << ok.body;
  std::string token = ok.str("token");
  auto user = ok.json().as_object()["user"].as_object();
  EXPECT_EQ(user["name"], "user8000");
  // The code is single-use, and the token works.
  EXPECT_EQ(s.post("/v1/auth/sms/verify", R"({"phone":"+8613800138000","code":")" + code + "\"}", "").status, 401);
  EXPECT_EQ(s.get("/v1/rooms", token).status, 200);
  // The same phone logs in as the same user next time.
  // Per-IP limit: 3 per hour from this address (one used above).
  EXPECT_EQ(s.post("/v1/auth/sms/send", R"({"phone":"+8613800138001"})", "").status, 204);
  EXPECT_EQ(s.post("/v1/auth/sms/send", R"({"phone":"+8613800138002"})", "").status, 204);
  EXPECT_EQ(s.post("/v1/auth/sms/send", R"({"phone":"+8613800138003"})", "").status, 429);
  EXPECT_EQ(s.post("/v1/auth/sms/send", R"({"phone":"12ab"})", "").status, 400);
}

TEST(Auth, PhoneLoginWithTheHttpSender) {
  Receiver sms([](const Receiver::Hit&) { return std::pair<int, std::string>{200, "{}"}; });
  Server s("auth:\n  sms: {enabled: true, sender: http, url: \"" + sms.url("/sms") + "\"}\n");
  s.start();
  ASSERT_EQ(s.post("/v1/auth/sms/send", R"({"phone":"13800138000"})", "").status, 204);
  ASSERT_EQ(sms.hits().size(), 1u);
  auto sent = json::parse(sms.hits()[0].body).as_object();
  EXPECT_EQ(sent["phone"], "13800138000");
  std::string code(sent["code"].as_string());
  EXPECT_EQ(sms.hits()[0].headers["x-onair-signature"],
            "sha256=" + auth::to_hex(auth::hmac_sha256(Server::kSecret, sms.hits()[0].body)));
  EXPECT_EQ(s.log().find(code), std::string::npos);  // the http sender never logs the code
  auto first = s.post("/v1/auth/sms/verify", R"({"phone":"13800138000","code":")" + code + "\"}", "");
  ASSERT_EQ(first.status, 200) << first.body;
}

TEST(Auth, PhoneLoginIsOffByDefault) {
  Server s;
  s.start();
  EXPECT_EQ(s.post("/v1/auth/sms/send", R"({"phone":"13800138000"})", "").status, 404);
}

TEST(Cli, TokenAndUrlCommandsUseTheServersKeys) {
  Server s;
  std::string env = "ONAIR_AUTH__KEYS__" + std::string(Server::kKey) + "=" + Server::kSecret +
                    " ONAIR_MEDIA__KEY=" + Server::kMediaKey + " ONAIR_DATA_DIR=" + s.dir() + "/data ";
  std::string token = run(env + ONAIR_BINARY " token --user cli-user --name Cli --room 77 --ttl 120");
  s.start();
  auth::TokenKeys keys(std::map<std::string, std::string>{{Server::kKey, Server::kSecret}});
  auto c = keys.verify(token, unix_s(), 0);
  ASSERT_TRUE(c) << token;
  EXPECT_EQ(c->sub, "cli-user");
  EXPECT_EQ(c->grants.room, "77");
  EXPECT_EQ(s.post("/v1/rooms/77/join", "", token).status, 404);  // a real token: the room is unknown

  std::string url = run(env + ONAIR_BINARY " url --stream 77-cli-user --action publish --host live.example:1935");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(url, m, std::regex("rtmp://live\\.example:1935/live/77-cli-user\\?expire=(\\d+)&sign=([0-9a-f]{64})")))
      << url;
  auth::StreamSigner signer(auth::SignMode::hmac, Server::kMediaKey);
  EXPECT_TRUE(signer.verify("77-cli-user", auth::StreamAction::publish, m[1].str(), m[2].str(), unix_s()));
  EXPECT_FALSE(signer.verify("77-cli-user", auth::StreamAction::play, m[1].str(), m[2].str(), unix_s()));
  std::string bad = run(env + ONAIR_BINARY " url --stream 'a/b' 2>&1");
  EXPECT_NE(bad.find("--stream"), std::string::npos);
}

TEST(Cli, FirstStartCreatesKeysAndPrintsAnAdminToken) {
  std::string dir = ::testing::TempDir() + "onair-first-" + std::to_string(::getpid());
  std::string port = std::to_string(free_port());
  std::string out = run("cd " + ::testing::TempDir() + " && ONAIR_DATA_DIR=" + dir + " ONAIR_HTTP__ADDR=127.0.0.1:" + port +
                        " ONAIR_RTMP__ADDR=127.0.0.1:" + std::to_string(free_port()) + " ONAIR_WEBRTC__UDP_ADDR=127.0.0.1:" +
                        std::to_string(free_udp_port()) + " timeout -s INT 3 " ONAIR_BINARY " serve 2>/dev/null");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex("export ONAIR_TOKEN=([A-Za-z0-9_\\-.]+)"))) << out;
  // The same data dir gives the same keys: the printed token verifies with `onair token`'s keys.
  std::string mine = run("ONAIR_DATA_DIR=" + dir + " " ONAIR_BINARY " token --user x");
  EXPECT_EQ(mine.substr(0, mine.find('.')), m[1].str().substr(0, m[1].str().find('.')));  // same kid header
  std::string second = run("cd " + ::testing::TempDir() + " && ONAIR_DATA_DIR=" + dir + " ONAIR_HTTP__ADDR=127.0.0.1:" +
                           port + " ONAIR_RTMP__ADDR=127.0.0.1:" + std::to_string(free_port()) +
                           " ONAIR_WEBRTC__UDP_ADDR=127.0.0.1:" + std::to_string(free_udp_port()) +
                           " timeout -s INT 2 " ONAIR_BINARY " serve 2>/dev/null");
  EXPECT_EQ(second.find("export ONAIR_TOKEN"), std::string::npos);  // printed once only
  std::filesystem::remove_all(dir);
}

TEST(Cli, ASecondServerOnTheSamePortsIsRefusedAndTheFirstKeepsServing) {
  Server first;
  first.start();
  std::string dir = ::testing::TempDir() + "onair-second-" + std::to_string(::getpid());
  auto second = [&](uint16_t http, uint16_t rtmp) {
    return run("cd " + ::testing::TempDir() + " && ONAIR_DATA_DIR=" + dir + " ONAIR_HTTP__ADDR=127.0.0.1:" +
               std::to_string(http) + " ONAIR_RTMP__ADDR=127.0.0.1:" + std::to_string(rtmp) +
               " ONAIR_WEBRTC__UDP_ADDR=127.0.0.1:" + std::to_string(free_udp_port()) + " timeout -s INT 5 " ONAIR_BINARY
               " serve 2>&1; echo exit=$?");
  };
  // Same HTTP port, and (other test) the first's RTMP port as its HTTP port: both refused at
  // once, with the reason, instead of quietly sharing the port with SO_REUSEPORT.
  std::string out = second(first.port(), free_port());
  EXPECT_NE(out.find("http.addr: cannot listen on"), std::string::npos) << out;
  EXPECT_NE(out.find("already in use"), std::string::npos) << out;
  EXPECT_NE(out.find("exit=1"), std::string::npos) << out;
  out = second(free_port(), first.rtmp_port());
  EXPECT_NE(out.find("rtmp.addr: cannot listen on"), std::string::npos) << out;
  EXPECT_NE(out.find("exit=1"), std::string::npos) << out;
  // Every request still reaches the first server.
  for (int i = 0; i < 20; ++i) EXPECT_EQ(first.get("/healthz", "").status, 200);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace onair::testing
