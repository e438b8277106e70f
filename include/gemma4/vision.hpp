// gemma4/vision.hpp: the vision path, from an image file to the soft tokens that replace its
// placeholders.
//
// Umbrella of include/gemma4/vision/; in data-flow order: image, image_file (stb), resize,
// image_processor (budget, target size, patches, positions), config, config_json, rope_2d,
// clippable_linear, patch_embedder, encoder_layer, pooler, projector (embed_vision), weights,
// model, picture (what the model sees).
#pragma once

#include "gemma4/vision/clippable_linear.hpp"
#include "gemma4/vision/config.hpp"
#include "gemma4/vision/config_json.hpp"
#include "gemma4/vision/encoder_layer.hpp"
#include "gemma4/vision/image.hpp"
#include "gemma4/vision/image_file.hpp"
#include "gemma4/vision/image_processor.hpp"
#include "gemma4/vision/model.hpp"
#include "gemma4/vision/patch_embedder.hpp"
#include "gemma4/vision/picture.hpp"
#include "gemma4/vision/pooler.hpp"
#include "gemma4/vision/projector.hpp"
#include "gemma4/vision/resize.hpp"
#include "gemma4/vision/rope_2d.hpp"
#include "gemma4/vision/weights.hpp"
