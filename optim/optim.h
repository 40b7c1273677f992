// Umbrella header of the optimizers, learning-rate schedules, averaging and clipping.
#pragma once

#include "optim/algorithms.h"
#include "optim/averaging.h"
#include "optim/lbfgs.h"
#include "optim/lr_scheduler.h"
#include "optim/optimizer.h"
#include "optim/snapshot.h"
