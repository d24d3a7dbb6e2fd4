# Included by ctest (TEST_INCLUDE_FILES) in the sanitized build dir: the sanitizers' options for
# every test there, unless the caller set them.
get_filename_component(dir "${CMAKE_CURRENT_LIST_FILE}" DIRECTORY)
if(NOT DEFINED ENV{ASAN_OPTIONS})
  # Leaks count; a test that preloads a library (LD_PRELOAD) may put it before ASan's runtime.
  set(ENV{ASAN_OPTIONS} "detect_leaks=1:verify_asan_link_order=0:abort_on_error=0")
endif()
if(NOT DEFINED ENV{UBSAN_OPTIONS})
  set(ENV{UBSAN_OPTIONS} "print_stacktrace=1:halt_on_error=1")
endif()
if(NOT DEFINED ENV{LSAN_OPTIONS})
  set(ENV{LSAN_OPTIONS} "suppressions=${dir}/lsan.supp:print_suppressions=0")
endif()
