#include "media/bridge/bridge_metrics.hpp"

#include <chrono>

namespace onair::bridge {
namespace {

const std::vector<double> kLatencyBuckets = {0.001, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1};

}  // namespace

int64_t steady_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

BridgeMetrics::BridgeMetrics(const char* d)
    : direction(d),
      active(metrics().gauge("onair_bridge_active", "Bridges running", {{"direction", d}})),
      video_frames(metrics().counter("onair_bridge_frames_total", "Frames a bridge produced",
                                     {{"direction", d}, {"kind", "video"}})),
      audio_frames(metrics().counter("onair_bridge_frames_total", "Frames a bridge produced",
                                     {{"direction", d}, {"kind", "audio"}})),
      keyframe_requests(metrics().counter("onair_bridge_keyframe_requests_total",
                                          "Keyframes a bridge asked a WebRTC publisher for", {{"direction", d}})),
      video_latency(metrics().histogram("onair_bridge_latency_seconds",
                                        "From an input's arrival to the bridge's output it completes",
                                        kLatencyBuckets, {{"direction", d}, {"kind", "video"}})),
      audio_latency(metrics().histogram("onair_bridge_latency_seconds",
                                        "From an input's arrival to the bridge's output it completes",
                                        kLatencyBuckets, {{"direction", d}, {"kind", "audio"}})) {}

const BridgeMetrics& BridgeMetrics::webrtc_to_rtmp() {
  static const BridgeMetrics m("webrtc_to_rtmp");
  return m;
}

const BridgeMetrics& BridgeMetrics::rtmp_to_webrtc() {
  static const BridgeMetrics m("rtmp_to_webrtc");
  return m;
}

Counter& BridgeMetrics::drops(const char* reason) const {
  return metrics().counter("onair_bridge_drops_total", "What a bridge dropped",
                           {{"direction", direction}, {"reason", reason}});
}

void BridgeMetrics::video_latency_since(int64_t arrival_us) const {
  if (arrival_us > 0) video_latency.observe(double(steady_now_us() - arrival_us) / 1e6);
}

void BridgeMetrics::audio_latency_since(int64_t arrival_us) const {
  if (arrival_us > 0) audio_latency.observe(double(steady_now_us() - arrival_us) / 1e6);
}

}  // namespace onair::bridge
