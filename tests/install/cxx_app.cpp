// A C++ application of the installed attn (linked statically): compiles a
// model file with a weights file for the interpreter and the llvm backend,
// runs the same tokens on both and checks that they agree (the interpreter
// is the reference). Usage: cxx_app MODEL WEIGHTS [name=value ...]
#include <attn/attn.hpp>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char **argv) {
  namespace api = attn::api;
  if (argc < 3) {
    std::fprintf(stderr, "usage: cxx_app MODEL WEIGHTS [name=value ...]\n");
    return 2;
  }
  api::CompileOptions options;
  options.threads = 1;
  options.cacheDir = "off";
  for (int i = 3; i < argc; ++i) {
    std::string define = argv[i];
    auto eq = define.find('=');
    options.defines.emplace_back(define.substr(0, eq), eq == std::string::npos ? "" : define.substr(eq + 1));
  }
  std::vector<int64_t> tokens = {3, 14, 15, 9, 26, 5, 35, 8, 9, 7};
  std::vector<std::vector<api::Tensor>> runs;
  for (api::Backend backend : {api::Backend::Interp, api::Backend::LLVM}) {
    options.backend = backend;
    auto module = api::Module::compile(api::ModelSource::file(argv[1]), api::Weights::file(argv[2]), options);
    if (!module) {
      std::fprintf(stderr, "cxx_app: %s\n", module.status().message().c_str());
      return 1;
    }
    const api::FunctionInfo *f = module->function("forward");
    if (!f) {
      std::fprintf(stderr, "cxx_app: no function 'forward'\n");
      return 1;
    }
    std::printf("%s [%s]\n", f->signature().c_str(), std::string(module->backend()).c_str());
    auto results = module->run("forward", {api::TensorRef::of("tokens", {2, 5}, tokens.data())});
    if (!results) {
      std::fprintf(stderr, "cxx_app: %s\n", results.status().message().c_str());
      return 1;
    }
    runs.push_back(std::move(*results));
    // An unknown argument name is an error value.
    auto bad = module->run("forward", {api::TensorRef::of("tokenz", {2, 5}, tokens.data())});
    if (bad || bad.status().code() != api::ErrorCode::Input) {
      std::fprintf(stderr, "cxx_app: an unknown input name was not an input error\n");
      return 1;
    }
  }
  int failures = 0;
  for (size_t r = 0; r < runs[0].size(); ++r) {
    const api::Tensor &ref = runs[0][r], &got = runs[1][r];
    if (ref.shape() != got.shape()) {
      std::fprintf(stderr, "cxx_app: %s: the shapes differ\n", ref.name().c_str());
      return 1;
    }
    std::printf("%s:", ref.name().c_str());
    for (int64_t i = 0; i < ref.numElements(); ++i) {
      float a = ref.as<float>()[i], b = got.as<float>()[i];
      std::printf(" %.5f", b);
      if (std::fabs(a - b) > 1e-5 + 1e-4 * std::fabs(a)) ++failures;
    }
    std::printf("\n");
  }
  if (failures) {
    std::fprintf(stderr, "cxx_app: %d values differ between interp and llvm\n", failures);
    return 1;
  }
  std::printf("cxx_app: ok\n");
  return 0;
}
