// WHIP and WHEP over real HTTP and UDP sockets without a browser: what a client gets for
// good and bad requests, and that malformed STUN, DTLS and RTP sent from a raw UDP socket
// end nothing but that peer.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "harness.hpp"
#include "media_clients.hpp"
#include "media/webrtc/sdp.hpp"
#include "media/webrtc/stun.hpp"

namespace onair::testing {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream f(std::string(ONAIR_SOURCE_DIR) + "/tests/webrtc/offers/" + name);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

const std::map<std::string, std::string> kSdp = {{"Content-Type", "application/sdp"}};

std::string config() { return "rooms:\n  member_timeout_s: 600\nwebrtc:\n  ice_servers: [\"stun:stun.example.net:3478\"]\n"; }

struct Seat {
  std::string room, token, stream, whip_path, whep_path, publish_rtmp;
};

Seat seat(Server& s, const std::string& user) {
  Seat out;
  out.token = s.token(user, user);
  out.room = s.post("/v1/rooms", R"({"kind":"call"})", out.token).str("id");
  EXPECT_EQ(s.post("/v1/rooms/" + out.room + "/join", "", out.token).status, 200);
  auto o = s.post("/v1/rooms/" + out.room + "/seats", "", out.token).json().as_object();
  out.stream = std::string(o["stream"].as_string());
  auto path = [](std::string url) { return url.substr(url.find("/v1/")); };
  out.whip_path = path(std::string(o["publish"].as_object()["whip"].as_string()));
  out.whep_path = path(std::string(o["play"].as_object()["whep"].as_string()));
  out.publish_rtmp = std::string(o["publish"].as_object()["rtmp"].as_string());
  return out;
}

// A UDP socket on loopback talking to the server's WebRTC port.
class Udp {
 public:
  explicit Udp(uint16_t port) : fd_(::socket(AF_INET, SOCK_DGRAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  ~Udp() { ::close(fd_); }
  void send(const std::string& d) { ::send(fd_, d.data(), d.size(), 0); }
  std::optional<std::string> recv(int ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, ms) <= 0) return std::nullopt;
    char buf[2048];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0) return std::nullopt;
    return std::string(buf, size_t(n));
  }

 private:
  int fd_;
};

// What a WHIP/WHEP answer says about reaching the server.
struct AnswerInfo {
  std::string ufrag, pwd;
  uint16_t port = 0;
};
AnswerInfo answer_info(const std::string& sdp_text) {
  auto d = webrtc::sdp::parse(sdp_text);
  EXPECT_TRUE(d.has_value()) << sdp_text;
  AnswerInfo a;
  if (!d) return a;
  a.ufrag = d->ice_ufrag;
  a.pwd = d->ice_pwd;
  for (const auto& m : d->media) {
    if (a.ufrag.empty()) a.ufrag = m.ice_ufrag;
    if (a.pwd.empty()) a.pwd = m.ice_pwd;
    if (!m.candidates.empty() && !a.port) a.port = m.candidates[0].port;
  }
  return a;
}

// The offer's ufrag (the browser's).
std::string offer_ufrag(const std::string& offer) {
  auto d = webrtc::sdp::parse(offer).value();
  return d.ice_ufrag.empty() ? d.media[0].ice_ufrag : d.ice_ufrag;
}

std::string binding(const AnswerInfo& a, const std::string& remote_ufrag, const std::string& pwd, uint8_t tx_seed) {
  webrtc::stun::TransactionId tx;
  for (size_t i = 0; i < tx.size(); ++i) tx[i] = uint8_t(tx_seed + i);
  webrtc::stun::Builder b(webrtc::stun::kBinding, webrtc::stun::Class::request, tx);
  b.add(webrtc::stun::attr::username, a.ufrag + ":" + remote_ufrag);
  b.add_u32(webrtc::stun::attr::priority, 1845501695);
  b.add(webrtc::stun::attr::ice_controlling, std::string(8, '\x01'));
  b.add(webrtc::stun::attr::use_candidate, "");
  return b.finish(pwd, true);
}

