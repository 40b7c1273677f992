// libpng's simplified API reads any PNG as 8-bit RGB in one call. libjpeg reports errors
// through a callback that must not return: it longjmps back to decode_jpeg, where nothing with
// a destructor lives between setjmp and the library calls, and the error becomes an IOError.
#include "data/image_codec.h"

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>

#include <csetjmp>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/io/atomic_file.h"

namespace minidl::data {
namespace {

// Interleaved RGB rows [H, W, 3] to planes [3, H, W].
Tensor planes_of(const std::vector<uint8_t>& rgb, int64_t height, int64_t width) {
  Tensor out = empty({3, height, width}, {.dtype = DType::UInt8});
  auto* dst = static_cast<uint8_t*>(out.data_ptr());
  const int64_t plane = height * width;
  for (int64_t i = 0; i < plane; ++i)
    for (int64_t c = 0; c < 3; ++c) dst[c * plane + i] = rgb[static_cast<std::size_t>(i * 3 + c)];
  return out;
}

void check_size(int64_t height, int64_t width, const std::string& source) {
  MINIDL_CHECK(height > 0 && width > 0 && height <= 65535 && width <= 65535 && height * width <= (int64_t{1} << 28),
               IOError, "image ", source, ": implausible size ", width, "x", height);
}

Tensor decode_png(const std::string& bytes, const std::string& source) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, bytes.data(), bytes.size()))
    throw IOError("image " + source + ": not a readable PNG (" + image.message + ")");
  image.format = PNG_FORMAT_RGB;
  const int64_t height = image.height, width = image.width;
  try {
    check_size(height, width, source);
  } catch (...) {
    png_image_free(&image);
    throw;
  }
  std::vector<uint8_t> rgb(static_cast<std::size_t>(height * width * 3));
  // A background of black for transparent pixels: alpha is dropped, as PIL's convert("RGB") does.
  png_color black{0, 0, 0};
  if (!png_image_finish_read(&image, &black, rgb.data(), 0, nullptr))
    throw IOError("image " + source + ": corrupt PNG (" + image.message + ")");
  return planes_of(rgb, height, width);
}

struct JpegError {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void jpeg_fail(j_common_ptr info) {
  auto* error = reinterpret_cast<JpegError*>(info->err);
  (*info->err->format_message)(info, error->message);
  std::longjmp(error->jump, 1);
}

// Warnings are not failures (extraneous bytes are common in camera files), except a file that
// ends early: libjpeg would fill the missing rows with gray, a silent wrong image.
void jpeg_warning(j_common_ptr info, int level) {
  if (level < 0 && info->err->msg_code == JWRN_JPEG_EOF) jpeg_fail(info);
}

// Returns false with error->message set when libjpeg failed; no C++ object lives across setjmp.
bool decode_jpeg_into(const std::string& bytes, std::vector<uint8_t>& rgb, int64_t& height, int64_t& width,
                      JpegError* error) {
  jpeg_decompress_struct info;
  info.err = jpeg_std_error(&error->manager);
  error->manager.error_exit = jpeg_fail;
  error->manager.emit_message = jpeg_warning;
  if (setjmp(error->jump)) {
    jpeg_destroy_decompress(&info);
    return false;
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&info, TRUE);
  info.out_color_space = JCS_RGB;
  jpeg_start_decompress(&info);
  height = info.output_height;
  width = info.output_width;
  if (height <= 0 || width <= 0 || height > 65535 || width > 65535 || height * width > (int64_t{1} << 28)) {
    std::strcpy(error->message, "implausible size");
    jpeg_destroy_decompress(&info);
    return false;
  }
  rgb.resize(static_cast<std::size_t>(height * width * 3));
  while (info.output_scanline < info.output_height) {
    JSAMPROW row = rgb.data() + static_cast<std::size_t>(info.output_scanline) * static_cast<std::size_t>(width) * 3;
    jpeg_read_scanlines(&info, &row, 1);
  }
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  return true;
}

Tensor decode_jpeg(const std::string& bytes, const std::string& source) {
  std::vector<uint8_t> rgb;
  int64_t height = 0, width = 0;
  JpegError error{};
  if (!decode_jpeg_into(bytes, rgb, height, width, &error))
    throw IOError("image " + source + ": corrupt JPEG (" + error.message + ")");
  return planes_of(rgb, height, width);
}

// Planes [3, H, W] to interleaved rows [H, W, 3], checking the image.
std::vector<uint8_t> interleaved(const Tensor& image, const char* who) {
  MINIDL_CHECK(image.dtype() == DType::UInt8 && image.dim() == 3 && image.size(0) == 3 && image.size(1) > 0 &&
                   image.size(2) > 0,
               ValueError, who, ": expected a uint8 RGB image [3, H, W], got ", image.dtype(), " ",
               shape_str(image.shape()));
  const Tensor src = image.to(Device::cpu()).contiguous();
  const int64_t plane = src.size(1) * src.size(2);
  const auto* in = static_cast<const uint8_t*>(src.data_ptr());
  std::vector<uint8_t> rgb(static_cast<std::size_t>(plane * 3));
  for (int64_t i = 0; i < plane; ++i)
    for (int64_t c = 0; c < 3; ++c) rgb[static_cast<std::size_t>(i * 3 + c)] = in[c * plane + i];
  return rgb;
}

bool encode_jpeg_into(const std::vector<uint8_t>& rgb, int64_t height, int64_t width, int quality,
                      unsigned char** out, unsigned long* size, JpegError* error) {
  jpeg_compress_struct info;
  info.err = jpeg_std_error(&error->manager);
  error->manager.error_exit = jpeg_fail;
  if (setjmp(error->jump)) {
    jpeg_destroy_compress(&info);
    return false;
  }
  jpeg_create_compress(&info);
  jpeg_mem_dest(&info, out, size);
  info.image_width = static_cast<JDIMENSION>(width);
  info.image_height = static_cast<JDIMENSION>(height);
  info.input_components = 3;
  info.in_color_space = JCS_RGB;
  jpeg_set_defaults(&info);
  jpeg_set_quality(&info, quality, TRUE);
  jpeg_start_compress(&info, TRUE);
  while (info.next_scanline < info.image_height) {
    auto* row = const_cast<JSAMPROW>(rgb.data() + static_cast<std::size_t>(info.next_scanline) * width * 3);
    jpeg_write_scanlines(&info, &row, 1);
  }
  jpeg_finish_compress(&info);
  jpeg_destroy_compress(&info);
  return true;
}

}  // namespace

