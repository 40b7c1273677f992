// The model registry: a name -> factory table filled with the built-in models on first use.
#include "models/registry.h"

#include <mutex>

#include "core/io/safetensors.h"
#include "models/blocks.h"
#include "models/mlp.h"
#include "models/resnet18.h"
#include "models/resnet9.h"
#include "models/small_cnn.h"

namespace minidl::models {
namespace {

void check_no_dropout(const std::string& name, const ModelOptions& options) {
  MINIDL_CHECK(options.dropout.value_or(0.0) == 0.0, ValueError, name, " has no dropout, got dropout ",
               *options.dropout);
}

struct Registry {
  std::mutex mutex;
  std::map<std::string, ModelFactory> factories;
  Registry() {
    factories["small_cnn"] = [](const ModelOptions& o) -> std::shared_ptr<nn::Module> {
      return std::make_shared<SmallCNN>(SmallCNNOptions{
          .num_classes = o.num_classes, .dropout = o.dropout.value_or(0.25), .width = o.width});
    };
    factories["resnet9"] = [](const ModelOptions& o) -> std::shared_ptr<nn::Module> {
      check_no_dropout("resnet9", o);
      return std::make_shared<ResNet9>(ResNet9Options{.num_classes = o.num_classes, .width = o.width});
    };
    factories["resnet18"] = [](const ModelOptions& o) -> std::shared_ptr<nn::Module> {
      check_no_dropout("resnet18", o);
      return std::make_shared<ResNet18>(ResNet18Options{.num_classes = o.num_classes, .width = o.width});
    };
    factories["mlp"] = [](const ModelOptions& o) -> std::shared_ptr<nn::Module> {
      MINIDL_CHECK(o.width > 0.0 && o.num_classes > 0, ValueError,
                   "mlp: width and num_classes must be positive, got ", o.width, " and ", o.num_classes);
      return std::make_shared<MLP>(MLPOptions{
          .sizes = {3 * 32 * 32, scaled_channels(512, o.width), scaled_channels(256, o.width), o.num_classes},
          .dropout = o.dropout.value_or(0.0)});
    };
  }
};

Registry& registry() {
  static Registry instance;
  return instance;
}

}  // namespace

std::vector<std::string> names() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  std::vector<std::string> out;
  for (const auto& entry : r.factories) out.push_back(entry.first);
  return out;
}

std::shared_ptr<nn::Module> create(const std::string& name, const ModelOptions& options) {
  ModelFactory factory;
  {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    const auto found = r.factories.find(name);
    if (found != r.factories.end()) factory = found->second;
  }
  if (!factory) {
    std::string known;
    for (const auto& n : names()) known += (known.empty() ? "" : ", ") + n;
    throw ValueError("models::create: unknown model '" + name + "' (known: " + known + ")");
  }
  return factory(options);
}

void register_model(const std::string& name, ModelFactory factory) {
  MINIDL_CHECK(!name.empty() && factory, ValueError, "models::register_model: need a name and a factory");
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.factories[name] = std::move(factory);
}

nn::StateDict rename_keys(const nn::StateDict& state,
                          const std::map<std::string, std::string>& rename_prefixes) {
  nn::StateDict out;
  for (const auto& [key, tensor] : state) {
    const std::pair<const std::string, std::string>* best = nullptr;
    for (const auto& entry : rename_prefixes)
      if (key.starts_with(entry.first) && (!best || entry.first.size() > best->first.size())) best = &entry;
    const std::string renamed = best ? best->second + key.substr(best->first.size()) : key;
    MINIDL_CHECK(!out.count(renamed), ValueError, "models::rename_keys: two keys become '", renamed,
                 "' (one is '", key, "')");
    out[renamed] = tensor;
  }
  return out;
}

Pretrained load_pretrained(const std::string& name, const std::string& path, const ModelOptions& options,
                           const LoadOptions& load) {
  Pretrained result{.model = create(name, options), .report = {}};
  const io::Safetensors file = io::load_safetensors(path);
  result.report = result.model->load_state_dict(rename_keys(file.tensors, load.rename_prefixes), false);
  MINIDL_CHECK(!load.strict || result.report.ok(), ValueError, "models::load_pretrained(", name, ", ", path,
               "): ", result.report.str());
  return result;
}

}  // namespace minidl::models

namespace minidl::models {

void save_weights(const nn::Module& model, const std::string& path) {
  io::TensorMap tensors;
  for (const auto& [name, tensor] : model.state_dict())
    if (tensor.defined()) tensors.emplace(name, tensor);
  io::save_safetensors(path, tensors, {{"format", "pt"}, {"producer", "minidl"}});
}

}  // namespace minidl::models
