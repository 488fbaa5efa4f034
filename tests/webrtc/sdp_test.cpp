#include "media/webrtc/sdp.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

namespace onair::webrtc::sdp {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using namespace std::string_literals;

// The unit tests have no source-dir define; CMake passes absolute paths, so __FILE__ finds
// the fixtures beside this file.
std::string fixture(const std::string& name) {
  auto path = std::filesystem::path(__FILE__).parent_path() / "offers" / name;
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_FALSE(ss.str().empty()) << "missing fixture " << path;
  return ss.str();
}

const std::vector<std::string> kFixtures = {
    "chromium-156-whip.sdp",    "chromium-156-whip_simulcast.sdp",    "chromium-156-whep.sdp",
    "firefox-esr-153-whip.sdp", "firefox-esr-153-whip_simulcast.sdp", "firefox-esr-153-whep.sdp",
};

SessionDescription parsed(const std::string& text) {
  auto d = parse(text);
  EXPECT_TRUE(d) << d.error().message();
  return d ? *d : SessionDescription{};
}

std::string error_of(std::string_view text) {
  auto d = parse(text);
  EXPECT_FALSE(d);
  if (d) return "";
  EXPECT_EQ(d.error().code(), ErrorCode::invalid_argument);
  return d.error().message();
}

int extmap_id(const MediaSection& m, std::string_view uri) {
  const Extmap* e = m.extmap(uri);
  return e ? e->id : 0;
}

constexpr std::string_view kMid = "urn:ietf:params:rtp-hdrext:sdes:mid";
constexpr std::string_view kRid = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
constexpr std::string_view kLevel = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
constexpr std::string_view kTwcc =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
constexpr std::string_view kAbs = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";

TEST(Sdp, ParsesChromiumWhipOffer) {
  auto d = parsed(fixture("chromium-156-whip.sdp"));
  EXPECT_EQ(d.origin.session_id, "2620828452759467062");
  EXPECT_EQ(d.origin.session_version, "2");
  EXPECT_EQ(d.bundle, (std::vector<std::string>{"0", "1"}));
  EXPECT_TRUE(d.extmap_allow_mixed);
  EXPECT_EQ(d.msid_semantic, "WMS");
  EXPECT_FALSE(d.ice_lite);
  ASSERT_EQ(d.media.size(), 2u);

  const MediaSection& a = d.media[0];
  EXPECT_EQ(a.kind, "audio");
  EXPECT_EQ(a.port, 9);
  EXPECT_EQ(a.proto, "UDP/TLS/RTP/SAVPF");
  EXPECT_EQ(a.formats, (std::vector<std::string>{"111", "63", "9", "0", "8", "13", "110", "126"}));
  EXPECT_EQ(a.connection, "IN IP4 0.0.0.0");
  EXPECT_EQ(a.rtcp, "9 IN IP4 0.0.0.0");
  EXPECT_EQ(a.mid, "0");
  EXPECT_EQ(a.direction, Direction::sendonly);
  EXPECT_TRUE(a.rtcp_mux);
  EXPECT_TRUE(a.rtcp_rsize);
  EXPECT_EQ(a.ice_ufrag, "938g");
  EXPECT_EQ(a.ice_pwd, "6t+n28aGjugWc2VvpNfI2n2L");
  EXPECT_EQ(a.ice_options, "trickle");
  EXPECT_EQ(a.fingerprint.algorithm, "sha-256");
  EXPECT_THAT(a.fingerprint.value, StartsWith("09:CF:84:EB"));
  EXPECT_EQ(a.setup, Setup::actpass);
  ASSERT_TRUE(a.codec(111));
  EXPECT_EQ(a.codec(111)->name, "opus");
  EXPECT_EQ(a.codec(111)->clock_rate, 48000u);
  EXPECT_EQ(a.codec(111)->channels, 2u);
  EXPECT_EQ(a.codec(111)->fmtp, "minptime=10;useinbandfec=1");
  EXPECT_EQ(a.codec(111)->rtcp_fb, (std::vector<std::string>{"transport-cc"}));
  EXPECT_EQ(a.codec(63)->fmtp, "111/111");
  EXPECT_EQ(a.codec(0)->name, "PCMU");
  EXPECT_EQ(a.codec(0)->channels, 0u);
  EXPECT_EQ(extmap_id(a, kLevel), 1);
  EXPECT_EQ(extmap_id(a, kAbs), 2);
  EXPECT_EQ(extmap_id(a, kTwcc), 3);
  EXPECT_EQ(extmap_id(a, kMid), 4);
  ASSERT_TRUE(a.msid);
  EXPECT_EQ(a.msid->stream, "-");
  EXPECT_EQ(a.msid->track, "b4f130c3-66c7-4d01-b1e3-6cf9bf106356");
  ASSERT_EQ(a.ssrcs.size(), 1u);
  EXPECT_EQ(a.ssrcs[0].ssrc, 2052020524u);
  EXPECT_EQ(a.ssrcs[0].cname, "IbFQNmiil+Grh/G7");
  EXPECT_EQ(a.ssrcs[0].msid, "- b4f130c3-66c7-4d01-b1e3-6cf9bf106356");
  EXPECT_EQ(a.other, (std::vector<std::string>{"rtcp-xr:rcvr-rtt=all"}));

  const MediaSection& v = d.media[1];
  EXPECT_EQ(v.kind, "video");
  EXPECT_EQ(v.mid, "1");
  EXPECT_EQ(v.formats.size(), 23u);
  EXPECT_EQ(v.codecs.size(), 23u);
  EXPECT_EQ(v.codec(96)->name, "VP8");
  EXPECT_EQ(v.codec(96)->clock_rate, 90000u);
  EXPECT_EQ(v.codec(96)->rtcp_fb,
            (std::vector<std::string>{"goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"}));
  EXPECT_EQ(v.codec(97)->name, "rtx");
  EXPECT_EQ(v.codec(97)->fmtp, "apt=96");
  EXPECT_EQ(v.codec(108)->name, "H264");
  EXPECT_EQ(fmtp_value(v.codec(108)->fmtp, "profile-level-id"), "42e01f");
  EXPECT_EQ(fmtp_value(v.codec(108)->fmtp, "packetization-mode"), "1");
  EXPECT_EQ(fmtp_value(v.codec(104)->fmtp, "packetization-mode"), "0");
  EXPECT_EQ(v.codec(45)->name, "AV1");
  EXPECT_EQ(extmap_id(v, "urn:ietf:params:rtp-hdrext:toffset"), 14);
  EXPECT_EQ(extmap_id(v, kMid), 4);
  EXPECT_EQ(extmap_id(v, kRid), 10);
  EXPECT_EQ(extmap_id(v, "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"), 11);
  ASSERT_EQ(v.ssrc_groups.size(), 1u);
  EXPECT_EQ(v.ssrc_groups[0].semantics, "FID");
  EXPECT_EQ(v.ssrc_groups[0].ssrcs, (std::vector<uint32_t>{1042547511, 381532052}));
  ASSERT_EQ(v.ssrcs.size(), 2u);
  EXPECT_EQ(v.ssrcs[1].ssrc, 381532052u);
  EXPECT_TRUE(v.rids.empty());
  EXPECT_TRUE(v.simulcast.empty());
  EXPECT_TRUE(v.candidates.empty());
  EXPECT_FALSE(v.end_of_candidates);
}

TEST(Sdp, ParsesChromiumSimulcastOffer) {
  auto d = parsed(fixture("chromium-156-whip_simulcast.sdp"));
  ASSERT_EQ(d.media.size(), 2u);
  const MediaSection& v = d.media[1];
  ASSERT_EQ(v.rids.size(), 3u);
  EXPECT_EQ(v.rids[0], (Rid{"q", true, ""}));
  EXPECT_EQ(v.rids[1].id, "h");
  EXPECT_EQ(v.rids[2].id, "f");
  ASSERT_EQ(v.simulcast.send.size(), 3u);
  EXPECT_EQ(v.simulcast.send[0], (std::vector<SimulcastRid>{{"q", false}}));
  EXPECT_EQ(v.simulcast.send[2][0].id, "f");
  EXPECT_TRUE(v.simulcast.recv.empty());
  EXPECT_TRUE(v.ssrcs.empty());  // simulcast: SSRCs come from the rid header extension
  EXPECT_EQ(extmap_id(v, kRid), 10);
  EXPECT_EQ(extmap_id(v, "http://www.webrtc.org/experiments/rtp-hdrext/video-layers-allocation00"),
            9);
  EXPECT_EQ(d.media[0].ice_ufrag, "Y3/l");
}

TEST(Sdp, ParsesChromiumWhepOffer) {
  auto d = parsed(fixture("chromium-156-whep.sdp"));
  ASSERT_EQ(d.media.size(), 2u);
  EXPECT_EQ(d.media[0].direction, Direction::recvonly);
  EXPECT_EQ(d.media[1].direction, Direction::recvonly);
  EXPECT_FALSE(d.media[0].msid);
  EXPECT_TRUE(d.media[0].ssrcs.empty());
  EXPECT_EQ(d.media[1].formats.size(), 34u);
  EXPECT_EQ(d.media[1].codec(116)->fmtp,
            "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f");
  EXPECT_EQ(d.media[1].codec(49)->name, "flexfec-03");
  EXPECT_EQ(d.media[0].ice_ufrag, "Dlf6");
}

TEST(Sdp, ParsesFirefoxOffers) {
  auto d = parsed(fixture("firefox-esr-153-whip.sdp"));
  EXPECT_EQ(d.origin.username, "mozilla...THIS_IS_SDPARTA-99.0");
  EXPECT_EQ(d.origin.address, "0.0.0.0");
  EXPECT_EQ(d.direction, Direction::sendrecv);    // session level
  EXPECT_EQ(d.fingerprint.algorithm, "sha-256");  // session level only
  EXPECT_THAT(d.fingerprint.value, StartsWith("E9:67:23:19"));
  EXPECT_EQ(d.ice_options, "trickle");
  EXPECT_EQ(d.msid_semantic, "WMS *");
  EXPECT_EQ(d.bundle, (std::vector<std::string>{"0", "1"}));
  ASSERT_EQ(d.media.size(), 2u);
  const MediaSection& a = d.media[0];
  EXPECT_TRUE(a.fingerprint.empty());
  EXPECT_EQ(a.direction, Direction::sendonly);
  EXPECT_EQ(a.ice_ufrag, "5d386474");
  EXPECT_TRUE(a.extmap_allow_mixed);
  EXPECT_FALSE(a.rtcp_rsize);
  EXPECT_EQ(a.codec(109)->name, "opus");
  EXPECT_EQ(a.codec(109)->fmtp, "maxplaybackrate=48000;stereo=1;useinbandfec=1");
  EXPECT_EQ(a.codec(9)->channels, 1u);  // G722/8000/1
  ASSERT_EQ(a.extmaps.size(), 4u);
  EXPECT_EQ(a.extmaps[1],
            (Extmap{2, Direction::recvonly, "urn:ietf:params:rtp-hdrext:csrc-audio-level", ""}));
  EXPECT_EQ(a.msid->stream, "{b4eee0df-4a4c-4c1c-96f2-ea0304bda4d6}");
  const MediaSection& v = d.media[1];
  EXPECT_EQ(v.codec(120)->name, "VP8");
  EXPECT_EQ(v.codec(120)->fmtp, "max-fs=12288;max-fr=60");
  EXPECT_EQ(v.codec(124)->fmtp, "apt=120");
  for (const auto& c : v.codecs) EXPECT_NE(c.name, "H264");  // no OpenH264 plug-in on Debian
  EXPECT_EQ(extmap_id(v, kTwcc), 7);
  EXPECT_EQ(v.ssrc_groups[0].ssrcs, (std::vector<uint32_t>{2256568321, 2842449890}));

  auto s = parsed(fixture("firefox-esr-153-whip_simulcast.sdp"));
  const MediaSection& sv = s.media[1];
  ASSERT_TRUE(sv.extmap(kRid));
  EXPECT_EQ(sv.extmap(kRid)->id, 9);
  EXPECT_EQ(sv.extmap(kRid)->direction, Direction::sendonly);
  EXPECT_EQ(sv.rids.size(), 3u);
  EXPECT_EQ(sv.simulcast.send.size(), 3u);
  EXPECT_EQ(sv.ssrc_groups.size(), 3u);  // unlike Chromium, Firefox lists each layer's SSRC and RTX

  auto w = parsed(fixture("firefox-esr-153-whep.sdp"));
  EXPECT_EQ(w.media[0].direction, Direction::recvonly);
  EXPECT_EQ(w.media[1].ssrcs.size(), 1u);  // Firefox names its RTCP sender SSRC
}

TEST(Sdp, RoundTripsEveryFixture) {
  for (const auto& name : kFixtures) {
    SCOPED_TRACE(name);
    auto d = parsed(fixture(name));
    std::string text = write(d);
    auto again = parse(text);
    ASSERT_TRUE(again) << again.error().message();
    EXPECT_EQ(*again, d);
    EXPECT_EQ(write(*again), text);
  }
}

TEST(Sdp, WritesCrlfLineEnds) {
  std::string text = write(parsed(fixture("firefox-esr-153-whip.sdp")));
  ASSERT_GE(text.size(), 2u);
  EXPECT_EQ(text.substr(text.size() - 2), "\r\n");
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n') continue;
    ASSERT_TRUE(i > 0 && text[i - 1] == '\r') << "bare LF at " << i;
  }
  EXPECT_THAT(text, StartsWith("v=0\r\no=mozilla...THIS_IS_SDPARTA-99.0 "));
}

