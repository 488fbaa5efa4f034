#pragma once
// Offer/answer for WHIP (RFC 9725) and WHEP (draft-ietf-wish-whep): given a browser's SDP
// offer, the side (publish or play), what the server can carry and our transport
// parameters, builds the SDP answer and a summary of what was agreed, which the transport
// (ICE-lite + DTLS + SRTP) and the RTP streams use. Pure: no sockets, clocks or logging.
//
// The answer follows JSEP (RFC 9429 5.3): the offer's m= sections in order, mids echoed,
// one BUNDLE transport (RFC 8843) with rtcp-mux, ICE-lite (RFC 8445 2.5) with all our
// candidates in every accepted section, and exactly one codec per section. Sections we
// cannot use (data channels, no common codec, wrong direction) get port 0 and leave the
// BUNDLE group (RFC 8843 7.3.3); if nothing is left the offer is refused (not_acceptable).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "media/webrtc/sdp.hpp"

namespace onair::webrtc {

// publish: WHIP, the browser sends (offer sendonly/sendrecv, answer recvonly).
// play: WHEP, the browser receives (offer recvonly/sendrecv, answer sendonly).
enum class Side : uint8_t { publish, play };
enum class MediaKind : uint8_t { audio, video };
// Our DTLS role (RFC 8842 5.3): server when we answer setup:passive, client for active.
enum class DtlsRole : uint8_t { server, client };

std::string_view to_string(MediaKind k);

// What the server accepts. Audio is always Opus 48 kHz stereo.
struct Capabilities {
  // Video codecs in order of preference; values "VP8" and "H264" (packetization-mode=1
  // only; profiles Constrained Baseline, Baseline, Main, High). Empty = no video.
  std::vector<std::string> video_codecs = {"VP8", "H264"};
};

// The codec a stream carries (play side): name as in rtpmap ("opus", "VP8", "H264").
struct SourceCodec {
  std::string name;
  std::string profile_level_id;  // H264 only, e.g. "42e01f"
  int packetization_mode = 1;    // H264 only
};

// One track we send to a viewer (play side).
struct PlayTrack {
  SourceCodec codec;
  uint32_t ssrc = 0;     // our SSRC for this m-line, chosen by the caller (random, unique)
  std::string track_id;  // a=msid track id
};

// Our side of the session.
struct LocalParams {
  std::string ice_ufrag;    // 4+ chars (RFC 8839 5.4); unique per transport
  std::string ice_pwd;      // 22+ chars
  std::string fingerprint;  // sha-256 of our certificate, "AB:CD:..."
  // Host candidates; component 1. For tcp set transport "tcp"; tcp_type defaults to
  // "passive" (RFC 6544: we only accept connections).
  std::vector<sdp::Candidate> candidates;
  std::string session_id = "0";  // o= line session id (random 63-bit decimal in production)
  // Play only: what we send. An unset kind cannot be played and its m-line is rejected.
  std::optional<PlayTrack> audio;
  std::optional<PlayTrack> video;
  std::string cname;      // a=ssrc cname, play only
  std::string stream_id;  // a=msid stream id, play only
};

struct CodecChoice {
  int payload_type = 0;  // the offer's number: the browser's mapping is used both ways
  std::string name;      // spelt "opus", "VP8" or "H264" whatever the offer's case
  uint32_t clock_rate = 0;
  uint32_t channels = 0;  // 2 for Opus, 0 for video
  std::string fmtp;       // what the answer says for this payload type
  bool operator==(const CodecChoice&) const = default;
};

// RTP header extension ids agreed (RFC 8285), the offer's numbers; 0 = not negotiated.
struct ExtensionIds {
  int mid = 0;            // urn:ietf:params:rtp-hdrext:sdes:mid (RFC 8843 15)
  int rid = 0;            // urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id (RFC 8852)
  int audio_level = 0;    // urn:ietf:params:rtp-hdrext:ssrc-audio-level (RFC 6464)
  int transport_cc = 0;   // draft-holmer-rmcat-transport-wide-cc-extensions-01
  int abs_send_time = 0;  // webrtc.org abs-send-time
  bool operator==(const ExtensionIds&) const = default;
};

// RTCP feedback agreed for the chosen codec (RFC 4585, RFC 5104).
struct Feedback {
  bool nack = false;
  bool pli = false;
  bool fir = false;
  bool remb = false;
  bool transport_cc = false;
  bool operator==(const Feedback&) const = default;
};

// One accepted m= section.
struct NegotiatedMedia {
  size_t index = 0;  // position of the m= section in offer and answer
  std::string mid;
  MediaKind kind = MediaKind::audio;
  sdp::Direction direction = sdp::Direction::recvonly;  // ours, as in the answer
  CodecChoice codec;
  ExtensionIds extensions;
  Feedback feedback;
  // Publish with simulcast: the rids in the offer's a=simulcast:send order (at most 3).
  std::vector<sdp::SimulcastRid> rids;
  // Publish: the browser's media SSRC from a=ssrc (the first of an FID group); 0 when not
  // signalled and with simulcast (Chromium lists no SSRCs then, and Firefox's a=ssrc lines
  // do not say which rid they belong to): learn them from the rid header extension.
  // Play: the browser's RTCP sender SSRC from a=ssrc if given, else 0.
  uint32_t remote_ssrc = 0;
  uint32_t local_ssrc = 0;  // play: our SSRC (LocalParams); publish: 0
  bool operator==(const NegotiatedMedia&) const = default;
};

struct Negotiated {
  std::string answer;  // SDP text, CRLF
  std::string remote_ufrag;
  std::string remote_pwd;
  sdp::Fingerprint remote_fingerprint;  // check the browser's DTLS certificate against it
  DtlsRole dtls_role = DtlsRole::server;
  std::vector<NegotiatedMedia> media;  // accepted sections, in offer order
  // Sections answered with port 0, one line each: "mid 2 (application): data channels are
  // not supported". RFC 9725's "no partially successful answers" says a WHIP endpoint
  // SHOULD refuse rather than reject single sections: a caller that wants that refuses
  // when this is not empty.
  std::vector<std::string> rejected;
};

// Builds the answer to `offer`. Errors:
//  - invalid_argument: no ICE ufrag/pwd, fingerprint or rtcp-mux, setup:holdconn, or a
//    proto other than UDP/TLS/RTP/SAVPF or TCP/DTLS/RTP/SAVPF; the message names it;
//  - not_acceptable: more than one audio or video section, accepted sections not all in
//    one BUNDLE group, or nothing acceptable ("no common video codec: offer has AV1;
//    server accepts VP8, H264").
Result<Negotiated> negotiate(const sdp::SessionDescription& offer, Side side,
                             const Capabilities& caps, const LocalParams& local);

// The same from SDP text; a parse error is invalid_argument "offer: line 7: ...".
Result<Negotiated> negotiate(std::string_view offer, Side side, const Capabilities& caps,
                             const LocalParams& local);

// H.264 (RFC 6184 8.1): whether a viewer that offers `offered` as profile-level-id can
// decode a stream with profile-level-id `source`. Rule: the first 4 hex digits
// (profile_idc and the profile-iop constraint flags) must be equal, case-insensitively, so
// Constrained Baseline (42e0) only matches 42e0, Main (4d00) only 4d00, and so on. The level
// (last 2 digits) is ignored: browsers offer level-asymmetry-allowed=1 and their decoders
// are not limited to the level they state; a strict level check would refuse 1080p (level
// 4.0) to every browser that offers 42e01f (level 3.1). An absent value means 420010
// (RFC 6184 8.1 default).
bool h264_profile_matches(std::string_view offered, std::string_view source);

}  // namespace onair::webrtc
