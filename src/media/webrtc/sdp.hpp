#pragma once
// SDP (RFC 8866) as pure code: text in, a SessionDescription out, and back. It models what
// a WebRTC SFU negotiates in unified plan (RFC 8829/9429): the session's ICE and DTLS
// attributes, BUNDLE (RFC 8843), and per media section the codecs, header extensions
// (RFC 8285), rid/simulcast (RFC 8851/8853), SSRCs (RFC 5576) and candidates (RFC 8839).
// Attributes it does not model are kept in `other`, in order, so nothing is lost silently.
// parse() is total: any byte string gives a value or an Error naming the line, never a crash.
// No sockets, clocks or logging.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace onair::webrtc::sdp {

constexpr size_t kMaxSize = 64 * 1024;    // a browser offer is 3-8 KiB
constexpr size_t kMaxMediaSections = 16;  // WHIP/WHEP need 2

// a=sendrecv|sendonly|recvonly|inactive (RFC 8866 6.7); none = the line is absent.
enum class Direction : uint8_t { none, sendrecv, sendonly, recvonly, inactive };
// a=setup (RFC 4145 4, RFC 8842 5); none = the line is absent.
enum class Setup : uint8_t { none, actpass, active, passive, holdconn };

std::string_view to_string(Direction d);  // "" for none
std::string_view to_string(Setup s);      // "" for none

// o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address> (RFC 8866 5.2)
struct Origin {
  std::string username = "-";
  std::string session_id = "0";
  std::string session_version = "0";
  std::string net_type = "IN";
  std::string address_type = "IP4";
  std::string address = "127.0.0.1";
  bool operator==(const Origin&) const = default;
};

// a=fingerprint:<hash-func> <fingerprint> (RFC 8122 5); empty algorithm = absent.
struct Fingerprint {
  std::string algorithm;  // "sha-256", lower case as written
  std::string value;      // "AB:CD:..."
  bool empty() const { return algorithm.empty(); }
  bool operator==(const Fingerprint&) const = default;
};

// One payload type of an RTP m-line with what a=rtpmap, a=fmtp and a=rtcp-fb say about it.
struct Codec {
  int payload_type = 0;
  std::string name;  // "opus", "VP8", "H264", "rtx" as written; empty without rtpmap
  uint32_t clock_rate = 0;
  uint32_t channels = 0;             // 0 = not stated (1 for audio by RFC 4566 6)
  std::string fmtp;                  // the parameters after "a=fmtp:<pt> ", verbatim
  std::vector<std::string> rtcp_fb;  // "nack", "nack pli", "ccm fir", "transport-cc", ...
  bool operator==(const Codec&) const = default;
};

// a=extmap:<id>[/<direction>] <uri> [<attributes>] (RFC 8285 8)
struct Extmap {
  int id = 0;
  Direction direction = Direction::none;
  std::string uri;
  std::string attributes;
  bool operator==(const Extmap&) const = default;
};

// a=rid:<id> send|recv [<params>] (RFC 8851 10)
struct Rid {
  std::string id;
  bool send = true;    // false: recv
  std::string params;  // "pt=96;max-width=1280", verbatim
  bool operator==(const Rid&) const = default;
};

// One rid in a=simulcast (RFC 8853 5.1); a leading "~" marks it paused.
struct SimulcastRid {
  std::string id;
  bool paused = false;
  bool operator==(const SimulcastRid&) const = default;
};
// a=simulcast:send <streams> recv <streams>: streams are separated by ";" and the
// alternatives of one stream by ",". Outer vector = streams in order.
using SimulcastStreams = std::vector<std::vector<SimulcastRid>>;
struct Simulcast {
  SimulcastStreams send;
  SimulcastStreams recv;
  bool empty() const { return send.empty() && recv.empty(); }
  bool operator==(const Simulcast&) const = default;
};

// a=msid:<stream id> [<track id>] (RFC 8830 2)
struct Msid {
  std::string stream;
  std::string track;
  bool operator==(const Msid&) const = default;
};

// The a=ssrc:<ssrc> <attribute>:<value> lines of one SSRC (RFC 5576 4.1), merged.
struct Ssrc {
  uint32_t ssrc = 0;
  std::string cname;
  std::string msid;  // "stream track", verbatim
  bool operator==(const Ssrc&) const = default;
};

