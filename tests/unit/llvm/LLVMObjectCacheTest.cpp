// The object cache (runtime/ObjectCache.h) and the JIT's use of it:
// entries round-trip, a corrupt, truncated or foreign entry is never loaded,
// the directory stays under its limit (least recently used out first), the
// environment picks the directory; a compile that hits gives results bitwise
// equal to one without the cache, a corrupt entry is rebuilt, threads
// compiling the same model at once agree; and a module of several functions
// compiles only the one that is run.
#include "DifferentialCases.h"
#include "LLVMTestSupport.h"

#include "runtime/ObjectCache.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>
#include <unistd.h>

namespace attn::llvmcg::testing {
namespace {

namespace fs = std::filesystem;

/// A fresh directory, removed at the end of the test.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string &name)
      : path(fs::temp_directory_path() / ("attnc-cache-test-" + name + "-" + std::to_string(getpid()))) {
    fs::remove_all(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string str() const { return path.string(); }
  std::vector<fs::path> entries() const {
    std::vector<fs::path> found;
    if (fs::exists(path))
      for (const auto &e : fs::directory_iterator(path)) found.push_back(e.path());
    return found;
  }
};

std::string readFile(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void writeFile(const fs::path &p, const std::string &bytes) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}

CacheKey keyOf(const std::string &text) {
  KeyHasher h;
  h.add(text);
  return h.finish();
}

TEST(ObjectCache, KeysTellPieceBoundariesApart) {
  KeyHasher a, b, c;
  a.add(std::string_view("ab"));
  a.add(std::string_view("c"));
  b.add(std::string_view("a"));
  b.add(std::string_view("bc"));
  c.add(std::string_view("ab"));
  c.add(std::string_view("c"));
  EXPECT_FALSE(a.finish() == b.finish());
  EXPECT_TRUE(a.finish() == c.finish());
  EXPECT_EQ(a.finish().hex().size(), 32u);
}

TEST(ObjectCache, Hash128TellsLengthsAndEveryByteApart) {
  std::vector<CacheKey> seen;
  std::string bytes(40, '\0');
  for (size_t length = 0; length <= bytes.size(); ++length) seen.push_back(hash128(bytes.data(), length));
  for (size_t at = 0; at < bytes.size(); ++at)
    for (int bit : {0, 7}) {
      std::string flipped = bytes;
      flipped[at] = char(1 << bit);
      seen.push_back(hash128(flipped.data(), flipped.size()));
    }
  for (size_t i = 0; i < seen.size(); ++i)
    for (size_t j = i + 1; j < seen.size(); ++j) EXPECT_FALSE(seen[i] == seen[j]) << i << " " << j;
  EXPECT_TRUE(hash128(nullptr, 0) == hash128(bytes.data(), 0));
  EXPECT_TRUE(hash128("abc", 3) == hash128(std::string("abc").c_str(), 3));
}

TEST(ObjectCache, EntriesRoundTripWithAlignedSections) {
  TempDir dir("roundtrip");
  auto cache = ObjectCache::open(dir.str() + "/nested", uint64_t(1) << 30);
  ASSERT_TRUE(cache);
  std::string object(1000, 'o'), blob(333, 'b');
  blob[7] = '\0';
  cache->store(keyOf("k"), {{"", object}, {"sym.data", blob}});
  auto entry = cache->load(keyOf("k"));
  ASSERT_TRUE(entry);
  ASSERT_EQ(entry->sections.size(), 2u);
  EXPECT_EQ(entry->sections[0].name, "");
  EXPECT_EQ(entry->sections[0].bytes, object);
  EXPECT_EQ(entry->sections[1].name, "sym.data");
  EXPECT_EQ(entry->sections[1].bytes, blob);
  for (const CacheSection &s : entry->sections)
    EXPECT_EQ(reinterpret_cast<uintptr_t>(s.bytes.data()) % 64, 0u) << s.name;
  EXPECT_FALSE(cache->load(keyOf("other"))); // a miss
  // One entry, no temporary file left behind.
  size_t files = 0;
  for (const auto &e : fs::directory_iterator(dir.path / "nested")) {
    files += 1;
    EXPECT_EQ(e.path().extension(), ".attnc-obj");
  }
  EXPECT_EQ(files, 1u);
}

TEST(ObjectCache, CorruptTruncatedAndForeignEntriesAreNeverLoaded) {
  TempDir dir("corrupt");
  auto cache = ObjectCache::open(dir.str(), uint64_t(1) << 30);
  ASSERT_TRUE(cache);
  cache->store(keyOf("k"), {{"", std::string(4096, 'x')}});
  std::string good = readFile(cache->path(keyOf("k")));
  ASSERT_TRUE(cache->load(keyOf("k")));
  // Every single flipped byte (header, sizes, data, checksum) is caught.
  for (size_t at : {size_t(0), size_t(9), size_t(25), size_t(40), good.size() / 2, good.size() - 1}) {
    std::string bad = good;
    bad[at] = char(bad[at] ^ 0x20);
    writeFile(cache->path(keyOf("k")), bad);
    EXPECT_FALSE(cache->load(keyOf("k"))) << "byte " << at;
  }
  for (size_t size : {size_t(0), size_t(10), good.size() / 2, good.size() - 1}) {
    writeFile(cache->path(keyOf("k")), good.substr(0, size));
    EXPECT_FALSE(cache->load(keyOf("k"))) << "truncated to " << size;
  }
  // An intact entry of another key, under this key's name.
  cache->store(keyOf("other"), {{"", std::string(4096, 'x')}});
  fs::copy_file(cache->path(keyOf("other")), cache->path(keyOf("k")), fs::copy_options::overwrite_existing);
  EXPECT_FALSE(cache->load(keyOf("k")));
  // Not a regular file.
  fs::remove(cache->path(keyOf("k")));
  fs::create_directory(cache->path(keyOf("k")));
  EXPECT_FALSE(cache->load(keyOf("k")));
  fs::remove(cache->path(keyOf("k")));
  // Stored again, it loads.
  cache->store(keyOf("k"), {{"", std::string(4096, 'x')}});
  EXPECT_TRUE(cache->load(keyOf("k")));
}

TEST(ObjectCache, TheLeastRecentlyUsedEntriesGoPastTheLimit) {
  TempDir dir("evict");
  // Each entry is a little over 10000 bytes: the limit holds two.
  auto cache = ObjectCache::open(dir.str(), 25000);
  ASSERT_TRUE(cache);
  auto age = [&](const std::string &k, int seconds) {
    fs::last_write_time(cache->path(keyOf(k)), fs::file_time_type::clock::now() - std::chrono::seconds(seconds));
  };
  cache->store(keyOf("a"), {{"", std::string(10000, 'a')}});
  age("a", 300);
  cache->store(keyOf("b"), {{"", std::string(10000, 'b')}});
  age("b", 200);
  ASSERT_TRUE(cache->load(keyOf("a"))); // a is now the most recently used
  cache->store(keyOf("c"), {{"", std::string(10000, 'c')}});
  EXPECT_TRUE(cache->load(keyOf("a")));
  EXPECT_FALSE(cache->load(keyOf("b")));
  EXPECT_TRUE(cache->load(keyOf("c")));
  EXPECT_EQ(dir.entries().size(), 2u);
}

TEST(ObjectCache, TheEnvironmentNamesTheDirectoryAndTheLimit) {
  auto saved = [](const char *name) { const char *v = std::getenv(name); return v ? std::optional<std::string>(v) : std::nullopt; };
  std::optional<std::string> dir = saved("ATTNC_CACHE_DIR"), xdg = saved("XDG_CACHE_HOME"), home = saved("HOME"),
                             limit = saved("ATTNC_CACHE_MAX_SIZE");
  setenv("ATTNC_CACHE_DIR", "/somewhere", 1);
  EXPECT_EQ(environmentCacheDirectory(), "/somewhere");
  setenv("ATTNC_CACHE_DIR", "off", 1);
  EXPECT_EQ(environmentCacheDirectory(), "");
  unsetenv("ATTNC_CACHE_DIR");
  setenv("XDG_CACHE_HOME", "/xdg", 1);
  EXPECT_EQ(environmentCacheDirectory(), "/xdg/attnc");
  unsetenv("XDG_CACHE_HOME");
  setenv("HOME", "/home/user", 1);
  EXPECT_EQ(environmentCacheDirectory(), "/home/user/.cache/attnc");
  unsetenv("ATTNC_CACHE_MAX_SIZE");
  EXPECT_EQ(environmentCacheLimit(), uint64_t(1) << 30);
  setenv("ATTNC_CACHE_MAX_SIZE", "64M", 1);
  EXPECT_EQ(environmentCacheLimit(), uint64_t(64) << 20);
  setenv("ATTNC_CACHE_MAX_SIZE", "12345", 1);
  EXPECT_EQ(environmentCacheLimit(), 12345u);
  setenv("ATTNC_CACHE_MAX_SIZE", "lots", 1);
  EXPECT_EQ(environmentCacheLimit(), uint64_t(1) << 30);
  auto restore = [](const char *name, const std::optional<std::string> &v) {
    if (v) setenv(name, v->c_str(), 1);
    else unsetenv(name);
  };
  restore("ATTNC_CACHE_DIR", dir), restore("XDG_CACHE_HOME", xdg), restore("HOME", home);
  restore("ATTNC_CACHE_MAX_SIZE", limit);
}

/// f(x: f32[B, T, 6]) -> (y): a 2-layer bidirectional LSTM (packed weights:
/// data the code links by symbol) then linear and tanh; and, in a module of
/// two functions, g(x) -> (z = tanh(x)).
struct CachedModel {
  ModelBuilder m;
  Inputs inputs;
  explicit CachedModel(bool twoFunctions = false, uint32_t seed = 3) {
    const Dim B = Dim::symbol("B"), T = Dim::symbol("T");
    ir::Value *x = m.argument("x", DType::F32, {B, T, Dim(6)});
    auto out = recurrent(m, "lstm", RecurrentLayer{OpKind::LSTM, 5, 2, true, true, true, false, false}, x, nullptr, seed);
    Random random(seed);
    ir::Value *y = m.value(OpKind::Linear, {out[0], m.weight("fc.weight", random.tensor(DType::F32, {3, 10})),
                                            m.weight("fc.bias", random.tensor(DType::F32, {3}))});
    m.result("y", m.value(OpKind::Tanh, {y}));
    if (twoFunctions) {
      ir::Graph *g = m.module().addFunction("g");
      ir::Value *gx = g->addArgument("x", ir::Type{DType::F32, {B, T, Dim(6)}});
      auto z = ir::Builder(*g).create(OpKind::Tanh, {gx});
      EXPECT_TRUE(z.isOk());
      g->addResult("z", (*z)->result()->type, (*z)->result());
    }
    inputs.add("x", random.tensor(DType::F32, {3, 7, 6}));
  }
  std::unique_ptr<Executable> compile(const std::string &cacheDir, unsigned threads = 1) {
    return compileWithLLVM(m, LLVMOptions{"", "", threads, cacheDir});
  }
};

bool hasPhase(const Executable &exe, const std::string &name) {
  for (const CompilePhase &p : exe.compilePhases())
    if (p.name == name) return true;
  return false;
}

std::vector<Tensor> runF(const Executable &exe, const Inputs &inputs) {
  auto r = exe.run("f", inputs.views());
  EXPECT_TRUE(r.isOk()) << r.message();
  return r ? std::move(*r) : std::vector<Tensor>{};
}

TEST(LLVMObjectCache, AHitRunsBitwiseAsACompile) {
  TempDir dir("hit");
  CachedModel model;
  auto uncached = model.compile("off");
  auto cold = model.compile(dir.str());
  auto warm = model.compile(dir.str());
  ASSERT_TRUE(uncached && cold && warm);
  EXPECT_FALSE(hasPhase(*uncached, "key"));
  EXPECT_TRUE(hasPhase(*cold, "store") && hasPhase(*cold, "emit") && !hasPhase(*cold, "load"));
  EXPECT_TRUE(hasPhase(*warm, "load") && !hasPhase(*warm, "emit") && !hasPhase(*warm, "store"));
  EXPECT_EQ(dir.entries().size(), 1u);
  std::vector<Tensor> expected = runF(*uncached, model.inputs);
  ASSERT_EQ(expected.size(), 1u);
  for (const Executable *exe : {cold.get(), warm.get()}) {
    std::vector<Tensor> got = runF(*exe, model.inputs);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_TRUE(identical(got[0], expected[0]));
  }
  // The interpreter agrees (the cache did not hide a wrong compile).
  expectSameResults(*model.m.compile(), *warm, model.inputs);
  // A split compile (two threads, two objects) is an entry of the same key.
  auto split = model.compile(dir.str(), 2);
  ASSERT_TRUE(split);
  EXPECT_TRUE(hasPhase(*split, "load"));
  EXPECT_TRUE(identical(runF(*split, model.inputs)[0], expected[0]));
}

TEST(LLVMObjectCache, OtherWeightsOrAnotherTargetAreAnotherEntry) {
  TempDir dir("keys");
  CachedModel a(false, 3), b(false, 4);
  auto ea = a.compile(dir.str()), eb = b.compile(dir.str());
  ASSERT_TRUE(ea && eb);
  EXPECT_TRUE(hasPhase(*eb, "store"));
  EXPECT_EQ(dir.entries().size(), 2u);
  // b's own weights, not a's code: the same results as b without the cache.
  EXPECT_TRUE(identical(runF(*eb, b.inputs)[0], runF(*b.compile("off"), b.inputs)[0]));
  auto baseline = compileWithLLVM(a.m, LLVMOptions{"x86-64", "", 1, dir.str()});
  ASSERT_TRUE(baseline);
  EXPECT_TRUE(hasPhase(*baseline, "store"));
  EXPECT_EQ(dir.entries().size(), 3u);
}

TEST(LLVMObjectCache, ACorruptEntryIsRebuilt) {
  TempDir dir("rebuild");
  CachedModel model;
  auto first = model.compile(dir.str());
  ASSERT_TRUE(first);
  std::vector<Tensor> expected = runF(*first, model.inputs);
  ASSERT_EQ(dir.entries().size(), 1u);
  fs::path entry = dir.entries()[0];
  std::string bytes = readFile(entry);
  bytes[bytes.size() / 2] = char(bytes[bytes.size() / 2] ^ 1);
  writeFile(entry, bytes);
  auto second = model.compile(dir.str());
  ASSERT_TRUE(second);
  EXPECT_TRUE(hasPhase(*second, "emit") && hasPhase(*second, "store") && !hasPhase(*second, "load"));
  EXPECT_TRUE(identical(runF(*second, model.inputs)[0], expected[0]));
  auto third = model.compile(dir.str());
  ASSERT_TRUE(third);
  EXPECT_TRUE(hasPhase(*third, "load"));
  EXPECT_TRUE(identical(runF(*third, model.inputs)[0], expected[0]));
}

TEST(LLVMObjectCache, ThreadsCompilingTheSameModelAgree) {
  TempDir dir("threads");
  CachedModel model;
  std::vector<Tensor> expected = runF(*model.compile("off"), model.inputs);
  std::vector<std::unique_ptr<Executable>> exes(4);
  std::vector<std::thread> threads;
  for (auto &exe : exes) threads.emplace_back([&] { exe = model.compile(dir.str()); });
  for (std::thread &t : threads) t.join();
  for (const auto &exe : exes) {
    ASSERT_TRUE(exe);
    EXPECT_TRUE(identical(runF(*exe, model.inputs)[0], expected[0]));
  }
  EXPECT_EQ(dir.entries().size(), 1u); // one entry, no temporary files left
}

TEST(LLVMLazyCompile, OnlyTheFunctionRunIsCompiled) {
  TempDir dir("lazy");
  CachedModel model(/*twoFunctions=*/true);
  auto exe = model.compile(dir.str());
  ASSERT_TRUE(exe);
  EXPECT_TRUE(exe->compilePhases().empty()); // two functions: nothing compiled yet
  EXPECT_EQ(dir.entries().size(), 0u);
  auto z = exe->run("g", model.inputs.views());
  ASSERT_TRUE(z.isOk()) << z.message();
  EXPECT_EQ(dir.entries().size(), 1u); // g's entry only
  EXPECT_TRUE(hasPhase(*exe, "emit"));
  ASSERT_TRUE(exe->prepare("f").isOk());
  EXPECT_EQ(dir.entries().size(), 2u);
  EXPECT_FALSE(exe->prepare("h").isOk());
  // Both agree with the interpreter.
  auto interp = model.m.compile();
  expectSameResults(*interp, *exe, model.inputs, "f");
  expectSameResults(*interp, *exe, model.inputs, "g");
}

} // namespace
} // namespace attn::llvmcg::testing
