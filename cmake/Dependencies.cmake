# Every external dependency, found once. scripts/install-deps.sh installs them.
find_package(LLVM 19.1 REQUIRED CONFIG HINTS /usr/lib/llvm-19/lib/cmake/llvm)
separate_arguments(LLVM_DEFINITIONS_LIST NATIVE_COMMAND ${LLVM_DEFINITIONS})
find_package(dnnl 2.6 REQUIRED CONFIG)
# oneDNN (Debian's) runs on GCC's OpenMP runtime, libgomp (libdnnl.so needs
# it); the dnnl backend calls omp_set_num_threads from it, declared by hand
# rather than through <omp.h> and find_package(OpenMP), which clang (the
# fuzz build) would point at LLVM's libomp, a package we do not install.
set(ATTN_OPENMP_LIBRARY gomp)
find_package(GTest REQUIRED CONFIG)
find_package(benchmark REQUIRED CONFIG)
find_package(Threads REQUIRED)

set(ATTN_LLVM_TOOLS_DIR "${LLVM_TOOLS_BINARY_DIR}")
set(ATTN_LIT "${LLVM_TOOLS_BINARY_DIR}/../build/utils/lit/lit.py")

# LLVM as one shared library (never also static components: duplicate cl::opt
# registration aborts), its headers as SYSTEM (they are not -Wextra clean).
add_library(attn_llvm INTERFACE)
target_include_directories(attn_llvm SYSTEM INTERFACE ${LLVM_INCLUDE_DIRS})
target_compile_definitions(attn_llvm INTERFACE ${LLVM_DEFINITIONS_LIST})
target_link_libraries(attn_llvm INTERFACE LLVM)
