# cmake/lwip.cmake - the lwIP port, lwIP itself (from LWIP_DIR), the
# lwIP example and the lwIP tests.
#
# LWIP_DIR: an unpacked lwIP source tree, normally Debian's source package
# as fetched by cmake/fetch-lwip.sh (prints the directory).  lwIP's own
# src/Filelists.cmake is not used (it writes into the source tree): the
# core files are listed here.
#
# Targets (host):
#   lwip_nosys, lwip_sys             lwIP core, NO_SYS=1 / NO_SYS=0 (+ unix sys_arch.c)
#   emhttp_port_lwip_nosys, _sys     port/lwip/emhttp_lwip.c on each
#   emhttp_lwip_host_nosys, _sys     tap driver, sys_now, LWIP_RAND (tests, example)
#   emhttp_lwip_example              examples/lwip (super-loop on the tap)
# Cross builds (CMAKE_CROSSCOMPILING): lwip_nosys and emhttp_port_lwip_nosys.

set(LWIP_DIR "" CACHE PATH "lwIP source tree (cmake/fetch-lwip.sh prints one)")
if(NOT LWIP_DIR)
  message(STATUS "emhttp: LWIP_DIR not set - skipping the lwIP port, its example and its "
                 "tests (run cmake/fetch-lwip.sh and pass -DLWIP_DIR=<printed directory>)")
  return()
endif()
if(NOT EXISTS "${LWIP_DIR}/src/include/lwip/opt.h")
  message(FATAL_ERROR "LWIP_DIR=${LWIP_DIR} holds no lwIP sources (src/include/lwip/opt.h)")
endif()
message(STATUS "emhttp: lwIP from ${LWIP_DIR}")

set(EMHTTP_LWIP_PORT_DIR ${PROJECT_SOURCE_DIR}/port/lwip)

set(EMHTTP_LWIP_CORE_SOURCES
  src/core/init.c src/core/def.c src/core/dns.c src/core/inet_chksum.c src/core/ip.c
  src/core/mem.c src/core/memp.c src/core/netif.c src/core/pbuf.c src/core/raw.c
  src/core/stats.c src/core/sys.c src/core/tcp.c src/core/tcp_in.c src/core/tcp_out.c
  src/core/timeouts.c src/core/udp.c
  src/core/ipv4/etharp.c src/core/ipv4/icmp.c src/core/ipv4/ip4.c
  src/core/ipv4/ip4_addr.c src/core/ipv4/ip4_frag.c
  src/core/ipv6/ethip6.c src/core/ipv6/icmp6.c src/core/ipv6/inet6.c src/core/ipv6/ip6.c
  src/core/ipv6/ip6_addr.c src/core/ipv6/ip6_frag.c src/core/ipv6/mld6.c src/core/ipv6/nd6.c
  src/netif/ethernet.c)
list(TRANSFORM EMHTTP_LWIP_CORE_SOURCES PREPEND "${LWIP_DIR}/")

# lwIP 2.1.3 builds clean with the project's warnings (-Wall -Wextra
# -Wshadow -Wstrict-prototypes -Werror) on gcc, clang and arm-none-eabi-gcc.
# Should another lwIP need relaxations, they go here, and apply only to
# the lwIP library targets, never to emhttp's own files.
set(EMHTTP_LWIP_WARNING_RELAX "" CACHE STRING "Extra flags for lwIP's own sources only")

# lwip_<variant>: lwIP's core with config/<variant>/lwipopts.h and arch/cc.h.
function(emhttp_lwip_library variant)
  add_library(lwip_${variant} STATIC ${EMHTTP_LWIP_CORE_SOURCES} ${ARGN})
  target_include_directories(lwip_${variant} PUBLIC
    ${EMHTTP_LWIP_PORT_DIR}/config/${variant}
    ${EMHTTP_LWIP_PORT_DIR}
    ${LWIP_DIR}/src/include)
  target_compile_options(lwip_${variant} PRIVATE ${EMHTTP_LWIP_WARNING_RELAX})
endfunction()

# emhttp_port_lwip_<variant>: the port on that lwIP (full warnings).
function(emhttp_lwip_port variant)
  add_library(emhttp_port_lwip_${variant} STATIC ${EMHTTP_LWIP_PORT_DIR}/emhttp_lwip.c)
  target_include_directories(emhttp_port_lwip_${variant} PUBLIC ${EMHTTP_LWIP_PORT_DIR}/include)
  target_link_libraries(emhttp_port_lwip_${variant} PUBLIC emhttp_core lwip_${variant})
endfunction()

emhttp_lwip_library(nosys)
emhttp_lwip_port(nosys)

if(CMAKE_CROSSCOMPILING OR NOT UNIX)
  return()
endif()

# NO_SYS=0: the unix port's sys_arch.c (pthreads) from the same source
# package stands in for the RTOS.  Debian keeps it in port/, upstream's
# contrib in contrib/ports/unix/port/.
find_path(EMHTTP_LWIP_UNIX_PORT sys_arch.c
  PATHS ${LWIP_DIR}/port ${LWIP_DIR}/contrib/ports/unix/port NO_DEFAULT_PATH)
if(NOT EMHTTP_LWIP_UNIX_PORT)
  message(FATAL_ERROR "no unix port sys_arch.c under ${LWIP_DIR}")
endif()
emhttp_lwip_library(sys ${LWIP_DIR}/src/api/tcpip.c
                    ${EMHTTP_LWIP_UNIX_PORT}/sys_arch.c)
# arch/sys_arch.h comes from the unix port; our arch/cc.h and lwipopts.h
# are found first (listed before it).
target_include_directories(lwip_sys PUBLIC ${EMHTTP_LWIP_UNIX_PORT}/include)
target_compile_definitions(lwip_sys PRIVATE _GNU_SOURCE)
target_link_libraries(lwip_sys PUBLIC Threads::Threads)
emhttp_lwip_port(sys)

foreach(variant nosys sys)
  add_library(emhttp_lwip_host_${variant} STATIC ${EMHTTP_LWIP_PORT_DIR}/host/tapif.c)
  target_include_directories(emhttp_lwip_host_${variant} PUBLIC ${EMHTTP_LWIP_PORT_DIR}/host)
  target_link_libraries(emhttp_lwip_host_${variant} PUBLIC lwip_${variant})
  # lwIP calls back into the host support (sys_now, lwip_port_rand).
  target_link_libraries(lwip_${variant} INTERFACE emhttp_lwip_host_${variant})
endforeach()

if(EMHTTP_BUILD_EXAMPLES)
  add_executable(emhttp_lwip_example
    ${PROJECT_SOURCE_DIR}/examples/lwip/main.c
    ${PROJECT_SOURCE_DIR}/examples/lwip/board_tap.c
    ${PROJECT_SOURCE_DIR}/examples/common/lwip_bringup.c
    ${PROJECT_SOURCE_DIR}/examples/common/reading.c
    ${PROJECT_SOURCE_DIR}/examples/common/test_net.c)
  target_include_directories(emhttp_lwip_example PRIVATE ${PROJECT_SOURCE_DIR}/examples/lwip
                             ${PROJECT_SOURCE_DIR}/examples/common)
  target_link_libraries(emhttp_lwip_example PRIVATE emhttp_port_lwip_nosys emhttp_lwip_host_nosys)
endif()

if(EMHTTP_BUILD_TESTS)
  add_subdirectory(${PROJECT_SOURCE_DIR}/tests/lwip ${PROJECT_BINARY_DIR}/tests/lwip)
endif()