TEST(WebRtc, WhipAnswers201WithTheSessionUrlAndIceServersAndDeleteEndsIt) {
  Server s(config());
  s.start();
  Seat st = seat(s, "alice");
  auto r = http_call(s.port(), "POST", st.whip_path, fixture("chromium-156-whip.sdp"), "", kSdp);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.headers["content-type"], "application/sdp");
  std::string location = r.headers["location"];
  EXPECT_EQ(location.rfind("/v1/whip/" + st.stream + "/", 0), 0u) << location;
  EXPECT_EQ(r.headers["link"], "<stun:stun.example.net:3478>; rel=\"ice-server\"");
  EXPECT_NE(r.body.find("a=ice-lite"), std::string::npos);
  EXPECT_EQ(answer_info(r.body).port, s.webrtc_port());
  // One publisher per stream.
  auto again = http_call(s.port(), "POST", st.whip_path, fixture("chromium-156-whip.sdp"), "", kSdp);
  EXPECT_EQ(again.status, 409) << again.body;
  // Viewers are answered while it is published.
  auto view = http_call(s.port(), "POST", st.whep_path, fixture("chromium-156-whep.sdp"), "", kSdp);
  EXPECT_EQ(view.status, 201) << view.body;
  EXPECT_EQ(http_call(s.port(), "DELETE", location).status, 200);
  EXPECT_EQ(http_call(s.port(), "DELETE", location).status, 404);
  EXPECT_EQ(http_call(s.port(), "DELETE", "/v1/whip/" + st.stream + "/0123456789abcdef0123456789abcdef").status, 404);
  // With the publisher gone, the stream is free again and WHEP has nothing to play.
  EXPECT_TRUE(eventually([&] {
    return http_call(s.port(), "POST", st.whep_path, fixture("chromium-156-whep.sdp"), "", kSdp).status == 404;
  }, 3000));
  EXPECT_EQ(http_call(s.port(), "POST", st.whip_path, fixture("chromium-156-whip.sdp"), "", kSdp).status, 201);
}

TEST(WebRtc, WhipWithoutAValidSignatureOrGrantIsRefused) {
  Server s(config());
  s.start();
  Seat st = seat(s, "alice");
  std::string offer = fixture("chromium-156-whip.sdp");
  std::string bare = "/v1/whip/" + st.stream;
  auto unsigned_ = http_call(s.port(), "POST", bare, offer, "", kSdp);
  EXPECT_TRUE(unsigned_.status == 401 || unsigned_.status == 403) << unsigned_.status << unsigned_.body;
  auto forged = http_call(s.port(), "POST", bare + "?expire=9999999999&sign=00ff", offer, "", kSdp);
  EXPECT_TRUE(forged.status == 401 || forged.status == 403) << forged.body;
  // Tokens: only the seat's own user, only while seated.
  EXPECT_EQ(http_call(s.port(), "POST", bare, offer, "not-a-token", kSdp).status, 401);
  EXPECT_EQ(http_call(s.port(), "POST", bare, offer, s.token("mallory", "M", st.room), kSdp).status, 403);
  EXPECT_EQ(http_call(s.port(), "POST", "/v1/whip/" + st.room + "-bob", offer, s.token("bob", "B", st.room), kSdp).status,
            403);
  auto ok = http_call(s.port(), "POST", bare, offer, st.token, kSdp);
  EXPECT_EQ(ok.status, 201) << ok.body;
}

