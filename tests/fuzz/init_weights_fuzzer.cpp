// libFuzzer target: model text, then init-weights. Properties: every model
// the frontend accepts gets its weights or a clear error (never a crash on a
// huge declared size: the limit here is 1 MiB), the weights are written as a
// safetensors file that binds back to the model's weight specs, and a
// second run with the same seed gives the same bytes.
#include "FuzzSupport.h"

#include "codegen/Backend.h"
#include "frontend/Frontend.h"
#include "ir/InitialWeights.h"
#include "runtime/Safetensors.h"
#include "runtime/WeightStore.h"

#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  uint64_t seed = data[0];
  std::string_view text(reinterpret_cast<const char *>(data) + 1, size - 1);
  auto compiled = attn::frontend::compileModelText(text, "fuzz.attn");
  if (!compiled.module) return 0;
  constexpr uint64_t kLimit = 1 << 20;
  auto weights = attn::ir::initialWeights(*compiled.module, seed, kLimit);
  uint64_t total = 0;
  for (const auto &w : compiled.module->weights()) total += uint64_t(*w->type.constantByteSize());
  if (!weights) {
    ATTN_FUZZ_CHECK(total > kLimit, "refused weights under the limit: " + weights.message());
    return 0;
  }
  ATTN_FUZZ_CHECK(total <= kLimit, "allocated weights over the limit");
  attn::NamedTensorViews views;
  for (const auto &[name, t] : *weights) views.emplace_back(name, t.view());
  auto bytes = attn::serializeSafetensors(views);
  ATTN_FUZZ_CHECK(bytes.isOk(), bytes.message());
  auto file = attn::SafetensorsFile::fromBuffer(std::move(*bytes));
  ATTN_FUZZ_CHECK(file.isOk(), file.message());
  auto store = attn::WeightStore::bind(attn::codegen::weightSpecs(*compiled.module),
                                         std::make_shared<const attn::SafetensorsFile>(std::move(*file)));
  ATTN_FUZZ_CHECK(store.isOk(), store.message());
  auto again = attn::ir::initialWeights(*compiled.module, seed, kLimit);
  ATTN_FUZZ_CHECK(again.isOk(), again.message());
  for (size_t i = 0; i < views.size(); ++i) {
    const attn::Tensor &t = (*again)[i].second;
    ATTN_FUZZ_CHECK(t.byteSize() == views[i].second.byteSize() &&
                        (t.byteSize() == 0 || std::memcmp(t.data(), views[i].second.data, t.byteSize()) == 0),
                    "not deterministic: " + views[i].first);
  }
  return 0;
}
