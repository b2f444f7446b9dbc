/* minimum.f32: output = clamp(min(a, b), act_min, act_max) with numpy broadcasting. */
#include "../shared/binary.h"

SELRT_BINARY_ACT_F32(minimum, x < y ? x : y);
