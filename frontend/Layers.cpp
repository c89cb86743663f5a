// Layers: PyTorch's constructor signatures and defaults, the weights each
// declares under its state_dict names (in state_dict order), and how a call
// of the layer expands into graph ops. Dropout is the identity (inference).
#include "frontend/Sema.h"
#include "ir/ShapeInference.h"

#include <algorithm>
#include <cmath>

namespace attn::frontend {

namespace {

using Kind = LayerInfo::Kind;

struct LayerSpec {
  Kind kind;
  const char *name;
  std::optional<ir::OpKind> op; // what a call lowers to; none: the identity
  std::vector<ParamSpec> constructor;
  std::vector<ParamSpec> call;
};

const std::vector<LayerSpec> &layerSpecs() {
#define REQ(name) ParamSpec{name, true}
#define OPT(name) ParamSpec{name, false}
#define OP(kind) ir::OpKind::kind
#define NO_OP std::nullopt
#define PARAMS(...) {__VA_ARGS__}
  static const std::vector<LayerSpec> specs = {
#define LAYER(K, name, op, constructor, call) {Kind::K, name, op, PARAMS constructor, PARAMS call},
#include "frontend/layers.def"
  };
#undef REQ
#undef OPT
#undef OP
#undef NO_OP
#undef PARAMS
  return specs;
}

const LayerSpec *findLayerSpec(const std::string &name) {
  for (const LayerSpec &spec : layerSpecs())
    if (name == spec.name) return &spec;
  return nullptr;
}

const LayerSpec &layerSpec(Kind kind) { return layerSpecs()[size_t(kind)]; }

bool isNone(const Expr *e) {
  return !e || (e->kind == Expr::Kind::Name && (e->text == "none" || e->text == "None"));
}

/// Positive integer constructor argument.
std::optional<int64_t> positive(Sema &s, const Expr &e, const char *what) {
  auto v = s.evalInt(e, what);
  if (v && *v <= 0) {
    s.error(e.loc, std::string(what) + " must be positive, got " + std::to_string(*v));
    return std::nullopt;
  }
  return v;
}

/// The most layers one LSTM, GRU or RNN may stack (language.md).
constexpr int64_t kMaxRecurrentLayers = 1024;

struct RecurrentConfig {
  int64_t inputSize = 0;
};

/// LSTM/GRU/RNN constructor arguments into attributes; weights are added by the caller.
std::optional<RecurrentConfig> recurrentAttrs(Sema &s, Kind kind, const std::vector<const Expr *> &a,
                                              ir::Attrs &attrs) {
  bool isRnn = kind == Kind::RNN;
  auto arg = [&](size_t lstmIndex) { return a[isRnn && lstmIndex >= 3 ? lstmIndex + 1 : lstmIndex]; };
  RecurrentConfig config;
  auto in = positive(s, *a[0], "input_size");
  auto hidden = in ? positive(s, *a[1], "hidden_size") : std::nullopt;
  if (!hidden) return std::nullopt;
  config.inputSize = *in;
  attrs.Hidden = *hidden;
  attrs.Layers = 1;
  if (a[2]) {
    auto layers = positive(s, *a[2], "num_layers");
    if (!layers) return std::nullopt;
    // Each layer declares its own weights: a count from a typo or a hostile
    // file (10^9) would allocate for minutes before failing.
    if (*layers > kMaxRecurrentLayers) {
      s.error(a[2]->loc, "num_layers = " + std::to_string(*layers) + " is over the " +
                             std::to_string(kMaxRecurrentLayers) + " layers a recurrent layer may stack");
      return std::nullopt;
    }
    attrs.Layers = *layers;
  }
  attrs.HasBias = true;
  const std::pair<size_t, bool ir::Attrs::*> flags[] = {
      {3, &ir::Attrs::HasBias}, {4, &ir::Attrs::BatchFirst}, {6, &ir::Attrs::Bidirectional}};
  for (auto [index, field] : flags)
    if (const Expr *e = arg(index)) {
      auto b = s.evalBool(*e, "this argument");
      if (!b) return std::nullopt;
      attrs.*field = *b;
    }
  if (const Expr *dropout = arg(5); dropout && !s.evalConst(*dropout)) return std::nullopt;
  if (kind == Kind::LSTM && a[7]) {
    auto proj = s.evalInt(*a[7], "proj_size");
    if (!proj) return std::nullopt;
    if (*proj != 0) {
      s.error(a[7]->loc, "LSTM with proj_size is not supported");
      return std::nullopt;
    }
  }
  if (isRnn) {
    attrs.Nonlinearity = ir::OpKind::Tanh;
    if (const Expr *nl = a[3]) {
      if (nl->kind != Expr::Kind::String || (nl->text != "tanh" && nl->text != "relu")) {
        s.error(nl->loc, "nonlinearity must be \"tanh\" or \"relu\"");
        return std::nullopt;
      }
      attrs.Nonlinearity = nl->text == "relu" ? ir::OpKind::Relu : ir::OpKind::Tanh;
    }
  }
  return config;
}

} // namespace

bool Sema::declareLayer(const LayerDecl &decl) {
  const std::string name = withoutSelf(decl.name); // PyTorch's self.lstm = nn.LSTM(...)
  const Expr &ctor = *decl.constructor;
  const std::string type = withoutModulePrefix(ctor.text, {"torch.nn.", "nn."}); // nn.LSTM
  const LayerSpec *found = findLayerSpec(type);
  if (!found) {
    std::vector<std::string> names;
    for (const LayerSpec &spec : layerSpecs()) names.push_back(spec.name);
    std::sort(names.begin(), names.end());
    if (auto spelling = pytorchSpelling(type))
      return error(ctor.loc, "unknown layer type '" + ctor.text + "'; write " + *spelling);
    return error(ctor.loc, "unknown layer type '" + ctor.text + "'" + didYouMean(type, names));
  }
  const LayerSpec &spec = *found;
  auto args = bindArguments(CallSite::of(ctor), spec.constructor);
  if (!args) return false;
  const auto &a = *args;
  auto layer = std::make_unique<LayerInfo>();
  layer->kind = spec.kind;
  layer->name = name;
  layer->loc = decl.loc;
  bool tooLarge = false;  // a weight whose byte size overflows int64
  std::string duplicate; // a weight name already taken (by a dotted param)
  auto addWeight = [&](const std::string &suffix, ir::DimList dims, ir::WeightInit init) {
    ir::Type type{DType::F32, std::move(dims)};
    if (!type.constantByteSize()) tooLarge = true;
    if (module().findWeight(name + "." + suffix)) {
      duplicate = name + "." + suffix;
      return;
    }
    layer->weights.push_back(module().addWeight(name + "." + suffix, type, init));
  };
  using Init = ir::WeightInit::Kind;
  switch (spec.kind) {
  case Kind::Linear: {
    auto in = positive(*this, *a[0], "in_features");
    auto out = in ? positive(*this, *a[1], "out_features") : std::nullopt;
    if (!out) return false;
    bool bias = true;
    if (a[2]) {
      auto b = evalBool(*a[2], "bias");
      if (!b) return false;
      bias = *b;
    }
    // kaiming_uniform_(a=sqrt(5)) and the bias both give U(-1/sqrt(in), 1/sqrt(in)).
    ir::WeightInit init{Init::Uniform, 1.0 / std::sqrt(double(*in))};
    addWeight("weight", {*out, *in}, init);
    if (bias) addWeight("bias", {*out}, init);
    break;
  }
  case Kind::Conv1d: {
    auto in = positive(*this, *a[0], "in_channels");
    auto out = in ? positive(*this, *a[1], "out_channels") : std::nullopt;
    auto kernel = out ? positive(*this, *a[2], "kernel_size") : std::nullopt;
    if (!kernel) return false;
    ir::Attrs &at = layer->attrs;
    at.Stride = 1, at.Padding = 0, at.Dilation = 1;
    if (a[3]) {
      auto v = positive(*this, *a[3], "stride");
      if (!v) return false;
      at.Stride = *v;
    }
    if (a[5]) {
      auto v = positive(*this, *a[5], "dilation");
      if (!v) return false;
      at.Dilation = *v;
    }
    if (a[4] && a[4]->kind == Expr::Kind::String) { // PyTorch's "valid" and "same"
      int64_t reach = at.Dilation * (*kernel - 1);
      if (a[4]->text == "same" && (at.Stride != 1 || reach % 2 != 0))
        return error(a[4]->loc, "padding=\"same\" needs stride 1 and an even dilation * (kernel_size - 1) "
                                "(attnc pads both sides equally)");
      if (a[4]->text != "same" && a[4]->text != "valid")
        return error(a[4]->loc, "padding must be an integer, \"valid\" or \"same\"");
      at.Padding = a[4]->text == "same" ? reach / 2 : 0;
    } else if (a[4]) {
      auto v = evalInt(*a[4], "padding");
      if (!v) return false;
      if (*v < 0) return error(a[4]->loc, "padding must be non-negative, got " + std::to_string(*v));
      at.Padding = *v;
    }
    if (a[6]) {
      auto groups = evalInt(*a[6], "groups");
      if (!groups) return false;
      if (*groups != 1) return error(a[6]->loc, "Conv1d supports groups=1 only");
    }
    bool bias = true;
    if (a[7]) {
      auto v = evalBool(*a[7], "bias");
      if (!v) return false;
      bias = *v;
    }
    if (a[8] && (a[8]->kind != Expr::Kind::String || a[8]->text != "zeros"))
      return error(a[8]->loc, "Conv1d supports padding_mode=\"zeros\" only");
    // kaiming_uniform_(a=sqrt(5)) and the bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = C K.
    ir::WeightInit init{Init::Uniform, 1.0 / std::sqrt(double(*in) * double(*kernel))};
    addWeight("weight", {*out, *in, *kernel}, init);
    if (bias) addWeight("bias", {*out}, init);
    break;
  }
  case Kind::Embedding: {
    auto num = positive(*this, *a[0], "num_embeddings");
    auto dim = num ? positive(*this, *a[1], "embedding_dim") : std::nullopt;
    if (!dim) return false;
    if (!isNone(a[2])) {
      auto pad = evalInt(*a[2], "padding_idx");
      if (!pad) return false;
      if (*pad < -*num || *pad >= *num)
        return error(a[2]->loc, "padding_idx must be within num_embeddings");
    }
    ir::WeightInit init{Init::Normal, 0};
    if (!isNone(a[2])) init.zeroRow = (*evalInt(*a[2], "padding_idx") + *num) % *num;
    layer->numEmbeddings = *num;
    addWeight("weight", {*num, *dim}, init);
    break;
  }
  case Kind::LSTM: case Kind::GRU: case Kind::RNN: {
    auto config = recurrentAttrs(*this, spec.kind, a, layer->attrs);
    if (!config) return false;
    const ir::Attrs &at = layer->attrs;
    std::vector<ir::RecurrentWeight> weights = ir::recurrentWeights(*spec.op, at, config->inputSize);
    for (const ir::RecurrentWeight &w : weights)
      for (const ir::Dim &d : w.shape)
        if (d.overflowed())
          return error(a[1]->loc, "hidden_size " + std::to_string(at.Hidden) +
                                      " is too large: the weights' shapes overflow int64");
    ir::WeightInit init{Init::Uniform, 1.0 / std::sqrt(double(at.Hidden))};
    for (ir::RecurrentWeight &w : weights) addWeight(w.name, std::move(w.shape), init);
    break;
  }
  case Kind::LayerNorm: {
    std::vector<int64_t> shape;
    if (a[0]->kind == Expr::Kind::List || a[0]->kind == Expr::Kind::Tuple) { // [2, H] or (2, H)
      for (const ExprPtr &e : a[0]->elements) {
        auto d = positive(*this, *e, "normalized_shape");
        if (!d) return false;
        shape.push_back(*d);
      }
      if (shape.empty()) return error(a[0]->loc, "normalized_shape must not be empty");
    } else {
      auto d = positive(*this, *a[0], "normalized_shape");
      if (!d) return false;
      shape.push_back(*d);
    }
    layer->attrs.NormRank = int64_t(shape.size());
    layer->attrs.Eps = 1e-5;
    if (a[1]) {
      auto eps = evalConst(*a[1]);
      if (!eps) return false;
      layer->attrs.Eps = eps->asDouble();
    }
    bool affine = true, bias = true;
    if (a[2]) {
      auto b = evalBool(*a[2], "elementwise_affine");
      if (!b) return false;
      affine = *b;
    }
    if (a[3]) {
      auto b = evalBool(*a[3], "bias");
      if (!b) return false;
      bias = *b;
    }
    if (affine) {
      ir::DimList dims(shape.begin(), shape.end());
      addWeight("weight", dims, {Init::Ones});
      if (bias) addWeight("bias", dims, {Init::Zeros});
    }
    break;
  }
  case Kind::Tanh: case Kind::Sigmoid:
    break;
  case Kind::ReLU:
    if (a[0] && !evalBool(*a[0], "inplace")) return false; // no effect on the result
    break;
  case Kind::GELU:
    if (a[0] && (a[0]->kind != Expr::Kind::String || a[0]->text != "none"))
      return error(a[0]->loc, "GELU supports approximate=\"none\" (the erf form) only");
    break;
  case Kind::Dropout:
    if (a[0]) {
      auto p = evalConst(*a[0]);
      if (!p) return false;
      if (p->asDouble() < 0 || p->asDouble() > 1)
        return error(a[0]->loc, "dropout probability must be between 0 and 1");
    }
    break;
  }
  if (!duplicate.empty())
    return error(decl.loc, "the weight '" + duplicate + "' is declared twice (a param has this name)");
  if (tooLarge)
    return error(decl.loc, "layer '" + name + "' would have a weight of more than 2^63 bytes");
  Symbol s;
  s.kind = Symbol::Kind::Layer;
  s.loc = decl.loc;
  s.layer = &addLayer(std::move(layer));
  return declareGlobal(name, decl.loc, s);
}

std::optional<Operand> Sema::lowerLayerCall(const Expr &call, LayerInfo &layer) {
  const LayerSpec &spec = layerSpec(layer.kind);
  auto args = bindArguments(CallSite::of(call), spec.call);
  if (!args) return std::nullopt;
  auto a = *args;
  auto x = lowerTensor(*a[0]);
  if (!x) return std::nullopt;
  auto single = [&](ir::Value *v) -> std::optional<Operand> {
    if (!v) return std::nullopt;
    return Operand{v, std::nullopt, call.loc};
  };
  std::vector<ir::Value *> operands = {*x};
  switch (layer.kind) {
  case Kind::Dropout: return single(*x);
  case Kind::Tanh: case Kind::Sigmoid: case Kind::ReLU: case Kind::GELU: {
    // As the builtin of the same op: an f32 op casts an integer input first.
    ir::Value *input = ir::hasTrait(*spec.op, ir::T_FLOAT) ? castTo(*x, DType::F32, call.loc) : *x;
    return single(emit(*spec.op, {input}, {}, call.loc));
  }
  case Kind::Linear: case Kind::Embedding: case Kind::LayerNorm: case Kind::Conv1d: {
    operands.insert(operands.end(), layer.weights.begin(), layer.weights.end());
    return single(emit(*spec.op, operands, layer.attrs, call.loc));
  }
  case Kind::LSTM: case Kind::GRU: case Kind::RNN: {
    ir::Attrs attrs = layer.attrs;
    bool isLstm = layer.kind == Kind::LSTM;
    size_t lengthsIndex = isLstm ? 3 : 2;
    std::vector<ir::Value *> state;
    // PyTorch's lstm(x, (h0, c0)): the state as one tuple argument.
    if (isLstm && !isNone(a[1]) && isNone(a[2])) {
      auto hc = lowerValue(*a[1]);
      if (!hc) return std::nullopt;
      if (!hc->isTuple || hc->elements.size() != 2) {
        error(a[1]->loc, "'" + layer.name + "' takes its initial state as the tuple (h0, c0), " +
                             "as in PyTorch, or as h0, c0 separately; this is not a pair");
        return std::nullopt;
      }
      for (const Operand &o : hc->elements) {
        if (o.isTuple || o.isLiteral()) {
          error(a[1]->loc, "'" + layer.name + "': h0 and c0 must be tensors");
          return std::nullopt;
        }
        state.push_back(o.value);
      }
    } else {
      if (isLstm && isNone(a[1]) != isNone(a[2])) {
        error(call.loc, "'" + layer.name + "' needs both h0 and c0, or neither");
        return std::nullopt;
      }
      for (size_t i = 1; i < lengthsIndex; ++i)
        if (!isNone(a[i])) {
          auto h = lowerTensor(*a[i]);
          if (!h) return std::nullopt;
          state.push_back(*h);
        }
    }
    attrs.HasInitialState = !state.empty();
    operands.insert(operands.end(), state.begin(), state.end());
    if (!isNone(a[lengthsIndex])) {
      auto lengths = lowerTensor(*a[lengthsIndex]);
      if (!lengths) return std::nullopt;
      operands.push_back(*lengths);
      attrs.HasLengths = true;
    }
    operands.insert(operands.end(), layer.weights.begin(), layer.weights.end());
    auto results = emitMulti(*spec.op, operands, attrs, call.loc);
    if (!results) return std::nullopt;
    // PyTorch's structure: (out, (h_n, c_n)) for an LSTM, (out, h_n) otherwise.
    std::vector<Operand> r;
    for (ir::Value *v : *results) r.push_back(Operand{v, std::nullopt, call.loc});
    if (isLstm) return Operand::tuple({r[0], Operand::tuple({r[1], r[2]}, call.loc)}, call.loc);
    return Operand::tuple(std::move(r), call.loc);
  }
  }
  return std::nullopt;
}

} // namespace attn::frontend
