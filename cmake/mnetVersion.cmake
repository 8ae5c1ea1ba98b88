# mnet's version has one source: the MNET_VERSION_* macros in include/mnet/version.hpp
# (a header-only user sees them without CMake). This file reads them into
# MNET_VERSION for project(VERSION ...), so the package version file cannot drift,
# and stops the configure if MNET_VERSION_STRING disagrees with the three numbers.
file(STRINGS "${CMAKE_CURRENT_LIST_DIR}/../include/mnet/version.hpp" _mnet_version_lines
     REGEX "^#define MNET_VERSION_(MAJOR|MINOR|PATCH|STRING) ")
foreach(_part MAJOR MINOR PATCH STRING)
  string(REGEX MATCH "#define MNET_VERSION_${_part} +\"?([0-9.]+)\"?" _match "${_mnet_version_lines}")
  if(NOT _match)
    message(FATAL_ERROR "include/mnet/version.hpp: no MNET_VERSION_${_part} definition")
  endif()
  set(_mnet_${_part} "${CMAKE_MATCH_1}")
endforeach()
set(MNET_VERSION "${_mnet_MAJOR}.${_mnet_MINOR}.${_mnet_PATCH}")
if(NOT _mnet_STRING STREQUAL MNET_VERSION)
  message(FATAL_ERROR "include/mnet/version.hpp: MNET_VERSION_STRING is \"${_mnet_STRING}\" "
                      "but MAJOR.MINOR.PATCH give ${MNET_VERSION}")
endif()
unset(_mnet_version_lines)
unset(_match)
foreach(_part MAJOR MINOR PATCH STRING)
  unset(_mnet_${_part})
endforeach()
