# Third-party libraries, all from Debian packages (scripts/test.sh installs them).
find_package(Threads REQUIRED)
find_package(OpenMP REQUIRED COMPONENTS CXX)
find_package(nlohmann_json 3 REQUIRED)
find_package(CLI11 2 REQUIRED CONFIG)
find_package(PkgConfig REQUIRED)
pkg_check_modules(OPENBLAS REQUIRED IMPORTED_TARGET openblas)
# libpng and libjpeg-turbo decode ImageFolder's images (data/image_codec.cpp).
find_package(PNG REQUIRED)
find_package(JPEG REQUIRED)
