#include "optim/lbfgs.h"

#include <algorithm>
#include <cmath>

#include "core/autograd.h"
#include "core/ops/elementwise.h"
#include "core/ops/reduction.h"
#include "core/ops/shape.h"

namespace minidl::optim {
namespace {

double dot(const Tensor& a, const Tensor& b) { return sum(mul(a, b)).item(); }
double abs_max(const Tensor& a) { return max(abs(a)).item(); }
double abs_sum(const Tensor& a) { return sum(abs(a)).item(); }

// The closure records gradients even though step() itself does not.
Tensor call(const LBFGS::Closure& closure) {
  autograd::EnableGradGuard grad_on;
  return closure();
}

// Minimizer of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to bounds.
double cubic_interpolate(double x1, double f1, double g1, double x2, double f2, double g2,
                         std::optional<std::pair<double, double>> bounds = std::nullopt) {
  const auto [lo, hi] = bounds ? *bounds : std::pair<double, double>(std::min(x1, x2), std::max(x1, x2));
  const double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
  const double d2_square = d1 * d1 - g1 * g2;
  if (d2_square < 0) return (lo + hi) / 2;
  const double d2 = std::sqrt(d2_square);
  const double min_pos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                                  : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
  return std::min(std::max(min_pos, lo), hi);
}

}  // namespace

LBFGS::LBFGS(std::vector<Tensor> params, LBFGSOptions options) : OptimizerBase(std::move(params), options) {
  MINIDL_CHECK(options.lr > 0 && options.max_iter > 0 && options.history_size > 0, ValueError,
               "LBFGS: lr, max_iter and history_size must be positive");
}

void LBFGS::step() { throw ValueError("LBFGS::step needs a closure that recomputes the loss: use step(closure)"); }

Tensor LBFGS::flat_grad() const {
  std::vector<Tensor> pieces;
  for (const Tensor& p : groups_[0].params) {
    const Tensor g = p.grad();
    pieces.push_back(g.defined() ? g.reshape({-1}) : zeros({p.numel()}, {.dtype = p.dtype(), .device = p.device()}));
  }
  return cat(pieces, 0);
}

void LBFGS::add_to_params(double step, const Tensor& direction) {
  autograd::NoGradGuard no_grad;
  int64_t offset = 0;
  for (const Tensor& p : groups_[0].params) {
    add_(p, direction.narrow(0, offset, p.numel()).view(p.shape()), step);
    offset += p.numel();
  }
}

void LBFGS::set_params(const std::vector<Tensor>& values) {
  autograd::NoGradGuard no_grad;
  for (std::size_t i = 0; i < values.size(); ++i) groups_[0].params[i].copy_(values[i]);
}

std::pair<double, Tensor> LBFGS::evaluate_at(const Closure& closure, const std::vector<Tensor>& x, double t,
                                             const Tensor& d) {
  add_to_params(t, d);
  const double loss = call(closure).item();
  Tensor grad = flat_grad();
  set_params(x);
  return {loss, grad};
}

LBFGS::LineSearchResult LBFGS::strong_wolfe(const Closure& closure, double t, const Tensor& d, double f,
                                            const Tensor& g, double gtd) {
  constexpr double c1 = 1e-4, c2 = 0.9;
  constexpr int max_ls = 25;
  const double tolerance_change = groups_[0].options.tolerance_change;
  std::vector<Tensor> x;
  for (const Tensor& p : groups_[0].params) x.push_back(p.detach().clone());
  const double d_norm = abs_max(d);

  auto [f_new, g_new] = evaluate_at(closure, x, t, d);
  int evals = 1;
  double gtd_new = dot(g_new, d);
  double t_prev = 0, f_prev = f, gtd_prev = gtd;
  Tensor g_prev = g;
  bool done = false;
  int ls_iter = 0;
  // Bracketing phase: find an interval that contains a point satisfying the strong Wolfe conditions.
  std::vector<double> bracket, bracket_f, bracket_gtd;
  std::vector<Tensor> bracket_g;
  while (ls_iter < max_ls) {
    const bool sufficient_decrease = !(f_new > f + c1 * t * gtd || (ls_iter > 1 && f_new >= f_prev));
    if (sufficient_decrease && std::abs(gtd_new) <= -c2 * gtd) {  // strong Wolfe: accept t
      bracket = {t}, bracket_f = {f_new}, bracket_g = {g_new};
      done = true;
      break;
    }
    if (!sufficient_decrease || gtd_new >= 0) {  // a minimum lies in [t_prev, t]
      bracket = {t_prev, t}, bracket_f = {f_prev, f_new}, bracket_g = {g_prev, g_new};
      bracket_gtd = {gtd_prev, gtd_new};
      break;
    }
    const double min_step = t + 0.01 * (t - t_prev);
    const double max_step = t * 10;
    const double previous = t;
    t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, std::make_pair(min_step, max_step));
    t_prev = previous, f_prev = f_new, g_prev = g_new, gtd_prev = gtd_new;
    std::tie(f_new, g_new) = evaluate_at(closure, x, t, d);
    ++evals;
    gtd_new = dot(g_new, d);
    ++ls_iter;
  }
  if (ls_iter == max_ls) bracket = {0, t}, bracket_f = {f, f_new}, bracket_g = {g, g_new};

