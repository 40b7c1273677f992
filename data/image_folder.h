// torchvision's ImageFolder: root/<class>/<image> with the classes sorted by name (class i is
// the i-th folder) and each class's images sorted by name; PNG and JPEG files (.png, .jpg,
// .jpeg, any case; other files are ignored), decoded to RGB and resized as torchvision's
// Resize does (resize.h). Decoding happens in get(), in the loader's background thread, and
// the decoded images are kept when `cache` is on; load_all() decodes everything into an
// in-memory ImageDataset.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "data/image_dataset.h"

namespace minidl::data {

struct ImageFolderOptions {
  int64_t height = 0, width = 0;  ///< resize every image to this; both 0: keep (all must then match)
  bool cache = true;              ///< keep each decoded image after its first get()
  /// false: an unreadable or corrupt image is an IOError naming it (at get(), or here with
  /// verify). true: every image is decoded here and the bad ones are left out, counted in skipped().
  bool skip_corrupt = false;
  bool verify = false;  ///< decode every image at construction (implied by skip_corrupt)
};

class ImageFolder final : public Dataset {
 public:
  /// Lists root's class folders and their images. IOError when root is not a folder, holds no
  /// class folder, or a class folder holds no image (naming it).
  explicit ImageFolder(std::string root, ImageFolderOptions options = {});

  int64_t size() const override { return static_cast<int64_t>(files_.size()); }
  /// The image (uint8 [3, H, W]) and its class (0-d int64).
  Example get(int64_t index) const override;

  const std::vector<std::string>& classes() const { return classes_; }
  int64_t num_classes() const { return static_cast<int64_t>(classes_.size()); }
  const std::string& file(int64_t index) const { return files_.at(static_cast<std::size_t>(index)); }
  int64_t label(int64_t index) const { return labels_.at(static_cast<std::size_t>(index)); }
  /// Images left out as corrupt (skip_corrupt), and their paths.
  int64_t skipped() const { return static_cast<int64_t>(skipped_files_.size()); }
  const std::vector<std::string>& skipped_files() const { return skipped_files_; }

  /// Every image decoded into one in-memory dataset (they must share a size: set height and width).
  ImageDataset load_all() const;

 private:
  Tensor decode(int64_t index) const;

  std::string root_;
  ImageFolderOptions options_;
  std::vector<std::string> classes_, files_, skipped_files_;
  std::vector<int64_t> labels_;
  mutable std::mutex cache_mutex_;
  mutable std::vector<Tensor> cache_;
};

}  // namespace minidl::data
