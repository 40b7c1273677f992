# The one library target, minidl (alias minidl::minidl). Sources are found by
# folder: core/cuda/ and kernels/cuda/ are compiled only with the CUDA backend,
# core/no_cuda/ and kernels/no_cuda/ only without it.
file(GLOB_RECURSE MINIDL_CXX_SOURCES CONFIGURE_DEPENDS
  core/*.cpp kernels/*.cpp layers/*.cpp optim/*.cpp data/*.cpp models/*.cpp train/*.cpp)
if(MINIDL_WITH_CUDA)
  list(FILTER MINIDL_CXX_SOURCES EXCLUDE REGEX "/(core|kernels)/no_cuda/")
  file(GLOB_RECURSE MINIDL_CUDA_SOURCES CONFIGURE_DEPENDS kernels/cuda/*.cu)
else()
  list(FILTER MINIDL_CXX_SOURCES EXCLUDE REGEX "/(core|kernels)/cuda/")
  set(MINIDL_CUDA_SOURCES "")
endif()

add_library(minidl SHARED ${MINIDL_CXX_SOURCES} ${MINIDL_CUDA_SOURCES})
add_library(minidl::minidl ALIAS minidl)
set_target_properties(minidl PROPERTIES VERSION ${PROJECT_VERSION} SOVERSION 0)
target_include_directories(minidl PUBLIC
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>
  $<INSTALL_INTERFACE:include/minidl>)
target_compile_features(minidl PUBLIC cxx_std_20)
target_link_libraries(minidl PRIVATE Threads::Threads OpenMP::OpenMP_CXX PkgConfig::OPENBLAS
  nlohmann_json::nlohmann_json PNG::PNG JPEG::JPEG)

set(MINIDL_WARNINGS -Wall -Wextra)
if(MINIDL_WERROR)
  list(APPEND MINIDL_WARNINGS -Werror)
endif()
target_compile_options(minidl PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${MINIDL_WARNINGS}>)

if(MINIDL_WITH_CUDA)
  target_compile_definitions(minidl PRIVATE MINIDL_WITH_CUDA=1)
  target_include_directories(minidl PRIVATE ${CUDNN_INCLUDE_DIR})
  target_link_libraries(minidl PRIVATE CUDA::cudart_static CUDA::cublas ${CUDNN_LIBRARY})
  string(REPLACE ";" "," MINIDL_CUDA_HOST_WARNINGS "${MINIDL_WARNINGS}")
  target_compile_options(minidl PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:
    --expt-relaxed-constexpr -Xcompiler=${MINIDL_CUDA_HOST_WARNINGS} -Xcudafe=--display_error_number>)
endif()
