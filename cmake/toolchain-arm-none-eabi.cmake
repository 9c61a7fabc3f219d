# Cross-compile for Arm Cortex-M with Debian's gcc-arm-none-eabi (newlib).
#
#   cmake -S . -B build/m4 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-arm-none-eabi.cmake \
#         -DEMHTTP_CPU=cortex-m4 -DCMAKE_BUILD_TYPE=MinSizeRel
#
# EMHTTP_CPU: cortex-m0plus (soft float), cortex-m4 (M4F: FPv4-SP, hard
# float ABI), cortex-m33 (FPv5-SP, hard float ABI).  Only the libraries are
# built (no port, tests or examples: they are host-only).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(EMHTTP_CPU cortex-m4 CACHE STRING "Target CPU: cortex-m0plus, cortex-m4 or cortex-m33")
set_property(CACHE EMHTTP_CPU PROPERTY STRINGS cortex-m0plus cortex-m4 cortex-m33)
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES EMHTTP_CPU)

if(EMHTTP_CPU STREQUAL "cortex-m0plus")
  set(_emhttp_cpu_flags "-mcpu=cortex-m0plus -mthumb -mfloat-abi=soft")
elseif(EMHTTP_CPU STREQUAL "cortex-m4")
  set(_emhttp_cpu_flags "-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard")
elseif(EMHTTP_CPU STREQUAL "cortex-m33")
  set(_emhttp_cpu_flags "-mcpu=cortex-m33 -mthumb -mfpu=fpv5-sp-d16 -mfloat-abi=hard")
else()
  message(FATAL_ERROR "EMHTTP_CPU=${EMHTTP_CPU}: use cortex-m0plus, cortex-m4 or cortex-m33")
endif()

set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_AR arm-none-eabi-ar)
set(CMAKE_RANLIB arm-none-eabi-ranlib)
set(CMAKE_C_FLAGS_INIT "${_emhttp_cpu_flags} -ffunction-sections -fdata-sections")
set(CMAKE_EXE_LINKER_FLAGS_INIT "--specs=nano.specs --specs=nosys.specs -Wl,--gc-sections")
# No OS to run a test program on: compiler checks build a static library.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
