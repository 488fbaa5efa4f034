// The media plane with real clients: ffmpeg publishes a generated test pattern (x264 + AAC)
// to a signed URL the rooms API handed out; ffprobe and raw FLV readers play it back.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <thread>

#include "harness.hpp"
#include "media_clients.hpp"
#include "media/flv/flv.hpp"
#include "media/rtmp/amf0.hpp"
#include "media/rtmp/chunk.hpp"

namespace onair::testing {
namespace {
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

class Media : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { (void)test_media(); }
};

TEST_F(Media, FfmpegPublishesToTheSeatUrlAndFfprobeReadsRtmpAndFlv) {
  Receiver hooks([](const Receiver::Hit&) { return std::pair<int, std::string>{200, "{}"}; });
  Server s("webhooks:\n  - {url: \"" + hooks.url() + "\", secret: x, events: [stream_started, stream_stopped]}\n");
  s.start();
  auto room = open_live_room(s, "anchor");
  // The URL the rooms API gave the seat publishes to this server as it is.
  EXPECT_NE(room.publish_rtmp.find("rtmp://127.0.0.1:" + std::to_string(s.rtmp_port()) + "/live/"), std::string::npos)
      << room.publish_rtmp;
  Publisher pub(room.publish_rtmp);
  ASSERT_TRUE(eventually([&] { return s.get("/v1/rooms/" + room.id, room.anchor_token).str("status") == "live"; }, 10000))
      << s.log();
  auto seat0 = s.get("/v1/rooms/" + room.id, room.anchor_token).json().as_object()["seats"].as_array()[0].as_object();
  EXPECT_TRUE(seat0["live"].as_bool());

  std::string probe = "ffprobe -v error -show_entries stream=codec_name,width,height -of compact ";
  std::string rtmp_out = run("timeout 20 " + probe + "rtmp://127.0.0.1:" + std::to_string(s.rtmp_port()) + "/live/" + room.stream);
  EXPECT_NE(rtmp_out.find("codec_name=h264|width=1280|height=720"), std::string::npos) << rtmp_out;
  EXPECT_NE(rtmp_out.find("codec_name=aac"), std::string::npos) << rtmp_out;
  std::string flv_out = run("timeout 20 " + probe + "'http://127.0.0.1:" + std::to_string(s.port()) + room.play_flv_path + "'");
  EXPECT_NE(flv_out.find("codec_name=h264|width=1280|height=720"), std::string::npos) << flv_out;
  EXPECT_NE(flv_out.find("codec_name=aac"), std::string::npos) << flv_out;

  auto streams = s.get("/v1/admin/streams", s.admin()).json().as_object()["streams"].as_array();
  ASSERT_EQ(streams.size(), 1u);
  EXPECT_EQ(streams[0].as_object()["video_codec"], "h264");
  EXPECT_EQ(streams[0].as_object()["width"].as_int64(), 1280);

  pub.stop();
  EXPECT_TRUE(eventually([&] { return s.get("/v1/rooms/" + room.id, room.anchor_token).str("status") == "idle"; }, 10000));
  EXPECT_TRUE(hooks.wait_for([](const auto& hits) {
    bool started = false, stopped = false;
    for (const auto& h : hits) {
      started |= h.body.find("\"stream_started\"") != std::string::npos;
      stopped |= h.body.find("\"stream_stopped\"") != std::string::npos;
    }
    return started && stopped;
  }));
}

TEST_F(Media, LateFlvPlayerGetsItsFirstVideoFrameWithin200ms) {
  Server s;
  s.start();
  auto room = open_live_room(s, "anchor");
  Publisher pub(room.publish_rtmp);
  ASSERT_TRUE(eventually([&] { return s.get("/v1/rooms/" + room.id, room.anchor_token).str("status") == "live"; }, 10000));
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // well into the stream
  for (int i = 0; i < 3; ++i) {
    auto t0 = Clock::now();
    FlvReader reader(s.port(), room.play_flv_path);
    flv::Tag tag;
    std::string body;
    bool video = false, keyframe = false;
    while (reader.next(tag, body, 2000)) {
      if (tag.type != flv::kVideo) continue;
      auto info = flv::parse_video(std::span(reinterpret_cast<const uint8_t*>(body.data()), body.size()));
      ASSERT_TRUE(info);
      if (info->sequence_header) continue;
      video = true;
      keyframe = info->keyframe;
      break;
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
    ASSERT_TRUE(video);
    EXPECT_TRUE(keyframe);  // the GOP cache starts at a keyframe
    EXPECT_LT(ms, 200) << "first video frame after " << ms << " ms";
  }
}

TEST_F(Media, UnsignedExpiredAndForeignPublishesAreRefused) {
  Server s;
  s.start();
  auto room = open_live_room(s, "anchor");
  std::string base = "rtmp://127.0.0.1:" + std::to_string(s.rtmp_port()) + "/live/";
  std::string query = room.publish_rtmp.substr(room.publish_rtmp.find('?'));
  std::string other = room.id + "-intruder";
  std::string expired = run(std::string("ONAIR_MEDIA__KEY=") + Server::kMediaKey + " ONAIR_DATA_DIR=" + s.dir() +
                            "/data " ONAIR_BINARY " url --stream " + room.stream + " --ttl 1 --scheme query");
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  while (!expired.empty() && expired.back() == '\n') expired.pop_back();
  for (const std::string& url : {base + room.stream,                        // unsigned
                                 base + other + query,                      // signed for another stream
                                 base + room.stream + "?" + expired,        // expired
                                 base + room.stream + "?expire=1&sign=00"}) {  // forged
    Publisher pub(url, false);
    EXPECT_NE(pub.wait_exit(10000), 0) << url;
  }
  EXPECT_TRUE(s.get("/v1/admin/streams", s.admin()).json().as_object()["streams"].as_array().empty());
  EXPECT_EQ(s.get("/v1/rooms/" + room.id, room.anchor_token).str("status"), "idle");
  EXPECT_NE(s.get("/metrics", "").body.find("onair_media_refusals_total{reason=\"signature\"} 4"), std::string::npos);
}

TEST_F(Media, FlvPlayerSurvivesARepublish) {
  Server s;
  s.start();
  auto room = open_live_room(s, "anchor");
  auto pub = std::make_unique<Publisher>(room.publish_rtmp);
  ASSERT_TRUE(eventually([&] { return s.get("/v1/rooms/" + room.id, room.anchor_token).str("status") == "live"; }, 10000));
  FlvReader reader(s.port(), room.play_flv_path);
  flv::Tag tag;
  std::string body;
  // Each track's timestamps must never step back, across the republish too (decoders and
  // HLS muxers choke on that; the new publisher's audio starts before its video).
  uint32_t last[2] = {0, 0};  // audio, video
  std::string steps;
  auto check = [&] {
    if (tag.type != flv::kAudio && tag.type != flv::kVideo) return;
    bool seq = body.size() > 1 && (tag.type == flv::kVideo ? body[1] == 0 : (body[0] >> 4) == 10 && body[1] == 0);
    if (seq) return;  // sequence headers take the current position
    uint32_t& l = last[tag.type == flv::kVideo];
    if (tag.timestamp < l)
      steps += (tag.type == flv::kVideo ? " video " : " audio ") + std::to_string(l) + "->" + std::to_string(tag.timestamp);
    l = std::max(l, tag.timestamp);
  };
  int frames = 0;
  while (frames < 30 && reader.next(tag, body)) {
    check();
    if (tag.type == flv::kVideo) ++frames;
  }
  ASSERT_EQ(frames, 30);
  pub.reset();  // the publisher leaves...
  ASSERT_TRUE(eventually([&] { return s.get("/v1/rooms/" + room.id, room.anchor_token).str("status") == "idle"; }, 10000));
  pub = std::make_unique<Publisher>(room.publish_rtmp);  // ...and comes back
  int after = 0;
  while (after < 60 && reader.next(tag, body, 10000)) {
    check();
    if (tag.type == flv::kVideo) ++after;
  }
  EXPECT_EQ(after, 60);  // the same HTTP response carries the new publish
  EXPECT_EQ(steps, "") << "timestamps stepped back:" << steps;
}

TEST_F(Media, CorruptRtmpClosesOnlyThatConnection) {
  Server s("rtmp: {max_message_bytes: 1048576}\n");
  s.start();
  auto room = open_live_room(s, "anchor");
  Publisher pub(room.publish_rtmp);
  ASSERT_TRUE(eventually([&] { return s.get("/v1/rooms/" + room.id, room.anchor_token).str("status") == "live"; }, 10000));
  FlvReader reader(s.port(), room.play_flv_path);

  auto rtmp_session = [&](const std::string& after_handshake, bool bad_version = false) {
    int fd = connect_to(s.rtmp_port());
    std::string c0c1(1537, '\0');
    c0c1[0] = bad_version ? 9 : 3;
    ::send(fd, c0c1.data(), c0c1.size(), MSG_NOSIGNAL);
    std::string got;
    char buf[8192];
    auto end = Clock::now() + std::chrono::seconds(3);
    while (got.size() < 3073 && Clock::now() < end) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, size_t(n));
    }
    if (!bad_version) {
      std::string c2 = got.size() >= 1537 ? got.substr(1, 1536) : std::string(1536, '\0');
      ::send(fd, c2.data(), c2.size(), MSG_NOSIGNAL);
      ::send(fd, after_handshake.data(), after_handshake.size(), MSG_NOSIGNAL);
    }
    // The server closes this connection: recv reaches EOF.
    bool closed = false;
    end = Clock::now() + std::chrono::seconds(5);
    while (Clock::now() < end) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) {
        closed = true;
        break;
      }
    }
    ::close(fd);
    return closed;
  };
  EXPECT_TRUE(rtmp_session("", true));                                               // bad version
  EXPECT_TRUE(rtmp_session(std::string("\x43\x00\x00\x00\x00\x00\x05\x14", 8)));     // type 1 header first
  EXPECT_TRUE(rtmp_session(std::string("\x03\x00\x00\x00\x00\x00\x05\x14\x00\x00\x00\x00\x42\x42\x42\x42\x42", 17)));  // bad AMF
  EXPECT_TRUE(rtmp_session(std::string("\x03\x00\x00\x00\x7f\xff\xff\x09\x01\x00\x00\x00", 12)));  // 8 MiB message
  // The stream played on throughout.
  flv::Tag tag;
  std::string body;
  int frames = 0;
  while (frames < 20 && reader.next(tag, body)) frames += tag.type == flv::kVideo;
  EXPECT_EQ(frames, 20);
  EXPECT_EQ(s.get("/v1/rooms/" + room.id, room.anchor_token).str("status"), "live");
}

}  // namespace
}  // namespace onair::testing

