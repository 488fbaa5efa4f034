#include "media/webrtc/negotiation.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace onair::webrtc {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Fixtures beside this file (the unit tests have no source-dir define; __FILE__ is absolute).
std::filesystem::path here() {
  return std::filesystem::path(__FILE__).parent_path();
}

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string offer(const std::string& name) {
  std::string s = read(here() / "offers" / name);
  EXPECT_FALSE(s.empty()) << "missing fixture " << name;
  return s;
}

// Replaces the first occurrence of `from` (which must be there) in an offer.
std::string edit(std::string s, std::string_view from, std::string_view to) {
  size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << "no " << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

// Removes every line that contains `needle`.
std::string drop_lines(const std::string& s, std::string_view needle) {
  std::string out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t end = s.find('\n', pos);
    end = end == std::string::npos ? s.size() : end + 1;
    std::string_view line(s.data() + pos, end - pos);
    if (line.find(needle) == std::string_view::npos) out += line;
    pos = end;
  }
  return out;
}

LocalParams local_params() {
  LocalParams l;
  l.ice_ufrag = "onairufrag0001";
  l.ice_pwd = "onairpassword0123456789abcd";
  l.fingerprint =
      "A1:B2:C3:D4:E5:F6:07:18:29:3A:4B:5C:6D:7E:8F:90:A1:B2:C3:D4:E5:F6:07:18:29:3A:4B:5C:6D:7E:"
      "8F:90";
  l.candidates = {
      sdp::Candidate{.foundation = "1",
                     .transport = "udp",
                     .priority = 2130706431,
                     .address = "127.0.0.1",
                     .port = 40000},
      sdp::Candidate{.foundation = "2",
                     .transport = "tcp",
                     .priority = 1518280447,
                     .address = "127.0.0.1",
                     .port = 40000},
  };
  l.session_id = "4611686018427387904";
  l.cname = "onair";
  l.stream_id = "onair-stream";
  l.audio = PlayTrack{{"opus", "", 1}, 11111111, "onair-audio"};
  l.video = PlayTrack{{"VP8", "", 1}, 22222222, "onair-video"};
  return l;
}

LocalParams play_h264(std::string profile) {
  LocalParams l = local_params();
  l.video->codec = {"H264", std::move(profile), 1};
  return l;
}

Negotiated ok(Result<Negotiated> r) {
  EXPECT_TRUE(r) << r.error().message();
  return r ? *r : Negotiated{};
}

Error refused(Result<Negotiated> r) {
  EXPECT_FALSE(r);
  return r ? Error(ErrorCode::internal, "negotiation unexpectedly succeeded") : r.error();
}

const NegotiatedMedia* find(const Negotiated& n, MediaKind kind) {
  for (const auto& m : n.media)
    if (m.kind == kind) return &m;
  return nullptr;
}

// Compares with tests/webrtc/answers/<name>. ONAIR_WRITE_GOLDEN=1 rewrites the file instead;
// check the diff by eye before keeping it.
void expect_golden(const std::string& answer, const std::string& name) {
  auto path = here() / "answers" / name;
  if (std::getenv("ONAIR_WRITE_GOLDEN")) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << answer;
    return;
  }
  std::string golden = read(path);
  ASSERT_FALSE(golden.empty()) << "missing " << path << " (run with ONAIR_WRITE_GOLDEN=1)";
  EXPECT_EQ(answer, golden) << "answer differs from " << path;
}

// What every answer must satisfy whatever the offer: it parses, it is ICE-lite, and each
// accepted section has our transport and candidates.
void expect_well_formed(const Negotiated& n, const LocalParams& l) {
  auto a = sdp::parse(n.answer);
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_TRUE(a->ice_lite);
  for (const auto& m : n.media) {
    const sdp::MediaSection& s = a->media.at(m.index);
    EXPECT_EQ(s.mid, m.mid);
    EXPECT_NE(s.port, 0);
    EXPECT_EQ(s.formats, (std::vector<std::string>{std::to_string(m.codec.payload_type)}));
    EXPECT_EQ(s.ice_ufrag, l.ice_ufrag);
    EXPECT_EQ(s.ice_pwd, l.ice_pwd);
    EXPECT_EQ(s.fingerprint, (sdp::Fingerprint{"sha-256", l.fingerprint}));
    EXPECT_EQ(s.candidates.size(), l.candidates.size());
    EXPECT_TRUE(s.end_of_candidates);
    EXPECT_TRUE(s.rtcp_mux);
    EXPECT_EQ(s.connection, "IN IP4 127.0.0.1");
    EXPECT_EQ(s.direction, m.direction);
    EXPECT_NE(std::find(a->bundle.begin(), a->bundle.end(), m.mid), a->bundle.end());
    for (const auto& c : s.codecs) EXPECT_NE(c.name, "rtx");
  }
}

