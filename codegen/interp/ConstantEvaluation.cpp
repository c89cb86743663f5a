// One node on known operands, by its interpreter kernel.
#include "codegen/interp/ConstantEvaluation.h"

#include "codegen/interp/Kernel.h"

namespace attn::interp {

Result<std::vector<Tensor>> evaluateConstantNode(const ir::Node &node,
                                                 const std::vector<TensorView> &operands) {
  static const DimBindings noDims;
  std::vector<Shape> shapes;
  for (const ir::Value *r : node.results) {
    Shape shape;
    for (const ir::Dim &d : r->type.shape) {
      auto n = d.constant();
      if (!n || *n < 0) return Status::error("evaluateConstantNode: result shape is not constant");
      shape.push_back(*n);
    }
    shapes.push_back(std::move(shape));
  }
  KernelArgs args{node, operands, std::move(shapes), noDims};
  return evaluateNode(args);
}

} // namespace attn::interp
