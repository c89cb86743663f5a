# `cmake --install`: libattn.so and libattn.a, the public headers, attnc, a
# CMake package (find_package(attn) -> attn::attn, attn::attn_static) and a
# pkg-config file (attn.pc). tests/install/ builds applications against the
# installed tree (docs/embedding.md).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS attn attn_static attnc
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${PROJECT_SOURCE_DIR}/include/attn/attn.h ${PROJECT_SOURCE_DIR}/include/attn/attn.hpp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/attn)

# libattn.a's users link what it uses: LLVM's one shared library, oneDNN's,
# OpenMP (the runtime oneDNN runs on), threads.
set(ATTN_LLVM_SHARED_LIBRARY "${LLVM_LIBRARY_DIR}/libLLVM.so.${LLVM_VERSION_MAJOR}.${LLVM_VERSION_MINOR}")
get_target_property(ATTN_DNNL_SHARED_LIBRARY DNNL::dnnl IMPORTED_LOCATION_RELEASE)
if(NOT ATTN_DNNL_SHARED_LIBRARY)
  get_target_property(ATTN_DNNL_SHARED_LIBRARY DNNL::dnnl LOCATION)
endif()
set(ATTN_OPENMP_LIBRARIES ${ATTN_OPENMP_LIBRARY})
set(ATTN_CONFIG_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/attn)
file(RELATIVE_PATH ATTN_CONFIG_TO_PREFIX "/prefix/${ATTN_CONFIG_DIR}" "/prefix")
configure_file(${PROJECT_SOURCE_DIR}/cmake/attnConfig.cmake.in ${PROJECT_BINARY_DIR}/attnConfig.cmake @ONLY)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/attnConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/attnConfig.cmake ${PROJECT_BINARY_DIR}/attnConfigVersion.cmake
  DESTINATION ${ATTN_CONFIG_DIR})

configure_file(${PROJECT_SOURCE_DIR}/cmake/attn.pc.in ${PROJECT_BINARY_DIR}/attn.pc.in @ONLY)
# The prefix is the one given at install time (cmake --install --prefix).
install(CODE "
  file(READ \"${PROJECT_BINARY_DIR}/attn.pc.in\" pc)
  string(REPLACE \"%ATTN_INSTALL_PREFIX%\" \"\${CMAKE_INSTALL_PREFIX}\" pc \"\${pc}\")
  file(WRITE \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig/attn.pc\" \"\${pc}\")
  message(STATUS \"Installing: \$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig/attn.pc\")")