// The offer without Opus: payload type 111 leaves the m= line and its attributes go.
std::string without_opus(const std::string& text) {
  return drop_lines(edit(text, "UDP/TLS/RTP/SAVPF 111 63", "UDP/TLS/RTP/SAVPF 63"), ":111 ");
}

Result<Negotiated> publish(const std::string& text, const Capabilities& caps = {}) {
  return negotiate(text, Side::publish, caps, local_params());
}

// ---- golden answers for the real browser offers ----

struct GoldenCase {
  std::string offer;
  Side side;
  LocalParams local;
  std::string answer;
};

TEST(Negotiation, AnswersRealBrowserOffersAsTheGoldenFiles) {
  const std::vector<GoldenCase> cases = {
      {"chromium-156-whip.sdp", Side::publish, local_params(), "chromium-156-whip.sdp"},
      {"chromium-156-whip_simulcast.sdp", Side::publish, local_params(),
       "chromium-156-whip_simulcast.sdp"},
      {"chromium-156-whep.sdp", Side::play, local_params(), "chromium-156-whep-vp8.sdp"},
      {"chromium-156-whep.sdp", Side::play, play_h264("42e01f"), "chromium-156-whep-h264.sdp"},
      {"firefox-esr-153-whip.sdp", Side::publish, local_params(), "firefox-esr-153-whip.sdp"},
      {"firefox-esr-153-whip_simulcast.sdp", Side::publish, local_params(),
       "firefox-esr-153-whip_simulcast.sdp"},
      {"firefox-esr-153-whep.sdp", Side::play, local_params(), "firefox-esr-153-whep-vp8.sdp"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.answer);
    auto n = ok(negotiate(offer(c.offer), c.side, Capabilities{}, c.local));
    EXPECT_EQ(n.media.size(), 2u);
    EXPECT_TRUE(n.rejected.empty());
    expect_well_formed(n, c.local);
    expect_golden(n.answer, c.answer);
  }
}

// ---- WHIP (publish) ----