// a=ssrc-group:<semantics> <ssrc>... (RFC 5576 4.2): "FID" (RTX), "SIM", "FEC-FR".
struct SsrcGroup {
  std::string semantics;
  std::vector<uint32_t> ssrcs;
  bool operator==(const SsrcGroup&) const = default;
};

// a=candidate (RFC 8839 5.1).
struct Candidate {
  std::string foundation;
  int component = 1;
  std::string transport = "udp";  // "udp" / "tcp"; compare case-insensitively
  uint32_t priority = 0;
  std::string address;
  uint16_t port = 0;
  std::string type = "host";    // host, srflx, prflx, relay
  std::string related_address;  // raddr, empty if absent
  uint16_t related_port = 0;    // rport
  std::string tcp_type;         // "active", "passive", "so" (RFC 6544 4.5)
  std::string extensions;       // what follows ("generation 0 ufrag x ..."), verbatim
  bool operator==(const Candidate&) const = default;
};

// One m= section and its attributes.
struct MediaSection {
  std::string kind;  // "audio", "video", "application", or another token
  uint16_t port = 9;
  std::string proto;                 // "UDP/TLS/RTP/SAVPF", "UDP/DTLS/SCTP", ...
  std::vector<std::string> formats;  // payload types for RTP, "webrtc-datachannel" for SCTP
  std::string connection;            // c= value ("IN IP4 0.0.0.0"), empty if absent
  std::string rtcp;                  // a=rtcp value ("9 IN IP4 0.0.0.0"), empty if absent
  std::string mid;
  Direction direction = Direction::none;
  bool rtcp_mux = false;
  bool rtcp_mux_only = false;       // RFC 8858
  bool rtcp_rsize = false;          // RFC 5506
  bool bundle_only = false;         // RFC 8843 6
  bool extmap_allow_mixed = false;  // RFC 8285 6 (Firefox puts it here)
  // Transport attributes; empty/none = not stated here (the session level may state them).
  std::string ice_ufrag;
  std::string ice_pwd;
  std::string ice_options;
  Fingerprint fingerprint;
  Setup setup = Setup::none;
  std::vector<Codec> codecs;  // one per numeric format, in m-line order
  std::vector<Extmap> extmaps;
  std::vector<Rid> rids;
  Simulcast simulcast;
  std::optional<Msid> msid;
  std::vector<Ssrc> ssrcs;  // in order of first appearance
  std::vector<SsrcGroup> ssrc_groups;
  std::vector<Candidate> candidates;
  bool end_of_candidates = false;
  std::vector<std::string> other;  // unmodelled attribute lines, without "a="

  const Codec* codec(int payload_type) const;
  const Extmap* extmap(std::string_view uri) const;
  bool operator==(const MediaSection&) const = default;
};

struct SessionDescription {
  Origin origin;
  std::string session_name = "-";
  std::string timing = "0 0";
  std::string connection;  // session-level c=, empty if absent
  bool ice_lite = false;
  std::string ice_ufrag;
  std::string ice_pwd;
  std::string ice_options;
  Fingerprint fingerprint;
  Setup setup = Setup::none;
  Direction direction = Direction::none;  // session-level default (Firefox writes sendrecv)
  std::vector<std::string> bundle;        // mids of the first a=group:BUNDLE
  bool extmap_allow_mixed = false;
  std::string msid_semantic;       // "WMS", "WMS *", "WMS stream"; empty if absent
  std::vector<std::string> other;  // unmodelled session attribute lines, without "a="
  std::vector<MediaSection> media;

  bool operator==(const SessionDescription&) const = default;
};

// Parses an SDP body (CRLF or LF line ends). Errors are invalid_argument and name the
// 1-based line: "line 7: m= line: payload type \"x\" is not a number".
Result<SessionDescription> parse(std::string_view text);

// Writes the description with CRLF line ends; parse(write(d)) == d for what is modelled.
std::string write(const SessionDescription& d);

// The value of `key` in an fmtp parameter list ("k=v;k=v", RFC 8866 6.15), verbatim;
// "" when absent. fmtp_value("packetization-mode=1;profile-level-id=42e01f",
// "profile-level-id") == "42e01f".
std::string fmtp_value(std::string_view fmtp, std::string_view key);

}  // namespace onair::webrtc::sdp
