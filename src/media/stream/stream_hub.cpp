#include "media/stream/stream_hub.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <chrono>

#include "core/ids.hpp"

namespace onair::media {

void Stream::publish_frame(std::shared_ptr<Frame> f) {
  std::lock_guard lock(mu_);
  f->seq = next_seq_++;
  info_.bytes_in += f->payload.size();
  FramePtr frame = std::move(f);
  if (frame->codec != Codec::none) {
    // The stream's codecs, from its frames: the first tagged one, and each sequence header
    // (a codec change mid-stream).
    std::string& slot = frame->kind == FrameKind::video ? info_.video_codec : info_.audio_codec;
    if (slot.empty() || frame->sequence_header) slot = codec_name(frame->codec);
  }
  if (!tracks_.known && !frame->sequence_header && frame->kind != FrameKind::script) {
    tracks_.known = true;
    tracks_.video = video_seq_ || frame->kind == FrameKind::video;
    tracks_.audio = audio_seq_ || frame->kind == FrameKind::audio;
  }
  if (frame->sequence_header) {
    (frame->kind == FrameKind::video ? video_seq_ : audio_seq_) = frame;
    if (tracks_.known) (frame->kind == FrameKind::video ? tracks_.video : tracks_.audio) = true;
  } else if (frame->kind == FrameKind::video && frame->keyframe) {
    gop_.clear();
    gop_bytes_ = 0;
    gop_.push_back(frame);
    gop_bytes_ += frame->payload.size();
  } else if (!gop_.empty() || !video_seq_) {
    // Inside a GOP, or an audio-only stream (bounded by bytes below).
    gop_.push_back(frame);
    gop_bytes_ += frame->payload.size();
    if (!video_seq_) {
      // Audio only: the last audio_cache_ms (timestamps are ms, wrapping at 32 bits).
      while (gop_.size() > 1 && int32_t(frame->timestamp - gop_.front()->timestamp) > int32_t(audio_cache_ms_)) {
        gop_bytes_ -= gop_.front()->payload.size();
        gop_.erase(gop_.begin());
      }
    }
    while (gop_bytes_ > gop_max_bytes_ && !gop_.empty()) {
      if (video_seq_) {
        // A GOP too long to keep: wait for the next keyframe.
        gop_.clear();
        gop_bytes_ = 0;
        break;
      }
      gop_bytes_ -= gop_.front()->payload.size();
      gop_.erase(gop_.begin());
    }
  }
  for (const auto& relay : relays_) {
    if (relay->count.load(std::memory_order_relaxed) == 0) continue;
    boost::asio::post(*relay->loop, [relay, frame] { relay->deliver(frame); });
  }
}

void Stream::Relay::deliver(const FramePtr& frame) {
  // Sinks never detach inside on_frame (they close later on this loop).
  for (const Attached& a : sinks)
    if (frame->seq >= a.from_seq) a.sink->on_frame(frame);
}

void Stream::set_metadata(std::shared_ptr<Frame> f, int width, int height, double fps) {
  std::lock_guard lock(mu_);
  if (width > 0) info_.width = width;
  if (height > 0) info_.height = height;
  if (fps > 0) info_.fps = fps;
  f->seq = next_seq_++;
  metadata_ = f;
  FramePtr frame = std::move(f);
  for (const auto& relay : relays_) {
    if (relay->count.load(std::memory_order_relaxed) == 0) continue;
    boost::asio::post(*relay->loop, [relay, frame] { relay->deliver(frame); });
  }
}

void Stream::begin_publish(const std::string& protocol) {
  std::lock_guard lock(mu_);
  publishing_ = true;
  metadata_.reset();
  video_seq_.reset();
  audio_seq_.reset();
  gop_.clear();
  gop_bytes_ = 0;
  tracks_ = Tracks{};
  hls_wanted_until_ms_ = 0;
  refusal_.clear();
  info_ = StreamInfo{};
  info_.name = name_;
  info_.source = protocol;
  info_.started_ms = unix_ms();
}

void Stream::end_publish() {
  std::lock_guard lock(mu_);
  publishing_ = false;
  metadata_.reset();
  video_seq_.reset();
  audio_seq_.reset();
  gop_.clear();
  gop_bytes_ = 0;
  for (const auto& relay : relays_) {
    if (relay->count.load(std::memory_order_relaxed) == 0) continue;
    boost::asio::post(*relay->loop, [relay] {
      // on_unpublish may close a sink, which detaches later: iterate a copy.
      auto sinks = relay->sinks;
      for (const Attached& a : sinks) a.sink->on_unpublish();
    });
  }
}

size_t Stream::attach(Sink* sink, boost::asio::io_context& loop) {
  std::vector<FramePtr> start;
  {
    std::lock_guard lock(mu_);
    auto it = std::find_if(relays_.begin(), relays_.end(), [&](const auto& r) { return r->loop == &loop; });
    if (it == relays_.end()) {
      auto r = std::make_shared<Relay>();
      r->loop = &loop;
      relays_.push_back(r);
      it = std::prev(relays_.end());
    }
    // What is published from now on comes through the relay; what came before, from here.
    (*it)->sinks.push_back(Attached{sink, next_seq_});
    (*it)->count.fetch_add(1, std::memory_order_relaxed);
    sinks_.fetch_add(1, std::memory_order_relaxed);
    if (sink->is_player()) ++players_;
    start.reserve(gop_.size() + 3);
    if (metadata_) start.push_back(metadata_);
    if (video_seq_) start.push_back(video_seq_);
    if (audio_seq_) start.push_back(audio_seq_);
    start.insert(start.end(), gop_.begin(), gop_.end());
  }
  // On `loop`: nothing the relay posts meanwhile can run before these.
  for (const auto& f : start) sink->on_frame(f);
  return start.size();
}

void Stream::detach(Sink* sink, boost::asio::io_context& loop) {
  std::lock_guard lock(mu_);
  for (const auto& r : relays_) {
    if (r->loop != &loop) continue;
    auto pos = std::find_if(r->sinks.begin(), r->sinks.end(), [&](const Attached& a) { return a.sink == sink; });
    if (pos != r->sinks.end()) {
      r->sinks.erase(pos);
      r->count.fetch_sub(1, std::memory_order_relaxed);
      sinks_.fetch_sub(1, std::memory_order_relaxed);
      if (sink->is_player() && players_ > 0) --players_;
    }
  }
}

namespace {
int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

bool Stream::wanted() const {
  return players_.load(std::memory_order_relaxed) > 0 || now_ms() < hls_wanted_until_ms_.load(std::memory_order_relaxed);
}

void Stream::want_hls() { hls_wanted_until_ms_.store(now_ms() + kHlsDemandMs, std::memory_order_relaxed); }

void Stream::clear_gop() {
  std::lock_guard lock(mu_);
  gop_.clear();
  gop_bytes_ = 0;
}

void Stream::set_refusal(std::string reason) {
  std::lock_guard lock(mu_);
  refusal_ = std::move(reason);
}

std::string Stream::refusal() const {
  std::lock_guard lock(mu_);
  return refusal_;
}

Tracks Stream::tracks() const {
  std::lock_guard lock(mu_);
  return tracks_;
}

void Stream::declare_tracks(bool audio, bool video) {
  std::lock_guard lock(mu_);
  tracks_ = Tracks{true, audio, video};
}

void Stream::set_bridge(const std::string& direction, bool running) {
  std::lock_guard lock(mu_);
  auto& b = info_.bridges;
  auto it = std::find(b.begin(), b.end(), direction);
  if (running && it == b.end()) b.push_back(direction);
  if (!running && it != b.end()) b.erase(it);
}

StreamInfo Stream::info() const {
  std::lock_guard lock(mu_);
  StreamInfo i = info_;
  i.name = name_;
  i.publishing = publishing_;
  i.players = players_;
  return i;
}

Result<StreamHub::Ticket> StreamHub::start_publish(const std::string& name, PublishRequest request) {
  Ticket t;
  bool tell = false;
  {
    std::lock_guard lock(mu_);
    Entry& e = streams_[name];
    if (!e.stream) e.stream = std::make_shared<Stream>(name, gop_max_bytes_, audio_cache_ms_);
    if (e.publisher != 0) {
      if (!request.takeover) return fail(ErrorCode::conflict, "stream " + name + " is already publishing");
      if (e.kick) e.kick();
      e.stream->end_publish();
      close_taps(e);
    }
    e.publisher = next_ticket_++;
    e.kick = std::move(request.kick);
    e.loop = request.loop;
    e.tapped = false;
    e.stream->begin_publish(request.protocol);
    t = Ticket{e.stream, e.publisher};
    // A takeover keeps a live stream live; otherwise it is live now or once announced.
    tell = request.announce && !e.live;
    e.live = e.live || request.announce;
  }
  if (tell && on_publish) on_publish(name);
  if (request.announce) open_taps(t);
  return t;
}

void StreamHub::announce(const Ticket& t) {
  bool tell = false;
  {
    std::lock_guard lock(mu_);
    auto it = streams_.find(t.stream->name());
    if (it == streams_.end() || it->second.publisher != t.id) return;
    tell = !std::exchange(it->second.live, true);
  }
  if (tell && on_publish) on_publish(t.stream->name());
  open_taps(t);
}

void StreamHub::open_taps(const Ticket& t) {
  boost::asio::io_context* loop = nullptr;
  std::vector<Tap*> taps;
  {
    std::lock_guard lock(mu_);
    auto it = streams_.find(t.stream->name());
    if (it == streams_.end() || it->second.publisher != t.id || it->second.tapped || !it->second.loop) return;
    it->second.tapped = true;
    loop = it->second.loop;
    taps = taps_;
  }
  std::vector<OpenTap> opened;
  for (Tap* tap : taps) {
    auto sink = tap->open(t.stream, *loop);
    if (!sink) continue;
    t.stream->attach(sink.get(), *loop);
    opened.push_back(OpenTap{tap, std::move(sink)});
  }
  std::lock_guard lock(mu_);
  auto it = streams_.find(t.stream->name());
  if (it != streams_.end() && it->second.publisher == t.id) {
    for (auto& o : opened) it->second.taps.push_back(std::move(o));
    return;
  }
  // Taken over or stopped while the taps opened (on another loop): close them here.
  for (auto& o : opened) {
    t.stream->detach(o.sink.get(), *loop);
    o.sink->on_unpublish();
    boost::asio::post(*loop, [tap = o.tap, sink = std::move(o.sink), stream = t.stream, loop]() mutable {
      tap->close(std::move(sink), stream, *loop);
    });
  }
}

void StreamHub::close_taps(Entry& e) {
  if (e.taps.empty()) return;
  // After the on_unpublish that end_publish() posted to the same loop.
  boost::asio::post(*e.loop, [taps = std::move(e.taps), stream = e.stream, loop = e.loop]() mutable {
    for (auto& o : taps) {
      stream->detach(o.sink.get(), *loop);
      o.tap->close(std::move(o.sink), stream, *loop);
    }
  });
  e.taps.clear();
}

void StreamHub::stop_publish(const Ticket& t) {
  bool was_live = false;
  {
    std::lock_guard lock(mu_);
    auto it = streams_.find(t.stream->name());
    if (it == streams_.end() || it->second.publisher != t.id) return;
    it->second.publisher = 0;
    it->second.kick = nullptr;
    was_live = std::exchange(it->second.live, false);
    t.stream->end_publish();
    close_taps(it->second);
    maybe_erase(t.stream->name());
  }
  if (was_live && on_unpublish) on_unpublish(t.stream->name());
}

void StreamHub::add_tap(Tap& tap) {
  std::lock_guard lock(mu_);
  taps_.push_back(&tap);
}

std::shared_ptr<Stream> StreamHub::stream_for_play(const std::string& name) {
  std::lock_guard lock(mu_);
  Entry& e = streams_[name];
  if (!e.stream) e.stream = std::make_shared<Stream>(name, gop_max_bytes_, audio_cache_ms_);
  ++e.players;
  return e.stream;
}

void StreamHub::release(const std::shared_ptr<Stream>& s) {
  std::lock_guard lock(mu_);
  auto it = streams_.find(s->name());
  if (it == streams_.end() || it->second.stream != s) return;
  if (it->second.players > 0) --it->second.players;
  maybe_erase(s->name());
}

bool StreamHub::kick(const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = streams_.find(name);
  if (it == streams_.end() || it->second.publisher == 0 || !it->second.kick) return false;
  it->second.kick();
  return true;
}

std::shared_ptr<Stream> StreamHub::published(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = streams_.find(name);
  if (it == streams_.end() || it->second.publisher == 0 || !it->second.live) return nullptr;
  return it->second.stream;
}

std::string StreamHub::refusal(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = streams_.find(name);
  if (it == streams_.end() || it->second.publisher == 0) return {};
  return it->second.stream->refusal();
}

std::vector<StreamInfo> StreamHub::list() const {
  std::lock_guard lock(mu_);
  std::vector<StreamInfo> out;
  for (const auto& [name, e] : streams_)
    if (e.publisher != 0) out.push_back(e.stream->info());
  return out;
}

void StreamHub::maybe_erase(const std::string& name) {
  auto it = streams_.find(name);
  if (it != streams_.end() && it->second.publisher == 0 && it->second.players == 0) streams_.erase(it);
}

}  // namespace onair::media
