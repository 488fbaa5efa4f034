// Signed media URLs against the real binary (API.md "Media URLs and signing"): in `expiry`
// mode a viewer's play URL, exactly as the rooms API hands it out, never publishes (play
// URLs are signed with media.play_key), while the anchor's publish URL still does and the
// play URL still plays; `expire` values that overflow are refused as malformed, never
// reaching undefined behaviour (the sanitizer build aborts on that).
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>

#include "harness.hpp"
#include "media/rtmp/amf0.hpp"
#include "media/rtmp/chunk.hpp"
#include "media_clients.hpp"

namespace onair::testing {
namespace {
namespace json = boost::json;

std::string str(const json::value& v) { return std::string(v.as_string()); }

std::string query_of(const std::string& url) {
  auto q = url.find('?');
  return q == std::string::npos ? "" : url.substr(q + 1);
}

std::string path_of(const std::string& url) { return url.substr(url.find("/live/")); }

// ffprobe's "codec_name=..." lines for `url`.
std::string probe_codecs(const std::string& url) {
  return run("timeout 20 ffprobe -v error -show_entries stream=codec_name -of compact '" + url + "'");
}

std::string error_message(const HttpResult& r) {
  auto v = r.json();
  if (!v.is_object() || !v.as_object().contains("error")) return "";
  return str(v.as_object().at("error").as_object().at("message"));
}

// ffmpeg prints only the description of an error status; this client reads the status code
// itself. It speaks plain RTMP (handshake, connect, createStream, publish) and waits for each
// answer with a deadline.
class RtmpPublishAttempt {
 public:
  RtmpPublishAttempt(uint16_t port, const std::string& stream_and_query) : fd_(connect_to(port)) {
    if (fd_ < 0) return;
    std::string c0c1(1537, '\0');
    c0c1[0] = 3;
    send_all(c0c1);
    if (!read_bytes(3073)) return;
    send_all(in_.substr(1, 1536));  // C2 echoes S1
    in_.erase(0, 3073);
    using amf0::Value;
    command({Value::str("connect"), Value::num(1),
             Value::object_of({{"app", Value::str("live")}, {"type", Value::str("nonprivate")},
                               {"tcUrl", Value::str("rtmp://127.0.0.1/live")}})});
    if (!answer_to(1)) return;
    command({Value::str("createStream"), Value::num(2), Value::null_value()});
    auto created = answer_to(2);
    if (!created || created->size() < 4) return;
    auto stream_id = static_cast<uint32_t>((*created)[3].number);
    command({Value::str("publish"), Value::num(3), Value::null_value(), Value::str(stream_and_query),
             Value::str("live")},
            stream_id);
    if (auto status = next_command("onStatus"); status && status->size() >= 4)
      code_ = (*status)[3].get_string("code").value_or("");
  }
  ~RtmpPublishAttempt() { ::close(fd_); }
  // The code of the server's onStatus answer to publish ("" if none came).
  const std::string& status_code() const { return code_; }

