# Install rules: headers, the mnet::mnet and mnet::header_only targets (and the one
# source mnet::mnet compiles into its consumers) and a package config, so that
# `find_package(mnet CONFIG REQUIRED)` works against the install prefix.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/mnet DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS mnet mnet_header_only EXPORT mnetTargets)
install(FILES ${PROJECT_SOURCE_DIR}/cmake/mnet_loaders.cpp DESTINATION ${CMAKE_INSTALL_DATADIR}/mnet)
install(EXPORT mnetTargets NAMESPACE mnet:: DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/mnet)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/mnetConfig.cmake.in
  ${PROJECT_BINARY_DIR}/mnetConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/mnet)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/mnetConfigVersion.cmake
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES ${PROJECT_BINARY_DIR}/mnetConfig.cmake ${PROJECT_SOURCE_DIR}/cmake/mnetDependencies.cmake ${PROJECT_BINARY_DIR}/mnetConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/mnet)
