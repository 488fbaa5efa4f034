#pragma once
// The onair_bridge_* metrics of one direction of the bridge ("webrtc_to_rtmp",
// "rtmp_to_webrtc"), looked up once: the per-frame counters and histograms are references,
// so a frame costs a few relaxed atomic adds, no registry lookup.
//
// Latency (onair_bridge_latency_seconds{direction,kind}): from the arrival of the input that
// completes an output (the RTMP message of a frame, the RTP packet that completes a frame
// or an Opus packet) to the output handed on (packets to the router, a frame to the
// stream), jitter-buffer waits and worker queues included. Replayed GOP frames are not
// observed.
#include <cstdint>

#include "core/metrics.hpp"

namespace onair::bridge {

struct BridgeMetrics {
  static const BridgeMetrics& webrtc_to_rtmp();
  static const BridgeMetrics& rtmp_to_webrtc();

  Counter& drops(const char* reason) const;  // onair_bridge_drops_total{direction,reason}
  void video_latency_since(int64_t arrival_us) const;
  void audio_latency_since(int64_t arrival_us) const;

  const char* direction;
  Gauge& active;
  Counter& video_frames;
  Counter& audio_frames;
  Counter& keyframe_requests;
  Histogram& video_latency;
  Histogram& audio_latency;

 private:
  explicit BridgeMetrics(const char* direction);
};

// The steady clock in microseconds, as Frame::arrival_us.
int64_t steady_now_us();

}  // namespace onair::bridge