TEST(Sdp, AcceptsLfLineEndsAndBlankLines) {
  std::string crlf = fixture("chromium-156-whip.sdp");
  std::string lf;
  for (char c : crlf)
    if (c != '\r') lf += c;
  lf += "\n\n";
  EXPECT_EQ(parsed(lf), parsed(crlf));
}

TEST(Sdp, KeepsUnknownAttributesAndIgnoresOtherLines) {
  auto d = parsed(
      "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=x-session-thing\r\nb=AS:1000\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nb=TIAS:500000\r\na=x-google-flag:conference\r\n"
      "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:* nack\r\na=rtpmap:99 rtx/90000\r\n");
  EXPECT_EQ(d.other, (std::vector<std::string>{"x-session-thing"}));
  ASSERT_EQ(d.media.size(), 1u);
  // rtcp-fb:* and an rtpmap for a payload type the m= line lacks are kept verbatim.
  EXPECT_EQ(d.media[0].other, (std::vector<std::string>{"x-google-flag:conference",
                                                        "rtcp-fb:* nack", "rtpmap:99 rtx/90000"}));
  EXPECT_EQ(d.media[0].codecs.size(), 1u);
}

TEST(Sdp, ParsesCandidatesOfEveryShape) {
  auto d = parsed(
      "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
      "a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host\r\n"
      "a=candidate:2 1 tcp 1518280447 127.0.0.1 40000 typ host tcptype passive\r\n"
      "a=candidate:3 1 UDP 1686052607 203.0.113.7 50000 typ srflx raddr 10.0.0.2 rport 50001 "
      "generation 0 "
      "ufrag abcd network-id 1\r\n"
      "a=end-of-candidates\r\n");
  const auto& c = d.media[0].candidates;
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].foundation, "1");
  EXPECT_EQ(c[0].priority, 2130706431u);
  EXPECT_EQ(c[0].port, 40000);
  EXPECT_EQ(c[0].type, "host");
  EXPECT_EQ(c[1].transport, "tcp");
  EXPECT_EQ(c[1].tcp_type, "passive");
  EXPECT_EQ(c[2].transport, "UDP");
  EXPECT_EQ(c[2].related_address, "10.0.0.2");
  EXPECT_EQ(c[2].related_port, 50001);
  EXPECT_EQ(c[2].extensions, "generation 0 ufrag abcd network-id 1");
  EXPECT_TRUE(d.media[0].end_of_candidates);
  EXPECT_EQ(parsed(write(d)), d);
  EXPECT_THAT(
      write(d),
      HasSubstr("a=candidate:2 1 tcp 1518280447 127.0.0.1 40000 typ host tcptype passive\r\n"));
}

