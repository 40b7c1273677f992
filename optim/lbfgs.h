// L-BFGS (Nocedal & Wright, Algorithm 7.4) with torch.optim.LBFGS's semantics
// and defaults: full-batch, one parameter group, a closure that recomputes the
// loss and its gradients, an optional strong-Wolfe line search (Algorithms
// 3.5/3.6 with cubic interpolation). The flat vectors stay on the parameters'
// device; only scalars (dot products, the loss) come back to the host.
#pragma once

#include <deque>
#include <functional>
#include <optional>

#include "optim/optimizer.h"

namespace minidl::optim {

struct LBFGSOptions {
  double lr = 1.0;
  int max_iter = 20;
  /// Defaults to max_iter * 5 / 4.
  std::optional<int> max_eval;
  double tolerance_grad = 1e-7;
  double tolerance_change = 1e-9;
  int history_size = 100;
  bool strong_wolfe = false;
};

class LBFGS : public OptimizerBase<LBFGSOptions> {
 public:
  /// Zeroes the gradients, computes the loss and calls backward(); returns the loss.
  using Closure = std::function<Tensor()>;

  LBFGS(std::vector<Tensor> params, LBFGSOptions options = {});
  /// Runs up to max_iter iterations; returns the loss of the first closure call.
  Tensor step(const Closure& closure);
  /// L-BFGS needs a closure: throws ValueError.
  void step() override;
  /// Total closure calls so far.
  int64_t func_evals() const { return func_evals_; }

 private:
  Tensor flat_grad() const;
  void add_to_params(double step, const Tensor& direction);
  void set_params(const std::vector<Tensor>& values);
  /// Loss and flat gradient at params + t*d, then the params are put back to x.
  std::pair<double, Tensor> evaluate_at(const Closure& closure, const std::vector<Tensor>& x, double t,
                                         const Tensor& d);
  struct LineSearchResult {
    double loss;
    Tensor grad;
    double t;
    int evals;
  };
  LineSearchResult strong_wolfe(const Closure& closure, double t, const Tensor& d, double f, const Tensor& g,
                                double gtd);

  // State carried across step() calls, as PyTorch keeps it.
  Tensor d_, prev_flat_grad_;
  double t_ = 0, prev_loss_ = 0, h_diag_ = 1;
  std::deque<Tensor> old_dirs_, old_steps_;
  std::deque<double> ro_;
  int64_t n_iter_ = 0, func_evals_ = 0;
};

}  // namespace minidl::optim
