#include "optim/averaging.h"

#include <algorithm>

#include "core/autograd.h"
#include "kernels/optim.h"

namespace minidl::optim {

ExponentialMovingAverage::ExponentialMovingAverage(nn::Module& module, EmaOptions options)
    : options_(options) {
  MINIDL_CHECK(options.decay >= 0 && options.decay <= 1, ValueError, "EMA: decay must lie in [0, 1], got ",
               options.decay);
  params_ = module.parameters();
  buffers_ = module.buffers();
  for (const Tensor& p : params_) shadow_params_.push_back(p.detach().clone());
  for (const Tensor& b : buffers_) shadow_buffers_.push_back(b.detach().clone());
}

double ExponentialMovingAverage::current_decay() const {
  if (!options_.warmup) return options_.decay;
  const double t = static_cast<double>(num_updates_);
  return std::min(options_.decay, (1 + t) / (10 + t));
}

void ExponentialMovingAverage::update() {
  autograd::NoGradGuard no_grad;
  const double decay = current_decay();
  kernels::ema_update(shadow_params_, params_, decay);
  std::vector<Tensor> floating_shadow, floating_live;
  for (std::size_t i = 0; i < buffers_.size(); ++i) {
    if (options_.average_buffers && is_floating(buffers_[i].dtype())) {
      floating_shadow.push_back(shadow_buffers_[i]);
      floating_live.push_back(buffers_[i]);
    } else {
      shadow_buffers_[i].copy_(buffers_[i]);  // counters and copied statistics follow the model
    }
  }
  if (!floating_shadow.empty()) kernels::ema_update(floating_shadow, floating_live, decay);
  ++num_updates_;
}

void ExponentialMovingAverage::copy_to() {
  MINIDL_CHECK(backup_.empty(), ValueError, "EMA: copy_to() twice without restore()");
  autograd::NoGradGuard no_grad;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    backup_.push_back(params_[i].detach().clone());
    params_[i].copy_(shadow_params_[i]);
  }
  for (std::size_t i = 0; i < buffers_.size(); ++i) {
    backup_.push_back(buffers_[i].clone());
    buffers_[i].copy_(shadow_buffers_[i]);
  }
}

void ExponentialMovingAverage::restore() {
  MINIDL_CHECK(!backup_.empty() || (params_.empty() && buffers_.empty()), ValueError,
               "EMA: restore() without copy_to()");
  autograd::NoGradGuard no_grad;
  for (std::size_t i = 0; i < params_.size(); ++i) params_[i].copy_(backup_[i]);
  for (std::size_t i = 0; i < buffers_.size(); ++i) buffers_[i].copy_(backup_[params_.size() + i]);
  backup_.clear();
}

double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm) {
  MINIDL_CHECK(max_norm > 0, ValueError, "clip_grad_norm_: max_norm must be positive, got ", max_norm);
  std::vector<Tensor> grads;
  for (const Tensor& p : params)
    if (p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return 0.0;
  autograd::NoGradGuard no_grad;
  return kernels::clip_grad_norm(grads, max_norm).item();
}

}  // namespace minidl::optim
