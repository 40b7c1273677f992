// Umbrella header of the layers: nn::Module and every layer, initializer and loss module, and nn::summary.
#pragma once

#include "layers/activation.h"
#include "layers/batch_norm.h"
#include "layers/bn_recalibrate.h"
#include "layers/container.h"
#include "layers/conv.h"
#include "layers/dropout.h"
#include "layers/ensemble.h"
#include "layers/fractional_pool.h"
#include "layers/init.h"
#include "layers/linear.h"
#include "layers/loss.h"
#include "layers/module.h"
#include "layers/pooling.h"
#include "layers/stochastic_depth.h"
#include "layers/summary.h"
#include "layers/transfer.h"
