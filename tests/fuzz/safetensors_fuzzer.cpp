// libFuzzer target: bytes as a safetensors file. Properties: a file that is
// accepted has every tensor inside the data area (each byte is read), and
// writing its tensors out again gives a file that reads back to the same
// names, dtypes, shapes and bytes.
#include "FuzzSupport.h"

#include "runtime/Safetensors.h"

#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto file = attn::SafetensorsFile::fromBuffer(std::string_view(reinterpret_cast<const char *>(data), size));
  if (!file) {
    ATTN_FUZZ_CHECK(!file.message().empty(), "rejected without a reason");
    return 0;
  }
  attn::NamedTensorViews views;
  unsigned checksum = 0;
  for (const std::string &name : file->names()) {
    attn::TensorView v = *file->find(name);
    for (size_t i = 0; i < v.byteSize(); ++i) checksum += static_cast<const unsigned char *>(v.data)[i];
    views.emplace_back(name, v);
  }
  auto bytes = attn::serializeSafetensors(views);
  ATTN_FUZZ_CHECK(bytes.isOk(), bytes.message());
  auto again = attn::SafetensorsFile::fromBuffer(std::move(*bytes));
  ATTN_FUZZ_CHECK(again.isOk(), again.message());
  ATTN_FUZZ_CHECK(again->names() == file->names(), "names differ after a round trip");
  for (const auto &[name, v] : views) {
    attn::TensorView w = *again->find(name);
    ATTN_FUZZ_CHECK(w.dtype == v.dtype && w.shape == v.shape, name);
    ATTN_FUZZ_CHECK(v.byteSize() == 0 || std::memcmp(w.data, v.data, v.byteSize()) == 0, name);
  }
  return checksum == 0xFFFFFFFF; // keeps the reads
}
