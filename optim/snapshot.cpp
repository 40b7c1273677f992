// Snapshots are deep copies of the state dict (the dict's own tensors alias the live weights).
// A file holds the state dict under its own names plus the step and cycle in the metadata, so
// models::load_pretrained can read it too.
#include "optim/snapshot.h"

#include <algorithm>

#include "core/autograd.h"
#include "core/io/safetensors.h"

namespace minidl::optim {
namespace {

nn::StateDict deep_copy(const nn::StateDict& state) {
  autograd::NoGradGuard no_grad;
  nn::StateDict copy;
  for (const auto& [name, tensor] : state) copy.emplace(name, tensor.clone());
  return copy;
}

std::size_t first_used(std::size_t count, std::size_t last) {
  return last == 0 || last >= count ? 0 : count - last;
}

}  // namespace

SnapshotEnsemble::SnapshotEnsemble(nn::Module& model, const lr::CosineAnnealingWarmRestarts& scheduler,
                                   SnapshotOptions options)
    : model_(model), scheduler_(scheduler), options_(std::move(options)) {}

bool SnapshotEnsemble::step() {
  if (!scheduler_.restarted()) return false;
  if (!steps_.empty() && steps_.back() == scheduler_.last_epoch()) return false;
  take_snapshot();
  return true;
}

void SnapshotEnsemble::take_snapshot() {
  snapshots_.push_back(deep_copy(model_.state_dict()));
  const int64_t step = scheduler_.last_epoch();
  steps_.push_back(step);
  if (options_.directory.empty()) return;
  const std::string path =
      options_.directory + "/" + options_.prefix + "_" + std::to_string(files_.size()) + ".safetensors";
  io::TensorMap tensors(snapshots_.back().begin(), snapshots_.back().end());
  // The cycle that just ended: the step before a restart lies in it.
  const int64_t cycle = scheduler_.cycle_at(std::max<int64_t>(step - 1, 0)).index;
  io::save_safetensors(path, tensors,
                       {{"minidl.snapshot.index", std::to_string(files_.size())},
                        {"minidl.snapshot.step", std::to_string(step)},
                        {"minidl.snapshot.cycle", std::to_string(cycle)}});
  files_.push_back(path);
}

std::shared_ptr<nn::Ensemble> SnapshotEnsemble::ensemble(const ModelMaker& make_model,
                                                         std::size_t last) const {
  MINIDL_CHECK(!snapshots_.empty(), ValueError, "SnapshotEnsemble::ensemble: no snapshot taken yet");
  std::vector<std::shared_ptr<nn::Module>> members;
  for (std::size_t k = first_used(snapshots_.size(), last); k < snapshots_.size(); ++k) {
    auto member = make_model();
    MINIDL_CHECK(member != nullptr, ValueError, "SnapshotEnsemble::ensemble: make_model returned null");
    member->load_state_dict(snapshots_[k]);
    members.push_back(std::move(member));
  }
  auto ensemble = std::make_shared<nn::Ensemble>(members);
  ensemble->eval();
  return ensemble;
}

Tensor SnapshotEnsemble::predict(const Tensor& input, std::size_t last) {
  MINIDL_CHECK(!snapshots_.empty(), ValueError, "SnapshotEnsemble::predict: no snapshot taken yet");
  autograd::NoGradGuard no_grad;
  const nn::StateDict live = deep_copy(model_.state_dict());
  const bool was_training = model_.is_training();
  model_.eval();
  std::vector<Tensor> outputs;
  try {
    for (std::size_t k = first_used(snapshots_.size(), last); k < snapshots_.size(); ++k) {
      model_.load_state_dict(snapshots_[k]);
      outputs.push_back(model_.forward(input));
    }
  } catch (...) {
    model_.load_state_dict(live);
    model_.train(was_training);
    throw;
  }
  model_.load_state_dict(live);
  model_.train(was_training);
  return nn::mean_softmax_log(outputs);
}

std::shared_ptr<nn::Ensemble> ensemble_from_files(const std::vector<std::string>& paths,
                                                  const ModelMaker& make_model) {
  MINIDL_CHECK(!paths.empty(), ValueError, "ensemble_from_files: no files given");
  std::vector<std::shared_ptr<nn::Module>> members;
  for (const auto& path : paths) {
    const io::Safetensors file = io::load_safetensors(path);
    auto member = make_model();
    MINIDL_CHECK(member != nullptr, ValueError, "ensemble_from_files: make_model returned null");
    const nn::LoadReport report = member->load_state_dict({file.tensors.begin(), file.tensors.end()}, false);
    MINIDL_CHECK(report.ok(), ValueError, "ensemble_from_files: ", path, " does not fit ",
                 member->type_name(), ": ", report.str());
    members.push_back(std::move(member));
  }
  auto ensemble = std::make_shared<nn::Ensemble>(members);
  ensemble->eval();
  return ensemble;
}

}  // namespace minidl::optim
