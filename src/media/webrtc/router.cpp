#include "media/webrtc/router.hpp"

#include <algorithm>

#include "media/webrtc/subscriber.hpp"

namespace onair::webrtc {

void Router::remove_consumer(Subscriber* s) {
  std::erase(consumers_, s);
}
void Router::remove_observer(RtpObserver* o) {
  std::erase(observers_, o);
}

void Router::forward(const Layer& layer, const rtp::Packet& p, bool keyframe, int64_t now_ms) {
  for (Subscriber* s : consumers_) s->forward(layer, p, keyframe, now_ms);
  for (RtpObserver* o : observers_) o->on_rtp(layer, p, now_ms);
}

void Router::skip(const Layer& layer, uint16_t seq) {
  for (Subscriber* s : consumers_) s->skip(layer, seq);
}

void Router::sender_report(const Layer& layer, uint64_t ntp, uint32_t rtp_timestamp) {
  for (RtpObserver* o : observers_) o->on_sender_report(layer, ntp, rtp_timestamp);
}

void Router::close() {
  if (closed_) return;
  closed_ = true;
  // Viewers of a stream that stopped end too; they may come back with a new WHEP request.
  auto consumers = std::move(consumers_);
  consumers_.clear();
  for (Subscriber* s : consumers) s->on_router_closed(this);
  auto observers = std::move(observers_);
  observers_.clear();
  for (RtpObserver* o : observers) o->on_router_closed();
}

}  // namespace onair::webrtc