std::string encode_png(const Tensor& image) {
  const std::vector<uint8_t> rgb = interleaved(image, "encode_png");
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(image.size(2));
  png.height = static_cast<png_uint_32>(image.size(1));
  png.format = PNG_FORMAT_RGB;
  png_alloc_size_t size = 0;
  MINIDL_CHECK(png_image_write_to_memory(&png, nullptr, &size, 0, rgb.data(), 0, nullptr), IOError,
               "encode_png: ", png.message);
  std::string bytes(size, '\0');
  MINIDL_CHECK(png_image_write_to_memory(&png, bytes.data(), &size, 0, rgb.data(), 0, nullptr), IOError,
               "encode_png: ", png.message);
  bytes.resize(size);
  return bytes;
}

std::string encode_jpeg(const Tensor& image, int quality) {
  MINIDL_CHECK(quality >= 1 && quality <= 100, ValueError, "encode_jpeg: quality must be 1 to 100, got ", quality);
  const std::vector<uint8_t> rgb = interleaved(image, "encode_jpeg");
  unsigned char* out = nullptr;
  unsigned long size = 0;
  JpegError error{};
  const bool done = encode_jpeg_into(rgb, image.size(1), image.size(2), quality, &out, &size, &error);
  std::string bytes = done ? std::string(reinterpret_cast<const char*>(out), size) : std::string();
  std::free(out);
  MINIDL_CHECK(done, IOError, "encode_jpeg: ", error.message);
  return bytes;
}

Tensor decode_image(const std::string& bytes, const std::string& source) {
  static const unsigned char kPng[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  const auto* head = reinterpret_cast<const unsigned char*>(bytes.data());
  if (bytes.size() >= 8 && std::memcmp(head, kPng, 8) == 0) return decode_png(bytes, source);
  if (bytes.size() >= 3 && head[0] == 0xff && head[1] == 0xd8 && head[2] == 0xff) return decode_jpeg(bytes, source);
  throw IOError("image " + source + ": neither a PNG nor a JPEG file (" + std::to_string(bytes.size()) + " bytes)");
}

Tensor read_image(const std::string& path) { return decode_image(io::read_file(path), path); }

}  // namespace minidl::data
