#include "data/image_folder.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "data/image_codec.h"
#include "data/resize.h"

namespace minidl::data {
namespace fs = std::filesystem;
namespace {

bool is_image_name(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

std::vector<fs::path> sorted_entries(const fs::path& dir, bool directories) {
  std::vector<fs::path> out;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const bool is_dir = entry.is_directory(error);
    if (directories ? is_dir : (!is_dir && is_image_name(entry.path()))) out.push_back(entry.path());
  }
  MINIDL_CHECK(!error, IOError, "ImageFolder: cannot list ", dir.string(), ": ", error.message());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

ImageFolder::ImageFolder(std::string root, ImageFolderOptions options) : root_(std::move(root)), options_(options) {
  MINIDL_CHECK((options_.height == 0) == (options_.width == 0) && options_.height >= 0 && options_.width >= 0,
               ValueError, "ImageFolder: height and width must both be positive or both 0, got ", options_.height,
               " and ", options_.width);
  std::error_code error;
  MINIDL_CHECK(fs::is_directory(root_, error), IOError, "ImageFolder: ", root_, " is not a folder");
  for (const fs::path& class_dir : sorted_entries(root_, /*directories=*/true)) {
    const std::vector<fs::path> images = sorted_entries(class_dir, /*directories=*/false);
    MINIDL_CHECK(!images.empty(), IOError, "ImageFolder: the class folder ", class_dir.string(),
                 " holds no .png, .jpg or .jpeg file");
    for (const fs::path& image : images) {
      files_.push_back(image.string());
      labels_.push_back(static_cast<int64_t>(classes_.size()));
    }
    classes_.push_back(class_dir.filename().string());
  }
  MINIDL_CHECK(!classes_.empty(), IOError, "ImageFolder: ", root_,
               " holds no class folder (expected root/<class>/<image>)");
  cache_.resize(files_.size());
  if (!options_.skip_corrupt && !options_.verify) return;
  std::vector<std::string> files;
  std::vector<int64_t> labels;
  std::vector<Tensor> decoded;
  for (std::size_t i = 0; i < files_.size(); ++i) {
    try {
      decoded.push_back(decode(static_cast<int64_t>(i)));
    } catch (const IOError&) {
      if (!options_.skip_corrupt) throw;
      skipped_files_.push_back(files_[i]);
      continue;
    }
    files.push_back(files_[i]);
    labels.push_back(labels_[i]);
  }
  files_ = std::move(files);
  labels_ = std::move(labels);
  MINIDL_CHECK(!files_.empty(), IOError, "ImageFolder: every image under ", root_, " is corrupt");
  cache_ = options_.cache ? std::move(decoded) : std::vector<Tensor>(files_.size());
}

Tensor ImageFolder::decode(int64_t index) const {
  const Tensor image = read_image(files_[static_cast<std::size_t>(index)]);
  if (options_.height == 0) return image;
  return resize_bilinear(image, options_.height, options_.width);
}

Example ImageFolder::get(int64_t index) const {
  check_indices({index}, size());
  const auto i = static_cast<std::size_t>(index);
  const Tensor label = full({}, static_cast<double>(labels_[i]), {.dtype = DType::Int64});
  if (options_.cache) {
    std::lock_guard lock(cache_mutex_);
    if (cache_[i].defined()) return {cache_[i], label};
  }
  Tensor image = decode(index);  // outside the lock: decoding is the slow part
  if (options_.cache) {
    std::lock_guard lock(cache_mutex_);
    cache_[i] = image;
  }
  return {image, label};
}

ImageDataset ImageFolder::load_all() const {
  std::vector<Example> examples;
  for (int64_t i = 0; i < size(); ++i) {
    examples.push_back(get(i));
    MINIDL_CHECK(examples.back().input.shape() == examples.front().input.shape(), ShapeError, "ImageFolder: ",
                 file(i), " is ", shape_str(examples.back().input.shape()), " but ", file(0), " is ",
                 shape_str(examples.front().input.shape()), "; set ImageFolderOptions height and width to resize");
  }
  Batch all = collate(examples);
  return ImageDataset(std::move(all.input), std::move(all.target), num_classes(), classes_);
}

}  // namespace minidl::data
