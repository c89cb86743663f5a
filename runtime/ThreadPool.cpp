// The thread pool (see ThreadPool.h). A loop is split into chunks claimed
// through an atomic counter; the caller claims chunks like any worker, then
// waits for the chunks that workers claimed to finish.
//
// Waiting spins for up to kSpin before it sleeps, in the workers (for the
// next loop) and in the caller (for the last chunks): a compiled function's
// loops follow each other within microseconds, and waking a sleeping thread
// costs tens of them (more in a virtual machine), which is more than a
// whole loop of a small model.
#include "runtime/ThreadPool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <system_error>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace attn {

namespace {

constexpr std::chrono::microseconds kSpin{100};

/// Polls `ready` until it holds or kSpin has passed; whether it held.
template <typename Ready> bool spinUntil(Ready ready) {
  auto deadline = std::chrono::steady_clock::now() + kSpin;
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (ready()) return true;
#if defined(__x86_64__) || defined(__i386__)
      _mm_pause();
#endif
    }
    if (std::chrono::steady_clock::now() >= deadline) return ready();
  }
}

} // namespace

struct ThreadPool::Loop {
  const std::function<void(int64_t, int64_t)> *body = nullptr;
  int64_t count = 0, chunk = 1, chunks = 0;
  std::atomic<int64_t> next{0}; // the next chunk to claim
  std::atomic<int64_t> done{0}; // chunks finished
  std::mutex mutex;
  std::condition_variable finished;
};

unsigned ThreadPool::hardwareThreads() { return std::max(1u, std::thread::hardware_concurrency()); }

ThreadPool::ThreadPool(unsigned threads) {
  if (threads == 0) threads = hardwareThreads();
  threads = std::min(threads, kMaxThreads);
  // A thread the system will not give is one fewer participant, not an
  // exception out of a constructor: results do not depend on the count.
  try {
    for (unsigned i = 1; i < threads; ++i) workers_.emplace_back([this] { workerMain(); });
  } catch (const std::system_error &) {
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  posted_.fetch_add(1, std::memory_order_release); // ends the workers' spinning
  wake_.notify_all();
  for (std::thread &t : workers_) t.join();
}

// Claims and runs chunks until none is left; the last chunk to finish wakes
// the loop's caller.
void ThreadPool::work(Loop &loop) {
  for (;;) {
    int64_t c = loop.next.fetch_add(1, std::memory_order_relaxed);
    if (c >= loop.chunks) return;
    int64_t begin = c * loop.chunk, end = std::min(loop.count, begin + loop.chunk);
    (*loop.body)(begin, end);
    if (loop.done.fetch_add(1, std::memory_order_acq_rel) + 1 == loop.chunks) {
      std::lock_guard<std::mutex> lock(loop.mutex);
      loop.finished.notify_all();
    }
  }
}

void ThreadPool::workerMain() {
  int64_t seen = posted_.load(std::memory_order_acquire);
  for (;;) {
    std::shared_ptr<Loop> loop;
    spinUntil([&] { return posted_.load(std::memory_order_acquire) != seen; });
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      seen = posted_.load(std::memory_order_acquire);
      loop = queue_.front();
      // Every chunk claimed: nobody else needs to see this loop.
      if (loop->next.load(std::memory_order_relaxed) >= loop->chunks) queue_.pop_front();
    }
    work(*loop);
  }
}

void ThreadPool::parallelFor(int64_t count, int64_t grain,
                             const std::function<void(int64_t, int64_t)> &body, Split split) {
  if (count <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  // About four chunks per participant balances uneven rows without making
  // chunks so small that claiming them costs more than running them.
  int64_t ranges = split == Split::Balanced ? 4 * int64_t(threadCount()) : int64_t(threadCount());
  int64_t chunk = std::max(grain, (count + ranges - 1) / ranges);
  if (workers_.empty() || chunk >= count) {
    body(0, count);
    return;
  }
  auto loop = std::make_shared<Loop>();
  loop->body = &body;
  loop->count = count;
  loop->chunk = chunk;
  loop->chunks = (count + chunk - 1) / chunk;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(loop);
  }
  posted_.fetch_add(1, std::memory_order_release);
  int64_t helpers = std::min<int64_t>(int64_t(workers_.size()), loop->chunks - 1);
  for (int64_t i = 0; i < helpers; ++i) wake_.notify_one();
  work(*loop);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = std::find(queue_.begin(), queue_.end(), loop);
    if (it != queue_.end()) queue_.erase(it);
  }
  if (spinUntil([&] { return loop->done.load(std::memory_order_acquire) == loop->chunks; })) return;
  std::unique_lock<std::mutex> lock(loop->mutex);
  loop->finished.wait(lock, [&] { return loop->done.load(std::memory_order_acquire) == loop->chunks; });
}

} // namespace attn
