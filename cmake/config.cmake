# Build configuration, included by the top-level CMakeLists.txt after
# emhttp_core is defined.
#
# Included before cmake/tls.cmake.
#
# EMHTTP_KCONFIG_CONFIG=path/to/.config: generate emhttp_config.h from a
#   Kconfig .config with Debian's python3-kconfiglib (genconfig) at
#   configure time, checked strictly (unknown options and out-of-range
#   values fail the configure), and put it on emhttp_core's public include
#   path.  Its CONFIG_EMHTTP_TLS sets EMHTTP_TLS (cmake/tls.cmake: compile
#   and link the mbedTLS glue).  Re-generated when the .config or the
#   Kconfig changes.  Target emhttp_menuconfig edits the .config.
# EMHTTP_FREESTANDING_LIBC (set by toolchain files for compilers without a
#   C library): emhttp_core links cmake/freestanding/string.c.

set(EMHTTP_KCONFIG_CONFIG "" CACHE FILEPATH "Kconfig .config to generate emhttp_config.h from")
set(EMHTTP_KCONFIG_PYTHON /usr/bin/python3 CACHE FILEPATH "Python with kconfiglib (Debian: python3-kconfiglib)")

if(EMHTTP_KCONFIG_CONFIG)
  set(_kconfig ${CMAKE_CURRENT_LIST_DIR}/../Kconfig)
  get_filename_component(_kconfig ${_kconfig} ABSOLUTE)
  get_filename_component(_dotconfig ${EMHTTP_KCONFIG_CONFIG} ABSOLUTE)
  set(EMHTTP_CONFIG_HEADER ${CMAKE_CURRENT_BINARY_DIR}/emhttp_kconfig/emhttp_config.h)
  file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/emhttp_kconfig)
  execute_process(
    COMMAND ${EMHTTP_KCONFIG_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/kconfig_header.py
            ${_kconfig} ${_dotconfig} ${EMHTTP_CONFIG_HEADER}
    RESULT_VARIABLE _rc ERROR_VARIABLE _err)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "EMHTTP_KCONFIG_CONFIG: cannot generate emhttp_config.h "
                        "from ${_dotconfig}:\n${_err}")
  endif()
  file(STRINGS ${EMHTTP_CONFIG_HEADER} _tls REGEX "^#define CONFIG_EMHTTP_TLS 1$")
  if(_tls)
    set(EMHTTP_TLS ON)
  else()
    set(EMHTTP_TLS OFF)
  endif()
  message(STATUS "emhttp: ${EMHTTP_CONFIG_HEADER} from ${_dotconfig} (EMHTTP_TLS ${EMHTTP_TLS})")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_kconfig} ${_dotconfig})
  target_include_directories(emhttp_core BEFORE PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_BINARY_DIR}/emhttp_kconfig>)
  add_custom_target(emhttp_menuconfig
    COMMAND ${CMAKE_COMMAND} -E env KCONFIG_CONFIG=${_dotconfig}
            ${EMHTTP_KCONFIG_PYTHON} -m menuconfig ${_kconfig}
    USES_TERMINAL)
endif()

if(EMHTTP_FREESTANDING_LIBC)
  add_library(emhttp_freestanding_libc STATIC ${CMAKE_CURRENT_LIST_DIR}/freestanding/string.c)
  target_compile_options(emhttp_freestanding_libc PRIVATE
    $<$<C_COMPILER_ID:GNU>:-fno-tree-loop-distribute-patterns>)
  target_link_libraries(emhttp_core PUBLIC emhttp_freestanding_libc)
endif()

# jsmn (the JSON reader's tokenizer) is one target-independent header.  A
# cross compiler does not search the host's /usr/include (and must not: the
# host's libc headers would shadow the target's), so a cross build takes
# jsmn.h alone from EMHTTP_JSMN_INCLUDE_DIR (default: the host's, from
# Debian's libjsmn-dev) through a directory of its own.
if(CMAKE_CROSSCOMPILING)
  find_path(EMHTTP_JSMN_INCLUDE_DIR jsmn.h PATHS /usr/include NO_CMAKE_FIND_ROOT_PATH
            DOC "Directory of jsmn.h for cross builds")
  if(EMHTTP_JSMN_INCLUDE_DIR)
    configure_file(${EMHTTP_JSMN_INCLUDE_DIR}/jsmn.h
                   ${CMAKE_CURRENT_BINARY_DIR}/emhttp_jsmn/jsmn.h COPYONLY)
    target_include_directories(emhttp_core PRIVATE ${CMAKE_CURRENT_BINARY_DIR}/emhttp_jsmn)
  endif()
endif()
