#include "media/stream/player_queue.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include <fmt/format.h>

#include <span>
#include <tuple>
#include <vector>

#include "core/metrics.hpp"

namespace onair::media {
namespace asio = boost::asio;

namespace {
Counter& drops_total() {
  static Counter& c = metrics().counter("onair_media_player_drops_total", "Frames players lost by falling behind");
  return c;
}
Counter& bytes_out_total() {
  static Counter& c = metrics().counter("onair_media_bytes_out_total", "Media bytes sent to players");
  return c;
}
Counter& closes_total(const char* reason) {
  return metrics().counter("onair_media_player_closes_total", "Players the server closed for not keeping up",
                           {{"reason", reason}});
}
}  // namespace

// StallWatch: one per event loop (an Asio service of its io_context, so it goes with it):
// every second it looks at the queues of that loop whose run() is under way and closes those
// whose write has made no progress for their stall time. One timer per loop, not per write.
class StallWatch : public asio::execution_context::service {
 public:
  static inline asio::execution_context::id id;
  explicit StallWatch(asio::execution_context& ctx)
      : service(ctx), timer_(std::make_unique<asio::steady_timer>(static_cast<asio::io_context&>(ctx))) {}

  static StallWatch& of(const asio::any_io_executor& ex) {
    return asio::use_service<StallWatch>(asio::query(ex, asio::execution::context));
  }
  void add(PlayerQueue* q) {
    q->watch_index_ = queues_.size();
    queues_.push_back(q);
    if (!armed_ && timer_) arm();
  }
  void remove(PlayerQueue* q) {
    size_t i = q->watch_index_;
    q->watch_index_ = SIZE_MAX;
    if (i >= queues_.size() || queues_[i] != q) return;
    queues_[i] = queues_.back();
    queues_[i]->watch_index_ = i;
    queues_.pop_back();
  }

 private:
  void shutdown() override { timer_.reset(); }
  void arm() {
    armed_ = true;
    timer_->expires_after(std::chrono::seconds(1));
    timer_->async_wait([this](boost::system::error_code ec) {
      armed_ = false;
      if (ec || !timer_) return;
      auto now = std::chrono::steady_clock::now();
      for (PlayerQueue* q : queues_)
        if (q->stall_.count() > 0 && q->stalled_since(now - q->stall_)) stalled_.push_back(q);
      // give_up() only closes the socket; each run() leaves the watch when it returns.
      for (PlayerQueue* q : stalled_) {
        closes_total("stalled").inc();
        q->give_up(fmt::format("stalled: the player took no bytes for {} s", q->stall_.count() / 1000.0));
      }
      stalled_.clear();
      if (!queues_.empty()) arm();
    });
  }

  std::unique_ptr<asio::steady_timer> timer_;
  std::vector<PlayerQueue*> queues_, stalled_;
  bool armed_ = false;
};

PlayerQueue::PlayerQueue(asio::any_io_executor ex, size_t soft_limit, size_t hard_limit, uint32_t merge_ms,
                         uint32_t stall_ms)
    : soft_limit_(soft_limit), hard_limit_(hard_limit), merge_(merge_ms), stall_(stall_ms), signal_(ex) {
  signal_.expires_at(asio::steady_timer::time_point::max());
}

namespace {

// One flush tick per event loop thread: queues with a merge window do not wake their writer
// on every frame; they sign up here, and every merge window the tick wakes them all at once.
// One timer per loop instead of one per player.
class FlushTick {
 public:
  static FlushTick& of_this_thread() {
    thread_local FlushTick tick;
    return tick;
  }
  void add(PlayerQueue* q, asio::any_io_executor ex, std::chrono::milliseconds period) {
    due_.push_back(q);
    if (armed_) return;
    if (!timer_) timer_ = std::make_unique<asio::steady_timer>(ex);
    armed_ = true;
    timer_->expires_after(period);
    timer_->async_wait([this](boost::system::error_code) {
      armed_ = false;
      std::swap(due_, flushing_);
      for (PlayerQueue* q : flushing_)
        if (q) q->flush_now();
      flushing_.clear();
    });
  }
  // A queue going away before its tick.
  void remove(PlayerQueue* q) {
    for (auto* list : {&due_, &flushing_})
      for (PlayerQueue*& p : *list)
        if (p == q) p = nullptr;
  }

