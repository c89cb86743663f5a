// Scratch memory planning: every intermediate value and every temporary of a
// node is a buffer live over an interval of node indices; buffers live at the
// same time get different slots, buffers that are not may share one. Sizes
// are symbolic (they depend on B, T, ...), so the plan fixes which buffers
// share a slot, and the generated code computes each slot's size (the largest
// of its buffers') and offset from the dims of the call.
#pragma once

#include "ir/Dim.h"

#include <cstdint>
#include <vector>

namespace attn::llvmcg {

/// elementBytes * elements * ceil(chunked / chunk) bytes.
struct ByteSize {
  ir::Dim elements;
  int64_t elementBytes = 4;
  ir::Dim chunked = ir::Dim(1);
  int64_t chunk = 1;

  bool operator==(const ByteSize &o) const {
    return elements * ir::Dim(elementBytes) == o.elements * ir::Dim(o.elementBytes) &&
           chunked == o.chunked && chunk == o.chunk;
  }
};

struct PlannedBuffer {
  ByteSize size;
  int first = 0, last = 0; // live from node `first` to node `last`, inclusive
  int frameSlot = -1;      // the frame word that receives its address
};

/// The slot of each buffer, and the slots' count. Two buffers whose
/// intervals overlap never share a slot. A free slot that already holds a
/// buffer of the same size is preferred, so equal shapes reuse memory.
struct SlotAssignment {
  std::vector<int> slotOf; // per buffer
  int slotCount = 0;
  /// The buffers of each slot.
  std::vector<std::vector<int>> members() const;
};

SlotAssignment assignSlots(const std::vector<PlannedBuffer> &buffers);

} // namespace attn::llvmcg