TEST(Sdp, ParsesSimulcastAlternativesAndPausedStreams) {
  auto d = parsed(
      "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rid:q send pt=96;max-width=320\r\n"
      "a=rid:h send\r\na=rid:x send\r\na=rid:r recv\r\na=simulcast:send q;~h,x recv r\r\n");
  const MediaSection& v = d.media[0];
  EXPECT_EQ(v.rids[0].params, "pt=96;max-width=320");
  EXPECT_FALSE(v.rids[3].send);
  ASSERT_EQ(v.simulcast.send.size(), 2u);
  EXPECT_EQ(v.simulcast.send[1], (std::vector<SimulcastRid>{{"h", true}, {"x", false}}));
  EXPECT_EQ(v.simulcast.recv, (SimulcastStreams{{{"r", false}}}));
  EXPECT_THAT(write(d), HasSubstr("a=simulcast:send q;~h,x recv r\r\n"));
  EXPECT_EQ(parsed(write(d)), d);
}

TEST(Sdp, ParsesExtmapDirectionsAndAttributes) {
  auto d = parsed(
      "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=extmap:6/recvonly urn:x:delay\r\n"
      "a=extmap:200 urn:x:big attr1 attr2\r\n");
  ASSERT_EQ(d.media[0].extmaps.size(), 2u);
  EXPECT_EQ(d.media[0].extmaps[0], (Extmap{6, Direction::recvonly, "urn:x:delay", ""}));
  EXPECT_EQ(d.media[0].extmaps[1], (Extmap{200, Direction::none, "urn:x:big", "attr1 attr2"}));
  EXPECT_EQ(parsed(write(d)), d);
}