 private:
  using Clock = std::chrono::steady_clock;
  void send_all(const std::string& bytes) { ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL); }
  void command(const std::vector<amf0::Value>& values, uint32_t stream_id = 0) {
    std::string body, out;
    for (const auto& v : values) amf0::encode(body, v);
    rtmp::write_message(out, 3, 20, stream_id, 0, body, 128);
    send_all(out);
  }
  // Reads until `in_` holds `n` bytes; false on close or after the deadline.
  bool read_bytes(size_t n) {
    char buf[16384];
    while (in_.size() < n) {
      int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now()).count());
      pollfd p{fd_, POLLIN, 0};
      if (left <= 0 || ::poll(&p, 1, left) <= 0) return false;
      ssize_t k = ::recv(fd_, buf, sizeof buf, 0);
      if (k <= 0) return false;
      in_.append(buf, static_cast<size_t>(k));
    }
    return true;
  }
  // The values of the next AMF0 command message named `name` (others are skipped).
  std::optional<std::vector<amf0::Value>> next_command(const std::string& name, double txid = -1) {
    while (true) {
      std::optional<rtmp::Message> m;
      auto used = reader_.parse(std::span(reinterpret_cast<const uint8_t*>(in_.data()), in_.size()), m);
      if (!used) return std::nullopt;
      if (*used == 0) {
        if (!read_bytes(in_.size() + 1)) return std::nullopt;
        continue;
      }
      in_.erase(0, *used);
      if (!m) continue;
      if (m->type == 1 && m->payload.size() >= 4) {  // Set Chunk Size (RTMP 5.4.1)
        auto p = reinterpret_cast<const uint8_t*>(m->payload.data());
        (void)reader_.set_chunk_size((uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3]);
        continue;
      }
      if (m->type != 20) continue;
      auto values = amf0::decode_all(std::span(reinterpret_cast<const uint8_t*>(m->payload.data()), m->payload.size()));
      if (!values || values->size() < 2 || (*values)[0].string != name) continue;
      if (txid >= 0 && (*values)[1].number != txid) continue;
      return std::move(*values);
    }
  }
  std::optional<std::vector<amf0::Value>> answer_to(double txid) { return next_command("_result", txid); }

  int fd_ = -1;
  std::string in_;
  rtmp::ChunkReader reader_;
  std::string code_;
  Clock::time_point deadline_ = Clock::now() + std::chrono::seconds(15);
};

class StreamSigning : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { (void)test_media(); }
};

TEST_F(StreamSigning, ExpiryModeViewersPlayUrlNeverPublishesTheAnchorsStream) {
  Server s("media: {auth: expiry, play_auth: true}\n");
  s.start();
  auto anchor = s.token("anchor", "Anchor");
  auto created = s.post("/v1/rooms", R"({"kind":"live","title":"expiry mode"})", anchor);
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = created.str("id");
  ASSERT_EQ(s.post("/v1/rooms/" + id + "/join", "", anchor).status, 200);
  auto anchor_seat = s.get("/v1/rooms/" + id, anchor).json().at("seats").at(0).as_object();
  std::string publish_rtmp = str(anchor_seat.at("publish").at("rtmp"));

  // A viewer joins and gets the anchor's seat with its play URLs, as every viewer does.
  auto viewer = s.token("viewer", "Viewer", "*", false, false);
  auto joined = s.post("/v1/rooms/" + id + "/join", "", viewer);
  ASSERT_EQ(joined.status, 200) << joined.body;
  auto seat = joined.json().at("room").at("seats").at(0).as_object();
  ASSERT_FALSE(seat.contains("publish"));
  std::string stream = str(seat.at("stream"));
  std::string play_rtmp = str(seat.at("play").at("rtmp"));
  std::string play_flv = str(seat.at("play").at("flv"));
  std::string play_whep = str(seat.at("play").at("whep"));
  ASSERT_NE(query_of(play_rtmp).find("sign="), std::string::npos) << play_rtmp;

  // The viewer publishes with the play URL, with ffmpeg: refused, for its signature (ffmpeg
  // prints the status's description and exits; `timeout` bounds a publish that goes through).
  std::string said = run("timeout 30 ffmpeg -nostdin -hide_banner -loglevel error -re -i '" + test_media() +
                         "' -t 3 -c copy -f flv '" + play_rtmp + "' 2>&1; echo exit=$?");
  EXPECT_NE(said.find("Server error: signature does not match"), std::string::npos) << said;
  EXPECT_EQ(said.find("exit=0"), std::string::npos) << said;
  // The status it got is NetStream.Publish.Unauthorized.
  RtmpPublishAttempt raw(s.rtmp_port(), stream + "?" + query_of(play_rtmp));
  EXPECT_EQ(raw.status_code(), "NetStream.Publish.Unauthorized");
  EXPECT_TRUE(s.get("/v1/admin/streams", s.admin()).json().at("streams").as_array().empty());
  EXPECT_EQ(s.get("/v1/rooms/" + id, anchor).str("status"), "idle");

  // The same play query on WHIP: refused before any SDP is looked at.
  std::string whip = "/v1/whip/" + stream + "?" + query_of(play_whep);
  auto whip_try = http_call(s.port(), "POST", whip, "v=0\r\n", "", {{"Content-Type", "application/sdp"}});
  EXPECT_EQ(whip_try.status, 403) << whip_try.body;
  EXPECT_EQ(error_message(whip_try), "signature does not match") << whip_try.body;

  // The real anchor publishes with its publish URL, and the viewer's play URLs play.
  Publisher real(publish_rtmp);
  ASSERT_TRUE(eventually([&] { return s.get("/v1/rooms/" + id, anchor).str("status") == "live"; }, 20000))
      << s.log();
  std::string over_rtmp = probe_codecs(play_rtmp);
  EXPECT_NE(over_rtmp.find("codec_name=h264"), std::string::npos) << over_rtmp;
  std::string over_flv = probe_codecs("http://127.0.0.1:" + std::to_string(s.port()) + path_of(play_flv));
  EXPECT_NE(over_flv.find("codec_name=h264"), std::string::npos) << over_flv;
  // A publish signature does not play either: the keys are separate both ways.
  EXPECT_EQ(s.get("/live/" + stream + ".flv?" + query_of(publish_rtmp), "").status, 403);

  // `onair url` signs with the same two keys as the server.
  std::string cli = std::string("ONAIR_MEDIA__KEY=") + Server::kMediaKey + " ONAIR_DATA_DIR=" + s.dir() +
                    "/data " ONAIR_BINARY " url -c " + s.dir() + "/onair.yaml --stream " + stream +
                    " --scheme query --action ";
  std::string cli_play = run(cli + "play"), cli_publish = run(cli + "publish");
  while (!cli_play.empty() && cli_play.back() == '\n') cli_play.pop_back();
  while (!cli_publish.empty() && cli_publish.back() == '\n') cli_publish.pop_back();
  ASSERT_NE(cli_play.find("sign="), std::string::npos) << cli_play;
  std::string cli_flv = probe_codecs("http://127.0.0.1:" + std::to_string(s.port()) + "/live/" + stream + ".flv?" + cli_play);
  EXPECT_NE(cli_flv.find("codec_name=h264"), std::string::npos) << cli_flv;
  EXPECT_EQ(s.get("/live/" + stream + ".flv?" + cli_publish, "").status, 403);
  real.stop();
}