TEST(Negotiation, SummarisesTheChromiumWhipOffer) {
  auto n = ok(publish(offer("chromium-156-whip.sdp")));
  EXPECT_EQ(n.remote_ufrag, "938g");
  EXPECT_EQ(n.remote_pwd, "6t+n28aGjugWc2VvpNfI2n2L");
  EXPECT_EQ(n.remote_fingerprint.algorithm, "sha-256");
  EXPECT_THAT(n.remote_fingerprint.value, StartsWith("09:CF:84:EB"));
  EXPECT_EQ(n.dtls_role, DtlsRole::server);
  ASSERT_EQ(n.media.size(), 2u);

  const NegotiatedMedia& a = n.media[0];
  EXPECT_EQ(a.index, 0u);
  EXPECT_EQ(a.mid, "0");
  EXPECT_EQ(a.kind, MediaKind::audio);
  EXPECT_EQ(a.direction, sdp::Direction::recvonly);
  EXPECT_EQ(a.codec, (CodecChoice{111, "opus", 48000, 2, "minptime=10;useinbandfec=1"}));
  EXPECT_EQ(
      a.extensions,
      (ExtensionIds{.mid = 4, .rid = 0, .audio_level = 1, .transport_cc = 3, .abs_send_time = 2}));
  EXPECT_EQ(a.feedback, (Feedback{.transport_cc = true}));
  EXPECT_EQ(a.remote_ssrc, 2052020524u);
  EXPECT_EQ(a.local_ssrc, 0u);
  EXPECT_TRUE(a.rids.empty());

  const NegotiatedMedia& v = n.media[1];
  EXPECT_EQ(v.mid, "1");
  EXPECT_EQ(v.kind, MediaKind::video);
  EXPECT_EQ(v.codec, (CodecChoice{96, "VP8", 90000, 0, ""}));
  EXPECT_EQ(
      v.extensions,
      (ExtensionIds{.mid = 4, .rid = 10, .audio_level = 0, .transport_cc = 3, .abs_send_time = 2}));
  EXPECT_EQ(v.feedback, (Feedback{true, true, true, true, true}));
  EXPECT_EQ(v.remote_ssrc, 1042547511u);  // the media SSRC of the FID group, not the RTX one

  EXPECT_THAT(n.answer, HasSubstr("a=group:BUNDLE 0 1\r\n"));
  EXPECT_THAT(n.answer, HasSubstr("a=ice-lite\r\n"));
  EXPECT_THAT(n.answer, HasSubstr("a=setup:passive\r\n"));
  EXPECT_THAT(
      n.answer,
      HasSubstr("a=candidate:2 1 tcp 1518280447 127.0.0.1 40000 typ host tcptype passive\r\n"));
  EXPECT_THAT(n.answer, Not(HasSubstr("rtx")));
  EXPECT_THAT(n.answer, Not(HasSubstr("toffset")));
  EXPECT_THAT(n.answer, Not(HasSubstr("repaired-rtp-stream-id")));
}

TEST(Negotiation, PrefersCodecsInConfigOrderAndConstrainedBaselineH264) {
  Capabilities h264_first{{"H264", "VP8"}};
  auto n = ok(publish(offer("chromium-156-whip.sdp"), h264_first));
  const NegotiatedMedia* v = find(n, MediaKind::video);
  ASSERT_TRUE(v);
  // 108 is 42e01f with packetization-mode=1; Chromium lists 102 (42001f) first.
  EXPECT_EQ(v->codec.payload_type, 108);
  EXPECT_EQ(v->codec.name, "H264");
  EXPECT_EQ(v->codec.fmtp,
            "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f");
  EXPECT_THAT(n.answer, HasSubstr("m=video 9 UDP/TLS/RTP/SAVPF 108\r\n"));

  // Without Constrained Baseline, Baseline; then Main; then High; never High 4:4:4 or mode 0.
  const std::string base = offer("chromium-156-whip.sdp");
  std::string no_cb = edit(base, "packetization-mode=1;profile-level-id=42e01f",
                           "packetization-mode=1;profile-level-id=f4001f");
  EXPECT_EQ(find(ok(publish(no_cb, h264_first)), MediaKind::video)->codec.payload_type, 102);
  std::string main_only = edit(no_cb, "packetization-mode=1;profile-level-id=42001f",
                               "packetization-mode=0;profile-level-id=42001f");
  EXPECT_EQ(find(ok(publish(main_only, h264_first)), MediaKind::video)->codec.payload_type, 116);
  std::string high = edit(main_only, "profile-level-id=4d001f", "profile-level-id=64001f");
  EXPECT_EQ(find(ok(publish(high, h264_first)), MediaKind::video)->codec.payload_type, 116);
  std::string none = edit(main_only, "packetization-mode=1;profile-level-id=4d001f",
                          "packetization-mode=0;profile-level-id=4d001f");
  auto n2 = ok(publish(none, Capabilities{{"H264"}}));
  EXPECT_FALSE(find(n2, MediaKind::video));
  ASSERT_EQ(n2.rejected.size(), 1u);
  EXPECT_EQ(
      n2.rejected[0],
      "mid 1 (video): no common video codec: offer has VP8, H264, AV1, VP9; server accepts H264");
}