 private:
  std::vector<PlayerQueue*> due_, flushing_;  // reused, no allocation per tick
  std::unique_ptr<asio::steady_timer> timer_;
  bool armed_ = false;
};

}  // namespace

PlayerQueue::~PlayerQueue() {
  if (scheduled_) FlushTick::of_this_thread().remove(this);
  if (watch_) watch_->remove(this);  // a run() that never finished (its loop went away)
}

void PlayerQueue::flush_now() {
  scheduled_ = false;
  flush_due_ = true;
  if (idle_) signal_.cancel();
}

// Wakes the writer when it waits for items; with a merge window, at the next loop tick.
void PlayerQueue::wake() {
  if (closed_ || close_when_drained_) {
    signal_.cancel();
    return;
  }
  if (!idle_ || scheduled_) return;
  if (merge_.count() > 0) {
    scheduled_ = true;
    FlushTick::of_this_thread().add(this, signal_.get_executor(), merge_);
  } else
    signal_.cancel();
}

void PlayerQueue::push(Item&& item) {
  bytes_ += item.size();
  items_.push_back(std::move(item));
  wake();
}

void PlayerQueue::push_control(std::string bytes) {
  if (closed_) return;
  auto owned = std::make_shared<const std::string>(std::move(bytes));
  Item it;
  it.body = *owned;
  it.keep = std::move(owned);
  it.droppable = false;
  push(std::move(it));
  // Control messages are never dropped, so a peer that asks for answers (pings) and reads
  // none of them is closed once they pile up (each costs an entry and an allocation more
  // than its few bytes: counted, not just measured).
  if (++control_queued_ > kMaxControl || bytes_ > hard_limit_) {
    closes_total("too_slow").inc();
    give_up("too slow: answers not read pile up");
  }
}

bool PlayerQueue::push_frame_owned(const FramePtr& frame, std::shared_ptr<const std::string> bytes) {
  std::string_view body = *bytes;
  if (!push_frame(frame, body, {}, {})) return false;
  // push_frame kept the frame alive; the bytes are what must stay.
  if (!items_.empty() && items_.back().body.data() == body.data()) items_.back().keep = std::move(bytes);
  return true;
}

bool PlayerQueue::push_frame(const FramePtr& frame, std::string_view body, std::string_view head, std::string_view tail) {
  if (closed_) return false;
  // Where a player that fell behind may resume: a video keyframe, or any audio frame of a
  // stream without video (radio: every AAC/Opus frame decodes alone).
  if (frame->kind == FrameKind::video) saw_video_ = true;
  bool resumes = frame->kind == FrameKind::video ? frame->keyframe || frame->sequence_header
                                                 : frame->kind == FrameKind::audio && !saw_video_;
  if (waiting_keyframe_) {
    if (!resumes) return true;
    waiting_keyframe_ = false;
  }
  if (bytes_ > soft_limit_ || items_.size() - in_flight_ >= kMaxQueued) {
    // Behind: forget queued media and skip to the next keyframe.
    drop_queued();
    ++drops_;
    drops_total().inc();
    if (bytes_ > hard_limit_ || drops_ > 1000) {
      closes_total("too_slow").inc();
      give_up(bytes_ > hard_limit_ ? "too slow: the queue stays over media.queue_hard_bytes"
                                   : "too slow: dropped to a keyframe 1000 times");
      return false;
    }
    if (!resumes) {
      waiting_keyframe_ = true;
      return true;
    }
  }
  Item it;
  it.keep = frame;
  it.body = body;
  it.head_len = uint8_t(std::min(head.size(), it.head.size()));
  std::copy_n(head.data(), it.head_len, it.head.data());
  it.tail_len = uint8_t(std::min(tail.size(), it.tail.size()));
  std::copy_n(tail.data(), it.tail_len, it.tail.data());
  push(std::move(it));
  return true;
}

// Removes the queued media behind the write in flight. Control items stay, moved up; the
// items being written are not touched (their bytes are what the write sends), and a deque
// keeps their addresses when the tail is popped.
void PlayerQueue::drop_queued() {
  size_t keep = in_flight_;
  for (size_t i = in_flight_; i < items_.size(); ++i) {
    Item& it = items_[i];
    if (it.droppable) {
      bytes_ -= it.size();
      continue;
    }
    if (i != keep) items_[keep] = std::move(it);
    ++keep;
  }
  while (items_.size() > keep) items_.pop_back();
}

void PlayerQueue::republished() { saw_video_ = false; }

void PlayerQueue::close() {
  closed_ = true;
  signal_.cancel();
}

void PlayerQueue::give_up(std::string reason) {
  close_reason_ = std::move(reason);
  closed_ = true;
  signal_.cancel();
  if (socket_) {
    // Ends the write that waits (and the reads of the session on the same socket).
    boost::system::error_code ec;
    socket_->shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    socket_->close(ec);
  }
}

asio::awaitable<void> PlayerQueue::run(asio::ip::tcp::socket& socket) {
  std::vector<asio::const_buffer> bufs;
  bufs.reserve(192);
  bool merging = merge_.count() > 0;
  // Cancelled (the HTTP-FLV reader saw the client go), the loop ends by itself instead of
  // throwing at its next co_await, so it always leaves the watch below.
  co_await asio::this_coro::throw_if_cancelled(false);
  socket_ = &socket;
  watch_ = &StallWatch::of(signal_.get_executor());
  watch_->add(this);
  while (!closed_) {
    if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none) break;
    if (items_.empty() && close_when_drained_) {
      boost::system::error_code ec;
      socket.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
      socket.close(ec);
      closed_ = true;
      break;
    }
    // With a merge window, frames that came during a write wait for the loop's next tick
    // too, instead of going out one by one right after it.
    if (items_.empty() || (merging && !flush_due_ && !close_when_drained_)) {
      if (!items_.empty() && !scheduled_) {
        scheduled_ = true;
        FlushTick::of_this_thread().add(this, signal_.get_executor(), merge_);
      }
      signal_.expires_at(asio::steady_timer::time_point::max());
      idle_ = true;
      co_await signal_.async_wait(asio::as_tuple(asio::use_awaitable));
      idle_ = false;
      continue;
    }
    // Gather what is queued (up to 64 items) into one writev.
    bufs.clear();
    size_t n = std::min<size_t>(items_.size(), 64);
    flush_due_ = items_.size() > n;  // what a full writev left behind goes next, at once
    in_flight_ = n;
    size_t total = 0;
    for (size_t i = 0; i < n; ++i) {
      const Item& it = items_[i];
      if (it.head_len) bufs.emplace_back(it.head.data(), it.head_len);
      if (!it.body.empty()) bufs.emplace_back(it.body.data(), it.body.size());
      if (it.tail_len) bufs.emplace_back(it.tail.data(), it.tail_len);
      total += it.size();
    }
    if (bufs.empty()) {  // only empty items
      for (size_t i = 0; i < n; ++i) {
        if (!items_.front().droppable) --control_queued_;
        items_.pop_front();
      }
      in_flight_ = 0;
      continue;
    }
    // Written piece by piece so the watch sees progress: a slow reader that takes bytes is
    // not stalled, one that takes none is. The first try writes at once (no wait, no timer).
    writing_ = true;
    progress_at_ = std::chrono::steady_clock::now();
    boost::system::error_code ec;
    size_t first = 0;
    while (first < bufs.size()) {
      size_t written;
      std::tie(ec, written) = co_await socket.async_write_some(std::span(bufs).subspan(first),
                                                               asio::as_tuple(asio::use_awaitable));
      if (ec) break;
      progress_at_ = std::chrono::steady_clock::now();
      sent_ += written;
      bytes_out_total().inc(written);
      while (first < bufs.size() && written >= bufs[first].size()) written -= bufs[first++].size();
      if (first < bufs.size()) bufs[first] += written;
    }
    writing_ = false;
    in_flight_ = 0;
    if (ec) {
      closed_ = true;
      break;
    }
    for (size_t i = 0; i < n; ++i) {
      if (!items_.front().droppable) --control_queued_;
      items_.pop_front();
    }
    bytes_ -= total;
  }
  watch_->remove(this);
  watch_ = nullptr;
  socket_ = nullptr;
}

}  // namespace onair::media
