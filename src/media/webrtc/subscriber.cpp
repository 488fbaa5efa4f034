#include "media/webrtc/subscriber.hpp"

#include <openssl/rand.h>

#include <chrono>

#include "media/webrtc/rtcp.hpp"

namespace onair::webrtc {
namespace {

template <class T>
T random_value() {
  T v{};
  RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v);
  return v;
}

}  // namespace

Subscriber::Subscriber(std::string id, std::string stream, SessionOwner owner,
                       Negotiated negotiated, Router& router, size_t layer, uint32_t drop_every)
    : PeerSession(Kind::play, std::move(id), std::move(stream), std::move(owner)),
      negotiated_(std::move(negotiated)),
      router_(&router),
      source_(&router.producer()),
      wanted_layer_(layer),
      drop_every_(drop_every) {
  for (const auto& m : negotiated_.media) {
    Consumer& c = m.kind == MediaKind::audio ? audio_ : video_;
    if (c.media) continue;
    c.media = &m;
    c.ssrc = m.local_ssrc;
    c.vp8 = m.kind == MediaKind::video && m.codec.name == "VP8";
    // RFC 3550 5.1: random initial sequence number and timestamp.
    c.rewriter.emplace(random_value<uint16_t>(), random_value<uint32_t>(), m.codec.clock_rate);
    c.stats.emplace(m.local_ssrc, m.codec.clock_rate);
  }
  video_.target = std::min(layer, source_->video_layers() ? source_->video_layers() - 1 : 0);
  router.add_consumer(this);
}

Subscriber::~Subscriber() {
  if (router_) router_->remove_consumer(this);
}

void Subscriber::on_transport_connected() {
  // A new viewer needs a keyframe to start (notes 9: ask on join).
  if (source_ && video_.media) {
    source_->request_keyframe(video_.target, steady_ms());
    source_->consumer_ready(this, steady_ms());
  }
}

size_t Subscriber::usable_layer(size_t wanted, int64_t now_ms) const {
  // A layer the browser stopped sending (its bandwidth estimate is too low for it) cannot
  // be switched to: take the best one below it that is flowing.
  size_t n = source_ ? source_->video_layers() : 0;
  if (n <= 1) return 0;
  for (size_t i = std::min(wanted, n - 1) + 1; i-- > 0;) {
    const Layer* l = source_->video_layer(i);
    if (l && l->ssrc && now_ms - l->last_packet_ms < 1000) return i;
  }
  return std::min(wanted, n - 1);
}

void Subscriber::set_layer(size_t layer, int64_t now_ms) {
  wanted_layer_ = layer;
  size_t usable = usable_layer(layer, now_ms);
  if (usable != video_.target) {
    video_.target = usable;
    if (source_) source_->request_keyframe(usable, now_ms);
  }
}

void Subscriber::forward(const Layer& layer, const rtp::Packet& p, bool keyframe, int64_t now_ms) {
  if (ended() || !transport_->connected()) return;
  Consumer& c = layer.kind == MediaKind::audio ? audio_ : video_;
  if (!c.media) return;
  bool switched = false;
  if (layer.kind == MediaKind::video && layer.index != c.current) {
    // Start or change layers only where the decoder can: at a keyframe of the target.
    if (layer.index != c.target || !keyframe) return;
    c.current = layer.index;
    switched = true;
  } else if (layer.kind == MediaKind::audio && c.rewriter->source() != layer.ssrc) {
    switched = true;  // the first packet, or the browser changed its audio SSRC
  }
  send(c, layer, p, switched, now_ms);
}

bool Subscriber::send(Consumer& c, const Layer& layer, const rtp::Packet& p, bool switched,
                      int64_t now_ms, bool retransmission) {
  int64_t now_us = now_ms * 1000;
  std::optional<RtpNumbers> numbers;
  if (switched || !c.rewriter->started())
    numbers = c.rewriter->switch_source(layer.ssrc, p.sequence_number(), p.timestamp(), now_us);
  else
    numbers = c.rewriter->rewrite(layer.ssrc, p.sequence_number(), p.timestamp(), now_us);
  if (!numbers) return false;
  if (drop_every_ && layer.kind == MediaKind::video && !retransmission && !switched &&
      ++video_sent_ % drop_every_ == 0) {
    ++counters_.dropped_for_test;  // numbered but never sent: the viewer sees a gap
    return true;
  }

  const NegotiatedMedia& m = *c.media;
  rtp::Extension exts[4];
  size_t n = 0;
  if (m.extensions.mid) exts[n++] = {uint8_t(m.extensions.mid), rtp::ext::string_value(m.mid)};
  std::array<uint8_t, 2> tcc;
  if (m.extensions.transport_cc) {
    tcc = rtp::ext::transport_cc_value(transport_seq_++);
    exts[n++] = {uint8_t(m.extensions.transport_cc), tcc};
  }
  std::array<uint8_t, 3> ast;
  if (m.extensions.abs_send_time) {
    ast = rtp::ext::abs_send_time_value(rtp::ext::abs_send_time_from_us(now_us));
    exts[n++] = {uint8_t(m.extensions.abs_send_time), ast};
  }
  if (m.extensions.audio_level && layer.kind == MediaKind::audio) {
    const NegotiatedMedia* src = source_->media(MediaKind::audio);
    if (src && src->extensions.audio_level)
      if (auto v = p.find_extension(uint8_t(src->extensions.audio_level)); v && v->size() >= 1)
        exts[n++] = {uint8_t(m.extensions.audio_level), v->first(1)};
  }
  rtp::Header h;
  h.marker = p.marker();
  h.payload_type = uint8_t(m.codec.payload_type);
  h.sequence_number = numbers->seq;
  h.timestamp = numbers->timestamp;
  h.ssrc = c.ssrc;
  uint8_t* slot = transport_->rtp_slot();
  size_t size = rtp::write_rtp(slot, UdpServer::kSlotSize - SrtpSession::kMaxTrailer, h, {exts, n},
                               p.payload());
  if (!size) return false;
  if (c.vp8) c.picture_ids.rewrite({slot + size - p.payload_size(), p.payload_size()}, switched);
  if (!transport_->commit_rtp(size)) return false;
  c.stats->on_packet_sent(numbers->timestamp, uint32_t(p.payload_size()), now_us);
  ++counters_.packets;
  return true;
}

