#include "media/webrtc/publisher.hpp"

#include <openssl/rand.h>

#include <algorithm>

#include "media/webrtc/codec_h264.hpp"
#include "media/webrtc/codec_vp8.hpp"
#include "media/webrtc/rtcp.hpp"

namespace onair::webrtc {
namespace {

uint32_t random_u32() {
  uint32_t v = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v);
  return v ? v : 1;
}

uint64_t random_u64() {
  uint64_t v = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v);
  return v;
}

bool is_keyframe(const NegotiatedMedia& m, std::span<const uint8_t> payload) {
  if (m.codec.name == "VP8") return vp8::is_keyframe(payload);
  if (m.codec.name == "H264") return h264::is_keyframe(payload);
  return false;
}

std::optional<std::string_view> string_ext(const rtp::Packet& p, int id) {
  if (id <= 0) return std::nullopt;
  auto v = p.find_extension(uint8_t(id));
  if (!v) return std::nullopt;
  return rtp::ext::read_string(*v);
}

}  // namespace

Publisher::Publisher(std::string id, std::string stream, SessionOwner owner, Negotiated negotiated,
                     PublisherOptions options)
    : PeerSession(Kind::publish, std::move(id), std::move(stream), std::move(owner)),
      negotiated_(std::move(negotiated)),
      options_(std::move(options)),
      producer_id_(random_u64()),
      local_ssrc_(random_u32()),
      router_(this->stream(), *this) {
  for (const auto& m : negotiated_.media) {
    if (m.kind == MediaKind::audio && !audio_media_) {
      audio_media_ = &m;
      audio_.kind = MediaKind::audio;
      audio_.clock_rate = m.codec.clock_rate;
      audio_.ssrc = m.remote_ssrc;
      audio_.used = true;
    } else if (m.kind == MediaKind::video && !video_media_) {
      video_media_ = &m;
      video_layer_count_ = std::clamp<size_t>(m.rids.size(), 1, kMaxLayers);
      for (size_t i = 0; i < video_layer_count_; ++i) {
        Layer& l = video_[i];
        l.kind = MediaKind::video;
        l.index = i;
        l.rid = i < m.rids.size() ? m.rids[i].id : "";
        l.clock_rate = m.codec.clock_rate;
        l.ssrc = m.rids.empty() ? m.remote_ssrc : 0;
        l.cache = std::make_unique<PacketCache>(options_.packet_cache);
        l.used = true;
      }
    }
    if (m.extensions.transport_cc && m.feedback.transport_cc && !twcc_)
      twcc_ = std::make_unique<twcc::TwccRecorder>();
  }
}

Publisher::~Publisher() = default;

const NegotiatedMedia* Publisher::media(MediaKind kind) const {
  return kind == MediaKind::audio ? audio_media_ : video_media_;
}

void Publisher::on_transport_connected() {
  // The first keyframe comes unasked; ask anyway in case a viewer is already waiting.
  int64_t now = steady_ms();
  for (size_t i = 0; i < video_layer_count_; ++i) request_keyframe(i, now);
  if (options_.on_connected) options_.on_connected();
}

Publisher::Layer* Publisher::layer_for(const rtp::Packet& p) {
  uint32_t ssrc = p.ssrc();
  if (audio_.used && audio_.ssrc == ssrc) return &audio_;
  for (size_t i = 0; i < video_layer_count_; ++i)
    if (video_[i].ssrc == ssrc) return &video_[i];
  // A new SSRC: the mid and rid header extensions say what it is (RFC 8843 15, RFC 8852);
  // without them, the payload type.
  auto bind = [&](Layer& l) {
    l.ssrc = ssrc;
    l.stats = ReceiveStats(ssrc);
    l.nack.reset();
    if (l.cache) l.cache->clear();
    return &l;
  };
  int mid_id = audio_media_   ? audio_media_->extensions.mid
               : video_media_ ? video_media_->extensions.mid
                              : 0;
  if (auto mid = string_ext(p, mid_id)) {
    if (audio_media_ && *mid == audio_media_->mid) return bind(audio_);
    if (video_media_ && *mid == video_media_->mid) {
      if (video_media_->rids.empty()) return bind(video_[0]);
      if (auto rid = string_ext(p, video_media_->extensions.rid)) {
        for (size_t i = 0; i < video_layer_count_; ++i)
          if (video_[i].rid == *rid) return bind(video_[i]);
      }
      return nullptr;
    }
    return nullptr;
  }
  if (audio_media_ && p.payload_type() == audio_media_->codec.payload_type && audio_.ssrc == 0)
    return bind(audio_);
  if (video_media_ && video_media_->rids.empty() &&
      p.payload_type() == video_media_->codec.payload_type && video_[0].ssrc == 0)
    return bind(video_[0]);
  return nullptr;
}