namespace onair::testing {
namespace {

TEST_F(Media, HlsPlaylistAndSegmentsPlayInFfprobeAndMarkRepublish) {
  Server s("hls: {segment_s: 1, window: 4, dispose_s: 4}\n");
  s.start();
  auto room = open_live_room(s, "anchor");
  auto pub = std::make_unique<Publisher>(room.publish_rtmp);
  std::string m3u8 = "/live/" + room.stream + ".m3u8";
  // Segments of ~1 s (the test media has a keyframe every 2 s: cut at those).
  ASSERT_TRUE(eventually([&] { return s.get(m3u8, "").body.find("-2.ts") != std::string::npos; }, 15000)) << s.get(m3u8, "").body;
  auto pl = s.get(m3u8, "");
  EXPECT_EQ(pl.headers["content-type"], "application/vnd.apple.mpegurl");
  EXPECT_NE(pl.body.find("#EXT-X-TARGETDURATION:"), std::string::npos);
  EXPECT_NE(pl.body.find("#EXT-X-MEDIA-SEQUENCE:0"), std::string::npos);
  std::string probe = run("timeout 20 ffprobe -v error -show_entries stream=codec_name,width,height -of compact "
                          "http://127.0.0.1:" + std::to_string(s.port()) + m3u8);
  EXPECT_NE(probe.find("codec_name=h264|width=1280|height=720"), std::string::npos) << probe;
  EXPECT_NE(probe.find("codec_name=aac"), std::string::npos) << probe;
  auto seg = s.get("/live/" + room.stream + "-0.ts", "");
  EXPECT_EQ(seg.status, 200);
  EXPECT_EQ(seg.headers["content-type"], "video/mp2t");
  EXPECT_EQ(seg.body.size() % 188, 0u);
  EXPECT_EQ(s.get("/live/" + room.stream + "-999.ts", "").status, 404);
  EXPECT_EQ(s.get("/live/nobody.m3u8", "").status, 404);

  // Republish: the next segment is marked as a discontinuity.
  pub.reset();
  ASSERT_TRUE(eventually([&] { return s.get("/v1/rooms/" + room.id, room.anchor_token).str("status") == "idle"; }, 10000));
  pub = std::make_unique<Publisher>(room.publish_rtmp);
  EXPECT_TRUE(eventually([&] { return s.get(m3u8, "").body.find("#EXT-X-DISCONTINUITY\n") != std::string::npos; }, 15000))
      << s.get(m3u8, "").body;
  // The window slides: never more than 4 segments listed.
  EXPECT_TRUE(eventually([&] {
    auto body = s.get(m3u8, "").body;
    size_t n = 0;
    for (size_t p = body.find("#EXTINF"); p != std::string::npos; p = body.find("#EXTINF", p + 1)) ++n;
    return n == 4 && body.find("#EXT-X-MEDIA-SEQUENCE:0\n") == std::string::npos;
  }, 20000)) << s.get(m3u8, "").body;
  // An ended stream's playlist stays a while (hls.dispose_s), then its memory is freed.
  pub.reset();
  EXPECT_EQ(s.get(m3u8, "").status, 200);
  EXPECT_TRUE(eventually([&] { return s.get(m3u8, "").status == 404; }, 15000));
}

}  // namespace
}  // namespace onair::testing

