# Sanitizer and fuzzing builds (presets `sanitize` and `tsan`, scripts/test.sh).
# MINIDL_SANITIZE goes to -fsanitize= on every target, compile and link, with no
# recovery: the first report ends the process, so it fails the test that caused it.
# MINIDL_FUZZ adds libFuzzer's coverage hooks to the library (tests/fuzz then links
# its targets with -fsanitize=fuzzer); the hooks' default definitions live in the
# sanitizer runtimes, so it needs a MINIDL_SANITIZE too.
set(MINIDL_SANITIZE "" CACHE STRING "Sanitizers for every target: empty, address,undefined, or thread")
option(MINIDL_FUZZ "Build the libFuzzer targets of tests/fuzz (clang only)" OFF)

if(MINIDL_SANITIZE)
  add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-fsanitize=${MINIDL_SANITIZE}>
    $<$<COMPILE_LANGUAGE:CXX>:-fno-sanitize-recover=all> $<$<COMPILE_LANGUAGE:CXX>:-fno-omit-frame-pointer>)
  add_link_options(-fsanitize=${MINIDL_SANITIZE})
  message(STATUS "minidl: sanitizers ${MINIDL_SANITIZE}")
endif()

if(MINIDL_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "MINIDL_FUZZ=ON needs clang (libFuzzer); this is ${CMAKE_CXX_COMPILER_ID}")
  endif()
  if(NOT MINIDL_SANITIZE)
    message(FATAL_ERROR "MINIDL_FUZZ=ON needs MINIDL_SANITIZE (e.g. address,undefined)")
  endif()
  set(MINIDL_FUZZ_INSTRUMENT $<$<COMPILE_LANGUAGE:CXX>:-fsanitize=fuzzer-no-link>)
endif()

# minidl_fuzz_instrument(<target>): coverage hooks for libFuzzer, when MINIDL_FUZZ is on.
function(minidl_fuzz_instrument target)
  if(MINIDL_FUZZ)
    target_compile_options(${target} PRIVATE ${MINIDL_FUZZ_INSTRUMENT})
  endif()
endfunction()
