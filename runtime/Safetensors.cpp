// The safetensors reader (Safetensors.h): a mapped or in-memory file whose
// header (SafetensorsHeader.cpp) is checked before any tensor is exposed.
#include "runtime/Safetensors.h"

#include "runtime/MappedFile.h"
#include "runtime/SafetensorsFormat.h"

#include <bit>
#include <map>
#include <optional>

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; big-endian hosts need byte swapping");

namespace attn {

using namespace safetensors;

struct SafetensorsFile::Impl {
  std::string path;
  std::vector<std::byte> buffer;    // backing store for fromBuffer
  std::optional<MappedFile> mapped; // backing store for open
  const std::byte *bytes = nullptr;
  size_t size = 0;

  std::vector<std::string> names;
  std::vector<TensorView> views; // parallel to names
  std::map<std::string, size_t, std::less<>> index;
  SafetensorsMetadata metadata;
  std::vector<Tensor> alignedCopies;
};

SafetensorsFile::SafetensorsFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SafetensorsFile::SafetensorsFile(SafetensorsFile &&) noexcept = default;
SafetensorsFile &SafetensorsFile::operator=(SafetensorsFile &&) noexcept = default;
SafetensorsFile::~SafetensorsFile() = default;

const std::vector<std::string> &SafetensorsFile::names() const { return impl_->names; }
const SafetensorsMetadata &SafetensorsFile::metadata() const { return impl_->metadata; }
const std::string &SafetensorsFile::path() const { return impl_->path; }

const TensorView *SafetensorsFile::find(std::string_view name) const {
  auto it = impl_->index.find(name);
  return it == impl_->index.end() ? nullptr : &impl_->views[it->second];
}

NamedTensorViews SafetensorsFile::views() const {
  NamedTensorViews views;
  for (const std::string &name : names()) views.emplace_back(name, *find(name));
  return views;
}

Result<SafetensorsFile> SafetensorsFile::open(const std::string &path) {
  auto mapped = MappedFile::open(path);
  if (!mapped) return Status::error(path + ": " + mapped.message());
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->mapped = std::move(*mapped);
  impl->bytes = impl->mapped->data();
  impl->size = impl->mapped->size();
  return validate(std::move(impl));
}

Result<SafetensorsFile> SafetensorsFile::fromBuffer(std::vector<std::byte> bytes, std::string name) {
  auto impl = std::make_unique<Impl>();
  impl->path = std::move(name);
  impl->buffer = std::move(bytes);
  impl->bytes = impl->buffer.data();
  impl->size = impl->buffer.size();
  return validate(std::move(impl));
}

Result<SafetensorsFile> SafetensorsFile::fromBuffer(std::string_view bytes, std::string name) {
  auto *begin = reinterpret_cast<const std::byte *>(bytes.data());
  return fromBuffer(std::vector<std::byte>(begin, begin + bytes.size()), std::move(name));
}

Result<SafetensorsFile> SafetensorsFile::validate(std::unique_ptr<Impl> impl) {
  auto fail = [&](const std::string &message) { return Status::error(impl->path + ": " + message); };
  if (impl->size < 8)
    return fail("file is " + std::to_string(impl->size) +
                " bytes, too short for a safetensors header (8 bytes)");
  uint64_t headerSize = 0;
  for (int i = 7; i >= 0; --i) headerSize = headerSize << 8 | std::to_integer<uint64_t>(impl->bytes[i]);
  if (headerSize > kMaxHeaderBytes)
    return fail("header length " + std::to_string(headerSize) + " exceeds the 100 MB limit");
  if (headerSize > impl->size - 8)
    return fail("header length " + std::to_string(headerSize) + " runs past the end of the file (" +
                std::to_string(impl->size) + " bytes)");
  std::string_view text(reinterpret_cast<const char *>(impl->bytes + 8), headerSize);
  auto parsed = parseHeader(text, impl->size - 8 - headerSize);
  if (!parsed) return fail(parsed.message());
  Header &header = *parsed;
  const std::byte *data = impl->bytes + 8 + headerSize;

  impl->metadata = std::move(header.metadata);
  for (HeaderEntry &e : header.entries) {
    TensorView view{e.dtype, std::move(e.shape), const_cast<std::byte *>(data + e.begin)};
    if (reinterpret_cast<uintptr_t>(view.data) % dtypeSize(e.dtype) != 0) {
      impl->alignedCopies.push_back(Tensor::copyOf(view));
      view.data = impl->alignedCopies.back().data();
    }
    impl->index.emplace(e.name, impl->names.size());
    impl->names.push_back(std::move(e.name));
    impl->views.push_back(std::move(view));
  }
  return SafetensorsFile(std::move(impl));
}

} // namespace attn
