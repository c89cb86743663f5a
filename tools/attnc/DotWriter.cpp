// Graphviz output of the IR (DotWriter.h).
#include "tools/attnc/DotWriter.h"

#include <map>
#include <sstream>

namespace attn::tool {

namespace {

std::string escape(const std::string &text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

/// "linear\n@fc.weight, @fc.bias\n{axis = 1}": the op, the weights it reads
/// (counted when there are many), and its attributes.
std::string nodeLabel(const ir::Node &n) {
  std::string label(ir::mnemonic(n.op));
  std::vector<std::string> weights;
  for (const ir::Value *v : n.operands())
    if (v->isWeight()) weights.push_back("@" + v->name);
  if (weights.size() > 3) {
    label += "\\n" + std::to_string(weights.size()) + " weights";
  } else if (!weights.empty()) {
    std::string list;
    for (const std::string &w : weights)
      list += (list.empty() ? "" : ", ") + w;
    label += "\\n" + escape(list);
  }
  std::string line; // attributes, wrapped at about 40 characters a line
  for (ir::AttrKind k : ir::allAttrKinds()) {
    if (!ir::attrIsShown(n.op, n.attrs, k)) continue;
    std::string attr = std::string(ir::attrName(k)) + " = " + ir::attrValueToString(n.attrs, k);
    if (!line.empty() && line.size() + attr.size() > 40) {
      label += "\\n" + escape(line);
      line.clear();
    }
    line += (line.empty() ? "" : ", ") + attr;
  }
  if (!line.empty()) label += "\\n" + escape(line);
  return label;
}

void writeGraph(const ir::Graph &g, size_t index, std::ostream &os) {
  std::string prefix = "f" + std::to_string(index) + "_";
  std::map<const ir::Value *, std::string> source; // value -> dot node id
  os << "  subgraph cluster_" << index << " {\n    label=\"fn " << escape(g.name) << "\";\n";
  for (size_t i = 0; i < g.arguments.size(); ++i) {
    std::string id = prefix + "arg" + std::to_string(i);
    source[g.arguments[i]] = id;
    os << "    " << id << " [shape=ellipse, style=filled, fillcolor=\"#dbe9f6\", label=\""
       << escape(g.arguments[i]->name) << "\\n"
       << g.arguments[i]->type.str() << "\"];\n";
  }
  size_t count = 0;
  for (const auto &n : g.nodes()) {
    std::string id = prefix + "n" + std::to_string(count++);
    bool fused = ir::hasTrait(n->op, ir::T_FUSED);
    os << "    " << id << " [shape=box, "
       << (fused ? "style=\"filled,bold\", fillcolor=\"#ffd8a8\", " : "") << "label=\""
       << nodeLabel(*n) << "\"];\n";
    for (const ir::Value *v : n->operands()) {
      auto it = source.find(v);
      if (it != source.end())
        os << "    " << it->second << " -> " << id << " [label=\" " << v->type.str() << "\"];\n";
    }
    for (const ir::Value *r : n->results)
      source[r] = id;
  }
  for (size_t i = 0; i < g.results().size(); ++i) {
    std::string id = prefix + "result" + std::to_string(i);
    const ir::GraphResult &r = g.results()[i];
    os << "    " << id << " [shape=ellipse, style=filled, fillcolor=\"#d3f0d3\", label=\""
       << escape(r.name) << "\\n"
       << r.declaredType.str() << "\"];\n";
    auto it = source.find(r.value);
    if (it != source.end()) os << "    " << it->second << " -> " << id << ";\n";
  }
  os << "  }\n";
}

} // namespace

std::string moduleToDot(const ir::Module &module) {
  std::ostringstream os;
  os << "digraph \"" << escape(module.name) << "\" {\n"
     << "  node [fontname=\"Helvetica\", fontsize=10];\n"
     << "  edge [fontname=\"Helvetica\", fontsize=9];\n";
  for (size_t i = 0; i < module.functions.size(); ++i)
    writeGraph(*module.functions[i], i, os);
  os << "}\n";
  return os.str();
}

} // namespace attn::tool