TEST(Negotiation, SpellsCodecNamesOneWay) {
  std::string text = edit(offer("chromium-156-whip.sdp"), "opus/48000/2", "OPUS/48000/2");
  text = edit(text, "a=rtpmap:96 VP8/90000", "a=rtpmap:96 vp8/90000");
  auto n = ok(publish(text));
  EXPECT_EQ(find(n, MediaKind::audio)->codec.name, "opus");
  EXPECT_EQ(find(n, MediaKind::video)->codec.name, "VP8");
  EXPECT_THAT(n.answer, HasSubstr("a=rtpmap:96 VP8/90000\r\n"));
  text = edit(offer("chromium-156-whip.sdp"), "a=rtpmap:108 H264/90000", "a=rtpmap:108 h264/90000");
  EXPECT_EQ(find(ok(publish(text, Capabilities{{"H264"}})), MediaKind::video)->codec.name, "H264");
}

TEST(Negotiation, AcceptsSimulcastWithTheOffersRidsInOrder) {
  auto n = ok(publish(offer("chromium-156-whip_simulcast.sdp")));
  const NegotiatedMedia* v = find(n, MediaKind::video);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->rids, (std::vector<sdp::SimulcastRid>{{"q", false}, {"h", false}, {"f", false}}));
  EXPECT_EQ(v->remote_ssrc, 0u);
  EXPECT_EQ(v->extensions.rid, 10);
  EXPECT_THAT(
      n.answer,
      HasSubstr("a=rid:q recv\r\na=rid:h recv\r\na=rid:f recv\r\na=simulcast:recv q;h;f\r\n"));
  EXPECT_EQ(find(n, MediaKind::audio)->remote_ssrc, 94520945u);

  // Paused streams stay paused; alternatives collapse to the first; more than 3 are cut.
  std::string text = edit(offer("chromium-156-whip_simulcast.sdp"), "a=simulcast:send q;h;f",
                          "a=simulcast:send q;~h;f,x;y");
  text = edit(text, "a=rid:f send", "a=rid:f send\r\na=rid:x send\r\na=rid:y send");
  n = ok(publish(text));
  EXPECT_EQ(find(n, MediaKind::video)->rids,
            (std::vector<sdp::SimulcastRid>{{"q", false}, {"h", true}, {"f", false}}));
  EXPECT_THAT(n.answer, HasSubstr("a=simulcast:recv q;~h;f\r\n"));
  EXPECT_THAT(n.answer, Not(HasSubstr("a=rid:y")));

  // A rid restricted to another payload type (RFC 8851 pt=) is left out.
  n = ok(publish(
      edit(offer("chromium-156-whip_simulcast.sdp"), "a=rid:h send", "a=rid:h send pt=108")));
  EXPECT_EQ(find(n, MediaKind::video)->rids,
            (std::vector<sdp::SimulcastRid>{{"q", false}, {"f", false}}));

  // Without the rid header extension the SFU cannot tell the layers apart: no simulcast.
  n = ok(publish(drop_lines(offer("chromium-156-whip_simulcast.sdp"), "sdes:rtp-stream-id")));
  EXPECT_TRUE(find(n, MediaKind::video)->rids.empty());
  EXPECT_THAT(n.answer, Not(HasSubstr("a=simulcast")));
}

TEST(Negotiation, AnswersFirefoxExtensionDirections) {
  auto n = ok(publish(offer("firefox-esr-153-whip_simulcast.sdp")));
  // Firefox offers rid as extmap:9/sendonly (RFC 8285 7): we receive it, so recvonly.
  EXPECT_THAT(n.answer,
              HasSubstr("a=extmap:9/recvonly urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"));
  EXPECT_EQ(find(n, MediaKind::video)->extensions.rid, 9);
  EXPECT_EQ(find(n, MediaKind::video)->rids.size(), 3u);
  EXPECT_THAT(n.answer, Not(HasSubstr("csrc-audio-level")));
  EXPECT_EQ(find(n, MediaKind::audio)->codec,
            (CodecChoice{109, "opus", 48000, 2, "minptime=10;useinbandfec=1"}));
  EXPECT_EQ(find(n, MediaKind::video)->codec.fmtp, "max-fs=12288;max-fr=60");
  EXPECT_EQ(n.remote_ufrag, "674a15ee");  // media level; the fingerprint is session level
  EXPECT_THAT(n.remote_fingerprint.value, StartsWith("29:0F:47"));
  EXPECT_THAT(n.answer, HasSubstr("a=extmap-allow-mixed\r\n"));

  n = ok(publish(offer("firefox-esr-153-whip.sdp")));
  EXPECT_EQ(find(n, MediaKind::video)->remote_ssrc, 2256568321u);
  EXPECT_EQ(find(n, MediaKind::audio)->remote_ssrc, 19717498u);
}

