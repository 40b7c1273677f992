// Dispatch of the fused optimizer steps and gradient utilities (kernels/optim.h): checks
// every list against params (count, shape, dtype, device, contiguity, naming the tensor
// at fault) and the hyperparameters (PyTorch's ranges), then runs one backend call.
#include "kernels/optim.h"

#include <cmath>
#include <initializer_list>

#include "kernels/cpu/optim.h"
#if defined(MINIDL_WITH_CUDA)
#include "kernels/cuda/optim.h"
#endif
#include "kernels/ops.h"

namespace minidl::kernels {
namespace {

struct NamedList {
  const char* name;
  const TensorList* tensors;
};

std::string describe(const Tensor& t) {
  return ::minidl::detail::str_cat("shape ", shape_str(t.shape()), ", dtype ", t.dtype(), ", device ",
                                   t.device());
}

// The call over `lists` (the first one leads: every other tensor must match it by index).
MultiTensorCall gather(const char* op, std::initializer_list<NamedList> lists, bool any_floating) {
  const NamedList& lead = *lists.begin();
  MultiTensorCall call;
  const std::size_t n = lead.tensors->size();
  for (const NamedList& list : lists)
    MINIDL_CHECK(list.tensors->size() == n, ValueError, op, ": ", list.name, " has ", list.tensors->size(),
                 " tensors but ", lead.name, " has ", n);
  call.refs.numel.resize(n);
  call.refs.addresses.assign(lists.size(), std::vector<void*>(n));
  if (n == 0) return call;
  const Tensor& first = (*lead.tensors)[0];
  MINIDL_CHECK(first.defined(), ValueError, op, ": ", lead.name, "[0] is undefined");
  call.dtype = first.dtype();
  call.device = first.device();
  if (any_floating) {
    MINIDL_CHECK(is_floating(call.dtype), DTypeError, op, ": expected floating tensors, got ", lead.name,
                 "[0] with ", describe(first));
  } else {
    MINIDL_CHECK(call.dtype == DType::Float32 || call.dtype == DType::Float64, DTypeError, op,
                 ": expected float32 or float64 tensors, got ", lead.name, "[0] with ", describe(first));
  }
  std::size_t l = 0;
  for (const NamedList& list : lists) {
    for (std::size_t i = 0; i < n; ++i) {
      const Tensor& t = (*list.tensors)[i];
      const Tensor& ref = (*lead.tensors)[i];
      MINIDL_CHECK(t.defined(), ValueError, op, ": ", list.name, "[", i, "] is undefined");
      MINIDL_CHECK(t.device() == call.device, DeviceError, op, ": ", list.name, "[", i, "] has ", describe(t),
                   " but ", lead.name, "[0] has ", describe(first), " (one device per call)");
      MINIDL_CHECK(t.dtype() == call.dtype, DTypeError, op, ": ", list.name, "[", i, "] has ", describe(t),
                   " but ", lead.name, "[0] has ", describe(first), " (one dtype per call)");
      MINIDL_CHECK(t.shape() == ref.shape(), ShapeError, op, ": ", list.name, "[", i, "] has ", describe(t),
                   " but ", lead.name, "[", i, "] has ", describe(ref));
      MINIDL_CHECK(t.is_contiguous(), ValueError, op, ": ", list.name, "[", i, "] with ", describe(t),
                   " and strides ", shape_str(t.strides()), " is not contiguous");
      call.refs.addresses[l][i] = t.data_ptr();
      if (l == 0) call.refs.numel[i] = t.numel();
    }
    ++l;
  }
  call.refs.element_size = element_size(call.dtype);
  return call;
}

template <typename F> void run(const MultiTensorCall& call, const F& functor) {
  if (call.refs.numel.empty()) return;
  if (call.device.is_cpu())
    cpu::multi_tensor_apply(call, functor);
  else
    MINIDL_CUDA_DISPATCH(cuda::multi_tensor_apply(call, functor));
}

// A one-element tensor on `device` read by the kernel in place of a host number.
ScalarRef device_scalar(const char* op, const char* what, const Tensor& t, const Device& device,
                        std::initializer_list<DType> dtypes) {
  MINIDL_CHECK(t.numel() == 1, ShapeError, op, ": ", what, " must hold one element, got ", describe(t));
  MINIDL_CHECK(t.device() == device, DeviceError, op, ": ", what, " has ", describe(t),
               " but the tensors are on ", device);
  bool allowed = false;
  for (DType dtype : dtypes) allowed = allowed || t.dtype() == dtype;
  MINIDL_CHECK(allowed, DTypeError, op, ": ", what, " has unsupported ", describe(t));
  ScalarRef ref;
  ref.ptr = t.data_ptr();
  ref.kind = t.dtype() == DType::Float32 ? ScalarKind::Float32
             : t.dtype() == DType::Int64 ? ScalarKind::Int64
                                         : ScalarKind::Float64;
  return ref;
}

StepRefs step_refs(const char* op, const StepScalars& scalars, double lr, const MultiTensorCall& call) {
  StepRefs refs;
  refs.lr.value = lr;
  refs.step.value = static_cast<double>(scalars.step);
  if (scalars.lr_tensor.defined())
    refs.lr =
        device_scalar(op, "lr_tensor", scalars.lr_tensor, call.device, {DType::Float32, DType::Float64});
  if (scalars.step_tensor.defined())
    refs.step = device_scalar(op, "step_tensor", scalars.step_tensor, call.device,
                              {DType::Float32, DType::Float64, DType::Int64});
  else
    MINIDL_CHECK(scalars.step >= 1, ValueError, op, ": the step count starts at 1, got ", scalars.step);
  return refs;
}

void check_range(const char* op, const char* name, double value, double low, double high, bool high_open) {
  const bool ok = value >= low && (high_open ? value < high : value <= high);
  MINIDL_CHECK(ok, ValueError, op, ": expected ", name, " in [", low, ", ", high, high_open ? ")" : "]",
               ", got ", value);
}

constexpr double kInf = INFINITY;

void check_common(const char* op, double lr, double weight_decay, double l1) {
  MINIDL_CHECK(std::isfinite(lr) && lr >= 0.0, ValueError, op, ": expected lr >= 0, got ", lr);
  check_range(op, "weight_decay", weight_decay, 0.0, kInf, true);
  check_range(op, "l1", l1, 0.0, kInf, true);
}

}  // namespace

void check_hyperparameters(const SgdParams& hp, const char* op) {
  check_common(op, hp.lr, hp.weight_decay, hp.l1);
  check_range(op, "momentum", hp.momentum, 0.0, kInf, true);
  MINIDL_CHECK(std::isfinite(hp.dampening), ValueError, op, ": expected a finite dampening, got ",
               hp.dampening);
  MINIDL_CHECK(!hp.nesterov || (hp.momentum > 0.0 && hp.dampening == 0.0), ValueError, op,
               ": Nesterov momentum requires momentum > 0 and dampening = 0, got momentum=", hp.momentum,
               " dampening=", hp.dampening);
}

void check_hyperparameters(const AdagradParams& hp, const char* op) {
  check_common(op, hp.lr, hp.weight_decay, hp.l1);
  check_range(op, "lr_decay", hp.lr_decay, 0.0, kInf, true);
  check_range(op, "eps", hp.eps, 0.0, kInf, true);
  check_range(op, "initial_accumulator_value", hp.initial_accumulator_value, 0.0, kInf, true);
}

void check_hyperparameters(const RmspropParams& hp, const char* op) {
  check_common(op, hp.lr, hp.weight_decay, hp.l1);
  check_range(op, "alpha", hp.alpha, 0.0, 1.0, false);
  check_range(op, "eps", hp.eps, 0.0, kInf, true);
  check_range(op, "momentum", hp.momentum, 0.0, kInf, true);
}

void check_hyperparameters(const AdamParams& hp, const char* op) {
  check_common(op, hp.lr, hp.weight_decay, hp.l1);
  check_range(op, "beta1", hp.beta1, 0.0, 1.0, true);
  check_range(op, "beta2", hp.beta2, 0.0, 1.0, true);
  check_range(op, "eps", hp.eps, 0.0, kInf, true);
}

void check_hyperparameters(const AdamWParams& hp, const char* op) { check_hyperparameters(as_adam(hp), op); }

void sgd_step(const TensorList& params, const TensorList& grads, const TensorList& momentum_buffers,
              const SgdParams& hp, const StepScalars& scalars) {
  const char* op = "sgd_step";
  check_hyperparameters(hp, op);
  if (hp.momentum == 0.0) {
    const MultiTensorCall call = gather(op, {{"params", &params}, {"grads", &grads}}, false);
    run(call, SgdFunctor<false>{hp, step_refs(op, scalars, hp.lr, call)});
  } else {
    const MultiTensorCall call =
        gather(op, {{"params", &params}, {"grads", &grads}, {"momentum_buffers", &momentum_buffers}}, false);
    run(call, SgdFunctor<true>{hp, step_refs(op, scalars, hp.lr, call)});
  }
}

void adagrad_step(const TensorList& params, const TensorList& grads, const TensorList& state_sums,
                  const AdagradParams& hp, const StepScalars& scalars) {
  const char* op = "adagrad_step";
  check_hyperparameters(hp, op);
  const MultiTensorCall call =
      gather(op, {{"params", &params}, {"grads", &grads}, {"state_sums", &state_sums}}, false);
  run(call, AdagradFunctor{hp, step_refs(op, scalars, hp.lr, call)});
}

void rmsprop_step(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
                  const TensorList& momentum_buffers, const TensorList& grad_avgs, const RmspropParams& hp,
                  const StepScalars& scalars) {
  const char* op = "rmsprop_step";
  check_hyperparameters(hp, op);
  const NamedList p{"params", &params}, g{"grads", &grads}, v{"square_avgs", &square_avgs};
  const NamedList b{"momentum_buffers", &momentum_buffers}, a{"grad_avgs", &grad_avgs};
  const bool momentum = hp.momentum != 0.0;
  const MultiTensorCall call = momentum && hp.centered ? gather(op, {p, g, v, b, a}, false)
                               : momentum              ? gather(op, {p, g, v, b}, false)
                               : hp.centered           ? gather(op, {p, g, v, a}, false)
                                                       : gather(op, {p, g, v}, false);
  const StepRefs refs = step_refs(op, scalars, hp.lr, call);
  if (momentum && hp.centered)
    run(call, RmspropFunctor<true, true>{hp, refs});
  else if (momentum)
    run(call, RmspropFunctor<true, false>{hp, refs});
  else if (hp.centered)
    run(call, RmspropFunctor<false, true>{hp, refs});
  else
    run(call, RmspropFunctor<false, false>{hp, refs});
}

void adam_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
               const TensorList& exp_avg_sqs, const TensorList& max_exp_avg_sqs, const AdamParams& hp,
               const StepScalars& scalars) {
  const char* op = hp.decoupled_weight_decay ? "adamw_step" : "adam_step";
  check_hyperparameters(hp, op);
  const NamedList p{"params", &params}, g{"grads", &grads}, m{"exp_avgs", &exp_avgs};
  const NamedList v{"exp_avg_sqs", &exp_avg_sqs}, vmax{"max_exp_avg_sqs", &max_exp_avg_sqs};
  const MultiTensorCall call =
      hp.amsgrad ? gather(op, {p, g, m, v, vmax}, false) : gather(op, {p, g, m, v}, false);
  const StepRefs refs = step_refs(op, scalars, hp.lr, call);
  if (hp.amsgrad)
    run(call, AdamFunctor<true>{hp, refs});
  else
    run(call, AdamFunctor<false>{hp, refs});
}

