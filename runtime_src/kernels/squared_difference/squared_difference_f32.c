/* squared_difference.f32: output = clamp((a - b)^2, act_min, act_max) with numpy broadcasting. */
#include "../shared/binary.h"

SELRT_BINARY_ACT_F32(squared_difference, (x - y) * (x - y));
