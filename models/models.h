// Umbrella header of the model zoo: the ready-made networks and the registry
// (models::create, models::load_pretrained).
#pragma once

#include "models/mlp.h"
#include "models/registry.h"
#include "models/resnet18.h"
#include "models/resnet9.h"
#include "models/small_cnn.h"