// ---- WHEP (play) ----

TEST(Negotiation, PlaysTheSourceCodecWithTheViewersPayloadTypes) {
  const std::string whep = offer("chromium-156-whep.sdp");
  auto vp8 = ok(negotiate(whep, Side::play, {}, local_params()));
  ASSERT_EQ(vp8.media.size(), 2u);
  EXPECT_EQ(vp8.media[0].codec.payload_type, 111);
  EXPECT_EQ(vp8.media[1].codec.payload_type, 96);
  EXPECT_EQ(vp8.media[0].direction, sdp::Direction::sendonly);
  EXPECT_EQ(vp8.media[0].local_ssrc, 11111111u);
  EXPECT_EQ(vp8.media[1].local_ssrc, 22222222u);
  EXPECT_EQ(vp8.media[1].remote_ssrc, 0u);  // Chromium names no SSRC in a recvonly offer
  EXPECT_EQ(vp8.media[1].feedback, (Feedback{true, true, true, true, true}));
  EXPECT_THAT(vp8.answer, HasSubstr("a=sendonly\r\na=msid:onair-stream onair-video\r\n"));
  EXPECT_THAT(vp8.answer, HasSubstr("a=ssrc:22222222 cname:onair\r\n"));
  EXPECT_THAT(vp8.answer, HasSubstr("a=ssrc:11111111 cname:onair\r\n"));

  auto pt = [&](std::string profile) {
    auto n = ok(negotiate(whep, Side::play, {}, play_h264(std::move(profile))));
    const NegotiatedMedia* v = find(n, MediaKind::video);
    return v ? v->codec.payload_type : -1;
  };
  EXPECT_EQ(pt("42e01f"), 108);
  EXPECT_EQ(pt("42e034"), 108);  // the level does not matter
  EXPECT_EQ(pt("42E01F"), 108);
  EXPECT_EQ(pt("42001f"), 102);
  EXPECT_EQ(pt("4d0032"), 116);
  EXPECT_EQ(pt("640c1f"), -1);  // Chromium 156 offers no Constrained High

  // packetization-mode must be equal.
  LocalParams mode0 = play_h264("42e01f");
  mode0.video->codec.packetization_mode = 0;
  EXPECT_EQ(find(ok(negotiate(whep, Side::play, {}, mode0)), MediaKind::video)->codec.payload_type,
            114);
}

TEST(Negotiation, RejectsTheVideoLineWhenTheViewerLacksTheSourceCodec) {
  auto n = ok(negotiate(offer("chromium-156-whep.sdp"), Side::play, {}, play_h264("640c1f")));
  ASSERT_EQ(n.media.size(), 1u);
  EXPECT_EQ(n.media[0].kind, MediaKind::audio);
  ASSERT_EQ(n.rejected.size(), 1u);
  EXPECT_EQ(n.rejected[0],
            "mid 1 (video): no common video codec: the stream carries H264 640c1f "
            "packetization-mode=1; offer has "
            "VP8, VP9, H264, AV1");
  EXPECT_THAT(n.answer, HasSubstr("a=group:BUNDLE 0\r\n"));
  EXPECT_THAT(n.answer,
              HasSubstr("m=video 0 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\n"));

  // Firefox on Debian has no H.264 at all.
  n = ok(negotiate(offer("firefox-esr-153-whep.sdp"), Side::play, {}, play_h264("42e01f")));
  EXPECT_EQ(n.media.size(), 1u);
  EXPECT_EQ(n.media[0].remote_ssrc, 1296923444u);  // Firefox's RTCP sender SSRC

  // A stream without video: the video line is rejected.
  LocalParams audio_only = local_params();
  audio_only.video.reset();
  n = ok(negotiate(offer("chromium-156-whep.sdp"), Side::play, {}, audio_only));
  EXPECT_EQ(n.rejected, (std::vector<std::string>{"mid 1 (video): the stream has no video"}));
}

