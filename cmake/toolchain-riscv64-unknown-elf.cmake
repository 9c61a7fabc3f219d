# Cross-compile for 32-bit RISC-V (rv32imac, ilp32) with Debian's
# gcc-riscv64-unknown-elf.
#
#   cmake -S . -B build/rv32 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-riscv64-unknown-elf.cmake \
#         -DCMAKE_BUILD_TYPE=MinSizeRel
#
# Debian's compiler is freestanding: it ships no C library, so no
# <string.h>.  The build uses cmake/freestanding/ instead: a string.h that
# declares the eight functions core/ calls, and string.c implementing them
# (library emhttp_freestanding_libc, linked by emhttp_core).  A firmware
# with its own C library sets EMHTTP_FREESTANDING_LIBC=OFF.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv32)

set(CMAKE_C_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_ASM_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_AR riscv64-unknown-elf-ar)
set(CMAKE_RANLIB riscv64-unknown-elf-ranlib)

set(EMHTTP_FREESTANDING_LIBC ON CACHE BOOL "Use cmake/freestanding/ for <string.h>")
set(CMAKE_C_FLAGS_INIT "-march=rv32imac -mabi=ilp32 -ffreestanding -ffunction-sections -fdata-sections")
if(EMHTTP_FREESTANDING_LIBC)
  string(APPEND CMAKE_C_FLAGS_INIT " -isystem ${CMAKE_CURRENT_LIST_DIR}/freestanding")
endif()
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostdlib -Wl,--gc-sections")
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
