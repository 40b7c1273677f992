# Decides whether the CUDA backend is compiled (MINIDL_CUDA=AUTO|ON|OFF) and
# finds cuDNN, which may live in the toolkit or in a pip wheel (CUDNN_ROOT hint).
set(MINIDL_WITH_CUDA OFF)
if(NOT MINIDL_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      # SASS for Ampere and Hopper, PTX of Hopper for anything newer.
      set(CMAKE_CUDA_ARCHITECTURES 80-real 90)
    endif()
    enable_language(CUDA)
    # CMake 3.25 predates nvcc's C++20 support: teach it the flag.
    if(NOT CMAKE_CUDA20_COMPILE_FEATURES)
      set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
      set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
      set(CMAKE_CUDA20_COMPILE_FEATURES cuda_std_20)
      list(APPEND CMAKE_CUDA_COMPILE_FEATURES cuda_std_20)
    endif()
    set(CMAKE_CUDA_STANDARD 20)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    find_package(CUDAToolkit REQUIRED)
    find_path(CUDNN_INCLUDE_DIR cudnn.h
      HINTS ${CUDNN_ROOT} $ENV{CUDNN_ROOT} ${CUDAToolkit_INCLUDE_DIRS}
      PATH_SUFFIXES include)
    find_library(CUDNN_LIBRARY NAMES cudnn libcudnn.so.9
      HINTS ${CUDNN_ROOT} $ENV{CUDNN_ROOT} ${CUDAToolkit_LIBRARY_DIR}
      PATH_SUFFIXES lib lib64)
    if(CUDNN_INCLUDE_DIR AND CUDNN_LIBRARY)
      set(MINIDL_WITH_CUDA ON)
    elseif(MINIDL_CUDA STREQUAL "ON")
      message(FATAL_ERROR "MINIDL_CUDA=ON but cuDNN was not found; pass -DCUDNN_ROOT=<dir with include/ and lib/>")
    else()
      message(WARNING "nvcc found but cuDNN not: building without CUDA (set CUDNN_ROOT)")
    endif()
  elseif(MINIDL_CUDA STREQUAL "ON")
    message(FATAL_ERROR "MINIDL_CUDA=ON but no CUDA compiler was found")
  endif()
endif()
message(STATUS "minidl: CUDA backend ${MINIDL_WITH_CUDA}")
