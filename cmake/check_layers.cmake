# The include layering, checked: a file may include headers of its own folder and of the
# folders below it, never above (DESIGN.md's layers, bottom up):
#
#   core 0 < kernels 1 < data 2, layers 2 < optim 3, models 3 < train 4
#
# (optim sits above layers: optimizers work on a module's parameters; examples, tools, bench
# and tests sit on top and are not checked.) The upward includes that are still there are
# listed in cmake/layering_baseline.txt, one "file -> header" per line; the check fails on
# any upward include not listed there, and on a listed one that is gone (so the list only
# shrinks: delete its line).
#
#   cmake -DROOT=<source dir> -P cmake/check_layers.cmake
#   cmake -DROOT=<source dir> -DPLANT="core/planted.h:train/fit.h" -P cmake/check_layers.cmake
#     (pretends core/planted.h includes train/fit.h: the check must fail naming it)
cmake_minimum_required(VERSION 3.24)
if(NOT ROOT)
  message(FATAL_ERROR "check_layers: pass -DROOT=<the source folder>")
endif()

set(rank_core 0)
set(rank_kernels 1)
set(rank_data 2)
set(rank_layers 2)
set(rank_optim 3)
set(rank_models 3)
set(rank_train 4)
set(layers core kernels data layers optim models train)

set(found "")
foreach(layer ${layers})
  file(GLOB_RECURSE files RELATIVE ${ROOT} ${ROOT}/${layer}/*.h ${ROOT}/${layer}/*.cpp ${ROOT}/${layer}/*.cu
       ${ROOT}/${layer}/*.cuh)
  foreach(file ${files})
    file(STRINGS ${ROOT}/${file} includes REGEX "^#include \"[a-z_]+/")
    foreach(line ${includes})
      string(REGEX REPLACE "^#include \"([^\"]+)\".*" "\\1" header "${line}")
      string(REGEX REPLACE "/.*" "" target "${header}")
      if(DEFINED rank_${target} AND rank_${target} GREATER rank_${layer})
        list(APPEND found "${file} -> ${header}")
      endif()
    endforeach()
  endforeach()
endforeach()

if(PLANT)
  string(REPLACE ":" " -> " planted "${PLANT}")
  list(APPEND found "${planted}")
endif()

file(STRINGS ${ROOT}/cmake/layering_baseline.txt baseline REGEX "^[^#]")
set(new "")
foreach(entry ${found})
  list(FIND baseline "${entry}" at)
  if(at EQUAL -1)
    list(APPEND new "${entry}")
  endif()
endforeach()
set(stale "")
foreach(entry ${baseline})
  list(FIND found "${entry}" at)
  if(at EQUAL -1)
    list(APPEND stale "${entry}")
  endif()
endforeach()

list(LENGTH found found_count)
list(LENGTH baseline baseline_count)
if(new OR stale)
  set(text "")
  foreach(entry ${new})
    string(APPEND text "\n  upward include: ${entry}")
  endforeach()
  foreach(entry ${stale})
    string(APPEND text "\n  fixed, delete its line from cmake/layering_baseline.txt: ${entry}")
  endforeach()
  message(FATAL_ERROR "check_layers: the include layering is broken:${text}\n"
                      "(a file includes its own folder and the folders below it: core < kernels < "
                      "data, layers < optim, models < train)")
endif()
message(STATUS "check_layers: ok (${found_count} upward includes, all in the baseline of ${baseline_count})")
