# Build configuration, included by the top-level CMakeLists.txt after
# emhttp_core is defined.
#
# Included before cmake/tls.cmake.
#
# The configuration header (EMHTTP_CONFIG_HEADER), one of:
# EMHTTP_KCONFIG_CONFIG=path/to/.config: generate emhttp_config.h from a
#   Kconfig .config with Debian's python3-kconfiglib (genconfig) at
#   configure time, checked strictly (unknown options and out-of-range
#   values fail the configure).  Re-generated when the .config or the
#   Kconfig changes.  Target emhttp_menuconfig edits the .config.
# EMHTTP_CONFIG_FILE=path/to/header.h: a hand-written emhttp_config.h, or a
#   header a Kconfig tool generated (kconfig-frontends' autoconf.h, ESP-IDF's
#   sdkconfig.h: a bool that is n may be missing, see opt.h).
# neither: every option at its default; the configure says so and writes a
#   header that says so (emhttp_defaults/emhttp_config.h).
# emhttp_core and everything linking it compile with
# EMHTTP_CONFIG_FILE="<the header>" (opt.h includes it), and cmake --install
# installs it as include/emhttp/emhttp_config.h next to opt.h, which finds
# it first: the installed headers keep the configuration the libraries were
# built with.  Its CONFIG_EMHTTP_TLS (when it defines it) sets EMHTTP_TLS
# (cmake/tls.cmake: compile and link the mbedTLS glue).
# EMHTTP_FREESTANDING_LIBC (set by toolchain files for compilers without a
#   C library): emhttp_core links cmake/freestanding/string.c.

set(EMHTTP_KCONFIG_CONFIG "" CACHE FILEPATH "Kconfig .config to generate emhttp_config.h from")
set(EMHTTP_KCONFIG_PYTHON /usr/bin/python3 CACHE FILEPATH "Python with kconfiglib (Debian: python3-kconfiglib)")

set(EMHTTP_CONFIG_FILE "" CACHE FILEPATH
    "emhttp_config.h (hand-written, or a Kconfig tool's autoconf.h) to build emhttp with")

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
  set(_from "from ${_dotconfig}")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_kconfig} ${_dotconfig})
  add_custom_target(emhttp_menuconfig
    COMMAND ${CMAKE_COMMAND} -E env KCONFIG_CONFIG=${_dotconfig}
            ${EMHTTP_KCONFIG_PYTHON} -m menuconfig ${_kconfig}
    USES_TERMINAL)
elseif(EMHTTP_CONFIG_FILE)
  get_filename_component(EMHTTP_CONFIG_HEADER ${EMHTTP_CONFIG_FILE} ABSOLUTE)
  if(NOT EXISTS ${EMHTTP_CONFIG_HEADER})
    message(FATAL_ERROR "EMHTTP_CONFIG_FILE: ${EMHTTP_CONFIG_HEADER} does not exist")
  endif()
  set(_from "(EMHTTP_CONFIG_FILE)")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${EMHTTP_CONFIG_HEADER})
else()
  set(EMHTTP_CONFIG_HEADER ${CMAKE_CURRENT_BINARY_DIR}/emhttp_defaults/emhttp_config.h)
  file(WRITE ${EMHTTP_CONFIG_HEADER}.tmp
       "/* emhttp configuration: every option at its default (core/include/emhttp/opt.h).\n"
       " * Written by CMake: neither EMHTTP_KCONFIG_CONFIG nor EMHTTP_CONFIG_FILE was given. */\n")
  configure_file(${EMHTTP_CONFIG_HEADER}.tmp ${EMHTTP_CONFIG_HEADER} COPYONLY)
  set(_from "(every option at its default: no EMHTTP_KCONFIG_CONFIG or EMHTTP_CONFIG_FILE)")
endif()

# The header's TLS choice, when it makes one, is the build's.
file(STRINGS ${EMHTTP_CONFIG_HEADER} _tls REGEX "^#define CONFIG_EMHTTP_(TLS|KCONFIG) ")
if(_tls MATCHES "CONFIG_EMHTTP_TLS 1")
  set(EMHTTP_TLS ON)
elseif(_tls)  # TLS 0, or a Kconfig header without it (n)
  set(EMHTTP_TLS OFF)
endif()
message(STATUS "emhttp: ${EMHTTP_CONFIG_HEADER} ${_from}")
target_compile_definitions(emhttp_core PUBLIC
  "$<BUILD_INTERFACE:EMHTTP_CONFIG_FILE=\"${EMHTTP_CONFIG_HEADER}\">")

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
