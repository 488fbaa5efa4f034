#pragma once
// Sink: a player of a stream (an RTMP play session, an HTTP-FLV response). A sink lives on
// one event loop and every call to it is made on that loop.
#include "media/stream/frame.hpp"

namespace onair::media {

class Sink {
 public:
  virtual ~Sink() = default;
  // A frame to queue. Must not block; a sink that cannot keep up drops (see PlayerQueue).
  virtual void on_frame(const FramePtr& frame) = 0;
  // The publisher left. RTMP players are told and closed; HTTP-FLV players wait for a
  // republish (their response just pauses).
  virtual void on_unpublish() = 0;
  // False for the server's own consumers (the HLS segmenter): not counted as players.
  virtual bool is_player() const { return true; }
};

}  // namespace onair::media