TEST(Sdp, ParsesApplicationSections) {
  auto d = parsed(
      "v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:2\r\na=sctp-port:5000\r\n");
  EXPECT_EQ(d.media[0].kind, "application");
  EXPECT_EQ(d.media[0].formats, (std::vector<std::string>{"webrtc-datachannel"}));
  EXPECT_TRUE(d.media[0].codecs.empty());
  EXPECT_EQ(d.media[0].other, (std::vector<std::string>{"sctp-port:5000"}));
}

TEST(Sdp, RefusesMalformedInputNamingTheLine) {
  EXPECT_THAT(error_of(""), HasSubstr("no v= line"));
  EXPECT_THAT(error_of("\r\n\r\n"), HasSubstr("no v= line"));
  EXPECT_THAT(error_of("garbage"), StartsWith("line 1: expected <type>=<value>"));
  EXPECT_THAT(error_of("o=- 1 2 IN IP4 127.0.0.1\r\n"), StartsWith("line 1: expected v=0"));
  EXPECT_THAT(error_of("v=1\r\n"), StartsWith("line 1: unsupported version"));
  EXPECT_THAT(error_of("v=0\r\no=- 1 2\r\n"), StartsWith("line 2: o= line needs 6 fields"));
  EXPECT_THAT(error_of("v=0\r\ns=-\r\nm=audio 9\r\n"), StartsWith("line 3: m= line needs"));
  EXPECT_THAT(error_of("v=0\r\nm=audio x UDP/TLS/RTP/SAVPF 111\r\n"), HasSubstr("port \"x\""));
  EXPECT_THAT(error_of("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 abc\r\n"),
              StartsWith("line 2: m= line: payload type \"abc\" is not a number in 0-127"));
  EXPECT_THAT(error_of("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 128\r\n"),
              HasSubstr("payload type \"128\""));
  EXPECT_THAT(error_of("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 111\r\n"),
              HasSubstr("listed twice"));
  const std::string m = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";
  EXPECT_THAT(error_of(m + "a=rtpmap:x opus/48000/2\r\n"),
              StartsWith("line 3: a=rtpmap: payload type \"x\""));
  EXPECT_THAT(error_of(m + "a=rtpmap:111 opus\r\n"), HasSubstr("a=rtpmap needs"));
  EXPECT_THAT(error_of(m + "a=rtpmap:111 opus/fast/2\r\n"), HasSubstr("clock rate \"fast\""));
  EXPECT_THAT(error_of(m + "a=fmtp:-1 x=1\r\n"), HasSubstr("a=fmtp: payload type \"-1\""));
  EXPECT_THAT(error_of(m + "a=rtcp-fb:111\r\n"), HasSubstr("a=rtcp-fb needs a feedback type"));
  EXPECT_THAT(error_of(m + "a=extmap:0 urn:x\r\n"), HasSubstr("a=extmap: id \"0\""));
  EXPECT_THAT(error_of(m + "a=extmap:256 urn:x\r\n"), HasSubstr("a=extmap: id \"256\""));
  EXPECT_THAT(error_of(m + "a=extmap:1/sideways urn:x\r\n"), HasSubstr("unknown direction"));
  EXPECT_THAT(error_of(m + "a=extmap:1\r\n"), HasSubstr("a=extmap needs"));
  EXPECT_THAT(error_of(m + "a=setup:sometimes\r\n"), StartsWith("line 3: a=setup: unknown role"));
  EXPECT_THAT(error_of(m + "a=fingerprint:sha-256\r\n"), HasSubstr("a=fingerprint needs"));
  EXPECT_THAT(error_of(m + "a=rid:q sideways\r\n"), HasSubstr("not send or recv"));
  EXPECT_THAT(error_of(m + "a=simulcast:send\r\n"), HasSubstr("a=simulcast needs"));
  EXPECT_THAT(error_of(m + "a=simulcast:both q;h\r\n"), HasSubstr("expected send or recv"));
  EXPECT_THAT(error_of(m + "a=simulcast:send ~\r\n"), HasSubstr("empty rid"));
  EXPECT_THAT(error_of(m + "a=ssrc:abc cname:x\r\n"), HasSubstr("a=ssrc: \"abc\""));
  EXPECT_THAT(error_of(m + "a=ssrc:4294967296 cname:x\r\n"), HasSubstr("not a 32-bit number"));
  EXPECT_THAT(error_of(m + "a=ssrc-group:FID 1 x\r\n"), HasSubstr("a=ssrc-group: \"x\""));
  EXPECT_THAT(error_of(m + "a=candidate:1 1 udp 1 127.0.0.1 99999 typ host\r\n"),
              HasSubstr("a=candidate: bad"));
  EXPECT_THAT(error_of(m + "a=candidate:1 1 udp\r\n"), HasSubstr("a=candidate needs"));
  EXPECT_THAT(error_of(m + "a=mid:0\0x\r\n"s), HasSubstr("control character"));
  EXPECT_THAT(error_of(m + "A=mid:0\r\n"), StartsWith("line 3: expected <type>=<value>"));
}

