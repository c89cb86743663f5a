// The pass table (expanded from passes.def) and PassContext's weight lookup.
#include "passes/Pass.h"

#include <cassert>

namespace attn::passes {

const std::vector<PassInfo> &allPasses() {
  static const std::vector<PassInfo> passes = {
#define PASS(Id, name, isFusion, description) {PassId::Id, name, isFusion, description, &Id::run},
#include "passes/passes.def"
  };
  return passes;
}

const PassInfo &passInfo(PassId id) {
  const PassInfo &info = allPasses()[size_t(id)];
  assert(info.id == id && "passes.def expansion out of order");
  return info;
}

std::optional<PassId> passFromName(std::string_view name) {
  for (const PassInfo &info : allPasses())
    if (info.name == name) return info.id;
  return std::nullopt;
}

std::optional<TensorView> PassContext::weightData(const ir::Value *w) const {
  if (!w->isWeight()) return std::nullopt;
  if (const Tensor *data = module.constantData(w)) return data->view();
  if (!weights) return std::nullopt;
  auto it = weights->tensors.find(w->name);
  if (it == weights->tensors.end()) return std::nullopt;
  const TensorView &view = it->second;
  if (view.dtype != w->type.dtype || int64_t(view.shape.size()) != w->type.rank())
    return std::nullopt;
  for (size_t i = 0; i < view.shape.size(); ++i)
    if (w->type.shape[i].constant() != view.shape[i]) return std::nullopt;
  if (!view.data && view.numElements() > 0) return std::nullopt;
  return view;
}

} // namespace attn::passes