void Publisher::on_rtp(uint8_t* packet, size_t len, int64_t now_us) {
  if (ended()) return;
  int64_t now_ms = now_us / 1000;
  auto parsed = rtp::Packet::parse(packet, len);
  if (!parsed) {
    ++counters_.malformed;
    return;
  }
  const rtp::Packet& p = *parsed;
  Layer* layer = layer_for(p);
  if (!layer) {
    ++counters_.unknown_ssrc;
    return;
  }
  const NegotiatedMedia& m = layer->kind == MediaKind::audio ? *audio_media_ : *video_media_;
  if (p.payload_type() != m.codec.payload_type) {  // RED, RTX or a codec we did not accept
    ++counters_.unknown_ssrc;
    return;
  }
  ++counters_.packets;
  ++layer->packets;
  layer->last_packet_ms = now_ms;
  if (twcc_) {
    if (auto v = p.find_extension(uint8_t(m.extensions.transport_cc)))
      if (auto seq = rtp::ext::read_transport_cc(*v)) twcc_->on_packet(*seq, now_us);
  }
  uint32_t arrival = uint32_t(now_us * int64_t(layer->clock_rate) / 1000000);
  layer->stats.on_packet(p.sequence_number(), p.timestamp(), arrival);
  auto nack = layer->nack.on_packet(p.sequence_number(), now_ms);
  if (nack.keyframe_needed) request_keyframe(layer->index, now_ms);

  if (layer->kind == MediaKind::audio && m.extensions.audio_level && options_.on_audio_level) {
    if (auto v = p.find_extension(uint8_t(m.extensions.audio_level)))
      if (auto a = rtp::ext::read_audio_level(*v))
        options_.on_audio_level(producer_id_, a->level, a->voice, now_ms);
  }
  // Padding-only packets are the browser probing bandwidth (no RTX negotiated): keep them
  // from the viewers without leaving a hole in their sequence numbers.
  if (p.payload_size() == 0) {
    router_.skip(*layer, p.sequence_number());
    return;
  }
  bool keyframe = false;
  if (layer->kind == MediaKind::video) {
    layer->cache->put(p.sequence_number(), {packet, len});
    keyframe = is_keyframe(m, p.payload());
    if (keyframe) ++layer->keyframes;
  }
  router_.forward(*layer, p, keyframe, now_ms);
}

void Publisher::on_rtcp(uint8_t* packet, size_t len, int64_t now_ms) {
  rtcp::CompoundReader reader(packet, len);
  rtcp::Packet p;
  while (reader.next(p)) {
    if (p.type != rtcp::kSenderReport)
      continue;  // receiver reports of a sendonly peer say nothing to us
    if (auto sr = rtcp::parse_sender_report(p)) {
      Layer* l = nullptr;
      if (audio_.ssrc == sr->sender_ssrc) l = &audio_;
      for (size_t i = 0; i < video_layer_count_; ++i)
        if (video_[i].ssrc == sr->sender_ssrc) l = &video_[i];
      if (l) {
        l->stats.on_sender_report(sr->info.ntp, sr->info.rtp_timestamp, now_ms * 1000);
        router_.sender_report(*l, sr->info.ntp, sr->info.rtp_timestamp);
      }
    }
  }
}