TEST(Sdp, RefusesOversizedInput) {
  std::string big = "v=0\r\n";
  while (big.size() <= kMaxSize) big += "a=x-padding:0123456789012345678901234567890123456789\r\n";
  EXPECT_THAT(error_of(big), HasSubstr("SDP too large"));
  // Just under the cap is fine.
  std::string ok = "v=0\r\n";
  while (ok.size() + 60 < kMaxSize)
    ok += "a=x-padding:0123456789012345678901234567890123456789\r\n";
  EXPECT_TRUE(parse(ok));
}

TEST(Sdp, RefusesTooManyMediaSections) {
  std::string text = "v=0\r\n";
  for (size_t i = 0; i < kMaxMediaSections; ++i)
    text += "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:" + std::to_string(i) + "\r\n";
  auto d = parse(text);
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(d->media.size(), kMaxMediaSections);
  text += "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n";
  EXPECT_EQ(error_of(text), "line 34: more than 16 m= sections");
}

// The parser is total: mutated browser offers (fixed seed) never crash it, and whatever it
// accepts writes back to text that parses to the same value. Run under ASan/UBSan.
TEST(Sdp, SurvivesMutatedOffers) {
  std::mt19937 rng(20240611);
  const std::string alphabet = "=:; /\r\n0123456789aAvmoc~,-*\t\x80\xff";
  size_t accepted = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text = fixture(kFixtures[round % kFixtures.size()]);
    int edits = 1 + int(rng() % 8);
    for (int e = 0; e < edits; ++e) {
      size_t at = rng() % (text.size() + 1);
      switch (rng() % 4) {
        case 0:
          if (at < text.size()) text[at] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          text.insert(at, 1, alphabet[rng() % alphabet.size()]);
          break;
        case 2:
          text.erase(at, rng() % 40);
          break;
        default:
          text.resize(at);
          break;
      }
    }
    auto d = parse(text);
    if (!d) continue;
    ++accepted;
    std::string written = write(*d);
    if (written.size() > kMaxSize) continue;
    auto again = parse(written);
    ASSERT_TRUE(again) << "round " << round << ": " << again.error().message();
    ASSERT_EQ(*again, *d) << "round " << round;
  }
  EXPECT_GT(accepted, 100u);  // the mutations also exercise the success paths
}

TEST(Sdp, FmtpValue) {
  EXPECT_EQ(fmtp_value("level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
                       "profile-level-id"),
            "42e01f");
  EXPECT_EQ(fmtp_value("minptime=10; useinbandfec=1", "useinbandfec"), "1");
  EXPECT_EQ(fmtp_value("apt=96", "profile-level-id"), "");
  EXPECT_EQ(fmtp_value("", "x"), "");
}

}  // namespace
}  // namespace onair::webrtc::sdp