  // Zoom phase: shrink the bracket until the strong Wolfe conditions hold.
  bool insufficient_progress = false;
  std::size_t low = 0, high = 1;
  if (bracket.size() == 2 && bracket_f[0] > bracket_f[1]) low = 1, high = 0;
  while (!done && ls_iter < max_ls) {
    if (std::abs(bracket[1] - bracket[0]) * d_norm < tolerance_change) break;
    t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]);
    const double lo = std::min(bracket[0], bracket[1]), hi = std::max(bracket[0], bracket[1]);
    const double eps = 0.1 * (hi - lo);
    if (std::min(hi - t, t - lo) < eps) {
      if (insufficient_progress || t >= hi || t <= lo) {
        t = std::abs(t - hi) < std::abs(t - lo) ? hi - eps : lo + eps;
        insufficient_progress = false;
      } else {
        insufficient_progress = true;
      }
    } else {
      insufficient_progress = false;
    }
    std::tie(f_new, g_new) = evaluate_at(closure, x, t, d);
    ++evals;
    gtd_new = dot(g_new, d);
    ++ls_iter;
    if (f_new > f + c1 * t * gtd || f_new >= bracket_f[low]) {
      bracket[high] = t, bracket_f[high] = f_new, bracket_g[high] = g_new, bracket_gtd[high] = gtd_new;
      low = bracket_f[0] <= bracket_f[1] ? 0 : 1;
      high = 1 - low;
    } else {
      if (std::abs(gtd_new) <= -c2 * gtd) {
        done = true;
      } else if (gtd_new * (bracket[high] - bracket[low]) >= 0) {
        bracket[high] = bracket[low], bracket_f[high] = bracket_f[low];
        bracket_g[high] = bracket_g[low], bracket_gtd[high] = bracket_gtd[low];
      }
      bracket[low] = t, bracket_f[low] = f_new, bracket_g[low] = g_new, bracket_gtd[low] = gtd_new;
    }
  }
  return {bracket_f[low], bracket_g[low], bracket[low], evals};
}

Tensor LBFGS::step(const Closure& closure) {
  const LBFGSOptions& o = groups_[0].options;
  const int max_eval = o.max_eval.value_or(o.max_iter * 5 / 4);
  const Tensor orig_loss = call(closure);
  double loss = orig_loss.item();
  int current_evals = 1;
  ++func_evals_;
  Tensor grad = flat_grad();
  if (abs_max(grad) <= o.tolerance_grad) return orig_loss;

  autograd::NoGradGuard no_grad;
  for (int n_iter = 1; n_iter <= o.max_iter; ++n_iter) {
    ++n_iter_;
    if (n_iter_ == 1) {
      d_ = neg(grad);
      old_dirs_.clear(), old_steps_.clear(), ro_.clear();
      h_diag_ = 1;
    } else {
      // Update the curvature pairs, then the two-loop recursion for d = -H g.
      const Tensor y = sub(grad, prev_flat_grad_);
      const Tensor s = mul(d_, t_);
      const double ys = dot(y, s);
      if (ys > 1e-10) {
        if (static_cast<int>(old_dirs_.size()) == o.history_size) {
          old_dirs_.pop_front(), old_steps_.pop_front(), ro_.pop_front();
        }
        old_dirs_.push_back(y), old_steps_.push_back(s), ro_.push_back(1.0 / ys);
        h_diag_ = ys / dot(y, y);
      }
      std::vector<double> alpha(old_dirs_.size());
      Tensor q = neg(grad);
      for (std::size_t i = old_dirs_.size(); i-- > 0;) {
        alpha[i] = dot(old_steps_[i], q) * ro_[i];
        add_(q, old_dirs_[i], -alpha[i]);
      }
      Tensor r = mul(q, h_diag_);
      for (std::size_t i = 0; i < old_dirs_.size(); ++i) {
        const double beta = dot(old_dirs_[i], r) * ro_[i];
        add_(r, old_steps_[i], alpha[i] - beta);
      }
      d_ = r;
    }
    prev_flat_grad_ = grad.clone();
    prev_loss_ = loss;
    t_ = n_iter_ == 1 ? std::min(1.0, 1.0 / abs_sum(grad)) * o.lr : o.lr;
    const double gtd = dot(grad, d_);
    if (gtd > -o.tolerance_change) break;  // not a descent direction

    int ls_evals = 0;
    bool optimal = false;
    if (o.strong_wolfe) {
      const LineSearchResult found = strong_wolfe(closure, t_, d_, loss, grad, gtd);
      loss = found.loss, grad = found.grad, t_ = found.t, ls_evals = found.evals;
      add_to_params(t_, d_);
      optimal = abs_max(grad) <= o.tolerance_grad;
    } else {
      add_to_params(t_, d_);
      if (n_iter != o.max_iter) {
        loss = call(closure).item();
        grad = flat_grad();
        optimal = abs_max(grad) <= o.tolerance_grad;
        ls_evals = 1;
      }
    }
    current_evals += ls_evals;
    func_evals_ += ls_evals;
    if (n_iter == o.max_iter || current_evals >= max_eval || optimal) break;
    if (abs_max(d_) * std::abs(t_) <= o.tolerance_change) break;
    if (std::abs(loss - prev_loss_) < o.tolerance_change) break;
  }
  return orig_loss;
}

}  // namespace minidl::optim
