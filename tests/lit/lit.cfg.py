# lit configuration for attnc's FileCheck tests. Each .attn/.test file under
# tests/lit is a test; RUN lines use attnc, FileCheck, not and %examples.
import os
import platform
import sys
import lit.formats

config.name = "attnc"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".attn", ".test", ".ir"]
config.excludes = ["Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.attn_binary_dir, "tests", "lit")

tools = os.path.join(config.attn_binary_dir, "tools", "attnc")
example_app = os.path.join(config.attn_binary_dir, "examples", "sentiment")  # attn-sentiment
config.environment["PATH"] = os.pathsep.join(
    [tools, example_app, config.llvm_tools_dir, config.environment.get("PATH", os.environ["PATH"])])
for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "OMP_NUM_THREADS", "OMP_WAIT_POLICY"):
    if var in os.environ:
        config.environment[var] = os.environ[var]
# The tests compile; the object cache's own tests name their directory.
config.environment["ATTNC_CACHE_DIR"] = "off"
config.substitutions.append(("%python", sys.executable))
config.substitutions.append(("%examples", os.path.join(config.attn_source_dir, "examples")))
config.substitutions.append(("%golden", os.path.join(config.attn_source_dir, "tests", "golden")))
# Tests of x86 code generation (--mcpu names) need an x86-64 host.
if platform.machine() in ("x86_64", "AMD64"):
    config.available_features.add("x86_64")