void adamw_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
                const TensorList& exp_avg_sqs, const TensorList& max_exp_avg_sqs, const AdamWParams& hp,
                const StepScalars& scalars) {
  adam_step(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, as_adam(hp), scalars);
}

void ema_update(const TensorList& ema_params, const TensorList& params, double decay) {
  check_range("ema_update", "decay", decay, 0.0, 1.0, false);
  const MultiTensorCall call = gather("ema_update", {{"ema_params", &ema_params}, {"params", &params}}, true);
  run(call, EmaFunctor{decay});
}

Tensor clip_grad_norm(const TensorList& grads, double max_norm) {
  MINIDL_CHECK(std::isfinite(max_norm) && max_norm >= 0.0, ValueError,
               "clip_grad_norm: expected a finite max_norm >= 0, got ", max_norm);
  const MultiTensorCall call = gather("clip_grad_norm", {{"grads", &grads}}, true);
  if (grads.empty()) return zeros({}, {.dtype = DType::Float64});
  // stats[0] = sum of squares (read by the scaling kernel), stats[1] = the norm returned.
  const Tensor stats = empty({2}, {.dtype = DType::Float64, .device = call.device});
  double* sums = stats.data<double>();
  if (call.device.is_cpu())
    cpu::sum_of_squares(call, sums);
  else
    MINIDL_CUDA_DISPATCH(cuda::sum_of_squares(call, sums));
  run(call, ClipScaleFunctor{sums, max_norm});
  return stats.select(0, 1);
}

void unscale_grads(const TensorList& grads, const Tensor& inv_scale, const Tensor& found_inf) {
  const char* op = "unscale_grads";
  const MultiTensorCall call = gather(op, {{"grads", &grads}}, true);
  if (grads.empty()) return;
  UnscaleFunctor functor;
  functor.inv_scale =
      device_scalar(op, "inv_scale", inv_scale, call.device, {DType::Float32, DType::Float64});
  device_scalar(op, "found_inf", found_inf, call.device, {DType::Float32});
  functor.found_inf = found_inf.data<float>();
  run(call, functor);
}

void unscale_grads(const TensorList& grads, double inv_scale, const Tensor& found_inf) {
  const char* op = "unscale_grads";
  const MultiTensorCall call = gather(op, {{"grads", &grads}}, true);
  if (grads.empty()) return;
  UnscaleFunctor functor;
  functor.inv_scale.value = inv_scale;
  device_scalar(op, "found_inf", found_inf, call.device, {DType::Float32});
  functor.found_inf = found_inf.data<float>();
  run(call, functor);
}

}  // namespace minidl::kernels
