// Greedy interval colouring of the scratch buffers (see MemoryPlan.h).
// Buffers are taken in order of their first node; a slot is free for a
// buffer when its current occupant's interval ended before the buffer's
// begins.
#include "codegen/llvm/MemoryPlan.h"

#include <algorithm>
#include <numeric>

namespace attn::llvmcg {

std::vector<std::vector<int>> SlotAssignment::members() const {
  std::vector<std::vector<int>> m(static_cast<size_t>(slotCount));
  for (size_t b = 0; b < slotOf.size(); ++b) m[size_t(slotOf[b])].push_back(int(b));
  return m;
}

SlotAssignment assignSlots(const std::vector<PlannedBuffer> &buffers) {
  std::vector<int> order(buffers.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return buffers[a].first < buffers[b].first; });
  SlotAssignment result;
  result.slotOf.assign(buffers.size(), -1);
  std::vector<int> busyUntil;              // per slot: last node of its occupant
  std::vector<std::vector<int>> occupants; // per slot
  for (int b : order) {
    const PlannedBuffer &buffer = buffers[b];
    int chosen = -1;
    for (int s = 0; s < int(busyUntil.size()); ++s) {
      if (busyUntil[s] >= buffer.first) continue;
      bool sameSize = std::any_of(occupants[s].begin(), occupants[s].end(),
                                  [&](int o) { return buffers[o].size == buffer.size; });
      if (sameSize) {
        chosen = s;
        break;
      }
      if (chosen < 0) chosen = s;
    }
    if (chosen < 0) {
      chosen = int(busyUntil.size());
      busyUntil.push_back(-1);
      occupants.emplace_back();
    }
    busyUntil[chosen] = buffer.last;
    occupants[chosen].push_back(b);
    result.slotOf[b] = chosen;
  }
  result.slotCount = int(busyUntil.size());
  return result;
}

} // namespace attn::llvmcg