void Publisher::request_keyframe(size_t layer, int64_t now_ms) {
  if (layer >= video_layer_count_) return;
  Layer& l = video_[layer];
  if (now_ms - l.last_keyframe_request_ms < options_.keyframe_request_ms) return;
  send_pli(l, now_ms);
}

void Publisher::send_pli(Layer& l, int64_t now_ms) {
  if (!l.ssrc || !transport_ || !transport_->connected()) return;
  l.last_keyframe_request_ms = now_ms;
  uint8_t buf[64];
  size_t n = 0;
  if (video_media_->feedback.pli)
    n = rtcp::write_pli(buf, sizeof buf, local_ssrc_, l.ssrc);
  else if (video_media_->feedback.fir) {
    rtcp::FirEntry e{l.ssrc, ++fir_seq_};
    n = rtcp::write_fir(buf, sizeof buf, local_ssrc_, {&e, 1});
  }
  if (n && transport_->send_rtcp(buf, n)) ++counters_.plis_sent;
}

std::span<const uint8_t> Publisher::cached(size_t layer, uint16_t seq) const {
  if (layer >= video_layer_count_ || !video_[layer].cache) return {};
  return video_[layer].cache->get(seq);
}

void Publisher::tick(int64_t now_ms) {
  if (ended() || !transport_ || !transport_->connected()) return;
  uint8_t buf[1200];
  // NACKs for what is missing, re-asked at most every RTT (RFC 4585 6.2.1).
  for (size_t i = 0; i < video_layer_count_; ++i) {
    Layer& l = video_[i];
    if (!l.ssrc) continue;
    uint16_t lost[64];
    size_t n = l.nack.due(now_ms, 50, lost);
    if (n == 0) continue;
    size_t len = rtcp::write_nack(buf, sizeof buf, local_ssrc_, l.ssrc, {lost, n});
    if (len && transport_->send_rtcp(buf, len)) counters_.nacks_sent += n;
  }
  // Transport-wide feedback every 50 ms lets the browser's estimator grow the bitrate.
  if (twcc_ && now_ms >= next_twcc_ms_) {
    next_twcc_ms_ = now_ms + 50;
    uint32_t media_ssrc = video_layer_count_ ? video_[0].ssrc : audio_.ssrc;
    while (twcc_->has_unreported()) {
      size_t len = twcc_->build_feedback(local_ssrc_, media_ssrc, buf, sizeof buf);
      if (!len) break;
      transport_->send_rtcp(buf, len);
    }
  }
  if (now_ms >= next_report_ms_) {
    next_report_ms_ = now_ms + 1000;
    send_reports(now_ms);
  }
}

void Publisher::send_reports(int64_t now_ms) {
  rtcp::ReportBlock blocks[kMaxLayers + 1];
  uint32_t media_ssrcs[kMaxLayers + 1];
  size_t n = 0;
  auto add = [&](Layer& l) {
    if (!l.ssrc || !l.stats.started()) return;
    auto b = l.stats.report_block(now_ms * 1000);
    blocks[n] = {b.ssrc, b.fraction_lost, b.cumulative_lost, b.extended_highest_seq, b.jitter,
                 b.lsr,  b.dlsr};
    media_ssrcs[n] = l.ssrc;
    ++n;
  };
  if (audio_.used) add(audio_);
  for (size_t i = 0; i < video_layer_count_; ++i) add(video_[i]);
  uint8_t buf[600];
  size_t len = rtcp::write_receiver_report(buf, sizeof buf, local_ssrc_, {blocks, n});
  // Without transport-cc, REMB is how a browser learns it may send more (the
  // receiver-estimated maximum bitrate, draft-alvestrand-rmcat-remb).
  if (video_media_ && video_media_->feedback.remb && !twcc_ && n)
    len += rtcp::write_remb(buf + len, sizeof buf - len, local_ssrc_, 4'000'000, {media_ssrcs, n});
  if (len) transport_->send_rtcp(buf, len);
}

void Publisher::on_end() {
  router_.close();
}

}  // namespace onair::webrtc
