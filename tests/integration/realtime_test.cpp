// The realtime gateway through the real binary, with a real WebSocket client (Beast):
// REALTIME.md end to end.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "harness.hpp"
#include "ws_client.hpp"

namespace onair::testing {
namespace {
namespace json = boost::json;

std::string rt(const std::string& token = "") { return token.empty() ? "/v1/rt" : "/v1/rt?token=" + token; }

std::string str(const json::value& v, const char* key) {
  const auto& o = v.as_object();
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}
int64_t num(const json::value& v, const char* key) { return v.as_object().at(key).to_number<int64_t>(); }

// A client authenticated by URL token and subscribed to `room`.
std::unique_ptr<WsClient> joined(Server& s, const std::string& user, const std::string& room) {
  auto c = std::make_unique<WsClient>(s.port(), rt(s.token(user, user)));
  EXPECT_TRUE(c->wait_type("welcome"));
  c->send(json::object{{"type", "subscribe"}, {"room", room}, {"id", "sub"}});
  auto sub = c->wait_type("subscribed");
  EXPECT_TRUE(sub) << user;
  EXPECT_TRUE(c->wait_type("ack"));
  return c;
}

std::string open_room(Server& s, const std::string& owner) {
  return s.post("/v1/rooms", R"({"kind":"live"})", s.token(owner, owner)).str("id");
}

// Every message of every batch a client receives, in order of arrival.
std::vector<json::object> batch_messages(WsClient& c, size_t want, int ms = 5000) {
  std::vector<json::object> out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (out.size() < want && std::chrono::steady_clock::now() < deadline) {
    auto v = c.next(200);
    if (!v) continue;
    if (str(*v, "type") != "batch") continue;
    for (const auto& m : v->as_object().at("messages").as_array()) out.push_back(m.as_object());
  }
  return out;
}

TEST(Realtime, UrlTokenGetsWelcomePingAndAcks) {
  Server s;
  s.start();
  WsClient c(s.port(), rt(s.token("u1", "User One")));
  auto w = c.wait_type("welcome");
  ASSERT_TRUE(w);
  EXPECT_EQ(str(*w, "user"), "u1");
  EXPECT_FALSE(str(*w, "session").empty());
  EXPECT_GT(num(*w, "ping_interval_s"), 0);
  c.send(R"({"type":"ping","id":7})");
  auto p = c.wait_type("pong");
  ASSERT_TRUE(p);
  EXPECT_EQ(num(*p, "id"), 7);
}

TEST(Realtime, AuthByFirstMessageAndItsTimeout) {
  Server s("realtime: {auth_timeout_ms: 600}\n");
  s.start();
  {
    WsClient c(s.port(), rt());
    c.send(json::object{{"type", "auth"}, {"token", s.token("u2")}, {"id", "a"}});
    ASSERT_TRUE(c.wait_type("welcome"));
    auto ack = c.wait_type("ack");
    ASSERT_TRUE(ack);
    EXPECT_EQ(str(*ack, "id"), "a");
  }
  {
    WsClient silent(s.port(), rt());
    EXPECT_EQ(silent.wait_closed(3000), 4001);
    EXPECT_NE(silent.close_reason().find("timeout"), std::string::npos);
  }
  {
    WsClient wrong_first(s.port(), rt());
    wrong_first.send(R"({"type":"subscribe","room":"1"})");
    EXPECT_EQ(wrong_first.wait_closed(), 4001);
  }
}

TEST(Realtime, BadAndExpiredTokensClose4001) {
  Server s;
  s.start();
  {
    WsClient bad(s.port(), rt("not.a.token"));
    EXPECT_EQ(bad.wait_closed(), 4001);
  }
  {
    WsClient expired(s.port(), rt());
    expired.send(json::object{{"type", "auth"}, {"token", s.token("u3", "", "*", false, true, -3600)}});
    EXPECT_EQ(expired.wait_closed(), 4001);
    EXPECT_NE(expired.close_reason().find("expired"), std::string::npos) << expired.close_reason();
  }
  {
    // Signed with another secret.
    auth::TokenKeys other(std::map<std::string, std::string>{{Server::kKey, "some-other-secret-0123456789abcdef"}});
    auth::Claims c;
    c.sub = "u4";
    c.exp = std::time(nullptr) + 600;
    WsClient forged(s.port(), rt(other.sign(c, Server::kKey)));
    EXPECT_EQ(forged.wait_closed(), 4001);
  }
}

TEST(Realtime, GrantsDecideSubscribeAndChat) {
  Server s;
  s.start();
  std::string a = open_room(s, "anchor1"), b = open_room(s, "anchor2");
  // A token for room a only.
  WsClient c(s.port(), rt(s.token("fan", "Fan", a)));
  ASSERT_TRUE(c.wait_type("welcome"));
  c.send(json::object{{"type", "subscribe"}, {"room", b}, {"id", 1}});
  auto e = c.wait_type("error");
  ASSERT_TRUE(e);
  EXPECT_EQ(str(*e, "code"), "permission_denied");
  EXPECT_EQ(num(*e, "id"), 1);
  c.send(json::object{{"type", "chat"}, {"room", b}, {"text", "hi"}, {"id", 2}});
  e = c.wait_type("error");
  ASSERT_TRUE(e);
  EXPECT_EQ(str(*e, "code"), "permission_denied");
  // A token without the chat grant may listen, not talk.
  auth::TokenKeys keys(std::map<std::string, std::string>{{Server::kKey, Server::kSecret}});
  auth::Claims claims;
  claims.sub = "listener";
  claims.exp = std::time(nullptr) + 600;
  claims.grants.chat = false;
  WsClient l(s.port(), rt(keys.sign(claims, Server::kKey)));
  ASSERT_TRUE(l.wait_type("welcome"));
  l.send(json::object{{"type", "subscribe"}, {"room", a}, {"id", 1}});
  ASSERT_TRUE(l.wait_type("subscribed"));
  l.send(json::object{{"type", "chat"}, {"room", a}, {"text", "hi"}, {"id", 3}});
  e = l.wait_type("error");
  ASSERT_TRUE(e);
  EXPECT_EQ(str(*e, "code"), "permission_denied");
  // A room that does not exist.
  l.send(json::object{{"type", "subscribe"}, {"room", "999999"}, {"id", 4}});
  e = l.wait_type("error");
  ASSERT_TRUE(e);
  EXPECT_EQ(str(*e, "code"), "not_found");
}

TEST(Realtime, ChatReachesEveryClientInSeqOrder) {
  Server s;
  s.start();
  std::string room = open_room(s, "host");
  std::vector<std::unique_ptr<WsClient>> clients;
  for (int i = 0; i < 20; ++i) clients.push_back(joined(s, "viewer" + std::to_string(i), room));
  const int per_sender = 8;
  for (int k = 0; k < per_sender; ++k)
    for (int i = 0; i < 3; ++i)
      clients[size_t(i)]->send(json::object{{"type", k % 2 ? "danmaku" : "chat"},
                                            {"room", room},
                                            {"text", "m" + std::to_string(i) + "-" + std::to_string(k)},
                                            {"id", k}});
  const size_t want = 3 * per_sender;
  for (auto& c : clients) {
    auto msgs = batch_messages(*c, want);
    ASSERT_EQ(msgs.size(), want);
    int64_t last = 0;
    std::set<std::string> texts;
    for (const auto& m : msgs) {
      int64_t seq = m.at("seq").to_number<int64_t>();
      EXPECT_GT(seq, last);
      last = seq;
      texts.insert(std::string(m.at("text").as_string()));
      EXPECT_TRUE(m.at("from").as_object().contains("id"));
      EXPECT_TRUE(m.contains("ts"));
    }
    EXPECT_EQ(texts.size(), want);
  }
}

TEST(Realtime, ResyncAfterReconnectAndGapBeyondHistory) {
  Server s("realtime: {history: 5, user_burst: 50, user_rate: 50}\n");
  s.start();
  std::string room = open_room(s, "host");
  auto talker = joined(s, "talker", room);
  int64_t first_seq = 0;
  for (int i = 0; i < 3; ++i) {
    talker->send(json::object{{"type", "chat"}, {"room", room}, {"text", "t" + std::to_string(i)}, {"id", i}});
    auto ack = talker->wait_type("ack");
    ASSERT_TRUE(ack);
    if (i == 0) first_seq = num(*ack, "seq");
  }
  // Reconnect after seeing the first: the two after it come back from history.
  {
    WsClient c(s.port(), rt(s.token("late")));
    ASSERT_TRUE(c.wait_type("welcome"));
    c.send(json::object{{"type", "subscribe"}, {"room", room}, {"since", first_seq}});
    ASSERT_TRUE(c.wait_type("subscribed"));
    auto msgs = batch_messages(c, 2);
    ASSERT_EQ(msgs.size(), 2u);
    EXPECT_EQ(msgs[0].at("seq").to_number<int64_t>(), first_seq + 1);
    EXPECT_EQ(std::string(msgs[1].at("text").as_string()), "t2");
  }
  for (int i = 3; i < 12; ++i) {
    talker->send(json::object{{"type", "chat"}, {"room", room}, {"text", "t" + std::to_string(i)}, {"id", i}});
    ASSERT_TRUE(talker->wait_type("ack"));
  }
  // History keeps 5: what is older is a gap.
  WsClient c(s.port(), rt(s.token("later")));
  ASSERT_TRUE(c.wait_type("welcome"));
  c.send(json::object{{"type", "subscribe"}, {"room", room}, {"since", first_seq}});
  ASSERT_TRUE(c.wait_type("subscribed"));
  auto gap = c.wait_type("gap");
  ASSERT_TRUE(gap);
  EXPECT_EQ(num(*gap, "from"), first_seq + 1);
  EXPECT_EQ(num(*gap, "to"), first_seq + 6);
  auto msgs = batch_messages(c, 5);
  ASSERT_EQ(msgs.size(), 5u);
  EXPECT_EQ(std::string(msgs[4].at("text").as_string()), "t11");
}

TEST(Realtime, RateLimitMuteAndWordFilter) {
  Server s("realtime: {user_rate: 2, user_burst: 3, words: [badword, 坏话]}\n");
  s.start();
  std::string host_token = s.token("host", "Host");
  std::string room = s.post("/v1/rooms", R"({"kind":"live"})", host_token).str("id");
  auto c = joined(s, "chatty", room);
  int acks = 0, limited = 0;
  for (int i = 0; i < 8; ++i) c->send(json::object{{"type", "chat"}, {"room", room}, {"text", "x"}, {"id", i}});
  for (int i = 0; i < 8; ++i) {
    auto r = c->wait_for([](const json::object& o) { return o.at("type") == "ack" || o.at("type") == "error"; });
    ASSERT_TRUE(r);
    if (str(*r, "type") == "ack") ++acks;
    if (str(*r, "code") == "rate_limited") ++limited;
  }
  EXPECT_EQ(acks, 3);
  EXPECT_EQ(limited, 5);

  // The word filter masks (the default), characters not bytes.
  std::this_thread::sleep_for(std::chrono::milliseconds(1600));
  c->send(json::object{{"type", "chat"}, {"room", room}, {"text", "a BadWord and 坏话!"}, {"id", "w"}});
  auto masked = c->wait_for([](const json::object& o) {
    if (o.at("type") != "batch") return false;
    for (const auto& m : o.at("messages").as_array())
      if (m.as_object().at("text") != "x") return true;
    return false;
  });
  ASSERT_TRUE(masked);
  EXPECT_EQ(masked->as_object().at("messages").as_array().back().as_object().at("text"), "a ******* and **!");

  // Muted by the owner through the API: refused with `muted`.
  ASSERT_EQ(s.post("/v1/rooms/" + room + "/join", "", s.token("chatty", "chatty")).status, 200);
  ASSERT_EQ(s.post("/v1/rooms/" + room + "/members/chatty/mute", R"({"seconds":60})", host_token).status, 200);
  ASSERT_TRUE(c->wait_for([](const json::object& o) {
    if (o.at("type") != "batch") return false;
    for (const auto& m : o.at("messages").as_array())
      if (m.as_object().at("type") == "member_muted") return true;
    return false;
  }));
  c->send(json::object{{"type", "chat"}, {"room", room}, {"text", "still here"}, {"id", "m"}});
  auto e = c->wait_type("error");
  ASSERT_TRUE(e);
  EXPECT_EQ(str(*e, "code"), "muted");
  EXPECT_EQ(str(*e, "id"), "m");
}

TEST(Realtime, WordFilterCanReject) {
  Server s("realtime: {words: [spam], filter: reject}\n");
  s.start();
  std::string room = open_room(s, "host");
  auto c = joined(s, "u", room);
  c->send(json::object{{"type", "danmaku"}, {"room", room}, {"text", "buy SPAM now"}, {"id", 1}});
  auto e = c->wait_type("error");
  ASSERT_TRUE(e);
  EXPECT_EQ(str(*e, "code"), "invalid_argument");
  c->send(json::object{{"type", "danmaku"}, {"room", room}, {"text", "hello"}, {"color", "#ff0000"}, {"mode", "top"}, {"id", 2}});
  auto msgs = batch_messages(*c, 1);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(std::string(msgs[0].at("color").as_string()), "#ff0000");
  EXPECT_EQ(std::string(msgs[0].at("mode").as_string()), "top");
}

TEST(Realtime, RoomEventsFromApiCallsReachTheChannel) {
  Server s;
  s.start();
  std::string host = s.token("host", "Host");
  std::string room = s.post("/v1/rooms", R"({"kind":"live"})", host).str("id");
  auto c = joined(s, "watcher", room);
  std::string fan = s.token("fan", "Fan");
  ASSERT_EQ(s.post("/v1/rooms/" + room + "/join", "", fan).status, 200);
  ASSERT_EQ(s.post("/v1/rooms/" + room + "/seats/requests", "", fan).status / 100, 2);
  // Likes sent over the WebSocket come back aggregated.
  ASSERT_EQ(s.post("/v1/rooms/" + room + "/join", "", s.token("watcher", "watcher")).status, 200);
  // (No wait for the ack here: waiting would skip the batches that come before it.)
  c->send(json::object{{"type", "like"}, {"room", room}, {"count", 5}, {"id", "l"}});
  ASSERT_EQ(s.post("/v1/rooms/" + room + "/messages", R"({"type":"notice","body":{"text":"welcome all"}})", s.admin()).status,
            200);
  std::set<std::string> seen;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  auto all_seen = [&] {
    for (const char* t : {"member_joined", "seat_request", "likes", "notice"})
      if (!seen.contains(t)) return false;
    return true;
  };
  while (std::chrono::steady_clock::now() < deadline && !all_seen()) {
    auto v = c->next(200);
    if (!v || str(*v, "type") != "batch") continue;
    for (const auto& m : v->as_object().at("messages").as_array()) {
      std::string t(m.as_object().at("type").as_string());
      seen.insert(t);
      if (t == "likes") {
        EXPECT_EQ(m.as_object().at("total").to_number<int64_t>(), 5);
      }
      if (t == "notice") {
        EXPECT_EQ(m.as_object().at("body").as_object().at("text"), "welcome all");
      }
    }
  }
  for (const char* t : {"member_joined", "seat_request", "likes", "notice"}) EXPECT_TRUE(seen.contains(t)) << t;
  // Closing the room ends the subscription.
  ASSERT_EQ(s.del("/v1/rooms/" + room, host).status / 100, 2);
  auto u = c->wait_type("unsubscribed");
  ASSERT_TRUE(u);
  EXPECT_EQ(str(*u, "reason"), "room_closed");
}

TEST(Realtime, SignalsReachAllConnectionsAndWaitInTheInbox) {
  Server s;
  s.start();
  WsClient a(s.port(), rt(s.token("alice")));
  WsClient b1(s.port(), rt(s.token("bob"))), b2(s.port(), rt(s.token("bob")));
  for (auto* c : {&a, &b1, &b2}) ASSERT_TRUE(c->wait_type("welcome"));
  a.send(json::object{{"type", "signal"}, {"to", "bob"}, {"data", {{"call", "offer"}}}, {"id", 1}});
  ASSERT_TRUE(a.wait_type("ack"));
  for (auto* b : {&b1, &b2}) {
    auto sig = b->wait_type("signal");
    ASSERT_TRUE(sig);
    EXPECT_EQ(str(*sig, "from"), "alice");
    EXPECT_EQ(sig->as_object().at("data").as_object().at("call"), "offer");
  }
  // Carol is offline: the signal waits; a server push too.
  a.send(json::object{{"type", "signal"}, {"to", "carol"}, {"data", "ring"}, {"id", 2}});
  ASSERT_TRUE(a.wait_type("ack"));
  ASSERT_EQ(s.post("/v1/push", R"({"users":["carol"],"type":"notice","body":"hello carol"})", s.admin()).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  WsClient carol(s.port(), rt(s.token("carol")));
  ASSERT_TRUE(carol.wait_type("welcome"));
  carol.send(R"({"type":"sync","since":0,"id":"s"})");
  auto sig = carol.wait_type("signal");
  ASSERT_TRUE(sig);
  EXPECT_EQ(str(*sig, "data"), "ring");
  auto notice = carol.wait_type("notice");
  ASSERT_TRUE(notice);
  EXPECT_EQ(str(*notice, "body"), "hello carol");
  auto done = carol.wait_type("synced");
  ASSERT_TRUE(done);
  EXPECT_EQ(num(*done, "seq"), num(*notice, "seq"));
  // Push to everyone.
  ASSERT_EQ(s.post("/v1/push", R"({"all":true,"type":"maintenance","body":{"in_s":60}})", s.admin()).status, 200);
  EXPECT_TRUE(b1.wait_type("maintenance"));
  EXPECT_TRUE(carol.wait_type("maintenance"));
  // A server may not pose as the gateway.
  EXPECT_EQ(s.post("/v1/push", R"({"all":true,"type":"gift","body":{}})", s.admin()).status, 400);
  EXPECT_EQ(s.post("/v1/push", R"({"all":true,"type":"notice","body":{}})", s.token("alice")).status, 403);
}

TEST(Realtime, MalformedMessagesGetErrorsAndOversizeFramesClose1009) {
  Server s("realtime: {max_frame: 1024}\n");
  s.start();
  WsClient c(s.port(), rt(s.token("u")));
  ASSERT_TRUE(c.wait_type("welcome"));
  for (const char* bad : {"{not json", "[1,2]", R"({"type":42})", R"({"type":"nope","id":"x"})",
                          R"({"type":"chat","room":"../etc","text":"x"})", R"({"type":"subscribe","room":"1","since":-4})"}) {
    c.send(bad);
    auto e = c.wait_type("error");
    ASSERT_TRUE(e) << bad;
    EXPECT_EQ(str(*e, "code"), "invalid_argument") << bad;
  }
  c.send(R"({"type":"ping"})");
  EXPECT_TRUE(c.wait_type("pong"));
  c.send(std::string(R"({"type":"chat","text":")") + std::string(2000, 'a') + "\"}");
  EXPECT_EQ(c.wait_closed(), 1009);
}

// Raw WebSocket handshake on a plain socket that then never reads.
int stalled_client(uint16_t port, const std::string& token, const std::string& room) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int small = 4096;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return -1;
  std::string req = "GET /v1/rt?token=" + token +
                    " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  ::send(fd, req.data(), req.size(), 0);
  // The 101 (a client waits for it before sending, RFC 6455 4.1), then no more reading.
  std::string head;
  char ch;
  while (head.find("\r\n\r\n") == std::string::npos && ::recv(fd, &ch, 1, 0) == 1) head += ch;
  if (head.rfind("HTTP/1.1 101", 0) != 0) return -1;
  // subscribe, masked with a zero key
  std::string msg = R"({"type":"subscribe","room":")" + room + "\"}";
  std::string frame;
  frame += char(0x81);
  frame += char(0x80 | msg.size());
  frame += std::string(4, '\0');
  frame += msg;
  ::send(fd, frame.data(), frame.size(), 0);
  return fd;
}

TEST(Realtime, AClientThatStopsReadingIsBoundedAndDelaysNoOne) {
  Server s("realtime: {queue_bytes: 262144, queue_hard_bytes: 1048576, user_rate: 100000, user_burst: 100000}\n");
  s.start();
  std::string room = open_room(s, "host");
  int stalled = stalled_client(s.port(), s.token("sleepy"), room);
  ASSERT_GE(stalled, 0);
  auto fast = joined(s, "fast", room);
  auto talker = joined(s, "talker", room);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::string text(300, 'z');
  const int n = 20000;  // ~7 MB through the room, past the kernel's buffers and the queue limits
  // 10,000 messages a second: a busy room, not a burst beyond any queue.
  for (int i = 0; i < n; ++i) {
    talker->send(json::object{{"type", "chat"}, {"room", room}, {"text", text}});
    if (i % 100 == 99) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::vector<json::object> msgs;
  int gaps = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (msgs.size() < size_t(n) && std::chrono::steady_clock::now() < deadline) {
    auto v = fast->next(200);
    if (!v) continue;
    gaps += str(*v, "type") == "gap";
    if (str(*v, "type") != "batch") continue;
    for (const auto& m : v->as_object().at("messages").as_array()) msgs.push_back(m.as_object());
  }
  EXPECT_EQ(gaps, 0);
  EXPECT_EQ(msgs.size(), size_t(n));
  int64_t last = 0;
  for (const auto& m : msgs) {
    EXPECT_GT(m.at("seq").to_number<int64_t>(), last);
    last = m.at("seq").to_number<int64_t>();
  }
  // The stalled one was dropped to gaps or closed, and counted.
  auto metrics = s.get("/metrics", s.admin()).body;
  EXPECT_NE(metrics.find("onair_rt_drops_total{reason=\"slow\"}"), std::string::npos);
  EXPECT_EQ(metrics.find("onair_rt_drops_total{reason=\"slow\"} 0\n"), std::string::npos) << metrics.substr(metrics.find("onair_rt"));
  ::close(stalled);
}

TEST(Realtime, BigRoomsSampleChatButNeverEvents) {
  Server s("realtime: {sample_above: 2, room_rate: 3}\n");
  s.start();
  std::string host = s.token("host", "Host");
  std::string room = s.post("/v1/rooms", R"({"kind":"live"})", host).str("id");
  std::vector<std::unique_ptr<WsClient>> cs;
  for (int i = 0; i < 4; ++i) cs.push_back(joined(s, "v" + std::to_string(i), room));
  for (int i = 0; i < 4; ++i)
    for (int k = 0; k < 3; ++k)
      cs[size_t(i)]->send(json::object{{"type", "chat"}, {"room", room}, {"text", "c"}, {"id", k}});
  // Every sender is answered; the room hears at most room_rate per second. Client 0 reads
  // everything in one pass (waiting for its acks alone would skip batches).
  for (size_t i = 1; i < cs.size(); ++i)
    for (int k = 0; k < 3; ++k) ASSERT_TRUE(cs[i]->wait_type("ack"));
  ASSERT_EQ(s.post("/v1/rooms/" + room + "/join", "", s.token("fan")).status, 200);
  int chats = 0, acks = 0;
  bool online = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(2500);
  while (std::chrono::steady_clock::now() < deadline) {
    auto v = cs[0]->next(100);
    if (!v) continue;
    acks += str(*v, "type") == "ack";
    if (str(*v, "type") != "batch") continue;
    for (const auto& mv : v->as_object().at("messages").as_array()) {
      const auto& m = mv.as_object();
      chats += m.at("type") == "chat";
      online |= m.at("type") == "online";
      EXPECT_NE(m.at("type"), "member_joined");  // presence is a count in big rooms
    }
  }
  EXPECT_EQ(acks, 3);
  EXPECT_LE(chats, 6);  // the burst may straddle two seconds
  EXPECT_GE(chats, 3);
  EXPECT_TRUE(online);
}

}  // namespace
}  // namespace onair::testing

