# attn_add_library(NAME SOURCES... [DEPS ...]): a project library with the
# project's warnings, include root and sanitizers.
function(attn_target_options target)
  # -Werror=switch in every build: a switch over OpKind (or any enum) that
  # misses a case does not compile, with or without ATTN_WERROR.
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror=switch)
  if(ATTN_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
  if(ATTN_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${ATTN_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
    target_link_options(${target} PUBLIC -fsanitize=${ATTN_SANITIZE})
  endif()
endfunction()

function(attn_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  # Position-independent: the libraries' objects also make libattn.so (api/).
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  attn_target_options(${name})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()
