// Reading and writing safetensors files: weights, inputs and outputs.
//
// Format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
// `{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__":
// {string: string}}`, then the data region, offsets relative to its start.
//
// A file is untrusted: SafetensorsFile checks every byte of the header before
// any tensor is exposed, and reports problems as "FILE: tensor 'NAME': reason".
// Rules, beyond well-formed JSON (checked strictly, including UTF-8):
//  - the header is at most 100 MB and lies inside the file;
//  - each entry has exactly one string "dtype" (F32, I64, I32, BOOL), an array
//    "shape" of at most 64 non-negative integers and an array "data_offsets"
//    of two non-negative integers; other fields are ignored, as upstream does;
//  - names are unique; "__metadata__", if present, maps strings to strings;
//  - the shape's byte size (computed without overflow) equals end - begin;
//  - sorted by begin, the tensors tile the data region exactly: no overlap,
//    no gap, nothing after the last tensor (upstream safetensors rejects the
//    same files).
// Tensors are zero-copy views into the read-only mapping; a tensor whose data
// is not aligned to its element size (a header length that is not a multiple
// of 8) is copied once into aligned storage, so every view is safe to read
// through a T*. Views must not be written through, and a mapped file must not
// be truncated while open (the kernel would raise SIGBUS). Host must be
// little-endian.
#pragma once

#include "runtime/Status.h"
#include "runtime/Tensor.h"

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace attn {

/// The "__metadata__" of a file: free-form string pairs.
using SafetensorsMetadata = std::map<std::string, std::string>;

/// An open, validated safetensors file. Owns its mapping (or buffer); views
/// stay valid while the object lives, also across moves.
class SafetensorsFile {
public:
  /// Maps the file read-only and validates it.
  static Result<SafetensorsFile> open(const std::string &path);
  /// Validates bytes held in memory (tests, embedded data). `name` is used in
  /// error messages in place of a path.
  static Result<SafetensorsFile> fromBuffer(std::vector<std::byte> bytes, std::string name = "<buffer>");
  static Result<SafetensorsFile> fromBuffer(std::string_view bytes, std::string name = "<buffer>");

  SafetensorsFile(SafetensorsFile &&) noexcept;
  SafetensorsFile &operator=(SafetensorsFile &&) noexcept;
  SafetensorsFile(const SafetensorsFile &) = delete;
  SafetensorsFile &operator=(const SafetensorsFile &) = delete;
  ~SafetensorsFile();

  /// Tensor names in the order of the header.
  const std::vector<std::string> &names() const;
  /// The tensor called `name`, or null.
  const TensorView *find(std::string_view name) const;
  /// Every tensor with its name, in names() order (views into the file).
  NamedTensorViews views() const;
  const SafetensorsMetadata &metadata() const;
  /// The path (or buffer name) given when opening.
  const std::string &path() const;
  size_t size() const { return names().size(); }

private:
  struct Impl;
  explicit SafetensorsFile(std::unique_ptr<Impl> impl);
  static Result<SafetensorsFile> validate(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};


/// The bytes of a safetensors file holding `tensors` (header keys in the given
/// order, metadata first) and `metadata`. The header is padded with spaces to
/// a multiple of 8 bytes and the data is laid out by decreasing element size,
/// so every tensor is aligned when the file is mapped.
Result<std::vector<std::byte>> serializeSafetensors(const NamedTensorViews &tensors,
                                                    const SafetensorsMetadata &metadata = {});

/// Writes serializeSafetensors(tensors, metadata) to `path` atomically: into a
/// temporary file in the same directory, then renamed over `path`. On failure
/// the temporary is removed and `path` is left as it was.
Status writeSafetensors(const std::string &path, const NamedTensorViews &tensors,
                        const SafetensorsMetadata &metadata = {});

} // namespace attn
