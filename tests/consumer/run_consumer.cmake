# Run by ctest as package_consumer (cmake -P): installs minidl from MINIDL_BUILD_DIR
# into WORK_DIR/prefix, configures and builds PROJECT_DIR against that prefix only,
# runs its program and checks what it prints. Each step's output is shown on failure.
cmake_minimum_required(VERSION 3.24)

foreach(var MINIDL_BUILD_DIR PROJECT_DIR WORK_DIR GENERATOR CXX_COMPILER README)
  if(NOT ${var})
    message(FATAL_ERROR "run_consumer.cmake needs -D${var}=...")
  endif()
endforeach()
if(NOT CONFIG)
  set(CONFIG Release)
endif()
# The README shows main.cpp as the example: keep the two identical.
file(READ "${PROJECT_DIR}/main.cpp" example)
file(READ "${README}" readme)
string(FIND "${readme}" "```cpp\n${example}```" at)
if(at EQUAL -1)
  message(FATAL_ERROR "package_consumer: README.md does not show ${PROJECT_DIR}/main.cpp verbatim in a cpp block")
endif()

set(prefix "${WORK_DIR}/prefix")
set(build "${WORK_DIR}/build")
file(REMOVE_RECURSE "${WORK_DIR}")

# step(<name> <command...>): runs the command; fails the test with its output unless it succeeds.
function(step name)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT result EQUAL 0)
    string(REPLACE ";" " " command "${ARGN}")
    message(FATAL_ERROR "package_consumer: ${name} failed (${result})\n$ ${command}\n${out}")
  endif()
  message(STATUS "package_consumer: ${name}: ok")
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

step(install ${CMAKE_COMMAND} --install "${MINIDL_BUILD_DIR}" --prefix "${prefix}" --config ${CONFIG})
step(configure ${CMAKE_COMMAND} -S "${PROJECT_DIR}" -B "${build}" -G "${GENERATOR}"
  "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" -DCMAKE_BUILD_TYPE=${CONFIG}
  "-DCMAKE_PREFIX_PATH=${prefix}" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
file(STRINGS "${build}/CMakeCache.txt" found_dir REGEX "^minidl_DIR:")
string(FIND "${found_dir}" "=${prefix}/" at)
if(at EQUAL -1)
  message(FATAL_ERROR "package_consumer: minidl was found outside the scratch prefix ${prefix}: ${found_dir}")
endif()
step(build ${CMAKE_COMMAND} --build "${build}" --config ${CONFIG})

set(app "${build}/app")
if(NOT EXISTS "${app}")
  set(app "${build}/${CONFIG}/app")  # multi-config generators
endif()
step(run "${app}")
message(STATUS "package_consumer: app printed:\n${step_output}")

# The README's example prints a^T for a = arange(6).reshape({2, 3}), then ones and zeros,
# all on the CPU; numbers may be printed as 0, 0. or 0.0000.
set(n "(\\.0*)?")
set(sep "[^0-9]+")
function(expect pattern)
  if(NOT step_output MATCHES "${pattern}")
    message(FATAL_ERROR "package_consumer: the output lacks a match for ${pattern}")
  endif()
endfunction()
expect("running on (cpu|cuda)")
expect("tensor\\(\\[+0${n}${sep}3${n}${sep}1${n}${sep}4${n}${sep}2${n}${sep}5${n}\\]+, dtype=float32, device=cpu\\)")
expect("tensor\\(\\[+1${n}${sep}1${n}${sep}1${n}${sep}1${n}${sep}1${n}${sep}1${n}\\]+, dtype=float32, device=cpu\\)")
expect("tensor\\(\\[0, 0, 0\\], dtype=int64, device=cpu\\)")