// One unauthenticated request with an overflowing expire used to be signed overflow in the
// parser: undefined behaviour, and an abort under -fsanitize=undefined.
TEST_F(StreamSigning, ExpireValuesThatOverflowAreMalformedOverHttpFlvAndHls) {
  Server expiry("media: {auth: expiry, play_auth: true}\n");
  expiry.start();
  for (const std::string expire : {"ffffffffffffffff", "FFFFFFFFFFFFFFFF", "8000000000000000",
                                   "10000000000000000", "fffffffffffffffffffffffffffffffff"}) {
    for (const std::string file : {"/live/123-anchor.flv", "/live/123-anchor.m3u8"}) {
      auto r = expiry.get(file + "?expire=" + expire + "&sign=0123456789abcdef0123456789abcdef", "");
      EXPECT_EQ(r.status, 403) << file << " " << expire << ": " << r.body;
      EXPECT_EQ(error_message(r), "malformed expire") << file << " " << expire << ": " << r.body;
    }
  }
  EXPECT_EQ(expiry.get("/healthz", "").status, 200);
  EXPECT_TRUE(expiry.running());

  Server hmac("media: {auth: hmac, play_auth: true}\n");
  hmac.start();
  for (const std::string expire : {"9223372036854775808", "18446744073709551615", "12345678901234567"}) {
    auto r = hmac.get("/live/123-anchor.flv?expire=" + expire + "&sign=00", "");
    EXPECT_EQ(r.status, 403) << expire << ": " << r.body;
    EXPECT_EQ(error_message(r), "malformed expire") << expire << ": " << r.body;
  }
  EXPECT_EQ(hmac.get("/healthz", "").status, 200);
  EXPECT_EQ(expiry.stop(), 0);
  EXPECT_EQ(hmac.stop(), 0);
}

}  // namespace
}  // namespace onair::testing
