# install() rules and the exported CMake package: find_package(minidl) then
# target_link_libraries(app PRIVATE minidl::minidl).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# The installed library keeps the run path of the libraries it links outside the
# system folders (CUDA toolkit, a pip wheel's cuDNN), so it loads without LD_LIBRARY_PATH.
set_target_properties(minidl PROPERTIES INSTALL_RPATH_USE_LINK_PATH TRUE)
install(TARGETS minidl EXPORT minidlTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES minidl.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/minidl)
install(DIRECTORY core kernels layers optim data models train
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/minidl
  FILES_MATCHING PATTERN "*.h")
install(EXPORT minidlTargets NAMESPACE minidl:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/minidl)

configure_package_config_file(cmake/minidlConfig.cmake.in
  ${PROJECT_BINARY_DIR}/minidlConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/minidl)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/minidlConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/minidlConfig.cmake ${PROJECT_BINARY_DIR}/minidlConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/minidl)
