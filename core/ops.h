// Umbrella header of the differentiable ops (each family lives in core/ops/).
#pragma once

#include "core/ops/batch_norm.h"
#include "core/ops/conv.h"
#include "core/ops/dropout.h"
#include "core/ops/elementwise.h"
#include "core/ops/fractional_pool.h"
#include "core/ops/linalg.h"
#include "core/ops/loss.h"
#include "core/ops/pooling.h"
#include "core/ops/reduction.h"
#include "core/ops/shape.h"
#include "core/ops/stochastic_depth.h"
