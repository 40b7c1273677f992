// The base of the fused algorithms (SGD, Adagrad, RMSprop, Adam, AdamW): keeps
// per-parameter state and, on step(), hands each parameter group to one fused
// kernel call (one launch per group on CUDA). Parameters without a gradient
// (frozen, or unused this step) are skipped; a group whose parameters sit on
// several devices or dtypes, or at different step counts, is split into one
// call per such bucket.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/autograd.h"
#include "core/text.h"
#include "kernels/optim.h"
#include "optim/optimizer.h"

namespace minidl::optim {

/// Optimizer state by name ("state.<group>.<index>.<buffer>", "param_groups.<group>.lr"), for checkpoints.
using OptimizerState = std::map<std::string, Tensor>;

inline constexpr int kMaxStateBuffers = 3;

/// The tensors of one fused call.
struct Bucket {
  kernels::TensorList params, grads;
  std::array<kernels::TensorList, kMaxStateBuffers> buffers;  // empty when the options need none
  int64_t step = 1;                                           // t of this update
};

template <typename Options> class FusedOptimizer : public OptimizerBase<Options> {
 public:
  /// `name` (e.g. "SGD") prefixes the errors of options outside torch.optim's ranges, which
  /// are reported here for every group rather than at the first step.
  FusedOptimizer(std::vector<Tensor> params, Options options, const char* name)
      : OptimizerBase<Options>(std::move(params), options) {
    kernels::check_hyperparameters(options, name);
  }
  FusedOptimizer(std::vector<ParamGroup<Options>> groups, Options defaults, const char* name)
      : OptimizerBase<Options>(std::move(groups), defaults) {
    for (const auto& group : this->groups_) kernels::check_hyperparameters(group.options, name);
  }

  void step() override {
    autograd::NoGradGuard no_grad;
    for (auto& group : this->groups_) {
      std::map<std::tuple<int, int, int64_t>, Bucket> buckets;
      for (const Tensor& p : group.params) {
        const Tensor grad = p.grad();
        if (!grad.defined()) continue;
        MINIDL_CHECK(grad.shape() == p.shape() && grad.device() == p.device(), ShapeError,
                     "optimizer: gradient of shape ", shape_str(grad.shape()), " on ", grad.device(),
                     " for a parameter of shape ", shape_str(p.shape()), " on ", p.device());
        State& state = state_for(p, group.options);
        ++state.step;
        const auto key = std::make_tuple(static_cast<int>(p.device().type) * 1024 + p.device().index,
                                         static_cast<int>(p.dtype()), state.step);
        Bucket& bucket = buckets[key];
        bucket.step = state.step;
        bucket.params.push_back(p);
        bucket.grads.push_back(grad.to(p.dtype()).contiguous());
        for (int k = 0; k < kMaxStateBuffers; ++k)
          if (state.buffers[k].defined()) bucket.buffers[k].push_back(state.buffers[k]);
      }
      for (auto& entry : buckets) {
        update(group.options, entry.second);
        // The kernels write the parameters in place: count it, so a backward through a forward
        // that saved the old values raises (core/autograd.h), as after PyTorch's step().
        for (const Tensor& p : entry.second.params) p.storage().bump_version();
      }
    }
  }

  OptimizerState state_dict() const {
    OptimizerState out;
    for (std::size_t g = 0; g < this->groups_.size(); ++g) {
      const auto& group = this->groups_[g];
      out["param_groups." + std::to_string(g) + ".lr"] =
          full({}, group.options.lr, {.dtype = DType::Float64});
      for (std::size_t i = 0; i < group.params.size(); ++i) {
        const auto found = state_.find(group.params[i].impl_ptr().get());
        if (found == state_.end()) continue;
        const std::string prefix = "state." + std::to_string(g) + "." + std::to_string(i) + ".";
        out[prefix + "step"] = full({}, static_cast<double>(found->second.step), {.dtype = DType::Int64});
        for (int k = 0; k < kMaxStateBuffers; ++k)
          if (found->second.buffers[k].defined()) out[prefix + std::to_string(k)] = found->second.buffers[k];
      }
    }
    return out;
  }

  /// Restores state saved by state_dict() from an optimizer over parameters of the same shapes.
  /// Everything is checked before anything changes: an entry that is missing or of another
  /// shape, and a key this optimizer does not write (a misspelling, another algorithm's state),
  /// are a ValueError naming them.
  void load_state_dict(const OptimizerState& saved) {
    std::vector<std::string> problems;
    std::set<std::string> known;
    for (std::size_t g = 0; g < this->groups_.size(); ++g) {
      const auto& group = this->groups_[g];
      const std::string lr = "param_groups." + std::to_string(g) + ".lr";
      known.insert(lr);
      const auto found_lr = saved.find(lr);
      if (found_lr == saved.end() || found_lr->second.numel() != 1) problems.push_back("missing " + lr);
      const auto needed = buffers_needed(group.options);
      for (std::size_t i = 0; i < group.params.size(); ++i) {
        const std::string prefix = "state." + std::to_string(g) + "." + std::to_string(i) + ".";
        known.insert(prefix + "step");
        for (int k = 0; k < kMaxStateBuffers; ++k)
          if (needed[k]) known.insert(prefix + std::to_string(k));
        const auto step = saved.find(prefix + "step");
        if (step == saved.end()) continue;  // no state yet for this parameter
        if (step->second.numel() != 1 || step->second.item() < 0)
          problems.push_back(prefix + "step is not a non-negative count");
        for (int k = 0; k < kMaxStateBuffers; ++k) {
          if (!needed[k]) continue;
          const auto buffer = saved.find(prefix + std::to_string(k));
          if (buffer == saved.end())
            problems.push_back("missing " + prefix + std::to_string(k));
          else if (buffer->second.shape() != group.params[i].shape())
            problems.push_back(prefix + std::to_string(k) + " is " + shape_str(buffer->second.shape()) +
                               " but the parameter is " + shape_str(group.params[i].shape()));
        }
      }
    }
    for (const auto& entry : saved)
      if (!known.count(entry.first)) problems.push_back("unexpected " + entry.first);
    MINIDL_CHECK(problems.empty(), ValueError, "optimizer state does not fit this optimizer: ",
                 detail::join(problems));

    for (std::size_t g = 0; g < this->groups_.size(); ++g) {
      auto& group = this->groups_[g];
      group.options.lr = saved.at("param_groups." + std::to_string(g) + ".lr").item();
      for (std::size_t i = 0; i < group.params.size(); ++i) {
        const Tensor& p = group.params[i];
        const std::string prefix = "state." + std::to_string(g) + "." + std::to_string(i) + ".";
        const auto step = saved.find(prefix + "step");
        if (step == saved.end()) {
          state_.erase(p.impl_ptr().get());
          continue;
        }
        State& state = state_for(p, group.options);
        state.step = step->second.item<int64_t>();
        for (int k = 0; k < kMaxStateBuffers; ++k) {
          const auto buffer = saved.find(prefix + std::to_string(k));
          if (state.buffers[k].defined() && buffer != saved.end()) state.buffers[k].copy_(buffer->second);
        }
      }
    }
  }

 protected:
  struct State {
    std::array<Tensor, kMaxStateBuffers> buffers;
    int64_t step = 0;
  };
  /// Which of the state buffers these options need (e.g. a momentum buffer only with momentum).
  virtual std::array<bool, kMaxStateBuffers> buffers_needed(const Options& options) const = 0;
  /// One fused kernel call for a bucket.
  virtual void update(const Options& options, Bucket& bucket) = 0;

 private:
  State& state_for(const Tensor& p, const Options& options) {
    State& state = state_[p.impl_ptr().get()];
    if (state.step == 0) {
      const auto needed = buffers_needed(options);
      for (int k = 0; k < kMaxStateBuffers; ++k)
        if (needed[k] && !state.buffers[k].defined()) state.buffers[k] = zeros_like(p);
    }
    return state;
  }

  std::unordered_map<const detail::TensorImpl*, State> state_;
};

}  // namespace minidl::optim
