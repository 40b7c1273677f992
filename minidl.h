// minidl's public API in one header: #include <minidl.h>. It includes no CUDA
// header (nor any third-party one), so programs that use minidl compile without
// the CUDA toolkit.
#pragma once

#include "core/autograd.h"
#include "core/device.h"
#include "core/dtype.h"
#include "core/error.h"
#include "core/generator.h"
#include "core/io/safetensors.h"
#include "core/memory/memory_stats.h"
#include "core/parallel.h"
#include "core/ops.h"
#include "core/random.h"
#include "core/stream.h"
#include "core/tensor.h"
#include "data/augment.h"
#include "data/cifar.h"
#include "data/dataset.h"
#include "data/loader.h"
#include "layers/nn.h"
#include "models/models.h"
#include "optim/optim.h"
#include "train/checkpoint.h"
#include "train/metrics.h"
#include "train/progress.h"
#include "train/report.h"
#include "train/svg_chart.h"
