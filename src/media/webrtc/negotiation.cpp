#include "media/webrtc/negotiation.hpp"

#include <algorithm>

namespace onair::webrtc {
namespace {

using sdp::Direction;

constexpr std::string_view kUriMid = "urn:ietf:params:rtp-hdrext:sdes:mid";
constexpr std::string_view kUriRid = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
constexpr std::string_view kUriAudioLevel = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
constexpr std::string_view kUriTransportCc =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
constexpr std::string_view kUriAbsSendTime =
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";

// Opus fmtp in every answer (RFC 7587 7): 10 ms minimum packet time, in-band FEC on.
constexpr std::string_view kOpusFmtp = "minptime=10;useinbandfec=1";
constexpr size_t kMaxRids = 3;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

// Codecs that are not media of their own: retransmission (RFC 4588), redundancy (RFC 2198),
// FEC (RFC 5109, flexfec), comfort noise and DTMF.
bool is_auxiliary(std::string_view name) {
  for (std::string_view aux : {"rtx", "red", "ulpfec", "flexfec-03", "CN", "telephone-event"})
    if (iequals(name, aux)) return true;
  return false;
}

// Encoding names are case-insensitive (RFC 8866 6.6); the summary spells the ones we
// accept one way so that callers can compare with ==.
std::string canonical_name(std::string_view name) {
  for (std::string_view known : {"opus", "VP8", "H264"})
    if (iequals(name, known)) return std::string(known);
  return std::string(name);
}

bool is_opus(const sdp::Codec& c) {
  return iequals(c.name, "opus") && c.clock_rate == 48000 && c.channels == 2;
}

int packetization_mode(const sdp::Codec& c) {
  std::string v = sdp::fmtp_value(c.fmtp, "packetization-mode");
  return v == "1" ? 1 : v == "2" ? 2 : 0;  // RFC 6184 8.1: absent means 0
}

std::string profile_level_id(const sdp::Codec& c) {
  std::string v = sdp::fmtp_value(c.fmtp, "profile-level-id");
  return v.empty() ? "420010" : v;  // RFC 6184 8.1 default: Baseline level 1.0
}

// Publish: which H.264 profiles we take, best first. 0 is the best; -1 = not accepted.
// Constrained Baseline first: every browser encodes it, and RTMP/HLS players decode it.
int h264_rank(std::string_view plid) {
  if (plid.size() != 6) return -1;
  std::string_view p = plid.substr(0, 4);
  if (iequals(p, "42e0")) return 0;                // Constrained Baseline
  if (iequals(plid.substr(0, 2), "42")) return 1;  // Baseline (42001f) and other 42xx
  if (iequals(plid.substr(0, 2), "4d")) return 2;  // Main
  if (iequals(plid.substr(0, 2), "64")) return 3;  // High, Constrained High (640c)
  return -1;                                       // High 4:4:4 (f4) and others
}

// The media codec names of a section, each once, for error messages: "VP8, VP9, AV1".
std::string offered_names(const sdp::MediaSection& m) {
  std::vector<std::string> names;
  for (const auto& c : m.codecs) {
    std::string n = c.name.empty() ? "pt " + std::to_string(c.payload_type) : c.name;
    if (is_auxiliary(n)) continue;
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  }
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "nothing" : out;
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

struct Choice {
  const sdp::Codec* codec = nullptr;
  std::string reason;  // why none, when codec is null
};

Choice choose_audio(const sdp::MediaSection& m, Side side, const LocalParams& local) {
  if (side == Side::play) {
    if (!local.audio) return {nullptr, "the stream has no audio"};
    if (!iequals(local.audio->codec.name, "opus"))
      return {nullptr, "the stream's audio codec " + local.audio->codec.name + " cannot be sent"};
  }
  for (const auto& c : m.codecs)
    if (is_opus(c)) return {&c, ""};
  return {nullptr,
          "no common audio codec: offer has " + offered_names(m) + "; server accepts opus"};
}

Choice choose_video_publish(const sdp::MediaSection& m, const Capabilities& caps) {
  for (const auto& want : caps.video_codecs) {
    const sdp::Codec* best = nullptr;
    int best_rank = 0;
    for (const auto& c : m.codecs) {
      if (!iequals(c.name, want) || c.clock_rate != 90000) continue;
      if (iequals(want, "VP8")) return {&c, ""};
      if (!iequals(want, "H264") || packetization_mode(c) != 1) continue;
      int rank = h264_rank(profile_level_id(c));
      if (rank >= 0 && (!best || rank < best_rank)) best = &c, best_rank = rank;
    }
    if (best) return {best, ""};
  }
  return {nullptr, "no common video codec: offer has " + offered_names(m) + "; server accepts " +
                       (caps.video_codecs.empty() ? std::string("no video")
                                                  : join(caps.video_codecs, ", "))};
}

Choice choose_video_play(const sdp::MediaSection& m, const LocalParams& local) {
  if (!local.video) return {nullptr, "the stream has no video"};
  const SourceCodec& src = local.video->codec;
  std::string carried = src.name;
  for (const auto& c : m.codecs) {
    if (!iequals(c.name, src.name) || c.clock_rate != 90000) continue;
    if (!iequals(src.name, "H264")) return {&c, ""};
    if (packetization_mode(c) == src.packetization_mode &&
        h264_profile_matches(profile_level_id(c), src.profile_level_id))
      return {&c, ""};
  }
  if (iequals(src.name, "H264"))
    carried += " " + src.profile_level_id +
               " packetization-mode=" + std::to_string(src.packetization_mode);
  return {nullptr, "no common video codec: the stream carries " + carried + "; offer has " +
                       offered_names(m)};
}

// RTCP feedback we answer (RFC 4585 4.2): video NACK, PLI, FIR (RFC 5104), REMB and
// transport-cc; audio only transport-cc (no NACK for Opus: FEC covers loss).
bool keep_feedback(MediaKind kind, std::string_view fb, Feedback& f) {
  if (fb == "transport-cc") return f.transport_cc = true;
  if (kind == MediaKind::audio) return false;
  if (fb == "nack") return f.nack = true;
  if (fb == "nack pli") return f.pli = true;
  if (fb == "ccm fir") return f.fir = true;
  if (fb == "goog-remb") return f.remb = true;
  return false;
}

// The answer's direction for an offered extension direction (RFC 8285 7), or none to drop
// it: we only keep extensions that flow the way the media does.
std::optional<Direction> extmap_direction(Direction offered, Side side) {
  switch (offered) {
    case Direction::none:
    case Direction::sendrecv:
      return offered;
    case Direction::sendonly:  // the browser sends it: useful when we receive
      return side == Side::publish ? std::optional(Direction::recvonly) : std::nullopt;
    case Direction::recvonly:  // the browser receives it: useful when we send
      return side == Side::play ? std::optional(Direction::sendonly) : std::nullopt;
    case Direction::inactive:
      break;
  }
  return std::nullopt;
}

// Keeps the extensions the SFU uses, with the offer's ids (RFC 8285 6: the answer may not
// renumber them).
void keep_extensions(const sdp::MediaSection& offer, Side side, sdp::MediaSection& answer,
                     ExtensionIds& ids) {
  for (const auto& e : offer.extmaps) {
    int* slot = e.uri == kUriMid           ? &ids.mid
                : e.uri == kUriRid         ? &ids.rid
                : e.uri == kUriAudioLevel  ? &ids.audio_level
                : e.uri == kUriTransportCc ? &ids.transport_cc
                : e.uri == kUriAbsSendTime ? &ids.abs_send_time
                                           : nullptr;
    if (!slot || *slot) continue;
    auto dir = extmap_direction(e.direction, side);
    if (!dir) continue;
    *slot = e.id;
    answer.extmaps.push_back(sdp::Extmap{e.id, *dir, e.uri, ""});
  }
}

// RFC 8853 5.3.2: the answer receives the streams the offer sends, in the same order, one
// rid per stream (the first alternative), keeping the paused marks; at most kMaxRids, and
// only rids declared with a=rid send that allow our payload type (RFC 8851 6.1).
std::vector<sdp::SimulcastRid> simulcast_rids(const sdp::MediaSection& m, int payload_type) {
  std::vector<sdp::SimulcastRid> out;
  for (const auto& stream : m.simulcast.send) {
    if (out.size() == kMaxRids) break;
    const sdp::SimulcastRid& r = stream.front();
    auto declared = std::find_if(m.rids.begin(), m.rids.end(),
                                 [&](const sdp::Rid& d) { return d.id == r.id && d.send; });
    if (declared == m.rids.end()) continue;
    std::string pts = sdp::fmtp_value(declared->params, "pt");
    if (!pts.empty()) {
      bool allowed = false;
      size_t i = 0;
      while (i <= pts.size()) {
        size_t j = std::min(pts.find(',', i), pts.size());
        if (pts.substr(i, j - i) == std::to_string(payload_type)) allowed = true;
        i = j + 1;
      }
      if (!allowed) continue;
    }
    bool duplicate = std::any_of(out.begin(), out.end(),
                                 [&](const sdp::SimulcastRid& o) { return o.id == r.id; });
    if (!duplicate) out.push_back(r);
  }
  return out;
}

// The browser's SSRC: the first of an FID/SIM group (the media SSRC, RFC 5576 4.2), else
// the first a=ssrc.
uint32_t remote_ssrc(const sdp::MediaSection& m) {
  for (const auto& g : m.ssrc_groups)
    if ((g.semantics == "FID" || g.semantics == "SIM") && !g.ssrcs.empty()) return g.ssrcs.front();
  return m.ssrcs.empty() ? 0 : m.ssrcs.front().ssrc;
}

bool is_secure_rtp(std::string_view proto) {
  return proto == "UDP/TLS/RTP/SAVPF" || proto == "TCP/DTLS/RTP/SAVPF";
}

std::string label(const sdp::MediaSection& m, size_t index) {
  return "mid " + (m.mid.empty() ? "#" + std::to_string(index) : m.mid) + " (" + m.kind + ")";
}

void add_transport(sdp::MediaSection& a, const LocalParams& local, sdp::Setup setup) {
  a.ice_ufrag = local.ice_ufrag;
  a.ice_pwd = local.ice_pwd;
  a.fingerprint = {"sha-256", local.fingerprint};
  a.setup = setup;
  for (auto c : local.candidates) {
    if (iequals(c.transport, "tcp") && c.tcp_type.empty()) c.tcp_type = "passive";
    a.candidates.push_back(std::move(c));
  }
  a.end_of_candidates = true;
}

}  // namespace

std::string_view to_string(MediaKind k) {
  return k == MediaKind::audio ? "audio" : "video";
}

bool h264_profile_matches(std::string_view offered, std::string_view source) {
  if (offered.empty()) offered = "420010";
  if (source.empty()) source = "420010";
  return offered.size() >= 4 && source.size() >= 4 &&
         iequals(offered.substr(0, 4), source.substr(0, 4));
}

Result<Negotiated> negotiate(std::string_view offer, Side side, const Capabilities& caps,
                             const LocalParams& local) {
  auto parsed = sdp::parse(offer);
  if (!parsed) return std::unexpected(std::move(parsed.error()).with_context("offer"));
  return negotiate(*parsed, side, caps, local);
}

Result<Negotiated> negotiate(const sdp::SessionDescription& offer, Side side,
                             const Capabilities& caps, const LocalParams& local) {
  if (local.ice_ufrag.empty() || local.ice_pwd.empty() || local.fingerprint.empty())
    return fail(ErrorCode::internal, "negotiation: local ICE credentials or fingerprint not set");
  const std::string_view what = side == Side::publish ? "WHIP" : "WHEP";
  auto offered = [](const sdp::MediaSection& m) { return m.port != 0 || m.bundle_only; };

  // One audio and one video track (RFC 9725 "Single MediaStream"; WHEP alike).
  size_t audio = 0, video = 0;
  for (const auto& m : offer.media) {
    if (!offered(m)) continue;
    audio += m.kind == "audio";
    video += m.kind == "video";
  }
  if (audio > 1 || video > 1)
    return fail(ErrorCode::not_acceptable, std::string(what) +
                                               " takes one audio and one video track; offer has " +
                                               std::to_string(audio) + " audio and " +
                                               std::to_string(video) + " video sections");

  // The transport comes from the offerer's BUNDLE-tagged section (RFC 8843 7.2), else the
  // first section in use; media-level attributes override session-level ones.
  const sdp::MediaSection* tag = nullptr;
  if (!offer.bundle.empty())
    for (const auto& m : offer.media)
      if (m.mid == offer.bundle.front() && offered(m)) tag = &m;
  for (const auto& m : offer.media)
    if (!tag && offered(m)) tag = &m;
  if (!tag) return fail(ErrorCode::not_acceptable, "offer: no m= section in use");
  Negotiated out;
  out.remote_ufrag = !tag->ice_ufrag.empty() ? tag->ice_ufrag : offer.ice_ufrag;
  out.remote_pwd = !tag->ice_pwd.empty() ? tag->ice_pwd : offer.ice_pwd;
  out.remote_fingerprint = !tag->fingerprint.empty() ? tag->fingerprint : offer.fingerprint;
  sdp::Setup setup = tag->setup != sdp::Setup::none ? tag->setup : offer.setup;
  if (out.remote_ufrag.empty()) return fail(ErrorCode::invalid_argument, "offer: no a=ice-ufrag");
  if (out.remote_pwd.empty()) return fail(ErrorCode::invalid_argument, "offer: no a=ice-pwd");
  if (out.remote_fingerprint.empty())
    return fail(ErrorCode::invalid_argument,
                "offer: no a=fingerprint (DTLS-SRTP needs one, RFC 8827 6.5)");
  // RFC 8842 5.3: actpass and active make us the DTLS server, passive the client. (RFC 4145
  // 4.1: an absent setup means active.)
  sdp::Setup our_setup = sdp::Setup::passive;
  if (setup == sdp::Setup::passive) {
    our_setup = sdp::Setup::active;
    out.dtls_role = DtlsRole::client;
  } else if (setup == sdp::Setup::holdconn) {
    return fail(ErrorCode::invalid_argument,
                "offer: a=setup:holdconn: no DTLS connection is wanted");
  }

  sdp::SessionDescription answer;
  answer.origin = {"-", local.session_id, "2", "IN", "IP4", "127.0.0.1"};
  answer.ice_lite = true;
  answer.msid_semantic = "WMS *";
  std::string connection = "IN IP4 0.0.0.0";
  if (!local.candidates.empty()) {
    const std::string& ip = local.candidates.front().address;
    connection = (ip.find(':') != std::string::npos ? "IN IP6 " : "IN IP4 ") + ip;
  }

  for (size_t i = 0; i < offer.media.size(); ++i) {
    const sdp::MediaSection& m = offer.media[i];
    sdp::MediaSection a;
    a.kind = m.kind;
    a.proto = m.proto;
    a.mid = m.mid;
    auto reject = [&](std::string reason) {
      // RFC 3264 6 / RFC 8843 7.3.3: port 0, one of the offered formats, the mid kept.
      a.port = 0;
      a.formats = {m.formats.empty() ? std::string("0") : m.formats.front()};
      a.connection = "IN IP4 0.0.0.0";
      answer.media.push_back(std::move(a));
      out.rejected.push_back(label(m, i) + ": " + std::move(reason));
    };
    if (!offered(m)) {
      reject("rejected in the offer");
      continue;
    }
    if (m.kind == "application") {
      reject("data channels are not supported");
      continue;
    }
    if (m.kind != "audio" && m.kind != "video") {
      reject("unsupported media kind");
      continue;
    }
    if (!is_secure_rtp(m.proto))
      return fail(ErrorCode::invalid_argument, "offer: " + label(m, i) + ": proto " + m.proto +
                                                   " is not UDP/TLS/RTP/SAVPF (RFC 8827 6.5)");
    if (!m.rtcp_mux)
      return fail(ErrorCode::invalid_argument,
                  "offer: " + label(m, i) + ": no a=rtcp-mux (RFC 8834 4.5)");
    if (m.mid.empty())
      return fail(ErrorCode::invalid_argument,
                  "offer: m= section " + std::to_string(i) + ": no a=mid");

    Direction dir = m.direction != Direction::none       ? m.direction
                    : offer.direction != Direction::none ? offer.direction
                                                         : Direction::sendrecv;
    MediaKind kind = m.kind == "audio" ? MediaKind::audio : MediaKind::video;
    if (side == Side::publish && dir != Direction::sendonly && dir != Direction::sendrecv) {
      reject("offered " + std::string(sdp::to_string(dir)) + ", WHIP needs sendonly or sendrecv");
      continue;
    }
    if (side == Side::play && dir != Direction::recvonly && dir != Direction::sendrecv) {
      reject("offered " + std::string(sdp::to_string(dir)) + ", WHEP needs recvonly or sendrecv");
      continue;
    }

    // One codec per section, and no RTX (RFC 4588): the SFU answers a NACK by resending the
    // packet from its cache on the original SSRC and sequence number, which a browser's jitter
    // buffer takes as a late packet, so no second SSRC per track is rewritten and tracked. No
    // RED (RFC 2198), ULPFEC or FlexFEC either: the SFU would have to unwrap and re-protect
    // per viewer; NACK covers video loss and Opus in-band FEC covers audio. No AV1 or VP9:
    // the SFU's keyframe detection and rewriting know VP8 and H.264 only, and only H.264
    // can be bridged to RTMP/HLS.
    Choice choice = kind == MediaKind::audio ? choose_audio(m, side, local)
                    : side == Side::publish  ? choose_video_publish(m, caps)
                                             : choose_video_play(m, local);
    if (!choice.codec) {
      reject(std::move(choice.reason));
      continue;
    }
    const sdp::Codec& c = *choice.codec;

    NegotiatedMedia n;
    n.index = i;
    n.mid = m.mid;
    n.kind = kind;
    n.direction = side == Side::publish ? Direction::recvonly : Direction::sendonly;
    n.codec = {c.payload_type, canonical_name(c.name), c.clock_rate, c.channels,
               kind == MediaKind::audio ? std::string(kOpusFmtp) : c.fmtp};

    a.port = 9;
    a.formats = {std::to_string(c.payload_type)};
    a.connection = connection;
    add_transport(a, local, our_setup);
    a.direction = n.direction;
    a.rtcp_mux = true;
    a.rtcp_rsize = m.rtcp_rsize;
    keep_extensions(m, side, a, n.extensions);
    sdp::Codec ac{c.payload_type, n.codec.name, c.clock_rate, c.channels, n.codec.fmtp, {}};
    for (const auto& fb : c.rtcp_fb)
      if (keep_feedback(kind, fb, n.feedback)) ac.rtcp_fb.push_back(fb);
    a.codecs.push_back(std::move(ac));

    if (side == Side::publish) {
      n.remote_ssrc = remote_ssrc(m);
      if (kind == MediaKind::video && !m.simulcast.send.empty() && n.extensions.rid) {
        n.rids = simulcast_rids(m, c.payload_type);
        if (!n.rids.empty()) n.remote_ssrc = 0;  // one SSRC per rid, learnt from the rid extension
        for (const auto& r : n.rids) {
          a.rids.push_back(sdp::Rid{r.id, false, ""});
          a.simulcast.recv.push_back({r});
        }
      }
    } else {
      const PlayTrack& track = kind == MediaKind::audio ? *local.audio : *local.video;
      n.remote_ssrc = remote_ssrc(m);
      n.local_ssrc = track.ssrc;
      a.msid = sdp::Msid{local.stream_id, track.track_id};
      a.ssrcs.push_back(sdp::Ssrc{track.ssrc, local.cname, ""});
    }
    out.media.push_back(std::move(n));
    answer.media.push_back(std::move(a));
  }

  if (out.media.empty()) return fail(ErrorCode::not_acceptable, join(out.rejected, ". "));
  // All accepted sections share one transport, so they must all be in the offer's BUNDLE
  // group (RFC 8843 7.3); a single section needs no group.
  for (const auto& n : out.media) {
    bool bundled = std::find(offer.bundle.begin(), offer.bundle.end(), n.mid) != offer.bundle.end();
    if (out.media.size() > 1 && !bundled)
      return fail(ErrorCode::not_acceptable, "offer: mid " + n.mid + " is not in a=group:BUNDLE; " +
                                                 std::string(what) +
                                                 " needs one bundled transport");
    if (bundled) answer.bundle.push_back(n.mid);
  }
  answer.extmap_allow_mixed =
      offer.extmap_allow_mixed ||
      std::any_of(offer.media.begin(), offer.media.end(),
                  [](const sdp::MediaSection& m) { return m.extmap_allow_mixed; });
  out.answer = sdp::write(answer);
  return out;
}

}  // namespace onair::webrtc