namespace onair::testing {
namespace {

TEST_F(Media, PlayAuthRefusesUnsignedPlayersOnEveryProtocolAndAdminKicks) {
  Server s("media: {play_auth: true}\nhls: {segment_s: 1}\n");
  s.start();
  auto room = open_live_room(s, "anchor");
  Publisher pub(room.publish_rtmp);
  ASSERT_TRUE(eventually([&] { return s.get("/v1/rooms/" + room.id, room.anchor_token).str("status") == "live"; }, 10000));
  std::string m3u8 = "/live/" + room.stream + ".m3u8";
  std::string signed_query = room.play_flv_path.substr(room.play_flv_path.find('?'));
  ASSERT_TRUE(eventually([&] { return s.get(m3u8 + signed_query, "").status == 200; }, 15000));
  // Signed URLs from the rooms API play; the segment URLs in the playlist carry the signature.
  auto pl = s.get(m3u8 + signed_query, "").body;
  EXPECT_NE(pl.find(".ts" + signed_query), std::string::npos) << pl;
  FlvReader ok(s.port(), room.play_flv_path);
  flv::Tag tag;
  std::string body;
  EXPECT_TRUE(ok.next(tag, body));
  // Unsigned or foreign: 403 over HTTP, an error status and a close over RTMP.
  EXPECT_EQ(s.get("/live/" + room.stream + ".flv", "").status, 403);
  EXPECT_EQ(s.get(m3u8, "").status, 403);
  EXPECT_EQ(s.get("/live/" + room.id + "-other.flv" + signed_query, "").status, 403);
  std::string probe = run("timeout 10 ffprobe -v error -show_entries stream=codec_name -of compact rtmp://127.0.0.1:" +
                          std::to_string(s.rtmp_port()) + "/live/" + room.stream + " 2>&1");
  EXPECT_EQ(probe.find("codec_name=h264"), std::string::npos) << probe;
  std::string rtmp_signed = run("timeout 20 ffprobe -v error -show_entries stream=codec_name -of compact 'rtmp://127.0.0.1:" +
                                std::to_string(s.rtmp_port()) + "/live/" + room.stream + signed_query + "'");
  EXPECT_NE(rtmp_signed.find("codec_name=h264"), std::string::npos) << rtmp_signed;

  // An admin kicks the publisher: the stream ends and the room goes idle.
  EXPECT_EQ(s.del("/v1/admin/streams/" + room.stream, s.token("x")).status, 403);
  EXPECT_EQ(s.del("/v1/admin/streams/" + room.stream, s.admin()).status, 204);
  EXPECT_TRUE(eventually([&] { return s.get("/v1/rooms/" + room.id, room.anchor_token).str("status") == "idle"; }, 10000));
  EXPECT_EQ(s.del("/v1/admin/streams/" + room.stream, s.admin()).status, 404);
}

}  // namespace
}  // namespace onair::testing