// ---- DTLS roles ----

TEST(Negotiation, ChoosesTheDtlsRoleFromTheOffersSetup) {
  const std::string base = offer("chromium-156-whip.sdp");
  auto active = ok(publish(
      edit(edit(base, "a=setup:actpass", "a=setup:active"), "a=setup:actpass", "a=setup:active")));
  EXPECT_EQ(active.dtls_role, DtlsRole::server);
  EXPECT_THAT(active.answer, HasSubstr("a=setup:passive\r\n"));
  auto passive = ok(publish(edit(edit(base, "a=setup:actpass", "a=setup:passive"),
                                 "a=setup:actpass", "a=setup:passive")));
  EXPECT_EQ(passive.dtls_role, DtlsRole::client);
  EXPECT_THAT(passive.answer, HasSubstr("a=setup:active\r\n"));
  EXPECT_THAT(passive.answer, Not(HasSubstr("a=setup:passive")));
  auto hold = refused(publish(edit(base, "a=setup:actpass", "a=setup:holdconn")));
  EXPECT_EQ(hold.code(), ErrorCode::invalid_argument);
  EXPECT_THAT(hold.message(), HasSubstr("holdconn"));
}

// ---- rejected sections and refusals ----

TEST(Negotiation, AnswersDataChannelsWithPortZero) {
  std::string text =
      edit(offer("chromium-156-whip.sdp"), "a=group:BUNDLE 0 1", "a=group:BUNDLE 0 1 2") +
      "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n"
      "a=ice-ufrag:938g\r\na=ice-pwd:6t+n28aGjugWc2VvpNfI2n2L\r\na=mid:2\r\na=sctp-port:5000\r\n";
  auto n = ok(publish(text));
  EXPECT_EQ(n.media.size(), 2u);
  EXPECT_EQ(n.rejected,
            (std::vector<std::string>{"mid 2 (application): data channels are not supported"}));
  EXPECT_THAT(n.answer, HasSubstr("a=group:BUNDLE 0 1\r\n"));
  std::string tail = n.answer.substr(n.answer.find("m=application"));
  EXPECT_EQ(tail,
            "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:2\r\n");
  auto answer = sdp::parse(n.answer);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->media.size(), 3u);
}

TEST(Negotiation, RefusesAnOfferWithOnlyDataChannels) {
  auto e = refused(
      publish("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
              "a=fingerprint:sha-256 AA:BB\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
              "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789012345678901\r\na=mid:0\r\n"));
  EXPECT_EQ(e.code(), ErrorCode::not_acceptable);
  EXPECT_EQ(e.message(), "mid 0 (application): data channels are not supported");
  EXPECT_EQ(http_status(e.code()), 406);
}

TEST(Negotiation, RefusesOffersWithoutOpusOrAUsableVideoCodec) {
  // Audio without Opus, video with only AV1.
  std::string text = without_opus(offer("chromium-156-whip.sdp"));
  text = edit(text,
              "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 107 108 109 114 115 116 117 39 40 45 "
              "46 98 99 100 101 118 119 120",
              "m=video 9 UDP/TLS/RTP/SAVPF 45 46");
  auto e = refused(publish(text));
  EXPECT_EQ(e.code(), ErrorCode::not_acceptable);
  EXPECT_EQ(
      e.message(),
      "mid 0 (audio): no common audio codec: offer has G722, PCMU, PCMA; server accepts opus. "
      "mid 1 (video): no common video codec: offer has AV1; server accepts VP8, H264");

  // Only AV1 video, no audio at all.
  std::string av1 =
      "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 45 46\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\n"
      "a=ice-pwd:0123456789012345678901\r\na=fingerprint:sha-256 AA:BB\r\na=setup:actpass\r\n"
      "a=mid:0\r\na=sendonly\r\na=rtcp-mux\r\na=rtpmap:45 AV1/90000\r\na=rtpmap:46 rtx/90000\r\n"
      "a=fmtp:46 apt=45\r\n";
  e = refused(publish(av1));
  EXPECT_EQ(e.code(), ErrorCode::not_acceptable);
  EXPECT_EQ(e.message(),
            "mid 0 (video): no common video codec: offer has AV1; server accepts VP8, H264");

  // Without Opus but with VP8: video alone is answered, audio gets port 0.
  auto n = ok(publish(without_opus(offer("chromium-156-whip.sdp"))));
  ASSERT_EQ(n.media.size(), 1u);
  EXPECT_EQ(n.media[0].mid, "1");
  EXPECT_THAT(n.answer, HasSubstr("a=group:BUNDLE 1\r\n"));
  EXPECT_THAT(n.answer, HasSubstr("m=audio 0 UDP/TLS/RTP/SAVPF 63\r\n"));
}

