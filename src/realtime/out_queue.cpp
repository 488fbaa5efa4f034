#include "realtime/out_queue.hpp"

#include <algorithm>
#include <map>

#include "realtime/messages.hpp"
#include "realtime/websocket.hpp"

namespace onair::realtime {

OutFramePtr make_control_frame(std::string ws_frame) {
  auto f = std::make_shared<OutFrame>();
  f->bytes = std::move(ws_frame);
  return f;
}

bool OutQueue::push(OutFramePtr f) {
  if (f->droppable() && bytes_ + f->bytes.size() > soft_limit_) drop_oldest_batches();
  bytes_ += f->bytes.size();
  items_.push_back(std::move(f));
  return bytes_ <= hard_limit_;
}

void OutQueue::drop_oldest_batches() {
  // Drop from the oldest until half the soft limit is free, then say which seqs are gone.
  std::map<std::string, std::pair<uint64_t, uint64_t>> gaps;
  for (size_t i = head_ + in_flight_; i < items_.size() && bytes_ > soft_limit_ / 2; ++i) {
    OutFramePtr& it = items_[i];
    if (!it || !it->droppable()) continue;
    auto [g, fresh] = gaps.try_emplace(it->room, it->first, it->last);
    if (!fresh) {
      g->second.first = std::min(g->second.first, it->first);
      g->second.second = std::max(g->second.second, it->last);
    }
    bytes_ -= it->bytes.size();
    it.reset();
    ++dropped_;
  }
  for (const auto& [room, range] : gaps) {
    auto gap = make_control_frame(ws::encode(ws::Opcode::text, gap_json(room, range.first, range.second)));
    bytes_ += gap->bytes.size();
    items_.push_back(std::move(gap));
  }
}

size_t OutQueue::gather(std::array<boost::asio::const_buffer, kMaxGather>& bufs) {
  size_t n = 0;
  size_t i = head_;
  for (; i < items_.size() && n < kMaxGather; ++i) {
    if (items_[i]) bufs[n++] = boost::asio::buffer(items_[i]->bytes);
  }
  in_flight_ = i - head_;
  return n;
}

void OutQueue::written() {
  for (size_t i = head_; i < head_ + in_flight_; ++i) {
    if (items_[i]) bytes_ -= items_[i]->bytes.size();
    items_[i].reset();
  }
  head_ += in_flight_;
  in_flight_ = 0;
  // Skip dropped entries; when everything is sent, start over (an idle connection keeps
  // little memory).
  while (head_ < items_.size() && !items_[head_]) ++head_;
  if (head_ == items_.size()) {
    items_.clear();
    head_ = 0;
    if (items_.capacity() > 64) std::vector<OutFramePtr>().swap(items_);
  } else if (head_ > 256 && head_ * 2 > items_.size()) {
    items_.erase(items_.begin(), items_.begin() + std::ptrdiff_t(head_));
    head_ = 0;
  }
}

void OutQueue::clear_pending() {
  for (size_t i = head_ + in_flight_; i < items_.size(); ++i) {
    if (items_[i]) bytes_ -= items_[i]->bytes.size();
  }
  items_.resize(head_ + in_flight_);
}

}  // namespace onair::realtime
