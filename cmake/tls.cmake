# The mbedTLS transport, included by the top-level CMakeLists.txt after
# emhttp_core is defined and before the ports.
#
# EMHTTP_TLS (default ON when mbedTLS is found): compile core/src/tls.c into
#   emhttp_core, define CONFIG_EMHTTP_TLS=1 for it and everything linking
#   it, and link mbedTLS (mbedtls, mbedx509, mbedcrypto).
# EMHTTP_MBEDTLS_DIR: prefix of a custom mbedTLS build (include/, lib/),
#   e.g. the static-arena build printed by cmake/fetch-mbedtls.sh; its
#   headers (and so its config.h: record buffer sizes, the buffer
#   allocator) take the place of the system's.  Empty = Debian's
#   libmbedtls-dev (2.28, libc heap).  Cross builds use TLS only with it.

set(EMHTTP_MBEDTLS_DIR "" CACHE PATH
    "Prefix of a custom mbedTLS build (include/, lib/); empty = the system's (libmbedtls-dev)")

# Searching again when the prefix changes (the results are cached).
if(NOT "${EMHTTP_MBEDTLS_DIR}" STREQUAL "${_EMHTTP_MBEDTLS_DIR_USED}")
  unset(EMHTTP_MBEDTLS_INCLUDE_DIR CACHE)
  unset(EMHTTP_MBEDTLS_LIB CACHE)
  unset(EMHTTP_MBEDX509_LIB CACHE)
  unset(EMHTTP_MBEDCRYPTO_LIB CACHE)
  set(_EMHTTP_MBEDTLS_DIR_USED "${EMHTTP_MBEDTLS_DIR}" CACHE INTERNAL "")
endif()

if(EMHTTP_MBEDTLS_DIR)
  set(_emhttp_mbedtls_hints PATHS ${EMHTTP_MBEDTLS_DIR} NO_DEFAULT_PATH)
  set(_emhttp_mbedtls_libnames libmbedtls.a mbedtls)
  set(_emhttp_mbedx509_libnames libmbedx509.a mbedx509)
  set(_emhttp_mbedcrypto_libnames libmbedcrypto.a mbedcrypto)
elseif(NOT CMAKE_CROSSCOMPILING)
  set(_emhttp_mbedtls_hints)
  set(_emhttp_mbedtls_libnames mbedtls)
  set(_emhttp_mbedx509_libnames mbedx509)
  set(_emhttp_mbedcrypto_libnames mbedcrypto)
endif()

if(EMHTTP_MBEDTLS_DIR OR NOT CMAKE_CROSSCOMPILING)
  find_path(EMHTTP_MBEDTLS_INCLUDE_DIR mbedtls/ssl.h ${_emhttp_mbedtls_hints} PATH_SUFFIXES include)
  find_library(EMHTTP_MBEDTLS_LIB NAMES ${_emhttp_mbedtls_libnames} ${_emhttp_mbedtls_hints}
               PATH_SUFFIXES lib)
  find_library(EMHTTP_MBEDX509_LIB NAMES ${_emhttp_mbedx509_libnames} ${_emhttp_mbedtls_hints}
               PATH_SUFFIXES lib)
  find_library(EMHTTP_MBEDCRYPTO_LIB NAMES ${_emhttp_mbedcrypto_libnames} ${_emhttp_mbedtls_hints}
               PATH_SUFFIXES lib)
endif()

if(EMHTTP_MBEDTLS_INCLUDE_DIR AND EMHTTP_MBEDTLS_LIB AND EMHTTP_MBEDX509_LIB AND EMHTTP_MBEDCRYPTO_LIB)
  set(_emhttp_mbedtls_found ON)
else()
  set(_emhttp_mbedtls_found OFF)
endif()

# Default: ON when mbedTLS is found.  The default follows later configures
# (e.g. EMHTTP_MBEDTLS_DIR set once its build exists) until the user sets
# EMHTTP_TLS to something else.
if(NOT DEFINED EMHTTP_TLS OR
   (DEFINED _EMHTTP_TLS_AUTO AND "${EMHTTP_TLS}" STREQUAL "${_EMHTTP_TLS_AUTO}"))
  set(EMHTTP_TLS ${_emhttp_mbedtls_found} CACHE BOOL
      "HTTPS through mbedTLS (default: ON when mbedTLS is found)" FORCE)
  set(_EMHTTP_TLS_AUTO ${_emhttp_mbedtls_found} CACHE INTERNAL "")
endif()

if(EMHTTP_TLS)
  if(NOT _emhttp_mbedtls_found)
    message(FATAL_ERROR "EMHTTP_TLS: mbedTLS not found (apt-get install libmbedtls-dev, "
                        "or -DEMHTTP_MBEDTLS_DIR=<prefix of a custom build>)")
  endif()
  target_sources(emhttp_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../core/src/tls.c)
  target_compile_definitions(emhttp_core PUBLIC CONFIG_EMHTTP_TLS=1)
  # BEFORE: a custom build's headers (its config.h) win over /usr/include.
  target_include_directories(emhttp_core BEFORE PUBLIC $<BUILD_INTERFACE:${EMHTTP_MBEDTLS_INCLUDE_DIR}>)
  target_link_libraries(emhttp_core PUBLIC
    ${EMHTTP_MBEDTLS_LIB} ${EMHTTP_MBEDX509_LIB} ${EMHTTP_MBEDCRYPTO_LIB})
  file(STRINGS ${EMHTTP_MBEDTLS_INCLUDE_DIR}/mbedtls/version.h _emhttp_mbedtls_ver
       REGEX "#define MBEDTLS_VERSION_STRING +\"")
  string(REGEX REPLACE ".*\"(.*)\".*" "\\1" _emhttp_mbedtls_ver "${_emhttp_mbedtls_ver}")
  message(STATUS "emhttp: TLS with mbedTLS ${_emhttp_mbedtls_ver} "
                 "(${EMHTTP_MBEDTLS_INCLUDE_DIR}, ${EMHTTP_MBEDTLS_LIB})")
else()
  message(STATUS "emhttp: TLS off")
endif()
