// runtime/ThreadPool: every index of a loop runs exactly once, whatever the
// thread count, grain and count; several callers may share one pool.
#include "runtime/ThreadPool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace attn {
namespace {

/// How many times each index of [0, count) ran.
std::vector<int> runLoop(ThreadPool &pool, int64_t count, int64_t grain) {
  std::vector<std::atomic<int>> seen(size_t(count > 0 ? count : 0));
  pool.parallelFor(count, grain, [&](int64_t begin, int64_t end) {
    EXPECT_LE(0, begin);
    EXPECT_LT(begin, end);
    EXPECT_LE(end, count);
    for (int64_t i = begin; i < end; ++i) seen[size_t(i)].fetch_add(1);
  });
  std::vector<int> counts;
  for (auto &s : seen) counts.push_back(s.load());
  return counts;
}

TEST(ThreadPool, EveryIndexRunsOnce) {
  for (unsigned threads : {1u, 2u, 5u}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.threadCount(), threads);
    for (int64_t count : {0, 1, 7, 100, 1000})
      for (int64_t grain : {1, 3, 64, 5000})
        EXPECT_EQ(runLoop(pool, count, grain), std::vector<int>(size_t(count), 1))
            << threads << " threads, count " << count << ", grain " << grain;
  }
}

// A request beyond kMaxThreads is cut to it (the system may give fewer still;
// the constructor never throws), and the pool works.
TEST(ThreadPool, AHugeRequestIsCutNotAnAbort) {
  ThreadPool pool(100000);
  EXPECT_GE(pool.threadCount(), 1u);
  EXPECT_LE(pool.threadCount(), ThreadPool::kMaxThreads);
  EXPECT_EQ(runLoop(pool, 5000, 1), std::vector<int>(5000, 1));
}

TEST(ThreadPool, ChunksAreAtLeastTheGrain) {
  ThreadPool pool(4);
  std::atomic<int64_t> smallest{1 << 30};
  std::atomic<int> chunks{0};
  pool.parallelFor(1000, 100, [&](int64_t begin, int64_t end) {
    if (end != 1000) smallest = std::min<int64_t>(smallest.load(), end - begin);
    ++chunks;
  });
  EXPECT_GE(smallest.load(), 100);
  EXPECT_GT(chunks.load(), 1);
}

TEST(ThreadPool, CallersShareOnePool) {
  ThreadPool pool(3);
  std::vector<std::thread> callers;
  std::atomic<int> failures{0};
  for (int c = 0; c < 6; ++c)
    callers.emplace_back([&, c] {
      for (int round = 0; round < 50; ++round)
        if (runLoop(pool, 37 + c * 11 + round, 1 + round % 4) != std::vector<int>(size_t(37 + c * 11 + round), 1))
          ++failures;
    });
  for (std::thread &t : callers) t.join();
  EXPECT_EQ(failures.load(), 0);
}

} // namespace
} // namespace attn
