#include "media/bridge/vp8_depacketizer.hpp"

#include "media/webrtc/codec_vp8.hpp"

namespace onair::bridge {

Vp8Depacketizer::Vp8Depacketizer(FrameCallback on_frame) : on_frame_(std::move(on_frame)) {}

void Vp8Depacketizer::lost() {
  ++counters_.lost;
  break_frame();
}

void Vp8Depacketizer::break_frame() {
  if (frame_open_) ++counters_.dropped_frames;
  frame_open_ = false;
  data_.clear();
  waiting_keyframe_ = true;
}

void Vp8Depacketizer::finish_frame() {
  frame_open_ = false;
  if (waiting_keyframe_ && !frame_key_) {
    ++counters_.dropped_frames;
    data_.clear();
    return;
  }
  waiting_keyframe_ = false;
  ++counters_.frames_out;
  if (frame_key_) ++counters_.keyframes;
  on_frame_(Vp8Frame{frame_ts_, frame_key_, frame_key_ ? width_ : 0, frame_key_ ? height_ : 0, data_});
  data_.clear();
}

void Vp8Depacketizer::push(uint16_t seq, uint32_t timestamp, bool marker, std::span<const uint8_t> payload) {
  ++counters_.packets;
  if (have_seq_ && seq != uint16_t(last_seq_ + 1)) {
    ++counters_.lost;
    break_frame();
  }
  have_seq_ = true;
  last_seq_ = seq;
  // A timestamp change ends the frame before it, whose marker was on a padding packet or
  // never set: with no gap in the sequence, it is whole.
  if (frame_open_ && timestamp != frame_ts_) finish_frame();
  if (payload.empty()) {
    ++counters_.empty;
    return;
  }
  auto d = webrtc::vp8::parse_descriptor(payload);
  if (!d || d->size >= payload.size()) {
    ++counters_.malformed;
    break_frame();
    return;
  }
  if (d->start && d->partition == 0) {
    if (frame_open_) break_frame();  // a second start for one timestamp
    frame_open_ = true;
    frame_ts_ = timestamp;
    frame_key_ = webrtc::vp8::is_keyframe(payload);
    if (auto r = webrtc::vp8::keyframe_resolution(payload)) {
      width_ = r->width;
      height_ = r->height;
    } else if (frame_key_) {
      ++counters_.malformed;  // a keyframe too short for its own header
      break_frame();
      return;
    }
  } else if (!frame_open_) {
    // The rest of a frame whose start was lost or dropped.
    if (marker) ++counters_.dropped_frames;
    return;
  }
  auto body = payload.subspan(d->size);
  if (data_.size() + body.size() > kMaxFrameBytes) {
    break_frame();
    return;
  }
  data_.insert(data_.end(), body.begin(), body.end());
  if (marker) finish_frame();
}

}  // namespace onair::bridge