namespace onair::testing {
namespace {

// A minimal RTMP publisher written here (ffmpeg 5.1 cannot send enhanced RTMP): plain
// handshake, connect, createStream, publish, then the given video tag bodies.
TEST_F(Media, EnhancedRtmpHevcPassesThroughToFlvAndRtmpPlayers) {
  Server s("media: {auth: none}\n");
  s.start();
  RawPublisher pub(s.rtmp_port(), "hevcstream");
  // Enhanced RTMP (veovera E-RTMP v1): [IsExHeader | FrameType << 4 | PacketType] "hvc1" ...
  std::string start = std::string("\x90hvc1", 5) + std::string("\x01\x01\x60\x00\x00\x00", 6) + "hvcC-record";
  std::string key = std::string("\x91hvc1", 5) + std::string("\x00\x00\x00", 3) + std::string(3000, 'K');
  std::string inter = std::string("\xa1hvc1", 5) + std::string("\x00\x00\x21", 3) + std::string(500, 'P');
  pub.video(0, start);
  pub.video(0, key);
  for (uint32_t i = 1; i <= 5; ++i) pub.video(i * 33, inter);
  ASSERT_TRUE(eventually([&] {
    auto list = s.get("/v1/admin/streams", s.admin()).body;
    return list.find("hevcstream") != std::string::npos && list.find("hevc") != std::string::npos;
  }, 5000)) << s.get("/v1/admin/streams", s.admin()).body;
  // A late FLV player gets the sequence start and the keyframe from the GOP cache, as sent.
  FlvReader reader(s.port(), "/live/hevcstream.flv");
  std::vector<std::string> bodies;
  flv::Tag tag;
  std::string body;
  while (bodies.size() < 2 && reader.next(tag, body, 3000))
    if (tag.type == flv::kVideo) bodies.push_back(body);
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies[0], start);
  EXPECT_EQ(bodies[1], key);
  auto info = flv::parse_video(std::span(reinterpret_cast<const uint8_t*>(key.data()), key.size()));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->codec, flv::VideoCodec::hevc);
  EXPECT_TRUE(info->keyframe);
  // An RTMP player gets the same bytes.
  RawPublisher player(s.rtmp_port(), "hevcstream", true);
  auto rtmp_bodies = player.videos(2);
  ASSERT_EQ(rtmp_bodies.size(), 2u);
  EXPECT_EQ(rtmp_bodies[0], start);
  EXPECT_EQ(rtmp_bodies[1], key);
  // Live frames follow, byte for byte.
  pub.video(200, inter);
  auto rtmp_live = player.videos(1);
  ASSERT_EQ(rtmp_live.size(), 1u);
  EXPECT_EQ(rtmp_live[0], inter);
  bool live = false;
  while (!live && reader.next(tag, body, 3000)) live = tag.type == flv::kVideo && body == inter;
  EXPECT_TRUE(live);
}

}  // namespace
}  // namespace onair::testing