TEST(Negotiation, RefusesOffersMissingTransportAttributes) {
  const std::string base = offer("chromium-156-whip.sdp");
  auto e = refused(publish(drop_lines(base, "a=fingerprint")));
  EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
  EXPECT_THAT(e.message(), StartsWith("offer: no a=fingerprint"));
  e = refused(publish(drop_lines(base, "a=ice-ufrag")));
  EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
  EXPECT_EQ(e.message(), "offer: no a=ice-ufrag");
  e = refused(publish(drop_lines(base, "a=ice-pwd")));
  EXPECT_EQ(e.message(), "offer: no a=ice-pwd");
  e = refused(publish(drop_lines(base, "a=rtcp-mux")));
  EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
  EXPECT_THAT(e.message(), StartsWith("offer: mid 0 (audio): no a=rtcp-mux"));
  e = refused(publish(edit(base, "m=audio 9 UDP/TLS/RTP/SAVPF", "m=audio 9 RTP/AVP")));
  EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
  EXPECT_THAT(e.message(),
              StartsWith("offer: mid 0 (audio): proto RTP/AVP is not UDP/TLS/RTP/SAVPF"));
  // ICE-TCP framing (RFC 4571) with DTLS is fine.
  EXPECT_TRUE(publish(edit(base, "m=audio 9 UDP/TLS/RTP/SAVPF", "m=audio 9 TCP/DTLS/RTP/SAVPF")));
}

TEST(Negotiation, RefusesUnparsableOffersNamingTheLine) {
  auto e = refused(publish("garbage"));
  EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
  EXPECT_THAT(e.message(), StartsWith("offer: line 1: expected <type>=<value>"));
  e = refused(publish(edit(offer("chromium-156-whip.sdp"), "UDP/TLS/RTP/SAVPF 111 63",
                           "UDP/TLS/RTP/SAVPF 111 x63")));
  EXPECT_EQ(e.message(), "offer: line 8: m= line: payload type \"x63\" is not a number in 0-127");
  e = refused(publish(std::string(sdp::kMaxSize + 1, 'a')));
  EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
  EXPECT_THAT(e.message(), StartsWith("offer: SDP too large"));
  std::string many = "v=0\r\n";
  for (int i = 0; i < 20; ++i)
    many += "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:" + std::to_string(i) + "\r\n";
  e = refused(publish(many));
  EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
  EXPECT_EQ(e.message(), "offer: line 34: more than 16 m= sections");
}

TEST(Negotiation, RefusesMoreThanOneTrackPerKind) {
  std::string base = offer("chromium-156-whip.sdp");
  std::string video = base.substr(base.find("m=video"));
  std::string text =
      edit(base, "a=group:BUNDLE 0 1", "a=group:BUNDLE 0 1 2") + edit(video, "a=mid:1", "a=mid:2");
  auto e = refused(publish(text));
  EXPECT_EQ(e.code(), ErrorCode::not_acceptable);
  EXPECT_EQ(e.message(),
            "WHIP takes one audio and one video track; offer has 1 audio and 2 video sections");
  e = refused(negotiate(text, Side::play, {}, local_params()));
  EXPECT_THAT(e.message(), StartsWith("WHEP takes one audio and one video track"));
}