namespace onair::testing {
namespace {

TEST(Realtime, ServerPingsKeepClientsAndIdleOnesAreClosed) {
  Server s("realtime: {ping_interval_s: 1, idle_timeout_s: 2}\n");
  s.start();
  // Beast answers the server's pings: it stays past the idle timeout.
  WsClient alive(s.port(), rt(s.token("alive")));
  ASSERT_TRUE(alive.wait_type("welcome"));
  // A raw client that sends nothing after the upgrade and answers no ping.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(s.port());
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  std::string req = "GET /v1/rt?token=" + s.token("mute") +
                    " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  ::send(fd, req.data(), req.size(), 0);
  std::string got;
  char buf[4096];
  timeval tv{6, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) got.append(buf, size_t(n));
  ::close(fd);
  EXPECT_NE(got.find("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), std::string::npos);  // RFC 6455 1.3's accept
  EXPECT_NE(got.find("\x89\x00", 0, 2), std::string::npos) << "no ping";
  EXPECT_NE(got.find("idle timeout"), std::string::npos) << "no close with a reason";
  EXPECT_FALSE(alive.closed());
  alive.send(R"({"type":"ping"})");
  EXPECT_TRUE(alive.wait_type("pong"));
}

TEST(Realtime, UpgradeNeedsWebSocketHeaders) {
  Server s;
  s.start();
  EXPECT_EQ(s.get("/v1/rt", s.token("u")).status, 400);
  auto r = http_call(s.port(), "GET", "/v1/rt", "", "",
                     {{"Upgrade", "websocket"}, {"Connection", "Upgrade"}, {"Sec-WebSocket-Version", "8"},
                      {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}});
  EXPECT_EQ(r.status, 426);
  EXPECT_EQ(r.headers["sec-websocket-version"], "13");
}

}  // namespace
}  // namespace onair::testing

namespace onair::testing {
namespace {

TEST(Realtime, KickedMembersLeaveTheChannelAndStayOut) {
  Server s;
  s.start();
  std::string host = s.token("host", "Host");
  std::string room = s.post("/v1/rooms", R"({"kind":"live"})", host).str("id");
  ASSERT_EQ(s.post("/v1/rooms/" + room + "/join", "", s.token("troll")).status, 200);
  WsClient c(s.port(), rt(s.token("troll")));
  ASSERT_TRUE(c.wait_type("welcome"));
  c.send(json::object{{"type", "subscribe"}, {"room", room}});
  ASSERT_TRUE(c.wait_type("subscribed"));
  ASSERT_EQ(s.post("/v1/rooms/" + room + "/members/troll/kick", "", host).status / 100, 2);
  auto u = c.wait_type("unsubscribed");
  ASSERT_TRUE(u);
  EXPECT_EQ(str(*u, "reason"), "kicked");
  c.send(json::object{{"type", "subscribe"}, {"room", room}, {"id", 1}});
  auto e = c.wait_type("error");
  ASSERT_TRUE(e);
  EXPECT_EQ(str(*e, "code"), "permission_denied");
  c.send(json::object{{"type", "chat"}, {"room", room}, {"text", "back!"}, {"id", 2}});
  e = c.wait_type("error");
  ASSERT_TRUE(e);
  EXPECT_EQ(str(*e, "code"), "permission_denied");
}

TEST(Realtime, AHopelessClientIsClosedAndShutdownSaysGoingAway) {
  Server s("realtime: {queue_bytes: 65536, queue_hard_bytes: 131072, user_rate: 100000, user_burst: 100000}\n");
  s.start();
  std::string room = open_room(s, "host");
  int stalled = stalled_client(s.port(), s.token("sleepy"), room);
  ASSERT_GE(stalled, 0);
  WsClient sender(s.port(), rt(s.token("sender")));
  ASSERT_TRUE(sender.wait_type("welcome"));
  // Signals must arrive, so they are never dropped: past the hard limit the connection goes.
  std::string big(8000, 's');
  for (int i = 0; i < 2000; ++i) sender.send(json::object{{"type", "signal"}, {"to", "sleepy"}, {"data", big}});
  EXPECT_TRUE(eventually([&] {
    auto m = s.get("/metrics", s.admin()).body;
    return m.find("onair_rt_connections 1\n") != std::string::npos;
  }, 20000)) << "the stalled connection was not closed";
  ::close(stalled);
  // SIGTERM: open connections get 1001 and the server exits cleanly.
  EXPECT_EQ(s.stop(), 0);
  EXPECT_EQ(sender.wait_closed(), 1001);
}

}  // namespace
}  // namespace onair::testing