TEST(WebRtc, BadOffersGetClearErrors) {
  Server s(config());
  s.start();
  Seat st = seat(s, "alice");
  std::string offer = fixture("chromium-156-whip.sdp");
  auto text = http_call(s.port(), "POST", st.whip_path, offer, "", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(text.status, 415) << text.body;
  EXPECT_EQ(http_call(s.port(), "POST", st.whip_path, "", "", kSdp).status, 400);
  auto garbage = http_call(s.port(), "POST", st.whip_path, "v=0\r\nthis is not sdp\r\n", "", kSdp);
  EXPECT_EQ(garbage.status, 400) << garbage.body;
  EXPECT_NE(garbage.body.find("offer"), std::string::npos) << garbage.body;
  // Only G.711 audio and no video: nothing onair can take.
  std::string pcmu =
      "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\na=rtcp-mux\r\n"
      "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
      "a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n"
      "a=setup:actpass\r\na=rtpmap:0 PCMU/8000\r\n";
  auto none = http_call(s.port(), "POST", st.whip_path, pcmu, "", kSdp);
  EXPECT_EQ(none.status, 406) << none.body;
  EXPECT_NE(none.body.find("not_acceptable"), std::string::npos) << none.body;
  auto nobody = http_call(s.port(), "POST", st.whep_path, fixture("chromium-156-whep.sdp"), "", kSdp);
  EXPECT_EQ(nobody.status, 404) << nobody.body;
  // Browsers' CORS preflight.
  auto pre = http_call(s.port(), "OPTIONS", st.whip_path, "", "",
                       {{"Origin", "http://example.com"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(pre.status, 204);
  EXPECT_NE(pre.headers["access-control-allow-methods"].find("POST"), std::string::npos);
  EXPECT_NE(pre.headers["access-control-allow-headers"].find("Content-Type"), std::string::npos);
}

TEST(WebRtc, MalformedStunDtlsAndRtpFromARawSocketEndOnlyThatPeer) {
  Server s(config());
  s.start();
  Seat a = seat(s, "alice"), b = seat(s, "bob");
  std::string offer = fixture("chromium-156-whip.sdp");
  auto ra = http_call(s.port(), "POST", a.whip_path, offer, "", kSdp);
  auto rb = http_call(s.port(), "POST", b.whip_path, offer, "", kSdp);
  ASSERT_EQ(ra.status, 201);
  ASSERT_EQ(rb.status, 201);
  AnswerInfo ia = answer_info(ra.body), ib = answer_info(rb.body);
  std::string ufrag = offer_ufrag(offer);

  // Peer A checks in properly, then sends junk of every kind.
  Udp pa(s.webrtc_port()), pb(s.webrtc_port());
  pa.send(binding(ia, ufrag, ia.pwd, 1));
  auto resp = pa.recv(2000);
  ASSERT_TRUE(resp.has_value());
  auto m = webrtc::stun::parse(*resp);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->cls, webrtc::stun::Class::success);
  EXPECT_TRUE(webrtc::stun::integrity_ok(*m, ia.pwd));
  // A wrong password is answered 401, and changes nothing.
  pa.send(binding(ia, ufrag, "wrong-password-wrong-pw", 2));
  auto denied = pa.recv(2000);
  ASSERT_TRUE(denied.has_value());
  EXPECT_EQ(webrtc::stun::parse(*denied)->cls, webrtc::stun::Class::error);
  std::mt19937 rng(7);
  auto junk = [&](uint8_t first, size_t n) {
    std::string d(n, '\0');
    for (auto& c : d) c = char(rng());
    d[0] = char(first);
    return d;
  };
  for (int i = 0; i < 50; ++i) {
    pa.send(junk(0x00, 20 + i));                  // STUN-looking
    pa.send(junk(22, 13 + i * 3));                 // DTLS handshake-looking
    pa.send(junk(0x80, 12 + i * 7));               // RTP-looking, not decryptable
    pa.send(junk(0x80, 3));                        // too short for anything
    pa.send(std::string(1, '\x7f'));               // outside RFC 7983's ranges
    pb.send(junk(uint8_t(rng() % 256), 1 + i));    // from an address no peer has
  }
  // Peer B, untouched by all that, still gets its checks answered; so does A.
  pb.send(binding(ib, ufrag, ib.pwd, 3));
  auto rb2 = pb.recv(2000);
  ASSERT_TRUE(rb2.has_value());
  EXPECT_EQ(webrtc::stun::parse(*rb2)->cls, webrtc::stun::Class::success);
  pa.send(binding(ia, ufrag, ia.pwd, 4));
  bool answered = false;
  for (int i = 0; i < 20 && !answered; ++i) {
    auto x = pa.recv(200);
    if (!x) continue;
    auto mm = webrtc::stun::parse(*x);
    answered = mm && mm->cls == webrtc::stun::Class::success;
  }
  EXPECT_TRUE(answered);
  EXPECT_EQ(s.get("/healthz", "").status, 200);
}

TEST(WebRtc, APeerThatNeverConnectsIsDroppedAndTheStreamFreed) {
  Server s("rooms:\n  member_timeout_s: 600\nwebrtc:\n  connect_timeout_s: 2\n");
  s.start();
  Seat st = seat(s, "alice");
  std::string offer = fixture("chromium-156-whip.sdp");
  ASSERT_EQ(http_call(s.port(), "POST", st.whip_path, offer, "", kSdp).status, 201);
  // Answered but not connected: the stream is taken, the seat is not live.
  EXPECT_EQ(http_call(s.port(), "POST", st.whip_path, offer, "", kSdp).status, 409);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto seats = s.get("/v1/rooms/" + st.room + "/seats", st.token);
  ASSERT_EQ(seats.status, 200) << seats.body;
  EXPECT_NE(seats.body.find("\"live\":false"), std::string::npos) << seats.body;
  EXPECT_EQ(seats.body.find("\"live\":true"), std::string::npos) << seats.body;
  // Nobody ever connects: the session ends, the stream is free again.
  EXPECT_TRUE(eventually([&] { return http_call(s.port(), "POST", st.whip_path, offer, "", kSdp).status == 201; },
                         6000));
  EXPECT_NE(s.log().find("no ICE and DTLS connection in time"), std::string::npos);
}

TEST(WebRtc, APeerThatFallsSilentLosesConsent) {
  Server s("rooms:\n  member_timeout_s: 600\nwebrtc:\n  consent_timeout_s: 2\n");
  s.start();
  Seat st = seat(s, "alice");
  std::string offer = fixture("chromium-156-whip.sdp");
  auto r = http_call(s.port(), "POST", st.whip_path, offer, "", kSdp);
  ASSERT_EQ(r.status, 201);
  AnswerInfo info = answer_info(r.body);
  Udp peer(s.webrtc_port());
  // Checks every 500 ms keep it (RFC 7675), for longer than the timeout ...
  for (int i = 0; i < 8; ++i) {
    peer.send(binding(info, offer_ufrag(offer), info.pwd, uint8_t(10 + i)));
    ASSERT_TRUE(peer.recv(1000).has_value());
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  EXPECT_EQ(s.log().find("consent expired"), std::string::npos);
  // ... and silence ends it.
  EXPECT_TRUE(eventually([&] { return s.log().find("consent expired") != std::string::npos; }, 5000)) << s.log();
}

TEST(WebRtc, LeavingOrBeingKickedEndsTheMembersSessions) {
  Server s(config());
  s.start();
  Seat st = seat(s, "alice");
  std::string offer = fixture("chromium-156-whip.sdp");
  // Bob is a viewer in Alice's room.
  std::string bob = s.token("bob", "Bob", st.room);
  ASSERT_EQ(s.post("/v1/rooms/" + st.room + "/join", "", bob).status, 200);
  ASSERT_EQ(http_call(s.port(), "POST", st.whip_path, offer, "", kSdp).status, 201);
  auto view = http_call(s.port(), "POST", "/v1/whep/" + st.stream, fixture("chromium-156-whep.sdp"), bob, kSdp);
  ASSERT_EQ(view.status, 201) << view.body;
  // Bob leaves: his viewing ends, Alice keeps publishing.
  ASSERT_EQ(s.post("/v1/rooms/" + st.room + "/leave", "", bob).status / 100, 2);
  EXPECT_TRUE(eventually([&] { return s.log().find("reason=\"left the room\"") != std::string::npos; }, 3000));
  EXPECT_EQ(http_call(s.port(), "DELETE", view.headers["location"]).status, 404);
  EXPECT_EQ(http_call(s.port(), "POST", st.whip_path, offer, "", kSdp).status, 409);
  // The owner kicks Alice: her publish ends and the stream is free.
  std::string owner_token = st.token;
  std::string carol = s.token("carol", "Carol", st.room);
  ASSERT_EQ(s.post("/v1/rooms/" + st.room + "/join", "", carol).status, 200);
  auto carol_seat = s.post("/v1/rooms/" + st.room + "/seats", "", carol).json().as_object();
  std::string carol_whip = std::string(carol_seat["publish"].as_object()["whip"].as_string());
  carol_whip = carol_whip.substr(carol_whip.find("/v1/"));
  auto carol_pub = http_call(s.port(), "POST", carol_whip, offer, "", kSdp);
  ASSERT_EQ(carol_pub.status, 201) << carol_pub.body;
  ASSERT_EQ(s.post("/v1/rooms/" + st.room + "/members/carol/kick", "", owner_token).status / 100, 2);
  EXPECT_TRUE(eventually([&] { return http_call(s.port(), "DELETE", carol_pub.headers["location"]).status == 404; },
                         3000));
  EXPECT_EQ(http_call(s.port(), "POST", carol_whip, offer, "", kSdp).status / 100, 4);  // no seat any more
}

// A Chromium WHEP offer for the seat's stream, again until it is no longer 404 (the RTMP
// publisher is live), for up to 20 s.
HttpResult whep_once_published(Server& s, const Seat& st) {
  HttpResult r;
  eventually([&] {
    r = http_call(s.port(), "POST", st.whep_path, fixture("chromium-156-whep.sdp"), "", kSdp);
    return r.status != 404;
  }, 20000);
  return r;
}

TEST(WebRtc, WhepOfAnRtmpStreamWithBFramesIsRefusedWithTheReason) {
  // The test media is x264 veryfast: B-frames. WebRTC decoders do not reorder frames.
  Server s(config());
  s.start();
  Seat st = seat(s, "alice");
  EXPECT_EQ(http_call(s.port(), "POST", st.whep_path, fixture("chromium-156-whep.sdp"), "", kSdp).status, 404);
  Publisher ffmpeg(st.publish_rtmp);
  HttpResult r = whep_once_published(s, st);
  EXPECT_EQ(r.status, 415) << r.body;
  EXPECT_NE(r.body.find("B-frames"), std::string::npos) << r.body;
}

TEST(WebRtc, WhepOfAnHevcRtmpStreamIsRefusedWithTheReasonNotABrokenSession) {
  // Enhanced RTMP HEVC (ffmpeg 5.1 cannot send it: RawPublisher does): not offered over WebRTC.
  Server s(config());
  s.start();
  Seat st = seat(s, "alice");
  RawPublisher pub(s.rtmp_port(), st.publish_rtmp.substr(st.publish_rtmp.find("/live/") + 6));
  pub.video(0, std::string("\x90hvc1", 5) + std::string("\x01\x01\x60\x00\x00\x00", 6) + "hvcC-record");
  pub.video(0, std::string("\x91hvc1", 5) + std::string("\x00\x00\x00", 3) + std::string(3000, 'K'));
  HttpResult r = whep_once_published(s, st);
  EXPECT_EQ(r.status, 415) << r.body;
  EXPECT_NE(r.body.find("hevc"), std::string::npos) << r.body;
  EXPECT_EQ(r.headers.count("location"), 0u);
}

TEST(WebRtc, WhepOfAnRtmpStreamAnswersAndBridges) {
  Server s(config());
  s.start();
  Seat st = seat(s, "alice");
  Publisher ffmpeg(st.publish_rtmp, true, test_media_no_bframes());
  HttpResult r;
  for (int i = 0; i < 100; ++i) {
    r = http_call(s.port(), "POST", st.whep_path, fixture("chromium-156-whep.sdp"), "", kSdp);
    if (r.status == 201) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_NE(r.body.find("H264/90000"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("opus/48000/2"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("profile-level-id=42e01f"), std::string::npos) << r.body;
  // The admin view says where the stream comes from and which bridges run.
  std::string streams = s.get("/v1/admin/streams", s.admin()).body;
  EXPECT_NE(streams.find("\"source\":\"rtmp\""), std::string::npos) << streams;
  EXPECT_NE(streams.find("\"bridges\":[\"rtmp_to_webrtc\"]"), std::string::npos) << streams;
}

}  // namespace
}  // namespace onair::testing