void Subscriber::skip(const Layer& layer, uint16_t seq) {
  Consumer& c = layer.kind == MediaKind::audio ? audio_ : video_;
  if (!c.media || !c.rewriter->started() || c.rewriter->source() != layer.ssrc) return;
  c.rewriter->skip(layer.ssrc, seq);
}

void Subscriber::answer_nack(Consumer& c, uint16_t out_seq, int64_t now_ms) {
  ++counters_.nacks;
  auto src = c.rewriter->source_seq(out_seq);
  if (!src || !source_ || c.current == kNoLayer) {
    ++counters_.nack_misses;
    return;
  }
  auto bytes = source_->cached(c.current, *src);
  auto p = rtp::Packet::parse(bytes);
  const Layer* layer = source_->video_layer(c.current);
  if (bytes.empty() || !p || !layer || p->ssrc() != layer->ssrc) {
    ++counters_.nack_misses;
    return;
  }
  if (send(c, *layer, *p, false, now_ms, true)) ++counters_.retransmitted;
}

void Subscriber::on_rtcp(uint8_t* packet, size_t len, int64_t now_ms) {
  rtcp::CompoundReader reader(packet, len);
  rtcp::Packet p;
  while (reader.next(p)) {
    if (p.type == rtcp::kReceiverReport || p.type == rtcp::kSenderReport) {
      rtcp::ReportBlocks blocks;
      if (p.type == rtcp::kReceiverReport) {
        if (auto rr = rtcp::parse_receiver_report(p)) blocks = rr->blocks;
      } else if (auto sr = rtcp::parse_sender_report(p)) {
        blocks = sr->blocks;
      }
      for (const rtcp::ReportBlock b : blocks) {
        Consumer* c = b.ssrc == audio_.ssrc ? &audio_ : b.ssrc == video_.ssrc ? &video_ : nullptr;
        if (c && c->stats)
          c->stats->on_report_block(
              {b.ssrc, b.fraction_lost, b.cumulative_lost, b.extended_highest_seq, b.jitter,
               b.last_sr, b.delay_since_last_sr},
              now_ms * 1000);
      }
    } else if (p.type == rtcp::kRtpFeedback && p.count == rtcp::kFmtNack) {
      if (auto nack = rtcp::parse_nack(p); nack && nack->media_ssrc == video_.ssrc && video_.media)
        nack->for_each_lost([&](uint16_t seq) { answer_nack(video_, seq, now_ms); });
    } else if (p.type == rtcp::kPayloadFeedback &&
               (p.count == rtcp::kFmtPli || p.count == rtcp::kFmtFir)) {
      ++counters_.plis;
      if (source_ && video_.media)
        source_->request_keyframe(video_.current == kNoLayer ? video_.target : video_.current,
                                  now_ms);
    }
  }
}

void Subscriber::tick(int64_t now_ms) {
  if (ended() || !transport_->connected() || !source_) return;
  if (video_.media) {
    // Follow the layers the browser really sends, and keep asking while waiting for a
    // keyframe (the publisher throttles the requests).
    size_t usable = usable_layer(wanted_layer_, now_ms);
    if (usable != video_.target) video_.target = usable;
    if (video_.current != video_.target) source_->request_keyframe(video_.target, now_ms);
  }
  if (now_ms < next_report_ms_) return;
  next_report_ms_ = now_ms + 1000;
  // RFC 3550 6.4.1: one SR per stream we send, with SDES CNAME (6.5.1) in the compound.
  uint8_t buf[400];
  size_t len = 0;
  for (Consumer* c : {&audio_, &video_}) {
    if (!c->media || !c->stats) continue;
    // The RTP time is extrapolated on the loop's steady clock; the NTP time of that same
    // instant is the wall clock's.
    int64_t wall_us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
    auto info = c->stats->sender_info(now_ms * 1000, wall_us);
    if (!info) continue;
    rtcp::SenderInfo si{info->ntp, info->rtp_timestamp, info->packet_count, info->octet_count};
    len += rtcp::write_sender_report(buf + len, sizeof buf - len, c->ssrc, si);
  }
  if (len == 0) return;
  len += rtcp::write_sdes_cname(buf + len, sizeof buf - len,
                                video_.media ? video_.ssrc : audio_.ssrc, id());
  transport_->send_rtcp(buf, len);
}

void Subscriber::on_router_closed(Router* r) {
  if (r != router_) return;
  router_ = nullptr;
  source_ = nullptr;
  end("the stream stopped");
}

void Subscriber::on_end() {
  if (router_) router_->remove_consumer(this);
  router_ = nullptr;
  source_ = nullptr;
}

}  // namespace onair::webrtc