TEST(Negotiation, RefusesTheWrongDirectionForTheSide) {
  auto e = refused(publish(offer("chromium-156-whep.sdp")));
  EXPECT_EQ(e.code(), ErrorCode::not_acceptable);
  EXPECT_THAT(e.message(),
              HasSubstr("mid 0 (audio): offered recvonly, WHIP needs sendonly or sendrecv"));
  e = refused(negotiate(offer("chromium-156-whip.sdp"), Side::play, {}, local_params()));
  EXPECT_THAT(e.message(), HasSubstr("offered sendonly, WHEP needs recvonly or sendrecv"));
  // sendrecv is fine on both sides.
  std::string sendrecv = offer("chromium-156-whip.sdp");
  while (sendrecv.find("a=sendonly") != std::string::npos)
    sendrecv = edit(sendrecv, "a=sendonly", "a=sendrecv");
  EXPECT_TRUE(publish(sendrecv));
  EXPECT_TRUE(negotiate(sendrecv, Side::play, {}, local_params()));
}

TEST(Negotiation, NeedsOneBundleForSeveralSections) {
  auto e = refused(publish(drop_lines(offer("chromium-156-whip.sdp"), "a=group:BUNDLE")));
  EXPECT_EQ(e.code(), ErrorCode::not_acceptable);
  EXPECT_THAT(e.message(), HasSubstr("not in a=group:BUNDLE"));
  // One section needs no group.
  std::string base = drop_lines(offer("chromium-156-whip.sdp"), "a=group:BUNDLE");
  auto n = ok(publish(base.substr(0, base.find("m=video"))));
  EXPECT_EQ(n.media.size(), 1u);
  EXPECT_THAT(n.answer, Not(HasSubstr("a=group")));
}

TEST(Negotiation, AcceptsBundleOnlySectionsWithPortZero) {
  // RFC 9725's example and Firefox mark non-tagged sections bundle-only with port 0.
  std::string text = edit(offer("chromium-156-whip.sdp"), "m=video 9 ", "m=video 0 ");
  text = edit(text, "a=mid:1\r\n", "a=mid:1\r\na=bundle-only\r\n");
  auto n = ok(publish(text));
  EXPECT_EQ(n.media.size(), 2u);
  EXPECT_THAT(n.answer, HasSubstr("m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"));
  EXPECT_THAT(n.answer, Not(HasSubstr("bundle-only")));
  // Port 0 without bundle-only is the offerer's own rejection.
  n = ok(publish(edit(offer("chromium-156-whip.sdp"), "m=video 9 ", "m=video 0 ")));
  EXPECT_EQ(n.rejected, (std::vector<std::string>{"mid 1 (video): rejected in the offer"}));
}

TEST(Negotiation, NeverFailsOnLocalCandidatesAndSetsTheConnectionLine) {
  LocalParams l = local_params();
  l.candidates.clear();
  auto n = ok(negotiate(offer("chromium-156-whip.sdp"), Side::publish, {}, l));
  EXPECT_THAT(n.answer, HasSubstr("c=IN IP4 0.0.0.0\r\n"));
  EXPECT_THAT(n.answer, HasSubstr("a=end-of-candidates\r\n"));
  l.candidates = {sdp::Candidate{.foundation = "1", .priority = 1, .address = "::1", .port = 5000}};
  n = ok(negotiate(offer("chromium-156-whip.sdp"), Side::publish, {}, l));
  EXPECT_THAT(n.answer, HasSubstr("c=IN IP6 ::1\r\n"));
  l.ice_pwd.clear();
  EXPECT_EQ(refused(negotiate(offer("chromium-156-whip.sdp"), Side::publish, {}, l)).code(),
            ErrorCode::internal);
}

TEST(Negotiation, MatchesH264ProfilesIgnoringTheLevel) {
  EXPECT_TRUE(h264_profile_matches("42e01f", "42e01f"));
  EXPECT_TRUE(h264_profile_matches("42e01f", "42E028"));
  EXPECT_FALSE(h264_profile_matches("42001f", "42e01f"));
  EXPECT_FALSE(h264_profile_matches("4d001f", "42e01f"));
  EXPECT_TRUE(h264_profile_matches("", "420015"));  // absent = 420010
  EXPECT_FALSE(h264_profile_matches("42", "42e01f"));
}

}  // namespace
}  // namespace onair::webrtc
