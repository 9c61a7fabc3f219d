# Install rules, included at the end of the top-level CMakeLists.txt:
#   headers            include/emhttp/*.h (+ the build's emhttp_config.h)
#   libraries          lib/libemhttp_core.a (+ libemhttp_port_posix.a on hosts)
#   CMake package      lib/cmake/emhttp: find_package(emhttp CONFIG) gives
#                      emhttp::core and emhttp::port_posix
#   pkg-config         lib/pkgconfig/emhttp.pc (every installed library)
#   program            bin/emhttp, the command line client (when it is built)
# On by default when emhttp is the top-level project; a parent project that
# uses add_subdirectory() turns it on with EMHTTP_INSTALL=ON.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

if(CMAKE_SOURCE_DIR STREQUAL PROJECT_SOURCE_DIR)
  option(EMHTTP_INSTALL "Generate the install rules" ON)
else()
  option(EMHTTP_INSTALL "Generate the install rules" OFF)
endif()

if(EMHTTP_INSTALL)
  set(_emhttp_targets emhttp_core)
  set(EMHTTP_PC_LIBS "-lemhttp_core")
  set(EMHTTP_PACKAGE_NEEDS_THREADS 0)
  set_target_properties(emhttp_core PROPERTIES EXPORT_NAME core)
  if(TARGET emhttp_freestanding_libc)
    list(APPEND _emhttp_targets emhttp_freestanding_libc)
    string(APPEND EMHTTP_PC_LIBS " -lemhttp_freestanding_libc")
  endif()
  if(TARGET emhttp_port_posix)
    list(PREPEND _emhttp_targets emhttp_port_posix)
    set(EMHTTP_PC_LIBS "-lemhttp_port_posix ${EMHTTP_PC_LIBS} -pthread")
    set(EMHTTP_PACKAGE_NEEDS_THREADS 1)
    set_target_properties(emhttp_port_posix PROPERTIES EXPORT_NAME port_posix)
    install(DIRECTORY ${PROJECT_SOURCE_DIR}/port/posix/include/
            DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  endif()
  # Libraries emhttp_core links (mbedTLS with CONFIG_EMHTTP_TLS) by name.
  get_target_property(_deps emhttp_core INTERFACE_LINK_LIBRARIES)
  if(NOT _deps)
    set(_deps "")
  endif()
  foreach(_dep IN LISTS _deps)
    if(IS_ABSOLUTE "${_dep}" AND _dep MATCHES "/lib([^/]+)\\.(so|a)$")
      get_filename_component(_dir ${_dep} DIRECTORY)
      if(NOT _dir IN_LIST CMAKE_C_IMPLICIT_LINK_DIRECTORIES)
        string(APPEND EMHTTP_PC_LIBS " -L${_dir}")
      endif()
      string(APPEND EMHTTP_PC_LIBS " -l${CMAKE_MATCH_1}")
    elseif(_dep MATCHES "^-" OR IS_ABSOLUTE "${_dep}")
      string(APPEND EMHTTP_PC_LIBS " ${_dep}")
    elseif(NOT TARGET ${_dep} AND NOT _dep MATCHES "[$<>:]")
      string(APPEND EMHTTP_PC_LIBS " -l${_dep}")
    endif()
  endforeach()

  # ... and the definitions it passes on (CONFIG_EMHTTP_TLS=1 with TLS).
  get_target_property(_defs emhttp_core INTERFACE_COMPILE_DEFINITIONS)
  set(EMHTTP_PC_CFLAGS "")
  foreach(_def IN LISTS _defs)
    if(_def AND NOT _def MATCHES "[$<>]")
      string(APPEND EMHTTP_PC_CFLAGS " -D${_def}")
    endif()
  endforeach()

  # The command line client, as bin/emhttp (built with the examples or tests).
  if(TARGET emhttp)
    install(TARGETS emhttp RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/core/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  # Next to opt.h, which finds it first: the installed headers keep the
  # configuration the libraries were built with (cmake/config.cmake).
  install(FILES ${EMHTTP_CONFIG_HEADER} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/emhttp
          RENAME emhttp_config.h)
  install(TARGETS ${_emhttp_targets} EXPORT emhttpTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

  set(_cmakedir ${CMAKE_INSTALL_LIBDIR}/cmake/emhttp)
  install(EXPORT emhttpTargets NAMESPACE emhttp:: DESTINATION ${_cmakedir})
  configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/emhttpConfig.cmake.in
    ${CMAKE_CURRENT_BINARY_DIR}/emhttpConfig.cmake INSTALL_DESTINATION ${_cmakedir})
  write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/emhttpConfigVersion.cmake
    COMPATIBILITY SameMinorVersion)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/emhttpConfig.cmake
                ${CMAKE_CURRENT_BINARY_DIR}/emhttpConfigVersion.cmake
          DESTINATION ${_cmakedir})

  # Relocatable: the prefix is found from the .pc file's own directory, so
  # cmake --install --prefix anywhere works.
  file(RELATIVE_PATH EMHTTP_PC_PREFIX /root/${CMAKE_INSTALL_LIBDIR}/pkgconfig /root)
  string(REGEX REPLACE "/$" "" EMHTTP_PC_PREFIX "${EMHTTP_PC_PREFIX}")
  configure_file(${CMAKE_CURRENT_LIST_DIR}/emhttp.pc.in ${CMAKE_CURRENT_BINARY_DIR}/emhttp.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/emhttp.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endif()
