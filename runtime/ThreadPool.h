// A pool of worker threads for parallel loops inside one run of a compiled
// function. Owned by whoever runs (an Executable), never global. Several
// callers may run parallel loops on one pool at once: each caller works on
// its own loop too, so a loop finishes even when every worker is busy
// elsewhere, and nothing a loop computes depends on how its range was split.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace attn {

class ThreadPool {
public:
  /// The most participants a pool has (a larger request is cut to it).
  static constexpr unsigned kMaxThreads = 1024;

  /// `threads` participants in each loop, the calling thread included, so
  /// `threads - 1` workers; 0 means one per hardware thread. When the system
  /// refuses a thread the pool has fewer (threadCount() says how many); it
  /// never throws.
  explicit ThreadPool(unsigned threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  /// Participants in a loop, the caller included.
  unsigned threadCount() const { return unsigned(workers_.size()) + 1; }

  /// How parallelFor cuts [0, count): Balanced in about four ranges per
  /// participant (uneven work evens out); PerThread in one range per
  /// participant (for work whose cost grows less than linearly with the
  /// range, such as a recurrence that reads its weights once per step for
  /// all of its rows).
  enum class Split { Balanced, PerThread };

  /// Calls body(begin, end) on disjoint ranges covering [0, count), each at
  /// least `grain` long (but the last), and returns when all are done. The
  /// ranges run in any order on any participant; body must not throw.
  void parallelFor(int64_t count, int64_t grain,
                   const std::function<void(int64_t, int64_t)> &body, Split split = Split::Balanced);

  /// The hardware's thread count (at least 1).
  static unsigned hardwareThreads();

private:
  struct Loop;
  void workerMain();
  static void work(Loop &loop);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Loop>> queue_; // loops with ranges left to claim
  std::atomic<int64_t> posted_{0};          // loops ever queued: what spinning workers watch
  bool stopping_ = false;
};

} // namespace attn
